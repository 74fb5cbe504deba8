package network

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim/errdefs"
	"github.com/swarmsim/swarmsim/internal/ids"
	"github.com/swarmsim/swarmsim/spec"
)

// state is a network and its address allocator.
type state struct {
	id        string
	version   uint64
	createdAt time.Time
	spec      Spec
	subnet    netip.Prefix
	gateway   netip.Addr
	vxlan     uint32
	// predefined: SwarmKit's node-local "bridge" and "host" networks,
	// which services may name but which get no subnet and no VIP
	predefined bool
	used       map[netip.Addr]bool
	// last is the address allocated last: the next one is searched from
	// there, serially, as SwarmKit's IPAM allocates (AllocSerialPrefix)
	last netip.Addr
}

// Store holds a swarm's networks, the subnets and VXLAN IDs they were
// given, and the services' virtual IPs on them.
type Store struct {
	newID func() string

	networks []*state // in creation order; removed ones are nil
	byID     map[string]*state
	byName   map[string]*state // by name in lower case
	ingress  *state
	subnets  map[netip.Prefix]bool // the /24s of the default pool in use
	custom   []netip.Prefix        // subnets given with --subnet

	// vips are the services' virtual IPs, by service ID
	vips map[string][]VirtualIP
	// ingressNodes is how many of the cluster's nodes, in join order, the
	// ingress network has given their load-balancer address
	ingressNodes int
}

// NewStore returns a swarm's store as a new swarm has it: SwarmKit's
// predefined bridge and host networks, which are not listed, and the
// ingress network on 10.0.0.0/24. newID gives every network its ID; the
// three networks take the first three.
func NewStore(newID func() string, now time.Time) *Store {
	s := &Store{
		newID:   newID,
		byID:    map[string]*state{},
		byName:  map[string]*state{},
		subnets: map[netip.Prefix]bool{},
		vips:    map[string][]VirtualIP{},
	}
	// SwarmKit's predefined networks, which are not listed (the engines'
	// own bridge and host networks are)
	for _, name := range []string{"bridge", "host"} {
		n := &state{id: newID(), createdAt: now, predefined: true,
			spec: Spec{Name: name, Driver: name}}
		s.byID[n.id] = n
		s.byName[name] = n
	}
	s.ingress, _ = s.add(Spec{Name: IngressName, Driver: "overlay", Ingress: true}, now)
	return s
}

func rpcErr(k errdefs.Kind, format string, args ...any) error {
	return errdefs.RPC(k, format, args...)
}

func daemonErr(k errdefs.Kind, format string, args ...any) error {
	return errdefs.Daemon(k, format, args...)
}

var nameRE = regexp.MustCompile(spec.NamePattern)

// validName is SwarmKit's validateAnnotations for an object name
// (manager/controlapi/common.go).
func validName(name string) error {
	if name == "" {
		return rpcErr(errdefs.KindInvalidArgument, "meta: name must be provided")
	}
	if !nameRE.MatchString(name) {
		return rpcErr(errdefs.KindInvalidArgument, "name must be valid as a DNS name component")
	}
	if len(name) > 63 {
		return rpcErr(errdefs.KindInvalidArgument, "name must be 63 characters or fewer")
	}
	return nil
}

