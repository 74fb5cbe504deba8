package swarmsimtest

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim"
	"pgregory.net/rapid"
)

// ClusterOptions shape a generated cluster.
type ClusterOptions struct {
	Nodes NodeOptions
	// Images are declared with generated behaviours (default
	// DefaultImages).
	Images []string
	// Behavior restricts the generated image behaviours.
	Behavior ImageOptions
	// HistoryLimits, when set, is what the task history limit is drawn
	// from; by default it stays at Swarm's 5 three times in four and is
	// otherwise 0, 1, 2 or unlimited (-1).
	HistoryLimits []int
}

// NewCluster draws a cluster: a seed, a node set, a behaviour for each
// image and a task history limit. It returns the cluster with its nodes
// joined.
func NewCluster(t *rapid.T, o ClusterOptions) *swarmsim.Cluster {
	c := swarmsim.New(swarmsim.Config{Seed: rapid.Uint64().Draw(t, "seed")})
	for _, n := range NodeConfigs(o.Nodes).Draw(t, "nodes") {
		if _, err := c.AddNode(n); err != nil {
			t.Fatalf("generated node %s: %v", n.Hostname, err)
		}
	}
	images := o.Images
	if len(images) == 0 {
		images = DefaultImages()
	}
	for _, img := range images {
		c.SetImage(img, ImageBehavior(o.Behavior).Draw(t, img))
	}
	limits := o.HistoryLimits
	if len(limits) == 0 {
		if weighted(t, "history-limit-changed", 25) {
			c.SetTaskHistoryLimit(rapid.SampledFrom([]int{0, 1, 2, -1}).Draw(t, "history-limit"))
		}
	} else {
		c.SetTaskHistoryLimit(rapid.SampledFrom(limits).Draw(t, "history-limit"))
	}
	return c
}

// MachineConfig configures a Machine.
type MachineConfig struct {
	Cluster  ClusterOptions
	Services ServiceOptions
	// MaxServices bounds the number of live services (default 3).
	MaxServices int
	// MaxAdvance bounds one "advance" action (default 90s).
	MaxAdvance time.Duration
	// Faults shapes the "faults" action's plans.
	Faults FaultOptions
	// Strict reports the open simulator issues (Issue*) too, instead of
	// counting them in the coverage as known.
	Strict bool
	// NoStepSampling samples the updaters only at checks instead of after
	// every event (faster; InvParallelism then sees only check instants).
	NoStepSampling bool
}

// Machine is a ready-made rapid state machine over a generated cluster.
// Actions returns the map for t.Repeat: the invariant check under "", and
// actions that create, update, scale, roll back and remove services, inject
// node faults, run fault plans and let time pass. Add your own actions to
// the map and your own invariants with Checker.Add:
//
//	rapid.Check(t, func(t *rapid.T) {
//		m := swarmsimtest.NewMachine(t, swarmsimtest.MachineConfig{})
//		m.Checker.Add("never-empty", func(s *swarmsimtest.Snapshot) []swarmsimtest.Violation { ... })
//		t.Repeat(m.Actions())
//	})
//
// Only the "advance", "settle" and "faults" actions move the clock, so that
// every spec change is seen by a check before the updater acts on it.
type Machine struct {
	*Runner
	Checker *Checker
	Config  MachineConfig
	// BeforeAction, when set, runs before every action with its name.
	BeforeAction func(t *rapid.T, action string)
	// AfterCheck, when set, runs after every check that found nothing, with
	// the snapshot checked: a place for properties that need the rapid.T.
	AfterCheck func(t *rapid.T, s *Snapshot)

	last    *Snapshot
	samples []ProgressSample
	ids     map[string]string // service name -> ID
	inFl    map[string]int    // service ID -> InFlight at the last sample
}

