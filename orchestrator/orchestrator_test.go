package orchestrator

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/task"
)

func TestShouldRestart(t *testing.T) {
	s := int64(time.Second)
	hist := &RestartHistory{SpecVersion: 2, Total: 3, At: []int64{10 * s, 20 * s, 30 * s}}
	for _, tc := range []struct {
		name string
		p    RestartPolicy
		h    *RestartHistory
		ver  uint64
		st   task.State
		at   int64
		want bool
	}{
		{"any restarts a completed task", RestartPolicy{}, nil, 1, task.Complete, 0, true},
		{"on-failure leaves a completed task", RestartPolicy{Condition: RestartOnFailure}, nil, 1, task.Complete, 0, false},
		{"on-failure restarts a failed task", RestartPolicy{Condition: RestartOnFailure}, nil, 1, task.Failed, 0, true},
		{"none never restarts", RestartPolicy{Condition: RestartNone}, nil, 1, task.Failed, 0, false},
		{"no MaxAttempts: unlimited", RestartPolicy{}, hist, 2, task.Failed, 40 * s, true},
		{"MaxAttempts reached", RestartPolicy{MaxAttempts: 3}, hist, 2, task.Failed, 40 * s, false},
		{"MaxAttempts not reached", RestartPolicy{MaxAttempts: 4}, hist, 2, task.Failed, 40 * s, true},
		{"a new spec version counts again", RestartPolicy{MaxAttempts: 3}, hist, 3, task.Failed, 40 * s, true},
		// Window 15s before 40s sees only the restart at 30s.
		{"window sees the recent ones", RestartPolicy{MaxAttempts: 2, Window: 15 * time.Second}, hist, 2, task.Failed, 40 * s, true},
		{"window full", RestartPolicy{MaxAttempts: 2, Window: 25 * time.Second}, hist, 2, task.Failed, 40 * s, false},
		// Restarts at or after the failure time do not count.
		{"window ends before the failure", RestartPolicy{MaxAttempts: 1, Window: time.Hour}, hist, 2, task.Failed, 10 * s, true},
	} {
		if got := ShouldRestart(tc.p, tc.h, tc.ver, tc.st, tc.at); got != tc.want {
			t.Errorf("%s: ShouldRestart = %v; want %v", tc.name, got, tc.want)
		}
	}
}

func TestRecordRestart(t *testing.T) {
	s := int64(time.Second)
	if h := (RestartPolicy{}).Record(nil, 1, 0); h != nil {
		t.Errorf("a policy without MaxAttempts recorded %+v", h)
	}
	p := RestartPolicy{MaxAttempts: 5, Window: 10 * time.Second}
	var h *RestartHistory
	for _, at := range []int64{1 * s, 5 * s, 12 * s} {
		h = p.Record(h, 1, at)
	}
	want := &RestartHistory{SpecVersion: 1, Total: 3, At: []int64{5 * s, 12 * s}}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	h = p.Record(h, 2, 13*s)
	if diff := cmp.Diff(&RestartHistory{SpecVersion: 2, Total: 1, At: []int64{13 * s}}, h); diff != "" {
		t.Errorf("a new spec version starts a new history (-want +got):\n%s", diff)
	}
}

func TestRestartDelay(t *testing.T) {
	zero, ten := time.Duration(0), 10*time.Second
	for _, tc := range []struct {
		p       RestartPolicy
		drained bool
		want    time.Duration
	}{
		{RestartPolicy{}, false, DefaultRestartDelay},
		{RestartPolicy{Delay: &zero}, false, 0},
		{RestartPolicy{Delay: &ten}, false, ten},
		{RestartPolicy{Delay: &ten}, true, 0},
	} {
		if got := tc.p.RestartDelay(tc.drained); got != tc.want {
			t.Errorf("RestartDelay(%+v, drained %v) = %v; want %v", tc.p, tc.drained, got, tc.want)
		}
	}
}

func TestRetentionLimit(t *testing.T) {
	for _, tc := range []struct {
		history int
		p       RestartPolicy
		want    int
	}{
		{5, RestartPolicy{}, 5},
		{0, RestartPolicy{}, 0},
		{-1, RestartPolicy{}, 1000},
		{5000, RestartPolicy{}, 1000},
		{5, RestartPolicy{MaxAttempts: 2}, 3},
		{5, RestartPolicy{MaxAttempts: math.MaxUint64}, 1000},
	} {
		if got := RetentionLimit(tc.history, tc.p, 1000); got != tc.want {
			t.Errorf("RetentionLimit(%d, %+v) = %d; want %d", tc.history, tc.p, got, tc.want)
		}
	}
}

