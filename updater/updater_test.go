package updater

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/swarmsim/swarmsim/task"
)

func diffLog(t *testing.T, s *sim, want string) {
	t.Helper()
	want = strings.TrimSpace(strings.ReplaceAll(want, "\t", ""))
	if d := cmp.Diff(want, s.logText()); d != "" {
		t.Errorf("log mismatch (-want +got):\n%s", d)
	}
}

func cfg(c Config) *Config { return &c }

// Updater.Run's completion: 3 slots, delay 10s, monitor 5s, 2s per slot (1s for the old task to
// stop, 1s for the new one to start). Slots RUNNING at 2, 14, 26s; the
// workers are done at 36s (the delay follows the last slot too); the final
// window is delay+1s = 11s because delay >= monitor; completed at 47s.
func TestTimelineReference39(t *testing.T) {
	s := newSim(t, oldSlots(3))
	s.params.Update = cfg(Config{Parallelism: 1, Delay: 10 * time.Second})
	s.start()
	s.runUntil(35 * time.Second)
	if got := s.u.InFlight(); got != 1 {
		t.Errorf("at 35s InFlight = %d, want 1 (the last worker still sleeps its delay)", got)
	}
	s.runUntil(36 * time.Second)
	if got := s.u.InFlight(); got != 0 {
		t.Errorf("at 36s InFlight = %d, want 0", got)
	}
	if w, ok := s.u.NextWake(); !ok || !w.Equal(at(47*time.Second)) {
		t.Errorf("at 36s NextWake = %v %v, want 47s", w.Sub(epoch), ok)
	}
	s.run(time.Hour)
	diffLog(t, s, `
		0s status updating "update in progress"
		0s create slot 1 shutdown [o1] after "o1" -> n1
		2s n1 running
		12s create slot 2 shutdown [o2] after "o2" -> n2
		14s n2 running
		24s create slot 3 shutdown [o3] after "o3" -> n3
		26s n3 running
		47s status completed "update completed"`)
	want := []Status{
		{State: Updating, Message: MsgInProgress, StartedAt: epoch},
		{State: Completed, Message: MsgCompleted, StartedAt: epoch, CompletedAt: at(47 * time.Second)},
	}
	if d := cmp.Diff(want, s.statuses); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
	if !s.u.Done() {
		t.Error("not done")
	}
}

// Updater.Run: the final window is the monitor when delay < monitor.
func TestFinalWindowIsMonitor(t *testing.T) {
	s := newSim(t, oldSlots(1))
	s.params.Update = cfg(Config{Parallelism: 1, Delay: 2 * time.Second, Monitor: 30 * time.Second})
	s.start()
	s.run(time.Hour)
	// n1 RUNNING at 2s, worker done at 4s, completed at 34s.
	if got := s.lastStatus().CompletedAt; !got.Equal(at(34 * time.Second)) {
		t.Errorf("completed at %v, want 34s", got.Sub(epoch))
	}
}

// failureTriggersAction, as in SwarmKit's own test
// (manager/orchestrator/replicated/update_test.go): 4 slots, ratio 0.4: the
// first failure is
// 0.25 (not > 0.4), the second 0.5 fires.
func TestRatioFiresOnSecondFailure(t *testing.T) {
	s := newSim(t, oldSlots(4))
	s.params.Update = cfg(Config{Parallelism: 1, MaxFailureRatio: 0.4})
	s.plan = func(uint64) plan { return plan{Start: time.Second, Fail: task.Failed} }
	s.start()
	s.run(time.Hour)
	diffLog(t, s, `
		0s status updating "update in progress"
		0s create slot 1 shutdown [o1] after "o1" -> n1
		2s n1 failed
		2s create slot 2 shutdown [o2] after "o2" -> n2
		4s n2 failed
		4s status paused "update paused due to failure or early termination of task n2"`)
	if s.u.Failures() != 2 || s.u.DirtySlots() != 4 {
		t.Errorf("failures %d / dirty %d, want 2/4", s.u.Failures(), s.u.DirtySlots())
	}
}

