// Package raft is the managers' Raft group as a pure value: which managers
// are reachable, whether a quorum is left, who leads, when the leader steps
// down and when an election is due. It holds no clock and sends no message:
// the simulator feeds it inputs (a manager joins or leaves, its machine
// stops or starts, the network is partitioned or healed) and applies what it
// answers (step down, schedule an election timer, this manager now leads),
// in the style of etcd's raft package (raft.RawNode: inputs in, Ready out).
//
// In SwarmKit (manager/state/raft/raft.go) the managers keep the swarm's
// state in an etcd Raft group: the leader runs the orchestrators, the
// scheduler, the updaters and the dispatcher, and a write needs a quorum,
// more than half of the managers. SwarmKit runs etcd's raft with CheckQuorum
// (raft.go: NewNode), so a leader that no longer hears a quorum steps down;
// a follower that hears no leader for ElectionTimeout campaigns (etcd's
// raft.go: raft.tickElection and raft.campaign; SwarmKit's Node.Run drives
// the ticks). Without a leader every request fails with LostQuorumMessage.
//
// The model's rules, each a deterministic choice where real Raft races:
//
//   - a manager is reachable when its machine is up and it is on the side
//     of the partition that holds more than half of the managers (Majority);
//   - the leader steps down when its machine stops or it is not on that
//     side, or when no side holds a majority;
//   - without a leader, an election is due ElectionTimeout after a quorum is
//     there (etcd randomises the timeout between one and two times the
//     election tick; the model takes the lower bound), and the first
//     reachable manager in join order wins it;
//   - a leader that is demoted hands over at once to the first reachable
//     manager in join order (SwarmKit's Node.TransferLeadership);
//   - a manager may be demoted only if the others still reachable hold a
//     quorum of the smaller group (SwarmKit's Node.CanRemoveMember).
package raft

import (
	"iter"
	"slices"
	"time"

	"github.com/swarmsim/swarmsim/errdefs"
)

// ElectionTimeout is how long the managers go without a leader before they
// elect one: SwarmKit's ElectionTick (10) times its Raft TickInterval
// (1 s). etcd's raft randomises the timeout between one and two times this;
// the model takes the lower bound.
const ElectionTimeout = 10 * time.Second

// LostQuorumMessage is SwarmKit's text for a request made without a leader
// (manager/state/raft/raft.go: lostQuorumMessage).
const LostQuorumMessage = "The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online."

// ErrNoLeader is the error of every request that changes the swarm while
// its managers have no leader (errors.Is finds it).
var ErrNoLeader error = &errdefs.Error{Kind: errdefs.KindUnknown, Msg: LostQuorumMessage, RPC: true}

// member is one manager as the group sees it.
type member struct {
	id    int32 // the caller's handle for the manager's node
	up    bool  // its machine is running
	group int32 // its partition component
}

// Managers is the managers' Raft group: its members in join order, the
// leader, and the election under way. Managers are named by the caller's
// int32 handle (the simulator's node index). The zero value has no manager
// and no leader, and is not leaderless: the first manager to join leads.
type Managers struct {
	members    []member
	leader     int32 // the leader's handle, valid when led
	led        bool
	leaderless bool   // the group lost its leader and has not elected one
	electing   bool   // an election timer is running
	gen        uint32 // counts election timers, to tell a stale one
}

// Join adds a manager whose machine is up or not, in partition component
// group. It leads at once if the group has no leader and never lost one
// (the first manager of a swarm); Join reports whether it does.
func (m *Managers) Join(id int32, up bool, group int32) (leads bool) {
	m.members = append(m.members, member{id: id, up: up, group: group})
	if !m.led && !m.leaderless {
		m.leader, m.led = id, true
		return true
	}
	return false
}

// Leave removes a manager (a demotion) and reports whether it was the
// leader; the group is then without one until Transfer.
func (m *Managers) Leave(id int32) (wasLeader bool) {
	m.members = slices.DeleteFunc(m.members, func(x member) bool { return x.id == id })
	if m.led && m.leader == id {
		m.led = false
		return true
	}
	return false
}

// SetUp records that a manager's machine stopped or started.
func (m *Managers) SetUp(id int32, up bool) {
	for i := range m.members {
		if m.members[i].id == id {
			m.members[i].up = up
		}
	}
}

// Regroup records a new partition (or its heal): group gives each
// manager's component.
func (m *Managers) Regroup(group func(id int32) int32) {
	for i := range m.members {
		m.members[i].group = group(m.members[i].id)
	}
}

// Members yields each manager's handle, in the order they joined the
// group.
func (m *Managers) Members() iter.Seq[int32] {
	return func(yield func(int32) bool) {
		for _, x := range m.members {
			if !yield(x.id) {
				return
			}
		}
	}
}

// Len is the number of managers.
func (m *Managers) Len() int { return len(m.members) }

// Majority finds the partition component that holds more than half of the
// managers, counting those whose machine is up: only there can a leader be
// elected or stay. ok is false when no component does.
func (m *Managers) Majority() (group int32, ok bool) {
	var counts [8]int // a partition rarely has more groups; the rest are counted apart
	var more map[int32]int
	half := len(m.members) / 2
	for _, x := range m.members {
		if !x.up {
			continue
		}
		if x.group >= 0 && int(x.group) < len(counts) {
			counts[x.group]++
			if counts[x.group] > half {
				return x.group, true
			}
			continue
		}
		if more == nil {
			more = map[int32]int{}
		}
		more[x.group]++
		if more[x.group] > half {
			return x.group, true
		}
	}
	return 0, false
}

// Quorum reports whether more than half of the managers reach each other.
func (m *Managers) Quorum() bool {
	_, ok := m.Majority()
	return ok
}