func TestReap(t *testing.T) {
	tasks := []ReapTask{
		{Changed: 50, Order: 0, Observed: task.Running, Desired: task.Running},   // runs: kept
		{Changed: 30, Order: 1, Observed: task.Failed, Desired: task.Shutdown},   // ended
		{Changed: 10, Order: 2, Observed: task.Shutdown, Desired: task.Shutdown}, // ended, oldest
		{Changed: 30, Order: 3, Observed: task.Complete, Desired: task.Shutdown}, // ended, ties with 1
		{Changed: 5, Order: 4, Observed: task.Pending, Desired: task.Shutdown},   // never ran, will not
		{Changed: 1, Order: 5, Observed: task.Pending, Desired: task.Running},    // may still run
	}
	if diff := cmp.Diff([]int{4, 2, 1}, Reap(tasks, 3)); diff != "" {
		t.Errorf("Reap to 3 (-want +got):\n%s", diff)
	}
	if got := Reap(tasks, 0); len(got) != 4 {
		t.Errorf("Reap to 0 deleted %v; want every task that ended or will never run (4)", got)
	}
	if got := Reap(tasks, 6); got != nil {
		t.Errorf("Reap under the limit deleted %v", got)
	}
}

func TestNewSlots(t *testing.T) {
	for _, tc := range []struct {
		live []uint64
		n    int
		want []uint64
	}{
		{nil, 3, []uint64{1, 2, 3}},
		{[]uint64{2, 4}, 3, []uint64{1, 3, 5}},
		{[]uint64{1, 2, 3}, 1, []uint64{4}},
		{[]uint64{100}, 2, []uint64{1, 2}},
		{nil, 0, []uint64{}},
	} {
		if diff := cmp.Diff(tc.want, NewSlots(tc.live, tc.n)); diff != "" {
			t.Errorf("NewSlots(%v, %d) (-want +got):\n%s", tc.live, tc.n, diff)
		}
	}
}

func TestScaleDown(t *testing.T) {
	// Node 1 holds three copies, node 2 one; slot 5 is not running yet.
	live := []LiveSlot{
		{Key: 1, Running: true, Node: 1},
		{Key: 2, Running: true, Node: 1},
		{Key: 3, Running: true, Node: 2},
		{Key: 4, Running: true, Node: 1},
		{Key: 5, Running: false, Node: 2},
		{Key: 6, Running: true, Node: 0}, // several tasks: last
	}
	keep, remove := ScaleDown(live, 3)
	// First copies on each node go first in keep order: slot 1 (node 1,
	// index 0), slot 3 (node 2, index 0), then slot 2 (node 1, index 1).
	if diff := cmp.Diff([]int{0, 1, 2}, keep); diff != "" {
		t.Errorf("keep (-want +got):\n%s", diff)
	}
	// Then slot 5 (node 2's second copy) before slot 4 (node 1's third),
	// and slot 6, with no single node, last.
	if diff := cmp.Diff([]int{4, 3, 5}, remove); diff != "" {
		t.Errorf("remove (-want +got):\n%s", diff)
	}
}

func TestUpdatable(t *testing.T) {
	never := func(int) bool { return false }
	always := func(int) bool { return true }
	live := []SlotTask{{Desired: task.Shutdown, Observed: task.Shutdown}, {Desired: task.Running, Observed: task.Running}}
	if diff := cmp.Diff([]int{1}, Updatable(live, false, never)); diff != "" {
		t.Errorf("live slot (-want +got):\n%s", diff)
	}
	dead := []SlotTask{
		{Desired: task.Shutdown, Observed: task.Failed, Changed: 20, Order: 1},
		{Desired: task.Shutdown, Observed: task.Failed, Changed: 20, Order: 2},
		{Desired: task.Shutdown, Observed: task.Failed, Changed: 10, Order: 3},
	}
	if diff := cmp.Diff([]int{1}, Updatable(dead, false, never)); diff != "" {
		t.Errorf("a slot the restart policy gave up on keeps its newest task (-want +got):\n%s", diff)
	}
	if got := Updatable(dead, false, always); got != nil {
		t.Errorf("a slot the supervisor will refill is dead; got %v", got)
	}
	if got := Updatable(dead, true, never); got != nil {
		t.Errorf("during a rollback a dead slot is dead; got %v", got)
	}
}

