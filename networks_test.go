package swarmsim

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/mesh"
)

// netipEqual lets cmp compare netip values, whose fields are unexported.
var netipEqual = cmp.Options{
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// objectsSnapshot is what a refused call must leave unchanged: every
// network, secret, config and service as the API shows them, and the next
// object ID.
type objectsSnapshot struct {
	Networks []*Network
	Secrets  []*Secret
	Configs  []*SwarmConfig
	Services []*Service
	NextID   string
}

func snapshotObjects(c *Cluster) objectsSnapshot {
	mark := c.objs.ids.Mark()
	next := c.objs.ids.Next()
	c.objs.ids.Reset(mark)
	return objectsSnapshot{c.Networks(), c.Secrets(), c.Configs(), c.Services(), next}
}

// Services name networks by name or ID; the spec stores the ID, the
// service gets one VIP per network (the ingress network first when it
// publishes a port, after the nodes' ingress addresses), addresses are
// taken serially, and dnsrr services get none (SwarmKit's allocator
// allocateVIPs; daemon/cluster/networks.go populateNetworkID).
func TestServiceNetworksAndVIPs(t *testing.T) {
	c := newTestCluster(t, "manager", "worker1", "worker2")
	front, _ := c.CreateNetwork(NetworkSpec{Name: "front"})
	back, _ := c.CreateNetwork(NetworkSpec{Name: "back"})
	ingress := c.Networks()[0]
	web, err := c.CreateService(ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "nginx",
		Networks: []NetworkAttachment{{Target: "front"}, {Target: back.ID}}},
		Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}})
	if err != nil {
		t.Fatal(err)
	}
	vip := func(id, addr string) VirtualIP { return VirtualIP{NetworkID: id, Addr: netip.MustParsePrefix(addr)} }
	want := []VirtualIP{vip(ingress.ID, "10.0.0.5/24"), vip(front.ID, "10.0.1.2/24"), vip(back.ID, "10.0.2.2/24")}
	if diff := cmp.Diff(want, web.VirtualIPs, netipEqual); diff != "" {
		t.Errorf("web VIPs (-want +got):\n%s", diff)
	}
	if got := []string{web.Spec.TaskTemplate.Networks[0].Target, web.Spec.TaskTemplate.Networks[1].Target}; got[0] != front.ID || got[1] != back.ID {
		t.Errorf("spec networks %v, want IDs", got)
	}
	api, _ := c.CreateService(ServiceSpec{Name: "api", Replicas: 1, TaskTemplate: TaskSpec{Image: "api",
		Networks: []NetworkAttachment{{Target: "front"}}}})
	if diff := cmp.Diff([]VirtualIP{vip(front.ID, "10.0.1.3/24")}, api.VirtualIPs, netipEqual); diff != "" {
		t.Errorf("api VIPs (-want +got):\n%s", diff)
	}
	dns, _ := c.CreateService(ServiceSpec{Name: "dns", Replicas: 1, TaskTemplate: TaskSpec{Image: "api",
		Networks: []NetworkAttachment{{Target: "front"}}}, Endpoint: mesh.EndpointSpec{Mode: mesh.DNSRR}})
	if len(dns.VirtualIPs) != 0 {
		t.Errorf("dnsrr service has VIPs %v", dns.VirtualIPs)
	}
	// Leaving back and the ingress network frees those addresses and keeps
	// the one on front.
	spec := web.Spec.Clone()
	spec.Endpoint.Ports = nil
	spec.TaskTemplate.Networks = spec.TaskTemplate.Networks[:1]
	if err := c.UpdateService("web", spec); err != nil {
		t.Fatal(err)
	}
	web, _ = c.Service("web")
	if diff := cmp.Diff([]VirtualIP{vip(front.ID, "10.0.1.2/24")}, web.VirtualIPs, netipEqual); diff != "" {
		t.Errorf("web VIPs after the update (-want +got):\n%s", diff)
	}
	// rolled back: the service gets addresses on back and ingress again,
	// the next ones after the last taken
	if err := c.RollbackService("web"); err != nil {
		t.Fatal(err)
	}
	web, _ = c.Service("web")
	want = []VirtualIP{vip(ingress.ID, "10.0.0.6/24"), vip(front.ID, "10.0.1.2/24"), vip(back.ID, "10.0.2.3/24")}
	if diff := cmp.Diff(want, web.VirtualIPs, netipEqual); diff != "" {
		t.Errorf("web VIPs after the rollback (-want +got):\n%s", diff)
	}
	if err := c.RemoveService("web"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveNetwork("back"); err != nil {
		t.Errorf("back is free once web is gone: %v", err)
	}
}

