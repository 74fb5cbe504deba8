package mesh_test

import (
	"errors"
	"fmt"

	"github.com/swarmsim/swarmsim/mesh"
)

// The seed walkthrough's routing mesh: `docker service create --name myweb
// --publish 8080:80 --replicas 2 nginx` on a swarm of manager, worker1 and
// worker2. The manager runs no task but answers on 8080 all the same.
func Example() {
	spec := mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}
	if err := spec.Validate(); err != nil {
		panic(err)
	}
	alloc := mesh.NewAllocator()
	if err := alloc.CheckConflicts("svc1", spec); err != nil {
		panic(err)
	}
	ports, err := alloc.Allocate("svc1", "myweb", spec)
	if err != nil {
		panic(err)
	}
	fmt.Println("PORTS", mesh.FormatIngressPorts(ports))

	m := mesh.New()
	for _, n := range []string{"manager", "worker1", "worker2"} {
		m.AddNode(n)
	}
	m.SetService("svc1", "myweb", spec.Mode, ports)
	m.AddBackend("svc1", "myweb.1", "worker1")
	m.AddBackend("svc1", "myweb.2", "worker2")
	for range 3 {
		r, _ := m.Resolve("manager", 8080, mesh.TCP)
		fmt.Println("manager:8080 ->", r.TaskID, "on", r.NodeID)
	}

	// A second service asking for 8080 is refused.
	fmt.Println(alloc.CheckConflicts("svc2", spec))

	// Worker2's firewall drops VXLAN (4789/udp): its task stays in the
	// manager's rotation, but the manager cannot reach it.
	m.Block("worker2", mesh.DataPathPort, mesh.UDP)
	_, err = m.Resolve("manager", 8080, mesh.TCP)
	fmt.Println(err)
	// Output:
	// PORTS *:8080->80/tcp
	// manager:8080 -> myweb.1 on worker1
	// manager:8080 -> myweb.2 on worker2
	// manager:8080 -> myweb.1 on worker1
	// port '8080' is already in use by service 'myweb' (svc1) as an ingress port
	// connection refused: port 8080/tcp on node manager routes to task myweb.2 of service myweb on node worker2, but the overlay path between the nodes is blocked (4789/udp)
}

// Dynamic ingress ports come from a sequential cursor starting at 30000.
func ExampleAllocator_Allocate() {
	alloc := mesh.NewAllocator()
	a, _ := alloc.Allocate("a", "a", mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80}, {TargetPort: 81}}})
	b, _ := alloc.Allocate("b", "b", mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80}}})
	alloc.Release("a")
	c, _ := alloc.Allocate("c", "c", mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80}}})
	fmt.Println(mesh.FormatIngressPorts(a))
	fmt.Println(mesh.FormatIngressPorts(b))
	fmt.Println(mesh.FormatIngressPorts(c))
	// Output:
	// *:30000-30001->80-81/tcp
	// *:30002->80/tcp
	// *:30003->80/tcp
}

// A node dies: the other nodes keep its task in their rotation until they are
// told (RemoveBackend), and a connection sent to it times out. A partition
// cuts the overlay between groups: across it connections time out until
// gossip notices (SettlePartition), then only the near side's tasks answer.
func ExampleMesh_Partition() {
	m := mesh.New()
	m.SetService("svc1", "web", mesh.VIP, []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080, PublishMode: mesh.Ingress}})
	m.AddBackend("svc1", "t1", "worker1")
	m.AddBackend("svc1", "t2", "worker2")
	show := func() {
		r, err := m.Resolve("worker1", 8080, mesh.TCP)
		if err != nil {
			fmt.Println(errors.Is(err, mesh.ErrTimedOut), err)
			return
		}
		fmt.Println(r.TaskID)
	}
	m.SetNodeUp("worker2", false)
	show()
	show()
	m.RemoveBackend("svc1", "t2")
	show()
	m.SetNodeUp("worker2", true)
	m.AddBackend("svc1", "t2", "worker2")
	m.Partition([][]string{{"worker1"}, {"worker2"}})
	show()
	show()
	m.SettlePartition()
	show()
	// Output:
	// t1
	// true connection timed out: port 8080/tcp on node worker1 routes to task t2 of service web on node worker2, which is down
	// t1
	// true connection timed out: port 8080/tcp on node worker1 routes to task t2 of service web on node worker2, across a network partition
	// t1
	// t1
}

// A caller that keeps its nodes', services' and tasks' records, as the root
// package does, adds and removes backends by handles: no look-up by ID on
// the way. The rotation is the one AddBackend gives.
func ExampleMesh_AddBackendRef() {
	m := mesh.New()
	manager, worker1 := m.AddNode("manager"), m.AddNode("worker1")
	web := m.SetService("svc1", "myweb", mesh.VIP, []mesh.PortConfig{{Protocol: mesh.TCP, TargetPort: 80, PublishedPort: 8080, PublishMode: mesh.Ingress}})
	one := m.AddBackendRef(web, manager, "myweb.1")
	m.AddBackendRef(web, worker1, "myweb.2")
	for range 2 {
		r, _ := m.Resolve("worker1", 8080, mesh.TCP)
		fmt.Println("worker1:8080 ->", r.TaskID, "on", r.NodeID)
	}
	m.RemoveBackendRef(web, one) // myweb.1 is being shut down
	m.RemoveBackendRef(web, one) // a stale handle removes nothing
	fmt.Println(m.Backends("svc1"))
	// Output:
	// worker1:8080 -> myweb.1 on manager
	// worker1:8080 -> myweb.2 on worker1
	// [myweb.2]
}
