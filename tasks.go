package swarmsim

import (
	"time"

	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/orchestrator"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/task"
)

// ---- task creation and deletion ----

// newTask creates a task of s from its current spec in slot (replicated) or
// on node ns (global), with the given desired state, and hands it to the
// allocator, which moves it to PENDING at once.
func (c *Cluster) newTask(s *store.Service, slot *store.Slot, ns *store.Node, desired task.State) *store.Task {
	sv := s.Spec
	var slotNum uint64
	nodeID := ""
	if ns != nil {
		nodeID = ns.N.ID
	} else {
		slotNum = slot.Key
	}
	ts := c.st.NewTask()
	ts.T = task.Make(task.Task{
		ID: c.ids.Next(), ServiceID: s.ID, ServiceName: sv.Spec.Name, Slot: slotNum, NodeID: nodeID,
		SpecVersion: sv.Version, Image: sv.Spec.TaskTemplate.Image, DesiredState: desired, CreatedAt: c.Now(),
	}, &ts.Hist)
	ts.Svc, ts.Spec, ts.Slot, ts.Pre, ts.Born, ts.JobIter = s, sv, slot, ns, c.now, uint32(s.JobIter)
	slot.AddTask(ts)
	c.record(record{kind: EventTaskCreated, ts: ts, to: uint16(desired)})
	c.changed(ts, store.Facts{Deleted: true}) // it did not exist
	c.reap(slot)
	// The allocator allocates networks and ports and moves the task on.
	c.setObserved(ts, task.Pending, task.DefaultMessage(task.Pending), "")
	c.unassigned = append(c.unassigned, ts)
	return ts
}

// deleteTask removes a task from the store.
func (c *Cluster) deleteTask(ts *store.Task) {
	if ts.Deleted {
		return
	}
	was := ts.Facts()
	c.st.DeleteTask(ts)
	c.changed(ts, was)
	c.unwait(ts)
	c.releaseWaiters(ts)
	c.record(record{kind: EventTaskDeleted, ts: ts})
	if ts.T.DesiredState <= task.Complete && !ts.Svc.Removed {
		c.markDirty(ts.Svc)
	}
	c.st.Free(ts)
}

// reap is SwarmKit's task reaper for one slot (orchestrator.Reap): while
// the slot holds more tasks than the retention limit, delete the oldest ones
// that have ended or will never run.
func (c *Cluster) reap(sl *store.Slot) {
	limit := orchestrator.RetentionLimit(c.historyLimit, sl.Restart(), MaxTaskHistory)
	if len(sl.Tasks) <= limit {
		return
	}
	views := make([]orchestrator.ReapTask, len(sl.Tasks))
	for i, ts := range sl.Tasks {
		views[i] = orchestrator.ReapTask{Changed: int64(ts.T.Status().Timestamp.Sub(c.epoch)), Order: ts.Idx,
			Observed: ts.T.State(), Desired: ts.T.DesiredState}
	}
	victims := orchestrator.Reap(views, limit)
	doomed := make([]*store.Task, len(victims)) // deleting changes sl.tasks
	for i, v := range victims {
		doomed[i] = sl.Tasks[v]
	}
	for _, ts := range doomed {
		c.deleteTask(ts)
	}
}

// ---- state changes ----

// changed is the one path by which a change to a task reaches everything
// that mirrors it. Every change (creation, observed or desired state,
// deletion) is made to the task first, then reported here with the facts
// from before it: the scheduler's index, the service's counters, the
// routing mesh and the updater are told what changed, in that order, and
// the scheduler is asked to retry when a task stops holding resources.
func (c *Cluster) changed(ts *store.Task, was store.Facts) {
	now := ts.Facts()
	if (was.HoldsNode() || now.HoldsNode()) && was.SchedKey() != now.SchedKey() {
		c.sched.UpdateTask(c.schedInfo(ts, was), c.schedInfo(ts, now))
	}
	ts.Svc.Count(ts, was, now)
	if !now.Deleted && ((was.Observed <= task.Running && now.Observed > task.Running) ||
		(was.Desired <= task.Running && now.Desired > task.Running)) {
		c.retry = true
	}
	c.updateBackend(ts)
	if !now.Deleted {
		c.note(ts, was.Desired != now.Desired)
	}
}

