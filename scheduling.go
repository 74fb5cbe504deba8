package swarmsim

import (
	"cmp"
	"slices"

	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/task"
)

// schedulePending runs the scheduler over the tasks waiting for a node:
// the new ones, and, when something changed that may make room, the ones
// that did not fit before. Tasks are grouped by service and spec version and
// each group is placed as one batch, as SwarmKit does; groups go in the order
// their first task arrived (FIDELITY.md), tasks within a group by slot.
func (c *Cluster) schedulePending() {
	var work []*taskState
	if c.retry && len(c.unschedulable) > 0 {
		work = c.unschedulable
		c.unschedulable = nil
	}
	c.retry = false
	work = append(work, c.unassigned...)
	c.unassigned = nil

	type group struct {
		sv    *specVersion
		tasks []*taskState
	}
	var groups []*group
	byVersion := make(map[*specVersion]*group)
	for _, ts := range work {
		ts.unschedulable = false
		if ts.deleted || ts.node != nil || ts.t.State() != task.Pending {
			continue
		}
		if ts.t.DesiredState > task.Running {
			// Never to run: the scheduler shuts it down instead of placing it.
			c.setObserved(ts, task.Shutdown, task.DefaultMessage(task.Shutdown), "")
			continue
		}
		if ts.pre != nil {
			c.schedulePreassigned(ts)
			continue
		}
		g := byVersion[ts.spec]
		if g == nil {
			g = &group{sv: ts.spec}
			byVersion[ts.spec] = g
			groups = append(groups, g)
		}
		g.tasks = append(g.tasks, ts)
	}
	for _, g := range groups {
		slices.SortStableFunc(g.tasks, func(a, b *taskState) int {
			if c := cmp.Compare(a.t.Slot, b.t.Slot); c != 0 {
				return c
			}
			return taskOrder(a, b)
		})
		b := c.batch(g.sv)
		b.TaskIDs = make([]string, len(g.tasks))
		for i, ts := range g.tasks {
			b.TaskIDs[i] = ts.t.ID
		}
		for i, d := range c.sched.Schedule(c.Now(), b) {
			ts := g.tasks[i]
			if d.NodeID == "" {
				c.unplaced(ts, d.Err)
				continue
			}
			c.assign(ts, c.nodeByID[d.NodeID], task.DefaultMessage(task.Assigned))
		}
	}
}

func (c *Cluster) batch(sv *specVersion) scheduler.Batch {
	tt := &sv.spec.TaskTemplate
	return scheduler.Batch{
		ServiceID:    c.serviceOf(sv),
		SpecVersion:  sv.version,
		Placement:    tt.Placement,
		Reservations: tt.Resources.Reservations,
		HostPorts:    sv.hostPorts,
	}
}

func (c *Cluster) serviceOf(sv *specVersion) string {
	// every task of a spec version belongs to one service; the caller's task
	// knows it, so this is only used through batch(), whose callers set it.
	return sv.serviceID
}

func (c *Cluster) schedulePreassigned(ts *taskState) {
	ns := ts.pre
	if ns.removed {
		c.deleteTask(ts)
		return
	}
	b := c.batch(ts.spec)
	b.TaskIDs = []string{ts.t.ID}
	ok, why := c.sched.SchedulePreassigned(c.Now(), b, ns.n.ID)
	if !ok {
		c.unplaced(ts, why)
		return
	}
	c.assign(ts, ns, task.MsgPreassigned)
}

func (c *Cluster) assign(ts *taskState, ns *nodeState, msg string) {
	c.attachNode(ts, ns)
	ts.t.NodeID = ns.n.ID
	c.setObserved(ts, task.Assigned, msg, "")
	c.agentKick(ts)
}

// unplaced leaves a task PENDING with the scheduler's explanation and keeps
// it for the next retry.
func (c *Cluster) unplaced(ts *taskState, why string) {
	if ts.t.Status().Err != why {
		c.setObserved(ts, task.Pending, task.DefaultMessage(task.Pending), why)
	}
	if !ts.unschedulable {
		ts.unschedulable = true
		c.unschedulable = append(c.unschedulable, ts)
	}
}
