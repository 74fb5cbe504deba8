package swarmsim

import (
	"reflect"

	"github.com/swarmsim/swarmsim/spec"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// isDirty is SwarmKit's orchestrator.IsTaskDirty (manager/orchestrator/
// task.go): a task is clean when it was made from the service's spec version,
// or from one with the same task template and endpoint (tmpl, found once per
// spec change, or the diff cached per pair of versions); a change of
// placement alone leaves a task clean if its node still satisfies the new
// constraints; a change of the registry credential alone leaves a task clean
// once it has pulled its image (observed READY to RUNNING, desired at most
// RUNNING).
func (c *Cluster) isDirty(s *serviceState, ts *taskState) bool {
	if ts.spec == s.spec || ts.spec.tmpl == s.spec.tmpl {
		return false
	}
	switch s.specDiff(ts.spec) {
	case spec.Same:
		return false
	case spec.PlacementOnly:
		if ts.node != nil {
			return !c.constraintsMatch(s.spec, ts.node)
		}
	case spec.PullOnly:
		st := ts.t.State()
		return !(ts.t.DesiredState <= task.Running && st >= task.Ready && st <= task.Running)
	}
	return true
}

// specDiff compares a spec version with the service's current spec, once per
// pair: every task of a version shares the answer.
func (s *serviceState) specDiff(sv *specVersion) spec.Diff {
	if s.diffFor != s.spec {
		s.diffFor = s.spec
		clear(s.diffCache)
	}
	if d, ok := s.diffCache[sv]; ok {
		return d
	}
	d := spec.TemplateDiff(&sv.spec, &s.spec.spec)
	if s.diffCache == nil {
		s.diffCache = make(map[*specVersion]spec.Diff)
	}
	s.diffCache[sv] = d
	return d
}

// runUpdater hands the service's runnable slots to its updater
// (SwarmKit's update.Supervisor.Update): an updater already working towards
// the same spec is left alone; any other is cancelled and a new one started
// over a fresh snapshot.
func (c *Cluster) runUpdater(s *serviceState, live []liveSlot) {
	if s.upd != nil && !s.upd.Done() && (s.updSpec == s.spec || reflect.DeepEqual(s.updSpec.spec, s.spec.spec)) {
		return
	}
	slots := make([]updater.Slot, len(live))
	n := 0
	for _, l := range live {
		n += len(l.tasks)
	}
	all := make([]updater.Task, n) // one allocation for every slot's tasks
	for i, l := range live {
		us := updater.Slot{ID: l.sl.key, Tasks: all[:len(l.tasks):len(l.tasks)]}
		all = all[len(l.tasks):]
		for j, ts := range l.tasks {
			us.Tasks[j] = updater.Task{ID: ts.t.ID, Dirty: c.isDirty(s, ts), Desired: ts.t.DesiredState, Observed: ts.t.State()}
		}
		slots[i] = us
	}
	u, acts := updater.Start(updater.Params{
		Update:   s.spec.spec.Update,
		Rollback: s.spec.spec.Rollback,
		Status:   s.status,
		Slots:    slots,
		Now:      c.Now(),
	})
	s.upd = u
	s.updSpec = s.spec
	s.updGen++
	c.applyUpdater(s, acts)
}

// applyUpdater carries out an updater's actions.
func (c *Cluster) applyUpdater(s *serviceState, acts []updater.Action) {
	u := s.upd
	for _, a := range acts {
		if s.upd != u || s.removed {
			return // cancelled by something an earlier action caused
		}
		switch a.Kind {
		case updater.SetStatus:
			c.writeUpdaterStatus(s, a.Status)
		case updater.CreateTask:
			c.applyCreate(s, a)
		case updater.ReuseTask:
			keep := s.slotTask(a.Slot, a.TaskID)
			if keep != nil {
				keep.tracked = s.updGen
			}
			first := c.shutdownTasks(s, a.Slot, a.Shutdown)
			if keep != nil && !keep.deleted && keep.t.DesiredState < task.Running {
				var old *taskState
				if a.StartAfter != "" {
					old = s.slotTask(a.Slot, a.StartAfter)
				} else {
					old = first
				}
				c.delayStart(keep, old, 0, true, false)
			}
		case updater.ShutdownTasks:
			c.shutdownTasks(s, a.Slot, a.Shutdown)
		case updater.RollbackService:
			c.autoRollback(s, a)
			return
		}
	}
	c.scheduleWake(s)
}

func (c *Cluster) scheduleWake(s *serviceState) {
	if s.upd == nil {
		return
	}
	if w, ok := s.upd.NextWake(); ok {
		at := max(int64(w.Sub(c.epoch)), c.now)
		if s.wakeQueued && s.wakeGen == s.updGen && s.wakeAt <= at {
			return // a wake at or before that time is already queued
		}
		s.wakeAt, s.wakeGen, s.wakeQueued = at, s.updGen, true
		c.push(at, evUpdater, s.idx, s.updGen)
	}
}

// applyCreate is the root's half of updater.CreateTask (SwarmKit's
// updateTask): in one batch, shut down the old tasks and create the new one,
// unless none of the old tasks could still be shut down.
func (c *Cluster) applyCreate(s *serviceState, a updater.Action) {
	sl := s.slots.getOrAdd(a.Slot)
	var first *taskState // the first old task shut down, if any
	if len(a.Shutdown) > 0 {
		first = c.shutdownTasks(s, a.Slot, a.Shutdown)
		if first == nil {
			// "task <id> was already shut down when reached by updater":
			// the whole batch is aborted.
			c.noteCreated(s, a.Slot, "")
			return
		}
	}
	var ns *nodeState
	if s.spec.spec.Mode == Global {
		ns = c.nodes[a.Slot-1]
		if ns == nil {
			c.noteCreated(s, a.Slot, "")
			return
		}
	}
	ts := c.newTask(s, sl, ns, task.Ready)
	if a.StartAfter == "" && first == nil {
		c.delayStart(ts, nil, 0, false, true)
	} else {
		old := s.slotTask(a.Slot, a.StartAfter)
		if old == nil {
			old = first
		}
		c.delayStart(ts, old, 0, true, true)
	}
	ts.tracked = s.updGen
	c.noteCreated(s, a.Slot, ts.t.ID)
	c.checkGate(ts)
}

// noteCreated queues the answer to a CreateTask action (the new task's ID,
// or "" when the batch was aborted) behind the task changes the action
// caused, like every other message to an updater: applying an action never
// calls back into the updater.
func (c *Cluster) noteCreated(s *serviceState, slot uint64, id string) {
	c.notes = append(c.notes, updNote{svc: s, gen: s.updGen, created: true, slot: slot, id: id})
}

// shutdownTasks sets desired SHUTDOWN on those of ids, tasks of slot key,
// that are still meant to run. It returns the first of them (nil if none).
func (c *Cluster) shutdownTasks(s *serviceState, key uint64, ids []string) (first *taskState) {
	for _, id := range ids {
		ts := s.slotTask(key, id)
		if ts == nil || ts.t.DesiredState > task.Running {
			continue
		}
		c.setDesired(ts, task.Shutdown)
		if first == nil {
			first = ts
		}
	}
	return first
}

// autoRollback is SwarmKit's Updater.rollbackUpdate (manager/orchestrator/
// update/updater.go): the previous spec comes
// back, PreviousSpec is cleared and the status says why; the reconcile that
// follows starts the rollback.
func (c *Cluster) autoRollback(s *serviceState, a updater.Action) {
	if s.status.State == updater.None {
		// "The service was updated since we started this update": nothing
		// is written, and this updater has nothing left to do.
		s.upd = nil
		return
	}
	if s.prev == nil {
		// "cannot roll back service because no previous spec is available":
		// only logged; the status stays as it is and the updater is over.
		s.upd = nil
		return
	}
	c.swapSpec(s, s.prev, nil)
	st := a.Status
	if st.State == updater.None {
		st = updater.Status{State: updater.RollbackStarted, Message: updater.RolledBackMessage(a.TaskID), StartedAt: s.status.StartedAt}
	}
	c.setUpdateStatus(s, st)
	s.upd = nil
	c.rollingBack = append(c.rollingBack, s)
}

// writeUpdaterStatus stores a status the updater emitted, by SwarmKit's
// rules for its status writes (updater.Write).
func (c *Cluster) writeUpdaterStatus(s *serviceState, st updater.Status) {
	if next, ok := updater.Write(s.status, st, c.Now()); ok {
		c.setUpdateStatus(s, next)
	}
}

func (c *Cluster) setUpdateStatus(s *serviceState, st updater.Status) {
	old := s.status.State
	s.status = st
	s.version++
	c.record(record{kind: EventUpdateStatus, svc: s, from: uint16(old), to: uint16(st.State), msg: st.Message})
}

// drainNotes hands task changes and created tasks to the updaters of their
// services, in the order they happened. The actions an answer brings may
// queue more notes; they are handed over in the same pass.
func (c *Cluster) drainNotes() {
	if len(c.notes) == 0 {
		return
	}
	now := c.Now()
	for i := 0; i < len(c.notes); i++ {
		n := c.notes[i]
		s := n.svc
		if n.created {
			if s.upd != nil && !s.removed && n.gen == s.updGen {
				c.applyUpdater(s, s.upd.TaskCreated(n.slot, n.id, now))
			}
			continue
		}
		// The updater ignores tasks it does not track: TaskUpdated returns
		// nothing for them and changes nothing, so they are not handed over.
		if s.upd == nil || s.removed || n.ts.tracked != s.updGen {
			continue
		}
		c.applyUpdater(s, s.upd.TaskUpdated(n.ts.slot.key, n.ts.t.ID, n.desired, n.observed, now))
	}
	clear(c.notes) // drop the task pointers
	c.notes = c.notes[:0]
}

// UpdateProgress is what a service's running updater knows, for invariant
// checks and teaching tools.
type UpdateProgress struct {
	// Rollback is true when the run rolls back (rollback config, rollback
	// states).
	Rollback bool
	// Config is the effective update or rollback config.
	Config updater.Config
	// DirtySlots is the number of slots to replace, counted at the start.
	DirtySlots int
	// InFlight is the number of slots workers hold now (at most the
	// parallelism).
	InFlight int
	// Failures counted so far.
	Failures int
	// Done is true once the run is over.
	Done bool
}

// UpdateProgress returns the state of a service's updater; ok is false when
// no updater has run since the service's spec last changed.
func (c *Cluster) UpdateProgress(ref string) (p UpdateProgress, ok bool, err error) {
	c.lazyInit()
	s, err := c.lookupService(ref)
	if err != nil || s.upd == nil {
		return UpdateProgress{}, false, err
	}
	u := s.upd
	return UpdateProgress{Rollback: u.Rollback(), Config: u.Config(), DirtySlots: u.DirtySlots(),
		InFlight: u.InFlight(), Failures: u.Failures(), Done: u.Done()}, true, nil
}