// NewMachine draws a cluster (see NewCluster) and returns a machine over
// it, with a fresh Checker.
func NewMachine(t *rapid.T, cfg MachineConfig) *Machine {
	if cfg.Cluster.Nodes == (NodeOptions{}) {
		cfg.Cluster.Nodes = NodeOptions{Min: 2, Max: 5}
	}
	c := NewCluster(t, cfg.Cluster)
	m := &Machine{Runner: NewRunner(c), Checker: NewChecker(), Config: cfg, ids: map[string]string{}, inFl: map[string]int{}}
	if len(cfg.Services.Images) == 0 && len(cfg.Cluster.Images) > 0 {
		m.Config.Services.Images = cfg.Cluster.Images
	}
	if m.Config.MaxServices <= 0 {
		m.Config.MaxServices = 3
	}
	if m.Config.Faults.Nodes <= 0 {
		m.Config.Faults.Nodes = len(m.Nodes)
	}
	if !cfg.Strict {
		m.Checker.ExpectKnownIssues()
	}
	if !cfg.NoStepSampling {
		m.Runner.Step = m.step
	}
	return m
}

// step runs one event and samples the updaters whose progress changed.
func (m *Machine) step() bool {
	ok := m.C.Step()
	for _, name := range m.Services {
		id := m.ids[name]
		p, has, _ := m.C.UpdateProgress(id)
		if !has {
			continue
		}
		if p.InFlight != m.inFl[id] {
			m.inFl[id] = p.InFlight
			m.samples = append(m.samples, ProgressSample{Seq: m.C.LastSeq(), ServiceID: id, Progress: p})
		}
	}
	return ok
}

// Last is the snapshot of the latest check.
func (m *Machine) Last() *Snapshot { return m.last }

// Check snapshots the cluster and fails t with every violation found.
func (m *Machine) Check(t *rapid.T) {
	t.Helper()
	if m.Stalled != nil {
		at := *m.Stalled
		m.Stalled = nil
		evs := m.C.EventsSince(max(m.C.LastSeq(), 20) - 20)
		var tail []string
		for _, e := range evs {
			tail = append(tail, e.String())
		}
		m.Checker.Report(Violation{Invariant: InvTimeAdvances, Event: lastOf(m.C),
			Message: fmt.Sprintf("more than %d events at %s without the clock moving; the last ones:\n    %s",
				max(m.MaxEventsPerInstant, 10000), at.Sub(m.C.Epoch()), strings.Join(tail, "\n    "))})
	}
	s := m.Checker.Snap(m.C)
	s.Progress = append(m.samples, s.Progress...)
	m.samples = nil
	m.last = s
	if vs := m.Checker.Check(s); len(vs) > 0 {
		t.Fatalf("%s", Report(m.C, vs))
	}
	if m.AfterCheck != nil {
		m.AfterCheck(t, s)
	}
}

// Report renders violations with the end of the cluster's trace, for a
// test failure.
func Report(c *swarmsim.Cluster, vs []Violation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d invariant violation(s) at %s:\n", len(vs), c.Elapsed())
	for _, v := range vs {
		b.WriteString("  " + v.String() + "\n")
	}
	lines := strings.SplitAfter(c.TraceText(), "\n")
	if len(lines) > 80 {
		fmt.Fprintf(&b, "trace (last 80 of %d events):\n", len(lines)-1)
		lines = lines[len(lines)-81:]
	} else {
		b.WriteString("trace:\n")
	}
	b.WriteString(strings.Join(lines, ""))
	return b.String()
}

var inUseRE = regexp.MustCompile(`is already in use by service '([^']*)'`)

// Do applies an action through the checker's action-level invariants: a
// rejected call must leave the cluster unchanged, a manual rollback must
// restore the previous spec, and a port conflict must name a live service.
func (m *Machine) Do(a Action) error {
	var before *swarmsim.Service
	name := ""
	if a.Kind == ActRollback {
		if n, ok := m.Service(a.Target); ok {
			name = n
			before, _ = m.C.Service(n)
		}
	}
	err := m.Checker.Unchanged(m.C, a.String(), func() error { return m.Runner.Apply(a) })
	switch {
	case err == nil && a.Kind == ActCreate:
		n := m.Services[len(m.Services)-1]
		if s, err := m.C.Service(n); err == nil {
			m.ids[n] = s.ID
		}
	case err == nil && before != nil:
		after, _ := m.C.Service(name)
		if after != nil {
			if rerr := RollbackRestores(before, after); rerr != nil {
				m.Checker.Report(Violation{Invariant: InvRollbackRestores, Message: rerr.Error(), Event: lastOf(m.C)})
			}
		}
	case err != nil && (a.Kind == ActCreate || a.Kind == ActUpdate || a.Kind == ActRollback):
		if mm := inUseRE.FindStringSubmatch(err.Error()); mm != nil {
			if _, lerr := m.C.Service(mm[1]); lerr != nil {
				m.Checker.Report(Violation{Invariant: InvPortsReleased, Event: lastOf(m.C),
					Message: fmt.Sprintf("%s refused: %v; but service %s no longer exists", a, err, mm[1])})
			}
		}
	}
	return err
}

