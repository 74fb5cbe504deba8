package swarmsim_test

import (
	"fmt"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/updater"
)

// A three-node swarm runs redis with three replicas; one simulated minute
// later every task is RUNNING, one per node, and each remembers the states it
// went through.
func Example() {
	c := swarmsim.New(swarmsim.Config{Seed: 42})
	c.AddNode(swarmsim.NodeConfig{Hostname: "manager", Role: node.Manager})
	c.AddNode(swarmsim.NodeConfig{Hostname: "worker1"})
	c.AddNode(swarmsim.NodeConfig{Hostname: "worker2"})

	c.CreateService(swarmsim.ServiceSpec{
		Name:         "redis",
		Replicas:     3,
		TaskTemplate: swarmsim.TaskSpec{Image: "redis:3.0.6"},
	})
	c.RunFor(time.Minute)

	tasks, _ := c.Tasks("redis")
	for _, t := range tasks {
		fmt.Printf("%s on %s: %s\n", t.Name(), t.Node, t.Status().State)
	}
	for _, st := range tasks[0].History() {
		fmt.Printf("  %5s %-9s %s\n", st.Timestamp.Sub(c.Epoch()), st.State, st.Message)
	}
	// Output:
	// redis.1 on manager: running
	// redis.2 on worker1: running
	// redis.3 on worker2: running
	//      0s new       created
	//      0s pending   pending task scheduling
	//      0s assigned  scheduler assigned task to node
	//      0s accepted  accepted
	//      0s preparing preparing
	//      1s ready     prepared
	//      1s starting  starting
	//      2s running   started
}

// A rolling update replaces one slot at a time and waits the update delay
// after each; the update status says how it went.
func ExampleCluster_UpdateService() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	c.AddNode(swarmsim.NodeConfig{Hostname: "manager", Role: node.Manager})
	c.AddNode(swarmsim.NodeConfig{Hostname: "worker1"})
	svc, _ := c.CreateService(swarmsim.ServiceSpec{
		Name:         "redis",
		Replicas:     2,
		TaskTemplate: swarmsim.TaskSpec{Image: "redis:3.0.6"},
		Update:       &updater.Config{Parallelism: 1, Delay: 10 * time.Second},
	})
	c.RunFor(time.Minute)

	spec := svc.Spec
	spec.TaskTemplate.Image = "redis:3.0.7"
	c.UpdateService("redis", spec)
	c.RunUntilConverged(5*time.Minute, "redis")

	s, _ := c.Service("redis")
	fmt.Println(s.UpdateStatus.State, "-", s.UpdateStatus.Message)
	fmt.Println("took", s.UpdateStatus.CompletedAt.Sub(s.UpdateStatus.StartedAt))
	fmt.Println("previous image:", s.PreviousSpec.TaskTemplate.Image)
	// Output:
	// completed - update completed
	// took 39s
	// previous image: redis:3.0.6
}

// Rolling back swaps the current and previous specs.
func ExampleCluster_RollbackService() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	c.AddNode(swarmsim.NodeConfig{Hostname: "manager", Role: node.Manager})
	svc, _ := c.CreateService(swarmsim.ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: swarmsim.TaskSpec{Image: "nginx:1.25"}})
	if err := c.RollbackService("web"); err != nil {
		fmt.Println("error:", err)
	}
	spec := svc.Spec
	spec.TaskTemplate.Image = "nginx:1.27"
	c.UpdateService("web", spec)
	c.RunUntilConverged(time.Minute, "web")
	c.RollbackService("web")
	c.RunUntilConverged(time.Minute, "web")
	s, _ := c.Service("web")
	fmt.Println(s.Spec.TaskTemplate.Image, s.UpdateStatus.State, s.UpdateStatus.Message)
	// Output:
	// error: service 30qdbbpbifz4hejdiq0jtd8gy does not have a previous spec
	// nginx:1.25 rollback_completed rollback completed
}
