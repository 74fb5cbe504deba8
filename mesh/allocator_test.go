package mesh

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ing(target, published uint32) PortConfig {
	return PortConfig{TargetPort: target, PublishedPort: published}
}

func hostPort(target, published uint32) PortConfig {
	return PortConfig{TargetPort: target, PublishedPort: published, PublishMode: Host}
}

func spec(ports ...PortConfig) EndpointSpec { return EndpointSpec{Ports: ports} }

func published(ps []PortConfig) []uint32 {
	var out []uint32
	for _, p := range ps {
		out = append(out, p.PublishedPort)
	}
	return out
}

func mustAllocate(t *testing.T, a *Allocator, id string, s EndpointSpec) []uint32 {
	t.Helper()
	ps, err := a.Allocate(id, id, s)
	if err != nil {
		t.Fatalf("Allocate(%s): %v", id, err)
	}
	return published(ps)
}

// manager/allocator/portallocator.go (portSpace.allocate, internal/idm's
// serial IDs): serial cursor from 30000; freed ports are not reused until the
// cursor wraps (a gets 30000, 30001; b 30002; a deleted; next gets 30003).
func TestDynamicCursorNoReuse(t *testing.T) {
	a := NewAllocator()
	got := [][]uint32{
		mustAllocate(t, a, "a", spec(ing(80, 0), ing(81, 0))),
		mustAllocate(t, a, "b", spec(ing(80, 0))),
	}
	a.Release("a")
	got = append(got, mustAllocate(t, a, "c", spec(ing(80, 0))))
	want := [][]uint32{{30000, 30001}, {30002}, {30003}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if a.InUse(30000, TCP) || !a.InUse(30002, TCP) {
		t.Errorf("InUse after release: 30000=%v 30002=%v", a.InUse(30000, TCP), a.InUse(30002, TCP))
	}
}

// internal/idm/idm.go: the cursor wraps past 32767 and searches again from 30000;
// a full range fails with "no bit available".
func TestDynamicWrapAndExhaustion(t *testing.T) {
	a := NewAllocator()
	for i := range int(dynamicSize) {
		got := mustAllocate(t, a, fmt.Sprintf("s%04d", i), spec(ing(80, 0)))
		if want := []uint32{DynamicPortStart + uint32(i)}; !cmp.Equal(want, got) {
			t.Fatalf("service %d got %v, want %v", i, got, want)
		}
	}
	_, err := a.Allocate("full", "full", spec(ing(80, 0)))
	if d := cmp.Diff("no bit available", errText(err)); d != "" {
		t.Errorf("full range (-want +got)\n%s", d)
	}
	a.Release("s0010")
	a.Release("s0005")
	got := [][]uint32{
		mustAllocate(t, a, "w1", spec(ing(80, 0))),
		mustAllocate(t, a, "w2", spec(ing(80, 0))),
	}
	if d := cmp.Diff([][]uint32{{30005}, {30010}}, got); d != "" {
		t.Errorf("after wrap (-want +got)\n%s", d)
	}
	// Another protocol has its own, empty, space.
	if got, _ := a.Allocate("u", "u", spec(PortConfig{Protocol: UDP, TargetPort: 53})); !cmp.Equal([]uint32{30000}, published(got)) {
		t.Errorf("udp space got %v, want [30000]", published(got))
	}
}

// portSpace.allocate: an explicit port inside the dynamic range is reserved there,
// so the cursor skips it.
func TestExplicitPortInDynamicRangeSkipped(t *testing.T) {
	a := NewAllocator()
	got := [][]uint32{
		mustAllocate(t, a, "x", spec(ing(80, 30001), ing(81, 8080))),
		mustAllocate(t, a, "a", spec(ing(80, 0))),
		mustAllocate(t, a, "b", spec(ing(80, 0))),
	}
	want := [][]uint32{{30001, 8080}, {30000}, {30002}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

// reconcilePortConfigs (checked against SwarmKit's allocator): a service with
// 80 -> 30002 that adds 443:443 ends
// with [30004, 443]: changing the number of ports redraws every dynamic port.
func TestStickinessOnUpdate(t *testing.T) {
	a := NewAllocator()
	mustAllocate(t, a, "a", spec(ing(80, 0), ing(81, 0))) // 30000, 30001
	if got := mustAllocate(t, a, "web", spec(ing(80, 0))); !cmp.Equal([]uint32{30002}, got) {
		t.Fatalf("web got %v, want [30002]", got)
	}
	mustAllocate(t, a, "c", spec(ing(80, 0))) // 30003
	steps := []struct {
		name string
		spec EndpointSpec
		want []uint32
	}{
		{"add 443:443 (count changes)", spec(ing(80, 0), ing(443, 443)), []uint32{30004, 443}},
		// Same count: the dynamic entry keeps 30004; reconcile puts explicit
		// and host entries first, then dynamic ones.
		{"443 -> 8443 (same count)", spec(ing(80, 0), ing(443, 8443)), []uint32{8443, 30004}},
		{"same spec again", spec(ing(80, 0), ing(443, 8443)), []uint32{8443, 30004}},
		// Target 80 -> 81: no entry with the old key, a new number.
		{"target 80 -> 81 (same count)", spec(ing(81, 0), ing(443, 8443)), []uint32{8443, 30005}},
		{"back to one port", spec(ing(81, 0)), []uint32{30006}},
	}
	for _, st := range steps {
		if d := cmp.Diff(st.want, mustAllocate(t, a, "web", st.spec)); d != "" {
			t.Errorf("%s (-want +got)\n%s", st.name, d)
		}
	}
	for _, p := range []uint32{30002, 30004, 30005, 443, 8443} {
		if a.InUse(p, TCP) {
			t.Errorf("port %d still reserved after the update dropped it", p)
		}
	}
}

// portAllocator.isPortsAllocatedOnInit: a spec whose ports the service already has
// does not reallocate. Quirk: turning 8080:80 into a dynamic 80 keeps 8080,
// since the old entry has the same (name, protocol, target).
func TestAlreadyAllocatedQuirk(t *testing.T) {
	a := NewAllocator()
	mustAllocate(t, a, "web", spec(ing(80, 8080)))
	if d := cmp.Diff([]uint32{8080}, mustAllocate(t, a, "web", spec(ing(80, 0)))); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

// portAllocator.hostPublishPortsNeedUpdate and network.go's
// updatePortsInHostPublishMode:
// host ports are copied, never reserved; changing one keeps the ingress ports
// and appends spec's host ports.
func TestHostPortsCopied(t *testing.T) {
	a := NewAllocator()
	got, err := a.Allocate("h", "h", spec(hostPort(80, 8080), ing(81, 0), hostPort(82, 0)))
	if err != nil {
		t.Fatal(err)
	}
	want := []PortConfig{hostPort(80, 8080), ing(81, 30000), hostPort(82, 0)}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if a.InUse(8080, TCP) {
		t.Error("a host-mode port must not be reserved")
	}
	got, err = a.Allocate("h", "h", spec(hostPort(80, 9090), ing(81, 0), hostPort(82, 0)))
	if err != nil {
		t.Fatal(err)
	}
	want = []PortConfig{ing(81, 30000), hostPort(80, 9090), hostPort(82, 0)}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("host update (-want +got)\n%s", d)
	}
}

// portSpace.allocate and internal/idm: allocator-level error texts, and a
// failed Allocate changes nothing (ports, reservations, cursor).
func TestAllocateErrors(t *testing.T) {
	a := NewAllocator()
	mustAllocate(t, a, "web", spec(ing(80, 8080)))
	mustAllocate(t, a, "d", spec(ing(80, 0))) // 30000
	mustAllocate(t, a, "b", spec(ing(81, 0))) // 30001
	tests := []struct {
		name string
		spec EndpointSpec
		want string
	}{
		{"taken", spec(ing(80, 8080)), "requested bit is already allocated"},
		{"taken in dynamic range", spec(ing(80, 30000)), "requested bit is already allocated"},
		{"above 65535", spec(ing(80, 65536)), "requested id does not belong to the set"},
		{"duplicate inside one spec", spec(ing(80, 9000), ing(81, 9000)), "requested bit is already allocated"},
		{"unknown protocol", spec(PortConfig{Protocol: 7, TargetPort: 80}), "unknown protocol Protocol(7)"},
	}
	for _, tt := range tests {
		before := a.Ports("b")
		_, err := a.Allocate("b", "b", EndpointSpec{Ports: append([]PortConfig{ing(81, 0)}, tt.spec.Ports...)})
		if d := cmp.Diff(tt.want, errText(err)); d != "" {
			t.Errorf("%s (-want +got)\n%s", tt.name, d)
		}
		if d := cmp.Diff(before, a.Ports("b")); d != "" {
			t.Errorf("%s: ports changed after a failed Allocate (-want +got)\n%s", tt.name, d)
		}
		if !a.InUse(30000, TCP) || !a.InUse(30001, TCP) || a.InUse(30002, TCP) || a.InUse(9000, TCP) {
			t.Errorf("%s: reservations changed after a failed Allocate", tt.name)
		}
	}
	// The cursor did not move either.
	if d := cmp.Diff([]uint32{30002}, mustAllocate(t, a, "c", spec(ing(80, 0)))); d != "" {
		t.Errorf("cursor moved (-want +got)\n%s", d)
	}
}

// newPortAllocator: one port space per protocol, so 53/tcp and 53/udp never
// conflict (the seed's -p 53:53/tcp -p 53:53/udp).
func TestTCPAndUDPIndependent(t *testing.T) {
	a := NewAllocator()
	s := spec(ing(53, 53), PortConfig{Protocol: UDP, TargetPort: 53, PublishedPort: 53})
	if err := a.CheckConflicts("dns", s); err != nil {
		t.Fatal(err)
	}
	mustAllocate(t, a, "dns", s)
	if err := a.CheckConflicts("other", spec(PortConfig{Protocol: SCTP, TargetPort: 53, PublishedPort: 53})); err != nil {
		t.Errorf("53/sctp: %v", err)
	}
	_, err := a.Allocate("tcponly", "tcponly", spec(ing(53, 53)))
	if d := cmp.Diff("requested bit is already allocated", errText(err)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

// manager/controlapi/service.go: Server.checkPortConflicts.
func TestCheckConflicts(t *testing.T) {
	a := NewAllocator()
	if _, err := a.Allocate("id-web", "web", spec(ing(80, 8080))); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Allocate("id-hst", "hst", spec(hostPort(80, 9090))); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Allocate("id-dyn", "dyn", spec(ing(80, 0))); err != nil { // 30000
		t.Fatal(err)
	}
	const inUse = "port '%d' is already in use by service '%s' (%s) as %s"
	tests := []struct {
		name string
		id   string
		spec EndpointSpec
		want string
	}{
		{"ingress vs ingress", "new", spec(ing(80, 8080)), fmt.Sprintf(inUse, 8080, "web", "id-web", "an ingress port")},
		{"host vs ingress", "new", spec(hostPort(80, 8080)), fmt.Sprintf(inUse, 8080, "web", "id-web", "an ingress port")},
		{"ingress vs host", "new", spec(ing(80, 9090)), fmt.Sprintf(inUse, 9090, "hst", "id-hst", "a host-published port")},
		{"host vs host allowed", "new", spec(hostPort(80, 9090)), ""},
		{"dynamically allocated port counts", "new", spec(ing(80, 30000)), fmt.Sprintf(inUse, 30000, "dyn", "id-dyn", "an ingress port")},
		{"other protocol", "new", spec(PortConfig{Protocol: UDP, TargetPort: 80, PublishedPort: 8080}), ""},
		{"published 0 never conflicts", "new", spec(ing(80, 0)), ""},
		{"update excludes the service itself", "id-web", spec(ing(80, 8080), ing(81, 8081)), ""},
		{"update still checks the others", "id-web", spec(ing(80, 8080), ing(81, 9090)), fmt.Sprintf(inUse, 9090, "hst", "id-hst", "a host-published port")},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, errText(a.CheckConflicts(tt.id, tt.spec))); d != "" {
			t.Errorf("%s (-want +got)\n%s", tt.name, d)
		}
	}
}

// The error names the smallest service ID among those in conflict (SwarmKit
// reads services in ID order), whatever the order they were created in.
func TestCheckConflictsOrder(t *testing.T) {
	a := NewAllocator()
	for _, id := range []string{"id-c", "id-a", "id-b"} {
		if _, err := a.Allocate(id, "svc-"+id, spec(hostPort(80, 7000))); err != nil {
			t.Fatal(err)
		}
	}
	want := "port '7000' is already in use by service 'svc-id-a' (id-a) as a host-published port"
	if d := cmp.Diff(want, errText(a.CheckConflicts("new", spec(ing(80, 7000))))); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	a.Release("id-a")
	want = "port '7000' is already in use by service 'svc-id-b' (id-b) as a host-published port"
	if d := cmp.Diff(want, errText(a.CheckConflicts("new", spec(ing(80, 7000))))); d != "" {
		t.Errorf("after release (-want +got)\n%s", d)
	}
}

// portAllocator.serviceDeallocatePorts: ports freed on service removal can be
// reused at once.
func TestReleaseReuse(t *testing.T) {
	a := NewAllocator()
	mustAllocate(t, a, "web", spec(ing(80, 8080)))
	a.Release("web")
	a.Release("web") // twice is harmless
	if err := a.CheckConflicts("web2", spec(ing(80, 8080))); err != nil {
		t.Fatal(err)
	}
	mustAllocate(t, a, "web2", spec(ing(80, 8080)))
	if a.Ports("web") != nil {
		t.Error("released service still has ports")
	}
}
