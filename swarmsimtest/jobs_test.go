package swarmsimtest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/swarmsimtest"
	"github.com/swarmsim/swarmsim/task"
)

// InvJobBounds: a replicated job with max-concurrent 1 and 1 completion
// must not have two tasks under way, nor two completed.
func TestJobBoundsInvariant(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tasks []swarmsim.TaskView
		want  string
	}{
		{"two under way", []swarmsim.TaskView{mkTask("t1", 1, "n1", task.Complete, running...), mkTask("t2", 2, "n1", task.Complete, running...)}, "2 tasks under way; max-concurrent is 1"},
		{"two completed", []swarmsim.TaskView{mkTask("t1", 1, "n1", task.Complete, append(running, task.Complete)...), mkTask("t2", 2, "n1", task.Complete, append(running, task.Complete)...)}, "2 completed tasks; it asks for 1"},
		{"one of each iteration", []swarmsim.TaskView{mkTask("t1", 1, "n1", task.Complete, running...), func() swarmsim.TaskView {
			v := mkTask("t2", 2, "n1", task.Complete, running...)
			v.JobIteration = 1
			return v
		}()}, ""},
	} {
		s := base()
		s.Services[0].Spec = swarmsim.ServiceSpec{Name: "web", Mode: swarmsim.ReplicatedJob, MaxConcurrent: 1, TotalCompletions: 1,
			TaskTemplate: swarmsim.TaskSpec{Image: "app:1"}}
		s.Services[0].JobStatus = &swarmsim.JobStatus{}
		s.Services[0].Endpoint = nil
		s.Services[0].Converged = false
		s.Routes = nil
		s.Tasks = tc.tasks
		ck := swarmsimtest.NewChecker()
		var got []string
		for _, v := range ck.Check(s) {
			if v.Invariant == swarmsimtest.InvJobBounds {
				got = append(got, v.Message)
			}
		}
		if tc.want == "" && len(got) > 0 || tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)) {
			t.Errorf("%s: violations %q; want %q", tc.name, got, tc.want)
		}
	}
}

// A real job run, failures included, breaks no invariant.
func TestJobRunKeepsInvariants(t *testing.T) {
	c := swarmsim.New(swarmsim.Config{Seed: 3})
	for _, h := range []string{"m", "w1", "w2"} {
		role := node.Worker
		if h == "m" {
			role = node.Manager
		}
		if _, err := c.AddNode(swarmsim.NodeConfig{Hostname: h, Role: role}); err != nil {
			t.Fatal(err)
		}
	}
	c.SetImage("job:bad", swarmsim.ImageBehavior{Pull: time.Second, Start: time.Second, ExitAfter: 2 * time.Second, ExitCode: 1})
	c.SetImage("job:1", swarmsim.ImageBehavior{Pull: time.Second, Start: time.Second, ExitAfter: 3 * time.Second})
	zero := time.Duration(0)
	if _, err := c.CreateService(swarmsim.ServiceSpec{Name: "job", Mode: swarmsim.ReplicatedJob, MaxConcurrent: 3, TotalCompletions: 10,
		TaskTemplate: swarmsim.TaskSpec{Image: "job:bad", Restart: &swarmsim.RestartPolicy{Delay: &zero, MaxAttempts: 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateService(swarmsim.ServiceSpec{Name: "all", Mode: swarmsim.GlobalJob, TaskTemplate: swarmsim.TaskSpec{Image: "job:1"}}); err != nil {
		t.Fatal(err)
	}
	ck := swarmsimtest.NewChecker()
	check := func() {
		for _, v := range ck.CheckCluster(c) {
			t.Errorf("at %v: %v", c.Elapsed(), v)
		}
	}
	for i := 0; i < 30 && c.Step(); i++ {
		check()
	}
	svc, _ := c.Service("job")
	spec := svc.Spec
	spec.TaskTemplate.Image = "job:1"
	if err := c.UpdateService("job", spec); err != nil {
		t.Fatal(err)
	}
	for c.Step() {
		check()
	}
	if ok, _ := c.Converged("job"); !ok {
		t.Error("the job did not complete")
	}
}
