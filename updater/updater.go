package updater

import (
	"time"

	"github.com/swarmsim/swarmsim/task"
)

// Task is one task of a slot, as the orchestrator sees it when it
// reconciles the service: the snapshot the updater works from.
type Task struct {
	ID string
	// Dirty reports that the task does not match the service's current
	// spec (SwarmKit's orchestrator.IsTaskDirty). The caller decides it.
	Dirty    bool
	Desired  task.State
	Observed task.State
}

// Slot is the set of a service's tasks that stand for one replica: one
// slot number of a replicated service, or one node of a global service.
// A slot normally holds one task; it holds two while one task is replacing
// another.
type Slot struct {
	// ID is the slot number (replicated) or a node key (global). The
	// updater only hands it back in actions.
	ID    uint64
	Tasks []Task
}

// Dirty reports whether the slot needs the updater: it has more than one
// task, or exactly one task and that task is dirty (Updater.isSlotDirty).
func (s Slot) Dirty() bool {
	return len(s.Tasks) > 1 || (len(s.Tasks) == 1 && s.Tasks[0].Dirty)
}

// Params is what the orchestrator hands the updater when it reconciles a
// service (SwarmKit's Supervisor.Update with the service snapshot).
type Params struct {
	// Update is the service's current Spec.Update; nil means DefaultConfig.
	Update *Config
	// Rollback is the service's current Spec.Rollback; nil means
	// DefaultConfig. During a rollback the current spec is the restored
	// one, so this is the restored spec's rollback config (Run reads
	// the new service's Spec.Rollback).
	Rollback *Config
	// Status is the service's stored UpdateStatus; the zero value is nil.
	Status Status
	// Slots lists every runnable slot in dispatch order. Start keeps the
	// slice (a snapshot, as in SwarmKit): the caller must not modify it.
	Slots []Slot
	// Now is the virtual time of the reconcile.
	Now time.Time
}

// ActionKind says what an Action asks the orchestrator to do.
type ActionKind uint8

// The action kinds.
const (
	// SetStatus: write Action.Status as the service's UpdateStatus.
	SetStatus ActionKind = iota + 1
	// CreateTask (SwarmKit's Updater.updateTask): in one store batch, create
	// a new task in Action.Slot from the service's current spec with
	// desired state READY, and set desired SHUTDOWN on the old tasks listed
	// in Action.Shutdown (stop-first: every task of the slot whose desired
	// state was <= RUNNING in the snapshot; start-first: none).
	// Action.StartAfter is the old task the new task's delayed start waits
	// for: its desired state goes to RUNNING once that task is observed
	// past RUNNING, its node is down or gone, or one minute has passed. If
	// StartAfter is "", the new task goes to desired RUNNING at once.
	// SwarmKit passes the last old task it shut down: if some of Shutdown
	// could not be shut down, use the last one that could.
	//
	// The caller must then call TaskCreated(slot, newID, now) before it
	// reports any change of the new task. If every old task it tried to
	// shut down was already desired past RUNNING in the store ("task <id>
	// was already shut down when reached by updater"), SwarmKit aborts the
	// whole batch: create nothing and call TaskCreated(slot, "", now).
	CreateTask
	// ReuseTask (SwarmKit's Updater.useExistingTask): keep the clean task
	// Action.TaskID and set desired SHUTDOWN on Action.Shutdown. If the
	// kept task's desired state is below RUNNING, delay-start it as for
	// CreateTask against Action.StartAfter ("" = at once); the worker waits
	// until it is desired RUNNING. If the caller aborts the batch (every
	// shutdown failed), it calls BatchAborted(slot, now).
	ReuseTask
	// ShutdownTasks: start-first only, once the new task reached exactly
	// RUNNING, set desired SHUTDOWN on Action.Shutdown (the slot's old
	// tasks whose desired state was <= RUNNING in the snapshot).
	ShutdownTasks
	// RollbackService (Updater.rollbackUpdate): the failure action rollback
	// fired in a normal update; Action.TaskID is the failed task. In one
	// transaction: Spec = PreviousSpec, PreviousSpec = nil, UpdateStatus =
	// Action.Status (ROLLBACK_STARTED, RolledBackMessage(TaskID), StartedAt
	// kept). The caller then drops this updater and starts a rollback
	// updater. If there is no previous spec, SwarmKit writes nothing (the
	// status stays UPDATING) and this updater only lets its in-flight
	// workers finish, as after a pause.
	RollbackService
)

