package task

import (
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// The states and their order are SwarmKit's (api/types.proto: TaskState).
func TestStateValuesAndNames(t *testing.T) {
	want := []struct {
		s     State
		value uint16
		name  string
		msg   string
	}{
		{New, 0, "new", "created"},
		{Pending, 64, "pending", "pending task scheduling"},
		{Assigned, 192, "assigned", "scheduler assigned task to node"},
		{Accepted, 256, "accepted", "accepted"},
		{Preparing, 320, "preparing", "preparing"},
		{Ready, 384, "ready", "prepared"},
		{Starting, 448, "starting", "starting"},
		{Running, 512, "running", "started"},
		{Complete, 576, "complete", "finished"},
		{Shutdown, 640, "shutdown", "shutdown"},
		{Failed, 704, "failed", ""},
		{Rejected, 768, "rejected", ""},
		{Remove, 800, "remove", ""},
		{Orphaned, 832, "orphaned", ""},
	}
	all := States()
	if len(want) != len(all) {
		t.Fatalf("%d states, want %d", len(all), len(want))
	}
	for i, w := range want {
		if all[i] != w.s || uint16(w.s) != w.value || w.s.String() != w.name || DefaultMessage(w.s) != w.msg {
			t.Errorf("state %d: %d %q %q, want %d %q %q", i, uint16(w.s), w.s, DefaultMessage(w.s), w.value, w.name, w.msg)
		}
		if i > 0 && !(all[i-1] < all[i]) {
			t.Errorf("%s is not after %s", all[i], all[i-1])
		}
		if got, err := ParseState(w.name); err != nil || got != w.s {
			t.Errorf("ParseState(%q) = %v, %v", w.name, got, err)
		}
		if w.s.Terminal() != (w.value > 512) {
			t.Errorf("%s.Terminal() = %v", w.s, w.s.Terminal())
		}
	}
	if got, err := ParseState("RUNNING"); err != nil || got != Running {
		t.Errorf("ParseState is not case-insensitive: %v %v", got, err)
	}
	if _, err := ParseState("bogus"); err == nil {
		t.Error("ParseState accepted bogus")
	}
	if s := State(1).String(); s != "state(1)" {
		t.Errorf("unknown state prints %q", s)
	}
}

// Observed state only moves forward: Advance refuses going back and keeps
// the task as it was; the same state may be reported again.
func TestAdvanceOnlyForward(t *testing.T) {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	tk := Make(Task{ID: "id1", ServiceID: "svc", ServiceName: "web", Slot: 2, SpecVersion: 1, Image: "nginx", DesiredState: Running, CreatedAt: t0}, nil)
	if tk.Name() != "web.2" || tk.State() != New || tk.Status().Message != "created" {
		t.Fatalf("new task: %s %s %q", tk.Name(), tk.State(), tk.Status().Message)
	}
	steps := []Status{
		{State: Pending, Timestamp: t0, Message: "pending task scheduling"},
		{State: Pending, Timestamp: t0.Add(time.Second), Message: "pending task scheduling", Err: "no suitable node"},
		{State: Assigned, Timestamp: t0.Add(2 * time.Second)},
		{State: Running, Timestamp: t0.Add(3 * time.Second)},
	}
	for _, s := range steps {
		if err := tk.Advance(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := tk.Advance(Status{State: Starting}); err == nil {
		t.Fatal("moved back from running to starting")
	}
	if tk.State() != Running || len(tk.History()) != 5 {
		t.Fatalf("after a refused step: %s with %d history entries", tk.State(), len(tk.History()))
	}
	want := append([]Status{{State: New, Timestamp: t0, Message: "created"}}, steps...)
	if diff := cmp.Diff(want, tk.History()); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// A history keeps each status's own message and error, whether it is the
// state's default, a repeat of the status before, or a text seen earlier
// but not last; a snapshot taken midway keeps its texts while the original
// goes on. An entry is 16 bytes, with no pointer.
func TestHistoryTexts(t *testing.T) {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	tk := Make(Task{ID: "id1", ServiceName: "web", Slot: 1, CreatedAt: t0}, nil)
	steps := []Status{
		{State: Pending, Message: "pending task scheduling"},
		{State: Pending, Message: "pending task scheduling", Err: "no suitable node (1 node not available for new tasks)"},
		{State: Pending, Message: "pending task scheduling", Err: "no suitable node (1 node not available for new tasks)"},
		{State: Pending, Message: "pending task scheduling", Err: "no suitable node (scheduling constraints not satisfied on 1 node)"},
		{State: Pending, Message: "pending task scheduling", Err: "no suitable node (1 node not available for new tasks)"},
		{State: Assigned, Message: "scheduler assigned task to node"},
		{State: Preparing, Message: "preparing"},
	}
	var snap Task
	for i, st := range steps {
		st.Timestamp = t0.Add(time.Duration(i) * time.Second)
		steps[i] = st
		if err := tk.Advance(st); err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			snap = tk.Snapshot()
		}
	}
	if err := snap.Advance(Status{State: Failed, Timestamp: t0.Add(time.Minute), Message: "started", Err: "boom"}); err != nil {
		t.Fatal(err)
	}
	want := append([]Status{{State: New, Timestamp: t0, Message: "created"}}, steps...)
	if diff := cmp.Diff(want, tk.History()); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	wantSnap := append(append([]Status(nil), want[:5]...), Status{State: Failed, Timestamp: t0.Add(time.Minute), Message: "started", Err: "boom"})
	if diff := cmp.Diff(wantSnap, snap.History()); diff != "" {
		t.Errorf("snapshot's history (-want +got):\n%s", diff)
	}
	if n := unsafe.Sizeof(entry{}); n != 16 {
		t.Errorf("an entry is %d bytes, want 16", n)
	}
}

func TestGlobalTaskName(t *testing.T) {
	tk := Make(Task{ID: "id", ServiceID: "svc", ServiceName: "agent", NodeID: "nodeid123", SpecVersion: 1, Image: "img", DesiredState: Running}, nil)
	if tk.Name() != "agent.nodeid123" {
		t.Errorf("global task name %q", tk.Name())
	}
}

// A snapshot is the task's state at the moment it was taken: advancing the
// snapshot leaves the original's history alone, and the other way round.
func TestSnapshotSharesNothingThatChanges(t *testing.T) {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	var buf HistoryBuf
	orig := Make(Task{ID: "id1", ServiceID: "svc", ServiceName: "web", Slot: 1, SpecVersion: 1, Image: "nginx", DesiredState: Running, CreatedAt: t0}, &buf)
	orig.Advance(Status{State: Pending, Timestamp: t0, Message: "pending task scheduling"})
	snap := orig.Snapshot()
	if err := snap.Advance(Status{State: Failed, Timestamp: t0.Add(time.Second), Message: "boom"}); err != nil {
		t.Fatal(err)
	}
	if err := orig.Advance(Status{State: Assigned, Timestamp: t0.Add(2 * time.Second), Message: "scheduler assigned task to node"}); err != nil {
		t.Fatal(err)
	}
	states := func(tk *Task) []State {
		var out []State
		for _, s := range tk.History() {
			out = append(out, s.State)
		}
		return out
	}
	if diff := cmp.Diff([]State{New, Pending, Assigned}, states(&orig)); diff != "" {
		t.Errorf("original (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]State{New, Pending, Failed}, states(&snap)); diff != "" {
		t.Errorf("snapshot (-want +got):\n%s", diff)
	}
}

// TestAdvanceAfter checks that AdvanceAfter, given the time since
// CreatedAt, records what Advance records given the timestamp, and refuses
// the same steps back.
func TestAdvanceAfter(t *testing.T) {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 3600))
	tests := []struct {
		name  string
		since time.Duration
		s     Status
		err   bool
	}{
		{"default message", 0, Status{State: Pending, Message: "pending task scheduling"}, false},
		{"error text", time.Second, Status{State: Pending, Message: "pending task scheduling", Err: "no suitable node"}, false},
		{"own message", 2500 * time.Millisecond, Status{State: Assigned, Message: "scheduler assigned"}, false},
		{"running", time.Hour, Status{State: Running, Message: "started"}, false},
		{"back", 2 * time.Hour, Status{State: Starting, Message: "starting"}, true},
	}
	ref := Make(Task{ID: "id1", CreatedAt: t0}, nil)
	got := Make(Task{ID: "id1", CreatedAt: t0}, nil)
	for _, tt := range tests {
		s := tt.s
		s.Timestamp = t0.Add(tt.since)
		errRef := ref.Advance(s)
		err := got.AdvanceAfter(s.State, tt.since, s.Message, s.Err)
		if (err != nil) != tt.err || (errRef != nil) != tt.err {
			t.Errorf("%s: AdvanceAfter error %v, Advance error %v, want error %v", tt.name, err, errRef, tt.err)
		}
	}
	if diff := cmp.Diff(ref.History(), got.History()); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
	if len(got.History()) != len(tests) { // "created" and every step but the last
		t.Errorf("%d statuses, want %d", len(got.History()), len(tests))
	}
}

// DefaultMessage has no message for states without one and for values that
// are no state at all, whatever their place in its table.
func TestDefaultMessageOutsideTheTable(t *testing.T) {
	for _, tc := range []struct {
		s    State
		want string
	}{
		{Running, "started"},
		{Running + 1, ""},
		{Assigned - 64, ""}, // 128: between PENDING and ASSIGNED
		{Failed, ""},
		{Remove, ""},
		{Orphaned, ""},
		{State(64 * 40), ""},
		{State(0xffff), ""},
	} {
		if got := DefaultMessage(tc.s); got != tc.want {
			t.Errorf("DefaultMessage(%d) = %q, want %q", tc.s, got, tc.want)
		}
	}
}
