package swarmsim

import (
	"time"

	"github.com/swarmsim/swarmsim/internal/eventq"
	"github.com/swarmsim/swarmsim/node"
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
// elect one: SwarmKit's ElectionTick (10) times its Raft TickInterval (1 s).
// etcd's Raft randomises the timeout between one and two times this;
// swarmsim takes the lower bound (FIDELITY.md).
const ElectionTimeout = 10 * time.Second

// lostQuorumMessage is SwarmKit's text for a request made without a leader
// (manager/state/raft/raft.go: lostQuorumMessage).
const lostQuorumMessage = "The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online."

// HasLeader reports whether the managers have a leader, the condition for
// any change to the swarm.
func (c *Cluster) HasLeader() bool {
	c.lazyInit()
	return !c.leaderless
}

// ErrNoLeader is the error of every call that changes the swarm while its
// managers have no leader (errors.Is finds it).
var ErrNoLeader error = &Error{Kind: KindUnknown, Msg: lostQuorumMessage, RPC: true}

// Electing reports whether the managers, without a leader but with a
// quorum, will elect one ElectionTimeout after they lost it or regained a
// quorum.
func (c *Cluster) Electing() bool {
	c.lazyInit()
	return c.electionQueued
}

// noLeader is the error of a manager call made while there is no leader.
func (c *Cluster) noLeader() error {
	if c.leaderless {
		return ErrNoLeader
	}
	return nil
}

// majority finds the partition group (nodeState.group; 0 without a
// partition) that holds more than half of the managers, counting those whose
// machine is up: only there can a leader be elected or stay.
func (c *Cluster) majority() (group int32, ok bool) {
	var counts [8]int // a partition rarely has more groups; the rest are counted apart
	var more map[int32]int
	for _, ns := range c.managerNodes {
		if !ns.up {
			continue
		}
		if ns.group >= 0 && int(ns.group) < len(counts) {
			counts[ns.group]++
			if counts[ns.group] > len(c.managerNodes)/2 {
				return ns.group, true
			}
			continue
		}
		if more == nil {
			more = map[int32]int{}
		}
		more[ns.group]++
		if more[ns.group] > len(c.managerNodes)/2 {
			return ns.group, true
		}
	}
	return 0, false
}

// quorum reports whether more than half of the managers reach each other.
func (c *Cluster) quorum() bool {
	_, ok := c.majority()
	return ok
}

// managerStopped is a manager's machine stopping.
func (c *Cluster) managerStopped(*nodeState) { c.raftChanged() }

// managerStarted is a manager's machine coming back.
func (c *Cluster) managerStarted(*nodeState) { c.raftChanged() }

// raftChanged re-judges the Raft group after a manager stopped or started or
// the network was cut or healed: a manager is reachable when its machine is
// up and it is on the majority's side; the leader steps down when it is not
// (SwarmKit runs Raft with CheckQuorum), and a swarm without a leader calls
// an election when a majority reaches each other.
func (c *Cluster) raftChanged() {
	g, ok := c.majority()
	for _, m := range c.managerNodes {
		m.n.ManagerStatus.Reachability = node.Unreachable
		if m.up && (!ok || m.group == g) {
			m.n.ManagerStatus.Reachability = node.Reachable
		}
	}
	if !c.leaderless && (!ok || !c.leader.up || c.leader.group != g) {
		c.loseLeader()
		return
	}
	if c.leaderless {
		c.callElection()
	}
}

// loseLeader leaves the swarm without a leader, and calls an election if a
// quorum is left.
func (c *Cluster) loseLeader() {
	if c.leader != nil {
		c.leader.n.ManagerStatus.Leader = false
		c.leader = nil
	}
	c.leaderless = true
	c.record(record{kind: EventLeader, msg: "no leader"})
	c.callElection()
}

// callElection queues an election ElectionTimeout from now, unless one is
// queued or no quorum is left.
func (c *Cluster) callElection() {
	if c.electionQueued || !c.quorum() {
		return
	}
	c.electionQueued = true
	c.electionGen++
	c.push(addSat(c.now, ElectionTimeout), evElection, 0, c.electionGen)
}

// elect makes the first reachable manager, in join order, the leader, and
// starts the orchestrators over from the store.
func (c *Cluster) elect(gen uint32) bool {
	if gen != c.electionGen || !c.electionQueued {
		return false
	}
	c.electionQueued = false
	if !c.leaderless || !c.quorum() {
		return false
	}
	g, _ := c.majority()
	for _, ns := range c.managerNodes {
		if ns.up && ns.group == g {
			c.leader = ns
			ns.n.ManagerStatus.Leader = true
			break
		}
	}
	c.leaderless = false
	c.record(record{kind: EventLeader, node: c.leader})
	if c.parted {
		c.relink() // who hears whom depends on the new leader's side
	}
	c.resume()
	return true
}

// register is an agent's registration with a new leader: an UNKNOWN (or
// DOWN) node whose machine the leader hears is READY again.
func (c *Cluster) register(e eventq.Event) bool {
	ns := c.nodes[e.A]
	if ns == nil || ns.beatGen != e.B || !c.connected(ns) || ns.n.Status.State == node.Ready {
		return false
	}
	c.setNodeState(ns, node.Ready, "")
	ns.downGen++ // its pending gossip and orphan events are stale
	for _, ts := range c.tasksOn(ns) {
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
	c.leader = nil
	g, _ := c.majority()
	for _, o := range c.managerNodes {
		if o.up && o.group == g {
			c.leader = o
			o.n.ManagerStatus.Leader = true
			break
		}
	}
	if c.leader == nil {
		return
	}
	for _, ns := range c.nodes {
		if ns != nil && ns.n.Status.State != node.Down {
			c.setNodeState(ns, node.Disconnected, node.MsgDisconnected)
		}
	}
	c.record(record{kind: EventLeader, node: c.leader})
	c.resume()
}

// frozen reports whether an event of the control plane must wait for a
// leader; it keeps the event to replay it after the election.
func (c *Cluster) frozen(e eventq.Event) bool {
	if !c.leaderless {
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
			if s := c.services[e.A]; s != nil && s.updGen == e.B {
				s.wakeQueued = false
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
	for _, ns := range c.nodes {
		if ns == nil {
			continue
		}
		heard := c.connected(ns)
		if ns.n.Status.State == node.Down {
			if heard {
				c.push(addSat(c.now, c.HeartbeatPeriod()), evRegister, ns.idx, ns.beatGen)
			}
			continue
		}
		c.setNodeState(ns, node.Unknown, node.MsgUnknown)
		ns.beatGen++
		ns.beating = heard
		if heard {
			c.push(addSat(c.now, c.HeartbeatPeriod()), evRegister, ns.idx, ns.beatGen)
		} else {
			c.push(addSat(c.now, 2*c.DownAfter()), evHeartbeat, ns.idx, ns.beatGen)
		}
	}
	for _, ts := range c.tasks {
		if ts.deleted || ts.t.DesiredState > task.Running || ts.t.State() <= task.Running {
			continue
		}
		c.restart(ts)
	}
	for _, s := range c.services {
		if s != nil {
			c.markDirty(s)
		}
	}
	c.retry = true
}