// String names the kind.
func (k ActionKind) String() string {
	switch k {
	case SetStatus:
		return "SetStatus"
	case CreateTask:
		return "CreateTask"
	case ReuseTask:
		return "ReuseTask"
	case ShutdownTasks:
		return "ShutdownTasks"
	case RollbackService:
		return "RollbackService"
	}
	return "ActionKind(?)"
}

// Action is one thing the orchestrator must do for the updater. Only the
// fields named in its Kind's description are set. Status, a pointer, is set
// on SetStatus and RollbackService only: an update emits one CreateTask a
// slot, and each is 80 bytes rather than 144.
type Action struct {
	Kind       ActionKind
	Slot       uint64
	TaskID     string
	Shutdown   []string
	StartAfter string
	Status     *Status
}

// phase is where the updater's dispatcher (SwarmKit's Run) is.
type phase uint8

const (
	// dispatching is SwarmKit's slotsLoop: hand each dirty slot to the
	// first free worker; failure events are judged as they arrive.
	dispatching phase = iota
	// draining is SwarmKit's wg.Wait(): the slot queue is closed, the
	// dispatcher waits for every worker to finish its slot and delay, and
	// reads no failure events (they stay buffered).
	draining
	// monitoring is the final monitor loop: failures are still judged until
	// the window ends, then the update completes.
	monitoring
	// finished: Run has returned.
	finished
)

// step is where one worker is with one slot.
type step uint8

const (
	queued   step = iota // not yet handed to a worker
	creating             // CreateTask emitted, waiting for TaskCreated
	starting             // waiting for the delayed start and for RUNNING
	sleeping             // the post-slot delay
	released             // the worker has left this slot
)

// job is one dirty slot and what the updater did with it. A slot gets at
// most one task created by this updater run, so the job also holds that
// task's entry of SwarmKit's updatedTasks map.
type job struct {
	taskID string // the created (or reused) task the worker waits on
	// startedAt is when the worker saw the task at or past RUNNING
	// (SwarmKit's updatedTasks[id]), as an offset from the run's start;
	// hasStarted is false until then.
	startedAt time.Duration
	wakeAt    time.Duration // end of the post-slot delay, from the run's start
	// reached is the observed state of the first report of taskID at or
	// past RUNNING (0 until then).
	reached    task.State
	step       step
	hasStarted bool
	tracked    bool // reports of taskID concern this job (SwarmKit's updatedTasks holds it)
	created    bool // taskID was created by this run: its failures count
	fired      bool // the delayed start fired (desired >= RUNNING)
	failed     bool // counted as a failure (SwarmKit's failedTasks)
}

// Updater is one run of SwarmKit's rolling-update state machine for one
// service (SwarmKit's Updater.Run and its workers), driven by method calls:
// Start, then TaskCreated, TaskUpdated and Wake as things happen, each
// returning the actions the caller applies. It never reads a clock and
// does nothing on its own.
//
// There is one Updater per service. A new reconcile with a different spec
// replaces it (the caller simply drops the old one: SwarmKit's Cancel); a
// paused update stays paused until the caller resets UpdateStatus to nil
// and starts a new run.
type Updater struct {
	cfg      Config        // effective config (monitor resolved, parallelism resolved)
	period   time.Duration // monitoringPeriod; enlarged when the final window starts
	rollback bool          // the snapshot's state is ROLLBACK_STARTED
	watch    bool          // failure events are watched (action != Continue)
	status   Status        // the stored UpdateStatus, as last written
	phase    phase
	stopped  bool

	dirty []Slot
	jobs  []job // parallel to dirty
	next  int   // next slot to hand out
	idle  int   // workers waiting on the slot queue
	busy  int   // workers holding a slot (including its post-slot delay)

	failures int

	// The job of each dirty slot, by slot ID: dense[id] = job+1 when the
	// IDs are small (slot numbers, node keys), else sparse.
	dense    []int32
	sparse   map[uint64]int32
	sleepers []int32   // jobs in their post-slot delay, in wake order
	head     int       // first live entry of sleepers
	buffered []int32   // failure events read during draining, in arrival order
	deadline time.Time // end of the final monitoring window
	base     time.Time // Start's now: jobs keep their times as offsets from it

	// out is the actions of the current call: a window at the end of
	// actions, a chunk that later calls go on filling (see flush); ids is
	// a chunk of the same kind for the Shutdown lists (see removable).
	out     []Action
	actions []Action
	ids     []string
}

