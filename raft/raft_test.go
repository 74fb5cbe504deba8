package raft

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/errdefs"
)

// state is what the group says about itself, for comparisons.
type state struct {
	Leader     int32 // -1 without one
	Leaderless bool
	Electing   bool
	Quorum     bool
	Reachable  []int32
}

func look(m *Managers) state {
	s := state{Leader: -1, Leaderless: m.Leaderless(), Electing: m.Electing(), Quorum: m.Quorum()}
	if id, ok := m.Leader(); ok {
		s.Leader = id
	}
	for id, ok := range m.Reachability() {
		if ok {
			s.Reachable = append(s.Reachable, id)
		}
	}
	return s
}

// three is a group of managers 10, 11, 12, joined in that order, all up.
func three() *Managers {
	var m Managers
	for _, id := range []int32{10, 11, 12} {
		m.Join(id, true, 0)
	}
	return &m
}

func TestMajority(t *testing.T) {
	type mgr struct {
		up    bool
		group int32
	}
	type result struct {
		Group int32
		OK    bool
	}
	for _, tc := range []struct {
		name string
		mgrs []mgr
		want result
	}{
		{"none", nil, result{0, false}},
		{"one up", []mgr{{true, 0}}, result{0, true}},
		{"one down", []mgr{{false, 0}}, result{0, false}},
		{"two of three up", []mgr{{true, 0}, {false, 0}, {true, 0}}, result{0, true}},
		{"one of three up", []mgr{{false, 0}, {false, 0}, {true, 0}}, result{0, false}},
		{"one of two up", []mgr{{true, 0}, {false, 0}}, result{0, false}},
		{"split 1/2", []mgr{{true, 1}, {true, 2}, {true, 2}}, result{2, true}},
		{"split 1/1/1", []mgr{{true, 1}, {true, 2}, {true, 0}}, result{0, false}},
		{"majority side partly down", []mgr{{true, 1}, {false, 2}, {true, 2}}, result{0, false}},
		{"many groups", []mgr{{true, 9}, {true, 40}, {true, 40}, {true, 3}, {true, 40}}, result{40, true}},
		{"negative group", []mgr{{true, -1}, {true, -1}, {true, 0}}, result{-1, true}},
	} {
		var m Managers
		for i, x := range tc.mgrs {
			m.Join(int32(i), x.up, x.group)
		}
		var got result
		got.Group, got.OK = m.Majority()
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s (-want +got)\n%s", tc.name, d)
		}
	}
}

// The group's life through machine failures and a partition, one input at
// a time, with what it answers (a Ready, or Elect's result) and its state
// after.
func TestLife(t *testing.T) {
	m := three()
	var gen uint32
	changed := func() string {
		r := m.Changed()
		if r.Election {
			gen = r.Gen
		}
		return fmt.Sprintf("%+v", r)
	}
	elect := func() string {
		id, ok := m.Elect(gen)
		return fmt.Sprint("elect ", id, " ", ok)
	}
	regroup := func(g map[int32]int32) func() string {
		return func() string {
			m.Regroup(func(id int32) int32 { return g[id] })
			return changed()
		}
	}
	setUp := func(up bool, ids ...int32) func() string {
		return func() string {
			for _, id := range ids {
				m.SetUp(id, up)
			}
			return changed()
		}
	}
	const quiet = "{SteppedDown:false HadLeader:false OldLeader:0 Election:false Gen:0}"
	for _, step := range []struct {
		name   string
		do     func() string
		answer string
		want   state
	}{
		{"start", changed, quiet,
			state{Leader: 10, Quorum: true, Reachable: []int32{10, 11, 12}}},
		{"a follower stops", setUp(false, 12), quiet,
			state{Leader: 10, Quorum: true, Reachable: []int32{10, 11}}},
		{"the leader stops", setUp(false, 10),
			"{SteppedDown:true HadLeader:true OldLeader:10 Election:false Gen:0}",
			state{Leader: -1, Leaderless: true, Reachable: []int32{11}}},
		{"it comes back: a quorum, an election timer", setUp(true, 10),
			"{SteppedDown:false HadLeader:false OldLeader:0 Election:true Gen:1}",
			state{Leader: -1, Leaderless: true, Electing: true, Quorum: true, Reachable: []int32{10, 11}}},
		{"another change keeps the timer", setUp(true, 12), quiet,
			state{Leader: -1, Leaderless: true, Electing: true, Quorum: true, Reachable: []int32{10, 11, 12}}},
		{"the timer fires: the first manager wins", elect, "elect 10 true",
			state{Leader: 10, Quorum: true, Reachable: []int32{10, 11, 12}}},
		{"the same timer again is stale", elect, "elect 0 false",
			state{Leader: 10, Quorum: true, Reachable: []int32{10, 11, 12}}},
		{"a partition leaves the leader alone", regroup(map[int32]int32{10: 1, 11: 2, 12: 2}),
			"{SteppedDown:true HadLeader:true OldLeader:10 Election:true Gen:2}",
			state{Leader: -1, Leaderless: true, Electing: true, Quorum: true, Reachable: []int32{11, 12}}},
		{"the majority's side elects", elect, "elect 11 true",
			state{Leader: 11, Quorum: true, Reachable: []int32{11, 12}}},
		{"heal", regroup(nil), quiet,
			state{Leader: 11, Quorum: true, Reachable: []int32{10, 11, 12}}},
		{"two stop: no quorum, no timer", setUp(false, 11, 12),
			"{SteppedDown:true HadLeader:true OldLeader:11 Election:false Gen:0}",
			state{Leader: -1, Leaderless: true, Reachable: []int32{10}}},
	} {
		if d := cmp.Diff(step.answer, step.do()); d != "" {
			t.Errorf("%s: answer (-want +got)\n%s", step.name, d)
		}
		if d := cmp.Diff(step.want, look(m)); d != "" {
			t.Errorf("%s: state (-want +got)\n%s", step.name, d)
		}
	}
}