// schedInfo is the scheduler's view of a task with the given facts.
func (c *Cluster) schedInfo(ts *store.Task, f store.Facts) scheduler.TaskInfo {
	if f.Deleted {
		return scheduler.TaskInfo{}
	}
	ti := scheduler.TaskInfo{
		ID:           ts.T.ID,
		ServiceID:    ts.Svc.ID,
		SpecVersion:  ts.Spec.Version,
		Desired:      f.Desired,
		Observed:     f.Observed,
		Reservations: ts.Spec.Spec.TaskTemplate.Resources.Reservations,
		HostPorts:    ts.Spec.HostPorts,
	}
	if ts.Node != nil {
		ti.NodeID, ti.Node = ts.Node.N.ID, ts.Node.Ref
	}
	return ti
}

// setObserved records a new observed status for a task and runs everything
// that reacts to it: the scheduler's view, the routing mesh, the restart
// supervisor, delayed starts waiting on the task, the updater and the reaper.
func (c *Cluster) setObserved(ts *store.Task, st task.State, msg, errText string) {
	was := ts.Facts()
	old := was.Observed
	if err := ts.T.AdvanceAfter(st, time.Duration(c.now-ts.Born), msg, errText); err != nil {
		return
	}
	if c.untraced() {
		c.seq++ // all that record would do, without building the record: the hot path
	} else {
		c.record(record{kind: EventTaskState, ts: ts, from: uint16(old), to: uint16(st), msg: msg, err: errText})
	}
	if old <= task.Running && (st == task.Failed || st == task.Rejected) && ts.Node != nil && ts.Pre == nil {
		// the scheduler avoids nodes where the service keeps failing;
		// global tasks are not counted
		c.sched.RecordFailure(ts.Node.N.ID, ts.Svc.ID, ts.Spec.Version, c.Now())
	}
	c.changed(ts, was)
	if st > task.Running {
		c.releaseWaiters(ts)
	}
	if ts.T.DesiredState <= task.Complete && st > task.Running && old <= task.Running {
		c.restart(ts)
	}
	if ts.T.DesiredState == task.Remove && (st >= task.Complete || st < task.Assigned) {
		c.deleteTask(ts)
	}
}

// note queues a task change for its service's updater, if one is running
// and the change can tell it anything: a change of the observed state alone
// that the updater ignores (updater.Updater.Ignores) is left out. Notes are
// handed over in this instant's settle while there is a leader; without
// one they wait, and time may make them matter, so all are kept.
func (c *Cluster) note(ts *store.Task, desiredChanged bool) {
	if u := ts.Svc.Upd; u != nil && !u.Done() {
		if !desiredChanged && !c.raft.Leaderless() && u.Ignores(ts.T.State(), c.at(c.now)) {
			return
		}
		c.notes = append(c.notes, updNote{svc: ts.Svc, ts: ts, desired: ts.T.DesiredState, observed: ts.T.State()})
	}
}

// setDesired changes a task's desired state. Only managers write it.
func (c *Cluster) setDesired(ts *store.Task, d task.State) {
	old := ts.T.DesiredState
	if old == d || ts.Deleted {
		return
	}
	was := ts.Facts()
	ts.T.DesiredState = d
	c.record(record{kind: EventTaskDesired, ts: ts, from: uint16(old), to: uint16(d)})
	c.changed(ts, was)
	if d == task.Remove && (ts.T.State() >= task.Complete || ts.T.State() < task.Assigned) {
		c.deleteTask(ts)
		return
	}
	c.agentKick(ts)
}

// updateBackend keeps the routing mesh's backend set in step with the task:
// a backend is a task whose container is RUNNING (healthy, when it has a
// health check: the agent reports RUNNING only then) and which is not being
// shut down. It leaves the set before its container stops.
//
// A node the managers do not hear cannot take its tasks out of the other
// nodes' tables: they stay until it is heard again or, if its machine is
// dead, until it is DOWN and gossip has spread the news (faults.go).
func (c *Cluster) updateBackend(ts *store.Task) {
	want := !ts.Deleted && ts.T.State() == task.Running && ts.T.DesiredState <= task.Complete && ts.Node != nil && !ts.Node.Gossiped
	if want == ts.Backend {
		return
	}
	if !want && !ts.Deleted && ts.Node != nil && !ts.Node.Beating && !ts.Node.Gossiped {
		return
	}
	ts.Backend = want
	if want {
		ts.MeshRef = c.mesh.AddBackendRef(ts.Svc.MeshRef, ts.Node.MeshRef, ts.T.ID)
	} else {
		c.mesh.RemoveBackendRef(ts.Svc.MeshRef, ts.MeshRef) // stale from now on
	}
}
