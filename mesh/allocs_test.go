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
