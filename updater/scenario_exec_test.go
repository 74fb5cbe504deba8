package updater

// The updater's scenario language: a few commands, named after Swarm's
// concepts, that set up the harness (harness_test.go) and drive it, for the
// scenario files under testdata/ (run by updater_test.TestScenarios through
// swarmsimtest.RunScenariosWith). Each command prints the harness log lines
// it caused, then what it shows.
//
//	slots N                      a new run: N slots, each with one dirty running task oN
//	slot ID TASK...              a new run's slot: TASK is id:dirty|clean:desired:observed
//	update-config KEY=VALUE...   Spec.Update: parallelism, delay, monitor, failure-action, order, max-failure-ratio
//	rollback-config KEY=VALUE... Spec.Rollback, the same keys
//	manual-rollback              the run is a rollback (ManualRollback's status)
//	image [slot=N] KEY=VALUE...  how new tasks behave: start, fail (a state), fail-after, reject-at
//	stop-time D                  desired SHUTDOWN to observed SHUTDOWN (default 1s)
//	desired-state TASK STATE     the store changes a task's desired state (after the snapshot)
//	start                        Start
//	run [D]                      drive the clock until the run ends (or until D)
//	observe TASK STATE           the task is observed in STATE now
//	report SLOT TASK DESIRED OBSERVED   call TaskUpdated directly and print the actions
//	updater                      the clock (the last event's time), in-flight, max in flight, next wake,
//	                             done, failures, dirty slots,
//	                             whether it is a rollback run, its config and Status()
//	status                       the last status written, with its times
//	statuses                     every status written, in order
//	task ID                      a task's desired and observed state
//	slots-touched                how many create or reuse actions each slot got
//	max-running                  the most tasks observed RUNNING in one slot at once

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim/task"
)

// scenarioExec holds one file's run.
type scenarioExec struct {
	tb      testing.TB
	s       *sim
	slots   []Slot
	update  *Config
	rollbk  *Config
	status  Status
	plans   map[uint64]plan // slot 0: every slot
	stop    time.Duration
	desired map[string]task.State
	order   []string // task IDs of desired, in order
	printed int      // log lines already printed
}

func newScenarioExec(tb testing.TB) func(string) string {
	e := &scenarioExec{tb: tb}
	e.reset()
	return e.exec
}

func (e *scenarioExec) reset() {
	e.s, e.slots, e.update, e.rollbk, e.status = nil, nil, nil, nil, Status{}
	e.plans = map[uint64]plan{0: {Start: time.Second}}
	e.stop = time.Second
	e.desired, e.order = map[string]task.State{}, nil
	e.printed = 0
}

func (e *scenarioExec) exec(cmd string) string {
	out, err := e.run(strings.Fields(cmd))
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	if e.s != nil {
		var log strings.Builder
		for _, l := range e.s.log[e.printed:] {
			log.WriteString(l + "\n")
		}
		e.printed = len(e.s.log)
		out = log.String() + out
	}
	return out
}