// Unknown, ingress and predefined networks are refused with the daemon's
// and SwarmKit's errors, and a refused create or update changes nothing.
func TestServiceNetworkErrors(t *testing.T) {
	c := newTestCluster(t, "manager")
	if _, err := c.CreateNetwork(NetworkSpec{Name: "front"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateService(ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "nginx"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		target, want string
	}{
		// daemon/cluster/helpers.go getNetwork
		{"nope", "network nope not found"},
		// swarmkit manager/controlapi/service.go validateNetworks
		{"ingress", `Service cannot be explicitly attached to the ingress network "ingress"`},
		// daemon/cluster/networks.go populateNetworkID
		{"none", "could not find the corresponding predefined swarm network: network none not found"},
	} {
		spec := ServiceSpec{Name: "api", Replicas: 1, TaskTemplate: TaskSpec{Image: "api", Networks: []NetworkAttachment{{Target: tc.target}}}}
		before := snapshotObjects(c)
		if _, err := c.CreateService(spec); errText(err) != tc.want {
			t.Errorf("create with network %q: %v, want %q", tc.target, err, tc.want)
		}
		upd, _ := c.Service("web")
		upd.Spec.TaskTemplate.Networks = spec.TaskTemplate.Networks
		if err := c.UpdateService("web", upd.Spec); errText(err) != tc.want {
			t.Errorf("update with network %q: %v, want %q", tc.target, err, tc.want)
		}
		if diff := cmp.Diff(before, snapshotObjects(c), netipEqual); diff != "" {
			t.Errorf("network %q: the cluster changed (-before +after):\n%s", tc.target, diff)
		}
	}
	// SwarmKit's predefined host network may be named; it gets no VIP.
	svc, err := c.CreateService(ServiceSpec{Name: "h", Replicas: 1, TaskTemplate: TaskSpec{Image: "x", Networks: []NetworkAttachment{{Target: "host"}}}})
	if err != nil || len(svc.VirtualIPs) != 0 {
		t.Errorf("host network: %v, VIPs %v", err, svc)
	}
}

// A network in use cannot be removed (swarmkit manager/controlapi/network.go
// RemoveNetwork names the service with the smallest ID); the ingress
// network can be removed once no service publishes through it, and then a
// published port is refused until a new one is created.
func TestRemoveNetwork(t *testing.T) {
	c := newTestCluster(t, "manager")
	front, _ := c.CreateNetwork(NetworkSpec{Name: "front"})
	a, _ := c.CreateService(ServiceSpec{Name: "a", Replicas: 1, TaskTemplate: TaskSpec{Image: "x", Networks: []NetworkAttachment{{Target: "front"}}}})
	b, _ := c.CreateService(ServiceSpec{Name: "b", Replicas: 1, TaskTemplate: TaskSpec{Image: "x", Networks: []NetworkAttachment{{Target: "front"}}},
		Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 80}}}})
	first := min(a.ID, b.ID)
	before := snapshotObjects(c)
	err := c.RemoveNetwork("front")
	if want := "network " + front.ID + " is in use by service " + first; errText(err) != want || !errors.Is(err, ErrFailedPrecondition) {
		t.Errorf("remove front: %v, want %q", err, want)
	}
	err = c.RemoveNetwork("ingress")
	if want := "ingress network cannot be removed because service " + b.ID + " depends on it"; errText(err) != want {
		t.Errorf("remove ingress: %v, want %q", err, want)
	}
	if err := c.RemoveNetwork("nope"); errText(err) != "network nope not found" || !errors.Is(err, ErrNotFound) {
		t.Errorf("remove nope: %v", err)
	}
	if diff := cmp.Diff(before, snapshotObjects(c), netipEqual); diff != "" {
		t.Errorf("refused removals changed the cluster (-before +after):\n%s", diff)
	}
	c.RemoveService("b")
	if err := c.RemoveNetwork("ingress"); err != nil {
		t.Fatal(err)
	}
	spec := ServiceSpec{Name: "p", Replicas: 1, TaskTemplate: TaskSpec{Image: "x"}, Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80}}}}
	// swarmkit manager/controlapi/service.go CreateService
	if _, err := c.CreateService(spec); errText(err) != "service needs ingress network, but no ingress network is present" {
		t.Errorf("create without ingress: %v", err)
	}
	ing, err := c.CreateNetwork(NetworkSpec{Name: "ingress", Ingress: true})
	if err != nil || ing.Subnet.String() != "10.0.0.0/24" {
		t.Fatalf("new ingress: %v %v", ing, err)
	}
	if _, err := c.CreateService(spec); err != nil {
		t.Errorf("create with the new ingress: %v", err)
	}
}

