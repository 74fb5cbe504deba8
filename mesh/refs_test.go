package mesh

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// refTask is a task as the root package keeps it: its service and node,
// the handles it was made with, and a flag (store.Task.Backend) saying
// whether it is a backend. The mesh may drop the backend meanwhile
// (RemoveNode, RemoveService) without the flag changing.
type refTask struct {
	id, svc, node string
	backend       bool
	sref          ServiceRef
	nref          NodeRef
	bref          BackendRef
}

// refDriver adds and removes backends the root package's way (start and
// stop only when the flag changes), by task ID or by handles.
type refDriver struct {
	m     *Mesh
	byRef bool
	nodes map[string]NodeRef    // each node's latest handle
	svcs  map[string]ServiceRef // each service's latest handle
	tasks map[string]*refTask
}

func newRefDriver(byRef bool) *refDriver {
	return &refDriver{m: New(), byRef: byRef, nodes: map[string]NodeRef{}, svcs: map[string]ServiceRef{}, tasks: map[string]*refTask{}}
}

func (d *refDriver) addNode(n string) { d.nodes[n] = d.m.AddNode(n) }

func (d *refDriver) setService(s string, mode ResolutionMode, ports []PortConfig) {
	d.svcs[s] = d.m.SetService(s, s, mode, ports)
}

// newTask makes a task; it keeps the handles current now, which later
// RemoveNode and RemoveService calls make stale.
func (d *refDriver) newTask(id, svc, node string) {
	d.tasks[id] = &refTask{id: id, svc: svc, node: node, sref: d.svcs[svc], nref: d.nodes[node]}
}

func (d *refDriver) start(id string) {
	t := d.tasks[id]
	if t.backend {
		return
	}
	t.backend = true
	if d.byRef {
		t.bref = d.m.AddBackendRef(t.sref, t.nref, t.id)
	} else {
		d.m.AddBackend(t.svc, t.id, t.node)
	}
}

// stop removes a task's backend; current: by the service's latest handle
// rather than the task's own.
func (d *refDriver) stop(id string, current bool) {
	t := d.tasks[id]
	if !t.backend {
		return
	}
	t.backend = false
	if d.byRef {
		s := t.sref
		if current {
			s = d.svcs[t.svc]
		}
		d.m.RemoveBackendRef(s, t.bref)
	} else {
		d.m.RemoveBackend(t.svc, t.id)
	}
}

// run runs a script, one command a line, and returns what its queries
// answered:
//
//	node N | rmnode N | down N | up N
//	svc S ingress|host|none | rmsvc S
//	task T S N | start T | stop T | stopcur T (by the service's latest handle)
//	? E PORT (Resolve from entry E) | backends S
func (d *refDriver) run(script string) []string {
	var out []string
	for line := range strings.Lines(script) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "node":
			d.addNode(f[1])
		case "rmnode":
			d.m.RemoveNode(f[1])
		case "down", "up":
			d.m.SetNodeUp(f[1], f[0] == "up")
		case "svc":
			var ports []PortConfig
			switch f[2] {
			case "ingress":
				ports = []PortConfig{ing(80, 8080)}
			case "host":
				ports = []PortConfig{hostPort(80, 9090)}
			}
			d.setService(f[1], VIP, ports)
		case "rmsvc":
			d.m.RemoveService(f[1])
		case "task":
			d.newTask(f[1], f[2], f[3])
		case "start":
			d.start(f[1])
		case "stop", "stopcur":
			d.stop(f[1], f[0] == "stopcur")
		case "?":
			port, _ := strconv.Atoi(f[2])
			out = append(out, answer(d.m, f[1], uint32(port), TCP))
		case "backends":
			out = append(out, strings.Join(d.m.Backends(f[1]), " "))
		default:
			panic("bad command " + line)
		}
	}
	return out
}

