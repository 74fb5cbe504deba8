package swarmsim

import (
	"slices"
	"time"

	"github.com/swarmsim/swarmsim/internal/eventq"

	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/orchestrator"
	"github.com/swarmsim/swarmsim/task"
)

// The agent: what a node does with the tasks assigned to it.

// agentKick (re)plans the agent's next step for a task, cancelling any step
// planned before.
func (c *Cluster) agentKick(ts *taskState) {
	ts.agentGen++
	if ts.deleted || ts.node == nil || !ts.node.beating {
		return
	}
	st := ts.t.State()
	if st < task.Assigned || st > task.Running {
		return
	}
	b := c.image(ts.spec)
	if ts.t.DesiredState > task.Complete {
		if ts.stopping {
			return // the stop already under way finishes on its own
		}
		if st >= task.Starting {
			ts.stopping = true
			c.push(addSat(c.now, orchestrator.StopDuration(b)), evAgent, ts.idx, ts.agentGen)
			return
		}
		c.push(c.now, evAgent, ts.idx, ts.agentGen)
		return
	}
	d, ok := orchestrator.StepDuration(b, st, ts.t.DesiredState)
	if !ok {
		return
	}
	// A step under way keeps its deadline when the task is kicked again
	// (say its desired state changes during a pull): it ends d after the
	// task entered its current state.
	at := addSat(ts.born+int64(ts.t.Since()), d)
	c.push(max(at, c.now), evAgent, ts.idx, ts.agentGen)
}

// agentFire is the agent moving a task one step (SwarmKit's agent/exec/
// controller.go: Do, and moby's daemon/cluster/executor/container).
func (c *Cluster) agentFire(ts *taskState) {
	if ts.node == nil || !ts.node.beating {
		return
	}
	st := ts.t.State()
	if ts.t.DesiredState > task.Complete {
		ts.stopping = false
		if st <= task.Running {
			c.setObserved(ts, task.Shutdown, task.DefaultMessage(task.Shutdown), "")
		}
		return
	}
	tr, ok := orchestrator.Next(c.image(ts.spec), ts.spec.spec.TaskTemplate.Image, st)
	if !ok {
		return
	}
	c.setObserved(ts, tr.State, tr.Message, tr.Err)
	if tr.State > task.Running || ts.deleted || ts.t.State() == st {
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
func (c *Cluster) delayStart(ts, old *taskState, delay time.Duration, waitStop, checkedNow bool) {
	g := startGate{active: true, until: addSat(c.now, delay), restartAfter: ts.gate.active && ts.gate.restartAfter}
	if waitStop && old != nil && !old.deleted && old.t.State() <= task.Running && (old.node == nil || old.node.n.Status.State != node.Down) {
		g.waitFor = old
		g.deadline = addSat(g.until, OldTaskTimeout)
	}
	c.unwait(ts)
	ts.gate = g
	if g.waitFor != nil {
		old.slot.waiting = append(old.slot.waiting, ts)
	}
	if delay > 0 || !checkedNow {
		c.push(g.until, evGate, ts.idx, 0)
	}
	if g.waitFor != nil {
		c.push(g.deadline, evGate, ts.idx, 0)
	}
}

func (c *Cluster) checkGate(ts *taskState) {
	g := ts.gate
	if !g.active || c.now < g.until {
		return
	}
	if c.raft.Leaderless() { // the restart supervisor is the leader's (raft.go)
		c.held = append(c.held, eventq.Event{Kind: evGate, A: ts.idx})
		return
	}
	if w := g.waitFor; w != nil && c.now < g.deadline && !w.deleted && w.t.State() <= task.Running && w.node != nil && w.node.n.Status.State != node.Down {
		return
	}
	c.clearGate(ts)
	if g.restartAfter {
		// SwarmKit's waitRestart gives up if the task was shut down
		// meanwhile (its desired state went past RUNNING).
		if ts.t.DesiredState <= task.Complete {
			c.restart(ts)
		}
		return
	}
	if ts.t.DesiredState < task.Running {
		c.setDesired(ts, ts.svc.desiredRun())
	}
}

// clearGate drops a task's delayed start.
func (c *Cluster) clearGate(ts *taskState) {
	c.unwait(ts)
	ts.gate = startGate{}
}

// unwait takes a task off the waiting list of the task its gate waits for.
func (c *Cluster) unwait(ts *taskState) {
	w := ts.gate.waitFor
	if !ts.gate.active || w == nil {
		return
	}
	if i := slices.Index(w.slot.waiting, ts); i >= 0 {
		w.slot.waiting = slices.Delete(w.slot.waiting, i, i+1)
	}
}

// releaseWaiters checks the delayed starts that wait for ts to stop, in the
// order they began waiting.
func (c *Cluster) releaseWaiters(ts *taskState) {
	sl := ts.slot
	if sl == nil || len(sl.waiting) == 0 {
		return
	}
	var buf [4]*taskState
	ws := buf[:0]
	for _, w := range sl.waiting {
		if w.gate.active && w.gate.waitFor == ts {
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
	ts := c.lookupTask(taskID)
	if ts == nil {
		return daemonErr(KindNotFound, "task %s not found", taskID)
	}
	b := c.image(ts.spec)
	if ts.t.State() != task.Running || ts.t.DesiredState > task.Complete || ts.node == nil || !ts.node.up {
		return daemonErr(KindFailedPrecondition, "task %s is not running", taskID)
	}
	if !b.HealthCheck {
		return daemonErr(KindFailedPrecondition, "task %s has no health check", taskID)
	}
	seen := c.now
	if t := &ts.spec.spec.TaskTemplate; t.ProbesOwnCheck(b) {
		runningFor := time.Duration(c.now - ts.born - int64(ts.t.Since()))
		healthyAt := b.HealthyAfter
		at := orchestrator.NextProbeFailure(t.Healthcheck.Probe(), healthyAt, healthyAt+runningFor)
		seen = addSat(c.now, at-healthyAt-runningFor)
	}
	ts.agentGen++ // the container's own end (an exit) no longer comes
	c.push(addSat(seen, max(b.Stop, orchestrator.MinFailureTime)), evUnhealthy, ts.idx, ts.agentGen)
	return nil
}

// unhealthyFire ends a task made unhealthy once its container stopped.
func (c *Cluster) unhealthyFire(ts *taskState) {
	if ts.node == nil || !ts.node.up || ts.t.State() != task.Running {
		return
	}
	c.setObserved(ts, task.Failed, "started", orchestrator.UnhealthyExit(c.image(ts.spec)))
}
