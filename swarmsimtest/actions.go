package swarmsimtest

import (
	"errors"
	"fmt"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
	"pgregory.net/rapid"
)

// ActionKind is what an Action does to a cluster.
type ActionKind uint8

// Action kinds.
const (
	ActCreate       ActionKind = iota + 1 // create a service (Spec; its name comes from the Runner's counter)
	ActUpdate                             // apply Edit to a service
	ActScale                              // scale a service to Replicas
	ActRollback                           // manual rollback of a service
	ActRemove                             // remove a service
	ActAvailability                       // set a node's availability (drain, pause, active)
	ActNodeDown                           // stop a node's machine (crash or partition)
	ActNodeUp                             // start it again
	ActLabel                              // set or remove a node's zone label
	ActBlock                              // block a port on a node's firewall
	ActUnblock                            // unblock it
	ActAdvance                            // run the clock for Duration
	ActKill                               // docker kill: the Task'th running task of a service exits 137
	ActStop                               // docker stop: it exits 0
)

var actionNames = [...]string{
	ActCreate: "create", ActUpdate: "update", ActScale: "scale", ActRollback: "rollback",
	ActRemove: "remove", ActAvailability: "availability", ActNodeDown: "node-down", ActNodeUp: "node-up",
	ActLabel: "label", ActBlock: "block", ActUnblock: "unblock", ActAdvance: "advance",
	ActKill: "kill", ActStop: "stop",
}

func (k ActionKind) String() string {
	if int(k) < len(actionNames) && actionNames[k] != "" {
		return actionNames[k]
	}
	return fmt.Sprintf("ActionKind(%d)", uint8(k))
}

// Action is one step of a generated scenario, as data: it can be printed,
// replayed and decoded from fuzz input. Targets are indexes into the
// services or nodes that exist when the action runs, taken modulo their
// number, so any sequence is valid whatever happened before.
type Action struct {
	Kind ActionKind
	// Target picks the service (service actions) or node (node actions).
	Target int
	// Spec is the spec of ActCreate; the Runner names it.
	Spec swarmsim.ServiceSpec
	// Edit is the change of ActUpdate.
	Edit SpecEdit
	// Replicas of ActScale.
	Replicas uint64
	// Availability of ActAvailability.
	Availability node.Availability
	// Label is the zone of ActLabel; "" removes the label.
	Label string
	// Port and Protocol of ActBlock and ActUnblock.
	Port     uint32
	Protocol mesh.Protocol
	// Duration of ActAdvance.
	Duration time.Duration
	// Task picks, for ActKill and ActStop, one of the target service's
	// running tasks (modulo their number, in creation order).
	Task int
}

func (a Action) String() string {
	switch a.Kind {
	case ActCreate:
		return fmt.Sprintf("create %s replicas=%d image=%s", a.Spec.Mode, a.Spec.Replicas, a.Spec.TaskTemplate.Image)
	case ActScale:
		return fmt.Sprintf("scale #%d %d", a.Target, a.Replicas)
	case ActAvailability:
		return fmt.Sprintf("availability #%d %s", a.Target, a.Availability)
	case ActLabel:
		return fmt.Sprintf("label #%d zone=%q", a.Target, a.Label)
	case ActBlock, ActUnblock:
		return fmt.Sprintf("%s #%d %d/%s", a.Kind, a.Target, a.Port, a.Protocol)
	case ActAdvance:
		return fmt.Sprintf("advance %s", a.Duration)
	case ActKill, ActStop:
		return fmt.Sprintf("%s #%d task %d", a.Kind, a.Target, a.Task)
	}
	return fmt.Sprintf("%s #%d", a.Kind, a.Target)
}

// ActionOptions shape generated actions.
type ActionOptions struct {
	Services ServiceOptions
	// MaxAdvance bounds ActAdvance (default 90s).
	MaxAdvance time.Duration
}

