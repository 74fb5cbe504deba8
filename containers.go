package swarmsim

import (
	"fmt"

	"github.com/swarmsim/swarmsim/task"
)

// Containers by hand: what `docker kill` and `docker stop` on a node's
// engine do to the task whose container they end. The engine, not the
// manager, ends the container; the agent reports how it exited (moby's
// daemon/cluster/executor/container/controller.go: Wait) and the managers
// react as to any exit: the restart policy, the updater's failure count and
// the routing mesh.

// KillExitCode is the exit status of a container killed with SIGKILL
// (128 + 9), which `docker kill` sends by default.
const KillExitCode = 137

// KillTask ends a task's container as `docker kill` does: it exits with
// status 137 at once and the task becomes FAILED with "task: non-zero exit
// (137)".
func (c *Cluster) KillTask(taskID string) error { return c.ExitTask(taskID, KillExitCode) }

// StopTask ends a task's container as `docker stop` does for a program that
// exits on SIGTERM: it exits with status 0 and the task becomes COMPLETE
// ("finished"). The image's stop time is not waited for: the container
// exits at the current virtual time.
func (c *Cluster) StopTask(taskID string) error { return c.ExitTask(taskID, 0) }

// ExitTask makes a task's running container exit with the given status, as
// its engine reports it: status 0 makes the task COMPLETE ("finished"),
// any other FAILED with "task: non-zero exit (N)". The task must be STARTING
// or RUNNING on a node that is up: an error of kind FailedPrecondition says
// "container ID is not running" otherwise (moby's daemon/errors.go:
// errNotRunning), and NotFound "No such container: ID" for a task not in
// the store.
func (c *Cluster) ExitTask(taskID string, code int) error {
	c.lazyInit()
	ts := c.st.LookupTask(taskID)
	if ts == nil || ts.Deleted {
		return daemonErr(KindNotFound, "No such container: %s", taskID)
	}
	if code < 0 || code > 255 {
		return daemonErr(KindInvalidArgument, "invalid exit status %d: want 0 to 255", code)
	}
	st := ts.T.State()
	if st < task.Starting || st > task.Running || ts.Node == nil || !ts.Node.Up {
		return daemonErr(KindFailedPrecondition, "container %s is not running", ts.T.ID)
	}
	ts.AgentGen++ // the agent's planned step for the container is moot
	ts.Stopping = false
	if code == 0 {
		c.setObserved(ts, task.Complete, task.DefaultMessage(task.Complete), "")
	} else {
		msg := "started"
		if st == task.Starting {
			msg = "starting"
		}
		c.setObserved(ts, task.Failed, msg, fmt.Sprintf(task.ErrNonZeroExitFormat, code))
	}
	c.settle()
	return nil
}
