package fault

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// view is what a Network says about nodes 0..4, node 3 leading.
type view struct {
	Cut         bool
	Gen         uint32
	Groups      []int32
	Partitioned [][2]int32 // the pairs a partition separates
	Heard       []int32    // the live nodes the leader (3, up) hears
}

func look(w *Network) view {
	v := view{Cut: w.Cut(), Gen: w.Gen()}
	for a := int32(0); a < 5; a++ {
		v.Groups = append(v.Groups, w.Group(a))
		for b := a + 1; b < 5; b++ {
			if w.Partitioned(a, b) {
				v.Partitioned = append(v.Partitioned, [2]int32{a, b})
			}
		}
		if w.Heard(a, true, 3, true) {
			v.Heard = append(v.Heard, a)
		}
	}
	return v
}

func nodes(idx ...int32) []Node {
	var out []Node
	for _, i := range idx {
		out = append(out, Node{Index: i})
	}
	return out
}

// Partition puts each group in its own component and the nodes it names
// in none (node 4, which joins later, too) in component 0; a new partition
// replaces the old one; Heal makes the network whole; Gen moves with each.
func TestNetwork(t *testing.T) {
	var w Network
	steps := []struct {
		name string
		do   func()
		want view
	}{
		{"whole", func() {}, view{Groups: []int32{0, 0, 0, 0, 0}, Heard: []int32{0, 1, 2, 3, 4}}},
		{"heal without a partition", func() {
			if w.Heal() {
				t.Error("Heal without a partition reported a change")
			}
		}, view{Groups: []int32{0, 0, 0, 0, 0}, Heard: []int32{0, 1, 2, 3, 4}}},
		{"{0,3} / {1}", func() { w.Partition([][]Node{nodes(0, 3), nodes(1)}) }, view{Cut: true, Gen: 1,
			Groups:      []int32{1, 2, 0, 1, 0},
			Partitioned: [][2]int32{{0, 1}, {0, 2}, {0, 4}, {1, 2}, {1, 3}, {1, 4}, {2, 3}, {3, 4}},
			Heard:       []int32{0, 3}}},
		{"{2} replaces it", func() { w.Partition([][]Node{nodes(2)}) }, view{Cut: true, Gen: 2,
			Groups:      []int32{0, 0, 1, 0, 0},
			Partitioned: [][2]int32{{0, 2}, {1, 2}, {2, 3}, {2, 4}},
			Heard:       []int32{0, 1, 3, 4}}},
		{"heal", func() {
			if !w.Heal() {
				t.Error("Heal of a partition reported no change")
			}
		}, view{Gen: 3, Groups: []int32{0, 0, 0, 0, 0}, Heard: []int32{0, 1, 2, 3, 4}}},
	}
	for _, s := range steps {
		s.do()
		if d := cmp.Diff(s.want, look(&w)); d != "" {
			t.Errorf("%s (-want +got)\n%s", s.name, d)
		}
	}
}

// The link rule: a dead node is never heard; a live one is heard unless a
// partition separates it from a live leader.
func TestHeard(t *testing.T) {
	var w Network
	w.Partition([][]Node{nodes(0), nodes(1)})
	for _, tc := range []struct {
		name     string
		n        int32
		up       bool
		leader   int32
		leaderUp bool
		want     bool
	}{
		{"same side", 0, true, 0, true, true},
		{"across the cut", 1, true, 0, true, false},
		{"dead, same side", 0, false, 0, true, false},
		{"no leader", 1, true, -1, false, true},
		{"dead, no leader", 1, false, -1, false, false},
		{"leader's machine down", 1, true, 0, false, true},
		{"rest group vs group 1", 2, true, 0, true, false},
	} {
		if got := w.Heard(tc.n, tc.up, tc.leader, tc.leaderUp); got != tc.want {
			t.Errorf("%s: Heard = %v, want %v", tc.name, got, tc.want)
		}
	}
}
