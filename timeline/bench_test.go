package timeline_test

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"
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

// peakRSS measures the memory a function adds to the process at its
// peak, as Linux counts it (VmHWM over VmRSS in /proc/self/status): the
// heap is collected and given back first, and the high-water mark reset.
// ok is false where that cannot be done.
func peakRSS(fn func()) (peak uint64, ok bool) {
	debug.FreeOSMemory()
	if os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) != nil {
		fn()
		return 0, false
	}
	base, ok := procStatus("VmRSS:")
	fn()
	hwm, ok2 := procStatus("VmHWM:")
	return hwm - min(hwm, base), ok && ok2
}

// procStatus reads a field, in bytes, of /proc/self/status.
func procStatus(field string) (uint64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, field); ok {
			var kb uint64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err == nil {
				return kb << 10, true
			}
		}
	}
	return 0, false
}

// BenchmarkRenderUpdate draws the timeline of a rolling update of 10,000
// (and 100,000) replicas from the cluster's trace to a writer: "seq" as the
// command does (RenderSeq over Cluster.AllEvents), "slice" from the events
// made into a slice first (Render over Cluster.Events). It reports the SVG's
// size, the bytes allocated per picture and peak-heap-MB, the heap in use
// at its highest during a rendering over the heap in use before (the
// cluster and its trace).
func BenchmarkRenderUpdate(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			c := updated(b, n)
			opts := timeline.Options{Epoch: c.Epoch(), To: c.Elapsed()}
			for _, from := range []string{"seq", "slice"} {
				b.Run(from, func(b *testing.B) {
					b.ReportAllocs()
					var w countWriter
					render := func() {
						w = 0
						var err error
						if from == "seq" {
							err = timeline.RenderSeq(&w, c.AllEvents(), opts)
						} else {
							err = timeline.Render(&w, c.Events(), opts)
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					for b.Loop() {
						render()
					}
					b.ReportMetric(float64(w)/(1<<20), "svg-MB")
					if peak, ok := peakRSS(render); ok {
						b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
					}
				})
			}
		})
	}
}

// countWriter counts the bytes written to it and drops them.
type countWriter int64

func (w *countWriter) Write(p []byte) (int, error) {
	*w += countWriter(len(p))
	return len(p), nil
}
