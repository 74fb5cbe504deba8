package updater

import (
	"container/heap"
	"fmt"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim/task"
)

// This file is a small stand-in for the root package: a store of tasks, an
// agent that moves them through their states on a virtual clock, and the
// restart supervisor's DelayStart. It applies the updater's actions the way
// the orchestrator must.

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return epoch.Add(d) }

// plan says how a task created by the updater behaves.
type plan struct {
	// Start is the time from desired RUNNING to observed RUNNING (pull,
	// start, health check).
	Start time.Duration
	// Fail, if set, is the state the task reaches instead of RUNNING at
	// Start (FAILED, REJECTED ...).
	Fail task.State
	// FailAfter, if > 0, makes the task FAILED this long after RUNNING.
	FailAfter time.Duration
	// RejectAt, if > 0, makes the task REJECTED this long after it was
	// created, before it is started (e.g. a failed image pull).
	RejectAt time.Duration
}

type stask struct {
	id                string
	slot              uint64
	desired, observed task.State
	isNew, started    bool
	plan              plan
}

type event struct {
	at  time.Time
	seq int
	fn  func()
}

type eventq []event

func (q eventq) Len() int { return len(q) }
func (q eventq) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventq) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventq) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventq) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// fataler is what the harness needs of *testing.T and *rapid.T.
type fataler interface {
	Fatalf(format string, args ...any)
}

type sim struct {
	tb      fataler
	now     time.Time
	u       *Updater
	params  Params
	tasks   map[string]*stask
	waiters map[string][]string // old task -> new tasks whose delayed start waits on it
	q       eventq
	seq     int
	nextID  int

	plan    func(slot uint64) plan
	stopDur time.Duration // desired SHUTDOWN -> observed SHUTDOWN

	log         []string
	statuses    []Status
	rolledBack  *Action
	handled     map[uint64]int // CreateTask/ReuseTask actions per slot
	running     map[uint64]int // tasks observed exactly RUNNING per slot
	maxRunning  int            // max of running over slots and time
	maxInFlight int
	quiet       bool // do not log task state changes

	// steps makes a started task report observed STARTING halfway to
	// RUNNING, as the root's agent does; skipIgnored leaves out the reports
	// of an observed state alone that Updater.Ignores allows.
	steps, skipIgnored bool
	ignored            int // calls Ignores allowed
}

// newSim builds a store holding the slots' tasks. Slot tasks are given as
// "id:dirty|clean:desired:observed" strings, e.g. "o1:dirty:running:running".
func newSim(tb fataler, slots []Slot) *sim {
	s := &sim{
		tb: tb, now: epoch, tasks: map[string]*stask{}, waiters: map[string][]string{},
		handled: map[uint64]int{}, running: map[uint64]int{}, stopDur: time.Second,
		plan: func(uint64) plan { return plan{Start: time.Second} },
	}
	for _, sl := range slots {
		for _, t := range sl.Tasks {
			s.tasks[t.ID] = &stask{id: t.ID, slot: sl.ID, desired: t.Desired, observed: t.Observed, started: true}
			if t.Observed == task.Running {
				s.running[sl.ID]++
			}
		}
	}
	s.params.Slots = slots
	s.params.Now = epoch
	return s
}

// oldSlots returns n slots, numbered 1..n, each with one dirty running task
// "o<n>".
func oldSlots(n int) []Slot {
	slots := make([]Slot, n)
	for i := range slots {
		slots[i] = Slot{ID: uint64(i + 1), Tasks: []Task{{ID: fmt.Sprintf("o%d", i+1), Dirty: true, Desired: task.Running, Observed: task.Running}}}
	}
	return slots
}

func (s *sim) t() string { return s.now.Sub(epoch).String() }

func (s *sim) logf(format string, args ...any) {
	s.log = append(s.log, s.t()+" "+fmt.Sprintf(format, args...))
}

func (s *sim) after(d time.Duration, fn func()) {
	s.seq++
	heap.Push(&s.q, event{at: s.now.Add(d), seq: s.seq, fn: fn})
}