func lastOf(c *swarmsim.Cluster) *swarmsim.Event {
	evs := c.EventsSince(c.LastSeq() - min(c.LastSeq(), 1))
	if len(evs) == 0 {
		return nil
	}
	return &evs[len(evs)-1]
}

func (m *Machine) opts() ActionOptions {
	return ActionOptions{Services: m.Config.Services, MaxAdvance: m.Config.MaxAdvance}
}

// act returns an action function that draws an action of kind and does
// it; service actions skip when there is no service.
func (m *Machine) act(name string, kinds ...ActionKind) func(*rapid.T) {
	return func(t *rapid.T) {
		kind := kinds[0]
		if len(kinds) > 1 {
			kind = rapid.SampledFrom(kinds).Draw(t, "kind")
		}
		switch kind {
		case ActCreate:
			if len(m.Services) >= m.Config.MaxServices {
				t.Skip("enough services")
			}
		case ActUpdate, ActScale, ActRollback, ActRemove, ActKill, ActStop:
			if len(m.Services) == 0 {
				t.Skip("no service")
			}
		}
		if m.BeforeAction != nil {
			m.BeforeAction(t, name)
		}
		a := ActionOf(kind, m.opts()).Draw(t, name)
		if err := m.Do(a); err != nil {
			t.Logf("%s: %v", a, err)
		}
	}
}

// Settle lets time pass, 5s at a time, until every service has converged
// or limit has passed.
func (m *Machine) Settle(limit time.Duration) {
	end := m.C.Now().Add(limit)
	for m.C.Now().Before(end) {
		if m.converged() {
			return
		}
		m.Advance(min(5*time.Second, end.Sub(m.C.Now())))
	}
}

func (m *Machine) converged() bool {
	for _, n := range m.Services {
		if ok, _ := m.C.Converged(n); !ok {
			return false
		}
	}
	return true
}

// Actions returns the state machine's actions for t.Repeat, with the
// invariant check under "". The map is new on each call: add to it freely.
func (m *Machine) Actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"":          m.Check,
		"create":    m.act("create", ActCreate),
		"update":    m.act("update", ActUpdate),
		"scale":     m.act("scale", ActScale),
		"rollback":  m.act("rollback", ActRollback),
		"remove":    m.act("remove", ActRemove),
		"node":      m.act("node", ActAvailability, ActNodeDown, ActNodeUp, ActLabel, ActBlock, ActUnblock),
		"advance":   m.act("advance", ActAdvance),
		"container": m.act("container", ActKill, ActStop),
		"settle": func(t *rapid.T) {
			if m.BeforeAction != nil {
				m.BeforeAction(t, "settle")
			}
			m.Settle(time.Duration(rapid.IntRange(1, 5).Draw(t, "settle-minutes")) * time.Minute)
		},
		"faults": func(t *rapid.T) {
			if m.BeforeAction != nil {
				m.BeforeAction(t, "faults")
			}
			plan := Faults(m.Config.Faults).Draw(t, "plan")
			span := time.Duration(rapid.IntRange(0, 120).Draw(t, "span-seconds")) * time.Second
			// The plan runs on the cluster's own fault plan (Cluster.At).
			before := len(m.C.FaultErrors())
			if err := m.Queue(plan); err != nil {
				t.Logf("%v: %v", plan, err)
			}
			if n := len(plan); n > 0 && plan[n-1].At > span {
				span = plan[n-1].At
			}
			m.Advance(span)
			for _, err := range m.C.FaultErrors()[before:] {
				t.Logf("%v", err)
			}
		},
	}
}