// An election whose quorum is gone by the time its timer fires elects no
// one, and a later quorum starts a new timer.
func TestElectionLosesQuorum(t *testing.T) {
	m := three()
	m.SetUp(10, false)
	r := m.Changed()
	if !r.Election {
		t.Fatalf("no timer with two of three managers up: %+v", r)
	}
	m.SetUp(11, false)
	if r2 := m.Changed(); r2 != (Ready{}) {
		t.Errorf("a change while the timer runs: %+v", r2)
	}
	if id, ok := m.Elect(r.Gen); ok {
		t.Fatalf("elected %d without a quorum", id)
	}
	m.SetUp(11, true)
	if r3 := m.Changed(); !r3.Election || r3.Gen != r.Gen+1 {
		t.Errorf("quorum back: %+v, want a new timer", r3)
	}
}

// Joining: the first manager leads; a later one does not; nor does one
// that joins while the group has lost its leader. A demoted leader hands
// over to the first reachable manager; a demoted follower changes nothing.
func TestJoinLeaveTransfer(t *testing.T) {
	m := three()
	if d := cmp.Diff(state{Leader: 10, Quorum: true, Reachable: []int32{10, 11, 12}}, look(m)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if m.Leave(12) {
		t.Error("a follower's leave reported it led")
	}
	m.SetUp(11, false)
	m.Join(13, true, 0)
	if !m.Leave(10) {
		t.Fatal("the leader's leave reported it did not lead")
	}
	if id, ok := m.Leader(); ok {
		t.Fatalf("leader %d before the transfer", id)
	}
	if got := slices.Collect(m.Members()); !slices.Equal(got, []int32{11, 13}) {
		t.Errorf("Members = %v after 10 and 12 left, want [11 13] in join order", got)
	}
	if id, ok := m.Transfer(); !ok || id != 13 {
		t.Fatalf("Transfer = %d, %v; want 13 (11 is down)", id, ok)
	}
	m.SetUp(13, false)
	m.Changed()
	if m.Join(14, true, 0) {
		t.Error("a manager joining a leaderless group leads")
	}
	if !m.Leaderless() || m.Len() != 3 {
		t.Errorf("leaderless %v with %d managers", m.Leaderless(), m.Len())
	}
	var none Managers
	if _, ok := none.Transfer(); ok {
		t.Error("Transfer in an empty group found a leader")
	}
}

// CheckDemote: the last manager cannot be demoted, and a demotion must
// leave the managers the leader reaches (up, on its side of a partition,
// itself included) a quorum of the group without the one demoted
// (CanRemove, SwarmKit's CanRemoveMember).
func TestCheckDemote(t *testing.T) {
	const lastOne = "FailedPrecondition rpc: attempting to demote the last manager of the swarm"
	const quorum = "FailedPrecondition rpc: can't remove member from the raft: this would result in a loss of quorum"
	for _, tc := range []struct {
		name     string
		managers int32
		down     []int32
		far      []int32 // across a partition from manager 0, the leader
		id       int32
		want     string
	}{
		{"the only manager", 1, nil, nil, 0, lastOne},
		{"the only manager, down", 1, []int32{0}, nil, 0, lastOne},
		{"two up", 2, nil, nil, 1, ""},
		{"two, the other down", 2, []int32{0}, nil, 1, quorum},
		{"three up", 3, nil, nil, 1, ""},
		{"one down, demote an up one", 3, []int32{2}, nil, 1, quorum},
		{"one down, demote it", 3, []int32{2}, nil, 2, ""},
		{"two down", 3, []int32{1, 2}, nil, 2, quorum},
		{"five, two down, demote a third", 5, []int32{3, 4}, nil, 0, quorum},
		{"five, two down, demote one of them", 5, []int32{3, 4}, nil, 4, ""},
		{"five split 3/2, demote the leader", 5, nil, []int32{3, 4}, 0, quorum},
		{"five split 3/2, demote one on the leader's side", 5, nil, []int32{3, 4}, 1, quorum},
		{"five split 3/2, demote one across the cut", 5, nil, []int32{3, 4}, 4, ""},
		{"four split 3/1, demote one on the leader's side", 4, nil, []int32{3}, 2, ""},
	} {
		var m Managers
		for id := range tc.managers {
			m.Join(id, true, 0)
		}
		for _, id := range tc.down {
			m.SetUp(id, false)
		}
		m.Regroup(func(id int32) int32 {
			if slices.Contains(tc.far, id) {
				return 1
			}
			return 0
		})
		got := ""
		if err := m.CheckDemote(tc.id); err != nil {
			var e *errdefs.Error
			if !errors.As(err, &e) {
				t.Fatalf("%s: untyped error %v", tc.name, err)
			}
			got = fmt.Sprintf("%s rpc: %s", e.Kind, e.Msg)
			if !e.RPC {
				got = fmt.Sprintf("%s daemon: %s", e.Kind, e.Msg)
			}
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s (-want +got)\n%s", tc.name, d)
		}
		if can := m.CanRemove(tc.id); tc.want != lastOne && can != (tc.want == "") {
			t.Errorf("%s: CanRemove = %v", tc.name, can)
		}
	}
}

func TestErrNoLeader(t *testing.T) {
	var e *errdefs.Error
	if !errors.As(ErrNoLeader, &e) || !e.RPC || e.Kind != errdefs.KindUnknown || e.Msg != LostQuorumMessage || !errors.Is(ErrNoLeader, errdefs.ErrUnknown) {
		t.Errorf("ErrNoLeader = %#v", ErrNoLeader)
	}
}
