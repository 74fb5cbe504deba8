package mesh

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// TestPropertySlabModel pins the backend slab (reference-counted elements
// on a free list), the task index, the lazily kept per-node host records, the
// listener pages and the lookup caches against a model written the simple
// way (IPVS rr per entry node, and the package's determinism rules: backends in the
// order added, sequence numbers, each entry node's rotation continuing after
// the backend it served last, host-mode rotations per node restarting when
// the node loses its last task), under random AddBackend (duplicates and
// re-additions included), RemoveBackend, RemoveNode, RemoveService,
// SetService (ingress, host, no port, switching between them), SetNodeUp,
// Resolve and Listening over several services, one of them on a port beyond
// 65535. After every step the internal bookkeeping is checked (see
// checkSlab): every reference count is exact, and no element is lost.
func TestPropertySlabModel(t *testing.T) {
	type svcDef struct {
		id   string
		port uint32
		p    Protocol
	}
	svcs := []svcDef{{"a", 8000, TCP}, {"b", 8001, UDP}, {"c", 70002, TCP}, {"d", 8003, SCTP}}
	rapid.Check(t, func(rt *rapid.T) {
		nodes := []string{"n0", "n1", "n2", "n3", "n4"}
		type mb struct {
			task, node string
			seq        int
		}
		type msvc struct {
			mode  int // 0: no port, 1: ingress, 2: host
			live  []mb
			last  map[string]int    // entry node -> seq served last
			hnext map[string]uint32 // node -> host rotation counter
		}
		model := map[string]*msvc{}
		known := map[string]bool{} // nodes in the mesh
		up := map[string]bool{}
		seq := 0
		m := New()
		for _, n := range nodes[:3] {
			known[n], up[n] = true, true
			m.AddNode(n)
		}
		svcOf := func(id string) *msvc {
			s := model[id]
			if s == nil {
				s = &msvc{last: map[string]int{}, hnext: map[string]uint32{}}
				model[id] = s
			}
			return s
		}
		setService := func(sd svcDef, mode int) {
			svcOf(sd.id).mode = mode
			var ports []PortConfig
			switch mode {
			case 1:
				ports = []PortConfig{{Protocol: sd.p, TargetPort: 80, PublishedPort: sd.port, PublishMode: Ingress}}
			case 2:
				ports = []PortConfig{{Protocol: sd.p, TargetPort: 80, PublishedPort: sd.port, PublishMode: Host}}
			}
			m.SetService(sd.id, sd.id, VIP, ports)
		}
		for i, sd := range svcs { // a, c: ingress; b: host; d: no port
			setService(sd, []int{1, 2, 1, 0}[i])
		}
		addNode := func(n string) {
			if !known[n] {
				known[n], up[n] = true, true
			}
		}
		dropLive := func(s *msvc, i int) {
			node := s.live[i].node
			s.live = slices.Delete(s.live, i, i+1)
			if !slices.ContainsFunc(s.live, func(b mb) bool { return b.node == node }) {
				delete(s.hnext, node)
			}
		}
		resolve := func(entry string, sd svcDef, advance bool) string {
			if !known[entry] || !up[entry] {
				return "!"
			}
			s := model[sd.id]
			if s == nil {
				return "!"
			}
			switch s.mode {
			case 1:
				k := s.live
				if len(k) == 0 {
					return "!"
				}
				want := k[0]
				for _, b := range k {
					if b.seq > s.last[entry] {
						want = b
						break
					}
				}
				if advance {
					s.last[entry] = want.seq
				}
				if !up[want.node] && want.node != entry {
					return "!timeout"
				}
				return want.task + "@" + want.node
			case 2:
				var list []mb
				for _, b := range s.live {
					if b.node == entry {
						list = append(list, b)
					}
				}
				if len(list) == 0 {
					return "!"
				}
				b := list[s.hnext[entry]%uint32(len(list))]
				if advance {
					s.hnext[entry]++
				}
				return b.task + "@" + b.node
			}
			return "!"
		}

		rt.Repeat(map[string]func(*rapid.T){
			"add": func(rt *rapid.T) {
				sd := rapid.SampledFrom(svcs).Draw(rt, "svc")
				s := svcOf(sd.id)
				for k := rapid.IntRange(1, 6).Draw(rt, "k"); k > 0; k-- {
					task := fmt.Sprintf("t%d", rapid.IntRange(0, 15).Draw(rt, "task"))
					node := rapid.SampledFrom(nodes).Draw(rt, "node")
					if !slices.ContainsFunc(s.live, func(b mb) bool { return b.task == task }) {
						addNode(node) // (a duplicate is ignored before its node is looked at)
						seq++
						s.live = append(s.live, mb{task, node, seq})
					}
					m.AddBackend(sd.id, task, node)
				}
			},
			"remove": func(rt *rapid.T) {
				sd := rapid.SampledFrom(svcs).Draw(rt, "svc")
				task := fmt.Sprintf("t%d", rapid.IntRange(0, 15).Draw(rt, "task"))
				if s := model[sd.id]; s != nil {
					if i := slices.IndexFunc(s.live, func(b mb) bool { return b.task == task }); i >= 0 {
						dropLive(s, i)
					}
				}
				m.RemoveBackend(sd.id, task)
			},
			"removeTail": func(rt *rapid.T) {
				sd := rapid.SampledFrom(svcs).Draw(rt, "svc")
				if s := model[sd.id]; s != nil && len(s.live) > 0 {
					task := s.live[len(s.live)-1].task
					dropLive(s, len(s.live)-1)
					m.RemoveBackend(sd.id, task)
				}
			},
			"removeRun": func(rt *rapid.T) {
				// Remove the backend an entry node served last and a few
				// after it: rotations then point into chains of removed
				// elements.
				sd := rapid.SampledFrom(svcs).Draw(rt, "svc")
				e := rapid.SampledFrom(nodes).Draw(rt, "entry")
				s := model[sd.id]
				if s == nil {
					return
				}
				i := slices.IndexFunc(s.live, func(b mb) bool { return b.seq >= s.last[e] })
				for k := rapid.IntRange(1, 4).Draw(rt, "k"); k > 0 && i >= 0 && i < len(s.live); k-- {
					task := s.live[i].task
					dropLive(s, i)
					m.RemoveBackend(sd.id, task)
				}
			},
			"removeNode": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "node")
				if known[n] {
					delete(known, n)
					delete(up, n)
					for _, sd := range svcs { // the model's services, in a fixed order
						s := model[sd.id]
						if s == nil {
							continue
						}
						for i := len(s.live) - 1; i >= 0; i-- {
							if s.live[i].node == n {
								dropLive(s, i)
							}
						}
						delete(s.last, n)
					}
				}
				m.RemoveNode(n)
			},
			"removeService": func(rt *rapid.T) {
				sd := rapid.SampledFrom(svcs).Draw(rt, "svc")
				delete(model, sd.id)
				m.RemoveService(sd.id)
			},
			"setService": func(rt *rapid.T) {
				sd := rapid.SampledFrom(svcs).Draw(rt, "svc")
				setService(sd, rapid.IntRange(0, 2).Draw(rt, "mode"))
			},
			"updown": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "node")
				u := rapid.Bool().Draw(rt, "up")
				addNode(n)
				up[n] = u
				m.SetNodeUp(n, u)
			},
			"resolve": func(rt *rapid.T) {
				e := rapid.SampledFrom(nodes).Draw(rt, "entry")
				sd := rapid.SampledFrom(svcs).Draw(rt, "svc")
				for k := rapid.IntRange(1, 3).Draw(rt, "k"); k > 1; k-- { // spread the positions
					got, want := answer(m, e, sd.port, sd.p), resolve(e, sd, true)
					if strings.HasPrefix(got, "!") {
						got = "!"
					}
					if strings.HasPrefix(want, "!") {
						want = "!"
					}
					if got != want {
						rt.Fatalf("Resolve(%s, %s) = %s, want %s", e, sd.id, got, want)
					}
				}
				if rapid.IntRange(0, 3).Draw(rt, "listening") == 0 {
					want := resolve(e, sd, false) != "!"
					if got := m.Listening(e, sd.port, sd.p); got != want {
						rt.Fatalf("Listening(%s, %s) = %v, want %v", e, sd.id, got, want)
					}
					return
				}
				want := resolve(e, sd, true)
				r, err := m.Resolve(e, sd.port, sd.p)
				got := "!"
				if err == nil {
					got = r.TaskID + "@" + r.NodeID
					if r.ServiceID != sd.id {
						rt.Fatalf("Resolve(%s, %s) answered for service %s", e, sd.id, r.ServiceID)
					}
				} else if errors.Is(err, ErrTimedOut) {
					got = "!timeout"
				} else if !errors.Is(err, ErrNoListener) {
					rt.Fatalf("Resolve(%s, %s): %v", e, sd.id, err)
				}
				if got != want {
					rt.Fatalf("Resolve(%s, %s) = %s (%v), want %s", e, sd.id, got, err, want)
				}
			},
			"": func(rt *rapid.T) {
				for _, sd := range svcs {
					var want []string
					if s := model[sd.id]; s != nil {
						for _, b := range s.live {
							want = append(want, b.task)
						}
					}
					if got := m.Backends(sd.id); !slices.Equal(want, got) {
						rt.Fatalf("Backends(%s) = %v, want %v", sd.id, got, want)
					}
					if s := m.services[sd.id]; s != nil {
						if err := checkSlab(m, s); err != nil {
							rt.Fatalf("service %s: %v", sd.id, err)
						}
					}
				}
			},
		})
	})
}

