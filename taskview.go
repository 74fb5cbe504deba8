package swarmsim

import (
	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/task"
)

// Reading tasks: copies of the store's tasks, for callers outside the package.

// Tasks returns a service's tasks still in the store (history included),
// in creation order. The returned values are copies.
func (c *Cluster) Tasks(serviceRef string) ([]TaskView, error) {
	c.lazyInit()
	s, err := c.st.LookupService(serviceRef)
	if err != nil {
		return nil, err
	}
	// Sort the tasks, not their copies: a view is a few hundred bytes.
	return c.taskViews(s.TasksInOrder()), nil
}

// taskViews copies tasks into one slice of views.
func (c *Cluster) taskViews(tasks []*store.Task) []TaskView {
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
	return c.taskViews(c.st.LiveTasks())
}

// Task looks a task up by ID.
func (c *Cluster) Task(id string) (TaskView, error) {
	c.lazyInit()
	ts := c.st.LookupTask(id)
	if ts == nil {
		return TaskView{}, daemonErr(KindNotFound, "task %s not found", id)
	}
	return c.taskView(ts), nil
}

// TasksOnNode returns the tasks assigned to a node, in creation order.
func (c *Cluster) TasksOnNode(nodeRef string) ([]TaskView, error) {
	c.lazyInit()
	ns, err := c.st.LookupNode(nodeRef)
	if err != nil {
		return nil, err
	}
	return c.taskViews(ns.TasksInOrder()), nil
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

func (c *Cluster) taskView(ts *store.Task) TaskView {
	v := TaskView{Task: ts.T.Snapshot(), UpToDate: !ts.Svc.IsDirty(ts), JobIteration: uint64(ts.JobIter)}
	if ts.Node != nil {
		v.Node = ts.Node.N.DisplayName()
	}
	for _, p := range ts.Svc.Endpoint {
		if p.PublishMode == mesh.Host {
			v.Ports = append(v.Ports, p)
		}
	}
	return v
}
