package ids

import (
	"math/big"
	"regexp"
	"strings"
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

// An ID is the 128-bit number of two draws, hi then lo, written in base 36
// with 25 digits (leading zeros kept): checked against math/big.
func TestNextIsBase36OfTheDraws(t *testing.T) {
	g, r := New(7), New(7).r
	for range 2000 {
		hi, lo := r.Uint64(), r.Uint64()
		n := new(big.Int).Lsh(new(big.Int).SetUint64(hi), 64)
		n.Or(n, new(big.Int).SetUint64(lo))
		want := n.Text(36)
		want = strings.Repeat("0", Length-len(want)) + want
		if got := g.Next(); got != want {
			t.Fatalf("Next() = %q, want %q", got, want)
		}
	}
}
