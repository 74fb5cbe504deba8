package network

import (
	"net/netip"
	"slices"

	"github.com/swarmsim/swarmsim/errdefs"
)

// allocAddr takes the next free address after the last one allocated,
// wrapping around, as SwarmKit's serial IPAM does; the network and
// broadcast addresses are never given.
func (n *state) allocAddr() (netip.Prefix, bool) {
	a := n.last
	for {
		a = a.Next()
		if !n.subnet.Contains(a) {
			a = n.subnet.Addr().Next()
		}
		if a == n.last {
			return netip.Prefix{}, false
		}
		if n.used[a] || IsBroadcast(n.subnet, a) {
			continue
		}
		n.used[a] = true
		n.last = a
		return netip.PrefixFrom(a, n.subnet.Bits()), true
	}
}

// free counts the addresses of the subnet still free for VIPs.
func (n *state) free() int {
	hosts := 1<<(32-n.subnet.Bits()) - 2
	for a := range n.used {
		if a != n.subnet.Addr() && !IsBroadcast(n.subnet, a) {
			hosts--
		}
	}
	return hosts
}

// IsBroadcast reports whether a is the broadcast address of the IPv4
// subnet p, which is never given to a service or a node (a /31 or /32 has
// none).
func IsBroadcast(p netip.Prefix, a netip.Addr) bool {
	if !a.Is4() || p.Bits() >= 31 {
		return false
	}
	b := a.As4()
	host := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	mask := uint32(1)<<(32-p.Bits()) - 1
	return host&mask == mask
}

// IngressNodes is how many of the cluster's nodes, counted in join order
// with the removed ones, the ingress network has given their load-balancer
// address (SwarmKit's cnmNetworkAllocator.AllocateAttachment). The nodes
// that joined since get theirs just before the next service's first VIP on
// the ingress network; a new ingress network starts again from 0.
func (s *Store) IngressNodes() int { return s.ingressNodes }

// vipNetworks are the networks a service gets a VIP on, in SwarmKit's
// order: the ingress network first when it publishes through the mesh,
// then the attached swarm networks (predefined ones get none).
func (s *Store) vipNetworks(ingress bool, targets []string) []*state {
	var want []*state
	if ingress && s.ingress != nil {
		want = append(want, s.ingress)
	}
	for _, id := range targets {
		if n, ok := s.byID[id]; ok && !n.predefined && !slices.Contains(want, n) {
			want = append(want, n)
		}
	}
	return want
}

// CheckVIPs refuses a service whose new VIPs would find no free address:
// ingress is whether it publishes a port through the routing mesh, targets
// the IDs of the networks it is attached to, and newNodes how many live
// nodes joined since IngressNodes, which take an ingress address first.
// SwarmKit would leave such a service unallocated; swarmsim refuses it
// with a message of its own.
func (s *Store) CheckVIPs(serviceID string, ingress bool, targets []string, newNodes int) error {
	for _, n := range s.vipNetworks(ingress, targets) {
		if slices.ContainsFunc(s.vips[serviceID], func(v VirtualIP) bool { return v.NetworkID == n.id }) {
			continue
		}
		need := 1
		if n == s.ingress {
			need += newNodes
		}
		if n.free() < need {
			return daemonErr(errdefs.KindFailedPrecondition, "swarmsim: network %s has no free address for the service's virtual IP (SwarmKit would leave the service unallocated)", n.spec.Name)
		}
	}
	return nil
}

// AllocateVIPs gives a service a virtual IP on each network it is attached
// to (targets, by ID), the ingress network first when ingress is true,
// keeping the addresses it has and freeing those on networks it left
// (SwarmKit's cnmNetworkAllocator.AllocateService). Before the service's
// first VIP on the ingress network, the newNodes live nodes that joined
// since IngressNodes get their load-balancer address, and IngressNodes
// becomes nodes. A dnsrr service passes false and no targets, and has
// none.
func (s *Store) AllocateVIPs(serviceID string, ingress bool, targets []string, newNodes, nodes int) {
	old := s.vips[serviceID]
	want := s.vipNetworks(ingress, targets)
	var out []VirtualIP
	for _, v := range old {
		if n, ok := s.byID[v.NetworkID]; ok && !slices.Contains(want, n) {
			delete(n.used, v.Addr.Addr())
		}
	}
	for _, n := range want {
		i := slices.IndexFunc(old, func(v VirtualIP) bool { return v.NetworkID == n.id })
		if i >= 0 {
			out = append(out, old[i])
			continue
		}
		if n == s.ingress {
			for range newNodes {
				n.allocAddr()
			}
			s.ingressNodes = nodes
		}
		if a, ok := n.allocAddr(); ok {
			out = append(out, VirtualIP{NetworkID: n.id, Addr: a})
		}
	}
	if len(out) == 0 {
		delete(s.vips, serviceID)
		return
	}
	s.vips[serviceID] = out
}

// ReleaseVIPs frees a removed service's addresses.
func (s *Store) ReleaseVIPs(serviceID string) {
	for _, v := range s.vips[serviceID] {
		if n, ok := s.byID[v.NetworkID]; ok {
			delete(n.used, v.Addr.Addr())
		}
	}
	delete(s.vips, serviceID)
}

// VIPs returns a copy of a service's virtual IPs, in allocation order.
func (s *Store) VIPs(serviceID string) []VirtualIP {
	return slices.Clone(s.vips[serviceID])
}
