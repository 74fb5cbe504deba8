package swarmsim

import (
	"github.com/swarmsim/swarmsim/internal/eventq"
	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/raft"
	"github.com/swarmsim/swarmsim/task"
)

// ---- the managers' Raft group (SwarmKit's manager/state/raft) ----
//
// The managers keep the swarm's state in a Raft group: the leader runs the
// orchestrators, the scheduler, the updaters and the dispatcher, and a write
// needs a quorum, more than half of the managers. A manager whose machine
// stops is unreachable. When the leader stops, the others elect one of them
// after ElectionTimeout, provided a quorum is left; when a quorum is lost,
// the leader steps down (SwarmKit runs Raft with CheckQuorum) and nothing is
// decided until enough managers come back and elect a leader.
//
// Without a leader the swarm's state is frozen: manager calls are refused
// with ErrNoLeader's text, and reconciliation, scheduling, rolling updates,
// restarts and the marking of nodes DOWN wait. The containers go on: agents
// keep starting and stopping what they were told to, and the routing mesh
// keeps routing. When a leader is elected the orchestrators start over from
// the store, as a new leader's do: every service is reconciled, tasks that
// ended meanwhile are restarted, updates continue where they were, and
// nodes still silent are given a new heartbeat period before they are
// marked DOWN.

// ElectionTimeout is how long the managers go without a leader before they
// elect one (see raft.ElectionTimeout).
const ElectionTimeout = raft.ElectionTimeout

// HasLeader reports whether the managers have a leader, the condition for
// any change to the swarm.
func (c *Cluster) HasLeader() bool {
	c.lazyInit()
	return !c.raft.Leaderless()
}

// ErrNoLeader is the error of every call that changes the swarm while its
// managers have no leader (errors.Is finds it).
var ErrNoLeader = raft.ErrNoLeader

// Electing reports whether the managers, without a leader but with a
// quorum, will elect one ElectionTimeout after they lost it or regained a
// quorum.
func (c *Cluster) Electing() bool {
	c.lazyInit()
	return c.raft.Electing()
}

// noLeader is the error of a manager call made while there is no leader.
func (c *Cluster) noLeader() error {
	if c.raft.Leaderless() {
		return ErrNoLeader
	}
	return nil
}

// leaderNode is the leading manager's node, nil without one.
func (c *Cluster) leaderNode() *store.Node {
	if id, ok := c.raft.Leader(); ok {
		return c.st.Node(id)
	}
	return nil
}

// joinManager makes a node a member of the Raft group, reachable if its
// machine is up; the first manager of a swarm leads.
func (c *Cluster) joinManager(ns *store.Node) {
	ms := &node.ManagerStatus{Reachability: node.Unreachable, Addr: ns.N.Status.Addr + ":2377"}
	if ns.Up {
		ms.Reachability = node.Reachable
	}
	ms.Leader = c.raft.Join(ns.Idx, ns.Up, c.net.Group(ns.Idx))
	ns.N.ManagerStatus = ms
}

// managerUp tells the Raft group that a manager's machine stopped or
// started.
func (c *Cluster) managerUp(ns *store.Node) {
	c.raft.SetUp(ns.Idx, ns.Up)
	c.raftChanged()
}

// raftChanged re-judges the Raft group after a manager stopped or started or
// the network was cut or healed, and applies its answer: each manager's
// reachability, the leader stepping down (CheckQuorum), an election timer.
func (c *Cluster) raftChanged() {
	for id, ok := range c.raft.Reachability() {
		c.st.Node(id).N.ManagerStatus.Reachability = node.Unreachable
		if ok {
			c.st.Node(id).N.ManagerStatus.Reachability = node.Reachable
		}
	}
	r := c.raft.Changed()
	if r.SteppedDown {
		if r.HadLeader {
			c.st.Node(r.OldLeader).N.ManagerStatus.Leader = false
		}
		c.record(record{kind: EventLeader, msg: "no leader"})
	}
	if r.Election {
		c.push(addSat(c.now, ElectionTimeout), evElection, 0, r.Gen)
	}
}

