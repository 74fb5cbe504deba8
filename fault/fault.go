// Package fault describes what can happen to a simulated swarm from
// outside: a machine that dies or comes back, a network partition and its
// heal, a blocked port, an image that starts to misbehave, an operator
// draining a node, a container killed or made unhealthy. A Fault is a plain
// value; a Plan queues faults to fire at virtual times; a Network is the
// pure model of a partition, which node can hear which.
//
// Real Swarm has no fault injector: these are the events its components
// react to. A stopped machine is a node whose agent stops sending
// heartbeats (SwarmKit's manager/dispatcher/dispatcher.go:
// Dispatcher.markNodeNotReady marks it DOWN after the heartbeat period
// times its grace multiplier); a partition cuts gossip and the overlay
// between groups of nodes (libnetwork's networkdb), and cuts the nodes on
// the far side from the leader's dispatcher in the same way; a node cut off
// from the managers for long enough has its tasks marked ORPHANED
// (dispatcher.go: Dispatcher.moveTasksToOrphaned). The simulator's event
// loop applies each fault when it fires and lets those components react.
//
// Nothing here reads a clock or a store: node references are resolved by a
// Resolve function the caller passes in, and times are durations since the
// simulation's epoch.
package fault

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim/errdefs"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/orchestrator"
)

// Kind is the kind of a Fault.
type Kind uint8

// Fault kinds.
const (
	NodeStop      Kind = iota + 1 // the node's machine stops (Node)
	NodeStart                     // the node's machine starts again (Node)
	Partition                     // the network splits into Groups
	Heal                          // the network heals
	Image                         // tasks of Image behave as Behavior from now on
	BlockPort                     // Node's firewall blocks Port/Protocol
	UnblockPort                   // and lets it through again
	Availability                  // the operator sets Node's availability (drain, pause, active)
	TaskExit                      // Task's container exits with ExitCode: docker kill (137) or stop (0)
	TaskUnhealthy                 // Task's health check starts failing
)

var kindNames = [...]string{NodeStop: "node-stop", NodeStart: "node-start",
	Partition: "partition", Heal: "heal", Image: "image", BlockPort: "block",
	UnblockPort: "unblock", Availability: "availability", TaskExit: "task-exit", TaskUnhealthy: "task-unhealthy"}

// String names the kind ("node-stop", "partition", ...); a kind with no
// name is "FaultKind(N)".
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("FaultKind(%d)", uint8(k))
}

// MaxFaults bounds the faults a Plan can have queued over its life.
const MaxFaults = 1 << 20

// Fault is something that happens to the swarm. Only the fields its Kind
// uses are read.
type Fault struct {
	Kind Kind
	// Node is the node (ID, hostname or unique ID prefix) of a node fault.
	Node string
	// Groups are a partition's groups of nodes.
	Groups [][]string
	// Image and Behavior: how tasks of an image behave from then on.
	Image    string
	Behavior orchestrator.ImageBehavior
	// Port and Protocol of a block or unblock.
	Port     uint32
	Protocol mesh.Protocol
	// Availability of an Availability fault (drain, pause, active).
	Availability node.Availability
	// Task and ExitCode of TaskExit: a task ID, or SERVICE.SLOT for the
	// task running in that slot when the fault fires; its container exits
	// with ExitCode (137 as docker kill, 0 as docker stop).
	Task     string
	ExitCode int
}

// String describes the fault in a line, e.g. "node-stop worker2".
func (f Fault) String() string {
	switch f.Kind {
	case NodeStop, NodeStart:
		return f.Kind.String() + " " + f.Node
	case Partition:
		g := make([]string, len(f.Groups))
		for i, grp := range f.Groups {
			g[i] = strings.Join(grp, ",")
		}
		return "partition " + strings.Join(g, " / ")
	case Image:
		return "image " + f.Image
	case BlockPort, UnblockPort:
		return fmt.Sprintf("%s %s %d/%s", f.Kind, f.Node, f.Port, f.Protocol)
	case Availability:
		return fmt.Sprintf("availability %s %s", f.Node, f.Availability)
	case TaskExit:
		return fmt.Sprintf("task-exit %s %d", f.Task, f.ExitCode)
	case TaskUnhealthy:
		return "task-unhealthy " + f.Task
	}
	return f.Kind.String()
}

// Node is a node as a fault names it once resolved.
type Node struct {
	Index    int32  // its index in join order, the handle Network takes
	ID       string // its node ID
	Hostname string
}

// Resolve finds a node by reference (ID, hostname or unique ID prefix), or
// returns the daemon's error (not found, ambiguous).
type Resolve func(ref string) (Node, error)

// Check validates a fault before it is queued, with the daemon's errors:
// the node of a node fault must exist (resolve finds it), a partition's
// groups must be well formed (Groups), an availability must be one Docker
// knows, a task or image fault must name its task or image, and the kind
// must be known.
func (f Fault) Check(resolve Resolve) error {
	switch f.Kind {
	case NodeStop, NodeStart, BlockPort, UnblockPort, Availability:
		if _, err := resolve(f.Node); err != nil {
			return err
		}
		if f.Kind == Availability && f.Availability > node.Drain {
			return errdefs.Daemon(errdefs.KindInvalidArgument, "invalid Availability: %d", uint8(f.Availability))
		}
	case Partition:
		_, err := Groups(f.Groups, resolve)
		return err
	case Heal:
	case TaskExit, TaskUnhealthy:
		if f.Task == "" {
			return errdefs.Daemon(errdefs.KindInvalidArgument, "fault %s: no task", f.Kind)
		}
	case Image:
		if f.Image == "" {
			return errdefs.Daemon(errdefs.KindInvalidArgument, "fault image: no image reference")
		}
	default:
		return errdefs.Daemon(errdefs.KindInvalidArgument, "unknown fault kind %d", uint8(f.Kind))
	}
	return nil
}

