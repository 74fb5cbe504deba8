package ids

import (
	"regexp"
	"testing"
)

// IDs have SwarmKit's shape, come only from the seed, and do not repeat.
func TestIDs(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9a-z]{25}$`)
	a, b, c := New(1), New(1), New(2)
	seen := map[string]bool{}
	for i := range 10000 {
		x, y, z := a.Next(), b.Next(), c.Next()
		if !shape.MatchString(x) {
			t.Fatalf("id %q has the wrong shape", x)
		}
		if x != y {
			t.Fatalf("draw %d: same seed gave %q and %q", i, x, y)
		}
		if x == z {
			t.Fatalf("draw %d: seeds 1 and 2 gave the same id %q", i, x)
		}
		if seen[x] {
			t.Fatalf("id %q repeated", x)
		}
		seen[x] = true
	}
}

func BenchmarkNext(b *testing.B) {
	g := New(1)
	for b.Loop() {
		g.Next()
	}
}

func TestMarkReset(t *testing.T) {
	g := New(3)
	m := g.Mark()
	a := g.Next()
	g.Reset(m)
	if b := g.Next(); a != b {
		t.Fatalf("after Reset drew %q, want %q again", b, a)
	}
}
