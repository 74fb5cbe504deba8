package swarmsim

import (
	"reflect"

	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// runUpdater hands the service's runnable slots to its updater
// (SwarmKit's update.Supervisor.Update): an updater already working towards
// the same spec is left alone; any other is cancelled and a new one started
// over a fresh snapshot.
func (c *Cluster) runUpdater(s *store.Service, live []liveSlot) {
	if s.Upd != nil && !s.Upd.Done() && (s.UpdSpec == s.Spec || reflect.DeepEqual(s.UpdSpec.Spec, s.Spec.Spec)) {
		return
	}
	slots := make([]updater.Slot, len(live))
	n := 0
	for _, l := range live {
		n += len(l.tasks)
	}
	all := make([]updater.Task, n) // one allocation for every slot's tasks
	for i, l := range live {
		us := updater.Slot{ID: l.sl.Key, Tasks: all[:len(l.tasks):len(l.tasks)]}
		all = all[len(l.tasks):]
		for j, ts := range l.tasks {
			us.Tasks[j] = updater.Task{ID: ts.T.ID, Dirty: s.IsDirty(ts), Desired: ts.T.DesiredState, Observed: ts.T.State()}
		}
		slots[i] = us
	}
	u, acts := updater.Start(updater.Params{
		Update:   s.Spec.Spec.Update,
		Rollback: s.Spec.Spec.Rollback,
		Status:   s.Status,
		Slots:    slots,
		Now:      c.Now(),
	})
	s.Upd = u
	s.UpdSpec = s.Spec
	s.UpdGen++
	c.applyUpdater(s, acts)
}

// applyUpdater carries out an updater's actions.
func (c *Cluster) applyUpdater(s *store.Service, acts []updater.Action) {
	u := s.Upd
	for _, a := range acts {
		if s.Upd != u || s.Removed {
			return // cancelled by something an earlier action caused
		}
		switch a.Kind {
		case updater.SetStatus:
			c.writeUpdaterStatus(s, *a.Status)
		case updater.CreateTask:
			c.applyCreate(s, a)
		case updater.ReuseTask:
			keep := s.SlotTask(a.Slot, a.TaskID)
			if keep != nil {
				keep.Tracked = s.UpdGen
			}
			first := c.shutdownTasks(s, a.Slot, a.Shutdown)
			if keep != nil && !keep.Deleted && keep.T.DesiredState < task.Running {
				var old *store.Task
				if a.StartAfter != "" {
					old = s.SlotTask(a.Slot, a.StartAfter)
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

func (c *Cluster) scheduleWake(s *store.Service) {
	if s.Upd == nil {
		return
	}
	if w, ok := s.Upd.NextWake(); ok {
		at := max(int64(w.Sub(c.epoch)), c.now)
		if s.WakeQueued && s.WakeGen == s.UpdGen && s.WakeAt <= at {
			return // a wake at or before that time is already queued
		}
		s.WakeAt, s.WakeGen, s.WakeQueued = at, s.UpdGen, true
		c.push(at, evUpdater, s.Idx, s.UpdGen)
	}
}

// applyCreate is the root's half of updater.CreateTask (SwarmKit's
// updateTask): in one batch, shut down the old tasks and create the new one,
// unless none of the old tasks could still be shut down.
func (c *Cluster) applyCreate(s *store.Service, a updater.Action) {
	sl := s.Slots.GetOrAdd(a.Slot)
	var first *store.Task // the first old task shut down, if any
	if len(a.Shutdown) > 0 {
		first = c.shutdownTasks(s, a.Slot, a.Shutdown)
		if first == nil {
			// "task <id> was already shut down when reached by updater":
			// the whole batch is aborted.
			c.noteCreated(s, a.Slot, "")
			return
		}
	}
	var ns *store.Node
	if s.Spec.Spec.Mode == Global {
		ns = c.st.GlobalSlotNode(a.Slot)
		if ns == nil {
			c.noteCreated(s, a.Slot, "")
			return
		}
	}
	ts := c.newTask(s, sl, ns, task.Ready)
	if a.StartAfter == "" && first == nil {
		c.delayStart(ts, nil, 0, false, true)
	} else {
		old := s.SlotTask(a.Slot, a.StartAfter)
		if old == nil {
			old = first
		}
		c.delayStart(ts, old, 0, true, true)
	}
	ts.Tracked = s.UpdGen
	c.noteCreated(s, a.Slot, ts.T.ID)
	c.checkGate(ts)
}

// noteCreated queues the answer to a CreateTask action (the new task's ID,
// or "" when the batch was aborted) behind the task changes the action
// caused, like every other message to an updater: applying an action never
// calls back into the updater.
func (c *Cluster) noteCreated(s *store.Service, slot uint64, id string) {
	c.notes = append(c.notes, updNote{svc: s, gen: s.UpdGen, created: true, slot: slot, id: id})
}

// shutdownTasks sets desired SHUTDOWN on those of ids, tasks of slot key,
// that are still meant to run. It returns the first of them (nil if none).
func (c *Cluster) shutdownTasks(s *store.Service, key uint64, ids []string) (first *store.Task) {
	for _, id := range ids {
		ts := s.SlotTask(key, id)
		if ts == nil || ts.T.DesiredState > task.Running {
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
func (c *Cluster) autoRollback(s *store.Service, a updater.Action) {
	if s.Status.State == updater.None {
		// "The service was updated since we started this update": nothing
		// is written, and this updater has nothing left to do.
		s.Upd = nil
		return
	}
	if s.Prev == nil {
		// "cannot roll back service because no previous spec is available":
		// only logged; the status stays as it is and the updater is over.
		s.Upd = nil
		return
	}
	c.swapSpec(s, s.Prev, nil)
	var st updater.Status
	if a.Status != nil {
		st = *a.Status
	}
	if st.State == updater.None {
		st = updater.Status{State: updater.RollbackStarted, Message: updater.RolledBackMessage(a.TaskID), StartedAt: s.Status.StartedAt}
	}
	c.setUpdateStatus(s, st)
	s.Upd = nil
	c.rollingBack = append(c.rollingBack, s)
}

// writeUpdaterStatus stores a status the updater emitted, by SwarmKit's
// rules for its status writes (updater.Write).
func (c *Cluster) writeUpdaterStatus(s *store.Service, st updater.Status) {
	if next, ok := updater.Write(s.Status, st, c.Now()); ok {
		c.setUpdateStatus(s, next)
	}
}

func (c *Cluster) setUpdateStatus(s *store.Service, st updater.Status) {
	old := s.Status.State
	s.Status = st
	s.Version++
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
			if s.Upd != nil && !s.Removed && n.gen == s.UpdGen {
				c.applyUpdater(s, s.Upd.TaskCreated(n.slot, n.id, now))
			}
			continue
		}
		// The updater ignores tasks it does not track: TaskUpdated returns
		// nothing for them and changes nothing, so they are not handed over.
		if s.Upd == nil || s.Removed || n.ts.Tracked != s.UpdGen {
			continue
		}
		c.applyUpdater(s, s.Upd.TaskUpdated(n.ts.Slot.Key, n.ts.T.ID, n.desired, n.observed, now))
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
	s, err := c.st.LookupService(ref)
	if err != nil || s.Upd == nil {
		return UpdateProgress{}, false, err
	}
	u := s.Upd
	return UpdateProgress{Rollback: u.Rollback(), Config: u.Config(), DirtySlots: u.DirtySlots(),
		InFlight: u.InFlight(), Failures: u.Failures(), Done: u.Done()}, true, nil
}
