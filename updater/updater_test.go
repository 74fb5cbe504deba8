package updater

import (
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/swarmsim/swarmsim/task"
)

func cfg(c Config) *Config { return &c }

// An update emits one CreateTask a slot, and the actions stay valid for
// good: an Action is at most 80 bytes (Status, rarely set, is a pointer).
func TestActionSize(t *testing.T) {
	if n := unsafe.Sizeof(Action{}); n > 80 {
		t.Errorf("Action is %d bytes; want at most 80", n)
	}
}

// The entry checks of Updater.Run (manager/orchestrator/update/updater.go).
func TestEntryChecks(t *testing.T) {
	clean := []Slot{{ID: 1, Tasks: []Task{{ID: "a", Desired: task.Running, Observed: task.Running}}}}
	dirty := oldSlots(1)
	started := Status{State: Updating, Message: MsgInProgress, StartedAt: epoch}
	for _, tc := range []struct {
		name   string
		status Status
		slots  []Slot
		want   []Action
	}{
		{"paused does nothing", Status{State: Paused, Message: PausedMessage("x")}, dirty, nil},
		{"rollback_paused does nothing", Status{State: RollbackPaused}, dirty, nil},
		{"no dirty slot, nil status stays nil", Status{}, clean, nil},
		{"no slot at all", Status{}, nil, nil},
		{"empty slot is not dirty", Status{}, []Slot{{ID: 1}}, nil},
		{"no dirty slot, completed stays", Status{State: Completed, Message: MsgCompleted}, clean, nil},
		{"no dirty slot, updating completes at once", started, clean, []Action{{Kind: SetStatus, Status: &Status{
			State: Completed, Message: MsgCompleted, StartedAt: epoch, CompletedAt: at(time.Minute)}}}},
		{"no dirty slot, rollback_started completes at once", ManualRollback(epoch), clean, []Action{{Kind: SetStatus, Status: &Status{
			State: RollbackCompleted, Message: MsgRollbackCompleted, StartedAt: epoch, CompletedAt: at(time.Minute)}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, got := Start(Params{Status: tc.status, Slots: tc.slots, Now: at(time.Minute)})
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("actions (-want +got):\n%s", d)
			}
			if !u.Done() {
				t.Error("not done")
			}
			if _, ok := u.NextWake(); ok {
				t.Error("a finished run wants a wake")
			}
		})
	}
}

// Updater.startUpdate: an existing status is not overwritten by startUpdate; and
// completeUpdate turns any state but rollback_started into completed.
func TestExistingStatusKept(t *testing.T) {
	s := newSim(t, oldSlots(1))
	s.params.Status = Status{State: RollbackCompleted, Message: MsgRollbackCompleted, StartedAt: at(-time.Hour), CompletedAt: at(-time.Minute)}
	s.start()
	s.run(time.Hour)
	want := []Status{{State: Completed, Message: MsgCompleted, StartedAt: at(-time.Hour), CompletedAt: at(7 * time.Second)}}
	if d := cmp.Diff(want, s.statuses); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
}

// Updater.worker: which task a worker keeps, and what it shuts down.
func TestSlotHandling(t *testing.T) {
	R, Rd, S := task.Running, task.Ready, task.Shutdown
	for _, tc := range []struct {
		name string
		slot Slot
		want Action
	}{
		{"dirty task: create, stop-first shuts it down", Slot{ID: 7, Tasks: []Task{{ID: "a", Dirty: true, Desired: R, Observed: R}}},
			Action{Kind: CreateTask, Slot: 7, Shutdown: []string{"a"}, StartAfter: "a"}},
		{"two dirty tasks: both shut down, start after the last", Slot{ID: 7, Tasks: []Task{
			{ID: "a", Dirty: true, Desired: R, Observed: R}, {ID: "b", Dirty: true, Desired: Rd, Observed: Rd}}},
			Action{Kind: CreateTask, Slot: 7, Shutdown: []string{"a", "b"}, StartAfter: "b"}},
		{"tasks desired past RUNNING are skipped", Slot{ID: 7, Tasks: []Task{
			{ID: "a", Dirty: true, Desired: R, Observed: R}, {ID: "b", Dirty: true, Desired: S, Observed: R}}},
			Action{Kind: CreateTask, Slot: 7, Shutdown: []string{"a"}, StartAfter: "a"}},
		{"nothing left to shut down: start at once", Slot{ID: 7, Tasks: []Task{
			{ID: "a", Dirty: true, Desired: S, Observed: task.Failed}, {ID: "b", Dirty: true, Desired: S, Observed: task.Complete}}},
			Action{Kind: CreateTask, Slot: 7}},
		{"clean task desired RUNNING is kept", Slot{ID: 7, Tasks: []Task{
			{ID: "a", Dirty: true, Desired: R, Observed: R}, {ID: "b", Desired: R, Observed: task.Starting}}},
			Action{Kind: ReuseTask, Slot: 7, TaskID: "b", Shutdown: []string{"a"}}},
		{"clean desired RUNNING wins over clean READY", Slot{ID: 7, Tasks: []Task{
			{ID: "c", Desired: Rd, Observed: Rd}, {ID: "b", Desired: R, Observed: R}}},
			Action{Kind: ReuseTask, Slot: 7, TaskID: "b", Shutdown: []string{"c"}}},
		{"clean READY task is kept and delay-started", Slot{ID: 7, Tasks: []Task{
			{ID: "a", Dirty: true, Desired: R, Observed: R}, {ID: "b", Desired: Rd, Observed: Rd}}},
			Action{Kind: ReuseTask, Slot: 7, TaskID: "b", Shutdown: []string{"a"}, StartAfter: "a"}},
		{"clean task desired SHUTDOWN is not kept", Slot{ID: 7, Tasks: []Task{
			{ID: "a", Desired: S, Observed: R}, {ID: "b", Dirty: true, Desired: R, Observed: R}}},
			Action{Kind: CreateTask, Slot: 7, Shutdown: []string{"b"}, StartAfter: "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := Start(Params{Slots: []Slot{tc.slot}, Status: Status{State: Updating}, Now: epoch})
			if d := cmp.Diff([]Action{tc.want}, got); d != "" {
				t.Errorf("actions (-want +got):\n%s", d)
			}
		})
	}
}

