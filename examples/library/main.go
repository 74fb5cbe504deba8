// Command library shows swarmsim used as a Go library: it compares how many
// requests a rolling update of a published service drops with each update
// order and parallelism, measured by probing the routing mesh while the
// update runs in virtual time.
//
//	go run ./examples/library
package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/updater"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// policy is one update configuration to try.
type policy struct {
	order       updater.Order
	parallelism uint64
}

func run(w io.Writer) error {
	fmt.Fprintln(w, "replicas order        parallelism  sent  answered  refused  update took")
	for _, replicas := range []uint64{1, 3} {
		for _, p := range []policy{{updater.StopFirst, 1}, {updater.StartFirst, 1}, {updater.StopFirst, 0}} {
			res, took, err := trial(replicas, p)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "%8d %-13s %11d %5d %9d %8d  %s\n", replicas, p.order, p.parallelism, res.Sent, res.Answered, res.Refused, took)
		}
	}
	return nil
}

// trial runs one rolling update of nginx from 1.25 to 1.27 on a three-node
// swarm while a client sends ten requests a second to port 8080 of a node
// that runs no task of the service.
func trial(replicas uint64, p policy) (swarmsim.ProbeResult, time.Duration, error) {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	for _, n := range []swarmsim.NodeConfig{
		{Hostname: "manager", Role: node.Manager, Availability: node.Drain},
		{Hostname: "worker1"},
		{Hostname: "worker2"},
	} {
		if _, err := c.AddNode(n); err != nil {
			return swarmsim.ProbeResult{}, 0, err
		}
	}
	// The new image takes 5 s to pull: stop-first leaves the slot empty
	// meanwhile.
	c.SetImage("nginx:1.27", swarmsim.ImageBehavior{Pull: 5 * time.Second, Start: time.Second, Stop: time.Second})
	spec := swarmsim.ServiceSpec{
		Name:         "web",
		Replicas:     replicas,
		TaskTemplate: swarmsim.TaskSpec{Image: "nginx:1.25"},
		Update:       &updater.Config{Parallelism: p.parallelism, Delay: 2 * time.Second, Order: p.order},
		Endpoint:     mesh.EndpointSpec{Ports: []mesh.PortConfig{{PublishedPort: 8080, TargetPort: 80}}},
	}
	if _, err := c.CreateService(spec); err != nil {
		return swarmsim.ProbeResult{}, 0, err
	}
	if ok, err := c.RunUntilConverged(time.Minute, "web"); err != nil || !ok {
		return swarmsim.ProbeResult{}, 0, fmt.Errorf("web did not start: %v", err)
	}
	spec.TaskTemplate.Image = "nginx:1.27"
	if err := c.UpdateService("web", spec); err != nil {
		return swarmsim.ProbeResult{}, 0, err
	}
	res, err := c.Probe("manager", 8080, mesh.TCP, 100*time.Millisecond, time.Minute)
	if err != nil {
		return res, 0, err
	}
	s, err := c.Service("web")
	if err != nil {
		return res, 0, err
	}
	if s.UpdateStatus == nil || s.UpdateStatus.State != updater.Completed {
		return res, 0, fmt.Errorf("update did not complete within the probe: %+v", s.UpdateStatus)
	}
	return res, s.UpdateStatus.CompletedAt.Sub(s.UpdateStatus.StartedAt), nil
}