// chunk is how many actions (or Shutdown IDs) the updater allocates at a
// time: a run's calls carve their results out of shared chunks instead of
// allocating per call.
const chunk = 32

// Start begins an update run at p.Now (SwarmKit's Updater.Run, up to its
// dispatch loop) and returns the first actions.
//
//   - A paused status (PAUSED or ROLLBACK_PAUSED) means nothing happens:
//     the run is Done at once.
//   - With no dirty slot, an UPDATING or ROLLBACK_STARTED status is
//     completed at once, with no monitoring window; any other status, nil
//     included, is left alone.
//   - Otherwise a nil status becomes UPDATING "update in progress", and
//     Parallelism workers start taking dirty slots in the order given.
func Start(p Params) (*Updater, []Action) {
	u := &Updater{status: p.Status, base: p.Now}
	now := p.Now
	if p.Status.State == Paused || p.Status.State == RollbackPaused {
		u.phase = finished
		return u, nil
	}
	n := 0
	for i := range p.Slots {
		if p.Slots[i].Dirty() {
			n++
		}
	}
	if n == 0 {
		if p.Status.State == Updating || p.Status.State == RollbackStarted {
			u.complete(now)
		}
		u.phase = finished
		return u, u.flush()
	}
	if n == len(p.Slots) {
		u.dirty = p.Slots // every slot is dirty, as in an update: kept, not copied
	} else {
		u.dirty = make([]Slot, 0, n)
		for i := range p.Slots {
			if p.Slots[i].Dirty() {
				u.dirty = append(u.dirty, p.Slots[i])
			}
		}
	}
	if p.Status.State == None {
		u.setStatus(Status{State: Updating, Message: MsgInProgress, StartedAt: now})
	}

	// Config selection (Run) looks at the snapshot, not at what was just
	// written.
	u.rollback = p.Status.State == RollbackStarted
	var c *Config
	if u.rollback {
		c = p.Rollback
	} else {
		c = p.Update
	}
	if c != nil {
		u.cfg = *c
	} else {
		u.cfg = DefaultConfig()
	}
	u.cfg.Monitor = u.cfg.MonitorPeriod()
	u.period = u.cfg.Monitor
	if u.cfg.Parallelism == 0 {
		u.cfg.Parallelism = uint64(n) // 0 means one worker per dirty slot
	}
	u.watch = u.cfg.FailureAction != Continue
	// Workers beyond the number of dirty slots would never get one.
	u.idle = n
	if u.cfg.Parallelism < uint64(n) {
		u.idle = int(u.cfg.Parallelism)
	}
	u.jobs = make([]job, n)
	u.indexSlots()
	u.pump(now)
	return u, u.flush()
}

// indexSlots builds the slot ID -> job index. Slot IDs are unique; should
// one repeat, its first dirty slot wins.
func (u *Updater) indexSlots() {
	var top uint64
	for _, s := range u.dirty {
		top = max(top, s.ID)
	}
	if top < uint64(4*len(u.dirty)+64) {
		u.dense = make([]int32, top+1)
		for i := len(u.dirty) - 1; i >= 0; i-- {
			u.dense[u.dirty[i].ID] = int32(i) + 1
		}
		return
	}
	u.sparse = make(map[uint64]int32, len(u.dirty))
	for i := len(u.dirty) - 1; i >= 0; i-- {
		u.sparse[u.dirty[i].ID] = int32(i)
	}
}

// job returns the index of the job of a dirty slot.
func (u *Updater) job(slot uint64) (int32, bool) {
	if u.dense != nil {
		if slot < uint64(len(u.dense)) && u.dense[slot] != 0 {
			return u.dense[slot] - 1, true
		}
		return 0, false
	}
	i, ok := u.sparse[slot]
	return i, ok
}

// abortable reports whether the caller may still abort the store batch of
// job i's action: a CreateTask not yet answered, or a ReuseTask whose kept
// task is not yet started.
func (j *job) abortable() bool {
	return j.step == creating || (j.step == starting && !j.created)
}