// failureTriggersAction: the ratio is compared in float32 and strictly.
func TestRatioArithmetic(t *testing.T) {
	for _, tc := range []struct {
		name      string
		slots     int
		ratio     float32
		wantFails int // failures counted when the action fires (0 = never)
	}{
		{"ratio 0: first failure", 3, 0, 1},
		{"ratio 1: never", 3, 1, 0},
		{"1/3 not > 1/3 (float32)", 3, float32(1) / float32(3), 2},
		{"2/4 not > 0.5", 4, 0.5, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, oldSlots(tc.slots))
			s.params.Update = cfg(Config{Parallelism: 1, MaxFailureRatio: tc.ratio})
			s.plan = func(uint64) plan { return plan{Start: time.Second, Fail: task.Failed} }
			s.start()
			s.run(time.Hour)
			paused := s.lastStatus().State == Paused
			if tc.wantFails == 0 {
				if paused || s.lastStatus().State != Completed {
					t.Errorf("status %v, want completed", s.lastStatus())
				}
				return
			}
			if !paused || s.u.Failures() != tc.wantFails {
				t.Errorf("status %v after %d failures, want paused after %d", s.lastStatus().State, s.u.Failures(), tc.wantFails)
			}
		})
	}
}

// Failure action pause (Updater.pauseUpdate): status paused with the task's ID, StartedAt kept, no
// CompletedAt; nothing more dispatched; the in-flight worker finishes its
// slot and its delay; no final window, no completion.
func TestFailureActionPause(t *testing.T) {
	s := newSim(t, oldSlots(4))
	s.params.Update = cfg(Config{Parallelism: 2, Delay: 3 * time.Second})
	s.plan = func(slot uint64) plan {
		if slot == 1 {
			return plan{Start: time.Second, FailAfter: time.Second}
		}
		return plan{Start: 10 * time.Second}
	}
	s.start()
	s.runUntil(3 * time.Second)
	if !s.u.Done() && s.u.InFlight() != 2 {
		t.Errorf("InFlight = %d, want 2", s.u.InFlight())
	}
	s.run(time.Hour)
	diffLog(t, s, `
		0s status updating "update in progress"
		0s create slot 1 shutdown [o1] after "o1" -> n1
		0s create slot 2 shutdown [o2] after "o2" -> n2
		2s n1 running
		3s n1 failed
		3s status paused "update paused due to failure or early termination of task n1"
		11s n2 running`)
	// n2's worker still sleeps its delay after RUNNING (11s + 3s).
	if got := s.now; !got.Equal(at(14 * time.Second)) {
		t.Errorf("done at %v, want 14s", got.Sub(epoch))
	}
	want := Status{State: Paused, Message: PausedMessage("n1"), StartedAt: epoch}
	if d := cmp.Diff(want, s.lastStatus()); d != "" {
		t.Errorf("status (-want +got):\n%s", d)
	}
	if s.handled[3]+s.handled[4] != 0 {
		t.Error("slots 3 and 4 were touched after the pause")
	}
	if _, ok := s.u.NextWake(); ok || !s.u.Done() {
		t.Error("a paused run must end with no final window")
	}
}

// Failure action continue (Updater.Run): no failure watch at all; the update completes.
func TestFailureActionContinue(t *testing.T) {
	s := newSim(t, oldSlots(3))
	s.params.Update = cfg(Config{Parallelism: 1, FailureAction: Continue})
	s.plan = func(uint64) plan { return plan{Start: time.Second, Fail: task.Failed} }
	s.start()
	s.run(time.Hour)
	if st := s.lastStatus(); st.State != Completed || st.Message != MsgCompleted {
		t.Errorf("status %v, want completed", st)
	}
	if s.u.Failures() != 0 {
		t.Errorf("Failures = %d, want 0: continue does not count", s.u.Failures())
	}
	if len(s.handled) != 3 {
		t.Errorf("handled %d slots, want 3", len(s.handled))
	}
}

