package swarmsim_test

import (
	"fmt"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
)

// An overlay network takes the next /24 of Docker's default pool; a
// service attached to it, with a published port, gets a virtual IP on the
// ingress network (after the three nodes' own ingress addresses) and one on
// the overlay.
func ExampleCluster_CreateNetwork() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	c.AddNode(swarmsim.NodeConfig{Hostname: "manager", Role: node.Manager})
	c.AddNode(swarmsim.NodeConfig{Hostname: "worker1"})
	c.AddNode(swarmsim.NodeConfig{Hostname: "worker2"})
	net, _ := c.CreateNetwork(swarmsim.NetworkSpec{Name: "backend", Attachable: true})
	fmt.Println(net.Spec.Name, net.Spec.Driver, net.Subnet, net.Gateway)

	svc, _ := c.CreateService(swarmsim.ServiceSpec{
		Name: "web", Replicas: 2,
		TaskTemplate: swarmsim.TaskSpec{Image: "nginx", Networks: []swarmsim.NetworkAttachment{{Target: "backend"}}},
		Endpoint:     mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}},
	})
	for _, v := range svc.VirtualIPs {
		n, _ := c.Network(v.NetworkID)
		fmt.Println(n.Spec.Name, v.Addr)
	}
	fmt.Println(c.RemoveNetwork("backend") != nil)
	// Output:
	// backend overlay 10.0.1.0/24 10.0.1.1
	// ingress 10.0.0.5/24
	// backend 10.0.1.2/24
	// true
}

// A secret's data stays in the cluster; a service names the secret, and the
// reference gets its ID and Docker's default target. Removing a secret in
// use is refused with SwarmKit's error.
func ExampleCluster_CreateSecret() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	c.AddNode(swarmsim.NodeConfig{Hostname: "manager", Role: node.Manager})
	s, _ := c.CreateSecret(swarmsim.SecretSpec{Name: "db_password", Data: []byte("hunter2")})
	fmt.Println(s.Spec.Name, s.Spec.Data == nil)

	svc, _ := c.CreateService(swarmsim.ServiceSpec{
		Name: "db", Replicas: 1,
		TaskTemplate: swarmsim.TaskSpec{Image: "postgres", Secrets: []swarmsim.SecretReference{{SecretName: "db_password"}}},
	})
	ref := svc.Spec.TaskTemplate.Secrets[0]
	fmt.Println(ref.SecretID == s.ID, ref.File.Name, ref.File.UID, ref.File.GID, ref.File.Mode)
	fmt.Println(c.RemoveSecret("db_password"))

	_, err := c.CreateService(swarmsim.ServiceSpec{
		Name: "other", Replicas: 1,
		TaskTemplate: swarmsim.TaskSpec{Image: "x", Secrets: []swarmsim.SecretReference{{SecretName: "nope"}}},
	})
	fmt.Println(err)
	// Output:
	// db_password true
	// true db_password 0 0 -r--r--r--
	// secret 'db_password' is in use by the following service: db
	// secret not found: nope
}