// Create validates a spec and stores the network, with its subnet, gateway
// and VXLAN ID. The checks come in the daemon's order: the name first
// (moby's network router, postNetworkCreate), then the engine's predefined
// names (daemon.createNetwork), then SwarmKit's spec checks
// (manager/controlapi/network.go: CreateNetwork, validateNetworkSpec,
// validateIPAMConfiguration) and the allocator's (a subnet that overlaps
// another). A refused create changes nothing.
func (s *Store) Create(sp Spec, now time.Time) (*Network, error) {
	sp = sp.Clone()
	if sp.Driver == "" {
		sp.Driver = "overlay"
	}
	if _, ok := s.byName[strings.ToLower(sp.Name)]; ok && !IsPredefined(sp.Name) {
		return nil, daemonErr(errdefs.KindAlreadyExists, "network with name %s already exists", sp.Name)
	}
	if IsPredefined(sp.Name) {
		return nil, daemonErr(errdefs.KindFailedPrecondition, "operation is not permitted on predefined %s network ", sp.Name)
	}
	if sp.Driver != "overlay" {
		return nil, daemonErr(errdefs.KindInvalidArgument, "swarmsim: only the overlay driver is simulated for swarm networks, not %q", sp.Driver)
	}
	if err := validName(sp.Name); err != nil {
		return nil, err
	}
	if err := spec.ValidateLabels(sp.Labels); err != nil {
		return nil, err
	}
	if sp.Attachable && sp.Ingress {
		return nil, rpcErr(errdefs.KindInvalidArgument, "ingress network cannot be attachable")
	}
	if sp.Gateway.IsValid() {
		if !sp.Subnet.IsValid() {
			return nil, daemonErr(errdefs.KindInvalidArgument, "every ip-range or gateway must have a corresponding subnet")
		}
		if !sp.Subnet.Contains(sp.Gateway) {
			return nil, rpcErr(errdefs.KindInvalidArgument, "ipam configuration: subnet %s does not contain gateway %s", sp.Subnet, sp.Gateway)
		}
	}
	if sp.Subnet.IsValid() && !sp.Subnet.Addr().Is4() {
		return nil, daemonErr(errdefs.KindInvalidArgument, "swarmsim: only IPv4 subnets are simulated, not %s", sp.Subnet)
	}
	if sp.Subnet.IsValid() && sp.Subnet.Bits() > 30 {
		return nil, daemonErr(errdefs.KindInvalidArgument, "swarmsim: subnet %s has no room for addresses", sp.Subnet)
	}
	if sp.Ingress && s.ingress != nil {
		return nil, rpcErr(errdefs.KindAlreadyExists, "ingress network (%s) is already present", s.ingress.id)
	}
	n, err := s.add(sp, now)
	if err != nil {
		return nil, err
	}
	if sp.Ingress {
		s.ingress = n
		s.ingressNodes = 0
	}
	return n.view(), nil
}

// add allocates a subnet and stores the network (SwarmKit's
// cnmNetworkAllocator.Allocate).
func (s *Store) add(sp Spec, now time.Time) (*state, error) {
	n := &state{spec: sp, createdAt: now, version: 1, used: map[netip.Addr]bool{}}
	if sp.Subnet.IsValid() {
		sub := sp.Subnet.Masked()
		for _, x := range s.networks {
			if x != nil && x.subnet.Overlaps(sub) {
				return nil, daemonErr(errdefs.KindInvalidArgument, "invalid pool request: Pool overlaps with other one on this address space")
			}
		}
		n.subnet = sub
		s.custom = append(s.custom, sub)
	} else {
		sub, ok := s.freeSubnet()
		if !ok {
			return nil, daemonErr(errdefs.KindFailedPrecondition, "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network")
		}
		n.subnet = sub
		s.subnets[sub] = true
	}
	n.gateway = sp.Gateway
	if !n.gateway.IsValid() {
		n.gateway = n.subnet.Addr().Next()
	}
	n.used[n.gateway] = true
	n.last = n.gateway
	n.vxlan = FirstVXLAN
	for slices.ContainsFunc(s.networks, func(x *state) bool { return x != nil && x.vxlan == n.vxlan }) {
		n.vxlan++
	}
	n.id = s.newID()
	s.networks = append(s.networks, n)
	s.byID[n.id] = n
	s.byName[strings.ToLower(sp.Name)] = n
	return n, nil
}