// AddBackendRef and RemoveBackendRef route as AddBackend and RemoveBackend
// do, stale handles included: each script runs by task ID and by handles,
// and both give the answers IPVS rr and the package's determinism rules
// give (backends in the order added, each entry node continuing after the
// backend it served last). Every slab is consistent afterwards (checkSlab),
// and the handles never made a task index.
func TestBackendRefTable(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		want         []string
	}{{
		name: "rotation continues after removals",
		script: `node n0
			node n1
			svc s ingress
			task a s n0
			task b s n1
			task c s n0
			task d s n1
			start a
			start b
			start c
			start d
			? n0 8080
			? n0 8080
			stop b
			stop c
			? n0 8080
			? n1 8080
			task e s n1
			start e
			stop d
			? n0 8080
			backends s`,
		want: []string{"a@n0", "b@n1", "d@n1", "a@n0", "e@n1", "a e"},
	}, {
		name: "a removed tail continues with the next backend added",
		script: `node n0
			svc s ingress
			task a s n0
			task b s n0
			task c s n0
			start a
			start b
			? n0 8080
			? n0 8080
			stop b
			start c
			? n0 8080
			? n0 8080`,
		want: []string{"a@n0", "b@n0", "c@n0", "a@n0"},
	}, {
		// RemoveNode drops b; its element is reused by c; b's stale
		// handle must not remove c.
		name: "stale handle after RemoveNode",
		script: `node n0
			node n1
			svc s ingress
			task a s n0
			task b s n1
			start a
			start b
			rmnode n1
			task c s n0
			start c
			stop b
			backends s
			? n0 8080
			? n0 8080
			? n0 8080`,
		want: []string{"a c", "a@n0", "c@n0", "a@n0"},
	}, {
		// RemoveService drops a; the service declared again puts c in
		// the same slab index a had; a's stale handles (its own service
		// handle or the service's latest one) must not remove c.
		name: "stale handle after RemoveService",
		script: `node n0
			svc s ingress
			task a s n0
			task x s n0
			start a
			start x
			rmsvc s
			? n0 8080
			svc s ingress
			task c s n0
			task e s n0
			start c
			start e
			stop a
			stopcur x
			backends s
			? n0 8080
			? n0 8080`,
		want: []string{"!no listener", "c e", "c@n0", "e@n0"},
	}, {
		// A task made before its node left the mesh names the node by ID
		// when it starts: the node comes back, as AddBackend makes it.
		name: "stale node handle on add",
		script: `node n0
			node n1
			svc s ingress
			task a s n1
			rmnode n1
			start a
			? n1 8080
			? n0 8080`,
		want: []string{"a@n1", "a@n1"},
	}, {
		// A task made before its service left names it by ID: the service
		// comes back without ports, as AddBackend makes it, and gets them
		// from the next SetService.
		name: "stale service handle on add",
		script: `node n0
			svc s ingress
			task a s n0
			rmsvc s
			start a
			? n0 8080
			backends s
			svc s ingress
			? n0 8080
			stop a
			? n0 8080`,
		want: []string{"!no listener", "a", "a@n0", "!no listener"},
	}, {
		name: "host mode, per node",
		script: `node n0
			node n1
			svc s host
			task a s n0
			task b s n1
			task c s n0
			start a
			start b
			start c
			? n0 9090
			? n0 9090
			? n0 9090
			? n1 9090
			stop a
			? n0 9090
			? n0 9090`,
		want: []string{"a@n0", "c@n0", "a@n0", "b@n1", "c@n0", "c@n0"},
	}, {
		name: "a dead node's backend times out until removed",
		script: `node n0
			node n1
			svc s ingress
			task a s n0
			task b s n1
			start a
			start b
			down n1
			? n0 8080
			? n0 8080
			stop b
			? n0 8080
			? n1 8080`,
		want: []string{"a@n0", "!timed out", "a@n0", "!no listener"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			for _, byRef := range []bool{false, true} {
				d := newRefDriver(byRef)
				got := d.run(tc.script)
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("byRef=%v: (-want +got)\n%s", byRef, diff)
				}
				if err := checkMeshSlabs(d.m, byRef); err != nil {
					t.Errorf("byRef=%v: %v", byRef, err)
				}
			}
		})
	}
}

