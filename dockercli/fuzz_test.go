package dockercli

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzReadScript: the script reader and word splitter never panic, and
// splitting is deterministic.
func FuzzReadScript(f *testing.F) {
	for _, s := range []string{"docker service ls", "$ a 'b\nc'", "a \\\nb # c", `"x\"y"`, "a|b", "''\n\"\"", "a 'open", "a \\", strings.Repeat("x", MaxLineBytes+1) + "\na\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, errA := SplitWords(s)
		b, errB := SplitWords(s)
		if errA != errB || !reflect.DeepEqual(a, b) {
			t.Fatalf("SplitWords not deterministic on %q", s)
		}
		if _, err := ReadScript(strings.NewReader(s)); err != nil {
			t.Fatalf("ReadScript(%q): %v", s, err)
		}
	})
}

// FuzzScript: no script, however malformed (huge numbers, long lines,
// endless templates, open quotes), panics or runs without bound: the
// whole script runs in a session whose sleeps and waits the Interrupted
// hook cuts off after a budget of events, and every limit answers with an
// error. A recovered panic (an *InternalError) fails the fuzz.
func FuzzScript(f *testing.F) {
	for _, s := range []string{
		"docker service create --name web --replicas 2 -p 8080:80 nginx\ndocker service update --image nginx:2 web\ndocker service ps web\n",
		"docker service create --replicas 9223372036854775807 nginx\ndocker service create --replicas 18446744073709551615 nginx\ndocker service ls\n",
		"docker service create -d --name w nginx\ndocker service scale w=1000000000\ndocker service ls\n",
		"swarmsim node add x --cpus -1 --memory 1e30\nswarmsim node add y --cpus 1e300\n",
		"sleep nan\nsleep -1\nsleep 1e400\nsleep 4611686018\nsleep 4611686018\ndocker service create nginx\n",
		"swarmsim probe manager 8080 --every 1ns --for 1h\nswarmsim wait --timeout 100000h\n",
		"swarmsim image bad:1 --fail-on-start\ndocker service create -d --name loop --restart-delay 0s bad:1\nswarmsim wait --timeout 100000h\nsleep 1000h\n",
		"docker service create -d --name w nginx\ndocker service ls --format '{{range 10000000000}}{{end}}'\n",
		"docker service create -d --name w nginx\ndocker service ls --format '{{range 100000}}xxxxxxxxxxxxxxxx{{end}}'\n",
		"docker service create -d --name w nginx\ndocker service inspect --format '{{pad .ID 1000000000 0}}' w\n",
		"docker service ls --format '{{define \"a\"}}{{template \"a\"}}{{end}}{{template \"a\"}}'\n",
		"docker service create --label '' -e =v --update-max-failure-ratio NaN NGINX\n",
		"docker service create nginx:::\ndocker node update --label-add '' worker1\n",
		"docker service ls 'open\nstill open",
		"docker service ls \\",
		"docker service ls --format '" + strings.Repeat("x", 1<<16) + "'\n",
		strings.Repeat("a", MaxLineBytes+1) + "\nswarmsim time\n",
		"docker service create -d --name w -p 8080:80 --replicas 3 nginx\nswarmsim at 5s node down worker2\nswarmsim at 1e400 heal\nswarmsim partition manager / worker1,worker2\nswarmsim probe manager 8080 --for 30s\nswarmsim heal\nswarmsim curl worker1 8080\n",
		"swarmsim at 0 partition a,,/,b\nswarmsim at 1s at 1s node up x\nswarmsim at 5s image --pull 1ns w:1\nsleep 10\n",
		// hosts, the swarm's lifecycle and containers (#15)
		"swarmsim ssh m1\ndocker swarm init --advertise-addr 10.0.0.1:2377 --dispatcher-heartbeat 1ns\ndocker swarm join-token -q worker\nswarmsim ssh w1\ndocker swarm join --token SWMTKN-1-x 10.0.0.1\ndocker info\ndocker swarm leave --force\n",
		"docker service create -d --name w --replicas 2 nginx\nsleep 5s\ndocker ps -a --no-trunc\ndocker kill -s 99 w.1\ndocker rm -f 0\ndocker inspect w worker1 x\ndocker events --since 0 --until -1h --format '{{json .}}'\n",
		"swarmsim ssh worker1\ndocker container ls --filter status=exited --filter label=a=b --format '{{.Label \"x\"}}'\ndocker swarm update --dispatcher-heartbeat 0s\nswarmsim ssh manager\ndocker swarm update --dispatcher-heartbeat 1000000h --autolock\n",
		"swarmsim image j:1 --exit-after 1s --exit-code 3\ndocker service create --name j --mode replicated-job --replicas 5 --max-concurrent 2 --restart-condition none j:1\ndocker service scale j=0\ndocker service ls\n",
		"swarmsim image w:1 --healthy-after 5s --unhealthy-after 1ns --healthy-again-after 1h --ignore-sigterm\ndocker service create -d --name w --health-cmd x --health-interval 1ms --health-start-period 1000h --stop-grace-period -1s w:1\nsleep 1h\nswarmsim task unhealthy a\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		if bigSwarm(script) {
			return // the cost of big swarms is the benchmarks' business
		}
		s := NewSession(1)
		s.waitEvents = 20000
		s.WaitLimit = 5 * time.Second
		s.TraceLimit = 10000
		checks := 0
		s.Interrupted = func() bool { checks++; return checks > 50 }
		err := RunScript(strings.NewReader(script), io.Discard, ScriptOptions{Session: s})
		var ie *InternalError
		if errors.As(err, &ie) {
			t.Fatalf("internal error: %v", ie)
		}
	})
}

