package swarmsim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim/internal/eventq"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
)

// Faults: node failure as the managers and the routing mesh see it,
// partitions, orphaned tasks, and a plan of faults that fire at virtual
// times while the simulation runs.
//
// The timeline of a node whose machine dies at t (SwarmKit's
// manager/dispatcher/dispatcher.go and libnetwork's gossip):
//
//   - t: its containers die; every other node's routing mesh still lists its
//     tasks, and a connection sent to one times out;
//   - t + HeartbeatMisses × HeartbeatPeriod (15 s): the dispatcher marks it
//     DOWN ("heartbeat failure"); the orchestrators replace its tasks;
//   - that + GossipConvergeDelay (2 s): the tasks' new state has reached the
//     other nodes, which drop them from their meshes;
//   - DOWN + OrphanTimeout (24 h): tasks still assigned to it (ASSIGNED to
//     RUNNING) become ORPHANED (dispatcher.go: moveTasksToOrphaned).

// FaultKind is the kind of a Fault.
type FaultKind uint8

// Fault kinds.
const (
	FaultNodeStop      FaultKind = iota + 1 // StopNode(Node)
	FaultNodeStart                          // StartNode(Node)
	FaultPartition                          // Partition(Groups...)
	FaultHeal                               // Heal()
	FaultImage                              // SetImage(Image, Behavior)
	FaultBlockPort                          // BlockPort(Node, Port, Protocol)
	FaultUnblockPort                        // UnblockPort(Node, Port, Protocol)
	FaultAvailability                       // UpdateNode(Node, Availability)
	FaultTaskExit                           // ExitTask(Task, ExitCode): docker kill (137) or stop (0)
	FaultTaskUnhealthy                      // SetTaskUnhealthy(Task)
)

var faultKindNames = [...]string{FaultNodeStop: "node-stop", FaultNodeStart: "node-start",
	FaultPartition: "partition", FaultHeal: "heal", FaultImage: "image", FaultBlockPort: "block",
	FaultUnblockPort: "unblock", FaultAvailability: "availability", FaultTaskExit: "task-exit", FaultTaskUnhealthy: "task-unhealthy"}

// String names the kind.
func (k FaultKind) String() string {
	if int(k) < len(faultKindNames) && faultKindNames[k] != "" {
		return faultKindNames[k]
	}
	return fmt.Sprintf("FaultKind(%d)", uint8(k))
}

// Fault is something that happens to the swarm, for Cluster.At. Only the
// fields its Kind uses are read.
type Fault struct {
	Kind FaultKind
	// Node is the node (ID, hostname or unique ID prefix) of a node fault.
	Node string
	// Groups are a partition's groups of nodes.
	Groups [][]string
	// Image and Behavior: how tasks of an image behave from then on.
	Image    string
	Behavior ImageBehavior
	// Port and Protocol of a block or unblock.
	Port     uint32
	Protocol mesh.Protocol
	// Availability of FaultAvailability (drain, pause, active).
	Availability node.Availability
	// Task and ExitCode of FaultTaskExit: a task ID, or SERVICE.SLOT for the
	// task running in that slot when the fault fires; its container exits
	// with ExitCode (KillExitCode as docker kill, 0 as docker stop).
	Task     string
	ExitCode int
}

// String describes the fault in a line, e.g. "node-stop worker2".
func (f Fault) String() string {
	switch f.Kind {
	case FaultNodeStop, FaultNodeStart:
		return f.Kind.String() + " " + f.Node
	case FaultPartition:
		g := make([]string, len(f.Groups))
		for i, grp := range f.Groups {
			g[i] = strings.Join(grp, ",")
		}
		return "partition " + strings.Join(g, " / ")
	case FaultImage:
		return "image " + f.Image
	case FaultBlockPort, FaultUnblockPort:
		return fmt.Sprintf("%s %s %d/%s", f.Kind, f.Node, f.Port, f.Protocol)
	case FaultAvailability:
		return fmt.Sprintf("availability %s %s", f.Node, f.Availability)
	case FaultTaskExit:
		return fmt.Sprintf("task-exit %s %d", f.Task, f.ExitCode)
	case FaultTaskUnhealthy:
		return "task-unhealthy " + f.Task
	}
	return f.Kind.String()
}

// faultPlan holds the faults queued by At, by index (the event's A).
type faultPlan struct {
	queued []Fault
	errs   []error
}

