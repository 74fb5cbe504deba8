package swarmsim

import (
	"slices"
	"time"

	"github.com/swarmsim/swarmsim/orchestrator"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/task"
)

// ---- task creation and deletion ----

// newTask creates a task of s from its current spec in slot (replicated) or
// on node ns (global), with the given desired state, and hands it to the
// allocator, which moves it to PENDING at once.
func (c *Cluster) newTask(s *serviceState, slot *slotState, ns *nodeState, desired task.State) *taskState {
	sv := s.spec
	var slotNum uint64
	nodeID := ""
	if ns != nil {
		nodeID = ns.n.ID
	} else {
		slotNum = slot.key
	}
	ts := c.allocTask()
	ts.t = task.Make(task.Task{
		ID: c.ids.Next(), ServiceID: s.id, ServiceName: sv.spec.Name, Slot: slotNum, NodeID: nodeID,
		SpecVersion: sv.version, Image: sv.spec.TaskTemplate.Image, DesiredState: desired, CreatedAt: c.Now(),
	}, &ts.hist)
	ts.idx, ts.svc, ts.spec, ts.slot, ts.pre, ts.nodePos, ts.born = int32(len(c.tasks)), s, sv, slot, ns, -1, c.now
	ts.jobIter = uint32(s.jobIter)
	c.tasks = append(c.tasks, ts)
	slot.tasks = append(slot.tasks, ts)
	c.record(record{kind: EventTaskCreated, ts: ts, to: uint16(desired)})
	c.changed(ts, taskFacts{deleted: true}) // it did not exist
	c.reap(slot)
	// The allocator allocates networks and ports and moves the task on.
	c.setObserved(ts, task.Pending, task.DefaultMessage(task.Pending), "")
	c.unassigned = append(c.unassigned, ts)
	return ts
}

// taskSlab is how many task records allocTask allocates at a time.
const taskSlab = 256

// allocTask returns a zeroed task record. Records come from slabs: a task
// and its history are part of one allocation shared with its neighbours,
// freed once every task of it has been deleted.
func (c *Cluster) allocTask() *taskState {
	if len(c.slab) == 0 {
		c.slab = make([]taskState, taskSlab)
	}
	ts := &c.slab[0]
	c.slab = c.slab[1:]
	return ts
}

// deleteTask removes a task from the store.
func (c *Cluster) deleteTask(ts *taskState) {
	if ts.deleted {
		return
	}
	was := ts.facts()
	ts.deleted = true
	c.changed(ts, was)
	c.detachNode(ts)
	if sl := ts.slot; sl != nil {
		if i := slices.Index(sl.tasks, ts); i >= 0 {
			sl.tasks = slices.Delete(sl.tasks, i, i+1)
		}
		if len(sl.tasks) == 0 {
			ts.svc.slots.remove(sl)
		}
	}
	c.unwait(ts)
	c.releaseWaiters(ts)
	c.record(record{kind: EventTaskDeleted, ts: ts})
	if ts.t.DesiredState <= task.Complete && !ts.svc.removed {
		c.markDirty(ts.svc)
	}
	c.freeTask(ts)
}

// freeTask drops the store's references to a deleted task.
func (c *Cluster) freeTask(ts *taskState) {
	if c.tasks[ts.idx] != ts {
		return
	}
	c.tasks[ts.idx] = &c.dead
	if int(ts.idx) < c.indexed {
		delete(c.taskIdx, ts.t.ID)
	}
}

func (c *Cluster) attachNode(ts *taskState, ns *nodeState) {
	ts.node = ns
	ts.nodePos = int32(len(ns.tasks))
	ns.tasks = append(ns.tasks, ts)
}

func (c *Cluster) detachNode(ts *taskState) {
	ns := ts.node
	if ns == nil || ts.nodePos < 0 {
		return
	}
	last := len(ns.tasks) - 1
	moved := ns.tasks[last]
	ns.tasks[ts.nodePos] = moved
	moved.nodePos = ts.nodePos
	ns.tasks[last] = nil // no stale reference keeps a freed task alive
	ns.tasks = ns.tasks[:last]
	ts.nodePos = -1
}

