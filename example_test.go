package swarmsim_test

import (
	"fmt"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/mesh"
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

// A fault plan: worker2's machine dies 5 s into a probe through the manager.
// Its task keeps a third of the rotation, and those requests time out, until
// the managers mark it DOWN (15 s) and gossip spreads the news (2 s).
func ExampleCluster_At() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	for _, n := range []swarmsim.NodeConfig{{Hostname: "manager", Role: node.Manager}, {Hostname: "worker1"}, {Hostname: "worker2"}} {
		c.AddNode(n)
	}
	c.CreateService(swarmsim.ServiceSpec{Name: "web", Replicas: 3, TaskTemplate: swarmsim.TaskSpec{Image: "web:1"},
		Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}})
	c.RunFor(30 * time.Second)

	c.At(c.Now().Add(5*time.Second), swarmsim.Fault{Kind: swarmsim.FaultNodeStop, Node: "worker2"})
	res, _ := c.Probe("manager", 8080, mesh.TCP, 100*time.Millisecond, time.Minute)
	fmt.Printf("sent %d, answered %d, timed out %d\n", res.Sent, res.Answered, res.TimedOut)
	for _, r := range res.Reasons {
		fmt.Printf("%d× %s: %s\n", r.Count, r.Kind, r.Reason)
	}
	// Output:
	// sent 600, answered 543, timed out 57
	// 57× timed out: connection timed out: port 8080/tcp on node manager routes to task web.3 of service web on node worker2, which is down
}

// A partition cuts worker2 off from the manager: connections across the cut
// time out until gossip notices, worker2 is DOWN 15 s later, and Heal brings
// it back.
func ExampleCluster_Partition() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	for _, n := range []swarmsim.NodeConfig{{Hostname: "manager", Role: node.Manager}, {Hostname: "worker1"}, {Hostname: "worker2"}} {
		c.AddNode(n)
	}
	c.Partition([]string{"manager", "worker1"}, []string{"worker2"})
	c.RunFor(20 * time.Second)
	n, _ := c.Node("worker2")
	fmt.Println(n.Status.State, n.Status.Message)
	c.Heal()
	n, _ = c.Node("worker2")
	fmt.Println(n.Status.State)
	// Output:
	// down heartbeat failure
	// ready
}

// Managers reads the managers alone, in the order their nodes joined, with
// their Raft status: the leader, and whether the others can reach it. A
// worker promoted later is listed where it joined.
func ExampleCluster_Managers() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	c.AddNode(swarmsim.NodeConfig{Hostname: "manager1", Role: node.Manager})
	c.AddNode(swarmsim.NodeConfig{Hostname: "worker1"})
	c.AddNode(swarmsim.NodeConfig{Hostname: "manager2", Role: node.Manager})
	mgr := node.Manager
	if err := c.UpdateNode("worker1", swarmsim.NodeUpdate{Role: &mgr}); err != nil {
		fmt.Println(err)
	}
	c.StopNode("manager2")
	for _, m := range c.Managers() {
		fmt.Println(m.Description.Hostname, m.ManagerStatus.Leader, m.ManagerStatus.Reachability)
	}
	// Output:
	// manager1 true reachable
	// worker1 false reachable
	// manager2 false unreachable
}