// TaskCreated tells the updater the ID of the task it asked for with
// CreateTask in slot, or "" if the batch was aborted. The worker then waits
// for that task to be started and to reach RUNNING; after an abort it goes
// on to its delay and next slot, as SwarmKit's worker does after logging
// "update failed".
func (u *Updater) TaskCreated(slot uint64, taskID string, now time.Time) []Action {
	if u.phase == finished {
		return nil
	}
	u.advance(now)
	i, ok := u.job(slot)
	if !ok || u.jobs[i].step != creating {
		return u.flush()
	}
	j := &u.jobs[i]
	if taskID == "" {
		u.finishSlot(int(i), now)
	} else {
		j.step = starting
		j.taskID = taskID
		j.tracked = true
		j.created = true // updatedTasks[id] = zero time: its failures count
	}
	u.pump(now)
	return u.flush()
}

// BatchAborted tells the updater that the caller aborted the store batch of
// the ReuseTask (or CreateTask) action it emitted for slot, because every
// old task it tried to shut down was already shut down. The worker goes on
// to its delay and next slot.
func (u *Updater) BatchAborted(slot uint64, now time.Time) []Action {
	if u.phase == finished {
		return nil
	}
	i, ok := u.job(slot)
	if !ok || !u.jobs[i].abortable() {
		return nil
	}
	if u.jobs[i].step == creating {
		return u.TaskCreated(slot, "", now)
	}
	u.advance(now)
	if j := &u.jobs[i]; j.abortable() {
		j.tracked = false
		u.finishSlot(int(i), now)
	}
	u.pump(now)
	return u.flush()
}

// TaskUpdated reports a change of desired or observed state of one of the
// service's tasks, in slot (its Slot.ID). The caller may report every task
// of the service: tasks the updater does not track cost one lookup by slot,
// and reporting only those of CreateTask and ReuseTask loses nothing. When
// the delayed start of
// a task the updater waits on fires, report the task even if its desired
// state did not change (it may have been RUNNING already).
//
// A worker treats any desired state >= RUNNING of the task it waits on as
// "the delayed start fired" (a task shut down meanwhile does not block it).
//
// Ties (Go's random select in Run's dispatch loop; FIDELITY.md) are broken
// failure-first: within one call
// the dispatcher's failure watch is served before the worker, so a failure
// is judged before the worker it frees takes its next slot; and a call at
// time now releases only the workers whose delay ended strictly before
// now, leaving one that ends exactly at now to Wake. A caller that delivers
// task events before its own wake at the same instant therefore always
// judges failures first.
func (u *Updater) TaskUpdated(slot uint64, taskID string, desired, observed task.State, now time.Time) []Action {
	if u.phase == finished {
		return nil
	}
	i, ok := u.job(slot)
	if !ok || !u.jobs[i].tracked || u.jobs[i].taskID != taskID {
		return nil
	}
	u.advance(now)
	j := &u.jobs[i]
	if j.created && u.watch && observed > task.Running {
		u.failureEvent(i, now)
	}
	if j.step == starting && j.taskID == taskID {
		if desired >= task.Running {
			j.fired = true
		}
		if j.created && j.reached == 0 && observed >= task.Running {
			j.reached = observed
		}
		if j.fired && (!j.created || j.reached != 0) {
			u.started(int(i), now)
		}
	}
	u.pump(now)
	return u.flush()
}

// Ignores reports whether a TaskUpdated call at now, for a task whose
// observed state alone changed (to observed), would return nothing and
// change nothing, so that the caller may skip it. A state before RUNNING
// tells no worker anything: a worker waits for RUNNING or for a desired
// state >= RUNNING, and the failure watch for a state past RUNNING. And
// unless a worker's delay ended before now, the call has nobody to release.
func (u *Updater) Ignores(observed task.State, now time.Time) bool {
	if u.phase == finished {
		return true
	}
	if observed >= task.Running {
		return false
	}
	return u.head == len(u.sleepers) || !u.base.Add(u.jobs[u.sleepers[u.head]].wakeAt).Before(now)
}

