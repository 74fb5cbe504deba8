package swarmsim_test

import (
	"errors"
	"fmt"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/node"
)

// Managers and their Raft quorum: the leader's machine stops, the others
// elect one ElectionTimeout later; with two of three managers down there is
// no quorum, and every change is refused with SwarmKit's message.
func ExampleCluster_HasLeader() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	for _, h := range []string{"m1", "m2", "m3", "w1"} {
		cfg := swarmsim.NodeConfig{Hostname: h}
		if h[0] == 'm' {
			cfg.Role = node.Manager
		}
		c.AddNode(cfg)
	}
	c.StopNode("m1")
	fmt.Println("leader right after m1 stopped:", c.HasLeader())
	c.RunFor(swarmsim.ElectionTimeout)
	fmt.Println("leader", swarmsim.ElectionTimeout, "later:", c.Leader().Description.Hostname)

	c.StopNode("m2")
	_, err := c.CreateService(swarmsim.ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: swarmsim.TaskSpec{Image: "nginx"}})
	fmt.Println(errors.Is(err, swarmsim.ErrNoLeader), err)
	// Output:
	// leader right after m1 stopped: false
	// leader 10s later: m2
	// true The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online.
}
