package swarmsim

import (
	"time"

	"github.com/swarmsim/swarmsim/internal/eventq"
	"github.com/swarmsim/swarmsim/internal/store"

	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/orchestrator"
	"github.com/swarmsim/swarmsim/task"
)

// The agent: what a node does with the tasks assigned to it.

// agentKick (re)plans the agent's next step for a task, cancelling any step
// planned before.
func (c *Cluster) agentKick(ts *store.Task) {
	ts.AgentGen++
	if ts.Deleted || ts.Node == nil || !ts.Node.Beating {
		return
	}
	st := ts.T.State()
	if st < task.Assigned || st > task.Running {
		return
	}
	b := c.image(ts.Spec)
	if ts.T.DesiredState > task.Complete {
		if ts.Stopping {
			return // the stop already under way finishes on its own
		}
		if st >= task.Starting {
			ts.Stopping = true
			c.push(addSat(c.now, orchestrator.StopDuration(b)), evAgent, ts.Idx, ts.AgentGen)
			return
		}
		c.push(c.now, evAgent, ts.Idx, ts.AgentGen)
		return
	}
	d, ok := orchestrator.StepDuration(b, st, ts.T.DesiredState)
	if !ok {
		return
	}
	// A step under way keeps its deadline when the task is kicked again
	// (say its desired state changes during a pull): it ends d after the
	// task entered its current state.
	at := addSat(ts.Born+int64(ts.T.Since()), d)
	c.push(max(at, c.now), evAgent, ts.Idx, ts.AgentGen)
}

// agentFire is the agent moving a task one step (SwarmKit's agent/exec/
// controller.go: Do, and moby's daemon/cluster/executor/container).
func (c *Cluster) agentFire(ts *store.Task) {
	if ts.Node == nil || !ts.Node.Beating {
		return
	}
	st := ts.T.State()
	if ts.T.DesiredState > task.Complete {
		ts.Stopping = false
		if st <= task.Running {
			c.setObserved(ts, task.Shutdown, task.DefaultMessage(task.Shutdown), "")
		}
		return
	}
	to, msg, errText, ok := orchestrator.NextStep(c.image(ts.Spec), ts.Spec.Spec.TaskTemplate.Image, st)
	if !ok {
		return
	}
	c.setObserved(ts, to, msg, errText)
	if to > task.Running || ts.Deleted || ts.T.State() == st {
		return
	}
	c.agentKick(ts)
}

// ---- delayed start (SwarmKit's restart.DelayStart) ----

// delayStart holds a replacement at desired READY until delay has passed and
// old has stopped (or OldTaskTimeout after the delay), then sets it to
// desired RUNNING. The gate is checked when the delay ends; a caller that
// checks it itself at once (checkGate) lets a zero delay queue no event.
//
// A new delayed start of a task already in one replaces it, but a restart
// asked for during the old one still happens once the new one ends: in
// SwarmKit, DelayStart cancels the old delay, and the waitRestart that was
// waiting on it finds the new delay and waits on that instead.
func (c *Cluster) delayStart(ts, old *store.Task, delay time.Duration, waitStop, checkedNow bool) {
	g := store.Gate{Active: true, Until: addSat(c.now, delay), RestartAfter: ts.Gate.Active && ts.Gate.RestartAfter}
	if waitStop && old != nil && !old.Deleted && old.T.State() <= task.Running && (old.Node == nil || old.Node.N.Status.State != node.Down) {
		g.WaitFor = old
		g.Deadline = addSat(g.Until, OldTaskTimeout)
	}
	c.unwait(ts)
	ts.Gate = g
	if g.WaitFor != nil {
		old.Slot.AddWaiting(ts)
	}
	if delay > 0 || !checkedNow {
		c.push(g.Until, evGate, ts.Idx, 0)
	}
	if g.WaitFor != nil {
		c.push(g.Deadline, evGate, ts.Idx, 0)
	}
}