// checkSlab verifies a service's bookkeeping: every element of the slab is
// live, dead or free, and exactly one; the live list, task index (which holds
// exactly the backends added by task ID) and node lists agree; every reference count equals the positions, dead links and
// pending mark that lead to the element; a dead element is reached by
// something (else it should have been freed).
func checkSlab(m *Mesh, s *meshService) error {
	if len(s.els) == 0 {
		if s.head != 0 || s.count != 0 || s.byTask.n != 0 {
			return errors.New("backends without a slab")
		}
		return nil
	}
	const (
		unseen = iota
		live
		free
	)
	state := make([]int, len(s.els))
	for i := s.free; i != 0; i = s.els[i].next {
		if state[i] != unseen {
			return fmt.Errorf("free list loops at %d", i)
		}
		state[i] = free
	}
	count, indexed, prev := 0, 0, int32(0)
	for i := s.head; i != 0; i = s.els[i].next {
		b := &s.els[i]
		if state[i] != unseen || b.dead {
			return fmt.Errorf("live element %d is free, dead or repeated", i)
		}
		state[i] = live
		if b.prev != prev {
			return fmt.Errorf("element %d: prev %d, want %d", i, b.prev, prev)
		}
		if b.stamp == 0 { // added by AddBackend
			if s.byTask.get(s.els, b.taskID) != i {
				return fmt.Errorf("task %s not indexed at %d", b.taskID, i)
			}
			indexed++
		}
		if r := b.node.backends[b.nodePos]; r.s != s || r.i != i {
			return fmt.Errorf("element %d: node list has %v at %d", i, r, b.nodePos)
		}
		if m.nodes[b.node.id] != b.node {
			return fmt.Errorf("element %d on a removed node", i)
		}
		prev = i
		count++
	}
	if prev != s.tail || count != s.count || indexed != s.byTask.n {
		return fmt.Errorf("tail %d count %d index %d; want %d, %d, %d", s.tail, s.count, s.byTask.n, prev, count, indexed)
	}
	refs := make([]int32, len(s.els))
	var pos []int32
	pos = append(pos, s.rr.dense...)
	for _, e := range s.rr.sparse {
		if e.key != 0 {
			pos = append(pos, e.last)
		}
	}
	for _, i := range pos {
		refs[i]++
	}
	if s.pending != 0 {
		refs[s.pending]++
		if !s.els[s.pending].dead || s.els[s.pending].next != 0 {
			return errors.New("the placeholder is not dead without next")
		}
	}
	for i := 1; i < len(s.els); i++ {
		if state[i] == unseen {
			if !s.els[i].dead {
				return fmt.Errorf("element %d is lost", i)
			}
			refs[s.els[i].next]++
		}
	}
	for i := 1; i < len(s.els); i++ {
		switch {
		case state[i] == free && refs[i] != 0:
			return fmt.Errorf("free element %d is reached %d times", i, refs[i])
		case state[i] != free && refs[i] != s.els[i].refs:
			return fmt.Errorf("element %d: refs %d, want %d", i, s.els[i].refs, refs[i])
		case state[i] == unseen && refs[i] == 0:
			return fmt.Errorf("dead element %d is reached by nothing", i)
		}
	}
	return nil
}

