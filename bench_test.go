package swarmsim

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim/internal/cputime"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

func benchCluster(b *testing.B, nodes int) *Cluster {
	return benchClusterCfg(b, benchConfig(true), nodes)
}

// benchConfig is the benchmarks' configuration: seed 1, image steps of one
// second, the trace on or off.
func benchConfig(noTrace bool) Config {
	return Config{Seed: 1, NoTrace: noTrace, DefaultImage: &ImageBehavior{Pull: time.Second, Start: time.Second, Stop: time.Second}}
}

// benchClusterCfg returns a cluster made with cfg and nodes nodes, the
// first a manager.
func benchClusterCfg(b *testing.B, cfg Config, nodes int) *Cluster {
	b.Helper()
	c := New(cfg)
	for i := range nodes {
		nc := NodeConfig{Hostname: fmt.Sprintf("node-%d", i)}
		if i == 0 {
			nc.Role = node.Manager
		}
		if _, err := c.AddNode(nc); err != nil {
			b.Fatal(err)
		}
	}
	return c
}

// BenchmarkEventLoop measures the event loop on its own: 10,000 assigned
// tasks moved by their agents through ACCEPTED, PREPARING, READY, STARTING
// and RUNNING (five transitions each, one event per transition), every
// transition updating the scheduler's view, the routing mesh and the
// service's counters. The trace is off; BenchmarkEventLoopDefault is the
// same loop in the default configuration, every transition recorded.
func BenchmarkEventLoop(b *testing.B) { benchEventLoop(b, true) }

// BenchmarkEventLoopDefault is BenchmarkEventLoop with the trace on, as a
// Cluster made with the zero Config runs.
func BenchmarkEventLoopDefault(b *testing.B) { benchEventLoop(b, false) }

func benchEventLoop(b *testing.B, noTrace bool) {
	const replicas = 10000
	for b.Loop() {
		b.StopTimer()
		c := benchClusterWith(b, 100, noTrace)
		c.CreateService(ServiceSpec{Name: "web", Replicas: replicas, TaskTemplate: TaskSpec{Image: "web"}})
		b.StartTimer()
		c.RunUntilIdle(time.Hour)
		b.StopTimer()
		if s, _ := c.ServiceStatus("web"); s.RunningTasks != replicas {
			b.Fatalf("%d running", s.RunningTasks)
		}
		b.StartTimer()
	}
	transitions := float64(b.N) * replicas * 5
	b.ReportMetric(transitions/b.Elapsed().Seconds(), "transitions/s")
	b.ReportMetric(b.Elapsed().Seconds()*1e9/transitions, "ns/transition")
}

// BenchmarkTaskLifecycle is a task's whole start: created, allocated,
// scheduled and run by the agent up to RUNNING (seven transitions).
func BenchmarkTaskLifecycle(b *testing.B) {
	const replicas = 10000
	for b.Loop() {
		b.StopTimer()
		c := benchCluster(b, 100)
		b.StartTimer()
		c.CreateService(ServiceSpec{Name: "web", Replicas: replicas, TaskTemplate: TaskSpec{Image: "web"}})
		c.RunUntilIdle(time.Hour)
	}
	transitions := float64(b.N) * replicas * 7
	b.ReportMetric(transitions/b.Elapsed().Seconds(), "transitions/s")
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/replicas, "ns/task")
}

// BenchmarkRollingUpdate is a rolling update of N replicas on N/10 nodes to
// `completed`, through the whole pipeline (scheduler, agent, updater, mesh).
func BenchmarkRollingUpdate(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		for _, p := range []uint64{1, 10, 0} {
			if n == 100000 && p != 10 && testing.Short() {
				continue
			}
			b.Run(fmt.Sprintf("replicas=%d/parallelism=%d", n, p), func(b *testing.B) {
				benchRollingUpdate(b, n, p, false)
			})
		}
	}
}

// BenchmarkRollback rolls the same update back by hand
// (`docker service rollback`), with the same parallelism as rollback config.
func BenchmarkRollback(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		for _, p := range []uint64{1, 10, 0} {
			if n == 100000 && p != 10 && testing.Short() {
				continue
			}
			b.Run(fmt.Sprintf("replicas=%d/parallelism=%d", n, p), func(b *testing.B) {
				benchRollingUpdate(b, n, p, true)
			})
		}
	}
}