// At queues a fault to happen at virtual time t, during whatever runs the
// clock then (RunFor, RunUntil, Probe, ...). Faults due at the same time fire
// in the order they were queued, after the events queued before them for that
// time. The fault is checked now (a time in the past, an unknown kind or
// node, a bad partition are refused); if its call fails when it fires (the
// node was removed meanwhile), the error is kept for FaultErrors.
func (c *Cluster) At(t time.Time, f Fault) error {
	c.lazyInit()
	at := t.Sub(c.epoch)
	if at < time.Duration(c.now) {
		return daemonErr(KindInvalidArgument, "fault %s at %s: that time has passed (the clock is at %s)", f, at, time.Duration(c.now))
	}
	if err := c.checkFault(f); err != nil {
		return err
	}
	if len(c.faults.queued) >= MaxFaults {
		return limitErr("%d faults queued, the simulator's limit", MaxFaults)
	}
	c.faults.queued = append(c.faults.queued, f)
	c.push(int64(at), evFault, int32(len(c.faults.queued)-1), 0)
	return nil
}

// After queues a fault to happen d from now; see At.
func (c *Cluster) After(d time.Duration, f Fault) error {
	c.lazyInit()
	if d < 0 {
		return daemonErr(KindInvalidArgument, "fault %s: negative delay %s", f, d)
	}
	return c.At(c.at(c.runEnd(d)), f)
}

// MaxFaults bounds the faults a cluster can have queued over its life.
const MaxFaults = 1 << 20

// FaultErrors returns the errors of queued faults that failed when they
// fired, in the order they fired.
func (c *Cluster) FaultErrors() []error {
	c.lazyInit()
	return append([]error(nil), c.faults.errs...)
}

func (c *Cluster) checkFault(f Fault) error {
	switch f.Kind {
	case FaultNodeStop, FaultNodeStart, FaultBlockPort, FaultUnblockPort, FaultAvailability:
		if _, err := c.lookupNode(f.Node); err != nil {
			return err
		}
		if f.Kind == FaultAvailability && f.Availability > node.Drain {
			return daemonErr(KindInvalidArgument, "invalid Availability: %d", uint8(f.Availability))
		}
	case FaultPartition:
		_, err := c.partitionGroups(f.Groups)
		return err
	case FaultHeal:
	case FaultTaskExit, FaultTaskUnhealthy:
		if f.Task == "" {
			return daemonErr(KindInvalidArgument, "fault %s: no task", f.Kind)
		}
	case FaultImage:
		if f.Image == "" {
			return daemonErr(KindInvalidArgument, "fault image: no image reference")
		}
	default:
		return daemonErr(KindInvalidArgument, "unknown fault kind %d", uint8(f.Kind))
	}
	return nil
}

// apply makes a fault happen now.
func (c *Cluster) apply(f Fault) error {
	switch f.Kind {
	case FaultNodeStop:
		return c.StopNode(f.Node)
	case FaultNodeStart:
		return c.StartNode(f.Node)
	case FaultPartition:
		return c.Partition(f.Groups...)
	case FaultHeal:
		c.Heal()
	case FaultImage:
		c.SetImage(f.Image, f.Behavior)
		// Tasks already under way take their new behaviour from their
		// next step, as if the image had been rebuilt.
	case FaultBlockPort:
		return c.BlockPort(f.Node, f.Port, f.Protocol)
	case FaultUnblockPort:
		return c.UnblockPort(f.Node, f.Port, f.Protocol)
	case FaultAvailability:
		a := f.Availability
		return c.UpdateNode(f.Node, NodeUpdate{Availability: &a})
	case FaultTaskExit:
		return c.ExitTask(c.slotTaskID(f.Task), f.ExitCode)
	case FaultTaskUnhealthy:
		return c.SetTaskUnhealthy(c.slotTaskID(f.Task))
	}
	return nil
}

// slotTaskID is the ID of the task a fault names: SERVICE.SLOT names the
// task of that slot that is meant to run and has not ended (the slot's
// newest), anything else is taken as a task ID.
func (c *Cluster) slotTaskID(ref string) string {
	name, slot, ok := strings.Cut(ref, ".")
	if !ok {
		return ref
	}
	s, err := c.lookupService(name)
	n, perr := strconv.ParseUint(slot, 10, 64)
	if err != nil || perr != nil {
		return ref
	}
	if sl := s.slots.get(n); sl != nil {
		for i := len(sl.tasks) - 1; i >= 0; i-- {
			if ts := sl.tasks[i]; !ts.deleted && ts.t.DesiredState <= task.Running && ts.t.State() <= task.Running {
				return ts.t.ID
			}
		}
	}
	return ref
}