// Failure action rollback in a normal update (Updater.rollbackUpdate): a RollbackService action naming the
// failed task, with status rollback_started, StartedAt kept.
func TestFailureActionRollback(t *testing.T) {
	s := newSim(t, oldSlots(3))
	s.params.Update = cfg(Config{Parallelism: 1, FailureAction: Rollback, Delay: 5 * time.Second})
	s.plan = func(slot uint64) plan { return plan{Start: time.Second, FailAfter: 2 * time.Second} }
	s.start()
	s.run(time.Hour)
	if s.rolledBack == nil {
		t.Fatalf("no rollback; log:\n%s", s.logText())
	}
	want := Action{Kind: RollbackService, TaskID: "n1", Status: Status{
		State: RollbackStarted, Message: RolledBackMessage("n1"), StartedAt: epoch,
	}}
	if d := cmp.Diff(want, *s.rolledBack); d != "" {
		t.Errorf("rollback action (-want +got):\n%s", d)
	}
	if s.u.Rollback() {
		t.Error("a normal update is not a rollback run")
	}
	if d := cmp.Diff(want.Status, s.u.Status()); d != "" {
		t.Errorf("Status() (-want +got):\n%s", d)
	}
}

// Updater.Run's config selection and pauseUpdate: a rollback run uses the
// rollback config (nil = defaults,
// parallelism 1 and pause, even if the update config differs) and pauses as
// rollback_paused with the "update paused" message (sic).
func TestRollbackRunPauses(t *testing.T) {
	s := newSim(t, oldSlots(3))
	s.params.Status = ManualRollback(epoch)
	s.params.Update = cfg(Config{Parallelism: 3, FailureAction: Continue})
	s.plan = func(uint64) plan { return plan{Start: time.Second, Fail: task.Failed} }
	s.start()
	if !s.u.Rollback() || s.u.Config().Parallelism != 1 || s.u.Config().FailureAction != Pause {
		t.Errorf("rollback %v config %+v, want the default rollback config", s.u.Rollback(), s.u.Config())
	}
	s.run(time.Hour)
	want := Status{State: RollbackPaused, Message: PausedMessage("n1"), StartedAt: epoch}
	if d := cmp.Diff(want, s.lastStatus()); d != "" {
		t.Errorf("status (-want +got):\n%s", d)
	}
}

// Updater.Run's "never roll back a rollback" branch (docs/swarm-behaviour.md,
// known surprises): a rollback whose failure action is rollback pauses as
// rollback_paused "rollback paused ...", but SwarmKit does not set stopped:
// dispatching stops (break slotsLoop), the in-flight workers finish, the
// final window runs, and completeUpdate, which no longer sees
// ROLLBACK_STARTED, writes COMPLETED "update completed" with slots never
// rolled back.
func TestRollbackOfRollbackBug(t *testing.T) {
	s := newSim(t, oldSlots(3))
	s.params.Status = ManualRollback(epoch)
	s.params.Rollback = cfg(Config{Parallelism: 1, FailureAction: Rollback})
	s.plan = func(slot uint64) plan {
		if slot == 1 {
			return plan{Start: time.Second, FailAfter: time.Second}
		}
		return plan{Start: time.Second}
	}
	s.start()
	s.run(time.Hour)
	diffLog(t, s, `
		0s create slot 1 shutdown [o1] after "o1" -> n1
		2s n1 running
		2s create slot 2 shutdown [o2] after "o2" -> n2
		3s n1 failed
		3s status rollback_paused "rollback paused due to failure or early termination of task n1"
		4s n2 running
		9s status completed "update completed"`)
	if s.rolledBack != nil {
		t.Error("a rollback was rolled back")
	}
	if s.handled[3] != 0 {
		t.Error("slot 3 was dispatched after the pause")
	}
	want := Status{State: Completed, Message: MsgCompleted, StartedAt: epoch, CompletedAt: at(9 * time.Second)}
	if d := cmp.Diff(want, s.lastStatus()); d != "" {
		t.Errorf("status (-want +got):\n%s", d)
	}
}

