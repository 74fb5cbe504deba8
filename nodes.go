package swarmsim

import (
	"slices"

	"github.com/swarmsim/swarmsim/internal/store"
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
	if c.st.Joined() >= MaxNodes {
		return nil, limitErr("the swarm has had %d nodes, the simulator's limit", MaxNodes)
	}
	if g := c.st.Globals(); g > 0 && c.st.TasksWanted()+uint64(g) > MaxTasks {
		return nil, limitErr("another node would take the tasks the services ask for past the simulator's limit of %d", MaxTasks)
	}
	idx := int32(c.st.Joined())
	n := node.New(cfg, c.ids.Next(), idx, c.Now())
	ns := &store.Node{N: n, Idx: idx, Up: true, Beating: true}
	if cfg.Role == node.Manager {
		c.joinManager(ns)
	}
	c.st.AddNode(ns)
	c.st.SetRef(ns, c.sched.AddNode(n))
	ns.MeshRef = c.mesh.AddNode(n.ID)
	c.record(record{kind: EventNodeAdded, node: ns, to: uint16(n.Status.State)})
	c.linkChanged(ns) // a partition may cut it off from the leader
	c.nodeChanged(ns)
	c.settle()
	return n.Clone(), nil
}

// Node looks a node up by ID, hostname or unique ID prefix.
func (c *Cluster) Node(ref string) (*node.Node, error) {
	c.lazyInit()
	ns, err := c.st.LookupNode(ref)
	if err != nil {
		return nil, err
	}
	return ns.N.Clone(), nil
}

// Nodes lists the swarm's nodes in join order.
func (c *Cluster) Nodes() []*node.Node {
	c.lazyInit()
	if c.st.LiveNodes() == 0 {
		return nil
	}
	out := make([]*node.Node, 0, c.st.LiveNodes())
	for _, ns := range c.st.Nodes() {
		if ns != nil {
			out = append(out, ns.N.Clone())
		}
	}
	return out
}

// NodeCount is the number of nodes in the swarm, without copying them.
func (c *Cluster) NodeCount() int {
	c.lazyInit()
	return c.st.LiveNodes()
}

// NodeByHostname returns the first node (in join order) whose hostname is h,
// found by index: no other node is looked at or copied.
func (c *Cluster) NodeByHostname(h string) (*node.Node, bool) {
	c.lazyInit()
	if ns := c.st.NodeNamed(h); ns != nil {
		return ns.N.Clone(), true
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
		out[i] = c.st.Node(h).N.Clone()
	}
	return out
}