// handleFault runs the fault-related events; it reports whether the event
// was still current.
func (c *Cluster) handleFault(e eventq.Event) bool {
	switch e.Kind {
	case evFault:
		f := c.faults.queued[e.A]
		if err := c.apply(f); err != nil {
			c.faults.errs = append(c.faults.errs, fmt.Errorf("fault %s at %s: %w", f, time.Duration(c.now), err))
		}
		c.faults.queued[e.A] = Fault{} // let its groups go
		return true
	case evGossip:
		ns := c.nodes[e.A]
		if ns == nil || ns.downGen != e.B || ns.up || ns.gossiped || ns.n.Status.State != node.Down {
			return false
		}
		ns.gossiped = true
		for _, ts := range c.tasksOn(ns) {
			c.updateBackend(ts)
		}
		return true
	case evOrphan:
		ns := c.nodes[e.A]
		if ns == nil || ns.downGen != e.B || ns.n.Status.State != node.Down {
			return false
		}
		// dispatcher.go: moveTasksToOrphaned: tasks that could have made
		// progress (ASSIGNED to RUNNING) become ORPHANED; the state changes,
		// the message stays.
		for _, ts := range c.tasksOn(ns) {
			if st := ts.t.State(); !ts.deleted && st >= task.Assigned && st <= task.Running {
				c.setObserved(ts, task.Orphaned, ts.t.Status().Message, "")
			}
		}
		return true
	case evPartition:
		if !c.parted || e.B != c.partGen {
			return false
		}
		c.mesh.SettlePartition()
		return true
	}
	return false
}

// partitionGroups resolves a partition's groups of node references.
func (c *Cluster) partitionGroups(groups [][]string) ([][]*nodeState, error) {
	if len(groups) == 0 {
		return nil, daemonErr(KindInvalidArgument, "a partition needs at least one group of nodes")
	}
	seen := map[*nodeState]bool{}
	out := make([][]*nodeState, len(groups))
	for i, g := range groups {
		if len(g) == 0 {
			return nil, daemonErr(KindInvalidArgument, "partition group %d is empty", i+1)
		}
		for _, ref := range g {
			ns, err := c.lookupNode(ref)
			if err != nil {
				return nil, err
			}
			if seen[ns] {
				return nil, daemonErr(KindInvalidArgument, "node %s is in two partition groups", ns.n.Description.Hostname)
			}
			seen[ns] = true
			out[i] = append(out[i], ns)
		}
	}
	return out, nil
}

// Partition splits the swarm's network into groups of nodes (IDs, hostnames
// or unique ID prefixes); the nodes named in no group form one more group.
// Between groups, gossip (7946) and the overlay (4789/udp) are cut: a
// connection routed across the cut times out until gossip notices
// (GossipConvergeDelay), after which each node routes only to the tasks of
// its own side. Nodes cut off from the leader miss their heartbeats and are
// marked DOWN 15 s later; their tasks are replaced on the leader's side,
// while their containers keep running and serving their own side. A new
// Partition replaces the previous one; Heal ends it.
func (c *Cluster) Partition(groups ...[]string) error {
	c.lazyInit()
	gs, err := c.partitionGroups(groups)
	if err != nil {
		return err
	}
	for _, ns := range c.nodes {
		if ns != nil {
			ns.group = 0
		}
	}
	ids := make([][]string, len(gs))
	for i, g := range gs {
		for _, ns := range g {
			ns.group = int32(i + 1)
			ids[i] = append(ids[i], ns.n.ID)
		}
	}
	c.mesh.Partition(ids)
	c.parted = true
	c.partGen++
	c.push(addSat(c.now, GossipConvergeDelay), evPartition, 0, c.partGen)
	c.raftChanged()
	c.relink()
	c.settle()
	return nil
}

// Heal ends a partition: every node reaches every other again, and the
// nodes cut off from the leader are heard again (READY at once; their agents
// catch up). It does nothing without a partition.
func (c *Cluster) Heal() {
	c.lazyInit()
	if !c.parted {
		return
	}
	for _, ns := range c.nodes {
		if ns != nil {
			ns.group = 0
		}
	}
	c.mesh.Heal()
	c.parted = false
	c.partGen++
	c.raftChanged()
	c.relink()
	c.settle()
}

// Partitioned reports whether a partition separates two nodes.
func (c *Cluster) Partitioned(a, b string) (bool, error) {
	c.lazyInit()
	na, err := c.lookupNode(a)
	if err != nil {
		return false, err
	}
	nb, err := c.lookupNode(b)
	if err != nil {
		return false, err
	}
	return c.parted && na.group != nb.group, nil
}

// Heard reports whether the managers hear a node's heartbeats: its machine
// is up and no partition separates it from the leader. A node that is not
// heard runs what its agent last knew, whatever the managers decide.
func (c *Cluster) Heard(ref string) (bool, error) {
	c.lazyInit()
	ns, err := c.lookupNode(ref)
	if err != nil {
		return false, err
	}
	return ns.beating, nil
}

// relink re-judges every node's link to the managers, in join order.
func (c *Cluster) relink() {
	for _, ns := range c.nodes {
		if ns != nil {
			c.linkChanged(ns)
		}
	}
}
