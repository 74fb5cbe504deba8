package swarmsim

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