// freeSubnet is the first /24 of the default pool that is neither allocated
// nor overlapping a subnet given by hand.
func (s *Store) freeSubnet() (netip.Prefix, bool) {
	pool := DefaultAddressPool()
	base := pool.Addr().As4()
	count := 1 << (DefaultSubnetSize - pool.Bits())
next:
	for i := range count {
		a := base
		a[1] += byte(i >> 8)
		a[2] += byte(i)
		p := netip.PrefixFrom(netip.AddrFrom4(a), DefaultSubnetSize)
		if s.subnets[p] {
			continue
		}
		for _, c := range s.custom {
			if c.Overlaps(p) {
				continue next
			}
		}
		return p, true
	}
	return netip.Prefix{}, false
}

func (n *state) view() *Network {
	return &Network{ID: n.id, Version: n.version, CreatedAt: n.createdAt, UpdatedAt: n.createdAt,
		Spec: n.spec.Clone(), Subnet: n.subnet, Gateway: n.gateway, VXLANID: n.vxlan}
}

// List returns the swarm networks in creation order (ingress first,
// SwarmKit's node-local bridge and host left out).
func (s *Store) List() []*Network {
	var out []*Network
	for _, n := range s.networks {
		if n != nil {
			out = append(out, n.view())
		}
	}
	return out
}

// Get looks a swarm network up by full ID, exact name or unique ID prefix,
// with the daemon's errors (moby's daemon/cluster/helpers.go: getNetwork).
func (s *Store) Get(ref string) (*Network, error) {
	n, err := s.lookup(ref)
	if err != nil {
		return nil, err
	}
	return n.view(), nil
}

func (s *Store) lookup(ref string) (*state, error) {
	if n, ok := s.byID[ref]; ok && !n.predefined {
		return n, nil
	}
	for _, n := range s.networks {
		if n != nil && n.spec.Name == ref {
			return n, nil
		}
	}
	found, n := ids.Scan(s.networks, ref, func(n *state) string { return n.id })
	return ids.Unique("network", ref, found, n)
}

// IngressID is the ID of the ingress network, "" when it was removed.
func (s *Store) IngressID() string {
	if s.ingress == nil {
		return ""
	}
	return s.ingress.id
}

// Remove deletes the network with the given ID and frees its subnet. The
// caller checks first that no service uses it (SwarmKit's
// manager/controlapi/network.go: RemoveNetwork); an unknown ID is
// Docker's "not found".
func (s *Store) Remove(id string) error {
	n, ok := s.byID[id]
	if !ok || n.predefined {
		return daemonErr(errdefs.KindNotFound, "network %s not found", id)
	}
	for i, x := range s.networks {
		if x == n {
			s.networks[i] = nil
		}
	}
	delete(s.byID, n.id)
	delete(s.byName, strings.ToLower(n.spec.Name))
	delete(s.subnets, n.subnet)
	if i := slices.Index(s.custom, n.subnet); i >= 0 && n.spec.Subnet.IsValid() {
		s.custom = slices.Delete(s.custom, i, i+1)
	}
	if n == s.ingress {
		s.ingress = nil
	}
	return nil
}

// ResolveAttachment is the ID of the network a service's attachment names:
// a swarm network by ID, name or unique ID prefix, or SwarmKit's predefined
// bridge or host network by name. The ingress network and Docker's other
// predefined names are refused (moby's daemon/cluster/networks.go:
// populateNetworkID; SwarmKit's manager/controlapi/service.go:
// validateNetworks).
func (s *Store) ResolveAttachment(target string) (string, error) {
	n, err := s.lookup(target)
	if err != nil {
		if p, ok := s.byName[target]; ok && p.predefined {
			return p.id, nil
		}
		if IsPredefined(target) {
			return "", daemonErr(errdefs.KindNotFound, "could not find the corresponding predefined swarm network: network %s not found", target)
		}
		return "", err
	}
	if n == s.ingress {
		return "", rpcErr(errdefs.KindInvalidArgument, "Service cannot be explicitly attached to the ingress network %q", n.spec.Name)
	}
	return n.id, nil
}