func TestGlobalNode(t *testing.T) {
	ok := NodeFacts{Matches: true}
	for _, tc := range []struct {
		f        NodeFacts
		runnable int
		want     GlobalAction
		restart  bool
	}{
		{ok, 0, GlobalAdd, true},
		{ok, 1, GlobalKeep, true},
		{NodeFacts{Matches: true, Paused: true}, 0, GlobalLeave, false},
		{NodeFacts{Matches: true, Drained: true}, 1, GlobalShutdown, false},
		{NodeFacts{Matches: true, Down: true}, 1, GlobalShutdown, false},
		{NodeFacts{Matches: true, Gone: true}, 1, GlobalShutdown, false},
		{NodeFacts{}, 1, GlobalShutdown, false},
	} {
		if got := GlobalNode(tc.f, tc.runnable); got != tc.want {
			t.Errorf("GlobalNode(%+v, %d) = %v; want %v", tc.f, tc.runnable, got, tc.want)
		}
		if got := RestartGlobalHere(tc.f); got != tc.restart {
			t.Errorf("RestartGlobalHere(%+v) = %v; want %v", tc.f, got, tc.restart)
		}
	}
}

func TestAgentSteps(t *testing.T) {
	b := ImageBehavior{Pull: 3 * time.Second, Start: time.Second, HealthCheck: true, HealthyAfter: 4 * time.Second, Stop: 5 * time.Second}
	for _, tc := range []struct {
		st, desired task.State
		d           time.Duration
		ok          bool
	}{
		{task.Assigned, task.Running, 0, true},
		{task.Preparing, task.Running, 3 * time.Second, true},
		{task.Ready, task.Ready, 0, false}, // held until desired RUNNING
		{task.Ready, task.Running, 0, true},
		{task.Starting, task.Running, 5 * time.Second, true}, // start + healthy after
		{task.Running, task.Running, 0, false},               // runs until stopped
		{task.Pending, task.Running, 0, false},
	} {
		d, ok := StepDuration(&b, tc.st, tc.desired)
		if d != tc.d || ok != tc.ok {
			t.Errorf("StepDuration(%v, desired %v) = %v, %v; want %v, %v", tc.st, tc.desired, d, ok, tc.d, tc.ok)
		}
	}
	if got := StopDuration(&b); got != 7*time.Second {
		t.Errorf("StopDuration = %v; want gossip 2s + stop 5s", got)
	}
	if got := StopDuration(&ImageBehavior{Stop: math.MaxInt64}); got != math.MaxInt64 {
		t.Errorf("StopDuration saturates: got %v", got)
	}
	fast := ImageBehavior{ExitAfter: time.Nanosecond, ExitCode: 3, FailOnStart: false}
	if d, _ := StepDuration(&fast, task.Running, task.Running); d != MinFailureTime {
		t.Errorf("an exit after 1ns takes %v; want MinFailureTime", d)
	}
	for _, tc := range []struct {
		b    ImageBehavior
		st   task.State
		want Transition
	}{
		{ImageBehavior{}, task.Assigned, Transition{task.Accepted, "accepted", ""}},
		{ImageBehavior{FailOnStart: true}, task.Preparing, Transition{task.Rejected, "preparing", "No such image: web:1"}},
		{ImageBehavior{FailOnStart: true, RejectErr: "boom"}, task.Preparing, Transition{task.Rejected, "preparing", "boom"}},
		{ImageBehavior{HealthCheck: true, Unhealthy: true}, task.Starting, Transition{task.Failed, "starting", "task: non-zero exit (1): dockerexec: unhealthy container"}},
		{ImageBehavior{}, task.Starting, Transition{task.Running, "started", ""}},
		{ImageBehavior{ExitCode: 0}, task.Running, Transition{task.Complete, "finished", ""}},
		{ImageBehavior{ExitCode: 2}, task.Running, Transition{task.Failed, "started", "task: non-zero exit (2)"}},
	} {
		got, ok := Next(&tc.b, "web:1", tc.st)
		if !ok || got != tc.want {
			t.Errorf("Next(%+v, %v) = %+v, %v; want %+v", tc.b, tc.st, got, ok, tc.want)
		}
	}
	if _, ok := Next(&b, "web:1", task.Complete); ok {
		t.Error("the agent has a step out of COMPLETE")
	}
}