// Reachability yields each manager, in join order, with whether it is
// reachable: its machine is up and, when some component holds a majority,
// it is in that component.
func (m *Managers) Reachability() iter.Seq2[int32, bool] {
	g, ok := m.Majority()
	return func(yield func(int32, bool) bool) {
		for _, x := range m.members {
			if !yield(x.id, x.up && (!ok || x.group == g)) {
				return
			}
		}
	}
}

// Leader returns the leader's handle; ok is false without one.
func (m *Managers) Leader() (id int32, ok bool) { return m.leader, m.led }

// Leaderless reports whether the group lost its leader and has not elected
// a new one: nothing may change the swarm meanwhile.
func (m *Managers) Leaderless() bool { return m.leaderless }

// Electing reports whether an election timer is running.
func (m *Managers) Electing() bool { return m.electing }

// mustStepDown reports whether the leader must step down after a change
// (CheckQuorum): no component holds a majority, or the leader's machine is
// down, or it is outside the majority's component. A group with no leader
// that never lost one (no manager has joined yet, or a demoted leader found
// no successor) steps down as well.
func (m *Managers) mustStepDown() bool {
	if m.leaderless {
		return false
	}
	g, ok := m.Majority()
	if !ok || !m.led {
		return true
	}
	for _, x := range m.members {
		if x.id == m.leader {
			return !x.up || x.group != g
		}
	}
	return true
}

// stepDown leaves the group without a leader and returns the old leader's
// handle (ok false if there was none).
func (m *Managers) stepDown() (old int32, ok bool) {
	old, ok = m.leader, m.led
	m.led = false
	m.leaderless = true
	return old, ok
}

// Ready is what the group asks of the simulator after a change, as etcd's
// raft.Ready does: record a lost leader, schedule an election timer.
type Ready struct {
	// SteppedDown: the leader stepped down (CheckQuorum), or a group that
	// had none and never lost one found it has no quorum; OldLeader is the
	// leader that stepped down, valid when HadLeader.
	SteppedDown bool
	HadLeader   bool
	OldLeader   int32
	// Election: an election timer starts; the simulator calls Elect(Gen)
	// ElectionTimeout from now.
	Election bool
	Gen      uint32
}

// Changed re-judges the group after one of its inputs changed (SetUp,
// Regroup): the leader steps down if it must (mustStepDown), and a group
// without a leader campaigns if a quorum is there and no timer is running.
func (m *Managers) Changed() Ready {
	var r Ready
	if m.mustStepDown() {
		r.SteppedDown = true
		r.OldLeader, r.HadLeader = m.stepDown()
	}
	if m.leaderless {
		r.Gen, r.Election = m.campaign()
	}
	return r
}

// campaign starts an election timer, unless one is running or no quorum is
// left; the caller schedules the election ElectionTimeout from now and
// hands gen back to Elect when it fires.
func (m *Managers) campaign() (gen uint32, ok bool) {
	if m.electing || !m.Quorum() {
		return 0, false
	}
	m.electing = true
	m.gen++
	return m.gen, true
}

// Elect is the election timer gen firing: if it is the current timer, the
// group is still without a leader and a quorum is there, the first
// reachable manager in join order becomes the leader, and Elect returns it.
// ok is false for a stale timer or a failed election.
func (m *Managers) Elect(gen uint32) (leader int32, ok bool) {
	if gen != m.gen || !m.electing {
		return 0, false
	}
	m.electing = false
	if !m.leaderless {
		return 0, false
	}
	g, quorum := m.Majority()
	if !quorum {
		return 0, false
	}
	id, found := m.first(g)
	if !found {
		return 0, false
	}
	m.leader, m.led, m.leaderless = id, true, false
	return id, true
}

// Transfer hands leadership, after the leader left, to the first manager
// in join order whose machine is up and that is in the majority's
// component (component 0 when none holds a majority). ok is false, and the
// group stays without a leader, when there is no such manager.
func (m *Managers) Transfer() (leader int32, ok bool) {
	g, _ := m.Majority()
	id, found := m.first(g)
	if !found {
		return 0, false
	}
	m.leader, m.led = id, true
	return id, true
}

// first is the first manager in join order that is up and in component g.
func (m *Managers) first(g int32) (int32, bool) {
	for _, x := range m.members {
		if x.up && x.group == g {
			return x.id, true
		}
	}
	return 0, false
}

// CheckDemote is SwarmKit's demotion sanity checks (manager/controlapi/
// node.go: Server.UpdateNode), with its errors: the last manager cannot be
// demoted, and a demotion must keep a quorum (CanRemove).
func (m *Managers) CheckDemote(id int32) error {
	if len(m.members) == 1 {
		return errdefs.RPC(errdefs.KindFailedPrecondition, "attempting to demote the last manager of the swarm")
	}
	if !m.CanRemove(id) {
		return errdefs.RPC(errdefs.KindFailedPrecondition, "can't remove member from the raft: this would result in a loss of quorum")
	}
	return nil
}

// CanRemove is SwarmKit's Node.CanRemoveMember, asked of the leader (the
// manager that serves the request): removing manager id must leave the
// managers the leader reaches, itself included, a quorum of the smaller
// group. A manager reaches another whose machine is up on its own side of a
// partition (its transport's Active). Without a leader, every manager up
// counts.
func (m *Managers) CanRemove(id int32) bool {
	var lg int32
	if m.led {
		for _, x := range m.members {
			if x.id == m.leader {
				lg = x.group
			}
		}
	}
	reachable := 0
	for _, x := range m.members {
		if x.id != id && x.up && (!m.led || x.group == lg) {
			reachable++
		}
	}
	return reachable >= (len(m.members)-1)/2+1
}
