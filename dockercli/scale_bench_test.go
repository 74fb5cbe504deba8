package dockercli

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim/internal/cputime"
)

// userScript is the script a user runs to roll 100,000 replicas over on
// 10,000 nodes, at any size: nodes added one by one, a service created and
// updated (detached, or attached as people type it), waiting for each.
func userScript(nodes, replicas int, attached bool) string {
	var b strings.Builder
	for i := range nodes {
		fmt.Fprintf(&b, "$ swarmsim node add node-%d\n", i)
	}
	fmt.Fprintf(&b, "$ docker service create -d --replicas %d --name web nginx:1\n$ swarmsim wait --timeout 1000h\n", replicas)
	d := "-d "
	if attached {
		d = ""
	}
	fmt.Fprintf(&b, "$ docker service update %s--update-parallelism 10 --image nginx:2 web\n$ swarmsim wait --timeout 1000h\n", d)
	return b.String()
}

// BenchmarkUserScript runs userScript through RunScript, as `swarmsim run`
// does, at three sizes (replicas on replicas/10 nodes), detached and
// attached.
func BenchmarkUserScript(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		for _, attached := range []bool{false, true} {
			if attached && n > 10000 {
				continue
			}
			b.Run(fmt.Sprintf("replicas=%d/attached=%t", n, attached), func(b *testing.B) {
				script := userScript(n/10, n, attached)
				var cpu time.Duration
				for b.Loop() {
					c0 := cputime.Process()
					if err := RunScript(strings.NewReader(script), io.Discard, ScriptOptions{Strict: true}); err != nil {
						b.Fatal(err)
					}
					cpu += cputime.Process() - c0
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(n), "ns/replica")
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			})
		}
	}
}

// BenchmarkServicePs lists a service of 10,000 replicas after an update
// (20,000 tasks, history rows included) with `docker service ps`, and node
// tables with `docker node ls` on 1,000 nodes.
func BenchmarkServicePs(b *testing.B) {
	s := NewSession(0)
	script := userScript(1000, 10000, false)
	if err := RunScript(strings.NewReader(script), io.Discard, ScriptOptions{Session: s, Strict: true}); err != nil {
		b.Fatal(err)
	}
	for _, cmd := range []string{"docker service ps web", "docker service ps --filter desired-state=running web", "docker node ls"} {
		b.Run(strings.ReplaceAll(cmd, " ", "_"), func(b *testing.B) {
			for b.Loop() {
				if code := s.Exec(cmd, io.Discard, io.Discard); code != 0 {
					b.Fatalf("%s: exit %d", cmd, code)
				}
			}
		})
	}
}

// nodesScript adds n nodes, the first a manager.
func nodesScript(n int) string {
	var b strings.Builder
	b.WriteString("$ swarmsim node add node-0 --role manager\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "$ swarmsim node add node-%d\n", i)
	}
	return b.String()
}

// BenchmarkScaling measures each operation a user reaches through the CLI
// at three sizes, per item (node, task or command), so that the growth
// exponent between sizes can be read off: 0 means the cost per item does
// not grow with the cluster.
func BenchmarkScaling(b *testing.B) {
	type op struct {
		name  string
		setup func(n int) string // script run before the timer
		run   func(n int) string // the measured script
		items func(n int) int    // what the time is divided by
	}
	ops := []op{
		{"node-add", func(int) string { return "" }, nodesScript, func(n int) int { return n }},
		{"node-update", nodesScript, func(n int) string {
			var b strings.Builder
			for i := range 100 {
				fmt.Fprintf(&b, "$ docker node update --label-add k%d=v node-%d\n", i, (i*7919)%n)
			}
			return b.String()
		}, func(int) int { return 100 }},
		{"node-inspect", nodesScript, func(n int) string {
			var b strings.Builder
			for i := range 100 {
				fmt.Fprintf(&b, "$ docker node inspect --format '{{.ID}}' node-%d\n", (i*7919)%n)
			}
			return b.String()
		}, func(int) int { return 100 }},
		{"node-rm", nodesScript, func(n int) string {
			var b strings.Builder
			for i := 1; i <= 100; i++ {
				fmt.Fprintf(&b, "$ docker node rm --force node-%d\n", (i*7919)%n)
			}
			return b.String()
		}, func(int) int { return 100 }},
		{"node-ls", nodesScript, func(int) string { return "$ docker node ls\n" }, func(n int) int { return n }},
		{"global-create", nodesScript, func(int) string {
			return "$ docker service create -d --mode global --name agent nginx\n$ swarmsim wait --timeout 1h\n"
		}, func(n int) int { return n }},
		{"global-update-attached", func(n int) string {
			return nodesScript(n) + "$ docker service create -d --mode global --name agent nginx:1\n$ swarmsim wait --timeout 1h\n"
		}, func(int) string {
			return "$ docker service update --update-parallelism 100 --image nginx:2 agent\n"
		}, func(n int) int { return n }},
		{"small-update-attached", func(n int) string {
			return nodesScript(n) + "$ docker service create -d --replicas 3 --name web nginx:1\n$ swarmsim wait --timeout 1h\n"
		}, func(int) string {
			return "$ docker service update --update-delay 10s --image nginx:2 web\n"
		}, func(int) int { return 1 }},
		{"global-few-update-attached", func(n int) string {
			return nodesScript(n) + "$ docker node update --label-add pick=yes node-1\n$ docker node update --label-add pick=yes node-2\n" +
				"$ docker service create -d --mode global --constraint node.labels.pick==yes --name agent nginx:1\n$ swarmsim wait --timeout 1h\n"
		}, func(int) string {
			return "$ docker service update --update-delay 10s --image nginx:2 agent\n"
		}, func(int) int { return 1 }},
		{"service-ps", func(n int) string {
			return nodesScript(n/10) + fmt.Sprintf("$ docker service create -d --replicas %d --name web nginx:1\n$ swarmsim wait --timeout 1000h\n$ docker service update -d --update-parallelism 0 --image nginx:2 web\n$ swarmsim wait --timeout 1000h\n", n)
		}, func(int) string { return "$ docker service ps web\n" }, func(n int) int { return 2 * n }},
	}
	for _, o := range ops {
		for _, n := range []int{1000, 10000, 50000} {
			b.Run(fmt.Sprintf("op=%s/n=%d", o.name, n), func(b *testing.B) {
				setup, run := o.setup(n), o.run(n)
				var cpu time.Duration
				for b.Loop() {
					b.StopTimer()
					s := NewSession(0)
					if err := RunScript(strings.NewReader(setup), io.Discard, ScriptOptions{Session: s, Strict: true}); err != nil {
						b.Fatal(err)
					}
					runtime.GC() // the setup's garbage is not the operation's
					b.StartTimer()
					c0 := cputime.Process()
					if err := RunScript(strings.NewReader(run), io.Discard, ScriptOptions{Session: s, Strict: true}); err != nil {
						b.Fatal(err)
					}
					cpu += cputime.Process() - c0
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(o.items(n)), "ns/item")
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(o.items(n)), "cpu-ns/item")
			})
		}
	}
}