// Ports swarm itself uses that fault plans and actions block: the overlay's
// data path and gossip.
var blockablePorts = []struct {
	port  uint32
	proto mesh.Protocol
}{{mesh.DataPathPort, mesh.UDP}, {mesh.GossipPort, mesh.TCP}, {mesh.GossipPort, mesh.UDP}}

// ActionOf draws an action of one kind.
func ActionOf(kind ActionKind, o ActionOptions) *rapid.Generator[Action] {
	return rapid.Custom(func(t *rapid.T) Action {
		a := Action{Kind: kind, Target: rapid.IntRange(0, 7).Draw(t, "target")}
		switch kind {
		case ActCreate:
			a.Spec = ServiceSpec("", o.Services).Draw(t, "spec")
		case ActUpdate:
			a.Edit = Edit(o.Services).Draw(t, "edit")
		case ActScale:
			a.Replicas = uint64(rapid.IntRange(0, o.Services.maxReplicas()+1).Draw(t, "replicas"))
		case ActAvailability:
			a.Availability = rapid.SampledFrom([]node.Availability{node.Drain, node.Active, node.Pause}).Draw(t, "availability")
		case ActLabel:
			a.Label = rapid.SampledFrom(append([]string{""}, Zones()...)).Draw(t, "zone")
		case ActKill, ActStop:
			a.Task = rapid.IntRange(0, 7).Draw(t, "task")
		case ActBlock, ActUnblock:
			p := rapid.SampledFrom(blockablePorts).Draw(t, "port")
			a.Port, a.Protocol = p.port, p.proto
		case ActAdvance:
			hi := o.MaxAdvance
			if hi <= 0 {
				hi = 90 * time.Second
			}
			a.Duration = time.Duration(rapid.Int64Range(0, int64(hi/time.Second)).Draw(t, "seconds")) * time.Second
		}
		return a
	})
}

// allKinds is every kind, ActAdvance first so that shrinking goes towards
// letting time pass.
var allKinds = []ActionKind{ActAdvance, ActCreate, ActUpdate, ActScale, ActRollback, ActRemove,
	ActAvailability, ActNodeDown, ActNodeUp, ActLabel, ActBlock, ActUnblock}

// AnyAction draws an action of any kind; about a third of the draws let
// time pass.
func AnyAction(o ActionOptions) *rapid.Generator[Action] {
	return rapid.Custom(func(t *rapid.T) Action {
		k := ActAdvance
		if !weighted(t, "advance", 33) {
			k = rapid.SampledFrom(allKinds[1:]).Draw(t, "kind")
		}
		return ActionOf(k, o).Draw(t, "action")
	})
}

// Actions draws a sequence of up to max actions (default 20).
func Actions(max int, o ActionOptions) *rapid.Generator[[]Action] {
	if max <= 0 {
		max = 20
	}
	return rapid.SliceOfN(AnyAction(o), 0, max)
}

// Runner applies Actions to a cluster. It keeps the names of the services
// it created and of the cluster's nodes in order, and names new services
// from a counter (svc1, svc2, ...).
type Runner struct {
	C *swarmsim.Cluster
	// Services are the live services' names, in creation order.
	Services []string
	// Nodes are the nodes' hostnames, in join order.
	Nodes []string
	// Step, when set, replaces Cluster.Step while ActAdvance runs the
	// clock; the Machine uses it to sample the updaters after every event.
	Step func() bool
	// MaxEventsPerInstant bounds the events Advance runs without the
	// clock moving (default 10000); past it Advance gives up and sets
	// Stalled, instead of hanging on a zero-delay loop.
	MaxEventsPerInstant int
	// Stalled is set when Advance gave up: the virtual time it was stuck at.
	Stalled *time.Time
	created int
}

// NewRunner returns a Runner over c, which knows c's current nodes.
func NewRunner(c *swarmsim.Cluster) *Runner {
	r := &Runner{C: c}
	for _, n := range c.Nodes() {
		r.Nodes = append(r.Nodes, n.Description.Hostname)
	}
	for _, s := range c.Services() {
		r.Services = append(r.Services, s.Spec.Name)
	}
	return r
}

