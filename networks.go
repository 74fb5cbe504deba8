package swarmsim

import (
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim/internal/ids"
	"github.com/swarmsim/swarmsim/mesh"
)

// IngressNetworkName is the name of the routing-mesh network every swarm
// starts with (SwarmKit's manager.newIngressNetwork).
const IngressNetworkName = "ingress"

// DefaultAddressPool is the pool overlay networks get their subnets from
// unless they ask for one: 10.0.0.0/8 in /24 subnets, Docker's default
// (SwarmKit's DefaultAddrPool and SubnetSize).
var DefaultAddressPool = netip.MustParsePrefix("10.0.0.0/8")

// DefaultSubnetSize is the prefix length of a subnet taken from
// DefaultAddressPool.
const DefaultSubnetSize = 24

// NetworkSpec declares a swarm network (`docker network create -d overlay`).
type NetworkSpec struct {
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
func (s NetworkSpec) Clone() NetworkSpec {
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
	Spec      NetworkSpec
	// Subnet and Gateway are what was allocated (the spec's, or from
	// DefaultAddressPool).
	Subnet  netip.Prefix
	Gateway netip.Addr
	// VXLANID is the overlay's VXLAN ID: the first free one from 4096, the
	// ingress network's (SwarmKit's overlay driver allocator).
	VXLANID uint32
}

// VirtualIP is a service's virtual IP on one network (Endpoint.VirtualIPs):
// Addr is the address with the network's prefix length, as "10.0.0.5/24".
type VirtualIP struct {
	NetworkID string
	Addr      netip.Prefix
}

// networkState is a network and its address allocator.
type networkState struct {
	id        string
	version   uint64
	createdAt time.Time
	spec      NetworkSpec
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

// objectStore holds the cluster's networks, secrets and configs.
type objectStore struct {
	ids *ids.Generator // a stream of its own: services' IDs do not move

	networks  []*networkState // in creation order; removed ones are nil
	netByID   map[string]*networkState
	netByName map[string]*networkState // by name in lower case
	ingress   *networkState
	subnets   map[netip.Prefix]bool // the /24s of the default pool in use
	custom    []netip.Prefix        // subnets given with --subnet

	// vips are the services' virtual IPs, by service ID
	vips map[string][]VirtualIP
	// ingressNodes is how far into c.nodes the ingress network has given
	// nodes their load-balancer address
	ingressNodes int

	secrets     []*secretState
	secretByID  map[string]*secretState
	secretByKey map[string]*secretState
	configs     []*secretState
	configByID  map[string]*secretState
	configByKey map[string]*secretState
}

// firstVXLAN is the first VXLAN ID the overlay driver gives.
const firstVXLAN = 4096

// objectsSeed separates the objects' ID stream from the services'.
const objectsSeed = 0x6e65_7473_6563 // "netsec"

func newObjectStore(seed uint64, now time.Time) *objectStore {
	o := &objectStore{
		ids:         ids.New(seed ^ objectsSeed),
		netByID:     map[string]*networkState{},
		netByName:   map[string]*networkState{},
		subnets:     map[netip.Prefix]bool{},
		vips:        map[string][]VirtualIP{},
		secretByID:  map[string]*secretState{},
		secretByKey: map[string]*secretState{},
		configByID:  map[string]*secretState{},
		configByKey: map[string]*secretState{},
	}
	// SwarmKit's predefined networks, which are not listed (the engines'
	// own bridge and host networks are)
	for _, name := range []string{"bridge", "host"} {
		n := &networkState{id: o.ids.Next(), createdAt: now, predefined: true,
			spec: NetworkSpec{Name: name, Driver: name}}
		o.netByID[n.id] = n
		o.netByName[name] = n
	}
	ing, _ := o.addNetwork(NetworkSpec{Name: IngressNetworkName, Driver: "overlay", Ingress: true}, now)
	o.ingress = ing
	return o
}

// objects returns the store, creating it for a zero Cluster.
func (c *Cluster) objects() *objectStore {
	c.lazyInit()
	if c.objs == nil {
		c.objs = newObjectStore(c.cfg.Seed, c.Now())
	}
	return c.objs
}

// IsPredefinedNetwork reports whether Docker reserves the name
// (network.IsPredefined: the engines' bridge, host, none and default).
func IsPredefinedNetwork(name string) bool {
	switch name {
	case "bridge", "host", "none", "default":
		return true
	}
	return false
}

// addNetwork allocates a subnet and stores the network.
func (o *objectStore) addNetwork(spec NetworkSpec, now time.Time) (*networkState, error) {
	n := &networkState{spec: spec, createdAt: now, version: 1, used: map[netip.Addr]bool{}}
	if spec.Subnet.IsValid() {
		sub := spec.Subnet.Masked()
		for _, p := range o.inUse() {
			if p.Overlaps(sub) {
				return nil, daemonErr(KindInvalidArgument, "invalid pool request: Pool overlaps with other one on this address space")
			}
		}
		n.subnet = sub
		o.custom = append(o.custom, sub)
	} else {
		sub, ok := o.freeSubnet()
		if !ok {
			return nil, daemonErr(KindFailedPrecondition, "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network")
		}
		n.subnet = sub
		o.subnets[sub] = true
	}
	n.gateway = spec.Gateway
	if !n.gateway.IsValid() {
		n.gateway = n.subnet.Addr().Next()
	}
	n.used[n.gateway] = true
	n.last = n.gateway
	n.vxlan = firstVXLAN
	for slices.ContainsFunc(o.networks, func(x *networkState) bool { return x != nil && x.vxlan == n.vxlan }) {
		n.vxlan++
	}
	n.id = o.ids.Next()
	o.networks = append(o.networks, n)
	o.netByID[n.id] = n
	o.netByName[strings.ToLower(spec.Name)] = n
	return n, nil
}

// inUse lists every allocated subnet, in creation order.
func (o *objectStore) inUse() []netip.Prefix {
	var out []netip.Prefix
	for _, n := range o.networks {
		if n != nil {
			out = append(out, n.subnet)
		}
	}
	return out
}

// freeSubnet is the first /24 of the default pool that is neither allocated
// nor overlapping a subnet given by hand.
func (o *objectStore) freeSubnet() (netip.Prefix, bool) {
	base := DefaultAddressPool.Addr().As4()
	count := 1 << (DefaultSubnetSize - DefaultAddressPool.Bits())
next:
	for i := range count {
		a := base
		a[1] += byte(i >> 8)
		a[2] += byte(i)
		p := netip.PrefixFrom(netip.AddrFrom4(a), DefaultSubnetSize)
		if o.subnets[p] {
			continue
		}
		for _, c := range o.custom {
			if c.Overlaps(p) {
				continue next
			}
		}
		return p, true
	}
	return netip.Prefix{}, false
}

// allocAddr takes the next free address after the last one allocated,
// wrapping around, as SwarmKit's serial IPAM does; the network and
// broadcast addresses are never given.
func (n *networkState) allocAddr() (netip.Prefix, bool) {
	a := n.last
	for {
		a = a.Next()
		if !n.subnet.Contains(a) {
			a = n.subnet.Addr().Next()
		}
		if a == n.last {
			return netip.Prefix{}, false
		}
		if n.used[a] || isBroadcast(n.subnet, a) {
			continue
		}
		n.used[a] = true
		n.last = a
		return netip.PrefixFrom(a, n.subnet.Bits()), true
	}
}

func isBroadcast(p netip.Prefix, a netip.Addr) bool {
	if !a.Is4() || p.Bits() >= 31 {
		return false
	}
	b := a.As4()
	host := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	mask := uint32(1)<<(32-p.Bits()) - 1
	return host&mask == mask
}

func (n *networkState) view() *Network {
	return &Network{ID: n.id, Version: n.version, CreatedAt: n.createdAt, UpdatedAt: n.createdAt,
		Spec: n.spec.Clone(), Subnet: n.subnet, Gateway: n.gateway, VXLANID: n.vxlan}
}

// CreateNetwork creates a swarm network, as `docker network create -d
// overlay` does. It returns Docker's errors for a name in use, a reserved
// name, a second ingress network or a bad IPAM configuration, and
// ErrNoLeader without a leader; a refused create changes nothing.
func (c *Cluster) CreateNetwork(spec NetworkSpec) (*Network, error) {
	o := c.objects()
	if err := c.noLeader(); err != nil {
		return nil, err
	}
	spec = spec.Clone()
	if spec.Driver == "" {
		spec.Driver = "overlay"
	}
	// The daemon's network router checks the name first
	// (postNetworkCreate), then the engine's predefined names
	// (daemon.createNetwork), then SwarmKit validates the spec
	// (controlapi validateNetworkSpec).
	if _, ok := o.netByName[strings.ToLower(spec.Name)]; ok && !IsPredefinedNetwork(spec.Name) {
		return nil, daemonErr(KindAlreadyExists, "network with name %s already exists", spec.Name)
	}
	if IsPredefinedNetwork(spec.Name) {
		return nil, daemonErr(KindFailedPrecondition, "operation is not permitted on predefined %s network ", spec.Name)
	}
	if spec.Driver != "overlay" {
		return nil, daemonErr(KindInvalidArgument, "swarmsim: only the overlay driver is simulated for swarm networks, not %q", spec.Driver)
	}
	if err := validAnnotationName(spec.Name); err != nil {
		return nil, err
	}
	if err := validLabels(spec.Labels); err != nil {
		return nil, err
	}
	if spec.Attachable && spec.Ingress {
		return nil, rpcErr(KindInvalidArgument, "ingress network cannot be attachable")
	}
	if spec.Gateway.IsValid() {
		if !spec.Subnet.IsValid() {
			return nil, daemonErr(KindInvalidArgument, "every ip-range or gateway must have a corresponding subnet")
		}
		if !spec.Subnet.Contains(spec.Gateway) {
			return nil, rpcErr(KindInvalidArgument, "ipam configuration: subnet %s does not contain gateway %s", spec.Subnet, spec.Gateway)
		}
	}
	if spec.Subnet.IsValid() && !spec.Subnet.Addr().Is4() {
		return nil, daemonErr(KindInvalidArgument, "swarmsim: only IPv4 subnets are simulated, not %s", spec.Subnet)
	}
	if spec.Subnet.IsValid() && spec.Subnet.Bits() > 30 {
		return nil, daemonErr(KindInvalidArgument, "swarmsim: subnet %s has no room for addresses", spec.Subnet)
	}
	if spec.Ingress && o.ingress != nil {
		return nil, rpcErr(KindAlreadyExists, "ingress network (%s) is already present", o.ingress.id)
	}
	n, err := o.addNetwork(spec, c.Now())
	if err != nil {
		return nil, err
	}
	if spec.Ingress {
		o.ingress = n
		o.ingressNodes = 0
	}
	return n.view(), nil
}

// validAnnotationName is SwarmKit's validateAnnotations for an object name.
func validAnnotationName(name string) error {
	if name == "" {
		return rpcErr(KindInvalidArgument, "meta: name must be provided")
	}
	if !serviceNameRE.MatchString(name) {
		return rpcErr(KindInvalidArgument, "name must be valid as a DNS name component")
	}
	if len(name) > 63 {
		return rpcErr(KindInvalidArgument, "name must be 63 characters or fewer")
	}
	return nil
}

// Networks lists the swarm networks in creation order (ingress first,
// SwarmKit's node-local bridge and host left out).
func (c *Cluster) Networks() []*Network {
	o := c.objects()
	var out []*Network
	for _, n := range o.networks {
		if n != nil {
			out = append(out, n.view())
		}
	}
	return out
}

// Network looks a swarm network up by ID, name or unique ID prefix (the
// daemon's getNetwork).
func (c *Cluster) Network(ref string) (*Network, error) {
	n, err := c.lookupNetwork(ref)
	if err != nil {
		return nil, err
	}
	return n.view(), nil
}

func (c *Cluster) lookupNetwork(ref string) (*networkState, error) {
	o := c.objects()
	if n, ok := o.netByID[ref]; ok && !n.predefined {
		return n, nil
	}
	for _, n := range o.networks {
		if n != nil && n.spec.Name == ref {
			return n, nil
		}
	}
	var found *networkState
	count := 0
	if ref != "" {
		for _, n := range o.networks {
			if n != nil && strings.HasPrefix(n.id, ref) {
				found = n
				count++
			}
		}
	}
	switch count {
	case 0:
		return nil, daemonErr(KindNotFound, "network %s not found", ref)
	case 1:
		return found, nil
	}
	return nil, daemonErr(KindInvalidArgument, "network %s is ambiguous (%d matches found)", ref, count)
}

// RemoveNetwork removes a swarm network. A network a service is attached
// to is refused with SwarmKit's "network … is in use by service …", and the
// ingress network while a service publishes a port through it.
func (c *Cluster) RemoveNetwork(ref string) error {
	c.lazyInit()
	if err := c.noLeader(); err != nil {
		return err
	}
	n, err := c.lookupNetwork(ref)
	if err != nil {
		return err
	}
	o := c.objs
	// controlapi RemoveNetwork: store.FindServices returns services in ID
	// order, and the first one is named.
	if n == o.ingress {
		if s := c.firstService(func(s *serviceState) bool { return needsIngress(&s.spec.spec) }); s != nil {
			return rpcErr(KindFailedPrecondition, "ingress network cannot be removed because service %s depends on it", s.id)
		}
	} else if s := c.firstService(func(s *serviceState) bool { return attachedTo(&s.spec.spec, n.id) }); s != nil {
		return rpcErr(KindFailedPrecondition, "network %s is in use by service %s", n.id, s.id)
	}
	for i, x := range o.networks {
		if x == n {
			o.networks[i] = nil
		}
	}
	delete(o.netByID, n.id)
	delete(o.netByName, strings.ToLower(n.spec.Name))
	delete(o.subnets, n.subnet)
	if i := slices.Index(o.custom, n.subnet); i >= 0 && n.spec.Subnet.IsValid() {
		o.custom = slices.Delete(o.custom, i, i+1)
	}
	if n == o.ingress {
		o.ingress = nil
	}
	return nil
}

// firstService is the live service with the smallest ID that matches.
func (c *Cluster) firstService(match func(*serviceState) bool) *serviceState {
	var best *serviceState
	for _, s := range c.services {
		if s != nil && match(s) && (best == nil || s.id < best.id) {
			best = s
		}
	}
	return best
}

func attachedTo(spec *ServiceSpec, networkID string) bool {
	for _, a := range spec.TaskTemplate.Networks {
		if a.Target == networkID {
			return true
		}
	}
	return false
}

// needsIngress reports whether a spec publishes a port through the routing
// mesh (SwarmKit's allocator IsIngressNetworkNeeded).
func needsIngress(spec *ServiceSpec) bool {
	for _, p := range spec.Endpoint.Ports {
		if p.PublishMode == mesh.Ingress {
			return true
		}
	}
	return false
}

// resolveObjects checks a spec's networks, secrets and configs against the
// stores and replaces network names by IDs and fills secret and config
// references, as the daemon (populateNetworkID) and SwarmKit's controlapi
// (validateNetworks, checkSecretExistence) do, and refuses a spec whose VIP
// would find no free address. serviceID is the service's, "" for a new
// one. It changes only spec.
func (c *Cluster) resolveObjects(serviceID string, spec *ServiceSpec) error {
	o := c.objects()
	t := &spec.TaskTemplate
	for i := range t.Networks {
		a := &t.Networks[i]
		n, err := c.lookupNetwork(a.Target)
		if err != nil {
			if p, ok := o.netByName[a.Target]; ok && p.predefined {
				a.Target = p.id
				continue
			}
			if IsPredefinedNetwork(a.Target) {
				return daemonErr(KindNotFound, "could not find the corresponding predefined swarm network: network %s not found", a.Target)
			}
			return err
		}
		if n == o.ingress {
			return rpcErr(KindInvalidArgument, "Service cannot be explicitly attached to the ingress network %q", n.spec.Name)
		}
		a.Target = n.id
	}
	if needsIngress(spec) && o.ingress == nil {
		return rpcErr(KindFailedPrecondition, "service needs ingress network, but no ingress network is present")
	}
	if err := c.resolveRefs(spec); err != nil {
		return err
	}
	// a network without a free address for the service's VIP
	for _, n := range c.vipNetworks(spec) {
		if slices.ContainsFunc(o.vips[serviceID], func(v VirtualIP) bool { return v.NetworkID == n.id }) {
			continue
		}
		need := 1
		if n == o.ingress {
			for _, ns := range c.nodes[o.ingressNodes:] {
				if ns != nil {
					need++
				}
			}
		}
		if n.free() < need {
			return daemonErr(KindFailedPrecondition, "swarmsim: network %s has no free address for the service's virtual IP (SwarmKit would leave the service unallocated)", n.spec.Name)
		}
	}
	return nil
}

// free counts the addresses of the subnet still free for VIPs.
func (n *networkState) free() int {
	hosts := 1<<(32-n.subnet.Bits()) - 2
	for a := range n.used {
		if a != n.subnet.Addr() && !isBroadcast(n.subnet, a) {
			hosts--
		}
	}
	return hosts
}

// vipNetworks are the networks a spec gets a VIP on, in SwarmKit's order:
// the ingress network first when it publishes through the mesh, then the
// attached overlays; none in dnsrr mode.
func (c *Cluster) vipNetworks(spec *ServiceSpec) []*networkState {
	o := c.objs
	var want []*networkState
	if spec.Endpoint.Mode != mesh.VIP {
		return nil
	}
	if needsIngress(spec) && o.ingress != nil {
		want = append(want, o.ingress)
	}
	for _, a := range spec.TaskTemplate.Networks {
		if n, ok := o.netByID[a.Target]; ok && !n.predefined && !slices.Contains(want, n) {
			want = append(want, n)
		}
	}
	return want
}

// allocateVIPs gives a service a virtual IP on each network it is attached
// to, the ingress network first when it publishes a port through the mesh,
// keeping the addresses it has (SwarmKit's allocator allocateVIPs); a dnsrr
// service has none.
func (c *Cluster) allocateVIPs(serviceID string, spec *ServiceSpec) {
	o := c.objects()
	old := o.vips[serviceID]
	want := c.vipNetworks(spec)
	var out []VirtualIP
	for _, v := range old {
		if n, ok := o.netByID[v.NetworkID]; ok && !slices.Contains(want, n) {
			delete(n.used, v.Addr.Addr())
		}
	}
	for _, n := range want {
		i := slices.IndexFunc(old, func(v VirtualIP) bool { return v.NetworkID == n.id })
		if i >= 0 {
			out = append(out, old[i])
			continue
		}
		if n == o.ingress {
			c.ingressNodeAddrs()
		}
		if a, ok := n.allocAddr(); ok {
			out = append(out, VirtualIP{NetworkID: n.id, Addr: a})
		}
	}
	if len(out) == 0 {
		delete(o.vips, serviceID)
		return
	}
	o.vips[serviceID] = out
}

// ingressNodeAddrs gives every node that joined since the last call its
// load-balancer address on the ingress network (the ingress-sbox), in join
// order, before a service's VIP is taken from it.
func (c *Cluster) ingressNodeAddrs() {
	o := c.objs
	for ; o.ingressNodes < len(c.nodes); o.ingressNodes++ {
		if c.nodes[o.ingressNodes] != nil {
			o.ingress.allocAddr()
		}
	}
}

// releaseVIPs frees a removed service's addresses.
func (c *Cluster) releaseVIPs(serviceID string) {
	o := c.objects()
	for _, v := range o.vips[serviceID] {
		if n, ok := o.netByID[v.NetworkID]; ok {
			delete(n.used, v.Addr.Addr())
		}
	}
	delete(o.vips, serviceID)
}

// VirtualIPs returns a service's virtual IPs (Endpoint.VirtualIPs).
func (c *Cluster) virtualIPs(serviceID string) []VirtualIP {
	return slices.Clone(c.objects().vips[serviceID])
}