// The same calls give the same IDs and addresses; networks and secrets do
// not move the services' IDs.
func TestObjectsDeterministic(t *testing.T) {
	run := func(withNets bool) (string, string) {
		c := New(Config{Seed: 3})
		var net string
		if withNets {
			n, _ := c.CreateNetwork(NetworkSpec{Name: "n"})
			c.CreateSecret(SecretSpec{Name: "s", Data: []byte("x")})
			net = n.ID
		}
		svc, _ := c.CreateService(ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "x"}})
		c.RunFor(time.Second)
		return svc.ID, net
	}
	s1, n1 := run(true)
	s2, n2 := run(true)
	s3, _ := run(false)
	if s1 != s2 || n1 != n2 || s1 != s3 {
		t.Errorf("IDs differ: %s %s %s, networks %s %s", s1, s2, s3, n1, n2)
	}
}

// A network with no address left for a VIP refuses the service with a
// swarmsim error instead of leaving it unallocated as SwarmKit does; a
// service that keeps its address is not refused.
func TestVIPExhaustion(t *testing.T) {
	c := newTestCluster(t, "manager")
	// a /29 has 6 host addresses: the gateway and 5 VIPs
	if _, err := c.CreateNetwork(NetworkSpec{Name: "tiny", Subnet: netip.MustParsePrefix("10.5.0.0/29")}); err != nil {
		t.Fatal(err)
	}
	spec := func(name string) ServiceSpec {
		return ServiceSpec{Name: name, Replicas: 1, TaskTemplate: TaskSpec{Image: "x", Networks: []NetworkAttachment{{Target: "tiny"}}}}
	}
	for i := range 5 {
		if _, err := c.CreateService(spec(fmt.Sprintf("s%d", i))); err != nil {
			t.Fatalf("service %d: %v", i, err)
		}
	}
	before := snapshotObjects(c)
	_, err := c.CreateService(spec("s5"))
	if want := "swarmsim: network tiny has no free address for the service's virtual IP (SwarmKit would leave the service unallocated)"; errText(err) != want || !errors.Is(err, ErrFailedPrecondition) {
		t.Errorf("sixth service: %v, want %q", err, want)
	}
	if diff := cmp.Diff(before, snapshotObjects(c), netipEqual); diff != "" {
		t.Errorf("the refusal changed the cluster (-before +after):\n%s", diff)
	}
	up := spec("s0")
	up.Replicas = 2
	if err := c.UpdateService("s0", up); err != nil {
		t.Errorf("an update keeping its VIP: %v", err)
	}
	c.RemoveService("s1")
	if _, err := c.CreateService(spec("s5")); err != nil {
		t.Errorf("after a removal frees an address: %v", err)
	}
}