// BenchmarkDrainNode drains a node holding 1,000 tasks (`docker node update
// --availability drain`): each task is shut down, replaced on the other
// nine nodes and run there, until the cluster is idle again.
func BenchmarkDrainNode(b *testing.B) {
	const perNode, nodes = 1000, 10
	drain := node.Drain
	for b.Loop() {
		b.StopTimer()
		c := benchCluster(b, nodes)
		c.CreateService(ServiceSpec{Name: "web", Replicas: perNode * nodes, TaskTemplate: TaskSpec{Image: "web"}})
		c.RunUntilIdle(24 * time.Hour)
		victim := c.st.Node(nodes - 1)
		if got := len(victim.Tasks); got != perNode {
			b.Fatalf("the node holds %d tasks, want %d", got, perNode)
		}
		b.StartTimer()
		if err := c.UpdateNode(victim.N.ID, NodeUpdate{Availability: &drain}); err != nil {
			b.Fatal(err)
		}
		c.RunUntilIdle(24 * time.Hour)
		b.StopTimer()
		if s, _ := c.ServiceStatus("web"); s.RunningTasks != perNode*nodes {
			b.Fatalf("%d running after the drain", s.RunningTasks)
		}
		for _, ts := range victim.Tasks {
			if ts.T.State() <= task.Running {
				b.Fatalf("task %s still %s on the drained node", ts.T.ID, ts.T.State())
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/perNode, "ns/task")
}

// BenchmarkMemoryPerTask is the memory a cluster keeps per task, all in:
// 100,000 replicas on 1,000 nodes updated once, so that the store holds
// 200,000 tasks (each with its history), and the heap in use after a
// collection is divided by the tasks kept.
func BenchmarkMemoryPerTask(b *testing.B) { benchMemoryPerTask(b, true) }

// benchMemoryPerTask is BenchmarkMemoryPerTask with the trace off or on;
// with it on, it also reports the events kept.
func benchMemoryPerTask(b *testing.B, noTrace bool) {
	const n = 100000
	var kept, perTask, events float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c := benchClusterWith(b, n/100, noTrace)
		spec := ServiceSpec{Name: "web", Replicas: n, TaskTemplate: TaskSpec{Image: "web:1"}, Update: &updater.Config{Parallelism: 100}}
		c.CreateService(spec)
		c.RunUntilIdle(24 * time.Hour)
		spec.TaskTemplate.Image = "web:2"
		c.UpdateService("web", spec)
		c.RunUntilIdle(100 * 24 * time.Hour)
		runtime.GC()
		runtime.ReadMemStats(&after)
		kept = float64(len(c.st.LiveTasks()))
		events = float64(c.trace.Len())
		perTask = float64(after.HeapAlloc-before.HeapAlloc) / kept
		runtime.KeepAlive(c)
	}
	b.ReportMetric(kept, "tasks")
	if !noTrace {
		b.ReportMetric(events, "events")
	}
	b.ReportMetric(perTask, "B/task-kept")
}

// BenchmarkRollingUpdatePublished is BenchmarkRollingUpdate for a service
// with a published port, so that every task also joins and leaves the
// routing mesh's backend set: the difference is the mesh's upkeep.
func BenchmarkRollingUpdatePublished(b *testing.B) {
	b.Run("replicas=10000/parallelism=1/published=false", func(b *testing.B) { benchRollingUpdateWith(b, benchConfig(true), 10000, 1, false, false) })
	b.Run("replicas=10000/parallelism=1/published=true", func(b *testing.B) { benchRollingUpdateWith(b, benchConfig(true), 10000, 1, false, true) })
}

func benchRollingUpdate(b *testing.B, n int, p uint64, rollback bool) {
	benchRollingUpdateWith(b, benchConfig(true), n, p, rollback, false)
}

// benchRollingUpdateWith times an update (or a rollback) of n replicas on
// n/10 nodes of a cluster made with cfg, with parallelism p, from the call
// to `completed`.
func benchRollingUpdateWith(b *testing.B, cfg Config, n int, p uint64, rollback, published bool) {
	var ms0, ms1 runtime.MemStats
	var mallocs, bytes uint64
	for b.Loop() {
		b.StopTimer()
		c := benchClusterCfg(b, cfg, n/10)
		ucfg := &updater.Config{Parallelism: p}
		spec := ServiceSpec{Name: "web", Replicas: uint64(n), TaskTemplate: TaskSpec{Image: "web:1"}, Update: ucfg, Rollback: ucfg}
		if published {
			spec.Endpoint.Ports = []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}
			// The default ingress, a /24, holds an address for 254 nodes
			// and VIPs at most: a bigger swarm gets a bigger one, as
			// Docker's documentation advises.
			if err := c.RemoveNetwork(IngressNetworkName); err != nil {
				b.Fatal(err)
			}
			if _, err := c.CreateNetwork(NetworkSpec{Name: IngressNetworkName, Ingress: true, Subnet: netip.MustParsePrefix("10.0.0.0/12")}); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := c.CreateService(spec); err != nil {
			b.Fatal(err)
		}
		c.RunUntilIdle(24 * time.Hour)
		spec.TaskTemplate.Image = "web:2"
		if rollback {
			c.UpdateService("web", spec)
			c.RunUntilIdle(100 * 24 * time.Hour)
		}
		// Collect the setup's garbage first: the timed part pays for the
		// collections its own allocations cause, not for the setup's.
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		b.StartTimer()
		if rollback {
			c.RollbackService("web")
		} else {
			c.UpdateService("web", spec)
		}
		c.RunUntilIdle(100 * 24 * time.Hour)
		b.StopTimer()
		runtime.ReadMemStats(&ms1)
		mallocs += ms1.Mallocs - ms0.Mallocs
		bytes += ms1.TotalAlloc - ms0.TotalAlloc
		s, _ := c.Service("web")
		want := updater.Completed
		if rollback {
			want = updater.RollbackCompleted
		}
		if s.UpdateStatus == nil || s.UpdateStatus.State != want {
			b.Fatalf("update status %+v", s.UpdateStatus)
		}
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(n), "ns/replica")
	b.ReportMetric(float64(mallocs)/float64(b.N)/float64(n), "allocs/replica")
	b.ReportMetric(float64(bytes)/float64(b.N)/float64(n), "B/replica")
}

var _ = task.Running

// BenchmarkScheduleService places a new service's 100,000 tasks on 10,000
// nodes: one scheduling batch, through the whole pipeline up to ASSIGNED.
func BenchmarkScheduleService(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		c := benchCluster(b, 10000)
		b.StartTimer()
		c.CreateService(ServiceSpec{Name: "web", Replicas: 100000, TaskTemplate: TaskSpec{Image: "web"}})
		b.StopTimer()
		if got := len(c.st.Node(0).Tasks); got != 10 {
			b.Fatalf("first node holds %d tasks, want 10", got)
		}
		b.StartTimer()
	}
}

