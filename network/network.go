// Package network holds Swarm's networks: the spec a user declares with
// `docker network create -d overlay`, the network as `docker network
// inspect` shows it, and the store that allocates what SwarmKit's manager
// allocates for it.
//
// A swarm network gets a subnet from the default address pool (10.0.0.0/8
// in /24 subnets, SwarmKit's cnmallocator: cnmNetworkAllocator.allocatePools)
// and a VXLAN ID from 4096 (the overlay driver's allocator,
// cnmNetworkAllocator.allocateDriverState). A service gets a virtual IP on
// each network it is attached to, the ingress network first when it
// publishes a port through the routing mesh (manager/allocator/network.go:
// Allocator.allocateService, cnmNetworkAllocator.AllocateService), and every
// node a load-balancer address on the ingress network
// (cnmNetworkAllocator.AllocateAttachment). Addresses are taken serially,
// from the one given last, as SwarmKit's IPAM does.
//
// Look-ups follow the daemon (moby's daemon/cluster/helpers.go: getNetwork):
// a full ID, then an exact name, then a unique ID prefix, with its "not
// found" and "ambiguous" errors. Checks that need services (a network in use
// by one) belong to the caller.
//
// Everything is deterministic: IDs come from the function the store is
// given, subnets and addresses in a fixed order.
package network

import (
	"maps"
	"net/netip"
	"time"
)

// IngressName is the name of the routing-mesh network every swarm starts
// with (SwarmKit's manager/manager.go: newIngressNetwork).
const IngressName = "ingress"

// DefaultAddressPool is the pool overlay networks get their subnets from
// unless they ask for one: 10.0.0.0/8 in /24 subnets, Docker's default
// (SwarmKit's manager/allocator/cnmallocator: DefaultAddrPool and
// SubnetSize). It is a function so that no package variable decides
// behaviour.
func DefaultAddressPool() netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, 0, 0}), 8)
}

// DefaultSubnetSize is the prefix length of a subnet taken from
// DefaultAddressPool.
const DefaultSubnetSize = 24

// FirstVXLAN is the first VXLAN ID the overlay driver gives.
const FirstVXLAN = 4096

// Spec declares a swarm network (`docker network create -d overlay`).
type Spec struct {
	Name   string
	Labels map[string]string
	// Driver is the network driver; "" means overlay, the only swarm
	// driver simulated.
	Driver     string
	DriverOpts map[string]string
	// Attachable lets standalone containers attach; Internal cuts the
	// network off from the outside. Both are stored, not simulated.
	Attachable bool
	Internal   bool
	// Ingress makes it the routing-mesh network; there is at most one.
	Ingress bool
	// Subnet and Gateway are the IPAM configuration; the zero Subnet takes
	// the next free /24 of DefaultAddressPool, the zero Gateway the
	// subnet's first address.
	Subnet  netip.Prefix
	Gateway netip.Addr
}

// Clone returns a deep copy of the spec.
func (s Spec) Clone() Spec {
	c := s
	c.Labels = maps.Clone(s.Labels)
	c.DriverOpts = maps.Clone(s.DriverOpts)
	return c
}

// Network is a swarm network as `docker network inspect` shows it.
type Network struct {
	ID        string
	Version   uint64
	CreatedAt time.Time
	UpdatedAt time.Time
	Spec      Spec
	// Subnet and Gateway are what was allocated (the spec's, or from
	// DefaultAddressPool).
	Subnet  netip.Prefix
	Gateway netip.Addr
	// VXLANID is the overlay's VXLAN ID: the first free one from
	// FirstVXLAN, the ingress network's (SwarmKit's overlay driver
	// allocator).
	VXLANID uint32
}

// VirtualIP is a service's virtual IP on one network (Endpoint.VirtualIPs):
// Addr is the address with the network's prefix length, as "10.0.0.5/24".
type VirtualIP struct {
	NetworkID string
	Addr      netip.Prefix
}

// IsPredefined reports whether Docker reserves the name (moby's
// daemon/network: IsPredefined: the engines' bridge, host, none and
// default).
func IsPredefined(name string) bool {
	switch name {
	case "bridge", "host", "none", "default":
		return true
	}
	return false
}
