package mesh

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// IPVS rr, one position per entry node (moby's libnetwork service_linux.go),
// and the package's
// deterministic rule: backends in the order added; an entry node's next
// connection goes to the first backend added after the one it served last
// that is still a backend, or to the first backend. This pins the exact
// order against a model written the simple way (sequence numbers and a
// scan), under random additions, removals (tails included), re-additions,
// many entry nodes (so that rotations start in the small table and move to
// the slice) and Listening calls, which must not advance anything.
//
// The host-mode rotation (per node, list[next%len]) is pinned the same way,
// while the service switches between host and ingress ports, which starts
// and stops the per-node lists.
func TestPropertyRotationOrder(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		nodeCount := rapid.IntRange(1, 60).Draw(rt, "nodes")
		nodes := make([]string, nodeCount)
		m := New()
		for i := range nodes {
			nodes[i] = fmt.Sprintf("n%d", i)
			m.AddNode(nodes[i])
		}
		m.SetService("ing", "ing", VIP, []PortConfig{ing(80, 8080)})
		m.SetService("hst", "hst", VIP, []PortConfig{hostPort(80, 9090)})
		hostMode := true

		type mb struct {
			id   string
			seq  int
			node string
		}
		var live []mb               // ingress backends in order added
		lastSeq := map[string]int{} // entry node -> seq served last (0: none)
		seq := 0
		type hb struct{ id, node string }
		var hlive []hb               // host-mode backends in order added
		hnext := map[string]uint32{} // node -> host rotation counter
		nextTask := 0

		rt.Repeat(map[string]func(*rapid.T){
			"add": func(rt *rapid.T) {
				nextTask++
				id := fmt.Sprintf("t%d", rapid.IntRange(0, nextTask).Draw(rt, "task"))
				node := rapid.SampledFrom(nodes).Draw(rt, "node")
				if !slices.ContainsFunc(live, func(b mb) bool { return b.id == id }) {
					seq++
					live = append(live, mb{id, seq, node})
				}
				m.AddBackend("ing", id, node)
			},
			"remove": func(rt *rapid.T) {
				if len(live) == 0 {
					return
				}
				i := rapid.IntRange(0, len(live)-1).Draw(rt, "i")
				if rapid.Bool().Draw(rt, "tail") {
					i = len(live) - 1
				}
				m.RemoveBackend("ing", live[i].id)
				live = slices.Delete(live, i, i+1)
			},
			"resolve": func(rt *rapid.T) {
				// Mostly the first three nodes (so that rotations meet
				// removals), sometimes any (so that tables grow).
				e := nodes[rapid.IntRange(0, min(2, len(nodes)-1)).Draw(rt, "entry")]
				if rapid.IntRange(0, 3).Draw(rt, "anyEntry") == 0 {
					e = rapid.SampledFrom(nodes).Draw(rt, "entry")
				}
				if rapid.IntRange(0, 4).Draw(rt, "listening") == 0 {
					if got := m.Listening(e, 8080, TCP); got != (len(live) > 0) {
						rt.Fatalf("Listening(%s) = %v with %d backends", e, got, len(live))
					}
					return
				}
				r, err := m.Resolve(e, 8080, TCP)
				if len(live) == 0 {
					if err == nil {
						rt.Fatalf("Resolve(%s) = %+v with no backend", e, r)
					}
					return
				}
				want := live[0]
				for _, b := range live {
					if b.seq > lastSeq[e] {
						want = b
						break
					}
				}
				lastSeq[e] = want.seq
				if err != nil || r.TaskID != want.id || r.NodeID != want.node {
					rt.Fatalf("Resolve(%s) = %+v, %v; want %s on %s (backends %v)", e, r, err, want.id, want.node, live)
				}
			},
			"hostAdd": func(rt *rapid.T) {
				nextTask++
				id := fmt.Sprintf("h%d", nextTask)
				node := rapid.SampledFrom(nodes[:min(3, len(nodes))]).Draw(rt, "node")
				hlive = append(hlive, hb{id, node})
				m.AddBackend("hst", id, node)
			},
			"hostRemove": func(rt *rapid.T) {
				if len(hlive) == 0 {
					return
				}
				i := rapid.IntRange(0, len(hlive)-1).Draw(rt, "i")
				node := hlive[i].node
				m.RemoveBackend("hst", hlive[i].id)
				hlive = slices.Delete(hlive, i, i+1)
				if !slices.ContainsFunc(hlive, func(b hb) bool { return b.node == node }) {
					delete(hnext, node) // the node's rotation ends with its last task
				}
			},
			"hostToggle": func(rt *rapid.T) {
				hostMode = !hostMode
				pc := hostPort(80, 9090)
				if !hostMode {
					pc = ing(80, 9090)
				}
				m.SetService("hst", "hst", VIP, []PortConfig{pc})
			},
			"hostResolve": func(rt *rapid.T) {
				if !hostMode {
					return
				}
				e := rapid.SampledFrom(nodes[:min(3, len(nodes))]).Draw(rt, "entry")
				var list []string
				for _, b := range hlive {
					if b.node == e {
						list = append(list, b.id)
					}
				}
				r, err := m.Resolve(e, 9090, TCP)
				if len(list) == 0 {
					if err == nil {
						rt.Fatalf("host Resolve(%s) = %+v with no task there", e, r)
					}
					return
				}
				want := list[hnext[e]%uint32(len(list))]
				hnext[e]++
				if err != nil || r.TaskID != want {
					rt.Fatalf("host Resolve(%s) = %+v, %v; want %s (tasks %v)", e, r, err, want, list)
				}
			},
		})
		var ids []string
		for _, b := range live {
			ids = append(ids, b.id)
		}
		if got := m.Backends("ing"); !slices.Equal(ids, got) {
			rt.Fatalf("Backends = %v, want %v", got, ids)
		}
	})
}

// Resolve remembers recently used entry nodes; a node removed and added
// again must not be answered from that memory: it is a new node, whose
// rotation starts at the first backend (RemoveNode's documentation).
func TestRemovedEntryNodeForgotten(t *testing.T) {
	m := seedMesh()
	got := answers(m, "manager", 1)
	m.RemoveNode("manager")
	got = append(got, answer(m, "manager", 8080, TCP))
	m.AddNode("manager")
	got = append(got, answers(m, "manager", 2)...)
	want := []string{"t1@worker1", "!no listener", "t1@worker1", "t2@worker2"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}
