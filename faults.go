package swarmsim

import (
	"time"

	"github.com/swarmsim/swarmsim/fault"
	"github.com/swarmsim/swarmsim/internal/eventq"
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

// FaultKind is the kind of a Fault (see package fault).
type FaultKind = fault.Kind

// Fault kinds.
const (
	FaultNodeStop      = fault.NodeStop      // StopNode(Node)
	FaultNodeStart     = fault.NodeStart     // StartNode(Node)
	FaultPartition     = fault.Partition     // Partition(Groups...)
	FaultHeal          = fault.Heal          // Heal()
	FaultImage         = fault.Image         // SetImage(Image, Behavior)
	FaultBlockPort     = fault.BlockPort     // BlockPort(Node, Port, Protocol)
	FaultUnblockPort   = fault.UnblockPort   // UnblockPort(Node, Port, Protocol)
	FaultAvailability  = fault.Availability  // UpdateNode(Node, Availability)
	FaultTaskExit      = fault.TaskExit      // ExitTask(Task, ExitCode): docker kill (137) or stop (0)
	FaultTaskUnhealthy = fault.TaskUnhealthy // SetTaskUnhealthy(Task)
)

// Fault is something that happens to the swarm, for Cluster.At. Only the
// fields its Kind uses are read (see fault.Fault).
type Fault = fault.Fault

// At queues a fault to happen at virtual time t, during whatever runs the
// clock then (RunFor, RunUntil, Probe, ...). Faults due at the same time fire
// in the order they were queued, after the events queued before them for that
// time. The fault is checked now (a time in the past, an unknown kind or
// node, a bad partition are refused); if its call fails when it fires (the
// node was removed meanwhile), the error is kept for FaultErrors.
func (c *Cluster) At(t time.Time, f Fault) error {
	c.lazyInit()
	at := t.Sub(c.epoch)
	i, err := c.faults.Queue(f, at, time.Duration(c.now), c.resolveNode)
	if err != nil {
		return err
	}
	c.push(int64(at), evFault, i, 0)
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
const MaxFaults = fault.MaxFaults

// FaultErrors returns the errors of queued faults that failed when they
// fired, in the order they fired.
func (c *Cluster) FaultErrors() []error {
	c.lazyInit()
	return c.faults.Errors()
}

// resolveNode is the store's LookupNode for package fault.
func (c *Cluster) resolveNode(ref string) (fault.Node, error) {
	ns, err := c.st.LookupNode(ref)
	if err != nil {
		return fault.Node{}, err
	}
	return fault.Node{Index: ns.Idx, ID: ns.N.ID, Hostname: ns.N.Description.Hostname}, nil
}

// faultTarget is the cluster as a fault happens to it (fault.Target): a
// task named SERVICE.SLOT is that slot's task, availability is a node
// update.
type faultTarget struct{ *Cluster }

func (t faultTarget) SetAvailability(ref string, a node.Availability) error {
	return t.UpdateNode(ref, NodeUpdate{Availability: &a})
}

func (t faultTarget) ExitTask(ref string, code int) error {
	return t.Cluster.ExitTask(t.slotTaskID(ref), code)
}

func (t faultTarget) SetTaskUnhealthy(ref string) error {
	return t.Cluster.SetTaskUnhealthy(t.slotTaskID(ref))
}

// slotTaskID is the ID of the task a fault names: SERVICE.SLOT names the
// task of that slot that is meant to run and has not ended (the slot's
// newest), anything else is taken as a task ID.
func (c *Cluster) slotTaskID(ref string) string {
	name, n, ok := fault.SlotRef(ref)
	if !ok {
		return ref
	}
	s, err := c.st.LookupService(name)
	if err != nil {
		return ref
	}
	if sl := s.Slots.Get(n); sl != nil {
		for i := len(sl.Tasks) - 1; i >= 0; i-- {
			if ts := sl.Tasks[i]; !ts.Deleted && ts.T.DesiredState <= task.Running && ts.T.State() <= task.Running {
				return ts.T.ID
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
		f := c.faults.Take(e.A)
		if err := f.Apply(faultTarget{c}); err != nil {
			c.faults.Failed(f, time.Duration(c.now), err)
		}
		return true
	case evGossip:
		ns := c.st.Node(e.A)
		if ns == nil || ns.DownGen != e.B || ns.Up || ns.Gossiped || ns.N.Status.State != node.Down {
			return false
		}
		ns.Gossiped = true
		for _, ts := range ns.TasksInOrder() {
			c.updateBackend(ts)
		}
		return true
	case evOrphan:
		ns := c.st.Node(e.A)
		if ns == nil || ns.DownGen != e.B || ns.N.Status.State != node.Down {
			return false
		}
		// dispatcher.go: moveTasksToOrphaned: tasks that could have made
		// progress (ASSIGNED to RUNNING) become ORPHANED; the state changes,
		// the message stays.
		for _, ts := range ns.TasksInOrder() {
			if st := ts.T.State(); !ts.Deleted && st >= task.Assigned && st <= task.Running {
				c.setObserved(ts, task.Orphaned, ts.T.Status().Message, "")
			}
		}
		return true
	case evPartition:
		if !c.net.Cut() || e.B != c.net.Gen() {
			return false
		}
		c.mesh.SettlePartition()
		return true
	}
	return false
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
	gs, err := fault.Groups(groups, c.resolveNode)
	if err != nil {
		return err
	}
	c.net.Partition(gs)
	c.mesh.Partition(fault.IDs(gs))
	c.push(addSat(c.now, GossipConvergeDelay), evPartition, 0, c.net.Gen())
	c.netChanged()
	return nil
}

// Heal ends a partition: every node reaches every other again, and the
// nodes cut off from the leader are heard again (READY at once; their agents
// catch up). It does nothing without a partition.
func (c *Cluster) Heal() {
	c.lazyInit()
	if !c.net.Heal() {
		return
	}
	c.mesh.Heal()
	c.netChanged()
}

// netChanged lets the managers and the dispatcher react to a partition or a
// heal: the Raft group learns each manager's side, then every node's link
// to the leader is judged again.
func (c *Cluster) netChanged() {
	c.raft.Regroup(c.net.Group)
	c.raftChanged()
	c.relink()
	c.settle()
}

// Partitioned reports whether a partition separates two nodes.
func (c *Cluster) Partitioned(a, b string) (bool, error) {
	c.lazyInit()
	na, err := c.st.LookupNode(a)
	if err != nil {
		return false, err
	}
	nb, err := c.st.LookupNode(b)
	if err != nil {
		return false, err
	}
	return c.net.Partitioned(na.Idx, nb.Idx), nil
}

// Heard reports whether the managers hear a node's heartbeats: its machine
// is up and no partition separates it from the leader. A node that is not
// heard runs what its agent last knew, whatever the managers decide.
func (c *Cluster) Heard(ref string) (bool, error) {
	c.lazyInit()
	ns, err := c.st.LookupNode(ref)
	if err != nil {
		return false, err
	}
	return ns.Beating, nil
}

// relink re-judges every node's link to the managers, in join order.
func (c *Cluster) relink() {
	for _, ns := range c.st.Nodes() {
		if ns != nil {
			c.linkChanged(ns)
		}
	}
}
