package swarmsim

import (
	"reflect"

	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// isDirty is SwarmKit's orchestrator.IsTaskDirty (reference swarm-updates.md
// §3.1): a task is clean when it was made from the service's spec version, or
// from a spec whose task template and endpoint are the same; a change of
// placement alone leaves a task clean if its node still satisfies the new
// constraints.
func (c *Cluster) isDirty(s *serviceState, ts *taskState) bool {
	if ts.spec == s.spec {
		return false
	}
	switch s.specDiff(ts.spec) {
	case specSame:
		return false
	case specPlacementOnly:
		if ts.node != nil {
			return !c.constraintsMatch(s.spec, ts.node)
		}
	}
	return true
}

// How a task's spec version compares with the service's current one.
const (
	specSame uint8 = iota + 1
	specPlacementOnly
	specDifferent
)

// specDiff compares a spec version with the service's current spec, once per
// pair: every task of a version shares the answer.
func (s *serviceState) specDiff(sv *specVersion) uint8 {
	if s.diffFor != s.spec {
		s.diffFor = s.spec
		clear(s.diffCache)
	}
	if d, ok := s.diffCache[sv]; ok {
		return d
	}
	a, b := &sv.spec, &s.spec.spec
	d := specDifferent
	if a.Endpoint.Equal(b.Endpoint) {
		switch eq, placementOnly := taskSpecDiff(&a.TaskTemplate, &b.TaskTemplate); {
		case eq:
			d = specSame
		case placementOnly:
			d = specPlacementOnly
		}
	}
	if s.diffCache == nil {
		s.diffCache = make(map[*specVersion]uint8)
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
			c.applyUpdater(s, s.upd.TaskCreated(a.Slot, "", c.Now()))
			return
		}
	}
	var ns *nodeState
	if s.spec.spec.Mode == Global {
		ns = c.nodes[a.Slot-1]
		if ns == nil {
			c.applyUpdater(s, s.upd.TaskCreated(a.Slot, "", c.Now()))
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
	c.applyUpdater(s, s.upd.TaskCreated(a.Slot, ts.t.ID, c.Now()))
	c.checkGate(ts)
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

// autoRollback is SwarmKit's rollbackUpdate (§3.8): the previous spec comes
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
	c.markDirty(s)
}

// writeUpdaterStatus is the store side of the updater's status writes
// (SwarmKit's startUpdate, pauseUpdate and completeUpdate): the stored status
// decides. A start is written only over no status; a pause or a completion
// only over some status (a service updated since the updater began has
// none, and nothing is written), and its state follows the stored one: a
// pause of a rollback is rollback_paused, a completion of a rollback is
// rollback_completed, anything else paused or completed.
func (c *Cluster) writeUpdaterStatus(s *serviceState, st updater.Status) {
	stored := s.status
	switch st.State {
	case updater.Updating:
		if stored.State != updater.None {
			return
		}
	case updater.Paused, updater.RollbackPaused:
		if stored.State == updater.None {
			return
		}
		next := stored
		next.State = updater.Paused
		if stored.State == updater.RollbackStarted {
			next.State = updater.RollbackPaused
		}
		next.Message = st.Message
		st = next
	case updater.Completed, updater.RollbackCompleted:
		if stored.State == updater.None {
			return
		}
		next := stored
		next.State, next.Message = updater.Completed, updater.MsgCompleted
		if stored.State == updater.RollbackStarted {
			next.State, next.Message = updater.RollbackCompleted, updater.MsgRollbackCompleted
		}
		next.CompletedAt = c.Now()
		st = next
	}
	c.setUpdateStatus(s, st)
}

func (c *Cluster) setUpdateStatus(s *serviceState, st updater.Status) {
	old := s.status.State
	s.status = st
	s.version++
	c.record(record{kind: EventUpdateStatus, svc: s, from: uint16(old), to: uint16(st.State), msg: st.Message})
}

// drainNotes hands task changes to the updaters of their services.
func (c *Cluster) drainNotes() {
	if c.notifying {
		return
	}
	c.notifying = true
	now := c.Now()
	for i := 0; i < len(c.notes); i++ {
		n := c.notes[i]
		s := n.ts.svc
		// The updater ignores tasks it does not track: TaskUpdated returns
		// nothing for them and changes nothing, so they are not handed over.
		if s.upd == nil || s.removed || n.ts.tracked != s.updGen {
			continue
		}
		c.applyUpdater(s, s.upd.TaskUpdated(n.ts.slot.key, n.ts.t.ID, n.desired, n.observed, now))
	}
	clear(c.notes) // no stale reference keeps a freed task alive
	c.notes = c.notes[:0]
	c.notifying = false
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
