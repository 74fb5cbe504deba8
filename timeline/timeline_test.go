package timeline_test

import (
	"bytes"
	"io"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/timeline"
)

// The picture is drawn from the events alone: from a JSONL trace read back
// it is the same, byte for byte, and the order the events are given in does
// not matter (they are taken in sequence order).
func TestRenderFromTrace(t *testing.T) {
	c := rollout(t, 20)
	events := c.Events()
	opts := timeline.Options{Epoch: c.Epoch(), To: c.Elapsed(), Title: "from the trace"}
	var direct bytes.Buffer
	if err := timeline.Render(&direct, events, opts); err != nil {
		t.Fatal(err)
	}
	var trace bytes.Buffer
	if err := swarmsim.WriteTrace(&trace, events); err != nil {
		t.Fatal(err)
	}
	read, err := swarmsim.ReadTrace(&trace)
	if err != nil {
		t.Fatal(err)
	}
	var fromTrace bytes.Buffer
	if err := timeline.Render(&fromTrace, read, opts); err != nil {
		t.Fatal(err)
	}
	if direct.String() != fromTrace.String() {
		t.Errorf("the picture from the trace differs from the picture from the events")
	}
	shuffled := append([]swarmsim.Event(nil), events...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	var fromShuffled bytes.Buffer
	if err := timeline.Render(&fromShuffled, shuffled, opts); err != nil {
		t.Fatal(err)
	}
	if direct.String() != fromShuffled.String() {
		t.Errorf("the order of the events changed the picture")
	}
}

// RenderSeq draws from the cluster's events one at a time the picture
// Render draws from the slice, and refuses events out of sequence order.
func TestRenderSeq(t *testing.T) {
	c := rollout(t, 20)
	events := c.Events()
	swapped := append([]swarmsim.Event(nil), events...)
	swapped[10], swapped[11] = swapped[11], swapped[10]
	for _, tc := range []struct {
		name    string
		opts    timeline.Options
		events  iter.Seq[swarmsim.Event]
		wantErr string
	}{
		{name: "whole run", opts: timeline.Options{Epoch: c.Epoch(), To: c.Elapsed(), Title: "seq"}, events: c.AllEvents()},
		{name: "to the last event", events: c.AllEvents()},
		{name: "window", opts: timeline.Options{From: time.Minute, To: 2 * time.Minute, Services: []string{"app"}}, events: c.AllEvents()},
		{name: "no service", opts: timeline.Options{Services: []string{"web"}}, events: c.AllEvents(), wantErr: "timeline: no service web in the trace"},
		{name: "out of order", events: slices.Values(swapped), wantErr: "timeline: event 11 comes after event 12: the events are not in sequence order"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got bytes.Buffer
			err := timeline.RenderSeq(&got, tc.events, tc.opts)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := timeline.Render(&want, events, tc.opts); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.String(), got.String()); diff != "" {
				t.Errorf("RenderSeq differs from Render (-want +got):\n%s", diff)
			}
		})
	}
}

// Spans, widths and filters all give well-formed SVG; an empty trace gives
// an empty picture that says so.
func TestRenderOptions(t *testing.T) {
	c := rollout(t, 3)
	events := c.Events()
	for _, tc := range []struct {
		name   string
		opts   timeline.Options
		events []swarmsim.Event
		want   []string
	}{
		{name: "empty", want: []string{"no task in this span", "virtual time 0s to 1s since the epoch", "<title>swarmsim timeline</title>"}},
		{name: "window", events: events, opts: timeline.Options{From: time.Minute, To: 2 * time.Minute}, want: []string{"virtual time 1m to 2m since the epoch", ">1m30s</text>"}},
		{name: "narrow", events: events, opts: timeline.Options{Width: 10}, want: []string{`width="480"`}},
		{name: "wide", events: events, opts: timeline.Options{Width: 2400}, want: []string{`width="2400"`}},
		{name: "monitor only", events: events, opts: timeline.Options{Services: []string{"monitor"}}, want: []string{"1 service", "global, 3 nodes"}},
		{name: "title escaped", events: events, opts: timeline.Options{Title: `a<b & "c"`}, want: []string{"<title>a&lt;b &amp; &#34;c&#34;</title>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := timeline.Render(&b, tc.events, tc.opts); err != nil {
				t.Fatal(err)
			}
			if err := parseSVG(b.Bytes()); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("no %q in\n%.600s", w, b.String())
				}
			}
		})
	}
}

// FuzzRender: whatever trace reads, and whatever span, renders without
// panicking to well-formed SVG (or an error about the options).
func FuzzRender(f *testing.F) {
	c := rollout(f, 3)
	var trace bytes.Buffer
	if err := swarmsim.WriteTrace(&trace, c.Events()); err != nil {
		f.Fatal(err)
	}
	lines := strings.SplitAfter(trace.String(), "\n")
	// Small seeds keep minimization quick.
	f.Add(strings.Join(lines[:12], ""), int64(0), int64(0), 0)
	f.Add(strings.Join(lines[100:112], ""), int64(10e9), int64(0), 600)
	f.Add(strings.Join(lines[200:212], ""), int64(30e9), int64(90e9), 2000)
	f.Fuzz(func(t *testing.T, in string, from, to int64, width int) {
		if len(in) > 1<<14 {
			return
		}
		events, err := swarmsim.ReadTrace(strings.NewReader(in))
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := timeline.Render(&b, events, timeline.Options{From: time.Duration(from), To: time.Duration(to), Width: width % 5000}); err != nil {
			return
		}
		if err := parseSVG(b.Bytes()); err != nil {
			t.Fatalf("%v\n%s", err, b.String())
		}
	})
}

// BenchmarkRender100 draws the 100-slot rollout (some 400 tasks).
func BenchmarkRender100(b *testing.B) {
	c := rollout(b, 100)
	events := c.Events()
	opts := timeline.Options{Epoch: c.Epoch(), To: c.Elapsed()}
	b.ReportAllocs()
	for b.Loop() {
		if err := timeline.Render(io.Discard, events, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadTrace100 reads the 100-slot rollout's JSONL trace back.
func BenchmarkReadTrace100(b *testing.B) {
	c := rollout(b, 100)
	var trace bytes.Buffer
	if err := swarmsim.WriteTrace(&trace, c.Events()); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(trace.Len()))
	for b.Loop() {
		if _, err := swarmsim.ReadTrace(bytes.NewReader(trace.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}