// Updater.updateTask: start-first creates without shutting anything down, whatever the
// slot holds.
func TestStartFirstCreate(t *testing.T) {
	_, got := Start(Params{Slots: oldSlots(1), Status: Status{State: Updating}, Update: cfg(Config{Order: StartFirst}), Now: epoch})
	if d := cmp.Diff([]Action{{Kind: CreateTask, Slot: 1}}, got); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
}

// Failures of tasks the updater did not create never count (Updater.Run
// watches only the tasks in its updatedTasks map),
// and untracked tasks are ignored.
func TestUntrackedTasksIgnored(t *testing.T) {
	s := newSim(t, oldSlots(2))
	s.start()
	if acts := s.u.TaskUpdated(1, "stranger", task.Running, task.Failed, epoch); acts != nil {
		t.Errorf("actions for an untracked task: %v", acts)
	}
	s.run(time.Hour)
	if s.lastStatus().State != Completed {
		t.Errorf("status %v, want completed", s.lastStatus().State)
	}
	// After Done every call is a no-op.
	if s.u.Wake(at(time.Hour)) != nil || s.u.TaskCreated(1, "x", at(time.Hour)) != nil ||
		s.u.TaskUpdated(1, "n1", task.Running, task.Failed, at(time.Hour)) != nil || s.u.BatchAborted(1, at(time.Hour)) != nil {
		t.Error("a finished updater acted")
	}
}

// ReuseTask abort: the kept READY task is never started, the caller says
// so, and the worker moves on.
func TestReuseAborted(t *testing.T) {
	slots := []Slot{{ID: 1, Tasks: []Task{{ID: "o1", Dirty: true, Desired: task.Running, Observed: task.Running}, {ID: "c1", Desired: task.Ready, Observed: task.Ready}}}}
	u, acts := Start(Params{Slots: slots, Now: epoch})
	if len(acts) != 2 || acts[1].Kind != ReuseTask {
		t.Fatalf("actions %v", acts)
	}
	if u.InFlight() != 1 {
		t.Fatalf("InFlight %d", u.InFlight())
	}
	u.BatchAborted(1, epoch)
	if u.InFlight() != 0 {
		t.Errorf("InFlight after abort = %d, want 0", u.InFlight())
	}
	if w, ok := u.NextWake(); !ok || !w.Equal(at(DefaultMonitor)) {
		t.Errorf("NextWake %v %v, want the final window end", w, ok)
	}
}

// Wake with nothing due, unknown slots and repeated reports are harmless.
func TestHarmlessCalls(t *testing.T) {
	u, _ := Start(Params{Slots: oldSlots(2), Update: cfg(Config{Parallelism: 1, Delay: time.Second}), Now: epoch})
	if acts := u.Wake(epoch); acts != nil {
		t.Errorf("Wake with nothing due: %v", acts)
	}
	if acts := u.TaskCreated(99, "x", epoch); acts != nil {
		t.Errorf("TaskCreated for an unknown slot: %v", acts)
	}
	if acts := u.BatchAborted(99, epoch); acts != nil {
		t.Errorf("BatchAborted for an unknown slot: %v", acts)
	}
	u.TaskCreated(1, "n1", epoch)
	u.TaskCreated(1, "n1", epoch) // twice
	for range 3 {
		u.TaskUpdated(1, "n1", task.Running, task.Running, at(time.Second))
	}
	if u.InFlight() != 1 {
		t.Errorf("InFlight = %d, want 1 (sleeping its delay)", u.InFlight())
	}
	if w, ok := u.NextWake(); !ok || !w.Equal(at(2*time.Second)) {
		t.Errorf("NextWake = %v, %v; want 2s", w.Sub(epoch), ok)
	}
}

