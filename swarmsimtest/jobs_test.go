package swarmsimtest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/swarmsimtest"
	"github.com/swarmsim/swarmsim/task"
	"pgregory.net/rapid"
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

// Property: whatever the job's size, concurrency, restart policy, image
// failures, node failures and updates, a job never has more tasks under way
// than MaxConcurrent nor more completions than TotalCompletions, and every
// other invariant holds (InvJobBounds and the rest).
func TestJobProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		c := swarmsim.New(swarmsim.Config{Seed: rapid.Uint64().Draw(rt, "seed")})
		nodes := rapid.IntRange(1, 4).Draw(rt, "nodes")
		for i := range nodes {
			role := node.Worker
			if i == 0 {
				role = node.Manager
			}
			if _, err := c.AddNode(swarmsim.NodeConfig{Hostname: fmt.Sprintf("n%d", i), Role: role}); err != nil {
				rt.Fatal(err)
			}
		}
		for _, img := range []string{"job:1", "job:2"} {
			c.SetImage(img, swarmsim.ImageBehavior{
				Pull: time.Duration(rapid.IntRange(0, 2000).Draw(rt, "pull")) * time.Millisecond, Start: time.Second,
				ExitAfter: time.Duration(rapid.IntRange(1, 5000).Draw(rt, "run")) * time.Millisecond,
				ExitCode:  rapid.SampledFrom([]int{0, 0, 1}).Draw(rt, "code"),
			})
		}
		delay := time.Duration(rapid.IntRange(0, 2000).Draw(rt, "delay")) * time.Millisecond
		cond := rapid.SampledFrom([]swarmsim.RestartCondition{swarmsim.RestartAny, swarmsim.RestartOnFailure, swarmsim.RestartNone}).Draw(rt, "cond")
		mode := rapid.SampledFrom([]swarmsim.Mode{swarmsim.ReplicatedJob, swarmsim.GlobalJob}).Draw(rt, "mode")
		spec := swarmsim.ServiceSpec{Name: "job", Mode: mode,
			TaskTemplate: swarmsim.TaskSpec{Image: "job:1", Restart: &swarmsim.RestartPolicy{Condition: cond, Delay: &delay,
				MaxAttempts: uint64(rapid.IntRange(0, 3).Draw(rt, "attempts"))}}}
		if mode == swarmsim.ReplicatedJob {
			spec.MaxConcurrent = uint64(rapid.IntRange(0, 5).Draw(rt, "max"))
			spec.TotalCompletions = uint64(rapid.IntRange(0, 12).Draw(rt, "total"))
		}
		if _, err := c.CreateService(spec); err != nil {
			rt.Fatal(err)
		}
		ck := swarmsimtest.NewChecker()
		for range rapid.IntRange(1, 12).Draw(rt, "actions") {
			switch rapid.IntRange(0, 3).Draw(rt, "action") {
			case 0:
				svc, _ := c.Service("job")
				s := svc.Spec
				s.TaskTemplate.Image = rapid.SampledFrom([]string{"job:1", "job:2"}).Draw(rt, "image")
				s.TaskTemplate.ForceUpdate++
				if err := c.UpdateService("job", s); err != nil {
					rt.Fatal(err)
				}
			case 1:
				if nodes == 1 {
					break // the only manager stays up: a job update needs a leader
				}
				n := fmt.Sprintf("n%d", rapid.IntRange(1, nodes-1).Draw(rt, "node"))
				if rapid.Bool().Draw(rt, "down") {
					c.StopNode(n)
				} else {
					c.StartNode(n)
				}
			}
			for range rapid.IntRange(1, 60).Draw(rt, "steps") {
				if !c.Step() {
					break
				}
				for _, v := range ck.CheckCluster(c) {
					rt.Fatalf("at %v: %v", c.Elapsed(), v)
				}
			}
		}
	})
}
