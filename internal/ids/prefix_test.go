package ids

import (
	"errors"
	"strings"
	"testing"

	"github.com/swarmsim/swarmsim/errdefs"
	"pgregory.net/rapid"
)

// Match counts exactly the indexed IDs a prefix starts, whatever was added
// and removed: checked against a scan of the live IDs.
func TestPrefixesMatchAScan(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := New(rapid.Uint64().Draw(t, "seed"))
		var p Prefixes[int]
		var live []string
		alive := map[int]bool{}
		for i := range rapid.IntRange(0, 300).Draw(t, "n") {
			id := g.Next()
			live = append(live, id)
			p.Add(id, i)
			alive[i] = true
		}
		if len(live) > 0 {
			for _, i := range rapid.SliceOfDistinct(rapid.IntRange(0, len(live)-1), rapid.ID).Draw(t, "removed") {
				p.Remove(live[i], i)
				alive[i] = false
			}
		}
		for range 20 {
			var prefix string
			if len(live) > 0 && rapid.Bool().Draw(t, "of a live id") {
				id := live[rapid.IntRange(0, len(live)-1).Draw(t, "which")]
				prefix = id[:rapid.IntRange(0, len(id)).Draw(t, "length")]
			} else {
				prefix = rapid.StringMatching(`[0-9a-z]{0,4}`).Draw(t, "prefix")
			}
			want, wantV := 0, -1
			for i, id := range live {
				if alive[i] && strings.HasPrefix(id, prefix) {
					want++
					wantV = i
				}
			}
			v, n, ok := p.Match(prefix)
			if len(prefix) < HeadLen {
				if ok {
					t.Fatalf("Match(%q) answered a prefix shorter than %d", prefix, HeadLen)
				}
				continue
			}
			if !ok || n != want {
				t.Fatalf("Match(%q) = %d matches (ok %v), a scan finds %d", prefix, n, ok, want)
			}
			if want == 1 && v != wantV {
				t.Fatalf("Match(%q) = %d, want %d", prefix, v, wantV)
			}
			if want != 1 && v != 0 {
				t.Fatalf("Match(%q) = %d with %d matches, want the zero value", prefix, v, want)
			}
		}
	})
}

// A reference resolves as Docker's daemon resolves it: one match is the
// object; none is "not found", several "ambiguous", with their error kinds.
func TestScanAndUnique(t *testing.T) {
	type obj struct{ id string }
	a, b, c := &obj{"abc1"}, &obj{"abd2"}, &obj{"xyz3"}
	all := []*obj{a, nil, b, c}
	id := func(o *obj) string { return o.id }
	for _, tc := range []struct {
		ref  string
		want *obj
		err  string
		kind errdefs.Kind
	}{
		{"abc", a, "", 0},
		{"x", c, "", 0},
		{"ab", nil, "node ab is ambiguous (2 matches found)", errdefs.KindInvalidArgument},
		{"q", nil, "node q not found", errdefs.KindNotFound},
		{"", nil, "node  not found", errdefs.KindNotFound},
		{"abc1x", nil, "node abc1x not found", errdefs.KindNotFound},
	} {
		found, n := Scan(all, tc.ref, id)
		got, err := Unique("node", tc.ref, found, n)
		if got != tc.want {
			t.Errorf("%q: got %v, want %v", tc.ref, got, tc.want)
		}
		var e *errdefs.Error
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.ref, err)
		case tc.err != "" && (!errors.As(err, &e) || e.Error() != tc.err || e.Kind != tc.kind):
			t.Errorf("%q: error %v, want %q of kind %v", tc.ref, err, tc.err, tc.kind)
		}
	}
}
