package trace

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/events"
)

// Events, All and AppendText read the same kept events: from a sequence
// number on, the newest included, the dropped ones left out.
func TestRead(t *testing.T) {
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	var s Store
	s.SetLimit(100)
	if got := s.Events(0, epoch); got == nil || len(got) != 0 {
		t.Errorf("empty store: Events = %#v, want empty and not nil", got)
	}
	for i := 1; i <= 250; i++ {
		s.Append(uint64(i), MakeRec(int64(i)*int64(time.Second), uint8(events.NodeAdded), 0, 0))
	}
	seqs := func(evs []events.Event) []uint64 {
		var out []uint64
		for _, e := range evs {
			out = append(out, e.Seq)
		}
		return out
	}
	want := func(from, to uint64) []uint64 {
		var out []uint64
		for i := from; i <= to; i++ {
			out = append(out, i)
		}
		return out
	}
	for _, tc := range []struct {
		from     uint64
		from2, n uint64
	}{{0, 151, 250}, {151, 151, 250}, {200, 200, 250}, {250, 250, 250}} {
		if d := cmp.Diff(want(tc.from2, tc.n), seqs(s.Events(tc.from, epoch))); d != "" {
			t.Errorf("Events(%d) (-want +got):\n%s", tc.from, d)
		}
	}
	if got := s.Events(251, epoch); len(got) != 0 {
		t.Errorf("Events past the newest = %d events", len(got))
	}
	all := slices.Collect(s.All(epoch))
	if d := cmp.Diff(s.Events(0, epoch), all); d != "" {
		t.Errorf("All differs from Events (-Events +All):\n%s", d)
	}
	text := string(s.AppendText(nil, epoch))
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 100 || lines[0] != string(all[0].AppendText(nil, epoch)) {
		t.Errorf("AppendText: %d lines, first %q", len(lines), lines[0])
	}
}