// run runs one command and returns what it shows after the log lines.
func (e *scenarioExec) run(w []string) (string, error) {
	if len(w) == 0 {
		return "", fmt.Errorf("empty command")
	}
	args := w[1:]
	needSim := func() error {
		if e.s == nil {
			return fmt.Errorf("%s before start", w[0])
		}
		return nil
	}
	switch w[0] {
	case "slots":
		n, err := strconv.Atoi(one(args))
		if err != nil {
			return "", err
		}
		e.reset()
		e.slots = oldSlots(n)
	case "slot":
		if e.s != nil {
			e.reset()
		}
		if len(args) < 1 {
			return "", fmt.Errorf("slot ID TASK...")
		}
		id, err := strconv.ParseUint(args[0], 10, 64)
		if err != nil {
			return "", err
		}
		sl := Slot{ID: id}
		for _, a := range args[1:] {
			f := strings.Split(a, ":")
			if len(f) != 4 || (f[1] != "dirty" && f[1] != "clean") {
				return "", fmt.Errorf("task %q: want id:dirty|clean:desired:observed", a)
			}
			d, err1 := task.ParseState(f[2])
			o, err2 := task.ParseState(f[3])
			if err1 != nil || err2 != nil {
				return "", fmt.Errorf("task %q: %v %v", a, err1, err2)
			}
			sl.Tasks = append(sl.Tasks, Task{ID: f[0], Dirty: f[1] == "dirty", Desired: d, Observed: o})
		}
		e.slots = append(e.slots, sl)
	case "update-config", "rollback-config":
		c, err := parseConfig(args)
		if err != nil {
			return "", err
		}
		if w[0] == "update-config" {
			e.update = c
		} else {
			e.rollbk = c
		}
	case "manual-rollback":
		e.status = ManualRollback(epoch)
	case "image":
		slot, p := uint64(0), plan{Start: time.Second}
		for _, a := range args {
			k, v, _ := strings.Cut(a, "=")
			var err error
			switch k {
			case "slot":
				slot, err = strconv.ParseUint(v, 10, 64)
			case "start":
				p.Start, err = time.ParseDuration(v)
			case "fail":
				p.Fail, err = task.ParseState(v)
			case "fail-after":
				p.FailAfter, err = time.ParseDuration(v)
			case "reject-at":
				p.RejectAt, err = time.ParseDuration(v)
			default:
				err = fmt.Errorf("unknown key %q", k)
			}
			if err != nil {
				return "", err
			}
		}
		e.plans[slot] = p
	case "stop-time":
		d, err := time.ParseDuration(one(args))
		if err != nil {
			return "", err
		}
		e.stop = d
	case "desired-state":
		if len(args) != 2 {
			return "", fmt.Errorf("desired-state TASK STATE")
		}
		st, err := task.ParseState(args[1])
		if err != nil {
			return "", err
		}
		if _, ok := e.desired[args[0]]; !ok {
			e.order = append(e.order, args[0])
		}
		e.desired[args[0]] = st
	case "start":
		s := newSim(e.tb, e.slots)
		s.params.Update, s.params.Rollback, s.params.Status = e.update, e.rollbk, e.status
		s.stopDur = e.stop
		plans := e.plans
		s.plan = func(slot uint64) plan {
			if p, ok := plans[slot]; ok {
				return p
			}
			return plans[0]
		}
		for _, id := range e.order {
			t := s.tasks[id]
			if t == nil {
				return "", fmt.Errorf("no task %s", id)
			}
			t.desired = e.desired[id]
		}
		e.s = s
		s.start()
	case "run":
		if err := needSim(); err != nil {
			return "", err
		}
		if len(args) == 0 {
			e.s.run(time.Hour)
			return "", nil
		}
		d, err := time.ParseDuration(one(args))
		if err != nil {
			return "", err
		}
		e.s.runUntil(d)
	case "observe":
		if err := needSim(); err != nil {
			return "", err
		}
		if len(args) != 2 || e.s.tasks[args[0]] == nil {
			return "", fmt.Errorf("observe TASK STATE, with a known task")
		}
		st, err := task.ParseState(args[1])
		if err != nil {
			return "", err
		}
		e.s.setObserved(args[0], st)
	case "report":
		if err := needSim(); err != nil {
			return "", err
		}
		if len(args) != 4 {
			return "", fmt.Errorf("report SLOT TASK DESIRED OBSERVED")
		}
		slot, err := strconv.ParseUint(args[0], 10, 64)
		if err != nil {
			return "", err
		}
		d, err1 := task.ParseState(args[2])
		o, err2 := task.ParseState(args[3])
		if err1 != nil || err2 != nil {
			return "", fmt.Errorf("%v %v", err1, err2)
		}
		acts := e.s.u.TaskUpdated(slot, args[1], d, o, e.s.now)
		if len(acts) == 0 {
			return "no actions\n", nil
		}
		var b strings.Builder
		for _, a := range acts {
			fmt.Fprintf(&b, "%+v\n", a)
		}
		return b.String(), nil
	case "updater":
		if err := needSim(); err != nil {
			return "", err
		}
		u := e.s.u
		wake := "none"
		if w, ok := u.NextWake(); ok {
			wake = w.Sub(epoch).String()
		}
		c := u.Config()
		return fmt.Sprintf("clock=%s in-flight=%d max-in-flight=%d next-wake=%s done=%v failures=%d dirty-slots=%d rollback-run=%v\nconfig: parallelism=%d delay=%s monitor=%s failure-action=%s order=%s max-failure-ratio=%g\nStatus(): %s\n",
			e.s.t(), u.InFlight(), e.s.maxInFlight, wake, u.Done(), u.Failures(), u.DirtySlots(), u.Rollback(),
			c.Parallelism, c.Delay, c.Monitor, c.FailureAction, c.Order, c.MaxFailureRatio, statusText(u.Status())), nil
	case "status":
		if err := needSim(); err != nil {
			return "", err
		}
		return statusText(e.s.lastStatus()) + "\n", nil
	case "statuses":
		if err := needSim(); err != nil {
			return "", err
		}
		var b strings.Builder
		for _, st := range e.s.statuses {
			b.WriteString(statusText(st) + "\n")
		}
		return b.String(), nil
	case "task":
		if err := needSim(); err != nil {
			return "", err
		}
		t := e.s.tasks[one(args)]
		if t == nil {
			return "", fmt.Errorf("no task %q", one(args))
		}
		return fmt.Sprintf("%s desired=%s observed=%s\n", t.id, t.desired, t.observed), nil
	case "slots-touched":
		if err := needSim(); err != nil {
			return "", err
		}
		var ids []uint64
		for _, sl := range e.s.params.Slots {
			ids = append(ids, sl.ID)
		}
		slices.Sort(ids)
		var parts []string
		for _, id := range ids {
			parts = append(parts, fmt.Sprintf("slot %d: %d", id, e.s.handled[id]))
		}
		return strings.Join(parts, ", ") + "\n", nil
	case "max-running":
		if err := needSim(); err != nil {
			return "", err
		}
		return fmt.Sprintf("at most %d tasks RUNNING in one slot\n", e.s.maxRunning), nil
	default:
		return "", fmt.Errorf("unknown command %q", w[0])
	}
	return "", nil
}

// statusText is a status with its times since the epoch.
func statusText(st Status) string {
	out := fmt.Sprintf("%s %q started=%s", st.State, st.Message, st.StartedAt.Sub(epoch))
	if !st.CompletedAt.IsZero() {
		out += " completed=" + st.CompletedAt.Sub(epoch).String()
	}
	return out
}

func one(args []string) string {
	if len(args) != 1 {
		return ""
	}
	return args[0]
}

func parseConfig(args []string) (*Config, error) {
	c := Config{}
	for _, a := range args {
		k, v, _ := strings.Cut(a, "=")
		var err error
		switch k {
		case "parallelism":
			c.Parallelism, err = strconv.ParseUint(v, 10, 64)
		case "delay":
			c.Delay, err = time.ParseDuration(v)
		case "monitor":
			c.Monitor, err = time.ParseDuration(v)
		case "failure-action":
			c.FailureAction, err = ParseFailureAction(v)
		case "order":
			c.Order, err = ParseOrder(v)
		case "max-failure-ratio":
			var f float64
			f, err = strconv.ParseFloat(v, 32)
			c.MaxFailureRatio = float32(f)
		default:
			err = fmt.Errorf("unknown key %q", k)
		}
		if err != nil {
			return nil, err
		}
	}
	return &c, nil
}