// start calls Start with the sim's params.
func (s *sim) start() *sim {
	var acts []Action
	s.u, acts = Start(s.params)
	s.apply(acts)
	return s
}

// run drives the clock until the updater is done (or rolled back), nothing
// is pending, or limit is passed. Task events at a time go before the
// updater's own wake at the same time.
func (s *sim) run(limit time.Duration) {
	for !s.u.Done() && s.rolledBack == nil {
		if !s.step(limit) {
			return
		}
	}
}

// runUntil drives the clock up to limit, whatever happens.
func (s *sim) runUntil(limit time.Duration) {
	for s.step(limit) {
	}
}

func (s *sim) step(limit time.Duration) bool {
	w, ok := s.u.NextWake()
	switch {
	case len(s.q) > 0 && (!ok || !s.q[0].at.After(w)):
		if s.q[0].at.After(at(limit)) {
			return false
		}
		e := heap.Pop(&s.q).(event)
		s.now = e.at
		e.fn()
	case ok:
		if w.After(at(limit)) {
			return false
		}
		s.now = w
		s.apply(s.u.Wake(w))
	default:
		return false
	}
	return true
}

func (s *sim) check() {
	if s.u.InFlight() > s.maxInFlight {
		s.maxInFlight = s.u.InFlight()
	}
	if p := s.u.Config().Parallelism; uint64(s.u.InFlight()) > p {
		s.tb.Fatalf("%s: %d slots in flight, parallelism %d", s.t(), s.u.InFlight(), p)
	}
}

// apply plays the orchestrator's part for each action, in order.
func (s *sim) apply(acts []Action) {
	s.check()
	for _, a := range acts {
		switch a.Kind {
		case SetStatus:
			s.statuses = append(s.statuses, *a.Status)
			s.logf("status %s %q", a.Status.State, a.Status.Message)
		case CreateTask:
			s.handled[a.Slot]++
			s.createTask(a)
		case ReuseTask:
			s.handled[a.Slot]++
			s.logf("reuse slot %d keep %s shutdown %v after %q", a.Slot, a.TaskID, a.Shutdown, a.StartAfter)
			s.shutdown(a.Shutdown)
			if k := s.tasks[a.TaskID]; k != nil && k.desired < task.Running {
				k.started = false
				s.delayStart(a.TaskID, a.StartAfter)
			}
		case ShutdownTasks:
			s.logf("shutdown slot %d %v", a.Slot, a.Shutdown)
			s.shutdown(a.Shutdown)
		case RollbackService:
			s.logf("rollback service: task %s, status %s %q", a.TaskID, a.Status.State, a.Status.Message)
			a := a
			s.rolledBack = &a
		}
	}
	s.check()
}

func (s *sim) createTask(a Action) {
	// removeOldTasks in the store: tasks already desired past RUNNING fail;
	// if all fail, the batch is aborted and nothing is created.
	last := ""
	for _, id := range a.Shutdown {
		if t := s.tasks[id]; t != nil && t.desired <= task.Running {
			last = id
		}
	}
	if len(a.Shutdown) > 0 && last == "" {
		s.logf("create slot %d aborted: %v already shut down", a.Slot, a.Shutdown)
		s.apply(s.u.TaskCreated(a.Slot, "", s.now))
		return
	}
	s.nextID++
	id := fmt.Sprintf("n%d", s.nextID)
	p := s.plan(a.Slot)
	nt := &stask{id: id, slot: a.Slot, desired: task.Ready, observed: task.New, isNew: true, plan: p}
	s.tasks[id] = nt
	s.logf("create slot %d shutdown %v after %q -> %s", a.Slot, a.Shutdown, a.StartAfter, id)
	s.apply(s.u.TaskCreated(a.Slot, id, s.now))
	s.shutdown(a.Shutdown)
	if p.RejectAt > 0 {
		s.after(p.RejectAt, func() {
			if nt.observed < task.Running {
				s.setObserved(id, task.Rejected)
			}
		})
	}
	// SwarmKit waits on the last old task it managed to shut down, which
	// is a.StartAfter unless the store disagreed with the snapshot.
	s.delayStart(id, last)
}