// NextName returns the name the next created service gets.
func (r *Runner) NextName() string { return fmt.Sprintf("svc%d", r.created+1) }

// Service returns the target service's name; ok is false when there is
// none.
func (r *Runner) Service(target int) (string, bool) {
	if len(r.Services) == 0 {
		return "", false
	}
	return r.Services[abs(target)%len(r.Services)], true
}

// Node returns the target node's hostname; ok is false when there is none.
func (r *Runner) Node(target int) (string, bool) {
	if len(r.Nodes) == 0 {
		return "", false
	}
	return r.Nodes[abs(target)%len(r.Nodes)], true
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// ErrNoTarget is returned by Apply for an action whose target does not
// exist (no service yet); the cluster is untouched.
var ErrNoTarget = errors.New("swarmsimtest: no target for the action")

// Apply carries out one action and returns the cluster's error, if any.
func (r *Runner) Apply(a Action) error {
	c := r.C
	switch a.Kind {
	case ActCreate:
		spec := a.Spec.Clone()
		spec.Name = r.NextName()
		r.created++
		if _, err := c.CreateService(spec); err != nil {
			return err
		}
		r.Services = append(r.Services, spec.Name)
		return nil
	case ActAdvance:
		r.Advance(a.Duration)
		return nil
	case ActUpdate, ActScale, ActRollback, ActRemove, ActKill, ActStop:
		name, ok := r.Service(a.Target)
		if !ok {
			return ErrNoTarget
		}
		switch a.Kind {
		case ActKill, ActStop:
			return r.exitTask(name, a)
		case ActUpdate:
			cur, err := c.Service(name)
			if err != nil {
				return err
			}
			return c.UpdateService(name, a.Edit.Apply(cur.Spec))
		case ActScale:
			return c.ScaleService(name, a.Replicas)
		case ActRollback:
			return c.RollbackService(name)
		default:
			if err := c.RemoveService(name); err != nil {
				return err
			}
			for i, s := range r.Services {
				if s == name {
					r.Services = append(r.Services[:i:i], r.Services[i+1:]...)
					break
				}
			}
			return nil
		}
	}
	host, ok := r.Node(a.Target)
	if !ok {
		return ErrNoTarget
	}
	switch a.Kind {
	case ActAvailability:
		av := a.Availability
		return c.UpdateNode(host, swarmsim.NodeUpdate{Availability: &av})
	case ActNodeDown:
		return c.StopNode(host)
	case ActNodeUp:
		return c.StartNode(host)
	case ActLabel:
		if a.Label == "" {
			n, err := c.Node(host)
			if err != nil {
				return err
			}
			if _, ok := n.Spec.Labels["zone"]; !ok {
				return nil
			}
			return c.UpdateNode(host, swarmsim.NodeUpdate{LabelRm: []string{"zone"}})
		}
		return c.UpdateNode(host, swarmsim.NodeUpdate{LabelAdd: map[string]string{"zone": a.Label}})
	case ActBlock:
		return c.BlockPort(host, a.Port, a.Protocol)
	case ActUnblock:
		return c.UnblockPort(host, a.Port, a.Protocol)
	}
	return fmt.Errorf("swarmsimtest: unknown action %v", a.Kind)
}

// exitTask ends the container of one of a service's running tasks, as
// `docker kill` (ActKill) or `docker stop` (ActStop) on its node does.
func (r *Runner) exitTask(service string, a Action) error {
	ts, err := r.C.Tasks(service)
	if err != nil {
		return err
	}
	var running []string
	for _, t := range ts {
		if t.Status().State == task.Running {
			running = append(running, t.ID)
		}
	}
	if len(running) == 0 {
		return ErrNoTarget
	}
	id := running[abs(a.Task)%len(running)]
	if a.Kind == ActKill {
		return r.C.KillTask(id)
	}
	return r.C.StopTask(id)
}

// Advance runs the clock d later, one event at a time (through Step when
// set), as Cluster.RunFor does.
func (r *Runner) Advance(d time.Duration) {
	if d < 0 {
		return
	}
	end := r.C.Now().Add(d)
	limit := r.MaxEventsPerInstant
	if limit <= 0 {
		limit = 10000
	}
	last, same := r.C.Now(), 0
	for {
		at, ok := r.C.NextEventAt()
		if !ok || at.After(end) {
			break
		}
		if r.Step != nil {
			r.Step()
		} else {
			r.C.Step()
		}
		if now := r.C.Now(); now.Equal(last) {
			if same++; same > limit {
				r.Stalled = &now
				return
			}
		} else {
			last, same = now, 0
		}
	}
	// Move the clock the rest of the way; nothing is due before end.
	r.C.RunFor(end.Sub(r.C.Now()))
}

// FaultKind is a fault a plan injects.
type FaultKind uint8

// Fault kinds.
const (
	FaultNodeDown  FaultKind = iota + 1 // the node's machine stops
	FaultNodeUp                         // and comes back
	FaultDrain                          // the operator drains the node
	FaultActivate                       // and makes it active again
	FaultBlock                          // a port is blocked on the node's firewall
	FaultUnblock                        // and opened again
	FaultPartition                      // the nodes of Group are cut off from the others
	FaultHeal                           // and the network heals
)

var faultNames = [...]string{FaultNodeDown: "node-down", FaultNodeUp: "node-up", FaultDrain: "drain",
	FaultActivate: "activate", FaultBlock: "block", FaultUnblock: "unblock", FaultPartition: "partition", FaultHeal: "heal"}

func (k FaultKind) String() string {
	if int(k) < len(faultNames) && faultNames[k] != "" {
		return faultNames[k]
	}
	return fmt.Sprintf("FaultKind(%d)", uint8(k))
}

// Fault is one fault at a virtual time (relative to the plan's start).
type Fault struct {
	At       time.Duration
	Kind     FaultKind
	Node     int // node index, modulo the number of nodes
	Port     uint32
	Protocol mesh.Protocol
	// Group: the node indexes (modulo the number of nodes) a partition cuts
	// off from the others.
	Group []int
}

func (f Fault) String() string {
	switch f.Kind {
	case FaultPartition:
		return fmt.Sprintf("%s %s %v", f.At, f.Kind, f.Group)
	case FaultHeal:
		return fmt.Sprintf("%s %s", f.At, f.Kind)
	}
	s := fmt.Sprintf("%s %s #%d", f.At, f.Kind, f.Node)
	if f.Kind == FaultBlock || f.Kind == FaultUnblock {
		s += fmt.Sprintf(" %d/%s", f.Port, f.Protocol)
	}
	return s
}

// FaultPlan is a list of faults in time order.
type FaultPlan []Fault

// FaultOptions shape a generated fault plan.
type FaultOptions struct {
	// Nodes is how many nodes the plan may touch (default 3).
	Nodes int
	// Max bounds the number of faults (default 6).
	Max int
	// MaxGap bounds the time between two faults (default 60s).
	MaxGap time.Duration
	// Partitions lets plans cut a group of nodes off from the others (and
	// heal the network later). Off by default, so that plans drawn without
	// it stay the same.
	Partitions bool
}

// Faults draws a fault plan. Times increase by construction: each fault
// comes a drawn gap after the previous one. A node that goes down comes back
// up, and a drained node is made active again, later in the plan most of
// the time, so plans mix transient and lasting faults.
func Faults(o FaultOptions) *rapid.Generator[FaultPlan] {
	nodes, max, gap := o.Nodes, o.Max, o.MaxGap
	if nodes <= 0 {
		nodes = 3
	}
	if max <= 0 {
		max = 6
	}
	if gap <= 0 {
		gap = 60 * time.Second
	}
	return rapid.Custom(func(t *rapid.T) FaultPlan {
		var plan FaultPlan
		at := time.Duration(0)
		n := rapid.IntRange(0, max).Draw(t, "faults")
		for len(plan) < n {
			at += time.Duration(rapid.Int64Range(0, int64(gap/time.Second)).Draw(t, "gap")) * time.Second
			f := Fault{At: at, Node: rapid.IntRange(0, nodes-1).Draw(t, "node")}
			var undo FaultKind
			kinds := 2
			if o.Partitions {
				kinds = 3
			}
			switch rapid.IntRange(0, kinds).Draw(t, "fault") {
			case 0:
				f.Kind, undo = FaultNodeDown, FaultNodeUp
			case 1:
				f.Kind, undo = FaultDrain, FaultActivate
			case 2:
				p := rapid.SampledFrom(blockablePorts).Draw(t, "port")
				f.Kind, undo, f.Port, f.Protocol = FaultBlock, FaultUnblock, p.port, p.proto
			case 3:
				f.Kind, undo = FaultPartition, FaultHeal
				f.Group = rapid.SliceOfNDistinct(rapid.IntRange(0, nodes-1), 1, nodes-1, rapid.ID[int]).Draw(t, "group")
			}
			plan = append(plan, f)
			if len(plan) < n && !weighted(t, "lasting", 25) {
				u := f
				u.Kind = undo
				u.At = at + time.Duration(rapid.Int64Range(1, int64(gap/time.Second)).Draw(t, "lasts"))*time.Second
				at = u.At
				plan = append(plan, u)
			}
		}
		return plan
	})
}

// Action returns the fault as an Action on node target f.Node. Partitions
// and heals have no Action (their Kind is 0); use Runner.Core.
func (f Fault) Action() Action {
	a := Action{Target: f.Node, Port: f.Port, Protocol: f.Protocol}
	switch f.Kind {
	case FaultNodeDown:
		a.Kind = ActNodeDown
	case FaultNodeUp:
		a.Kind = ActNodeUp
	case FaultDrain:
		a.Kind, a.Availability = ActAvailability, node.Drain
	case FaultActivate:
		a.Kind, a.Availability = ActAvailability, node.Active
	case FaultBlock:
		a.Kind = ActBlock
	case FaultUnblock:
		a.Kind = ActUnblock
	}
	return a
}

// Core returns the fault as the core library's swarmsim.Fault, on the
// runner's node f.Node (modulo the number of nodes); false when the runner
// has no node.
func (r *Runner) Core(f Fault) (swarmsim.Fault, bool) {
	host, ok := r.Node(f.Node)
	if !ok {
		return swarmsim.Fault{}, false
	}
	cf := swarmsim.Fault{Node: host, Port: f.Port, Protocol: f.Protocol}
	switch f.Kind {
	case FaultNodeDown:
		cf.Kind = swarmsim.FaultNodeStop
	case FaultNodeUp:
		cf.Kind = swarmsim.FaultNodeStart
	case FaultDrain:
		cf.Kind, cf.Availability = swarmsim.FaultAvailability, node.Drain
	case FaultActivate:
		cf.Kind, cf.Availability = swarmsim.FaultAvailability, node.Active
	case FaultBlock:
		cf.Kind = swarmsim.FaultBlockPort
	case FaultUnblock:
		cf.Kind = swarmsim.FaultUnblockPort
	case FaultPartition:
		var g []string
		seen := map[string]bool{}
		for _, i := range f.Group {
			if h, _ := r.Node(i); !seen[h] {
				seen[h] = true
				g = append(g, h)
			}
		}
		cf = swarmsim.Fault{Kind: swarmsim.FaultPartition, Groups: [][]string{g}}
	case FaultHeal:
		cf = swarmsim.Fault{Kind: swarmsim.FaultHeal}
	default:
		return swarmsim.Fault{}, false
	}
	return cf, true
}

// Queue queues a fault plan on the runner's cluster (Cluster.At), each fault
// at its time after now; the faults fire while the clock runs. It returns
// the first fault the cluster refused (the rest are still queued), or
// ErrNoTarget when the runner has no node.
func (r *Runner) Queue(plan FaultPlan) error {
	start := r.C.Now()
	var first error
	for _, f := range plan {
		cf, ok := r.Core(f)
		if !ok {
			return ErrNoTarget
		}
		if err := r.C.At(start.Add(f.At), cf); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// RunPlan runs the clock through a fault plan, queued on the cluster's own
// fault plan (Queue), until span has passed since now or the last fault has
// fired, whichever is later. It returns the first error a fault's call
// returned, after running the whole plan.
func (r *Runner) RunPlan(plan FaultPlan, span time.Duration) error {
	start := r.C.Now()
	before := len(r.C.FaultErrors())
	first := r.Queue(plan)
	if n := len(plan); n > 0 && plan[n-1].At > span {
		span = plan[n-1].At
	}
	r.Advance(start.Add(span).Sub(r.C.Now()))
	if errs := r.C.FaultErrors(); first == nil && len(errs) > before {
		first = errs[before]
	}
	return first
}

// Scenario is a whole generated run as data: a cluster (seed, nodes, image
// behaviours, history limit) and the actions to apply to it. Playing the
// same scenario twice gives the same trace, byte for byte.
type Scenario struct {
	Seed         uint64
	Nodes        []swarmsim.NodeConfig
	Images       []string
	Behaviors    []swarmsim.ImageBehavior // one per image
	HistoryLimit int
	Actions      []Action
}

// ScenarioOptions shape a generated scenario.
type ScenarioOptions struct {
	Nodes    NodeOptions
	Behavior ImageOptions
	Actions  ActionOptions
	// MaxActions bounds the action list (default 20).
	MaxActions int
}

// Scenarios draws scenarios.
func Scenarios(o ScenarioOptions) *rapid.Generator[Scenario] {
	return rapid.Custom(func(t *rapid.T) Scenario {
		sc := Scenario{Seed: rapid.Uint64().Draw(t, "seed"), Nodes: NodeConfigs(o.Nodes).Draw(t, "nodes"),
			Images: o.Actions.Services.images(), HistoryLimit: swarmsim.DefaultTaskHistoryLimit}
		for _, img := range sc.Images {
			sc.Behaviors = append(sc.Behaviors, ImageBehavior(o.Behavior).Draw(t, img))
		}
		if weighted(t, "history-limit-changed", 25) {
			sc.HistoryLimit = rapid.SampledFrom([]int{0, 1, 2, -1}).Draw(t, "history-limit")
		}
		sc.Actions = Actions(o.MaxActions, o.Actions).Draw(t, "actions")
		return sc
	})
}

// Cluster builds the scenario's cluster, before any action.
func (sc Scenario) Cluster() (*Runner, error) { return sc.ClusterWith(swarmsim.Config{}) }

// ClusterWith is Cluster in a configuration of the caller's (a TraceLimit,
// NoTrace, a Logger): cfg's Seed is replaced by the scenario's.
func (sc Scenario) ClusterWith(cfg swarmsim.Config) (*Runner, error) {
	cfg.Seed = sc.Seed
	c := swarmsim.New(cfg)
	for _, n := range sc.Nodes {
		if _, err := c.AddNode(n); err != nil {
			return nil, err
		}
	}
	for i, img := range sc.Images {
		if i < len(sc.Behaviors) {
			c.SetImage(img, sc.Behaviors[i])
		}
	}
	c.SetTaskHistoryLimit(sc.HistoryLimit)
	return NewRunner(c), nil
}

// Play builds the cluster and applies every action, calling after (when
// not nil) after each one with its error; it returns the runner.
func (sc Scenario) Play(after func(r *Runner, i int, err error)) (*Runner, error) {
	r, err := sc.Cluster()
	if err != nil {
		return nil, err
	}
	for i, a := range sc.Actions {
		err := r.Apply(a)
		if after != nil {
			after(r, i, err)
		}
	}
	return r, nil
}