// benchClusterWith is benchCluster with the trace on or off: the default
// configuration keeps the whole trace.
func benchClusterWith(b *testing.B, nodes int, noTrace bool) *Cluster {
	return benchClusterCfg(b, benchConfig(noTrace), nodes)
}

// BenchmarkCreateUpdateDefault creates and updates a service in a fresh
// cluster, both timed, in the default configuration (trace on) next to
// NoTrace, and reports the process's CPU time per replica beside wall time:
// on a shared machine the CPU time is what can be compared.
func BenchmarkCreateUpdateDefault(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		for _, noTrace := range []bool{false, true} {
			b.Run(fmt.Sprintf("replicas=%d/parallelism=10/notrace=%t", n, noTrace), func(b *testing.B) {
				var ms0, ms1 runtime.MemStats
				var bytes uint64
				var cpu time.Duration
				for b.Loop() {
					b.StopTimer()
					c := benchClusterWith(b, n/10, noTrace)
					runtime.GC()
					runtime.ReadMemStats(&ms0)
					b.StartTimer()
					c0 := cputime.Process()
					cfg := &updater.Config{Parallelism: 10}
					spec := ServiceSpec{Name: "web", Replicas: uint64(n), TaskTemplate: TaskSpec{Image: "web:1"}, Update: cfg}
					c.CreateService(spec)
					c.RunUntilIdle(24 * time.Hour)
					spec.TaskTemplate.Image = "web:2"
					c.UpdateService("web", spec)
					c.RunUntilIdle(100 * 24 * time.Hour)
					cpu += cputime.Process() - c0
					b.StopTimer()
					runtime.ReadMemStats(&ms1)
					bytes += ms1.TotalAlloc - ms0.TotalAlloc
					if s, _ := c.Service("web"); s.UpdateStatus == nil || s.UpdateStatus.State != updater.Completed {
						b.Fatalf("update status %+v", s.UpdateStatus)
					}
					b.StartTimer()
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(n), "ns/replica")
				b.ReportMetric(float64(bytes)/float64(b.N)/float64(n), "B/replica")
				b.ReportMetric(cpu.Seconds()*1e9/float64(b.N)/float64(n), "cpu-ns/replica")
			})
		}
	}
}

// BenchmarkRollingUpdateDefault is BenchmarkRollingUpdate in the default
// configuration, Config{Seed: 1}: the in-memory trace on, as users run it.
// Its rows pair with BenchmarkRollingUpdate's (NoTrace) in BENCHMARKS.md.
func BenchmarkRollingUpdateDefault(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		for _, p := range []uint64{1, 10, 0} {
			if n == 100000 && p != 10 && testing.Short() {
				continue
			}
			b.Run(fmt.Sprintf("replicas=%d/parallelism=%d", n, p), func(b *testing.B) {
				benchRollingUpdateWith(b, Config{Seed: 1}, n, p, false, false)
			})
		}
	}
}

