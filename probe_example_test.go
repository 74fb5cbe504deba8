package swarmsim_test

import (
	"fmt"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/updater"
)

// Traffic that runs alongside: a rolling update runs to its end while a
// probe sends a request every 100 ms and worker2 dies 35 s in. One run says
// what the traffic lost: worker1's mesh keeps sending a third of the
// requests to worker2's task until worker2 is DOWN (15 s) and gossip has
// spread it (2 s), 57 requests that time out.
func ExampleCluster_StartProbe() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	for i, h := range []string{"manager", "worker1", "worker2"} {
		cfg := swarmsim.NodeConfig{Hostname: h}
		if i == 0 {
			cfg.Role = node.Manager
		}
		c.AddNode(cfg)
	}
	spec := swarmsim.ServiceSpec{Name: "web", Replicas: 3, TaskTemplate: swarmsim.TaskSpec{Image: "web:1"},
		Update:   &updater.Config{Parallelism: 1, Delay: 10 * time.Second},
		Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}}
	c.CreateService(spec)
	c.RunUntilConverged(time.Minute)

	spec.TaskTemplate.Image = "web:2"
	c.UpdateService("web", spec)
	c.After(35*time.Second, swarmsim.Fault{Kind: swarmsim.FaultNodeStop, Node: "worker2"})
	traffic, _ := c.StartProbe("worker1", 8080, mesh.TCP, 100*time.Millisecond, 2*time.Minute)
	c.RunUntilConverged(10*time.Minute, "web")

	r := traffic.Result()
	fmt.Printf("sent %d: %d answered, %d refused, %d timed out\n", r.Sent, r.Answered, r.Refused, r.TimedOut)
	s, _ := c.Service("web")
	fmt.Println(s.UpdateStatus.State)
	// Output:
	// sent 560: 503 answered, 0 refused, 57 timed out
	// completed
}
