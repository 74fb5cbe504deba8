package network

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/errdefs"
)

// netipEqual lets cmp compare netip values, whose fields are unexported.
var netipEqual = cmp.Options{
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
}

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// newTestStore is a store whose IDs are "id01", "id02" ...: bridge and
// host take id01 and id02, ingress id03. next tells the ID the next network
// would get.
func newTestStore() (s *Store, next func() string) {
	n := 0
	s = NewStore(func() string { n++; return fmt.Sprintf("id%02d", n) }, epoch)
	return s, func() string { return fmt.Sprintf("id%02d", n+1) }
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// snapshot is what a refused call must leave unchanged.
type snapshot struct {
	Networks []*Network
	VIPs     map[string][]VirtualIP
	NextID   string
}

func snap(s *Store, next func() string) snapshot {
	vips := map[string][]VirtualIP{}
	for id := range s.vips {
		vips[id] = s.VIPs(id)
	}
	return snapshot{s.List(), vips, next()}
}

// The ingress network exists from the start with Docker's 10.0.0.0/24;
// overlay networks take the next free /24 of 10.0.0.0/8 in order, a freed
// one is reused first, and --subnet/--gateway are kept (SwarmKit's default
// address pool, manager/allocator/cnmallocator; libnetwork's ipam takes the
// first free predefined pool). VXLAN IDs are the first free from 4096.
func TestNetworkSubnets(t *testing.T) {
	s, _ := newTestStore()
	type net struct {
		Name, Driver, Subnet, Gateway string
		VXLAN                         uint32
	}
	list := func() []net {
		var out []net
		for _, n := range s.List() {
			out = append(out, net{n.Spec.Name, n.Spec.Driver, n.Subnet.String(), n.Gateway.String(), n.VXLANID})
		}
		return out
	}
	for _, sp := range []Spec{
		{Name: "a"},
		{Name: "b", Subnet: netip.MustParsePrefix("10.0.2.0/24"), Gateway: netip.MustParseAddr("10.0.2.254")},
		{Name: "d"},
		{Name: "big", Subnet: netip.MustParsePrefix("10.1.0.0/16")},
		{Name: "after"},
	} {
		if _, err := s.Create(sp, epoch); err != nil {
			t.Fatal(err)
		}
	}
	want := []net{
		{"ingress", "overlay", "10.0.0.0/24", "10.0.0.1", 4096},
		{"a", "overlay", "10.0.1.0/24", "10.0.1.1", 4097},
		{"b", "overlay", "10.0.2.0/24", "10.0.2.254", 4098},
		{"d", "overlay", "10.0.3.0/24", "10.0.3.1", 4099},
		{"big", "overlay", "10.1.0.0/16", "10.1.0.1", 4100},
		{"after", "overlay", "10.0.4.0/24", "10.0.4.1", 4101},
	}
	if diff := cmp.Diff(want, list()); diff != "" {
		t.Errorf("networks (-want +got):\n%s", diff)
	}
	a, _ := s.Get("a")
	if err := s.Remove(a.ID); err != nil {
		t.Fatal(err)
	}
	e, _ := s.Create(Spec{Name: "e"}, epoch)
	if e.Subnet.String() != "10.0.1.0/24" || e.VXLANID != 4097 {
		t.Errorf("after removing a, e got %s VXLAN %d, want the freed 10.0.1.0/24 and 4097", e.Subnet, e.VXLANID)
	}
	// a /24 inside a removed custom subnet is free again
	big, _ := s.Get("big")
	s.Remove(big.ID)
	for i := 5; i < 256; i++ {
		if _, err := s.Create(Spec{Name: fmt.Sprintf("n%d", i)}, epoch); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.Create(Spec{Name: "next"}, epoch); n.Subnet.String() != "10.1.0.0/24" {
		t.Errorf("after 10.0.255.0/24: %s, want 10.1.0.0/24", n.Subnet)
	}
}

// Bad creates get Docker's errors, in the daemon's order, and change
// nothing.
func TestNetworkCreateErrors(t *testing.T) {
	s, next := newTestStore()
	if _, err := s.Create(Spec{Name: "front"}, epoch); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		spec Spec
		want string
		kind error
	}{
		// moby's network router postNetworkCreate, libnetwork's NetworkNameError
		{Spec{Name: "front"}, "network with name front already exists", errdefs.ErrAlreadyExists},
		{Spec{Name: "FRONT"}, "network with name FRONT already exists", errdefs.ErrAlreadyExists},
		{Spec{Name: "ingress"}, "network with name ingress already exists", errdefs.ErrAlreadyExists},
		// libnetwork's PredefinedNetworkError (trailing space)
		{Spec{Name: "bridge"}, "operation is not permitted on predefined bridge network ", errdefs.ErrFailedPrecondition},
		{Spec{Name: "none", Driver: "bridge"}, "operation is not permitted on predefined none network ", errdefs.ErrFailedPrecondition},
		{Spec{Name: "br", Driver: "bridge"}, `swarmsim: only the overlay driver is simulated for swarm networks, not "bridge"`, errdefs.ErrInvalidArgument},
		// SwarmKit's controlapi validateAnnotations
		{Spec{Name: ""}, "meta: name must be provided", errdefs.ErrInvalidArgument},
		{Spec{Name: "bad name"}, "name must be valid as a DNS name component", errdefs.ErrInvalidArgument},
		{Spec{Name: "x234567890123456789012345678901234567890123456789012345678901234"}, "name must be 63 characters or fewer", errdefs.ErrInvalidArgument},
		{Spec{Name: "l", Labels: map[string]string{"k": "\xff"}}, "", errdefs.ErrInvalidArgument},
		// SwarmKit's controlapi CreateNetwork and validateIPAMConfiguration
		{Spec{Name: "ing3", Ingress: true, Attachable: true}, "ingress network cannot be attachable", errdefs.ErrInvalidArgument},
		{Spec{Name: "g0", Gateway: netip.MustParseAddr("10.8.0.1")}, "every ip-range or gateway must have a corresponding subnet", errdefs.ErrInvalidArgument},
		{Spec{Name: "g", Subnet: netip.MustParsePrefix("10.9.0.0/24"), Gateway: netip.MustParseAddr("10.8.0.1")}, "ipam configuration: subnet 10.9.0.0/24 does not contain gateway 10.8.0.1", errdefs.ErrInvalidArgument},
		{Spec{Name: "v6", Subnet: netip.MustParsePrefix("fd00::/64")}, "swarmsim: only IPv4 subnets are simulated, not fd00::/64", errdefs.ErrInvalidArgument},
		{Spec{Name: "small", Subnet: netip.MustParsePrefix("10.9.0.0/31")}, "swarmsim: subnet 10.9.0.0/31 has no room for addresses", errdefs.ErrInvalidArgument},
		{Spec{Name: "ing2", Ingress: true}, "ingress network (id03) is already present", errdefs.ErrAlreadyExists},
		// libnetwork's ipam: a subnet overlapping an allocated one
		{Spec{Name: "o", Subnet: netip.MustParsePrefix("10.0.0.0/16")}, "invalid pool request: Pool overlaps with other one on this address space", errdefs.ErrInvalidArgument},
	} {
		before := snap(s, next)
		_, err := s.Create(tc.spec, epoch)
		if (tc.want != "" && errText(err) != tc.want) || !errors.Is(err, tc.kind) {
			t.Errorf("Create(%+v) = %v, want %q (%v)", tc.spec, err, tc.want, tc.kind)
		}
		if diff := cmp.Diff(before, snap(s, next), netipEqual); diff != "" {
			t.Errorf("Create(%q) changed the store (-before +after):\n%s", tc.spec.Name, diff)
		}
	}
}

// A network is found by full ID, exact name or unique ID prefix, as the
// daemon's getNetwork finds it; bridge and host are not swarm networks.
func TestGet(t *testing.T) {
	s, _ := newTestStore()
	for _, name := range []string{"front", "back", "id05"} {
		if _, err := s.Create(Spec{Name: name}, epoch); err != nil {
			t.Fatal(err)
		}
	}
	// front is id04, back id05, the network named "id05" id06
	for _, tc := range []struct {
		ref, want, err string
	}{
		{ref: "id04", want: "front"},
		{ref: "back", want: "back"},
		{ref: "id05", want: "back"}, // an ID comes before a name
		{ref: "id06", want: "id05"},
		{ref: "ingress", want: "ingress"},
		{ref: "Front", err: "network Front not found"},
		{ref: "id0", err: "network id0 is ambiguous (4 matches found)"},
		{ref: "id01", err: "network id01 not found"}, // bridge
		{ref: "host", err: "network host not found"},
		{ref: "", err: "network  not found"},
	} {
		n, err := s.Get(tc.ref)
		got := errText(err)
		if n != nil {
			got = n.Spec.Name
		}
		want := tc.want + tc.err
		if got != want {
			t.Errorf("Get(%q) = %q, want %q", tc.ref, got, want)
		}
	}
	if _, err := s.Get("id0"); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("ambiguous: %v, want invalid argument", err)
	}
	if _, err := s.Get("nope"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("unknown: %v, want not found", err)
	}
}

