package updater

import "testing"

// TestRunAllocs pins the updater's allocations over a whole run: a handful
// for Start (the dirty slots, the jobs, the two maps, their growth) plus one
// chunk of actions and one of Shutdown IDs per 32 slots; nothing else per
// slot, whatever the parallelism.
func TestRunAllocs(t *testing.T) {
	const n = 1024
	slots, ids := benchSlots(n)
	queue := make([]Action, 0, 2*n)
	for _, p := range []uint64{1, 10, 0} {
		c := Config{Parallelism: p}
		got := testing.AllocsPerRun(5, func() {
			if u := runInstantReuse(slots, ids, &c, queue); u.Status().State != Completed {
				t.Fatalf("status %v", u.Status())
			}
		})
		// 2*n/chunk chunks, and at most 40 for Start and the maps' growth.
		if limit := float64(2*n/chunk + 40); got > limit {
			t.Errorf("parallelism=%d: %v allocations per run of %d slots, want <= %v", p, got, n, limit)
		}
	}
}