// Groups resolves a partition's groups of node references, in order. There must be at least one group, no group may be
// empty, and no node may be in two groups (whatever reference names it);
// the first problem found, group by group and node by node, is the error.
func Groups(groups [][]string, resolve Resolve) ([][]Node, error) {
	if len(groups) == 0 {
		return nil, errdefs.Daemon(errdefs.KindInvalidArgument, "a partition needs at least one group of nodes")
	}
	seen := map[int32]bool{}
	out := make([][]Node, len(groups))
	for i, g := range groups {
		if len(g) == 0 {
			return nil, errdefs.Daemon(errdefs.KindInvalidArgument, "partition group %d is empty", i+1)
		}
		for _, ref := range g {
			n, err := resolve(ref)
			if err != nil {
				return nil, err
			}
			if seen[n.Index] {
				return nil, errdefs.Daemon(errdefs.KindInvalidArgument, "node %s is in two partition groups", n.Hostname)
			}
			seen[n.Index] = true
			out[i] = append(out[i], n)
		}
	}
	return out, nil
}

// IDs are the node IDs of a partition's groups, as the routing mesh takes
// them (mesh.Mesh.Partition).
func IDs(groups [][]Node) [][]string {
	ids := make([][]string, len(groups))
	for i, g := range groups {
		for _, n := range g {
			ids[i] = append(ids[i], n.ID)
		}
	}
	return ids
}

// SlotRef splits a task reference of the form SERVICE.SLOT, as a TaskExit
// or TaskUnhealthy fault may name its task; ok is false for anything else
// (a task ID).
func SlotRef(ref string) (service string, slot uint64, ok bool) {
	name, s, found := strings.Cut(ref, ".")
	if !found {
		return "", 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return "", 0, false
	}
	return name, n, true
}

// Plan holds the faults queued to fire at virtual times, by index, and the
// errors of those that failed when they fired.
type Plan struct {
	queued []Fault
	errs   []error
}

// Queue checks a fault due at virtual time at (since the epoch) while the
// clock is at now, and queues it: a time in the past, a fault Check
// refuses, or a plan that already holds MaxFaults are errors. It returns
// the fault's index, for Take when it fires.
func (p *Plan) Queue(f Fault, at, now time.Duration, resolve Resolve) (int32, error) {
	if at < now {
		return 0, errdefs.Daemon(errdefs.KindInvalidArgument, "fault %s at %s: that time has passed (the clock is at %s)", f, at, now)
	}
	if err := f.Check(resolve); err != nil {
		return 0, err
	}
	if len(p.queued) >= MaxFaults {
		return 0, errdefs.Daemon(errdefs.KindInvalidArgument, "%d faults queued, the simulator's limit", MaxFaults)
	}
	p.queued = append(p.queued, f)
	return int32(len(p.queued) - 1), nil
}

// Take returns the fault queued at index i and lets the plan forget it (its
// groups can be freed): a fault fires once.
func (p *Plan) Take(i int32) Fault {
	f := p.queued[i]
	p.queued[i] = Fault{}
	return f
}

// Failed keeps the error of a fault that failed when it fired at virtual
// time at, as "fault F at T: error" (errors.Is finds the cause).
func (p *Plan) Failed(f Fault, at time.Duration, err error) {
	p.errs = append(p.errs, fmt.Errorf("fault %s at %s: %w", f, at, err))
}

// Errors returns the errors of the faults that failed when they fired, in
// the order they fired.
func (p *Plan) Errors() []error { return append([]error(nil), p.errs...) }

// Target is what a fault happens to: the simulator's cluster, through the
// calls a user or the docker command line would make.
type Target interface {
	StopNode(ref string) error
	StartNode(ref string) error
	Partition(groups ...[]string) error
	Heal()
	SetImage(ref string, b orchestrator.ImageBehavior)
	BlockPort(ref string, port uint32, proto mesh.Protocol) error
	UnblockPort(ref string, port uint32, proto mesh.Protocol) error
	// SetAvailability is `docker node update --availability`.
	SetAvailability(ref string, a node.Availability) error
	// ExitTask and SetTaskUnhealthy take a task ID or SERVICE.SLOT (see
	// SlotRef).
	ExitTask(ref string, code int) error
	SetTaskUnhealthy(ref string) error
}

// Apply makes the fault happen now to t, with the call its kind names, and
// returns that call's error (the node was removed since the fault was
// queued, ...). An image fault changes the behaviour of tasks already under
// way from their next step, as if the image had been rebuilt.
func (f Fault) Apply(t Target) error {
	switch f.Kind {
	case NodeStop:
		return t.StopNode(f.Node)
	case NodeStart:
		return t.StartNode(f.Node)
	case Partition:
		return t.Partition(f.Groups...)
	case Heal:
		t.Heal()
	case Image:
		t.SetImage(f.Image, f.Behavior)
	case BlockPort:
		return t.BlockPort(f.Node, f.Port, f.Protocol)
	case UnblockPort:
		return t.UnblockPort(f.Node, f.Port, f.Protocol)
	case Availability:
		return t.SetAvailability(f.Node, f.Availability)
	case TaskExit:
		return t.ExitTask(f.Task, f.ExitCode)
	case TaskUnhealthy:
		return t.SetTaskUnhealthy(f.Task)
	}
	return nil
}
