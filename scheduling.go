package swarmsim

import (
	"cmp"
	"slices"

	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/task"
)

// schedulePending runs the scheduler over the tasks waiting for a node:
// the new ones, and, when something changed that may make room, the ones
// that did not fit before. Tasks are grouped by service and spec version and
// each group is placed as one batch, as SwarmKit does; groups go in the order
// their first task arrived (FIDELITY.md), tasks within a group by slot.
func (c *Cluster) schedulePending() {
	work := c.unassigned
	if c.retry && len(c.unschedulable) > 0 {
		work = append(c.unschedulable, c.unassigned...)
		c.unschedulable = nil
	}
	c.retry = false
	c.unassigned = c.spare[:0]
	defer func() {
		clear(work)
		c.spare = keepScratch(work)
	}()

	groups := &c.groups
	defer func() {
		groups.Reset()
		c.idBuf, c.decisions = keepScratch(c.idBuf), keepScratch(c.decisions)
	}()
	for _, ts := range work {
		ts.Unschedulable = false
		if ts.Deleted || ts.Node != nil || ts.T.State() != task.Pending {
			continue
		}
		if ts.T.DesiredState > task.Complete {
			// Never to run: the scheduler shuts it down instead of placing it.
			c.setObserved(ts, task.Shutdown, task.DefaultMessage(task.Shutdown), "")
			continue
		}
		if ts.Pre != nil {
			c.schedulePreassigned(ts)
			continue
		}
		groups.Add(ts.Spec, ts)
	}
	for gi := range groups.Len() {
		sv, tasks := groups.Group(gi)
		slices.SortStableFunc(tasks, func(a, b *store.Task) int {
			if c := cmp.Compare(a.T.Slot, b.T.Slot); c != 0 {
				return c
			}
			return store.TaskOrder(a, b)
		})
		b := c.batch(sv)
		b.TaskIDs = c.idBuf[:0]
		for _, ts := range tasks {
			b.TaskIDs = append(b.TaskIDs, ts.T.ID)
		}
		c.idBuf = b.TaskIDs[:0]
		c.decisions = c.sched.ScheduleInto(c.decisions[:0], c.Now(), b)
		for i, d := range c.decisions {
			ts := tasks[i]
			if d.NodeID == "" {
				c.unplaced(ts, d.Err)
				continue
			}
			c.assign(ts, c.st.NodeByRef(d.Node, d.NodeID), task.DefaultMessage(task.Assigned))
		}
	}
}

// keepScratch empties a scratch buffer for reuse, or drops it if a large
// batch grew it beyond what steady scheduling needs, so that placing a new
// service's 100,000 tasks does not keep their scratch alive for good.
func keepScratch[T any](s []T) []T {
	if cap(s) > 4096 {
		return nil
	}
	return s[:0]
}

func (c *Cluster) batch(sv *store.SpecVersion) scheduler.Batch {
	tt := &sv.Spec.TaskTemplate
	return scheduler.Batch{
		ServiceID:    sv.ServiceID,
		SpecVersion:  sv.Version,
		Placement:    tt.Placement,
		Reservations: tt.Resources.Reservations,
		HostPorts:    sv.HostPorts,
	}
}

func (c *Cluster) schedulePreassigned(ts *store.Task) {
	ns := ts.Pre
	if ns.Removed {
		c.deleteTask(ts)
		return
	}
	b := c.batch(ts.Spec)
	b.TaskIDs = []string{ts.T.ID}
	ok, why := c.sched.SchedulePreassigned(c.Now(), b, ns.N.ID)
	if !ok {
		c.unplaced(ts, why)
		return
	}
	c.assign(ts, ns, task.MsgPreassigned)
}

func (c *Cluster) assign(ts *store.Task, ns *store.Node, msg string) {
	store.Attach(ts, ns)
	ts.T.NodeID = ns.N.ID
	c.setObserved(ts, task.Assigned, msg, "")
	c.agentKick(ts)
}

// unplaced leaves a task PENDING with the scheduler's explanation and keeps
// it for the next retry.
func (c *Cluster) unplaced(ts *store.Task, why string) {
	if ts.T.Status().Err != why {
		c.setObserved(ts, task.Pending, task.DefaultMessage(task.Pending), why)
	}
	if !ts.Unschedulable {
		ts.Unschedulable = true
		c.unschedulable = append(c.unschedulable, ts)
	}
}