// checkMeshSlabs runs checkSlab on every service of m, in ID order, and
// checks that a mesh driven by handles made no task index.
func checkMeshSlabs(m *Mesh, byRef bool) error {
	for _, id := range slices.Sorted(maps.Keys(m.services)) {
		s := m.services[id]
		if err := checkSlab(m, s); err != nil {
			return fmt.Errorf("service %s: %v", id, err)
		}
		if byRef && (s.byTask.n != 0 || len(s.byTask.slots) != 0) {
			return fmt.Errorf("service %s: the handles made a task index (%d entries, %d slots)", id, s.byTask.n, len(s.byTask.slots))
		}
	}
	return nil
}

// TestPropertyBackendRefMatchesIDs: under random sequences of task starts
// and stops (the root package's way: only when its flag changes, so that a
// task whose backend the mesh dropped with its node or service is stopped
// later by a stale handle), AddNode, RemoveNode, SetService (ingress, host,
// no port, dnsrr), RemoveService, SetNodeUp, Block and Unblock (gossip, the
// data path, a published port), Partition, SettlePartition and Heal, a
// mesh driven by handles answers every Resolve, Listening and Backends
// exactly as one driven by task ID. Tasks keep the handles current when
// they were made (stale after a removal), and stop by their own service
// handle or the service's latest one. After every step both meshes'
// slabs are consistent (checkSlab) and the handles made no task index.
func TestPropertyBackendRefMatchesIDs(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		nodes := []string{"n0", "n1", "n2", "n3"}
		entries := append(slices.Clone(nodes), "nx") // nx never joins
		svcs := []string{"a", "b", "c"}
		type probe struct {
			port uint32
			p    Protocol
		}
		probes := []probe{{8080, TCP}, {8081, TCP}, {9090, TCP}, {53, UDP}}
		portSets := []struct {
			mode  ResolutionMode
			ports []PortConfig
		}{
			{VIP, []PortConfig{ing(80, 8080)}},
			{VIP, []PortConfig{ing(80, 8081)}},
			{VIP, []PortConfig{hostPort(80, 9090)}},
			{VIP, []PortConfig{ing(80, 8080), hostPort(81, 9090)}},
			{DNSRR, []PortConfig{{Protocol: UDP, TargetPort: 53, PublishedPort: 53, PublishMode: Host}}},
			{VIP, nil},
		}
		blockable := []probe{{GossipPort, TCP}, {GossipPort, UDP}, {DataPathPort, UDP}, {8080, TCP}}

		ds := [2]*refDriver{newRefDriver(false), newRefDriver(true)}
		all := func(f func(d *refDriver)) {
			for _, d := range ds {
				f(d)
			}
		}
		for _, n := range nodes {
			all(func(d *refDriver) { d.addNode(n) })
		}
		for i, s := range svcs {
			ps := portSets[i]
			all(func(d *refDriver) { d.setService(s, ps.mode, ps.ports) })
		}
		var taskIDs []string
		compare := func(what string, f func(m *Mesh) string) {
			a, b := f(ds[0].m), f(ds[1].m)
			if a != b {
				rt.Fatalf("%s: by ID %q, by handles %q", what, a, b)
			}
		}

		rt.Repeat(map[string]func(*rapid.T){
			"newTask": func(rt *rapid.T) {
				id := fmt.Sprintf("t%d", len(taskIDs))
				s := rapid.SampledFrom(svcs).Draw(rt, "svc")
				n := rapid.SampledFrom(nodes).Draw(rt, "node")
				taskIDs = append(taskIDs, id)
				all(func(d *refDriver) { d.newTask(id, s, n) })
				if rapid.Bool().Draw(rt, "start") {
					all(func(d *refDriver) { d.start(id) })
				}
			},
			"start": func(rt *rapid.T) {
				if len(taskIDs) == 0 {
					return
				}
				id := rapid.SampledFrom(taskIDs).Draw(rt, "task")
				all(func(d *refDriver) { d.start(id) })
			},
			"stop": func(rt *rapid.T) {
				if len(taskIDs) == 0 {
					return
				}
				id := rapid.SampledFrom(taskIDs).Draw(rt, "task")
				cur := rapid.Bool().Draw(rt, "current")
				all(func(d *refDriver) { d.stop(id, cur) })
			},
			"addNode": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "node")
				all(func(d *refDriver) { d.addNode(n) })
			},
			"removeNode": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "node")
				all(func(d *refDriver) { d.m.RemoveNode(n) })
			},
			"setService": func(rt *rapid.T) {
				s := rapid.SampledFrom(svcs).Draw(rt, "svc")
				ps := rapid.SampledFrom(portSets).Draw(rt, "ports")
				all(func(d *refDriver) { d.setService(s, ps.mode, ps.ports) })
			},
			"removeService": func(rt *rapid.T) {
				s := rapid.SampledFrom(svcs).Draw(rt, "svc")
				all(func(d *refDriver) { d.m.RemoveService(s) })
			},
			"updown": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "node")
				up := rapid.Bool().Draw(rt, "up")
				all(func(d *refDriver) { d.m.SetNodeUp(n, up) })
			},
			"block": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "node")
				b := rapid.SampledFrom(blockable).Draw(rt, "port")
				on := rapid.Bool().Draw(rt, "on")
				all(func(d *refDriver) {
					if on {
						d.m.Block(n, b.port, b.p)
					} else {
						d.m.Unblock(n, b.port, b.p)
					}
				})
			},
			"partition": func(rt *rapid.T) {
				var groups [][]string
				for k := rapid.IntRange(0, 2).Draw(rt, "groups"); k > 0; k-- {
					groups = append(groups, rapid.SliceOfNDistinct(rapid.SampledFrom(nodes), 1, 2, rapid.ID[string]).Draw(rt, "group"))
				}
				all(func(d *refDriver) { d.m.Partition(groups) })
			},
			"settleOrHeal": func(rt *rapid.T) {
				heal := rapid.Bool().Draw(rt, "heal")
				all(func(d *refDriver) {
					if heal {
						d.m.Heal()
					} else {
						d.m.SettlePartition()
					}
				})
			},
			"resolve": func(rt *rapid.T) {
				e := rapid.SampledFrom(entries).Draw(rt, "entry")
				pr := rapid.SampledFrom(probes).Draw(rt, "probe")
				for k := rapid.IntRange(1, 4).Draw(rt, "k"); k > 0; k-- {
					compare(fmt.Sprintf("Resolve(%s, %d/%s)", e, pr.port, pr.p), func(m *Mesh) string {
						r, err := m.Resolve(e, pr.port, pr.p)
						return fmt.Sprintf("%+v %v", r, err)
					})
				}
				compare(fmt.Sprintf("Listening(%s, %d/%s)", e, pr.port, pr.p), func(m *Mesh) string {
					return fmt.Sprint(m.Listening(e, pr.port, pr.p))
				})
			},
			"": func(rt *rapid.T) {
				for _, s := range svcs {
					compare("Backends("+s+")", func(m *Mesh) string { return fmt.Sprint(m.Backends(s)) })
				}
				for _, d := range ds {
					if err := checkMeshSlabs(d.m, d.byRef); err != nil {
						rt.Fatalf("byRef=%v: %v", d.byRef, err)
					}
				}
			},
		})
	})
}

