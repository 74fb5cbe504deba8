package swarmsim_test

import (
	"fmt"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/node"
)

// A replicated job: 5 completions, 2 tasks at a time. Each task runs 3
// seconds after a 2-second start, so the job takes three rounds.
func Example_job() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	c.AddNode(swarmsim.NodeConfig{Hostname: "manager", Role: node.Manager})
	c.SetImage("migrate:1", swarmsim.ImageBehavior{Pull: time.Second, Start: time.Second, ExitAfter: 3 * time.Second})
	c.CreateService(swarmsim.ServiceSpec{
		Name: "migrate", Mode: swarmsim.ReplicatedJob, MaxConcurrent: 2, TotalCompletions: 5,
		TaskTemplate: swarmsim.TaskSpec{Image: "migrate:1"},
	})
	c.RunUntilConverged(time.Hour, "migrate")
	st, _ := c.ServiceStatus("migrate")
	svc, _ := c.Service("migrate")
	fmt.Printf("completed %d of %d after %s (iteration %d)\n", st.CompletedTasks, svc.Spec.TotalCompletions, c.Elapsed(), svc.JobStatus.JobIteration)
	// Output: completed 5 of 5 after 15s (iteration 0)
}

// A service health check on Docker's probe schedule: the image passes its
// check 7 seconds after the container starts; probed every 5 seconds, it is
// seen healthy at 10 seconds, and only then is the task RUNNING.
func Example_healthcheck() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	c.AddNode(swarmsim.NodeConfig{Hostname: "manager", Role: node.Manager})
	c.SetImage("web:1", swarmsim.ImageBehavior{Pull: time.Second, Start: time.Second, HealthCheck: true, HealthyAfter: 7 * time.Second})
	c.CreateService(swarmsim.ServiceSpec{
		Name: "web", Replicas: 1,
		TaskTemplate: swarmsim.TaskSpec{Image: "web:1", Healthcheck: &swarmsim.HealthConfig{
			Test: []string{"CMD-SHELL", "curl -f localhost"}, Interval: 5 * time.Second}},
	})
	c.RunFor(time.Minute)
	tasks, _ := c.Tasks("web")
	for _, st := range tasks[0].History()[6:] {
		fmt.Printf("%5s %s\n", st.Timestamp.Sub(c.Epoch()), st.State)
	}
	// Output:
	//    1s starting
	//   12s running
}