// bigSwarm reports whether a script asks for more than 2,000 replicas of a
// service (within the simulator's limit): legal, but too slow for a fuzz
// input (a CLI wait polls every task).
func bigSwarm(script string) bool {
	big := func(s string) bool {
		n, err := strconv.ParseUint(s, 0, 64)
		return err == nil && n > 2000 && n <= 1_000_000
	}
	lines, _ := ReadScript(strings.NewReader(script))
	for _, l := range lines {
		words := l.Words
		for i, w := range words {
			if v, ok := strings.CutPrefix(w, "--replicas="); ok && big(v) {
				return true
			}
			if w == "--replicas" && i+1 < len(words) && big(words[i+1]) {
				return true
			}
			if _, v, ok := strings.Cut(w, "="); ok && big(v) {
				return true
			}
		}
	}
	return false
}

// FuzzCommandLine: no command line panics, and a command rejected before
// reaching the swarm (a parse error, or a create/update/node update that
// fails) leaves the cluster unchanged: same trace length, same services.
func FuzzCommandLine(f *testing.F) {
	for _, s := range []string{
		"docker service create --name x -p 8080:80 nginx",
		"docker service update --image a:2 web",
		"docker service update --publish-add published=1,target=2 --constraint-add node.role==worker web",
		"docker service create --update-delay 10x nginx",
		"docker service scale web=3",
		"docker node update --availability drain worker1",
		"docker service ps --filter desired-state=running web",
		"docker service inspect --format '{{.Spec.Name}}' web",
		"swarmsim probe manager 8080 --every 1s --for 3s",
		"swarmsim image a:1 --exit-after 1s --exit-code 3",
		"docker service rollback web",
		"docker service scale web=18446744073709551615",
		"docker service update --replicas 1000000000 web",
		"docker service ls --format '{{range 10000000000}}{{end}}'",
		"docker service update --env-add =x --label-add '' web",
		"docker service update --image NGINX web",
		"swarmsim wait --timeout 100000h web",
		"sleep 1e400",
		"swarmsim at 5s node down worker1",
		"swarmsim partition manager,worker1 / worker2",
		"swarmsim at 1s partition worker1 / worker1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		words, err := SplitWords(line)
		if err != nil || len(words) == 0 {
			return
		}
		s := NewSession(1)
		s.WaitLimit = 20 * time.Second
		s.ExecWords([]string{"docker", "service", "create", "-d", "--name", "web", "--replicas", "2", "-p", "8080:80", "nginx"}, io.Discard, io.Discard)
		s.Cluster().RunFor(10 * time.Second)
		before, beforeSvcs := s.c.LastSeq(), s.c.Services()
		cmd, perr := Parse(words)
		var out bytes.Buffer
		code := s.ExecWords(words, &out, &out)
		rejected := perr != nil
		if !rejected && code != 0 {
			switch cmd.(type) {
			case ServiceCreate, ServiceUpdate, NodeUpdate, ServiceRollback:
				rejected = !strings.Contains(out.String(), "paused") && !strings.Contains(out.String(), "overall progress")
			}
		}
		if rejected {
			if s.c.LastSeq() != before || !reflect.DeepEqual(beforeSvcs, s.c.Services()) {
				t.Fatalf("rejected command %q (exit %d) changed the cluster:\n%s", line, code, out.String())
			}
		}
	})
}

// FuzzParsePortSpec: no port spec panics; every accepted one gives ports in
// range with a known protocol (a target of 0 passes the CLI, as with
// go-connections, and is left to the daemon), and parsing is deterministic.
// Seeds are the port syntax examples of docker/cli's opts/swarmopts/port.go
// and port_test.go.
func FuzzParsePortSpec(f *testing.F) {
	for _, s := range []string{"8080:80", "53:53/udp", "80", "8080-8081:80-81", "8080-8090:80", "127.0.0.1:8080:80",
		"published=8080,target=80,protocol=udp,mode=host", "target=80", "published=x,target=80", "mode=foo,target=1",
		"8080:80/xyz", "", "65536:80", "1-65535:1-65535"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, errA := ParsePortSpec(s)
		b, errB := ParsePortSpec(s)
		if (errA == nil) != (errB == nil) || !reflect.DeepEqual(a, b) {
			t.Fatalf("ParsePortSpec not deterministic on %q", s)
		}
		for _, p := range a {
			if p.TargetPort > 65535 || p.PublishedPort > 65535 || p.Protocol.String() == "" {
				t.Fatalf("ParsePortSpec(%q) accepted %+v", s, p)
			}
		}
	})
}
