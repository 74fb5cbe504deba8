package swarmsim

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/network"
	"github.com/swarmsim/swarmsim/node"
	"pgregory.net/rapid"
)

// Whatever networks, secrets and services are created, updated and removed
// in whatever order: no two live networks share a subnet or VXLAN ID; each
// service has exactly one VIP per attached overlay network (plus ingress
// when it publishes through the mesh, none in dnsrr mode), inside the
// network's subnet, never its network, gateway or broadcast address, and no
// two services share an address; every reference a service holds names a
// live object; and a refused call changes nothing.
func TestPropertyNetworksAndSecrets(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := New(Config{Seed: rapid.Uint64().Draw(t, "seed")})
		for i := range rapid.IntRange(1, 4).Draw(t, "nodes") {
			c.AddNode(NodeConfig{Hostname: fmt.Sprintf("n%d", i), Role: node.Role(min(i, 1) ^ 1)})
		}
		names := []string{"a", "b", "c", "ingress", "bridge", "host", "none"}
		svcNames := []string{"s1", "s2", "s3"}
		genSpec := func(name string) ServiceSpec {
			spec := ServiceSpec{Name: name, Replicas: 1, TaskTemplate: TaskSpec{Image: "x"}}
			for _, n := range rapid.SliceOfNDistinct(rapid.SampledFrom(names), 0, 3, rapid.ID[string]).Draw(t, "nets") {
				spec.TaskTemplate.Networks = append(spec.TaskTemplate.Networks, NetworkAttachment{Target: n})
			}
			for _, n := range rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"k1", "k2", "k3"}), 0, 2, rapid.ID[string]).Draw(t, "secrets") {
				spec.TaskTemplate.Secrets = append(spec.TaskTemplate.Secrets, SecretReference{SecretName: n})
			}
			if rapid.Bool().Draw(t, "publish") {
				spec.Endpoint.Ports = []mesh.PortConfig{{TargetPort: 80}}
			}
			if rapid.IntRange(0, 3).Draw(t, "dnsrr") == 0 {
				spec.Endpoint.Mode = mesh.DNSRR
				spec.Endpoint.Ports = nil
			}
			return spec
		}
		for range rapid.IntRange(1, 40).Draw(t, "steps") {
			before := snapshotObjects(c)
			var err error
			switch rapid.IntRange(0, 7).Draw(t, "op") {
			case 0:
				spec := NetworkSpec{Name: rapid.SampledFrom(names).Draw(t, "net")}
				if rapid.Bool().Draw(t, "subnet") {
					spec.Subnet = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, byte(rapid.IntRange(0, 3).Draw(t, "third")), 0}), rapid.IntRange(22, 26).Draw(t, "bits")).Masked()
				}
				spec.Ingress = rapid.IntRange(0, 4).Draw(t, "ingress") == 0
				_, err = c.CreateNetwork(spec)
			case 1:
				err = c.RemoveNetwork(rapid.SampledFrom(names).Draw(t, "net"))
			case 2:
				_, err = c.CreateSecret(SecretSpec{Name: rapid.SampledFrom([]string{"k1", "k2", "k3"}).Draw(t, "secret"), Data: []byte("x")})
			case 3:
				err = c.RemoveSecret(rapid.SampledFrom([]string{"k1", "k2", "k3"}).Draw(t, "secret"))
			case 4, 5:
				_, err = c.CreateService(genSpec(rapid.SampledFrom(svcNames).Draw(t, "svc")))
			case 6:
				name := rapid.SampledFrom(svcNames).Draw(t, "svc")
				err = c.UpdateService(name, genSpec(name))
			case 7:
				err = c.RemoveService(rapid.SampledFrom(svcNames).Draw(t, "svc"))
			}
			if err != nil {
				if diff := cmp.Diff(before, snapshotObjects(c), netipEqual); diff != "" {
					t.Fatalf("refused call (%v) changed the cluster (-before +after):\n%s", err, diff)
				}
			}
			checkObjects(t, c)
		}
	})
}

func checkObjects(t *rapid.T, c *Cluster) {
	nets := map[string]*Network{}
	vxlans := map[uint32]bool{}
	var subnets []netip.Prefix
	for _, n := range c.Networks() {
		for _, p := range subnets {
			if p.Overlaps(n.Subnet) {
				t.Fatalf("network %s: subnet %s overlaps %s", n.Spec.Name, n.Subnet, p)
			}
		}
		if vxlans[n.VXLANID] {
			t.Fatalf("network %s: VXLAN ID %d used twice", n.Spec.Name, n.VXLANID)
		}
		subnets = append(subnets, n.Subnet)
		vxlans[n.VXLANID] = true
		nets[n.ID] = n
	}
	addrs := map[netip.Addr]string{}
	for _, svc := range c.Services() {
		want := 0
		if svc.Spec.Endpoint.Mode == mesh.VIP {
			if svc.Spec.NeedsIngress() && c.objs.nets.IngressID() != "" {
				want++
			}
			// a name can resolve to a network by ID prefix, as in the daemon
			// (getNetwork), so two targets can be the same network
			seen := map[string]bool{}
			for _, a := range svc.Spec.TaskTemplate.Networks {
				if _, ok := nets[a.Target]; ok && !seen[a.Target] {
					seen[a.Target] = true
					want++
				}
			}
		}
		if len(svc.VirtualIPs) != want {
			t.Fatalf("service %s: %d VIPs %v, want %d", svc.Spec.Name, len(svc.VirtualIPs), svc.VirtualIPs, want)
		}
		for _, v := range svc.VirtualIPs {
			n := nets[v.NetworkID]
			a := v.Addr.Addr()
			switch {
			case n == nil:
				t.Fatalf("service %s: VIP on unknown network %s", svc.Spec.Name, v.NetworkID)
			case v.Addr.Bits() != n.Subnet.Bits() || !n.Subnet.Contains(a) || a == n.Subnet.Addr() || a == n.Gateway || network.IsBroadcast(n.Subnet, a):
				t.Fatalf("service %s: VIP %s not a host address of %s (gateway %s)", svc.Spec.Name, v.Addr, n.Subnet, n.Gateway)
			case addrs[a] != "":
				t.Fatalf("service %s: VIP %s also held by %s", svc.Spec.Name, a, addrs[a])
			}
			addrs[a] = svc.Spec.Name
		}
		for _, r := range svc.Spec.TaskTemplate.Secrets {
			if s, err := c.Secret(r.SecretID); err != nil || s.Spec.Name != r.SecretName {
				t.Fatalf("service %s: secret reference %+v to no live secret", svc.Spec.Name, r)
			}
		}
	}
}