// reap is SwarmKit's task reaper for one slot (orchestrator.Reap): while
// the slot holds more tasks than the retention limit, delete the oldest ones
// that have ended or will never run.
func (c *Cluster) reap(sl *slotState) {
	limit := orchestrator.RetentionLimit(c.historyLimit, sl.serviceRestart(), MaxTaskHistory)
	if len(sl.tasks) <= limit {
		return
	}
	views := make([]orchestrator.ReapTask, len(sl.tasks))
	for i, ts := range sl.tasks {
		views[i] = orchestrator.ReapTask{Changed: int64(ts.t.Status().Timestamp.Sub(c.epoch)), Order: ts.idx,
			Observed: ts.t.State(), Desired: ts.t.DesiredState}
	}
	victims := orchestrator.Reap(views, limit)
	doomed := make([]*taskState, len(victims)) // deleting changes sl.tasks
	for i, v := range victims {
		doomed[i] = sl.tasks[v]
	}
	for _, ts := range doomed {
		c.deleteTask(ts)
	}
}

func (sl *slotState) serviceRestart() RestartPolicy {
	if len(sl.tasks) == 0 {
		return RestartPolicy{}
	}
	return sl.tasks[0].svc.spec.spec.TaskTemplate.RestartPolicy()
}

// ---- state changes ----

// taskFacts are the parts of a task that the cluster's indexes mirror: the
// scheduler's view, the service's counters, the routing mesh's backends and
// what the updater hears.
type taskFacts struct {
	desired, observed task.State
	deleted           bool
}

func (ts *taskState) facts() taskFacts {
	return taskFacts{desired: ts.t.DesiredState, observed: ts.t.State(), deleted: ts.deleted}
}

// changed is the one path by which a change to a task reaches everything
// that mirrors it. Every change (creation, observed or desired state,
// deletion) is made to the task first, then reported here with the facts
// from before it: the scheduler's index, the service's counters, the
// routing mesh and the updater are told what changed, in that order, and
// the scheduler is asked to retry when a task stops holding resources.
func (c *Cluster) changed(ts *taskState, was taskFacts) {
	now := ts.facts()
	if (holdsNode(was) || holdsNode(now)) && schedKey(was) != schedKey(now) {
		c.sched.UpdateTask(c.schedInfo(ts, was), c.schedInfo(ts, now))
	}
	s := ts.svc
	s.running += countIf(now.observed == task.Running && !now.deleted) - countIf(was.observed == task.Running && !was.deleted)
	s.desiredRunning += countIf(now.desired == task.Running && !now.deleted) - countIf(was.desired == task.Running && !was.deleted)
	if ts.jobIter == uint32(s.jobIter) && s.spec.spec.Mode.IsJob() {
		s.job.running += countIf(now.observed == task.Running && !now.deleted) - countIf(was.observed == task.Running && !was.deleted)
		s.job.completed += countIf(now.observed == task.Complete && !now.deleted) - countIf(was.observed == task.Complete && !was.deleted)
		s.job.pending += countIf(pendingCompletion(now)) - countIf(pendingCompletion(was))
	}
	if !now.deleted && ((was.observed <= task.Running && now.observed > task.Running) ||
		(was.desired <= task.Running && now.desired > task.Running)) {
		c.retry = true
	}
	c.updateBackend(ts)
	if !now.deleted {
		c.note(ts)
	}
}

// holdsNode reports whether the scheduler counts a task against its node.
func holdsNode(f taskFacts) bool { return !f.deleted && countsOnNode(f.observed) }

// schedKey is what the scheduler's view of a task depends on: whether it
// exists, holds its node's resources (ASSIGNED to RUNNING) and is still
// meant to (desired COMPLETE or before).
func schedKey(f taskFacts) [3]bool {
	return [3]bool{f.deleted, countsOnNode(f.observed), f.desired <= task.Complete}
}