// NextWake returns the next virtual time at which the updater needs Wake:
// the end of the earliest post-slot delay, or the end of the final
// monitoring window.
func (u *Updater) NextWake() (time.Time, bool) {
	var t time.Time
	ok := false
	if u.head < len(u.sleepers) {
		t, ok = u.base.Add(u.jobs[u.sleepers[u.head]].wakeAt), true
	}
	if u.phase == monitoring && (!ok || u.deadline.Before(t)) {
		t, ok = u.deadline, true
	}
	return t, ok
}

// Wake lets the updater act on timers due at or before now: workers whose
// delay ended take their next slot; the final window ends and the update
// completes. A wake with nothing due does nothing.
func (u *Updater) Wake(now time.Time) []Action {
	if u.phase == finished {
		return nil
	}
	u.wakeSleepers(now, true)
	u.pump(now)
	if u.phase == monitoring && !now.Before(u.deadline) {
		u.endMonitoring(now)
	}
	return u.flush()
}

// Done reports that the run is over: completed, paused (or rolled back)
// with its in-flight workers finished, or with nothing to do.
func (u *Updater) Done() bool { return u.phase == finished }

// Rollback reports whether this run is a rollback: the service's status was
// ROLLBACK_STARTED at Start, so the run uses the rollback config.
func (u *Updater) Rollback() bool { return u.rollback }

// Config returns the effective config: the chosen one (or the defaults),
// with Monitor resolved (0 -> DefaultMonitor) and Parallelism resolved
// (0 -> the number of dirty slots).
func (u *Updater) Config() Config { return u.cfg }

// DirtySlots is the number of dirty slots at Start: the denominator of the
// failure ratio.
func (u *Updater) DirtySlots() int { return len(u.dirty) }

// InFlight is the number of workers holding a slot, counting a slot until
// the worker's post-slot delay is over. It never exceeds the parallelism.
func (u *Updater) InFlight() int { return u.busy }

// Failures is the number of failures counted so far.
func (u *Updater) Failures() int { return u.failures }

// Status returns the UpdateStatus as this updater last wrote it (or found
// it at Start).
func (u *Updater) Status() Status { return u.status }

// pump runs the dispatcher as far as it can go at now.
func (u *Updater) pump(now time.Time) {
	for {
		switch u.phase {
		case dispatching:
			if u.next < len(u.dirty) {
				if u.idle == 0 {
					return
				}
				i := u.next
				u.next++
				u.hand(i, now)
				continue
			}
			// Every slot is handed out: close(slotQueue); wg.Wait().
			u.phase = draining
		case draining:
			if u.busy > 0 {
				return
			}
			if u.stopped {
				u.phase = finished
				return
			}
			u.startMonitoring(now)
			return
		default:
			return
		}
	}
}

// hand gives dirty slot i to a free worker, which starts on it at once
// (the loop body of SwarmKit's Updater.worker).
func (u *Updater) hand(i int, now time.Time) {
	u.idle--
	u.busy++
	s := u.dirty[i]
	j := &u.jobs[i]

	// Is there a clean task? One desired RUNNING wins; otherwise the last
	// clean one desired below RUNNING.
	keep := -1
	for k, t := range s.Tasks {
		if t.Dirty {
			continue
		}
		if t.Desired == task.Running {
			keep = k
			break
		}
		if t.Desired < task.Running {
			keep = k
		}
	}
	if keep >= 0 {
		u.reuse(i, keep, now)
		return
	}

	// updateTask: a new task, desired READY.
	a := Action{Kind: CreateTask, Slot: s.ID}
	if u.cfg.Order != StartFirst {
		a.Shutdown = u.removable(s.Tasks, -1)
		if n := len(a.Shutdown); n > 0 {
			a.StartAfter = a.Shutdown[n-1]
		}
	}
	j.step = creating
	u.emit(a)
}

// reuse is SwarmKit's useExistingTask: keep the clean task, shut the others
// down, and if the kept task is not yet desired RUNNING, start it after one
// of them stopped. The kept task's failures never count.
func (u *Updater) reuse(i, keep int, now time.Time) {
	s := u.dirty[i]
	kept := s.Tasks[keep]
	a := Action{Kind: ReuseTask, Slot: s.ID, TaskID: kept.ID, Shutdown: u.removable(s.Tasks, keep)}
	if kept.Desired != task.Running {
		if n := len(a.Shutdown); n > 0 {
			a.StartAfter = a.Shutdown[n-1]
		}
		j := &u.jobs[i]
		j.step = starting
		j.taskID = kept.ID
		j.tracked = true
		u.emit(a)
		return
	}
	u.emit(a)
	u.finishSlot(i, now)
}

