package swarmsim

import (
	"slices"
	"time"

	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// Service is a snapshot of a service as `docker service inspect` shows it.
type Service struct {
	ID        string
	Version   uint64
	CreatedAt time.Time
	UpdatedAt time.Time
	Spec      ServiceSpec
	// PreviousSpec is what a rollback goes back to; nil when there is none.
	PreviousSpec *ServiceSpec
	SpecVersion  uint64
	// UpdateStatus is nil until an update replaces a task, and after any
	// update that is not a rollback until the updater starts.
	UpdateStatus *updater.Status
	// Endpoint holds the service's actual ports, with allocated published
	// ports filled in.
	Endpoint []mesh.PortConfig
	// JobStatus is a job's iteration and when it started; nil for
	// services that are not jobs.
	JobStatus *JobStatus
	// VirtualIPs are the service's addresses, one per attached network (the
	// ingress network first when it publishes a port through the mesh);
	// none in dnsrr mode.
	VirtualIPs []VirtualIP
}

// ServiceStatus counts a service's tasks as `docker service ls` does.
type ServiceStatus struct {
	// RunningTasks counts tasks observed RUNNING, whatever their desired
	// state (so a start-first update can briefly show more than desired).
	RunningTasks int
	// DesiredTasks is the replica count, or for a global service the number
	// of tasks desired RUNNING. For a replicated job it is MaxConcurrent,
	// for a global job the number of tasks of the current iteration desired
	// COMPLETE that are not there yet (SwarmKit's controlapi ListServices).
	DesiredTasks int
	// CompletedTasks counts a job's tasks of the current iteration that
	// completed (0 for other services).
	CompletedTasks int
}

func (c *Cluster) view(s *store.Service) *Service {
	v := &Service{
		ID: s.ID, Version: s.Version, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		Spec: s.Spec.Spec.Clone(), SpecVersion: s.Spec.Version,
		Endpoint: slices.Clone(s.Endpoint), VirtualIPs: c.virtualIPs(s.ID), JobStatus: c.jobStatus(s),
	}
	if s.Prev != nil {
		p := s.Prev.Spec.Clone()
		v.PreviousSpec = &p
	}
	if s.Status.State != updater.None {
		st := s.Status
		v.UpdateStatus = &st
	}
	return v
}

// Service looks a service up by ID, name or unique ID prefix.
func (c *Cluster) Service(ref string) (*Service, error) {
	c.lazyInit()
	s, err := c.st.LookupService(ref)
	if err != nil {
		return nil, err
	}
	return c.view(s), nil
}

// Services lists every service in creation order.
func (c *Cluster) Services() []*Service {
	c.lazyInit()
	var out []*Service
	for _, s := range c.st.Services() {
		if s != nil {
			out = append(out, c.view(s))
		}
	}
	return out
}

// ServiceStatus returns a service's running and desired task counts as
// SwarmKit's ListServiceStatuses counts them for the daemon (manager/
// controlapi/service.go): every task observed RUNNING, even on a node that
// is DOWN, so a 3-replica service shows 4/3 while a dead node's task is
// still RUNNING in the store beside its replacement (measured on a real
// swarm; docker/cli counted client-side, without DOWN nodes, only for API
// versions before 1.41).
func (c *Cluster) ServiceStatus(ref string) (ServiceStatus, error) {
	c.lazyInit()
	s, err := c.st.LookupService(ref)
	if err != nil {
		return ServiceStatus{}, err
	}
	st := ServiceStatus{RunningTasks: s.Running, DesiredTasks: int(s.Spec.Spec.Replicas)}
	if s.Spec.Spec.Mode.IsJob() {
		// the current iteration's counts, as SwarmKit's controlapi
		// ListServices counts them (store.JobCount)
		st = ServiceStatus{RunningTasks: s.Job.Running, DesiredTasks: s.Job.Pending, CompletedTasks: s.Job.Completed}
		if s.Spec.Spec.Mode == ReplicatedJob {
			st.DesiredTasks = int(s.Spec.Spec.MaxConcurrent)
		}
	} else if s.Spec.Spec.Mode == Global {
		st.DesiredTasks = s.DesiredRunning
	}
	return st, nil
}

// CreateService creates a service and starts placing its tasks (at the
// current virtual time; run the clock to see them start). It returns
// Docker's errors for an invalid spec, a name already in use or a published
// port another service holds.
func (c *Cluster) CreateService(spec ServiceSpec) (*Service, error) {
	c.lazyInit()
	if err := c.noLeader(); err != nil {
		return nil, err
	}
	spec = spec.Clone()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	spec.ApplyJobDefaults()
	if err := c.resolveObjects("", &spec); err != nil {
		return nil, err
	}
	if c.st.NameTaken(spec.Name) {
		return nil, rpcErr(KindAlreadyExists, "name conflicts with an existing object: service %s already exists", spec.Name)
	}
	if err := c.checkTaskBudget(nil, &spec); err != nil {
		return nil, err
	}
	// A refused create leaves the cluster as it was, the ID stream included.
	mark := c.ids.Mark()
	id := c.ids.Next()
	if err := c.alloc.CheckConflicts(id, spec.Endpoint); err != nil {
		c.ids.Reset(mark)
		return nil, rpcErr(KindInvalidArgument, "%s", err.Error())
	}
	ports, err := c.alloc.Allocate(id, spec.Name, spec.Endpoint)
	if err != nil {
		c.ids.Reset(mark)
		return nil, rpcErr(KindInvalidArgument, "%s", err.Error())
	}
	s := &store.Service{ID: id, CreatedAt: c.Now(), UpdatedAt: c.Now()}
	s.Spec = s.NewVersion(spec)
	s.Endpoint = ports
	c.startIteration(s, true)
	c.st.AddService(s)
	s.MeshRef = c.mesh.SetService(id, spec.Name, spec.Endpoint.Mode, ports)
	if !spec.Mode.IsGlobal() {
		// Room for the replicas' backends at once, up to 65,536: a service
		// whose tasks never run must not hold much, and beyond that the
		// tables' growth by doubling costs little.
		c.mesh.Reserve(id, int(min(spec.ReplicasWanted(), 1<<16)))
	}
	c.allocateVIPs(id, &spec)
	c.record(record{kind: EventServiceCreated, svc: s})
	c.markDirty(s)
	c.settle()
	return c.view(s), nil
}

// UpdateService replaces a service's spec, as `docker service update` does
// (SwarmKit's controlapi Server.UpdateService, manager/controlapi/service.go):
// the current spec becomes PreviousSpec,
// the update status is cleared, and any update in progress is cancelled for a
// new one over a fresh snapshot. This is how a paused update resumes.
func (c *Cluster) UpdateService(ref string, spec ServiceSpec) error {
	c.lazyInit()
	if err := c.noLeader(); err != nil {
		return err
	}
	s, err := c.st.LookupService(ref)
	if err != nil {
		return err
	}
	spec = spec.Clone()
	if err := s.Spec.Spec.CheckUpdate(&spec); err != nil {
		return err
	}
	if err := spec.Validate(); err != nil {
		return err
	}
	spec.ApplyJobDefaults()
	if err := c.resolveObjects(s.ID, &spec); err != nil {
		return err
	}
	if err := c.checkTaskBudget(&s.Spec.Spec, &spec); err != nil {
		return err
	}
	ports := s.Endpoint
	if !spec.Endpoint.Equal(s.Spec.Spec.Endpoint) {
		if err := c.alloc.CheckConflicts(s.ID, spec.Endpoint); err != nil {
			return rpcErr(KindInvalidArgument, "%s", err.Error())
		}
		p, err := c.alloc.Allocate(s.ID, spec.Name, spec.Endpoint)
		if err != nil {
			return rpcErr(KindInvalidArgument, "%s", err.Error())
		}
		ports = p
	}
	old := s.Spec
	s.Prev = old
	c.st.SetSpec(s, s.NewVersion(spec))
	s.UpdatedAt = c.Now()
	c.startIteration(s, false)
	c.setEndpoint(s, ports)
	c.allocateVIPs(s.ID, &spec)
	if s.Status.State != updater.None {
		c.setUpdateStatus(s, updater.Status{})
	}
	c.record(record{kind: EventServiceUpdated, svc: s})
	c.markDirty(s)
	c.settle()
	return nil
}

// ScaleService sets a replicated service's replica count: an ordinary
// update, so it also replaces PreviousSpec and restarts a rolling update in
// progress (controlapi UpdateService, then update.Supervisor.Update).
func (c *Cluster) ScaleService(ref string, replicas uint64) error {
	c.lazyInit()
	if err := c.noLeader(); err != nil {
		return err
	}
	s, err := c.st.LookupService(ref)
	if err != nil {
		return err
	}
	spec := s.Spec.Spec.Clone()
	switch spec.Mode {
	case Replicated:
		spec.Replicas = replicas
	case ReplicatedJob:
		// docker/cli's scale.go sets a replicated job's TotalCompletions
		spec.TotalCompletions = replicas
	default:
		return daemonErr(KindInvalidArgument, "scale can only be used with replicated or replicated-job mode")
	}
	return c.UpdateService(s.ID, spec)
}

// RollbackService is a manual rollback (`docker service rollback`): Spec and
// PreviousSpec are swapped, so doing it twice goes forward again, and the
// rollback runs with the restored spec's rollback config.
func (c *Cluster) RollbackService(ref string) error {
	c.lazyInit()
	if err := c.noLeader(); err != nil {
		return err
	}
	s, err := c.st.LookupService(ref)
	if err != nil {
		return err
	}
	if s.Prev == nil {
		return rpcErr(KindFailedPrecondition, "service %s does not have a previous spec", s.ID)
	}
	if !s.Prev.Spec.Endpoint.Equal(s.Spec.Spec.Endpoint) {
		if err := c.alloc.CheckConflicts(s.ID, s.Prev.Spec.Endpoint); err != nil {
			return rpcErr(KindInvalidArgument, "%s", err.Error())
		}
	}
	if err := c.checkTaskBudget(&s.Spec.Spec, &s.Prev.Spec); err != nil {
		return err
	}
	c.swapSpec(s, s.Prev, s.Spec)
	c.startIteration(s, false)
	c.setUpdateStatus(s, updater.Status{State: updater.RollbackStarted, Message: updater.MsgManualRollback, StartedAt: c.Now()})
	c.markDirty(s)
	c.settle()
	return nil
}

// swapSpec makes to the current spec and prev the previous one, reallocating
// ports if the endpoint changes.
func (c *Cluster) swapSpec(s *store.Service, to, prev *store.SpecVersion) {
	if !to.Spec.Endpoint.Equal(s.Spec.Spec.Endpoint) {
		if p, err := c.alloc.Allocate(s.ID, to.Spec.Name, to.Spec.Endpoint); err == nil {
			c.setEndpoint(s, p)
		}
	}
	c.st.SetSpec(s, to)
	s.Prev = prev
	c.allocateVIPs(s.ID, &to.Spec)
	s.Version++
	s.UpdatedAt = c.Now()
	c.record(record{kind: EventServiceUpdated, svc: s})
}

func (c *Cluster) setEndpoint(s *store.Service, ports []mesh.PortConfig) {
	if slices.Equal(ports, s.Endpoint) {
		return
	}
	s.Endpoint = ports
	s.MeshRef = c.mesh.SetService(s.ID, s.Spec.Spec.Name, s.Spec.Spec.Endpoint.Mode, ports)
}

// RemoveService removes a service: its ports are freed at once and its tasks
// are told to stop (desired REMOVE) and are deleted once they have.
func (c *Cluster) RemoveService(ref string) error {
	c.lazyInit()
	if err := c.noLeader(); err != nil {
		return err
	}
	s, err := c.st.LookupService(ref)
	if err != nil {
		return err
	}
	c.st.RemoveService(s)
	s.Upd = nil
	c.alloc.Release(s.ID)
	c.releaseVIPs(s.ID)
	c.mesh.RemoveService(s.ID)
	c.record(record{kind: EventServiceRemoved, svc: s})
	for _, sl := range s.Slots.All() {
		for _, ts := range slices.Clone(sl.Tasks) {
			if ts.T.DesiredState != task.Remove {
				c.clearGate(ts)
				c.setDesired(ts, task.Remove)
			}
		}
	}
	c.settle()
	return nil
}

// Converged reports whether a service has reached its goal: no update or
// rollback in progress, and as many up-to-date tasks RUNNING as it wants.
// A job has converged once its current iteration has finished: all its
// completions, or a completed task on every node it runs on.
func (c *Cluster) Converged(ref string) (bool, error) {
	c.lazyInit()
	s, err := c.st.LookupService(ref)
	if err != nil {
		return false, err
	}
	return c.converged(s), nil
}

func (c *Cluster) converged(s *store.Service) bool {
	if s.Spec.Spec.Mode.IsJob() {
		return c.jobDone(s)
	}
	if st := s.Status.State; st == updater.Updating || st == updater.RollbackStarted {
		return false
	}
	if s.Upd != nil && !s.Upd.Done() {
		return false
	}
	want := int(s.Spec.Spec.Replicas)
	if s.Spec.Spec.Mode == Global {
		want = s.DesiredRunning
	}
	if s.DesiredRunning < want || s.Running < want {
		return false // cheap early answer while tasks are still starting
	}
	// Every slot (every node, for a global service) must be served by an
	// up-to-date task that is meant to run and runs; an extra task in a slot
	// does not make up for an empty one. (The updater and the restart
	// supervisor can both fill a slot: SwarmKit's restart.Supervisor and
	// update.Updater act on it without a lock between them; and a global
	// service's node reconciliation and its updater can both fill a node.)
	// A global service wants every node given a task desired RUNNING.
	served, meant := 0, 0
	for _, sl := range s.Slots.All() {
		runs, serves := false, false
		for _, ts := range sl.Tasks {
			if ts.T.DesiredState == task.Running {
				runs = true
				serves = serves || (ts.T.State() == task.Running && !s.IsDirty(ts))
			}
		}
		if runs {
			meant++
		}
		if serves {
			served++
		}
	}
	if s.Spec.Spec.Mode == Global {
		want = meant
	}
	return served == want
}
