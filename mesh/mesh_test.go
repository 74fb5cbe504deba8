package mesh

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// seedMesh is the seed's swarm (manager, worker1, worker2) with
// `docker service create --name myweb --publish 8080:80 --replicas 2 nginx`:
// one task on each worker, none on the manager.
func seedMesh() *Mesh {
	m := New()
	for _, n := range []string{"manager", "worker1", "worker2"} {
		m.AddNode(n)
	}
	m.SetService("svc-web", "myweb", VIP, []PortConfig{ing(80, 8080)})
	m.AddBackend("svc-web", "t1", "worker1")
	m.AddBackend("svc-web", "t2", "worker2")
	return m
}

// answer renders one Resolve as "task@node" or "!reason".
func answer(m *Mesh, entry string, port uint32, p Protocol) string {
	r, err := m.Resolve(entry, port, p)
	if err != nil {
		var re *RefusedError
		if !errors.As(err, &re) {
			return "!untyped: " + err.Error()
		}
		if re.Reason == PathBlocked {
			return "!blocked:" + re.TaskID
		}
		return "!" + re.Reason.String()
	}
	return r.TaskID + "@" + r.NodeID
}

func answers(m *Mesh, entry string, n int) []string {
	var out []string
	for range n {
		out = append(out, answer(m, entry, 8080, TCP))
	}
	return out
}

