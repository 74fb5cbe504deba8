package swarmsim

import (
	"slices"

	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
)

// NodeConfig describes a node joining the swarm (see node.Config).
type NodeConfig = node.Config

// AddNode joins a node to the swarm. It is READY at once. The first manager
// to join is the leader.
func (c *Cluster) AddNode(cfg NodeConfig) (*node.Node, error) {
	c.lazyInit()
	if err := c.noLeader(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(c.nodes) >= MaxNodes {
		return nil, limitErr("the swarm has had %d nodes, the simulator's limit", MaxNodes)
	}
	if c.globals > 0 && c.tasksWanted()+uint64(c.globals) > MaxTasks {
		return nil, limitErr("another node would take the tasks the services ask for past the simulator's limit of %d", MaxTasks)
	}
	idx := int32(len(c.nodes))
	n := node.New(cfg, c.ids.Next(), idx, c.Now())
	ns := &nodeState{n: n, idx: idx, up: true, beating: true}
	if cfg.Role == node.Manager {
		c.joinManager(ns)
	}
	c.nodes = append(c.nodes, ns)
	c.nodeByID[n.ID] = ns
	c.nodePrefixes.Add(n.ID, ns)
	c.nodeByName[cfg.Hostname] = append(c.nodeByName[cfg.Hostname], ns)
	c.liveNodes++
	ns.ref = c.sched.AddNode(n)
	if int(ns.ref) >= len(c.nodeByRef) {
		c.nodeByRef = append(c.nodeByRef, make([]*nodeState, int(ns.ref)+1-len(c.nodeByRef))...)
	}
	c.nodeByRef[ns.ref] = ns
	c.mesh.AddNode(n.ID)
	c.record(record{kind: EventNodeAdded, node: ns, to: uint16(n.Status.State)})
	c.linkChanged(ns) // a partition may cut it off from the leader
	c.nodeChanged(ns)
	c.settle()
	return n.Clone(), nil
}

// Node looks a node up by ID, hostname or unique ID prefix.
func (c *Cluster) Node(ref string) (*node.Node, error) {
	c.lazyInit()
	ns, err := c.lookupNode(ref)
	if err != nil {
		return nil, err
	}
	return ns.n.Clone(), nil
}

// Nodes lists the swarm's nodes in join order.
func (c *Cluster) Nodes() []*node.Node {
	c.lazyInit()
	if c.liveNodes == 0 {
		return nil
	}
	out := make([]*node.Node, 0, c.liveNodes)
	for _, ns := range c.nodes {
		if ns != nil {
			out = append(out, ns.n.Clone())
		}
	}
	return out
}

// NodeCount is the number of nodes in the swarm, without copying them.
func (c *Cluster) NodeCount() int {
	c.lazyInit()
	return c.liveNodes
}

// NodeByHostname returns the first node (in join order) whose hostname is h,
// found by index: no other node is looked at or copied.
func (c *Cluster) NodeByHostname(h string) (*node.Node, bool) {
	c.lazyInit()
	if named := c.nodeByName[h]; len(named) > 0 {
		return named[0].n.Clone(), true
	}
	return nil, false
}

// Managers lists the swarm's managers in join order, as copies, without
// looking at or copying the workers.
func (c *Cluster) Managers() []*node.Node {
	c.lazyInit()
	// Handles are the nodes' join order; the group's is promotion order.
	handles := slices.Sorted(c.raft.Members())
	out := make([]*node.Node, len(handles))
	for i, h := range handles {
		out[i] = c.nodes[h].n.Clone()
	}
	return out
}

// Leader is the node the CLI talks to: the leading manager.
func (c *Cluster) Leader() *node.Node {
	c.lazyInit()
	if l := c.leaderNode(); l != nil {
		return l.n.Clone()
	}
	return nil
}

// NodeUpdate is a change to a node's spec, as `docker node update` makes it
// (see node.Update).
type NodeUpdate = node.Update

// UpdateNode changes a node's availability, role or labels. Draining moves
// its replicated tasks elsewhere and stops its global ones; a label change
// lets the constraint enforcer evict tasks that no longer fit.
func (c *Cluster) UpdateNode(ref string, u NodeUpdate) error {
	c.lazyInit()
	if err := c.noLeader(); err != nil {
		return err
	}
	ns, err := c.lookupNode(ref)
	if err != nil {
		return err
	}
	n := ns.n
	if err := u.Validate(n); err != nil {
		return err
	}
	if u.Demotes(n) {
		if err := c.raft.CheckDemote(ns.idx); err != nil {
			return err
		}
	}
	oldAvail := u.ApplyAvailability(n)
	if u.Role != nil && *u.Role != n.Role {
		c.setRole(ns, *u.Role)
		if c.net.Cut() {
			c.relink() // the leader may have changed sides
		}
	}
	labelsChanged := u.ApplyLabels(n, c.Now())
	c.sched.UpdateNode(n)
	if n.Spec.Availability != oldAvail {
		c.record(record{kind: EventNodeAvailability, node: ns, from: uint16(oldAvail), to: uint16(n.Spec.Availability)})
	}
	if n.Spec.Availability == node.Drain && oldAvail != node.Drain {
		c.evacuate(ns)
	}
	if labelsChanged || u.Role != nil {
		c.record(record{kind: EventNodeUpdated, node: ns})
		c.enforceConstraints(ns)
	}
	c.nodeChanged(ns)
	c.settle()
	return nil
}

func (c *Cluster) setRole(ns *nodeState, r node.Role) {
	ns.n.SetRole(r)
	if r == node.Manager {
		c.joinManager(ns)
		return
	}
	if c.raft.Leave(ns.idx) {
		c.transferLeadership() // a demoted leader hands leadership over
	}
}

// nodeChanged lets the orchestrators and scheduler react to a node that
// joined, came back or changed: global services get a task there if one is
// missing, and tasks waiting for a node are tried again.
func (c *Cluster) nodeChanged(ns *nodeState) {
	c.retry = true
	for _, s := range c.services {
		if s != nil && s.spec.spec.Mode == Global {
			c.reconcileGlobalNode(s, ns)
		}
	}
}

// tasksOn returns the tasks on a node in creation order.
func (c *Cluster) tasksOn(ns *nodeState) []*taskState {
	ts := slices.Clone(ns.tasks)
	slices.SortFunc(ts, taskOrder)
	return ts
}

// evacuate handles a node that was drained or went DOWN: the restart
// supervisor replaces its replicated tasks elsewhere; global tasks are only
// shut down (SwarmKit's replicated/tasks.go: restartTasksByNodeID and
// global/global.go: reconcileOneNode).
func (c *Cluster) evacuate(ns *nodeState) {
	for _, ts := range c.tasksOn(ns) {
		if ts.deleted || ts.t.DesiredState > task.Running {
			continue
		}
		if ts.svc.spec.spec.Mode == Global {
			c.setDesired(ts, task.Shutdown)
			continue
		}
		c.restart(ts)
	}
}

// enforceConstraints is SwarmKit's constraint enforcer for an ACTIVE node:
// tasks whose service's current constraints the node no longer meets are
// rejected, and the orchestrator takes it from there.
func (c *Cluster) enforceConstraints(ns *nodeState) {
	if ns.n.Spec.Availability != node.Active {
		return
	}
	for _, ts := range c.tasksOn(ns) {
		st := ts.t.State()
		if ts.deleted || st < task.Assigned || st > task.Running || ts.t.DesiredState > task.Running {
			continue
		}
		if !c.constraintsMatch(ts.svc.spec, ns) {
			c.setObserved(ts, task.Rejected, task.MsgConstraintEnforcer, task.ErrConstraintEnforcer)
		}
	}
}

// StopNode makes a node's machine die, as a crash or a power cut would: its
// containers die with it and it accepts no connection. The other nodes do
// not know yet: their routing meshes keep its tasks as backends, and a
// connection sent to one times out, until the managers have marked the node
// DOWN (HeartbeatMisses heartbeats missed: DownAfter, 15 s by default) and the tasks' new state has
// spread by gossip (GossipConvergeDelay later). Tasks still on it OrphanTimeout
// after it went DOWN become ORPHANED.
func (c *Cluster) StopNode(ref string) error {
	c.lazyInit()
	ns, err := c.lookupNode(ref)
	if err != nil {
		return err
	}
	if !ns.up {
		return nil
	}
	ns.up = false
	c.mesh.SetNodeUp(ns.n.ID, false)
	c.record(record{kind: EventNodeStopped, node: ns})
	if ns.n.Status.State == node.Down {
		// DOWN already (cut off by a partition): the news spreads from now
		c.push(addSat(c.now, GossipConvergeDelay), evGossip, ns.idx, ns.downGen)
	}
	if ns.n.Role == node.Manager {
		c.managerUp(ns)
	}
	c.linkLeader(ns)
	c.settle()
	return nil
}

// StartNode brings a stopped node back: it registers again and is READY at
// once (unless a partition cuts it off from the managers), and its agent
// catches up with what the manager wants (tasks shut down while it was away
// stop now).
func (c *Cluster) StartNode(ref string) error {
	c.lazyInit()
	ns, err := c.lookupNode(ref)
	if err != nil {
		return err
	}
	if ns.up {
		return nil
	}
	ns.up = true
	c.mesh.SetNodeUp(ns.n.ID, true)
	c.record(record{kind: EventNodeStarted, node: ns})
	if ns.n.Role == node.Manager {
		c.managerUp(ns)
	}
	c.linkLeader(ns)
	c.settle()
	return nil
}

// linkLeader re-judges a node whose machine stopped or started, and every
// node if it is the leader and a partition stands.
func (c *Cluster) linkLeader(ns *nodeState) {
	if ns == c.leaderNode() && c.net.Cut() {
		c.relink()
		return
	}
	c.linkChanged(ns)
}

// connected reports whether the managers hear a node's heartbeats: its
// machine is up and no partition separates it from the leader. (With the
// leader itself stopped, the model has no manager to judge, and counts every
// live node as heard: managers and quorum are another item of issue 16.)
func (c *Cluster) connected(ns *nodeState) bool {
	if !ns.up {
		return false
	}
	if l := c.leaderNode(); l != nil {
		return c.net.Heard(ns.idx, ns.up, l.idx, l.up)
	}
	return c.net.Heard(ns.idx, ns.up, -1, false)
}

// linkChanged reacts to a change in whether the managers hear a node: a node
// that falls silent is marked DOWN after HeartbeatMisses periods; a node
// heard again is READY at once, its agent catches up and its backends are
// brought up to date.
func (c *Cluster) linkChanged(ns *nodeState) {
	now := c.connected(ns)
	if now == ns.beating {
		return
	}
	ns.beating = now
	ns.beatGen++
	if !now {
		c.push(addSat(c.now, c.DownAfter()), evHeartbeat, ns.idx, ns.beatGen)
		return
	}
	ns.downGen++ // its pending gossip and orphan events are stale
	ns.gossiped = false
	if ns.n.Status.State != node.Ready && !c.raft.Leaderless() {
		// It registers with the leader's dispatcher (raft.go: with no
		// leader, once one is elected).
		c.setNodeState(ns, node.Ready, "")
	}
	for _, ts := range c.tasksOn(ns) {
		c.updateBackend(ts)
		c.agentKick(ts)
	}
	c.nodeChanged(ns)
}

func (c *Cluster) setNodeState(ns *nodeState, st node.State, msg string) {
	old := ns.n.SetState(st, msg)
	c.sched.UpdateNode(ns.n)
	c.record(record{kind: EventNodeState, node: ns, from: uint16(old), to: uint16(st), msg: msg})
}

// heartbeatFailure is SwarmKit's dispatcher marking a silent node DOWN
// (manager/dispatcher/dispatcher.go: markNodeNotReady, "heartbeat failure"):
// its tasks are replaced, the news of their new state spreads to the other
// nodes' routing meshes GossipConvergeDelay later if the machine is dead, and
// its tasks become ORPHANED OrphanTimeout later (the dispatcher's downNodes
// store, defaultNodeDownPeriod) unless it comes back first.
func (c *Cluster) heartbeatFailure(ns *nodeState) {
	c.setNodeState(ns, node.Down, node.DownMessage(ns.n.Status.State))
	ns.downGen++
	if !ns.up {
		c.push(addSat(c.now, GossipConvergeDelay), evGossip, ns.idx, ns.downGen)
	}
	c.push(addSat(c.now, OrphanTimeout), evOrphan, ns.idx, ns.downGen)
	c.evacuate(ns)
	for _, ts := range c.tasksOn(ns) {
		c.releaseWaiters(ts)
	}
}

// RemoveNode removes a node from the swarm with Docker's rules: a manager
// must be demoted first, and a node that is not down needs force. Its tasks
// become ORPHANED; replicated ones are replaced elsewhere.
func (c *Cluster) RemoveNode(ref string, force bool) error {
	c.lazyInit()
	if err := c.noLeader(); err != nil {
		return err
	}
	ns, err := c.lookupNode(ref)
	if err != nil {
		return err
	}
	if err := node.CheckRemove(ns.n, force); err != nil {
		return err
	}
	ns.removed = true
	c.nodes[ns.idx] = nil
	delete(c.nodeByID, ns.n.ID)
	c.nodePrefixes.Remove(ns.n.ID, ns)
	h := ns.n.Description.Hostname
	if named := slices.DeleteFunc(c.nodeByName[h], func(x *nodeState) bool { return x == ns }); len(named) > 0 {
		c.nodeByName[h] = named
	} else {
		delete(c.nodeByName, h)
	}
	c.liveNodes--
	c.nodeByRef[ns.ref] = nil
	c.sched.RemoveNode(ns.n.ID)
	c.mesh.RemoveNode(ns.n.ID)
	c.record(record{kind: EventNodeRemoved, node: ns})
	for _, ts := range c.tasksOn(ns) {
		if ts.deleted {
			continue
		}
		if ts.svc.spec.spec.Mode == Global {
			c.deleteTask(ts)
			continue
		}
		if st := ts.t.State(); st <= task.Running {
			c.setObserved(ts, task.Orphaned, task.MsgNodeDeleted, "")
		}
	}
	c.settle()
	return nil
}
