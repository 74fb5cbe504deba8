package mesh

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// The task index against a map: any sequence of inserts and removals, at
// loads up to its three-quarter limit, finds every live task and no other,
// and never holds more than three quarters of its slots.
func TestTaskIndexModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var ix taskIndex
		els := []backend{{}} // element 0: none
		model := map[string]int32{}
		var live []string // model's keys, in insertion order (no map iteration)
		for range rapid.IntRange(0, 600).Draw(t, "ops") {
			if len(live) > 0 && rapid.IntRange(0, 2).Draw(t, "remove") == 0 {
				k := rapid.IntRange(0, len(live)-1).Draw(t, "victim")
				id := live[k]
				ix.remove(ix.hash(id), model[id])
				delete(model, id)
				live = append(live[:k], live[k+1:]...)
			} else {
				id := fmt.Sprintf("task-%d", len(els))
				els = append(els, backend{taskID: id})
				i := int32(len(els) - 1)
				h := ix.hash(id)
				slot := -1
				if ix.n > 0 {
					var found int32
					if found, slot = ix.find(els, id, h); found != 0 {
						t.Fatalf("%s found before it was inserted", id)
					}
				}
				ix.insert(h, i, slot)
				model[id] = i
				live = append(live, id)
			}
			if ix.n != len(model) || 4*ix.n > 3*len(ix.slots) {
				t.Fatalf("n %d for %d tasks in %d slots", ix.n, len(model), len(ix.slots))
			}
			for _, id := range live {
				if got := ix.get(els, id); got != model[id] {
					t.Fatalf("get(%s) = %d, want %d", id, got, model[id])
				}
			}
			if got := ix.get(els, "absent"); got != 0 {
				t.Fatalf("get(absent) = %d", got)
			}
		}
	})
}

// Reserve sizes the table for three quarters full at most: 10,000 tasks
// fit in 16,384 slots (128 KiB), and the table does not grow as they come.
func TestTaskIndexReserveSize(t *testing.T) {
	cases := []int{1, 6, 7, 12, 13, 10000, 12288, 12289}
	want := [][2]int{{8, 8}, {8, 8}, {16, 16}, {16, 16}, {32, 32}, {16384, 16384}, {16384, 16384}, {32768, 32768}}
	var got [][2]int
	for _, n := range cases {
		var ix taskIndex
		ix.reserve(n)
		reserved := len(ix.slots)
		els := []backend{{}}
		for i := range n {
			id := fmt.Sprintf("t%d", i)
			els = append(els, backend{taskID: id})
			ix.insert(ix.hash(id), int32(i+1), -1)
		}
		got = append(got, [2]int{reserved, len(ix.slots)})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("slots after reserve(n) and after n inserts (-want +got):\n%s", diff)
	}
}