// removable lists the tasks SwarmKit's removeOldTasks would shut down: every
// task of the slot but skip whose desired state is <= RUNNING (nil if none).
// The list is carved out of u.ids, a chunk shared by the lists of the run,
// with its capacity capped at its length: it stays valid for good, and an
// append to it copies.
func (u *Updater) removable(ts []Task, skip int) []string {
	n := 0
	for k, t := range ts {
		if k != skip && t.Desired <= task.Running {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	if cap(u.ids)-len(u.ids) < n {
		u.ids = make([]string, 0, max(chunk, n))
	}
	start := len(u.ids)
	for k, t := range ts {
		if k != skip && t.Desired <= task.Running {
			u.ids = append(u.ids, t.ID)
		}
	}
	return u.ids[start:len(u.ids):len(u.ids)]
}

// started: the worker of job i has seen what it waited for. For a created
// task that is its delayed start and an observed state >= RUNNING: record
// startedAt (the monitoring window opens now) and, start-first, shut the
// old tasks down if the new one is exactly RUNNING (PR #2308).
func (u *Updater) started(i int, now time.Time) {
	j := &u.jobs[i]
	if !j.created {
		j.tracked = false
		u.finishSlot(i, now)
		return
	}
	j.startedAt, j.hasStarted = now.Sub(u.base), true
	if u.cfg.Order == StartFirst && j.reached == task.Running {
		s := u.dirty[i]
		if ids := u.removable(s.Tasks, -1); len(ids) > 0 {
			u.emit(Action{Kind: ShutdownTasks, Slot: s.ID, Shutdown: ids})
		}
	}
	if !u.watch {
		// Without a failure watch nothing will ever look the task up.
		j.tracked = false
	}
	u.finishSlot(i, now)
}

// finishSlot: the worker of job i is done with the slot; it sleeps Delay
// (after every slot, the last one included) or is free at once.
func (u *Updater) finishSlot(i int, now time.Time) {
	j := &u.jobs[i]
	if u.cfg.Delay > 0 {
		j.step = sleeping
		j.wakeAt = now.Sub(u.base) + u.cfg.Delay
		u.sleepers = append(u.sleepers, int32(i))
		return
	}
	j.step = released
	u.busy--
	u.idle++
}

// advance wakes the workers whose delay ended strictly before now, so that
// an event at now finds them free; a worker whose delay ends exactly at now
// is woken by Wake, after the event (failure first).
func (u *Updater) advance(now time.Time) {
	if u.head < len(u.sleepers) {
		u.wakeSleepers(now, false)
		u.pump(now)
	}
}

func (u *Updater) wakeSleepers(now time.Time, inclusive bool) {
	for u.head < len(u.sleepers) {
		j := &u.jobs[u.sleepers[u.head]]
		if at := now.Sub(u.base); j.wakeAt > at || (!inclusive && j.wakeAt == at) {
			break
		}
		u.head++
		j.step = released
		u.busy--
		u.idle++
	}
	// The delay is the same for every worker and time only moves forward,
	// so sleepers wake in the order they fell asleep: a FIFO suffices.
	if u.head == len(u.sleepers) {
		u.sleepers = u.sleepers[:0]
		u.head = 0
	} else if u.head > 64 && u.head*2 > len(u.sleepers) {
		n := copy(u.sleepers, u.sleepers[u.head:])
		u.sleepers = u.sleepers[:n]
		u.head = 0
	}
}

// failureEvent: a task created by this run was reported past RUNNING. The
// dispatcher judges it now while it is handing out slots or in the final
// window; during wg.Wait() it does not read events, so the event waits in
// the buffer until the final window starts (Run's wg.Wait(); the
// evaluation-time quirk of docs/swarm-behaviour.md).
// After a stop the events are never read.
func (u *Updater) failureEvent(i int32, now time.Time) {
	switch u.phase {
	case dispatching:
		if u.judge(i, now) {
			u.phase = draining // break slotsLoop
		}
	case draining:
		if !u.stopped {
			u.buffered = append(u.buffered, i)
		}
	case monitoring:
		if u.judge(i, now) {
			u.endMonitoring(now) // break monitorLoop
		}
	}
}

// judge is SwarmKit's failureTriggersAction closure in Updater.Run. It reports
// whether the failure action fired.
func (u *Updater) judge(i int32, now time.Time) bool {
	j := &u.jobs[i]
	if j.failed || !j.created {
		return false
	}
	if j.hasStarted && now.Sub(u.base)-j.startedAt > u.period {
		return false // failed after its monitoring window
	}
	j.failed = true
	u.failures++
	if !(float32(u.failures)/float32(len(u.dirty)) > u.cfg.MaxFailureRatio) {
		return false
	}
	switch u.cfg.FailureAction {
	case Pause:
		u.stopped = true
		u.pause(PausedMessage(j.taskID))
		return true
	case Rollback:
		if u.rollback {
			// Never roll back a rollback. SwarmKit does not set stopped
			// here: the run goes on to the final window and then writes
			// "update completed" (docs/swarm-behaviour.md, known surprises).
			u.pause(RollbackPausedMessage(j.taskID))
			return true
		}
		u.stopped = true
		if u.status.State != None {
			st := u.status
			st.State = RollbackStarted
			st.Message = RolledBackMessage(j.taskID)
			u.status = st
			u.emit(Action{Kind: RollbackService, TaskID: j.taskID, Status: &st})
		}
		return true
	}
	return false
}

// startMonitoring: every worker is done and the run was not stopped. Open
// the final window (delay+1s when delay >= monitor, which also lengthens
// the period used to judge failures) and judge the buffered events against
// the clock now.
func (u *Updater) startMonitoring(now time.Time) {
	if u.cfg.Delay >= u.period {
		u.period = u.cfg.Delay + time.Second
	}
	u.deadline = now.Add(u.period)
	u.phase = monitoring
	for _, i := range u.buffered {
		if u.judge(i, now) {
			u.buffered = nil
			u.endMonitoring(now)
			return
		}
	}
	u.buffered = nil
	if !now.Before(u.deadline) {
		u.endMonitoring(now)
	}
}

// endMonitoring leaves the final window: complete unless stopped.
func (u *Updater) endMonitoring(now time.Time) {
	if !u.stopped {
		u.complete(now)
	}
	u.phase = finished
}

// pause is SwarmKit's pauseUpdate: it reads the stored state.
func (u *Updater) pause(msg string) {
	if u.status.State == None {
		return
	}
	st := u.status
	if st.State == RollbackStarted {
		st.State = RollbackPaused
	} else {
		st.State = Paused
	}
	st.Message = msg
	u.setStatus(st)
}

// complete is SwarmKit's completeUpdate: only a stored ROLLBACK_STARTED
// becomes ROLLBACK_COMPLETED; any other state becomes COMPLETED.
func (u *Updater) complete(now time.Time) {
	if u.status.State == None {
		return
	}
	st := u.status
	if st.State == RollbackStarted {
		st.State, st.Message = RollbackCompleted, MsgRollbackCompleted
	} else {
		st.State, st.Message = Completed, MsgCompleted
	}
	st.CompletedAt = now
	u.setStatus(st)
}

func (u *Updater) setStatus(st Status) {
	u.status = st
	u.emit(Action{Kind: SetStatus, Status: &st})
}

// emit adds an action to the current call's result. The actions of a call
// are contiguous in u.actions, a chunk that successive calls fill: when the
// chunk is full, the call's actions so far move to a new one (the old chunk
// stays with the slices already returned from it).
func (u *Updater) emit(a Action) {
	if len(u.actions) == cap(u.actions) {
		n := len(u.out)
		fresh := make([]Action, n, max(chunk, 2*n))
		copy(fresh, u.out)
		u.actions = fresh
	}
	u.actions = append(u.actions, a)
	u.out = u.actions[len(u.actions)-len(u.out)-1:]
}

// flush returns the current call's actions (nil if none) and starts the
// next call's. The result's capacity is capped at its length, so the slice
// stays valid for good and an append to it copies.
func (u *Updater) flush() []Action {
	out := u.out
	u.out = nil
	if len(out) == 0 {
		return nil
	}
	return out[:len(out):len(out)]
}
