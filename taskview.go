package swarmsim

import (
	"slices"

	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/task"
)

// Reading tasks: copies of the store's tasks, for callers outside the package.

// Tasks returns a service's tasks still in the store (history included),
// in creation order. The returned values are copies.
func (c *Cluster) Tasks(serviceRef string) ([]TaskView, error) {
	c.lazyInit()
	s, err := c.lookupService(serviceRef)
	if err != nil {
		return nil, err
	}
	// Sort the tasks, not their copies: a view is a few hundred bytes.
	n := 0
	for _, sl := range s.slots.byKey {
		if sl != nil {
			n += len(sl.tasks)
		}
	}
	order := make([]*taskState, 0, n)
	for _, sl := range s.slots.byKey {
		if sl != nil {
			order = append(order, sl.tasks...)
		}
	}
	slices.SortFunc(order, taskOrder)
	return c.taskViews(order), nil
}

// taskViews copies tasks into one slice of views.
func (c *Cluster) taskViews(tasks []*taskState) []TaskView {
	if len(tasks) == 0 {
		return nil
	}
	out := make([]TaskView, len(tasks))
	for i, ts := range tasks {
		out[i] = c.taskView(ts)
	}
	return out
}

// AllTasks returns every task in the store, in creation order.
func (c *Cluster) AllTasks() []TaskView {
	c.lazyInit()
	live := make([]*taskState, 0, len(c.tasks))
	for _, ts := range c.tasks {
		if !ts.deleted {
			live = append(live, ts)
		}
	}
	return c.taskViews(live)
}

// Task looks a task up by ID.
func (c *Cluster) Task(id string) (TaskView, error) {
	c.lazyInit()
	ts := c.lookupTask(id)
	if ts == nil {
		return TaskView{}, daemonErr(KindNotFound, "task %s not found", id)
	}
	return c.taskView(ts), nil
}

// TasksOnNode returns the tasks assigned to a node, in creation order.
func (c *Cluster) TasksOnNode(nodeRef string) ([]TaskView, error) {
	c.lazyInit()
	ns, err := c.lookupNode(nodeRef)
	if err != nil {
		return nil, err
	}
	return c.taskViews(c.tasksOn(ns)), nil
}

// TaskView is a copy of a task as `docker service ps` sees it.
type TaskView struct {
	task.Task
	// Node is the name of the node the task is assigned to ("" while
	// pending).
	Node string
	// Ports are the task's host-mode published ports (its PortStatus).
	Ports []mesh.PortConfig
	// UpToDate is true when the task runs the service's current spec, as
	// SwarmKit's IsTaskDirty decides (the `_up-to-date` filter the docker
	// CLI's progress display uses).
	UpToDate bool
	// JobIteration is the job iteration a job's task was created for (0
	// for tasks of other services).
	JobIteration uint64
}

func (c *Cluster) taskView(ts *taskState) TaskView {
	v := TaskView{Task: ts.t.Snapshot(), UpToDate: !c.isDirty(ts.svc, ts), JobIteration: uint64(ts.jobIter)}
	if ts.node != nil {
		v.Node = ts.node.n.DisplayName()
	}
	for _, p := range ts.svc.endpoint {
		if p.PublishMode == mesh.Host {
			v.Ports = append(v.Ports, p)
		}
	}
	return v
}