// A stale BackendRef removes nothing, whatever its element holds since: a
// second RemoveBackendRef; one after RemoveNode dropped the backend and
// AddBackendRef reused its element; one after RemoveService, with the
// service's old handle or its new one, when the service declared again has
// a backend at the same index. The zero handles remove nothing either.
func TestBackendRefStale(t *testing.T) {
	m := New()
	n0, n1 := m.AddNode("n0"), m.AddNode("n1")
	s := m.SetService("s", "s", VIP, []PortConfig{ing(80, 8080)})
	check := func(step string, want ...string) {
		t.Helper()
		if got := m.Backends("s"); !slices.Equal(got, want) {
			t.Fatalf("%s: Backends = %v, want %v", step, got, want)
		}
		if err := checkMeshSlabs(m, true); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	a := m.AddBackendRef(s, n0, "a")
	b := m.AddBackendRef(s, n1, "b")
	m.RemoveBackendRef(s, a)
	check("remove a", "b")
	c := m.AddBackendRef(s, n0, "c") // a's element
	if c.i != a.i {
		t.Fatalf("c is in element %d, a was in %d: the test no longer reuses an element", c.i, a.i)
	}
	m.RemoveBackendRef(s, a)
	check("remove a again", "b", "c")

	m.RemoveNode("n1") // drops b
	check("RemoveNode n1", "c")

	d := m.AddBackendRef(s, n0, "d") // b's element
	if d.i != b.i {
		t.Fatalf("d is in element %d, b was in %d", d.i, b.i)
	}
	m.RemoveBackendRef(s, b)
	check("remove b after RemoveNode", "c", "d")
	m.RemoveBackendRef(ServiceRef{}, d)
	m.RemoveBackendRef(s, BackendRef{})
	check("zero handles", "c", "d")

	m.RemoveService("s") // drops c and d
	s2 := m.SetService("s", "s", VIP, []PortConfig{ing(80, 8080)})
	if s2 == s {
		t.Fatal("a service declared again has its old handle")
	}
	e := m.AddBackendRef(s2, n0, "e") // element 1 of the new slab, as c
	if e.i != c.i {
		t.Fatalf("e is in element %d, c was in %d", e.i, c.i)
	}
	m.RemoveBackendRef(s, c)
	m.RemoveBackendRef(s2, c)
	m.RemoveBackendRef(s, d)
	check("remove c and d after RemoveService", "e")
	m.RemoveBackendRef(s, e) // the old handle names the service by ID
	check("remove e by the old service handle")
}

// The two kinds of backend do not see each other's task IDs:
// RemoveBackend ignores a backend added by handle, and AddBackend of its
// task adds a second one (removing the first by handle leaves it); the
// task index holds only the second.
func TestBackendRefNotIndexed(t *testing.T) {
	m := New()
	s := m.SetService("s", "s", VIP, []PortConfig{ing(80, 8080)})
	n := m.AddNode("n0")
	a := m.AddBackendRef(s, n, "a")
	m.RemoveBackend("s", "a")
	if got := m.Backends("s"); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("RemoveBackend removed a backend added by handle: %v", got)
	}
	m.AddBackend("s", "a", "n0")
	m.RemoveBackendRef(s, a)
	if got, ms := m.Backends("s"), m.services["s"]; !slices.Equal(got, []string{"a"}) || ms.byTask.n != 1 || ms.els[ms.head].stamp != 0 {
		t.Fatalf("after AddBackend and RemoveBackendRef: %v, %d indexed", got, ms.byTask.n)
	}
	if err := checkMeshSlabs(m, false); err != nil {
		t.Fatal(err)
	}
}