// A service's attachment names a swarm network or SwarmKit's predefined
// bridge or host network; the ingress network and Docker's other reserved
// names are refused (moby's populateNetworkID, SwarmKit's
// validateNetworks).
func TestResolveAttachment(t *testing.T) {
	s, _ := newTestStore()
	s.Create(Spec{Name: "front"}, epoch)
	for _, tc := range []struct {
		target, want, err string
	}{
		{target: "front", want: "id04"},
		{target: "id04", want: "id04"},
		{target: "host", want: "id02"},
		{target: "bridge", want: "id01"},
		{target: "ingress", err: `Service cannot be explicitly attached to the ingress network "ingress"`},
		{target: "none", err: "could not find the corresponding predefined swarm network: network none not found"},
		{target: "nope", err: "network nope not found"},
	} {
		got, err := s.ResolveAttachment(tc.target)
		if diff := cmp.Diff(tc.want+"|"+tc.err, got+"|"+errText(err)); diff != "" {
			t.Errorf("ResolveAttachment(%q) (-want +got):\n%s", tc.target, diff)
		}
	}
}

// Removing frees the name and the subnet; the ingress network can be
// removed and created again, and its nodes' addresses are given again.
func TestRemove(t *testing.T) {
	s, _ := newTestStore()
	if err := s.Remove("id01"); errText(err) != "network id01 not found" || !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("removing bridge: %v", err)
	}
	s.AllocateVIPs("web", true, nil, 2, 2)
	if err := s.Remove(s.IngressID()); err != nil {
		t.Fatal(err)
	}
	if s.IngressID() != "" || len(s.List()) != 0 {
		t.Errorf("after removing ingress: %q %v", s.IngressID(), s.List())
	}
	ing, err := s.Create(Spec{Name: "ingress", Ingress: true}, epoch)
	if err != nil || ing.Subnet.String() != "10.0.0.0/24" || s.IngressID() != ing.ID || s.IngressNodes() != 0 {
		t.Fatalf("new ingress: %v %v, nodes %d", ing, err, s.IngressNodes())
	}
	s.AllocateVIPs("api", true, nil, 2, 2)
	want := []VirtualIP{{ing.ID, netip.MustParsePrefix("10.0.0.4/24")}}
	if diff := cmp.Diff(want, s.VIPs("api"), netipEqual); diff != "" {
		t.Errorf("VIP on the new ingress network (-want +got):\n%s", diff)
	}
}

