package dockercli

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzReadScript: the script reader and word splitter never panic, and
// splitting is deterministic.
func FuzzReadScript(f *testing.F) {
	for _, s := range []string{"docker service ls", "$ a 'b\nc'", "a \\\nb # c", `"x\"y"`, "a|b", "''\n\"\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, errA := SplitWords(s)
		b, errB := SplitWords(s)
		if errA != errB || !reflect.DeepEqual(a, b) {
			t.Fatalf("SplitWords not deterministic on %q", s)
		}
		if _, err := ReadScript(strings.NewReader(s)); err != nil && !strings.Contains(err.Error(), "token too long") {
			t.Fatalf("ReadScript(%q): %v", s, err)
		}
	})
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