// Reserve makes no task index: the first AddBackend makes it, at the size
// reserved; backends added by handle never do.
func TestReserveIndexLazily(t *testing.T) {
	m := New()
	s := m.SetService("s", "s", VIP, nil)
	n := m.AddNode("n0")
	m.Reserve("s", 1000)
	ms := m.services["s"]
	for i := range 1000 {
		m.AddBackendRef(s, n, strconv.Itoa(i))
	}
	if len(ms.byTask.slots) != 0 || cap(ms.els) != 1001 {
		t.Fatalf("after 1000 AddBackendRef: %d index slots, slab capacity %d; want 0, 1001", len(ms.byTask.slots), cap(ms.els))
	}
	m.AddBackend("s", "x", "n0")
	if len(ms.byTask.slots) != 2048 {
		t.Fatalf("the first AddBackend made %d index slots, want 2048 (room for 1000)", len(ms.byTask.slots))
	}
	if err := checkMeshSlabs(m, false); err != nil {
		t.Fatal(err)
	}
}

// A rolling update's churn by handles allocates nothing once the slab has
// its size, as by task ID (TestBackendChurnAllocs).
func TestBackendRefChurnAllocs(t *testing.T) {
	m := New()
	s := m.SetService("svc", "svc", VIP, []PortConfig{ing(80, 8080)})
	nodes := make([]NodeRef, 8)
	names := make([]string, len(nodes))
	for i := range nodes {
		names[i] = "node-" + strconv.Itoa(i)
		nodes[i] = m.AddNode(names[i])
	}
	const n = 64
	ids := make([]string, 4*n)
	for i := range ids {
		ids[i] = "svc." + strconv.Itoa(i)
	}
	refs := make([]BackendRef, len(ids))
	for i := range n {
		refs[i] = m.AddBackendRef(s, nodes[i%8], ids[i])
	}
	k := 0
	churn := func() {
		m.RemoveBackendRef(s, refs[k%len(ids)])
		j := (k + n) % len(ids)
		refs[j] = m.AddBackendRef(s, nodes[j%8], ids[j])
		if _, err := m.Resolve(names[k%8], 8080, TCP); err != nil {
			t.Fatal(err)
		}
		k++
	}
	for range len(ids) {
		churn()
	}
	if got := testing.AllocsPerRun(4*backendChunk, churn); got != 0 {
		t.Errorf("%v allocations per remove+add+resolve by handles, want 0", got)
	}
}

