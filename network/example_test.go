package network_test

import (
	"fmt"
	"time"

	"github.com/swarmsim/swarmsim/network"
)

// A new store has the ingress network on 10.0.0.0/24; an overlay network
// takes the next /24. A service that publishes a port gets its VIP on the
// ingress network after the nodes' load-balancer addresses, then one on
// each network it is attached to.
func ExampleStore() {
	n := 0
	newID := func() string { n++; return fmt.Sprintf("net%d", n) }
	s := network.NewStore(newID, time.Unix(0, 0))
	back, _ := s.Create(network.Spec{Name: "backend"}, time.Unix(0, 0))
	for _, x := range s.List() {
		fmt.Println(x.ID, x.Spec.Name, x.Spec.Driver, x.Subnet, x.Gateway, x.VXLANID)
	}

	// three nodes have joined; web publishes a port and is attached to backend
	s.AllocateVIPs("web", true, []string{back.ID}, 3, 3)
	fmt.Println(s.VIPs("web"))

	_, err := s.Create(network.Spec{Name: "backend"}, time.Unix(0, 0))
	fmt.Println(err)
	// Output:
	// net3 ingress overlay 10.0.0.0/24 10.0.0.1 4096
	// net4 backend overlay 10.0.1.0/24 10.0.1.1 4097
	// [{net3 10.0.0.5/24} {net4 10.0.1.2/24}]
	// network with name backend already exists
}