func (s *sim) shutdown(ids []string) {
	for _, id := range ids {
		if t := s.tasks[id]; t != nil && t.desired <= task.Running {
			s.setDesired(id, task.Shutdown)
		}
	}
}

// delayStart is the restart supervisor's DelayStart(delay 0, waitStop): the
// new task goes to desired RUNNING once old is observed past RUNNING, or
// after the one-minute old-task timeout.
func (s *sim) delayStart(id, old string) {
	if o := s.tasks[old]; old == "" || o == nil || o.observed > task.Running {
		s.startNow(id)
		return
	}
	s.waiters[old] = append(s.waiters[old], id)
	s.after(time.Minute, func() { s.startNow(id) })
}

func (s *sim) startNow(id string) {
	t := s.tasks[id]
	if t.started {
		return
	}
	t.started = true
	if t.desired < task.Running {
		s.setDesired(id, task.Running)
	} else {
		s.report(t)
	}
}

func (s *sim) setDesired(id string, d task.State) {
	t := s.tasks[id]
	t.desired = d
	s.report(t)
	switch {
	case d >= task.Shutdown && t.observed <= task.Running:
		s.after(s.stopDur, func() {
			if t.observed <= task.Running {
				s.setObserved(id, task.Shutdown)
			}
		})
	case d == task.Running && t.isNew && t.observed < task.Running:
		p := t.plan
		if s.steps {
			s.after(p.Start/2, func() {
				if t.observed < task.Starting && t.desired == task.Running {
					t.observed = task.Starting
					s.reportObserved(t)
				}
			})
		}
		s.after(p.Start, func() {
			if t.observed >= task.Running || t.desired != task.Running {
				return
			}
			if p.Fail != 0 {
				s.setObserved(id, p.Fail)
				return
			}
			s.setObserved(id, task.Running)
			if p.FailAfter > 0 {
				s.after(p.FailAfter, func() {
					if t.observed == task.Running {
						s.setObserved(id, task.Failed)
					}
				})
			}
		})
	}
}

func (s *sim) setObserved(id string, o task.State) {
	t := s.tasks[id]
	if o <= t.observed {
		return
	}
	if t.observed == task.Running {
		s.running[t.slot]--
	}
	t.observed = o
	if o == task.Running {
		s.running[t.slot]++
		if s.running[t.slot] > s.maxRunning {
			s.maxRunning = s.running[t.slot]
		}
	}
	if t.isNew && !s.quiet {
		s.logf("%s %s", id, o)
	}
	s.reportObserved(t)
	if o > task.Running {
		ws := s.waiters[id]
		delete(s.waiters, id)
		for _, w := range ws {
			s.startNow(w)
		}
	}
}

// reportObserved reports a change of the task's observed state alone,
// unless skipIgnored and the updater ignores it. A call the updater said
// it ignores must return nothing.
func (s *sim) reportObserved(t *stask) {
	o := t.observed
	ign := s.u.Ignores(o, s.now)
	if ign {
		s.ignored++
		if s.skipIgnored {
			return
		}
	}
	acts := s.u.TaskUpdated(t.slot, t.id, t.desired, t.observed, s.now)
	if ign && len(acts) > 0 {
		s.tb.Fatalf("%s: Ignores(%s) said yes, TaskUpdated returned %v", s.t(), o, acts)
	}
	s.apply(acts)
}

func (s *sim) report(t *stask) {
	s.apply(s.u.TaskUpdated(t.slot, t.id, t.desired, t.observed, s.now))
}

// lastStatus is the status as the store would hold it.
func (s *sim) lastStatus() Status {
	if len(s.statuses) == 0 {
		return s.params.Status
	}
	return s.statuses[len(s.statuses)-1]
}

func (s *sim) logText() string { return strings.Join(s.log, "\n") }
