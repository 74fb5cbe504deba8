package swarmsim

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/swarmsim/swarmsim/node"
)

// traceCluster runs a service of the given replicas to convergence on ten
// nodes: about seven events a replica.
func traceCluster(t testing.TB, cfg Config, replicas int) *Cluster {
	t.Helper()
	c := New(cfg)
	for i := range 10 {
		nc := NodeConfig{Hostname: fmt.Sprintf("node-%d", i)}
		if i == 0 {
			nc.Role = node.Manager
		}
		if _, err := c.AddNode(nc); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateService(ServiceSpec{Name: "web", Replicas: uint64(replicas), TaskTemplate: TaskSpec{Image: "web"}}); err != nil {
		t.Fatal(err)
	}
	c.RunUntilIdle(time.Hour)
	return c
}

// EventsSince(seq) is the tail of Events after seq, for any seq: before the
// oldest kept event, on chunk boundaries, at and after the newest, with the
// trace whole or bounded.
func TestEventsSince(t *testing.T) {
	for _, limit := range []int{0, 100, 5000} {
		c := traceCluster(t, Config{Seed: 1, TraceLimit: limit}, 1500)
		all := c.Events()
		first, last := all[0].Seq, all[len(all)-1].Seq
		if last < 8192 {
			t.Fatalf("only %d events: the trace should span chunks", last)
		}
		for _, seq := range []uint64{0, 1, first - 1, first, first + 1, 4095, 4096, 4097, 8192, (first + last) / 2, last - 1, last, last + 5} {
			var want []Event
			for _, e := range all {
				if e.Seq > seq {
					want = append(want, e)
				}
			}
			got := c.EventsSince(seq)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("limit %d: EventsSince(%d) (-want +got):\n%s", limit, seq, diff)
			}
		}
	}
}

// AllEvents yields exactly what Events returns, with the trace whole,
// bounded or off, and stops when the loop does.
func TestAllEvents(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"whole", Config{Seed: 1}},
		{"limit 100", Config{Seed: 1, TraceLimit: 100}},
		{"limit 5000", Config{Seed: 1, TraceLimit: 5000}},
		{"no trace", Config{Seed: 1, NoTrace: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := traceCluster(t, tc.cfg, 1500)
			want := c.Events()
			if diff := cmp.Diff(want, slices.Collect(c.AllEvents()), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("AllEvents (-want +got):\n%s", diff)
			}
			var got []Event
			for e := range c.AllEvents() {
				if len(got) == 3 {
					break
				}
				got = append(got, e)
			}
			if diff := cmp.Diff(want[:min(3, len(want))], got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("the first three (-want +got):\n%s", diff)
			}
		})
	}
	var zero Cluster
	if got := slices.Collect(zero.AllEvents()); len(got) != 0 {
		t.Errorf("a zero Cluster yields %d events", len(got))
	}
}

// A loop over AllEvents that runs the cluster sees the events it records,
// in order; with a trace limit, those dropped meanwhile are skipped.
func TestAllEventsWhileRunning(t *testing.T) {
	for _, limit := range []int{0, 100} {
		c := traceCluster(t, Config{Seed: 1, TraceLimit: limit}, 30)
		start := c.LastSeq()
		var seqs []uint64
		for e := range c.AllEvents() {
			seqs = append(seqs, e.Seq)
			if len(seqs) == 1 {
				if err := c.ScaleService("web", 300); err != nil {
					t.Fatal(err)
				}
				c.RunUntilIdle(time.Hour)
			}
		}
		if c.LastSeq() <= start+100 || seqs[len(seqs)-1] != c.LastSeq() || !slices.IsSorted(seqs) {
			t.Errorf("limit %d: yielded %d events up to %d, the trace ends at %d", limit, len(seqs), seqs[len(seqs)-1], c.LastSeq())
		}
		if limit > 0 && len(seqs) > 1+2*limit {
			t.Errorf("limit %d: yielded %d events, more than the limit kept", limit, len(seqs))
		}
	}
}

// BenchmarkEventsSince reads the newest 10 events of traces of growing
// length: the cost is the 10 events', whatever the length.
func BenchmarkEventsSince(b *testing.B) {
	for _, replicas := range []int{150, 15000, 150000} {
		c := traceCluster(b, Config{Seed: 1}, replicas)
		b.Run(fmt.Sprintf("events=%d", c.LastSeq()), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if evs := c.EventsSince(c.LastSeq() - 10); len(evs) != 10 {
					b.Fatalf("%d events", len(evs))
				}
			}
		})
	}
}