// Leader is the node the CLI talks to: the leading manager.
func (c *Cluster) Leader() *node.Node {
	c.lazyInit()
	if l := c.leaderNode(); l != nil {
		return l.N.Clone()
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
	ns, err := c.st.LookupNode(ref)
	if err != nil {
		return err
	}
	n := ns.N
	if err := u.Validate(n); err != nil {
		return err
	}
	if u.Demotes(n) {
		if err := c.raft.CheckDemote(ns.Idx); err != nil {
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

func (c *Cluster) setRole(ns *store.Node, r node.Role) {
	ns.N.SetRole(r)
	if r == node.Manager {
		c.joinManager(ns)
		return
	}
	if c.raft.Leave(ns.Idx) {
		c.transferLeadership() // a demoted leader hands leadership over
	}
}

// nodeChanged lets the orchestrators and scheduler react to a node that
// joined, came back or changed: global services get a task there if one is
// missing, and tasks waiting for a node are tried again.
func (c *Cluster) nodeChanged(ns *store.Node) {
	c.retry = true
	for _, s := range c.st.Services() {
		if s != nil && s.Spec.Spec.Mode == Global {
			c.reconcileGlobalNode(s, ns)
		}
	}
}

// evacuate handles a node that was drained or went DOWN: the restart
// supervisor replaces its replicated tasks elsewhere; global tasks are only
// shut down (SwarmKit's replicated/tasks.go: restartTasksByNodeID and
// global/global.go: reconcileOneNode).
func (c *Cluster) evacuate(ns *store.Node) {
	for _, ts := range ns.TasksInOrder() {
		if ts.Deleted || ts.T.DesiredState > task.Running {
			continue
		}
		if ts.Svc.Spec.Spec.Mode == Global {
			c.setDesired(ts, task.Shutdown)
			continue
		}
		c.restart(ts)
	}
}

// enforceConstraints is SwarmKit's constraint enforcer for an ACTIVE node:
// tasks whose service's current constraints the node no longer meets are
// rejected, and the orchestrator takes it from there.
func (c *Cluster) enforceConstraints(ns *store.Node) {
	if ns.N.Spec.Availability != node.Active {
		return
	}
	for _, ts := range ns.TasksInOrder() {
		st := ts.T.State()
		if ts.Deleted || st < task.Assigned || st > task.Running || ts.T.DesiredState > task.Running {
			continue
		}
		if !ts.Svc.Spec.Matches(ns) {
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
	ns, err := c.st.LookupNode(ref)
	if err != nil {
		return err
	}
	if !ns.Up {
		return nil
	}
	ns.Up = false
	c.mesh.SetNodeUp(ns.N.ID, false)
	c.record(record{kind: EventNodeStopped, node: ns})
	if ns.N.Status.State == node.Down {
		// DOWN already (cut off by a partition): the news spreads from now
		c.push(addSat(c.now, GossipConvergeDelay), evGossip, ns.Idx, ns.DownGen)
	}
	if ns.N.Role == node.Manager {
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
	ns, err := c.st.LookupNode(ref)
	if err != nil {
		return err
	}
	if ns.Up {
		return nil
	}
	ns.Up = true
	c.mesh.SetNodeUp(ns.N.ID, true)
	c.record(record{kind: EventNodeStarted, node: ns})
	if ns.N.Role == node.Manager {
		c.managerUp(ns)
	}
	c.linkLeader(ns)
	c.settle()
	return nil
}

// linkLeader re-judges a node whose machine stopped or started, and every
// node if it is the leader and a partition stands.
func (c *Cluster) linkLeader(ns *store.Node) {
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
func (c *Cluster) connected(ns *store.Node) bool {
	if !ns.Up {
		return false
	}
	if l := c.leaderNode(); l != nil {
		return c.net.Heard(ns.Idx, ns.Up, l.Idx, l.Up)
	}
	return c.net.Heard(ns.Idx, ns.Up, -1, false)
}

// linkChanged reacts to a change in whether the managers hear a node: a node
// that falls silent is marked DOWN after HeartbeatMisses periods; a node
// heard again is READY at once, its agent catches up and its backends are
// brought up to date.
func (c *Cluster) linkChanged(ns *store.Node) {
	now := c.connected(ns)
	if now == ns.Beating {
		return
	}
	ns.Beating = now
	ns.BeatGen++
	if !now {
		c.push(addSat(c.now, c.DownAfter()), evHeartbeat, ns.Idx, ns.BeatGen)
		return
	}
	ns.DownGen++ // its pending gossip and orphan events are stale
	ns.Gossiped = false
	if ns.N.Status.State != node.Ready && !c.raft.Leaderless() {
		// It registers with the leader's dispatcher (raft.go: with no
		// leader, once one is elected).
		c.setNodeState(ns, node.Ready, "")
	}
	for _, ts := range ns.TasksInOrder() {
		c.updateBackend(ts)
		c.agentKick(ts)
	}
	c.nodeChanged(ns)
}

func (c *Cluster) setNodeState(ns *store.Node, st node.State, msg string) {
	old := ns.N.SetState(st, msg)
	c.sched.UpdateNode(ns.N)
	c.record(record{kind: EventNodeState, node: ns, from: uint16(old), to: uint16(st), msg: msg})
}

// heartbeatFailure is SwarmKit's dispatcher marking a silent node DOWN
// (manager/dispatcher/dispatcher.go: markNodeNotReady, "heartbeat failure"):
// its tasks are replaced, the news of their new state spreads to the other
// nodes' routing meshes GossipConvergeDelay later if the machine is dead, and
// its tasks become ORPHANED OrphanTimeout later (the dispatcher's downNodes
// store, defaultNodeDownPeriod) unless it comes back first.
func (c *Cluster) heartbeatFailure(ns *store.Node) {
	c.setNodeState(ns, node.Down, node.DownMessage(ns.N.Status.State))
	ns.DownGen++
	if !ns.Up {
		c.push(addSat(c.now, GossipConvergeDelay), evGossip, ns.Idx, ns.DownGen)
	}
	c.push(addSat(c.now, OrphanTimeout), evOrphan, ns.Idx, ns.DownGen)
	c.evacuate(ns)
	for _, ts := range ns.TasksInOrder() {
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
	ns, err := c.st.LookupNode(ref)
	if err != nil {
		return err
	}
	if err := node.CheckRemove(ns.N, force); err != nil {
		return err
	}
	c.st.RemoveNode(ns)
	c.sched.RemoveNode(ns.N.ID)
	c.mesh.RemoveNode(ns.N.ID)
	c.record(record{kind: EventNodeRemoved, node: ns})
	for _, ts := range ns.TasksInOrder() {
		if ts.Deleted {
			continue
		}
		if ts.Svc.Spec.Spec.Mode == Global {
			c.deleteTask(ts)
			continue
		}
		if st := ts.T.State(); st <= task.Running {
			c.setObserved(ts, task.Orphaned, task.MsgNodeDeleted, "")
		}
	}
	c.settle()
	return nil
}
