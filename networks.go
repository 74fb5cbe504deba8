package swarmsim

import (
	"net/netip"
	"time"

	"github.com/swarmsim/swarmsim/internal/ids"
	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/network"
	"github.com/swarmsim/swarmsim/secret"
)

// Networks live in package network; these are their names in this package.

// IngressNetworkName is the name of the routing-mesh network every swarm
// starts with (see network.IngressName).
const IngressNetworkName = network.IngressName

// DefaultAddressPool is the pool overlay networks get their subnets from
// unless they ask for one (network.DefaultAddressPool): 10.0.0.0/8.
func DefaultAddressPool() netip.Prefix { return network.DefaultAddressPool() }

// DefaultSubnetSize is the prefix length of a subnet taken from
// DefaultAddressPool.
const DefaultSubnetSize = network.DefaultSubnetSize

// NetworkSpec declares a swarm network (see network.Spec).
type NetworkSpec = network.Spec

// Network is a swarm network as `docker network inspect` shows it (see
// network.Network).
type Network = network.Network

// VirtualIP is a service's virtual IP on one network (see
// network.VirtualIP).
type VirtualIP = network.VirtualIP

// IsPredefinedNetwork reports whether Docker reserves the name (see
// network.IsPredefined).
func IsPredefinedNetwork(name string) bool { return network.IsPredefined(name) }

// objectStore holds the cluster's networks, secrets and configs, which
// draw their IDs from one stream of their own: services' IDs do not move.
type objectStore struct {
	ids     *ids.Generator
	nets    *network.Store
	secrets *secret.Store
}

// objectsSeed separates the objects' ID stream from the services'.
const objectsSeed = 0x6e65_7473_6563 // "netsec"

func newObjectStore(seed uint64, now time.Time) *objectStore {
	g := ids.New(seed ^ objectsSeed)
	return &objectStore{ids: g, nets: network.NewStore(g.Next, now), secrets: secret.NewStore(g.Next)}
}

// objects returns the store, creating it for a zero Cluster.
func (c *Cluster) objects() *objectStore {
	c.lazyInit()
	if c.objs == nil {
		c.objs = newObjectStore(c.cfg.Seed, c.Now())
	}
	return c.objs
}

// CreateNetwork creates a swarm network, as `docker network create -d
// overlay` does. It returns Docker's errors for a name in use, a reserved
// name, a second ingress network or a bad IPAM configuration (see
// network.Store.Create), and ErrNoLeader without a leader; a refused create
// changes nothing.
func (c *Cluster) CreateNetwork(spec NetworkSpec) (*Network, error) {
	o := c.objects()
	if err := c.noLeader(); err != nil {
		return nil, err
	}
	return o.nets.Create(spec, c.Now())
}

// Networks lists the swarm networks in creation order (ingress first,
// SwarmKit's node-local bridge and host left out).
func (c *Cluster) Networks() []*Network { return c.objects().nets.List() }

// Network looks a swarm network up by ID, name or unique ID prefix (the
// daemon's getNetwork).
func (c *Cluster) Network(ref string) (*Network, error) { return c.objects().nets.Get(ref) }

// RemoveNetwork removes a swarm network. A network a service is attached
// to is refused with SwarmKit's "network … is in use by service …", and the
// ingress network while a service publishes a port through it.
func (c *Cluster) RemoveNetwork(ref string) error {
	c.lazyInit()
	if err := c.noLeader(); err != nil {
		return err
	}
	o := c.objs
	n, err := o.nets.Get(ref)
	if err != nil {
		return err
	}
	// controlapi RemoveNetwork: store.FindServices returns services in ID
	// order, and the first one is named.
	if n.ID == o.nets.IngressID() {
		if s := c.firstService(func(s *store.Service) bool { return s.Spec.Spec.NeedsIngress() }); s != nil {
			return rpcErr(KindFailedPrecondition, "ingress network cannot be removed because service %s depends on it", s.ID)
		}
	} else if s := c.firstService(func(s *store.Service) bool { return s.Spec.Spec.AttachedTo(n.ID) }); s != nil {
		return rpcErr(KindFailedPrecondition, "network %s is in use by service %s", n.ID, s.ID)
	}
	return o.nets.Remove(n.ID)
}

// firstService is the live service with the smallest ID that matches.
func (c *Cluster) firstService(match func(*store.Service) bool) *store.Service {
	var best *store.Service
	for _, s := range c.st.Services() {
		if s != nil && match(s) && (best == nil || s.ID < best.ID) {
			best = s
		}
	}
	return best
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
		id, err := o.nets.ResolveAttachment(t.Networks[i].Target)
		if err != nil {
			return err
		}
		t.Networks[i].Target = id
	}
	if spec.NeedsIngress() && o.nets.IngressID() == "" {
		return rpcErr(KindFailedPrecondition, "service needs ingress network, but no ingress network is present")
	}
	if err := o.secrets.ResolveRefs(t); err != nil {
		return err
	}
	ingress, targets := spec.VIPRequest()
	return o.nets.CheckVIPs(serviceID, ingress, targets, c.newIngressNodes())
}

// newIngressNodes counts the live nodes that joined since the ingress
// network last gave nodes their load-balancer address.
func (c *Cluster) newIngressNodes() int {
	n := 0
	for _, ns := range c.st.Nodes()[min(c.objs.nets.IngressNodes(), c.st.Joined()):] {
		if ns != nil {
			n++
		}
	}
	return n
}

// allocateVIPs gives a service its virtual IPs (see
// network.Store.AllocateVIPs).
func (c *Cluster) allocateVIPs(serviceID string, spec *ServiceSpec) {
	o := c.objects()
	ingress, targets := spec.VIPRequest()
	o.nets.AllocateVIPs(serviceID, ingress, targets, c.newIngressNodes(), c.st.Joined())
}

// releaseVIPs frees a removed service's addresses.
func (c *Cluster) releaseVIPs(serviceID string) { c.objects().nets.ReleaseVIPs(serviceID) }

// virtualIPs returns a service's virtual IPs (Endpoint.VirtualIPs).
func (c *Cluster) virtualIPs(serviceID string) []VirtualIP { return c.objects().nets.VIPs(serviceID) }