func (c *Cluster) checkGate(ts *store.Task) {
	g := ts.Gate
	if !g.Active || c.now < g.Until {
		return
	}
	if c.raft.Leaderless() { // the restart supervisor is the leader's (raft.go)
		c.held = append(c.held, eventq.Event{Kind: evGate, A: ts.Idx})
		return
	}
	if w := g.WaitFor; w != nil && c.now < g.Deadline && !w.Deleted && w.T.State() <= task.Running && w.Node != nil && w.Node.N.Status.State != node.Down {
		return
	}
	c.clearGate(ts)
	if g.RestartAfter {
		// SwarmKit's waitRestart gives up if the task was shut down
		// meanwhile (its desired state went past RUNNING).
		if ts.T.DesiredState <= task.Complete {
			c.restart(ts)
		}
		return
	}
	if ts.T.DesiredState < task.Running {
		c.setDesired(ts, ts.Svc.DesiredRun())
	}
}

// clearGate drops a task's delayed start.
func (c *Cluster) clearGate(ts *store.Task) {
	c.unwait(ts)
	ts.Gate = store.Gate{}
}

// unwait takes a task off the waiting list of the task its gate waits for.
func (c *Cluster) unwait(ts *store.Task) {
	w := ts.Gate.WaitFor
	if !ts.Gate.Active || w == nil {
		return
	}
	w.Slot.RemoveWaiting(ts)
}

// releaseWaiters checks the delayed starts that wait for ts to stop, in the
// order they began waiting.
func (c *Cluster) releaseWaiters(ts *store.Task) {
	sl := ts.Slot
	if sl == nil || len(sl.Waiting) == 0 {
		return
	}
	var buf [4]*store.Task
	ws := buf[:0]
	for _, w := range sl.Waiting {
		if w.Gate.Active && w.Gate.WaitFor == ts {
			ws = append(ws, w)
		}
	}
	for _, w := range ws { // checkGate changes sl.waiting
		c.checkGate(w)
	}
}

// ---- health checks and stop timing ----

// SetTaskUnhealthy makes a running task's health check start failing now,
// as a container whose check begins to fail does: the agent sees it
// unhealthy (at once for an image's own check; after Retries failed probes
// for a service health check), stops the container and the task ends
// FAILED with "task: non-zero exit (N): dockerexec: unhealthy container";
// the restart policy and the update monitor react as to any failure. A task
// without a health check, or not running, is refused.
func (c *Cluster) SetTaskUnhealthy(taskID string) error {
	c.lazyInit()
	ts := c.st.LookupTask(taskID)
	if ts == nil {
		return daemonErr(KindNotFound, "task %s not found", taskID)
	}
	b := c.image(ts.Spec)
	if ts.T.State() != task.Running || ts.T.DesiredState > task.Complete || ts.Node == nil || !ts.Node.Up {
		return daemonErr(KindFailedPrecondition, "task %s is not running", taskID)
	}
	if !b.HealthCheck {
		return daemonErr(KindFailedPrecondition, "task %s has no health check", taskID)
	}
	seen := c.now
	if t := &ts.Spec.Spec.TaskTemplate; t.ProbesOwnCheck(b) {
		runningFor := time.Duration(c.now - ts.Born - int64(ts.T.Since()))
		healthyAt := b.HealthyAfter
		at := orchestrator.NextProbeFailure(t.Healthcheck.Probe(), healthyAt, healthyAt+runningFor)
		seen = addSat(c.now, at-healthyAt-runningFor)
	}
	ts.AgentGen++ // the container's own end (an exit) no longer comes
	c.push(addSat(seen, max(b.Stop, orchestrator.MinFailureTime)), evUnhealthy, ts.Idx, ts.AgentGen)
	return nil
}

// unhealthyFire ends a task made unhealthy once its container stopped.
func (c *Cluster) unhealthyFire(ts *store.Task) {
	if ts.Node == nil || !ts.Node.Up || ts.T.State() != task.Running {
		return
	}
	c.setObserved(ts, task.Failed, "started", orchestrator.UnhealthyExit(c.image(ts.Spec)))
}