// A stale BackendRef of a dead element (removed while a rotation holds it)
// removes nothing either: after RemoveBackendRef, and after RemoveNode. The
// rotations then continue after the removed backends.
func TestBackendRefStaleDead(t *testing.T) {
	m := New()
	n0, n1 := m.AddNode("n0"), m.AddNode("n1")
	s := m.SetService("s", "s", VIP, []PortConfig{ing(80, 8080)})
	ms := m.services["s"]
	a := m.AddBackendRef(s, n0, "a")
	b := m.AddBackendRef(s, n1, "b")
	m.AddBackendRef(s, n0, "c")
	d := m.AddBackendRef(s, n1, "d")
	// n0 holds b, n1 holds a.
	got := []string{answer(m, "n0", 8080, TCP), answer(m, "n0", 8080, TCP), answer(m, "n1", 8080, TCP)}
	m.RemoveBackendRef(s, a)
	if !ms.els[a.i].dead {
		t.Fatal("a's element is not dead: the test no longer holds one")
	}
	m.RemoveBackendRef(s, a)
	m.RemoveNode("n1") // drops b (held by n0) and d
	if !ms.els[b.i].dead {
		t.Fatal("b's element is not dead: the test no longer holds one")
	}
	m.RemoveBackendRef(s, b)
	m.RemoveBackendRef(s, d)
	m.AddBackendRef(s, n0, "e") // d's element
	m.RemoveBackendRef(s, b)
	m.RemoveBackendRef(s, d)
	m.RemoveBackendRef(s, a)
	got = append(got, answer(m, "n0", 8080, TCP), answer(m, "n0", 8080, TCP), answer(m, "n0", 8080, TCP))
	if want := []string{"a@n0", "b@n1", "a@n0", "c@n0", "e@n0", "c@n0"}; !slices.Equal(got, want) {
		t.Fatalf("answers %v, want %v", got, want)
	}
	if got := m.Backends("s"); !slices.Equal(got, []string{"c", "e"}) {
		t.Fatalf("Backends = %v, want [c e]", got)
	}
	if err := checkMeshSlabs(m, true); err != nil {
		t.Fatal(err)
	}
}
