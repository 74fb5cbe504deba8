package dockercli

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// BenchmarkDockerPs: `docker ps -a` on one host of a big swarm costs the
// host's tasks (the node's task index), not the swarm's: 100,000 replicas
// on 1,000 nodes leave 100 containers on the host.
func BenchmarkDockerPs(b *testing.B) {
	for _, replicas := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("replicas=%d", replicas), func(b *testing.B) {
			s := NewSession(1)
			var script strings.Builder
			for i := range 1000 {
				fmt.Fprintf(&script, "swarmsim node add node-%d\n", i)
			}
			fmt.Fprintf(&script, "docker service create -d --replicas %d --name web nginx\nswarmsim wait --timeout 1h\nswarmsim ssh node-7\n", replicas)
			if err := RunScript(strings.NewReader(script.String()), io.Discard, ScriptOptions{Session: s, Strict: true}); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if code := s.Exec("docker ps -a", io.Discard, io.Discard); code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}

// TestDockerPsPerHost: each host lists only its own node's containers.
func TestDockerPsPerHost(t *testing.T) {
	s := NewSession(1)
	script := "docker service create -d --replicas 6 --name web nginx\nsleep 10s\n"
	if err := RunScript(strings.NewReader(script), io.Discard, ScriptOptions{Session: s, Strict: true}); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, h := range []string{"manager", "worker1", "worker2"} {
		s.Exec("swarmsim ssh "+h, io.Discard, io.Discard)
		var out strings.Builder
		if code := s.Exec("docker ps -q", &out, &out); code != 0 {
			t.Fatalf("%s: exit %d: %s", h, code, out.String())
		}
		n := strings.Count(out.String(), "\n")
		if n != 2 {
			t.Errorf("%s runs %d containers, want 2 (6 replicas spread on 3 nodes)", h, n)
		}
		total += n
	}
	if total != 6 {
		t.Errorf("%d containers in all, want 6", total)
	}
}

// TestDockerPsFastTable: the default table written without the template is
// the template's output.
func TestDockerPsFastTable(t *testing.T) {
	s := NewSession(1)
	script := "docker service create -d --replicas 4 --name web -p mode=host,published=8080,target=80 nginx ping x\nsleep 10s\ndocker service update -d --image nginx:2 web\nsleep 5s\n"
	if err := RunScript(strings.NewReader(script), io.Discard, ScriptOptions{Session: s, Strict: true}); err != nil {
		t.Fatal(err)
	}
	for _, args := range []string{"-a", "-a --no-trunc"} {
		var fast, slow strings.Builder
		s.Exec("docker ps "+args, &fast, &fast)
		s.Exec("docker ps "+args+" --format '"+defaultContainerTable+"'", &slow, &slow)
		if fast.String() != slow.String() || strings.Count(fast.String(), "\n") < 3 {
			t.Errorf("docker ps %s:\nfast:\n%s\ntemplate:\n%s", args, fast.String(), slow.String())
		}
	}
}
