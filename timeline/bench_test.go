package timeline_test

import (
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/timeline"
	"github.com/swarmsim/swarmsim/updater"
)

// updated returns a cluster, trace on, that created a service of n
// replicas on n/10 nodes and rolled it to a new image, 10 slots at a time:
// what `swarmsim run --timeline` draws after the scripts.
func updated(b *testing.B, n int) *swarmsim.Cluster {
	b.Helper()
	c := swarmsim.New(swarmsim.Config{Seed: 1, DefaultImage: &swarmsim.ImageBehavior{Pull: time.Second, Start: time.Second, Stop: time.Second}})
	for i := range max(n/10, 1) {
		nc := swarmsim.NodeConfig{Hostname: fmt.Sprintf("node-%d", i)}
		if i == 0 {
			nc.Role = node.Manager
		}
		if _, err := c.AddNode(nc); err != nil {
			b.Fatal(err)
		}
	}
	spec := swarmsim.ServiceSpec{Name: "web", Replicas: uint64(n), TaskTemplate: swarmsim.TaskSpec{Image: "web:1"}, Update: &updater.Config{Parallelism: 10}}
	if _, err := c.CreateService(spec); err != nil {
		b.Fatal(err)
	}
	c.RunUntilIdle(24 * time.Hour)
	spec.TaskTemplate.Image = "web:2"
	if err := c.UpdateService("web", spec); err != nil {
		b.Fatal(err)
	}
	c.RunUntilIdle(100 * 24 * time.Hour)
	return c
}

// heapWatch is a writer that discards what it is given and notes the
// heap's high-water mark (runtime.MemStats.HeapInuse) every MiB written,
// and at the first write, when the whole model is built.
type heapWatch struct {
	n, next, peak uint64
}

func (h *heapWatch) Write(p []byte) (int, error) {
	if h.n >= h.next {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		h.peak = max(h.peak, ms.HeapInuse)
		h.next = h.n + 1<<20
	}
	h.n += uint64(len(p))
	return len(p), nil
}

// BenchmarkRenderUpdate draws the timeline of a rolling update of 10,000
// (and 100,000) replicas as the command does: from the cluster's trace to a
// writer. It reports the SVG's size, the bytes allocated per picture and
// peak-heap-MB, the heap in use at its highest during a rendering over the
// heap in use before (the cluster and its trace).
func BenchmarkRenderUpdate(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			c := updated(b, n)
			opts := timeline.Options{Epoch: c.Epoch(), To: c.Elapsed()}
			b.ReportAllocs()
			var peak, size uint64
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				w := &heapWatch{}
				b.StartTimer()
				if err := timeline.Render(w, c.Events(), opts); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				w.Write(nil)
				peak = max(peak, w.peak-min(w.peak, ms.HeapInuse))
				size = w.n
				b.StartTimer()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(size)/(1<<20), "svg-MB")
		})
	}
}

var _ io.Writer = (*heapWatch)(nil)
