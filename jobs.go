package swarmsim

import (
	"time"

	"github.com/swarmsim/swarmsim/internal/store"
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

// startIteration starts a new execution of a job: every update of a job
// does (SwarmKit's controlapi UpdateService).
func (c *Cluster) startIteration(s *store.Service, first bool) {
	if !s.Spec.Spec.Mode.IsJob() {
		return
	}
	if !first {
		s.JobIter++
		s.Job = store.JobCount{} // no task of the new iteration yet
	}
	s.JobStarted = c.now
}

// jobStatus is the job's status for its view, nil for other services.
func (c *Cluster) jobStatus(s *store.Service) *JobStatus {
	if !s.Spec.Spec.Mode.IsJob() {
		return nil
	}
	return &JobStatus{JobIteration: s.JobIter, LastExecution: c.at(s.JobStarted)}
}

// reconcileJob is SwarmKit's jobs orchestrator for one service.
func (c *Cluster) reconcileJob(s *store.Service) {
	if s.Spec.Spec.Mode == GlobalJob {
		c.reconcileGlobalJob(s)
		return
	}
	var facts []jobs.Task
	var refs []*store.Task
	for _, sl := range s.Slots.All() {
		for _, ts := range sl.Tasks {
			facts = append(facts, jobs.Task{Slot: sl.Key, Iteration: uint64(ts.JobIter), Desired: ts.T.DesiredState, Observed: ts.T.State()})
			refs = append(refs, ts)
		}
	}
	sp := &s.Spec.Spec
	p := jobs.Replicated(facts, uint64(uint32(s.JobIter)), sp.MaxConcurrent, sp.TotalCompletions)
	for _, slot := range p.NewSlots {
		c.newTask(s, s.Slots.GetOrAdd(slot), nil, task.Complete)
	}
	for _, i := range p.Restart {
		if ts := refs[i]; !ts.Deleted && ts.T.DesiredState <= task.Complete {
			c.restart(ts)
		}
	}
	for _, i := range p.Remove {
		if ts := refs[i]; !ts.Deleted && ts.T.DesiredState != task.Remove {
			c.setDesired(ts, task.Remove)
		}
	}
}

// reconcileGlobalJob is SwarmKit's jobs/global/reconciler.go: a task of the
// current iteration on every eligible node that existed when it started,
// failed ones restarted, tasks on invalid nodes and of older iterations
// shut down.
func (c *Cluster) reconcileGlobalJob(s *store.Service) {
	iter := uint32(s.JobIter)
	var restart, shutdown []*store.Task
	for _, ns := range c.st.Nodes() {
		if ns == nil || ns.Removed {
			continue
		}
		sl := c.globalSlot(s, ns)
		var cur *store.Task
		for _, ts := range sl.Tasks {
			if ts.JobIter == iter && ts.T.DesiredState <= task.Complete {
				cur = ts
			}
		}
		n := jobs.Node{
			Matches: s.Spec.Matches(ns),
			Invalid: ns.N.Status.State == node.Down || ns.N.Spec.Availability == node.Drain,
			Active:  ns.N.Spec.Availability == node.Active,
			Ready:   ns.N.Status.State == node.Ready,
			Before:  !ns.N.CreatedAt.After(c.at(s.JobStarted)),
		}
		switch jobs.GlobalNode(n, cur != nil, cur != nil && cur.T.State() <= task.Running) {
		case jobs.Create:
			c.newTask(s, sl, ns, task.Complete)
		case jobs.Shutdown:
			shutdown = append(shutdown, cur)
			continue
		}
		if cur != nil && cur.T.State() > task.Complete {
			restart = append(restart, cur)
		}
	}
	for _, ts := range restart {
		if !ts.Deleted && ts.T.DesiredState <= task.Complete {
			c.restart(ts)
		}
	}
	for _, ts := range shutdown {
		c.setDesired(ts, task.Shutdown)
	}
	for _, sl := range s.Slots.All() {
		for _, ts := range sl.Tasks {
			if ts.JobIter < iter && ts.T.DesiredState < task.Shutdown {
				c.setDesired(ts, task.Shutdown)
			}
		}
	}
}

// jobDone reports whether a job's current iteration has finished: every
// completion a replicated job asks for is there, or no task of a global
// job is still on its way to COMPLETE.
func (c *Cluster) jobDone(s *store.Service) bool {
	if s.Spec.Spec.Mode == ReplicatedJob {
		return uint64(s.Job.Completed) >= s.Spec.Spec.TotalCompletions
	}
	if s.Job.Pending > 0 {
		return false
	}
	for _, sl := range s.Slots.All() {
		for _, ts := range sl.Tasks {
			if ts.Gate.Active { // a restart waiting out its delay
				return false
			}
		}
	}
	return true
}