// elect is an election timer firing: the leader the Raft group elects
// starts the orchestrators over from the store.
func (c *Cluster) elect(gen uint32) bool {
	id, ok := c.raft.Elect(gen)
	if !ok {
		return false
	}
	l := c.st.Node(id)
	l.N.ManagerStatus.Leader = true
	c.record(record{kind: EventLeader, node: l})
	if c.net.Cut() {
		c.relink() // who hears whom depends on the new leader's side
	}
	c.resume()
	return true
}

// register is an agent's registration with a new leader: an UNKNOWN (or
// DOWN) node whose machine the leader hears is READY again.
func (c *Cluster) register(e eventq.Event) bool {
	ns := c.st.Node(e.A)
	if ns == nil || ns.BeatGen != e.B || !c.connected(ns) || ns.N.Status.State == node.Ready {
		return false
	}
	c.setNodeState(ns, node.Ready, "")
	ns.DownGen++ // its pending gossip and orphan events are stale
	for _, ts := range ns.TasksInOrder() {
		c.agentKick(ts)
	}
	c.nodeChanged(ns)
	return true
}

// transferLeadership is a demoted leader handing leadership to the first
// reachable manager at once (SwarmKit transfers it before the old leader
// leaves the group). The old leader's dispatcher stops: every node not DOWN
// is DISCONNECTED, "trying to find a new manager" (dispatcher.go: Session's
// disconnectNode); then the new leader starts as an elected one does.
func (c *Cluster) transferLeadership() {
	id, ok := c.raft.Transfer()
	if !ok {
		return
	}
	l := c.st.Node(id)
	l.N.ManagerStatus.Leader = true
	for _, ns := range c.st.Nodes() {
		if ns != nil && ns.N.Status.State != node.Down {
			c.setNodeState(ns, node.Disconnected, node.MsgDisconnected)
		}
	}
	c.record(record{kind: EventLeader, node: l})
	c.resume()
}

// frozen reports whether an event of the control plane must wait for a
// leader; it keeps the event to replay it after the election.
func (c *Cluster) frozen(e eventq.Event) bool {
	if !c.raft.Leaderless() {
		return false
	}
	switch e.Kind {
	case evGate, evHeartbeat, evUpdater, evOrphan, evRegister:
		c.held = append(c.held, e)
		return true
	}
	return false
}

// resume is a new leader's start: the events held while there was no leader
// happen now (a silent node gets a whole heartbeat period from now), every
// service is reconciled, and tasks that ended meanwhile go to the restart
// supervisor. It scans the store once per election, as SwarmKit's
// orchestrators do when they start.
func (c *Cluster) resume() {
	held := c.held
	c.held = nil
	for _, e := range held {
		switch e.Kind {
		case evHeartbeat:
			// the new leader's dispatcher judges every node again (below)
		case evUpdater:
			if s := c.st.Service(e.A); s != nil && s.UpdGen == e.B {
				s.WakeQueued = false
				c.scheduleWake(s)
			}
		default:
			c.push(c.now, e.Kind, e.A, e.B)
		}
	}
	// SwarmKit's markNodesUnknown: every node not DOWN is UNKNOWN until its
	// agent registers with the new dispatcher, one heartbeat period later
	// for a node the leader hears; one it does not hear is DOWN after twice
	// the usual grace. A DOWN node stays DOWN until it is heard again.
	for _, ns := range c.st.Nodes() {
		if ns == nil {
			continue
		}
		heard := c.connected(ns)
		if ns.N.Status.State == node.Down {
			if heard {
				c.push(addSat(c.now, c.HeartbeatPeriod()), evRegister, ns.Idx, ns.BeatGen)
			}
			continue
		}
		c.setNodeState(ns, node.Unknown, node.MsgUnknown)
		ns.BeatGen++
		ns.Beating = heard
		if heard {
			c.push(addSat(c.now, c.HeartbeatPeriod()), evRegister, ns.Idx, ns.BeatGen)
		} else {
			c.push(addSat(c.now, 2*c.DownAfter()), evHeartbeat, ns.Idx, ns.BeatGen)
		}
	}
	for _, ts := range c.st.LiveTasks() {
		if ts.Deleted || ts.T.DesiredState > task.Running || ts.T.State() <= task.Running {
			continue
		}
		c.restart(ts)
	}
	for _, s := range c.st.Services() {
		if s != nil {
			c.markDirty(s)
		}
	}
	c.retry = true
}