// SwarmKit's allocator gives every node an ingress attachment (network.go:
// Allocator.allocateNodes): every node is part of the mesh; a node with no task
// (the manager here, as if drained or paused: the mesh does not know
// availability, a drained node simply has no backends) still accepts the
// port and forwards to tasks on other nodes.
func TestNodeWithoutTaskRoutes(t *testing.T) {
	m := seedMesh()
	want := []string{"t1@worker1", "t2@worker2", "t1@worker1", "t2@worker2"}
	if d := cmp.Diff(want, answers(m, "manager", 4)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

// IPVS rr in each node's ingress sandbox (moby's libnetwork
// service_linux.go): each entry node has its own round-robin position per
// service, starting at the first backend.
func TestRoundRobinPerEntryNode(t *testing.T) {
	m := seedMesh()
	var got []string
	for _, e := range []string{"manager", "manager", "worker1", "manager", "worker1", "worker2"} {
		got = append(got, e+"->"+answer(m, e, 8080, TCP))
	}
	want := []string{
		"manager->t1@worker1", "manager->t2@worker2",
		"worker1->t1@worker1", "manager->t1@worker1",
		"worker1->t2@worker2", "worker2->t1@worker1",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

// libnetwork programs a service's ingress rules with its first backend and
// removes them with its last: a service with zero backends does not listen
// anywhere; it
// listens again when a backend comes.
func TestNoBackendNoListener(t *testing.T) {
	m := seedMesh()
	m.RemoveBackend("svc-web", "t1")
	m.RemoveBackend("svc-web", "t2")
	_, err := m.Resolve("worker1", 8080, TCP)
	if !errors.Is(err, ErrNoListener) || !errors.Is(err, ErrRefused) || errors.Is(err, ErrPathBlocked) {
		t.Fatalf("err = %v, want NoListener", err)
	}
	want := "connection refused: no service listens on port 8080/tcp on node worker1: service myweb has no running task"
	if d := cmp.Diff(want, err.Error()); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if m.Listening("manager", 8080, TCP) {
		t.Error("Listening with no backend")
	}
	m.AddBackend("svc-web", "t3", "worker2")
	if got := answer(m, "manager", 8080, TCP); got != "t3@worker2" {
		t.Errorf("got %s, want t3@worker2", got)
	}
}

// A removal keeps the others' order, and a rotation that pointed at the
// removed backend continues with the one after it (IPVS rr).
func TestRemovalKeepsRotation(t *testing.T) {
	m := seedMesh()
	m.AddBackend("svc-web", "t3", "manager")
	m.AddBackend("svc-web", "t1", "worker1") // already a backend: no-op
	got := answers(m, "manager", 2)          // t1, t2
	m.RemoveBackend("svc-web", "t2")
	got = append(got, answers(m, "manager", 3)...)
	m.RemoveBackend("svc-web", "t3") // the last one served
	m.AddBackend("svc-web", "t4", "worker2")
	got = append(got, answers(m, "manager", 3)...)
	want := []string{"t1@worker1", "t2@worker2", "t3@manager", "t1@worker1", "t3@manager", "t4@worker2", "t1@worker1", "t4@worker2"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if d := cmp.Diff([]string{"t1", "t4"}, m.Backends("svc-web")); d != "" {
		t.Errorf("Backends (-want +got)\n%s", d)
	}
}

// Host-mode ports are a plain container port binding (moby's
// daemon/cluster/executor/container/container.go: portBindings): they
// answer only on nodes that run a task of the
// service, and reach that node's own task.
func TestHostModeOnlyOnTaskNodes(t *testing.T) {
	m := seedMesh()
	m.SetService("svc-h", "hweb", VIP, []PortConfig{hostPort(80, 9090)})
	m.AddBackend("svc-h", "h1", "worker1")
	m.AddBackend("svc-h", "h2", "worker1") // several on one node: round robin
	m.AddBackend("svc-h", "h3", "worker2")
	got := []string{
		answer(m, "worker1", 9090, TCP), answer(m, "worker1", 9090, TCP), answer(m, "worker1", 9090, TCP),
		answer(m, "worker2", 9090, TCP), answer(m, "manager", 9090, TCP),
	}
	want := []string{"h1@worker1", "h2@worker1", "h1@worker1", "h3@worker2", "!no listener"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	_, err := m.Resolve("manager", 9090, TCP)
	wantErr := "connection refused: nothing listens on port 9090/tcp on node manager: service hweb publishes it in host mode and runs no task there"
	if d := cmp.Diff(wantErr, errText(err)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

// validateEndpointSpec and docs/swarm-behaviour.md: dnsrr has no VIP; its
// host-mode ports work as host mode and ingress ports (which Validate refuses)
// are ignored.
func TestDNSRRHostMode(t *testing.T) {
	m := New()
	m.SetService("svc-dns", "dns", DNSRR, []PortConfig{
		{Protocol: UDP, TargetPort: 53, PublishedPort: 53, PublishMode: Host},
		ing(80, 8080),
	})
	m.AddBackend("svc-dns", "d1", "worker1")
	m.AddNode("worker2")
	got := []string{answer(m, "worker1", 53, UDP), answer(m, "worker2", 53, UDP), answer(m, "worker1", 53, TCP), answer(m, "worker1", 8080, TCP)}
	want := []string{"d1@worker1", "!no listener", "!no listener", "!no listener"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

// The seed's `-p 53:53/tcp -p 53:53/udp`: both protocols answer; a service's
// published ports share one IPVS service (one firewall mark), so one rotation
// per entry node covers all of them.
func TestTCPAndUDPRouting(t *testing.T) {
	m := New()
	m.AddNode("manager")
	m.SetService("svc-dns", "dns-cache", VIP, []PortConfig{ing(53, 53), {Protocol: UDP, TargetPort: 53, PublishedPort: 53}})
	m.AddBackend("svc-dns", "d1", "worker1")
	m.AddBackend("svc-dns", "d2", "worker2")
	got := []string{answer(m, "manager", 53, TCP), answer(m, "manager", 53, UDP), answer(m, "manager", 53, SCTP)}
	want := []string{"d1@worker1", "d2@worker2", "!no listener"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

// docs/swarm-behaviour.md (ports swarm uses) and the seed: 4789/udp carries
// the ingress overlay. A block
// on either end cuts cross-node routing only: the backend stays in the
// rotation (gossip still works) and the connection fails with PathBlocked; a
// node's own task still answers.
func TestBlockedVXLAN(t *testing.T) {
	m := seedMesh()
	m.Block("worker2", DataPathPort, UDP)
	got := map[string][]string{
		"manager": answers(m, "manager", 3),
		"worker1": answers(m, "worker1", 2),
		"worker2": answers(m, "worker2", 2),
	}
	want := map[string][]string{
		"manager": {"t1@worker1", "!blocked:t2", "t1@worker1"},
		"worker1": {"t1@worker1", "!blocked:t2"},
		"worker2": {"!blocked:t1", "t2@worker2"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if _, err := m.Resolve("worker1", 8080, TCP); err != nil { // t1
		t.Fatal(err)
	}
	_, err := m.Resolve("worker1", 8080, TCP) // t2: blocked
	if !errors.Is(err, ErrPathBlocked) || errors.Is(err, ErrNoListener) {
		t.Fatalf("err = %v, want PathBlocked", err)
	}
	wantErr := "connection refused: port 8080/tcp on node worker1 routes to task t2 of service myweb on node worker2, but the overlay path between the nodes is blocked (4789/udp)"
	if d := cmp.Diff(wantErr, errText(err)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	m.Unblock("worker2", DataPathPort, UDP)
	if d := cmp.Diff([]string{"t1@worker1", "t2@worker2"}, answers(m, "worker2", 2)); d != "" {
		t.Errorf("after unblock (-want +got)\n%s", d)
	}
}

// docs/swarm-behaviour.md (ports swarm uses): blocking gossip (7946 tcp or
// udp) on either end means the entry node never learns the other node's
// backends: they leave its rotation.
func TestBlockedGossip(t *testing.T) {
	for _, p := range []Protocol{TCP, UDP} {
		m := seedMesh()
		m.Block("worker2", GossipPort, p)
		got := map[string][]string{
			"manager": answers(m, "manager", 3),
			"worker1": answers(m, "worker1", 2),
			"worker2": answers(m, "worker2", 2),
		}
		want := map[string][]string{
			"manager": {"t1@worker1", "t1@worker1", "t1@worker1"},
			"worker1": {"t1@worker1", "t1@worker1"},
			"worker2": {"t2@worker2", "t2@worker2"},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("7946/%s (-want +got)\n%s", p, d)
		}
		// worker2 knows only its own task; with it gone, worker2 listens no more,
		// while the others still do.
		m.RemoveBackend("svc-web", "t2")
		_, err := m.Resolve("worker2", 8080, TCP)
		if e := (*RefusedError)(nil); !errors.As(err, &e) || e.Detail != DetailNoKnownBackend {
			t.Errorf("7946/%s: err = %v, want DetailNoKnownBackend", p, err)
		}
		if got := answer(m, "manager", 8080, TCP); got != "t1@worker1" {
			t.Errorf("7946/%s: manager got %s", p, got)
		}
	}
}

// 2377/tcp carries cluster management, not service traffic: blocking it
// changes nothing in the routing mesh.
func TestBlockedClusterPortNoEffect(t *testing.T) {
	m := seedMesh()
	for _, n := range []string{"manager", "worker1", "worker2"} {
		m.Block(n, ClusterPort, TCP)
	}
	if !m.Blocked("worker1", ClusterPort, TCP) || m.Blocked("worker1", ClusterPort, UDP) {
		t.Error("Blocked reports wrong state")
	}
	if d := cmp.Diff([]string{"t1@worker1", "t2@worker2"}, answers(m, "manager", 2)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

// The seed: the published port must be open on the nodes clients reach. A
// block on the entry node refuses there; backend nodes receive mesh traffic
// through VXLAN, so their block of the published port does not matter.
func TestBlockedPublishedPort(t *testing.T) {
	m := seedMesh()
	m.Block("manager", 8080, TCP)
	m.Block("worker2", 8080, TCP)
	_, err := m.Resolve("manager", 8080, TCP)
	want := "connection refused: port 8080/tcp is blocked by the firewall on node manager"
	if d := cmp.Diff(want, errText(err)); d != "" || !errors.Is(err, ErrNoListener) {
		t.Errorf("(-want +got)\n%s", d)
	}
	if d := cmp.Diff([]string{"t1@worker1", "t2@worker2"}, answers(m, "worker1", 2)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	m.Unblock("manager", 8080, TCP)
	if got := answer(m, "manager", 8080, TCP); got != "t1@worker1" {
		t.Errorf("after unblock got %s", got)
	}
}

// A down entry node answers nothing; a backend on a down node stays in the
// rotation (the other nodes do not know yet) and a connection sent to it times
// out, until the backend is removed; it answers again when the node comes back.
func TestNodeDown(t *testing.T) {
	m := seedMesh()
	m.SetNodeUp("worker1", false)
	m.SetNodeUp("worker1", false) // idempotent
	_, err := m.Resolve("worker1", 8080, TCP)
	if d := cmp.Diff("connection refused: node worker1 is down", errText(err)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if d := cmp.Diff([]string{"!timed out", "t2@worker2", "!timed out"}, answers(m, "manager", 3)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	want := "connection timed out: port 8080/tcp on node manager routes to task t2 of service myweb on node worker2, which is down"
	m.SetNodeUp("worker2", false)
	_, err = m.Resolve("manager", 8080, TCP)
	if e := (*RefusedError)(nil); !errors.As(err, &e) || e.Detail != DetailBackendDead || errors.Is(err, ErrRefused) || !errors.Is(err, ErrTimedOut) {
		t.Errorf("err = %v, want DetailBackendDead, timed out and not refused", err)
	}
	if d := cmp.Diff(want, errText(err)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	m.RemoveBackend("svc-web", "t1")
	m.RemoveBackend("svc-web", "t2")
	if _, err := m.Resolve("manager", 8080, TCP); !errors.Is(err, ErrNoListener) {
		t.Errorf("after removal err = %v, want no listener", err)
	}
	m.AddBackend("svc-web", "t1", "worker1")
	m.AddBackend("svc-web", "t2", "worker2")
	m.SetNodeUp("worker1", true)
	m.SetNodeUp("worker2", true)
	if d := cmp.Diff([]string{"t1@worker1", "t2@worker2"}, answers(m, "manager", 2)); d != "" {
		t.Errorf("after up (-want +got)\n%s", d)
	}
}

// A partition: connections across it time out until it settles, then the
// backends across it are unknown; each side still serves its own; Heal
// restores everything.
func TestPartition(t *testing.T) {
	m := seedMesh()
	m.Partition([][]string{{"manager", "worker1"}})
	if !m.Partitioned("manager", "worker2") || m.Partitioned("manager", "worker1") {
		t.Fatal("Partitioned is wrong")
	}
	if d := cmp.Diff([]string{"t1@worker1", "!timed out", "t1@worker1"}, answers(m, "manager", 3)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	_, err := m.Resolve("manager", 8080, TCP)
	want := "connection timed out: port 8080/tcp on node manager routes to task t2 of service myweb on node worker2, across a network partition"
	if d := cmp.Diff(want, errText(err)); d != "" || !errors.Is(err, ErrTimedOut) {
		t.Errorf("(-want +got)\n%s", d)
	}
	m.SettlePartition()
	if d := cmp.Diff([]string{"t1@worker1", "t1@worker1"}, answers(m, "manager", 2)); d != "" {
		t.Errorf("settled (-want +got)\n%s", d)
	}
	if d := cmp.Diff([]string{"t2@worker2", "t2@worker2"}, answers(m, "worker2", 2)); d != "" {
		t.Errorf("other side (-want +got)\n%s", d)
	}
	m.Heal()
	m.SettlePartition() // no partition: nothing to settle
	if m.Partitioned("manager", "worker2") {
		t.Error("still partitioned after Heal")
	}
	if d := cmp.Diff([]string{"t1@worker1", "t2@worker2"}, answers(m, "worker2", 2)); d != "" {
		t.Errorf("healed (-want +got)\n%s", d)
	}
}

// Removing a node drops its backends and its rules; an unknown node refuses.
func TestRemoveNodeAndService(t *testing.T) {
	m := seedMesh()
	m.Block("worker2", GossipPort, TCP)
	m.RemoveNode("worker2")
	m.RemoveNode("worker2")
	if d := cmp.Diff([]string{"t1"}, m.Backends("svc-web")); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	_, err := m.Resolve("worker2", 8080, TCP)
	if d := cmp.Diff("connection refused: node worker2 is not part of the swarm", errText(err)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if m.gossipCut != 0 {
		t.Errorf("gossipCut = %d after removing the blocking node", m.gossipCut)
	}
	m.RemoveService("svc-web")
	m.RemoveService("svc-web")
	_, err = m.Resolve("worker1", 8080, TCP)
	if d := cmp.Diff("connection refused: no service listens on port 8080/tcp on node worker1", errText(err)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if len(m.nodes["worker1"].backends) != 0 {
		t.Error("node still lists the removed service's backends")
	}
}

// SetService replaces the ports and keeps backends and rotation.
func TestSetServiceReplacesPorts(t *testing.T) {
	m := seedMesh()
	answer(m, "manager", 8080, TCP) // t1
	m.SetService("svc-web", "myweb", VIP, []PortConfig{ing(80, 8081)})
	got := []string{answer(m, "manager", 8080, TCP), answer(m, "manager", 8081, TCP)}
	if d := cmp.Diff([]string{"!no listener", "t2@worker2"}, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

func TestListeningDoesNotAdvance(t *testing.T) {
	m := seedMesh()
	for range 3 {
		if m.Listening("worker9", 8080, TCP) || !m.Listening("manager", 8080, TCP) {
			t.Fatal("Listening wrong")
		}
	}
	if got := answer(m, "manager", 8080, TCP); got != "t1@worker1" {
		t.Errorf("Listening advanced the rotation: got %s", got)
	}
}

func TestReasonStrings(t *testing.T) {
	got := []string{NoListener.String(), PathBlocked.String(), Reason(9).String(), (&RefusedError{Reason: PathBlocked}).Error()}
	want := []string{"no listener", "path blocked", "Reason(9)", "connection refused: path blocked"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}