// The same branch, continued: a second failure in the final window pauses again; the
// stored state is now rollback_paused, so pauseUpdate writes paused, and the
// monitor loop is left at once for completeUpdate.
func TestRollbackOfRollbackSecondFailure(t *testing.T) {
	s := newSim(t, oldSlots(3))
	s.params.Status = ManualRollback(epoch)
	s.params.Rollback = cfg(Config{Parallelism: 2, FailureAction: Rollback})
	s.plan = func(slot uint64) plan {
		if slot == 1 {
			return plan{Start: time.Second, Fail: task.Failed}
		}
		return plan{Start: 3 * time.Second, FailAfter: 2 * time.Second}
	}
	s.start()
	s.run(time.Hour)
	want := []Status{
		{State: RollbackPaused, Message: RollbackPausedMessage("n1"), StartedAt: epoch},
		{State: Paused, Message: RollbackPausedMessage("n2"), StartedAt: epoch},
		{State: Completed, Message: MsgCompleted, StartedAt: epoch, CompletedAt: at(6 * time.Second)},
	}
	// n1 fails at 2s while slot 3 is still to hand out: judged at once,
	// rollback_paused, dispatching stops. n2 RUNNING at 4s ends wg.Wait and
	// opens the final window; n2 fails at 6s, inside it: pauseUpdate again
	// (stored rollback_paused -> paused), then completeUpdate at once.
	if d := cmp.Diff(want, s.statuses); d != "" {
		t.Errorf("statuses (-want +got):\n%s\n%s", d, s.logText())
	}
}

// Updater.updateTask, SwarmKit PR #2308: start-first shuts the old task down only after the new
// one is exactly RUNNING; if the new task fails before RUNNING the old one
// is kept.
func TestStartFirst(t *testing.T) {
	s := newSim(t, oldSlots(2))
	s.params.Update = cfg(Config{Parallelism: 1, Order: StartFirst, FailureAction: Continue})
	s.plan = func(slot uint64) plan {
		if slot == 2 {
			return plan{Start: 2 * time.Second, Fail: task.Failed}
		}
		return plan{Start: 2 * time.Second}
	}
	s.start()
	s.run(time.Hour)
	diffLog(t, s, `
		0s status updating "update in progress"
		0s create slot 1 shutdown [] after "" -> n1
		2s n1 running
		2s shutdown slot 1 [o1]
		2s create slot 2 shutdown [] after "" -> n2
		4s n2 failed
		9s status completed "update completed"`)
	if got := s.tasks["o2"].desired; got != task.Running {
		t.Errorf("o2 desired %v, want running (kept)", got)
	}
	if s.maxRunning != 2 {
		t.Errorf("max tasks running in one slot = %d, want 2 (start-first overlap)", s.maxRunning)
	}
}

// Updater.Run's dispatch and Updater.worker: never more than P slots in flight; the delay is per worker
// and workers drift apart (no barrier).
func TestParallelismAndDrift(t *testing.T) {
	s := newSim(t, oldSlots(5))
	s.params.Update = cfg(Config{Parallelism: 2, Delay: 10 * time.Second})
	starts := map[uint64]time.Duration{1: time.Second, 2: 4 * time.Second, 3: time.Second, 4: time.Second, 5: time.Second}
	s.plan = func(slot uint64) plan { return plan{Start: starts[slot]} }
	s.start()
	s.run(time.Hour)
	diffLog(t, s, `
		0s status updating "update in progress"
		0s create slot 1 shutdown [o1] after "o1" -> n1
		0s create slot 2 shutdown [o2] after "o2" -> n2
		2s n1 running
		5s n2 running
		12s create slot 3 shutdown [o3] after "o3" -> n3
		14s n3 running
		15s create slot 4 shutdown [o4] after "o4" -> n4
		17s n4 running
		24s create slot 5 shutdown [o5] after "o5" -> n5
		26s n5 running
		47s status completed "update completed"`)
	if s.maxInFlight != 2 {
		t.Errorf("max in flight %d, want 2", s.maxInFlight)
	}
}

