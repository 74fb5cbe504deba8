package dockercli

import (
	"fmt"
	"io"
	"strings"
	"testing"
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
				for b.Loop() {
					if err := RunScript(strings.NewReader(script), io.Discard, ScriptOptions{Strict: true}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/float64(n), "ns/replica")
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
