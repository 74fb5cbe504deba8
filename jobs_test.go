package swarmsim

import (
	"errors"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// A replicated job of 10 completions, 3 at a time, whose image fails on
// every other run: at no moment do more than 3 of its tasks run or prepare,
// the job never completes more than 10, and it ends with exactly 10
// (SwarmKit's jobs/replicated/reconciler.go).
func TestReplicatedJobBounds(t *testing.T) {
	c := newTestCluster(t, "manager", "worker1", "worker2")
	c.SetImage("job:1", ImageBehavior{Pull: time.Second, Start: time.Second, ExitAfter: 3 * time.Second})
	c.SetImage("job:bad", ImageBehavior{Pull: time.Second, Start: time.Second, ExitAfter: 2 * time.Second, ExitCode: 1})
	zero := time.Duration(0)
	if _, err := c.CreateService(ServiceSpec{Name: "job", Mode: ReplicatedJob, MaxConcurrent: 3, TotalCompletions: 10,
		TaskTemplate: TaskSpec{Image: "job:bad", Restart: &RestartPolicy{Delay: &zero, MaxAttempts: 1}}}); err != nil {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		ts, _ := c.Tasks("job")
		active, done := 0, 0
		for _, x := range ts {
			if x.JobIteration != jobIterOf(t, c) {
				continue
			}
			if st := x.Status().State; st >= task.Assigned && st <= task.Running {
				active++
			}
			if x.Status().State == task.Complete {
				done++
			}
		}
		if active > 3 || done > 10 {
			t.Fatalf("at %v: %d tasks active (max 3), %d completed (max 10)", c.Elapsed(), active, done)
		}
	}
	for i := 0; i < 40 && c.Step(); i++ {
		check()
	}
	spec := mustService(t, c, "job").Spec
	spec.TaskTemplate.Image = "job:1"
	if err := c.UpdateService("job", spec); err != nil {
		t.Fatal(err)
	}
	if js := mustService(t, c, "job").JobStatus; js == nil || js.JobIteration != 1 || !js.LastExecution.Equal(c.Now()) {
		t.Fatalf("JobStatus after an update = %+v; want iteration 1 from now", js)
	}
	for c.Step() {
		check()
	}
	st, _ := c.ServiceStatus("job")
	if st != (ServiceStatus{RunningTasks: 0, DesiredTasks: 3, CompletedTasks: 10}) {
		t.Errorf("ServiceStatus = %+v; want 0 running, 3 desired, 10 completed", st)
	}
	if ok, _ := c.Converged("job"); !ok {
		t.Error("a job with all its completions is not converged")
	}
}

func jobIterOf(t *testing.T, c *Cluster) uint64 {
	return mustService(t, c, "job").JobStatus.JobIteration
}

func mustService(t *testing.T, c *Cluster, ref string) *Service {
	t.Helper()
	s, err := c.Service(ref)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Job specs are checked as SwarmKit's controlapi and the docker CLI check
// them (manager/controlapi/service.go: validateMode, validateJob); a refused
// spec leaves the cluster as it was.
func TestJobValidation(t *testing.T) {
	c := newTestCluster(t, "manager")
	cfg := updater.DefaultConfig()
	for _, tc := range []struct {
		spec ServiceSpec
		want string
	}{
		{ServiceSpec{Mode: ReplicatedJob, Update: &cfg}, "Jobs may not have an update config"},
		{ServiceSpec{Mode: GlobalJob, Replicas: 2}, "replicas can only be used with replicated or replicated-job mode"},
		{ServiceSpec{Mode: Replicated, Replicas: 1, MaxConcurrent: 2}, "max-concurrent can only be used with replicated-job mode"},
		{ServiceSpec{Mode: ReplicatedJob, MaxConcurrent: 1 << 63}, "Maximum concurrent jobs must not be negative"},
		{ServiceSpec{Mode: ReplicatedJob, TotalCompletions: 1 << 63}, "Total completed jobs must not be negative"},
		{ServiceSpec{Mode: ReplicatedJob, Replicas: 3}, "replicas of a replicated job are its TotalCompletions; Replicas must be 0"},
	} {
		tc.spec.Name, tc.spec.TaskTemplate.Image = "j", "busybox"
		_, err := c.CreateService(tc.spec)
		var se *Error
		if !errors.As(err, &se) || se.Kind != KindInvalidArgument || se.Msg != tc.want {
			t.Errorf("CreateService(%+v) = %v; want %q", tc.spec, err, tc.want)
		}
	}
	if len(c.Services()) != 0 {
		t.Error("a refused job was created")
	}
}

// The daemon's defaults (moby's daemon/cluster/convert/service.go):
// MaxConcurrent 1, TotalCompletions MaxConcurrent; ScaleService sets a
// replicated job's TotalCompletions (docker/cli's scale.go) and refuses a
// global job.
func TestJobDefaultsAndScale(t *testing.T) {
	c := newTestCluster(t, "manager")
	s, err := c.CreateService(ServiceSpec{Name: "j", Mode: ReplicatedJob, TaskTemplate: TaskSpec{Image: "busybox"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Spec.MaxConcurrent != 1 || s.Spec.TotalCompletions != 1 || s.JobStatus == nil || s.JobStatus.JobIteration != 0 {
		t.Errorf("defaults: %+v %+v", s.Spec, s.JobStatus)
	}
	if err := c.ScaleService("j", 4); err != nil {
		t.Fatal(err)
	}
	if s := mustService(t, c, "j"); s.Spec.TotalCompletions != 4 || s.JobStatus.JobIteration != 1 {
		t.Errorf("after scale: TotalCompletions %d, iteration %d; want 4, 1", s.Spec.TotalCompletions, s.JobStatus.JobIteration)
	}
	if _, err := c.CreateService(ServiceSpec{Name: "g", Mode: GlobalJob, TaskTemplate: TaskSpec{Image: "busybox"}}); err != nil {
		t.Fatal(err)
	}
	var se *Error
	if err := c.ScaleService("g", 2); !errors.As(err, &se) || se.Msg != "scale can only be used with replicated or replicated-job mode" {
		t.Errorf("scaling a global job: %v", err)
	}
}

// Two updates of a global job at one instant, with a history limit of 2
// (MaxAttempts 1): the reaper must not take the new iteration's pending
// tasks, or the orchestrator would make them again for ever
// (TestJobProperty found it).
func TestGlobalJobUpdatesAtOneInstant(t *testing.T) {
	c := newTestCluster(t, "manager", "worker1")
	spec := ServiceSpec{Name: "job", Mode: GlobalJob, TaskTemplate: TaskSpec{Image: "busybox", Restart: &RestartPolicy{MaxAttempts: 1}}}
	if _, err := c.CreateService(spec); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		spec.TaskTemplate.ForceUpdate++
		if err := c.UpdateService("job", spec); err != nil {
			t.Fatal(err)
		}
	}
	if js := mustService(t, c, "job").JobStatus; js.JobIteration != 3 {
		t.Errorf("iteration %d; want 3", js.JobIteration)
	}
	if st, _ := c.ServiceStatus("job"); st.DesiredTasks != 2 {
		t.Errorf("ServiceStatus = %+v; want 2 tasks of iteration 3 on their way", st)
	}
}

// The change path's job counters (converged and ServiceStatus read them on
// every event) agree with a count over the store after every event, through
// failures, restarts, a new iteration and a global job on changing nodes.
func TestJobCountersMatchTheStore(t *testing.T) {
	c := newTestCluster(t, "manager", "worker1", "worker2")
	c.SetImage("job:bad", ImageBehavior{Pull: time.Second, Start: time.Second, ExitAfter: 2 * time.Second, ExitCode: 1})
	c.SetImage("job:1", ImageBehavior{Pull: time.Second, Start: time.Second, ExitAfter: 3 * time.Second})
	for _, spec := range []ServiceSpec{
		{Name: "r", Mode: ReplicatedJob, MaxConcurrent: 3, TotalCompletions: 10, TaskTemplate: TaskSpec{Image: "job:bad"}},
		{Name: "g", Mode: GlobalJob, TaskTemplate: TaskSpec{Image: "job:1"}},
	} {
		if _, err := c.CreateService(spec); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string) {
		t.Helper()
		for _, s := range c.st.Services() {
			var want store.JobCount
			for _, sl := range s.Slots.All() {
				for _, ts := range sl.Tasks {
					if ts.JobIter != uint32(s.JobIter) {
						continue
					}
					st := ts.T.State()
					if st == task.Running {
						want.Running++
					}
					if st == task.Complete {
						want.Completed++
					} else if ts.T.DesiredState == task.Complete {
						want.Pending++
					}
				}
			}
			if s.Job != want {
				t.Fatalf("%s: %s counts %+v, the store %+v", when, s.Spec.Spec.Name, s.Job, want)
			}
		}
	}
	updated := false
	for i := 0; c.Step() && i < 300; i++ {
		check(c.Now().Sub(c.Epoch()).String())
		if r := c.st.Service(0); !updated && i > 20 && r.Job.Running > 0 {
			updated = true // a new iteration while tasks of the old one run
			c.SetImage("job:bad", ImageBehavior{Pull: time.Second, Start: time.Second, ExitAfter: 2 * time.Second})
			svc, _ := c.Service("r")
			spec := svc.Spec.Clone()
			spec.TaskTemplate.ForceUpdate++
			if err := c.UpdateService("r", spec); err != nil {
				t.Fatal(err)
			}
			check("after the new iteration")
			if _, err := c.AddNode(NodeConfig{Hostname: "worker3"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !updated {
		t.Fatal("no step with a running task of the replicated job")
	}
}