// VIPs: the ingress network first, after the nodes that joined since;
// each attached network once; addresses taken serially from the last one
// given, wrapping round, never the broadcast address; kept across
// re-allocations; freed when the service leaves a network or is removed
// (SwarmKit's cnmNetworkAllocator.AllocateService).
func TestVIPs(t *testing.T) {
	s, _ := newTestStore()
	front, _ := s.Create(Spec{Name: "front"}, epoch)
	tiny, _ := s.Create(Spec{Name: "tiny", Subnet: netip.MustParsePrefix("10.5.0.0/29")}, epoch)
	ing := s.IngressID()
	vip := func(id, addr string) VirtualIP { return VirtualIP{id, netip.MustParsePrefix(addr)} }
	steps := []struct {
		name     string
		do       func()
		service  string
		want     []VirtualIP
		ingNodes int
	}{
		{"web publishes, front twice, host ignored", func() { s.AllocateVIPs("web", true, []string{front.ID, front.ID, "id02"}, 3, 4) },
			"web", []VirtualIP{vip(ing, "10.0.0.5/24"), vip(front.ID, "10.0.1.2/24")}, 4},
		{"api: no new node addresses", func() { s.AllocateVIPs("api", true, []string{tiny.ID}, 0, 4) },
			"api", []VirtualIP{vip(ing, "10.0.0.6/24"), vip(tiny.ID, "10.5.0.2/29")}, 4},
		{"web keeps its VIPs, another node joined", func() { s.AllocateVIPs("web", true, []string{front.ID}, 1, 5) },
			"web", []VirtualIP{vip(ing, "10.0.0.5/24"), vip(front.ID, "10.0.1.2/24")}, 4},
		{"web leaves the mesh", func() { s.AllocateVIPs("web", false, []string{front.ID}, 1, 5) },
			"web", []VirtualIP{vip(front.ID, "10.0.1.2/24")}, 4},
		{"web publishes again: the node first, then the next address", func() { s.AllocateVIPs("web", true, []string{front.ID}, 1, 5) },
			"web", []VirtualIP{vip(ing, "10.0.0.8/24"), vip(front.ID, "10.0.1.2/24")}, 5},
		{"dnsrr has none", func() { s.AllocateVIPs("dns", false, nil, 0, 5) }, "dns", nil, 5},
		{"web removed", func() { s.ReleaseVIPs("web") }, "web", nil, 5},
	}
	for _, st := range steps {
		st.do()
		if diff := cmp.Diff(st.want, s.VIPs(st.service), netipEqual); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
		if s.IngressNodes() != st.ingNodes {
			t.Errorf("%s: ingress nodes %d, want %d", st.name, s.IngressNodes(), st.ingNodes)
		}
	}
	// tiny (a /29) has the gateway 10.5.0.1, api's 10.5.0.2 and room for 4
	for i := range 4 {
		id := fmt.Sprintf("s%d", i)
		if err := s.CheckVIPs(id, false, []string{tiny.ID}, 0); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		s.AllocateVIPs(id, false, []string{tiny.ID}, 0, 5)
	}
	err := s.CheckVIPs("s4", false, []string{tiny.ID}, 0)
	if want := "swarmsim: network tiny has no free address for the service's virtual IP (SwarmKit would leave the service unallocated)"; errText(err) != want || !errors.Is(err, errdefs.ErrFailedPrecondition) {
		t.Errorf("fifth service on tiny: %v, want %q", err, want)
	}
	if err := s.CheckVIPs("s0", false, []string{tiny.ID}, 0); err != nil {
		t.Errorf("a service keeping its VIP: %v", err)
	}
	// freed 10.5.0.3 is found by wrapping round from 10.5.0.6, skipping
	// the broadcast 10.5.0.7
	s.ReleaseVIPs("s0")
	s.AllocateVIPs("s4", false, []string{tiny.ID}, 0, 5)
	if diff := cmp.Diff([]VirtualIP{vip(tiny.ID, "10.5.0.3/29")}, s.VIPs("s4"), netipEqual); diff != "" {
		t.Errorf("wrapped allocation (-want +got):\n%s", diff)
	}
	// the ingress network must also have room for the nodes that joined
	big := 253 - 5 // 10.0.0.2 .. 10.0.0.254 less the 5 taken
	if err := s.CheckVIPs("x", true, nil, big); err == nil {
		t.Errorf("ingress with %d new nodes and a VIP: no error", big)
	}
	if err := s.CheckVIPs("x", true, nil, big-1); err != nil {
		t.Errorf("ingress with %d new nodes and a VIP: %v", big-1, err)
	}
}

func TestIsBroadcast(t *testing.T) {
	for _, tc := range []struct {
		prefix, addr string
		want         bool
	}{
		{"10.0.0.0/24", "10.0.0.255", true},
		{"10.0.0.0/24", "10.0.0.254", false},
		{"10.5.0.0/29", "10.5.0.7", true},
		{"10.1.0.0/16", "10.1.0.255", false},
		{"10.1.0.0/16", "10.1.255.255", true},
		{"10.0.0.0/31", "10.0.0.1", false},
		{"fd00::/64", "fd00::ffff:ffff:ffff:ffff", false},
	} {
		if got := IsBroadcast(netip.MustParsePrefix(tc.prefix), netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("IsBroadcast(%s, %s) = %v, want %v", tc.prefix, tc.addr, got, tc.want)
		}
	}
}

func TestIsPredefined(t *testing.T) {
	var got []string
	for _, name := range []string{"bridge", "host", "none", "default", "ingress", "Bridge", "overlay"} {
		if IsPredefined(name) {
			got = append(got, name)
		}
	}
	if diff := cmp.Diff([]string{"bridge", "host", "none", "default"}, got); diff != "" {
		t.Errorf("predefined names (-want +got):\n%s", diff)
	}
}
