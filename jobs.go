package swarmsim

import (
	"time"

	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/orchestrator/jobs"
	"github.com/swarmsim/swarmsim/task"
)

// Jobs: services whose tasks run to completion (SwarmKit's
// manager/orchestrator/jobs).

// JobStatus is a job's progress as `docker service inspect` shows it
// (SwarmKit's JobStatus).
type JobStatus struct {
	// JobIteration counts the job's executions: 0 for the first, and one
	// more for every update of the service (`docker service update
	// --force` runs the job again).
	JobIteration uint64
	// LastExecution is when the current iteration started.
	LastExecution time.Time
}

// desiredRun is the desired state of a task that is meant to run: COMPLETE
// for jobs, RUNNING otherwise.
func (s *serviceState) desiredRun() task.State {
	if s.spec.spec.Mode.IsJob() {
		return task.Complete
	}
	return task.Running
}

// startIteration starts a new execution of a job: every update of a job
// does (SwarmKit's controlapi UpdateService).
func (c *Cluster) startIteration(s *serviceState, first bool) {
	if !s.spec.spec.Mode.IsJob() {
		return
	}
	if !first {
		s.jobIter++
		s.job = jobCount{} // no task of the new iteration yet
	}
	s.jobStarted = c.now
}

// jobStatus is the job's status for its view, nil for other services.
func (c *Cluster) jobStatus(s *serviceState) *JobStatus {
	if !s.spec.spec.Mode.IsJob() {
		return nil
	}
	return &JobStatus{JobIteration: s.jobIter, LastExecution: c.at(s.jobStarted)}
}

// reconcileJob is SwarmKit's jobs orchestrator for one service.
func (c *Cluster) reconcileJob(s *serviceState) {
	if s.spec.spec.Mode == GlobalJob {
		c.reconcileGlobalJob(s)
		return
	}
	var facts []jobs.Task
	var refs []*taskState
	for _, sl := range s.slots.all() {
		for _, ts := range sl.tasks {
			facts = append(facts, jobs.Task{Slot: sl.key, Iteration: uint64(ts.jobIter), Desired: ts.t.DesiredState, Observed: ts.t.State()})
			refs = append(refs, ts)
		}
	}
	sp := &s.spec.spec
	p := jobs.Replicated(facts, uint64(uint32(s.jobIter)), sp.MaxConcurrent, sp.TotalCompletions)
	for _, slot := range p.NewSlots {
		c.newTask(s, s.slots.getOrAdd(slot), nil, task.Complete)
	}
	for _, i := range p.Restart {
		if ts := refs[i]; !ts.deleted && ts.t.DesiredState <= task.Complete {
			c.restart(ts)
		}
	}
	for _, i := range p.Remove {
		if ts := refs[i]; !ts.deleted && ts.t.DesiredState != task.Remove {
			c.setDesired(ts, task.Remove)
		}
	}
}

// reconcileGlobalJob is SwarmKit's jobs/global/reconciler.go: a task of the
// current iteration on every eligible node that existed when it started,
// failed ones restarted, tasks on invalid nodes and of older iterations
// shut down.
func (c *Cluster) reconcileGlobalJob(s *serviceState) {
	iter := uint32(s.jobIter)
	var restart, shutdown []*taskState
	for _, ns := range c.nodes {
		if ns == nil || ns.removed {
			continue
		}
		sl := c.globalSlot(s, ns)
		var cur *taskState
		for _, ts := range sl.tasks {
			if ts.jobIter == iter && ts.t.DesiredState <= task.Complete {
				cur = ts
			}
		}
		n := jobs.Node{
			Matches: c.matchesConstraints(s, ns),
			Invalid: ns.n.Status.State == node.Down || ns.n.Spec.Availability == node.Drain,
			Active:  ns.n.Spec.Availability == node.Active,
			Ready:   ns.n.Status.State == node.Ready,
			Before:  !ns.n.CreatedAt.After(c.at(s.jobStarted)),
		}
		switch jobs.GlobalNode(n, cur != nil, cur != nil && cur.t.State() <= task.Running) {
		case jobs.Create:
			c.newTask(s, sl, ns, task.Complete)
		case jobs.Shutdown:
			shutdown = append(shutdown, cur)
			continue
		}
		if cur != nil && cur.t.State() > task.Complete {
			restart = append(restart, cur)
		}
	}
	for _, ts := range restart {
		if !ts.deleted && ts.t.DesiredState <= task.Complete {
			c.restart(ts)
		}
	}
	for _, ts := range shutdown {
		c.setDesired(ts, task.Shutdown)
	}
	for _, sl := range s.slots.all() {
		for _, ts := range sl.tasks {
			if ts.jobIter < iter && ts.t.DesiredState < task.Shutdown {
				c.setDesired(ts, task.Shutdown)
			}
		}
	}
}

// jobCounts counts a job's tasks of the current iteration as SwarmKit's
// controlapi ListServices does: observed RUNNING, observed COMPLETE, and
// (for a global job) desired COMPLETE but not there yet.
func (c *Cluster) jobCounts(s *serviceState) (running, completed, pending int) {
	return s.job.running, s.job.completed, s.job.pending
}

// jobDone reports whether a job's current iteration has finished: every
// completion a replicated job asks for is there, or no task of a global
// job is still on its way to COMPLETE.
func (c *Cluster) jobDone(s *serviceState) bool {
	_, completed, pending := c.jobCounts(s)
	if s.spec.spec.Mode == ReplicatedJob {
		return uint64(completed) >= s.spec.spec.TotalCompletions
	}
	if pending > 0 {
		return false
	}
	for _, sl := range s.slots.all() {
		for _, ts := range sl.tasks {
			if ts.gate.active { // a restart waiting out its delay
				return false
			}
		}
	}
	return true
}