// BenchmarkSuccessiveUpdates updates a 10,000-replica service ten times and
// reports the heap in use (after a collection) after the first, fifth and
// tenth update: with the retention limit (5 tasks a slot) full from the
// fifth on, the tenth should hold no more than the fifth. The trace is off,
// or bounded by Config.TraceLimit.
func BenchmarkSuccessiveUpdates(b *testing.B) {
	for _, traceLimit := range []int{-1, 100000} {
		b.Run(fmt.Sprintf("tracelimit=%d", traceLimit), func(b *testing.B) {
			const n = 10000
			var after [11]float64
			for b.Loop() {
				runtime.GC()
				var base runtime.MemStats
				runtime.ReadMemStats(&base)
				c := New(Config{Seed: 1, NoTrace: traceLimit < 0, TraceLimit: max(traceLimit, 0),
					DefaultImage: &ImageBehavior{Pull: time.Second, Start: time.Second, Stop: time.Second}})
				for i := range n / 10 {
					c.AddNode(NodeConfig{Hostname: fmt.Sprintf("node-%d", i)})
				}
				spec := ServiceSpec{Name: "web", Replicas: n, TaskTemplate: TaskSpec{Image: "web:0"}, Update: &updater.Config{Parallelism: 100}}
				c.CreateService(spec)
				c.RunUntilIdle(24 * time.Hour)
				for u := 1; u <= 10; u++ {
					spec.TaskTemplate.Image = fmt.Sprintf("web:%d", u)
					c.UpdateService("web", spec)
					c.RunUntilIdle(100 * 24 * time.Hour)
					runtime.GC()
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					after[u] = float64(ms.HeapAlloc-base.HeapAlloc) / (1 << 20)
				}
				runtime.KeepAlive(c)
			}
			b.ReportMetric(after[1], "MiB-after-1")
			b.ReportMetric(after[5], "MiB-after-5")
			b.ReportMetric(after[10], "MiB-after-10")
			b.ReportMetric(after[10]/after[5], "ratio-10/5")
			b.ReportMetric(after[10]/after[1], "ratio-10/1")
		})
	}
}

// BenchmarkMemoryPerTaskDefault is BenchmarkMemoryPerTask in the default
// configuration: the whole trace is kept, and its share (24 bytes an event,
// and what it keeps of each task) is counted in the memory per task.
func BenchmarkMemoryPerTaskDefault(b *testing.B) { benchMemoryPerTask(b, false) }

// BenchmarkRollbackDefault is BenchmarkRollback in the default
// configuration (trace on).
func BenchmarkRollbackDefault(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		for _, p := range []uint64{1, 10, 0} {
			if n == 100000 && p != 10 && testing.Short() {
				continue
			}
			b.Run(fmt.Sprintf("replicas=%d/parallelism=%d", n, p), func(b *testing.B) {
				benchRollingUpdateWith(b, Config{Seed: 1}, n, p, true, false)
			})
		}
	}
}

// BenchmarkReads measures the read API a caller uses to look at a big
// cluster: Tasks of one service (n replicas converged, n tasks) and Nodes
// (n nodes), at three sizes, so that the cost per item can be compared
// across sizes (BENCHMARKS.md, "How each operation grows").
func BenchmarkReads(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("Tasks/n=%d", n), func(b *testing.B) {
			c := benchClusterCfg(b, benchConfig(true), n/10)
			if _, err := c.CreateService(ServiceSpec{Name: "web", Replicas: uint64(n), TaskTemplate: TaskSpec{Image: "web"}}); err != nil {
				b.Fatal(err)
			}
			c.RunUntilIdle(time.Hour)
			for b.Loop() {
				if ts, _ := c.Tasks("web"); len(ts) != n {
					b.Fatalf("%d tasks", len(ts))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/task")
		})
		b.Run(fmt.Sprintf("Nodes/n=%d", n), func(b *testing.B) {
			c := benchClusterCfg(b, benchConfig(true), n)
			for b.Loop() {
				if ns := c.Nodes(); len(ns) != n {
					b.Fatalf("%d nodes", len(ns))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/node")
		})
		b.Run(fmt.Sprintf("NodeByIDPrefix/n=%d", n), func(b *testing.B) {
			c := benchClusterCfg(b, benchConfig(true), n)
			id := c.Nodes()[n/2].ID
			for b.Loop() {
				if nd, err := c.Node(id[:6]); err != nil || nd.ID != id {
					b.Fatal(nd, err)
				}
			}
		})
	}
}