// Updater.Run's config selection: parallelism 0 means every dirty slot at once.
func TestParallelismZero(t *testing.T) {
	s := newSim(t, oldSlots(4))
	s.params.Update = cfg(Config{Parallelism: 0})
	s.start()
	if got := s.u.Config().Parallelism; got != 4 {
		t.Errorf("resolved parallelism %d, want 4", got)
	}
	if s.u.InFlight() != 4 || len(s.handled) != 4 {
		t.Errorf("in flight %d, handled %d at 0s, want 4 and 4", s.u.InFlight(), len(s.handled))
	}
	s.run(time.Hour)
	if st := s.lastStatus(); st.State != Completed || !st.CompletedAt.Equal(at(7*time.Second)) {
		t.Errorf("status %+v, want completed at 7s", st)
	}
}

// Updater.Run's entry checks.
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
		{"no dirty slot, updating completes at once", started, clean, []Action{{Kind: SetStatus, Status: Status{
			State: Completed, Message: MsgCompleted, StartedAt: epoch, CompletedAt: at(time.Minute)}}}},
		{"no dirty slot, rollback_started completes at once", ManualRollback(epoch), clean, []Action{{Kind: SetStatus, Status: Status{
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

// Updater.useExistingTask and failureTriggersAction: a reused task's slot finishes without waiting for RUNNING, and
// its failures never count.
func TestReuseRun(t *testing.T) {
	slots := []Slot{
		{ID: 1, Tasks: []Task{{ID: "o1", Dirty: true, Desired: task.Running, Observed: task.Running}, {ID: "c1", Desired: task.Ready, Observed: task.Ready}}},
		{ID: 2, Tasks: []Task{{ID: "o2", Dirty: true, Desired: task.Running, Observed: task.Running}, {ID: "c2", Desired: task.Running, Observed: task.Running}}},
		{ID: 3, Tasks: []Task{{ID: "k3", Desired: task.Running, Observed: task.Running}}}, // clean: not dirty
	}
	s := newSim(t, slots)
	s.start()
	s.run(time.Hour)
	diffLog(t, s, `
		0s status updating "update in progress"
		0s reuse slot 1 keep c1 shutdown [o1] after "o1"
		1s reuse slot 2 keep c2 shutdown [o2] after ""
		6s status completed "update completed"`)
	if s.u.DirtySlots() != 2 {
		t.Errorf("DirtySlots = %d, want 2", s.u.DirtySlots())
	}
	// A failure of a reused task is ignored.
	s2 := newSim(t, slots)
	s2.start()
	s2.runUntil(2 * time.Second)
	s2.setObserved("c2", task.Failed)
	s2.run(time.Hour)
	if s2.lastStatus().State != Completed || s2.u.Failures() != 0 {
		t.Errorf("status %v failures %d, want completed and 0", s2.lastStatus().State, s2.u.Failures())
	}
}

// Updater.updateTask and removeOldTasks: a stop-first batch is aborted when every old task was already shut
// down in the store; the worker moves on and the update completes.
func TestCreateAborted(t *testing.T) {
	s := newSim(t, oldSlots(2))
	s.tasks["o1"].desired = task.Shutdown // changed after the snapshot
	s.start()
	s.run(time.Hour)
	diffLog(t, s, `
		0s status updating "update in progress"
		0s create slot 1 aborted: [o1] already shut down
		0s create slot 2 shutdown [o2] after "o2" -> n1
		2s n1 running
		7s status completed "update completed"`)
}

// The evaluation-time quirk of Updater.Run (docs/swarm-behaviour.md): delay
// 0, monitor 5s,
// P=1; the last slot's task takes 20s to start; the previous slot's task
// fails 3s after RUNNING, while the dispatcher sits in wg.Wait: it is judged
// 20s after it started running, so it does not count.
func TestEvaluationTimeQuirk(t *testing.T) {
	s := newSim(t, oldSlots(2))
	s.params.Update = cfg(Config{Parallelism: 1})
	s.plan = func(slot uint64) plan {
		if slot == 1 {
			return plan{Start: time.Second, FailAfter: 3 * time.Second}
		}
		return plan{Start: 20 * time.Second}
	}
	s.start()
	s.run(time.Hour)
	diffLog(t, s, `
		0s status updating "update in progress"
		0s create slot 1 shutdown [o1] after "o1" -> n1
		2s n1 running
		2s create slot 2 shutdown [o2] after "o2" -> n2
		5s n1 failed
		23s n2 running
		28s status completed "update completed"`)
	if s.u.Failures() != 0 {
		t.Errorf("Failures = %d, want 0", s.u.Failures())
	}

	// The same failure while slots remain to hand out is judged at once.
	s = newSim(t, oldSlots(3))
	s.params.Update = cfg(Config{Parallelism: 1})
	s.plan = func(slot uint64) plan {
		if slot == 1 {
			return plan{Start: time.Second, FailAfter: 3 * time.Second}
		}
		return plan{Start: 20 * time.Second}
	}
	s.start()
	s.run(time.Hour)
	if st := s.lastStatus(); st.State != Paused || st.Message != PausedMessage("n1") || !s.now.Equal(at(23*time.Second)) {
		t.Errorf("status %+v at %v, want paused by n1, done at 23s", st, s.now.Sub(epoch))
	}
}

// Updater.Run, SwarmKit PR #3003: when delay >= monitor, the enlarged period (delay+1s)
// also judges the failures buffered during wg.Wait.
func TestBufferedFailureUsesEnlargedPeriod(t *testing.T) {
	for _, tc := range []struct {
		slot2Start time.Duration
		want       State
	}{
		{time.Second, Paused},        // workers done at 9s: 9s-2s = 7s <= 7s
		{2 * time.Second, Completed}, // done at 10s: 8s > 7s, not counted
	} {
		s := newSim(t, oldSlots(2))
		s.params.Update = cfg(Config{Parallelism: 2, Delay: 6 * time.Second})
		s.stopDur = 0
		s.plan = func(slot uint64) plan {
			if slot == 1 {
				return plan{Start: 2 * time.Second, FailAfter: time.Second}
			}
			return plan{Start: 2*time.Second + tc.slot2Start}
		}
		s.start()
		s.run(time.Hour)
		if got := s.lastStatus().State; got != tc.want {
			t.Errorf("slot 2 start %v: status %v, want %v\n%s", tc.slot2Start, got, tc.want, s.logText())
		}
	}
}

// failureTriggersAction: a failure counts up to and including monitor after RUNNING.
func TestMonitorWindow(t *testing.T) {
	for _, tc := range []struct {
		failAfter time.Duration
		want      State
	}{
		{5 * time.Second, Paused},
		{5*time.Second + time.Nanosecond, Completed},
	} {
		s := newSim(t, oldSlots(2))
		s.params.Update = cfg(Config{Parallelism: 1, Delay: 10 * time.Second})
		s.plan = func(slot uint64) plan {
			if slot == 1 {
				return plan{Start: time.Second, FailAfter: tc.failAfter}
			}
			return plan{Start: time.Second}
		}
		s.start()
		s.run(time.Hour)
		if got := s.lastStatus().State; got != tc.want {
			t.Errorf("fail %v after RUNNING: status %v, want %v", tc.failAfter, got, tc.want)
		}
	}
}

// failureTriggersAction: a failure before RUNNING always counts, however late; so does a
// rejection before the task was even started.
func TestFailureBeforeRunning(t *testing.T) {
	for name, p := range map[string]plan{
		"failed after 10 minutes": {Start: 10 * time.Minute, Fail: task.Failed},
		"rejected before start":   {Start: time.Second, RejectAt: 500 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			s := newSim(t, oldSlots(3))
			s.params.Update = cfg(Config{Parallelism: 1})
			s.stopDur = 2 * time.Second
			s.plan = func(uint64) plan { return p }
			s.start()
			s.run(time.Hour)
			if st := s.lastStatus(); st.State != Paused || st.Message != PausedMessage("n1") {
				t.Errorf("status %+v, want paused by n1\n%s", st, s.logText())
			}
		})
	}
}

// Select ties in Updater.Run (FIDELITY.md): a failure reported in the same call that frees its
// worker is judged before the worker takes the next slot.
func TestFailureFirstOnTie(t *testing.T) {
	s := newSim(t, oldSlots(2))
	s.plan = func(uint64) plan { return plan{Start: time.Second, Fail: task.Rejected} }
	s.start()
	s.run(time.Hour)
	if s.handled[2] != 0 {
		t.Errorf("slot 2 was dispatched before the failure was judged\n%s", s.logText())
	}
}

// restart.Supervisor.DelayStart's old-task timeout: a new task is started after one minute even
// if the old one has not stopped.
func TestOldTaskTimeout(t *testing.T) {
	s := newSim(t, oldSlots(1))
	s.stopDur = 5 * time.Minute
	s.start()
	s.run(time.Hour)
	diffLog(t, s, `
		0s status updating "update in progress"
		0s create slot 1 shutdown [o1] after "o1" -> n1
		1m1s n1 running
		1m6s status completed "update completed"`)
}

// Failures of tasks the updater did not create never count (failureTriggersAction
// looks only in updatedTasks),
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

// Updater.Run's wg.Wait() and the rollback-of-a-rollback branch: with every
// slot handed out at once the dispatcher sits in
// wg.Wait, so the failure waits in the buffer; it is judged when the final
// window opens, the rollback pauses, and the monitor loop is left at once
// for completeUpdate.
func TestRollbackOfRollbackBuffered(t *testing.T) {
	s := newSim(t, oldSlots(2))
	s.params.Status = ManualRollback(epoch)
	s.params.Rollback = cfg(Config{Parallelism: 2, FailureAction: Rollback})
	s.plan = func(slot uint64) plan {
		if slot == 1 {
			return plan{Start: time.Second, Fail: task.Failed}
		}
		return plan{Start: 3 * time.Second}
	}
	s.start()
	s.run(time.Hour)
	diffLog(t, s, `
		0s create slot 1 shutdown [o1] after "o1" -> n1
		0s create slot 2 shutdown [o2] after "o2" -> n2
		2s n1 failed
		4s n2 running
		4s status rollback_paused "rollback paused due to failure or early termination of task n1"
		4s status completed "update completed"`)
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

// Select ties in Updater.Run (FIDELITY.md) across calls: a failure reported at the very instant a
// worker's delay ends is judged before that worker takes the last slot
// (the event does not release the worker; Wake at the same instant does).
func TestFailureFirstAtDelayEnd(t *testing.T) {
	s := newSim(t, oldSlots(2))
	s.params.Update = cfg(Config{Parallelism: 1, Delay: 5 * time.Second})
	s.plan = func(uint64) plan { return plan{Start: time.Second, FailAfter: 5 * time.Second} }
	s.start()
	s.run(time.Hour)
	diffLog(t, s, `
		0s status updating "update in progress"
		0s create slot 1 shutdown [o1] after "o1" -> n1
		2s n1 running
		7s n1 failed
		7s status paused "update paused due to failure or early termination of task n1"`)
}

// Slot IDs far apart (node keys of a global service, say) work as small
// ones do, and a report naming the wrong slot is not the tracked task's.
func TestSparseSlotIDs(t *testing.T) {
	slots := oldSlots(2)
	slots[0].ID, slots[1].ID = 7, 1<<40
	s := newSim(t, slots)
	s.params.Update = cfg(Config{Parallelism: 1, FailureAction: Pause})
	s.plan = func(slot uint64) plan { return plan{Start: time.Second} }
	s.start()
	s.runUntil(time.Second)
	// n1 is slot 7's new task; a failure reported under another slot is
	// ignored.
	if acts := s.u.TaskUpdated(1<<40, "n1", task.Running, task.Failed, at(time.Second)); acts != nil {
		t.Errorf("a report under the wrong slot acted: %v", acts)
	}
	s.run(time.Hour)
	diffLog(t, s, `
		0s status updating "update in progress"
		0s create slot 7 shutdown [o1] after "o1" -> n1
		2s n1 running
		2s create slot 1099511627776 shutdown [o2] after "o2" -> n2
		4s n2 running
		9s status completed "update completed"`)
}
