package mesh

import (
	"strconv"
	"testing"
)

// TestBackendChurnAllocs pins the allocation contract of a rolling update's
// backend churn: AddBackend takes its element from a chunk of backendChunk
// and reuses emptied per-node records, so a remove-then-add cycle makes
// fewer than one allocation on average (testing.AllocsPerRun truncates).
func TestBackendChurnAllocs(t *testing.T) {
	m := New()
	m.SetService("svc", "svc", VIP, []PortConfig{ing(80, 8080)})
	const n = 64
	ids := make([]string, 4*n)
	for i := range ids {
		ids[i] = "svc." + strconv.Itoa(i)
	}
	nodes := make([]string, 8)
	for i := range nodes {
		nodes[i] = "node-" + strconv.Itoa(i)
	}
	for i := range n {
		m.AddBackend("svc", ids[i], nodes[i%8])
	}
	k := 0
	churn := func() {
		m.RemoveBackend("svc", ids[k%len(ids)])
		j := (k + n) % len(ids)
		m.AddBackend("svc", ids[j], nodes[j%8])
		if _, err := m.Resolve(nodes[k%8], 8080, TCP); err != nil {
			t.Fatal(err)
		}
		k++
	}
	for range len(ids) { // the byTask map and node lists reach their size
		churn()
	}
	if got := testing.AllocsPerRun(4*backendChunk, churn); got != 0 {
		t.Errorf("%v allocations per remove+add+resolve, want 0 (one chunk per %d)", got, backendChunk)
	}
	// A node losing its last backend and getting one again reuses its
	// record.
	if got := testing.AllocsPerRun(4*backendChunk, func() {
		m.AddBackend("svc", "extra", "lonely")
		m.RemoveBackend("svc", "extra")
	}); got != 0 {
		t.Errorf("%v allocations per add+remove on an empty node, want 0", got)
	}
}

// TestReserve checks that a service's backends, once room for them is
// reserved, are added without an allocation of the service's tables, and
// that the mesh answers as it does without the reservation.
func TestReserve(t *testing.T) {
	const n = 1000
	build := func(reserve bool) (*Mesh, float64) {
		m := New()
		m.AddNode("node-0")
		m.SetService("svc", "svc", VIP, []PortConfig{ing(80, 8080)})
		if reserve {
			m.Reserve("svc", n)
		}
		ids := make([]string, n)
		for i := range ids {
			ids[i] = "svc." + strconv.Itoa(i)
		}
		k := 0
		allocs := testing.AllocsPerRun(1, func() {
			if k == 1 { // the measured run, after AllocsPerRun's warm-up
				for _, id := range ids {
					m.AddBackend("svc", id, "node-0")
				}
			}
			k++
		})
		return m, allocs
	}
	plain, grown := build(false)
	reserved, allocs := build(true)
	// Without Reserve the slab grows 7 times (8 to 1024 elements) and the
	// task index 8 times (8 to 2048 slots); the node's own list of
	// backends grows either way.
	if grown-allocs < 15 {
		t.Errorf("%v allocations adding %d reserved backends, %v without Reserve: want at least 15 fewer", allocs, n, grown)
	}
	for range 2 * n {
		want, err1 := plain.Resolve("node-0", 8080, TCP)
		got, err2 := reserved.Resolve("node-0", 8080, TCP)
		if err1 != nil || err2 != nil || want != got {
			t.Fatalf("Resolve: got %v, %v; want %v, %v", got, err2, want, err1)
		}
	}
	reserved.Reserve("absent", n) // not declared: nothing happens
	if _, err := reserved.Resolve("node-0", 8080, TCP); err != nil {
		t.Fatal(err)
	}
}