// pendingCompletion reports whether a job's task is meant to complete and
// has not yet.
func pendingCompletion(f taskFacts) bool {
	return !f.deleted && f.desired == task.Complete && f.observed != task.Complete
}

func countIf(b bool) int {
	if b {
		return 1
	}
	return 0
}

// schedInfo is the scheduler's view of a task with the given facts.
func (c *Cluster) schedInfo(ts *taskState, f taskFacts) scheduler.TaskInfo {
	if f.deleted {
		return scheduler.TaskInfo{}
	}
	ti := scheduler.TaskInfo{
		ID:           ts.t.ID,
		ServiceID:    ts.svc.id,
		SpecVersion:  ts.spec.version,
		Desired:      f.desired,
		Observed:     f.observed,
		Reservations: ts.spec.spec.TaskTemplate.Resources.Reservations,
		HostPorts:    ts.spec.hostPorts,
	}
	if ts.node != nil {
		ti.NodeID, ti.Node = ts.node.n.ID, ts.node.ref
	}
	return ti
}

// setObserved records a new observed status for a task and runs everything
// that reacts to it: the scheduler's view, the routing mesh, the restart
// supervisor, delayed starts waiting on the task, the updater and the reaper.
func (c *Cluster) setObserved(ts *taskState, st task.State, msg, errText string) {
	was := ts.facts()
	old := was.observed
	if err := ts.t.AdvanceAfter(st, time.Duration(c.now-ts.born), msg, errText); err != nil {
		return
	}
	c.record(record{kind: EventTaskState, ts: ts, from: uint16(old), to: uint16(st), msg: msg, err: errText})
	if old <= task.Running && (st == task.Failed || st == task.Rejected) && ts.node != nil && ts.pre == nil {
		// the scheduler avoids nodes where the service keeps failing;
		// global tasks are not counted
		c.sched.RecordFailure(ts.node.n.ID, ts.svc.id, ts.spec.version, c.Now())
	}
	c.changed(ts, was)
	if st > task.Running {
		c.releaseWaiters(ts)
	}
	if ts.t.DesiredState <= task.Complete && st > task.Running && old <= task.Running {
		c.restart(ts)
	}
	if ts.t.DesiredState == task.Remove && (st >= task.Complete || st < task.Assigned) {
		c.deleteTask(ts)
	}
}

// countsOnNode reports whether a task in this observed state holds its
// node's resources in the scheduler's view (ASSIGNED to RUNNING).
func countsOnNode(s task.State) bool { return s >= task.Assigned && s <= task.Running }

// note queues a task change for its service's updater, if one is running.
func (c *Cluster) note(ts *taskState) {
	if u := ts.svc.upd; u != nil && !u.Done() {
		c.notes = append(c.notes, updNote{svc: ts.svc, ts: ts, desired: ts.t.DesiredState, observed: ts.t.State()})
	}
}

// setDesired changes a task's desired state. Only managers write it.
func (c *Cluster) setDesired(ts *taskState, d task.State) {
	old := ts.t.DesiredState
	if old == d || ts.deleted {
		return
	}
	was := ts.facts()
	ts.t.DesiredState = d
	c.record(record{kind: EventTaskDesired, ts: ts, from: uint16(old), to: uint16(d)})
	c.changed(ts, was)
	if d == task.Remove && (ts.t.State() >= task.Complete || ts.t.State() < task.Assigned) {
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
func (c *Cluster) updateBackend(ts *taskState) {
	want := !ts.deleted && ts.t.State() == task.Running && ts.t.DesiredState <= task.Complete && ts.node != nil && !ts.node.gossiped
	if want == ts.backend {
		return
	}
	if !want && !ts.deleted && ts.node != nil && !ts.node.beating && !ts.node.gossiped {
		return
	}
	ts.backend = want
	if want {
		c.mesh.AddBackend(ts.svc.id, ts.t.ID, ts.node.n.ID)
	} else {
		c.mesh.RemoveBackend(ts.svc.id, ts.t.ID)
	}
}