// Ignores: a state before RUNNING tells the workers nothing, unless a
// worker's delay ended before the call (a caller delivering late, as the
// root does after an election), when the call releases it and the freed
// worker takes the next slot. RUNNING and states past it always matter,
// and a finished run ignores everything.
func TestIgnores(t *testing.T) {
	u, acts := Start(Params{Slots: oldSlots(3), Update: cfg(Config{Parallelism: 2, Delay: 10 * time.Second}), Now: epoch})
	if len(acts) != 3 || acts[1].Kind != CreateTask || acts[2].Kind != CreateTask {
		t.Fatalf("start: %v", acts)
	}
	u.TaskCreated(1, "n1", epoch)
	u.TaskCreated(2, "n2", epoch)
	u.TaskUpdated(1, "n1", task.Running, task.Running, at(time.Second)) // slot 1 done: its worker sleeps until 11s
	u.TaskUpdated(2, "n2", task.Running, task.Preparing, at(time.Second))
	for _, tc := range []struct {
		observed task.State
		at       time.Duration
		want     bool
	}{
		{task.Starting, 5 * time.Second, true},
		{task.Starting, 11 * time.Second, true}, // a delay ending exactly now is Wake's
		{task.Starting, 12 * time.Second, false},
		{task.Running, 5 * time.Second, false},
		{task.Failed, 5 * time.Second, false},
	} {
		if got := u.Ignores(tc.observed, at(tc.at)); got != tc.want {
			t.Errorf("Ignores(%s) at %v = %v, want %v", tc.observed, tc.at, got, tc.want)
		}
	}
	if acts := u.TaskUpdated(2, "n2", task.Running, task.Starting, at(5*time.Second)); acts != nil {
		t.Errorf("an ignored call acted: %v", acts)
	}
	acts = u.TaskUpdated(2, "n2", task.Running, task.Starting, at(12*time.Second))
	if len(acts) != 1 || acts[0].Kind != CreateTask || acts[0].Slot != 3 {
		t.Errorf("a late call with slot 1's worker awake: %v, want CreateTask for slot 3", acts)
	}
	done, _ := Start(Params{Slots: nil, Now: epoch})
	if !done.Done() || !done.Ignores(task.Failed, epoch) {
		t.Errorf("a finished run: Done %v, Ignores(failed) %v", done.Done(), done.Ignores(task.Failed, epoch))
	}
}

// No sequence of calls, however wrong (unknown IDs, time going backwards,
// duplicate reports), panics or breaks the parallelism bound.
func TestPropertyNoPanic(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(0, 6).Draw(rt, "slots")
		slots := oldSlots(n)
		c := Config{
			Parallelism:     uint64(rapid.IntRange(0, 3).Draw(rt, "parallelism")),
			Delay:           time.Duration(rapid.IntRange(-2, 3).Draw(rt, "delay")) * time.Second,
			Monitor:         time.Duration(rapid.IntRange(-2, 3).Draw(rt, "monitor")) * time.Second,
			FailureAction:   FailureAction(rapid.IntRange(0, 3).Draw(rt, "action")),
			Order:           Order(rapid.IntRange(0, 2).Draw(rt, "order")),
			MaxFailureRatio: rapid.Float32().Draw(rt, "ratio"),
		}
		status := Status{State: State(rapid.IntRange(0, 7).Draw(rt, "state"))}
		u, _ := Start(Params{Rollback: &c, Update: &c, Status: status, Slots: slots, Now: epoch})
		ids := []string{"", "o1", "o2", "n1", "n2", "n3"}
		all := task.States()
		states := all[:]
		for k := rapid.IntRange(0, 60).Draw(rt, "calls"); k > 0; k-- {
			now := at(time.Duration(rapid.IntRange(-5, 60).Draw(rt, "t")) * time.Second)
			slot := uint64(rapid.IntRange(0, n+1).Draw(rt, "slot"))
			id := rapid.SampledFrom(ids).Draw(rt, "id")
			switch rapid.IntRange(0, 4).Draw(rt, "call") {
			case 0:
				u.TaskCreated(slot, id, now)
			case 1:
				u.TaskUpdated(slot, id, rapid.SampledFrom(states).Draw(rt, "desired"), rapid.SampledFrom(states).Draw(rt, "observed"), now)
			case 2:
				u.Wake(now)
			case 3:
				u.BatchAborted(slot, now)
			case 4:
				if w, ok := u.NextWake(); ok {
					u.Wake(w)
				}
			}
			if p := u.Config().Parallelism; u.InFlight() < 0 || uint64(u.InFlight()) > p && !u.Done() {
				rt.Fatalf("InFlight %d, parallelism %d", u.InFlight(), p)
			}
		}
	})
}