// Two entry nodes' positions on adjacent backends, then a run of removals:
// the walk from the first position crosses a removed element the second
// position still holds, which must keep it (and count the new link).
// IPVS rr: each resumes after the backend it served last.
func TestSharedDeadChain(t *testing.T) {
	m := New()
	m.SetService("s", "s", VIP, []PortConfig{ing(80, 8080)})
	m.AddNode("e0")
	m.AddNode("e1")
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		m.AddBackend("s", id, "w")
	}
	var got []string
	got = append(got, answer(m, "e0", 8080, TCP), answer(m, "e1", 8080, TCP), answer(m, "e1", 8080, TCP))
	for _, id := range []string{"a", "b", "c"} {
		m.RemoveBackend("s", id)
	}
	got = append(got, answer(m, "e0", 8080, TCP), answer(m, "e1", 8080, TCP), answer(m, "e0", 8080, TCP))
	want := []string{"a@w", "a@w", "b@w", "d@w", "d@w", "e@w"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if err := checkSlab(m, m.services["s"]); err != nil {
		t.Error(err)
	}
}

// A node's host-mode rotation restarts when it loses its last task of the
// service, also while the service publishes no host-mode port (when the
// per-node records are not all kept) and across switches between host and
// ingress mode.
func TestHostRotationRestartsAcrossModes(t *testing.T) {
	m := New()
	host := []PortConfig{hostPort(80, 9090)}
	m.SetService("s", "s", VIP, host)
	m.AddBackend("s", "x", "n0")
	m.AddBackend("s", "y", "n0")
	got := []string{answer(m, "n0", 9090, TCP)} // x; the counter moves on
	m.SetService("s", "s", VIP, []PortConfig{ing(80, 9090)})
	m.SetService("s", "s", VIP, host)
	got = append(got, answer(m, "n0", 9090, TCP), answer(m, "n0", 9090, TCP)) // y, x: the counter was kept
	m.SetService("s", "s", VIP, nil)
	m.RemoveBackend("s", "x")
	m.RemoveBackend("s", "y") // n0 has no task left: its rotation ends
	m.AddBackend("s", "p", "n0")
	m.AddBackend("s", "q", "n0")
	m.SetService("s", "s", VIP, host)
	got = append(got, answer(m, "n0", 9090, TCP), answer(m, "n0", 9090, TCP))
	want := []string{"x@n0", "y@n0", "x@n0", "p@n0", "q@n0"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}
