package dockercli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/internal/dockerfmt"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/scheduler"
)

// TestTableLayout pins docker/cli's task-print golden layout
// (cli/command/task/testdata; the tabwriter of
// cli/command/formatter/formatter.go: Context.postFormat): minwidth 10,
// padding 3, the last column never padded (trailing spaces are real).
func TestTableLayout(t *testing.T) {
	var b bytes.Buffer
	rows := []any{
		map[string]string{"ID": "id-foo", "Name": "service-name-foo.1", "Image": "myimage:mytag", "Node": "node-name-bar", "DesiredState": "Ready", "CurrentState": "Failed 2 hours ago", "Error": "", "Ports": ""},
		map[string]string{"ID": "id-bar", "Name": ` \_ service-name-foo.1`, "Image": "myimage:mytag", "Node": "node-name-bar", "DesiredState": "Ready", "CurrentState": "Failed 2 hours ago", "Error": "", "Ports": ""},
	}
	if err := writeList(&b, defaultTaskTable, taskHeader, rows); err != nil {
		t.Fatal(err)
	}
	want := "ID        NAME                     IMAGE           NODE            DESIRED STATE   CURRENT STATE        ERROR     PORTS\n" +
		"id-foo    service-name-foo.1       myimage:mytag   node-name-bar   Ready           Failed 2 hours ago             \n" +
		"id-bar     \\_ service-name-foo.1   myimage:mytag   node-name-bar   Ready           Failed 2 hours ago             \n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestProgressScreen pins the screen a progress stream leaves (jsonmessage's
// cursor movement) with docker/cli's service progress bars.
func TestProgressScreen(t *testing.T) {
	sc := newScreen()
	sc.progress("1/3", "running  ", 9, 9)
	sc.progress("2/3", " ", 0, 0)
	var b bytes.Buffer
	sc.write(&b)
	if want := "1/3: running   [==================================================>] \n2/3:   \n"; b.String() != want {
		t.Errorf("screen = %q, want %q", b.String(), want)
	}
}

// TestServiceLsReplicas pins REPLICAS (docker/cli
// cli/command/service/formatter.go: serviceContext.Replicas): running/desired
// and the
// max-per-node suffix.
func TestServiceLsReplicas(t *testing.T) {
	svc := &swarmsim.Service{Spec: swarmsim.ServiceSpec{Mode: swarmsim.Replicated, Replicas: 3}}
	r := &serviceRow{svc: svc, status: swarmsim.ServiceStatus{RunningTasks: 2, DesiredTasks: 3}}
	if got := r.Replicas(); got != "2/3" {
		t.Errorf("got %q", got)
	}
	svc.Spec.TaskTemplate.Placement = scheduler.Placement{MaxReplicas: 1}
	if got := r.Replicas(); got != "2/3 (max 1 per node)" {
		t.Errorf("got %q", got)
	}
	if got := familiarImage("docker.io/library/nginx:1.27@sha256:0123"); got != "nginx:1.27" {
		t.Errorf("familiarImage = %q", got)
	}
	if got := familiarImage("redis@sha256:0123"); got != "redis@sha256:0123" {
		t.Errorf("familiarImage(digest only) = %q", got)
	}
}

// TestNodeLsGolden pins docker/cli's cli/command/node/testdata/
// node-list-sort.golden (cli/command/node/formatter.go): full IDs, " *" for
// self, natural hostname order, Leader/Reachable.
func TestNodeLsGolden(t *testing.T) {
	mk := func(id, host, ver string, ms *node.ManagerStatus) *node.Node {
		return &node.Node{ID: id, Description: node.Description{Hostname: host, EngineVersion: ver}, Status: node.Status{State: node.Ready}, ManagerStatus: ms}
	}
	rows := []any{
		&nodeRow{n: mk("nodeID3", "node-1-foo", "1.13.0", nil)},
		&nodeRow{n: mk("nodeID1", "node-2-foo", ".", &node.ManagerStatus{Leader: true, Reachability: node.Reachable}), self: true},
		&nodeRow{n: mk("nodeID2", "node-10-foo", "18.03.0-ce", &node.ManagerStatus{Reachability: node.Reachable})},
	}
	var b bytes.Buffer
	if err := writeList(&b, defaultNodeTable, nodeHeader, rows); err != nil {
		t.Fatal(err)
	}
	want := "ID          HOSTNAME      STATUS    AVAILABILITY   MANAGER STATUS   ENGINE VERSION\n" +
		"nodeID3     node-1-foo    Ready     Active                          1.13.0\n" +
		"nodeID1 *   node-2-foo    Ready     Active         Leader           .\n" +
		"nodeID2     node-10-foo   Ready     Active         Reachable        18.03.0-ce\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !dockerfmt.NaturalLess("node-2-foo", "node-10-foo") || dockerfmt.NaturalLess("web.10", "web.2") || !dockerfmt.NaturalLess("a", "ab") {
		t.Errorf("NaturalLess")
	}
}

// TestParsePortSpec pins the port syntax of docker/cli's
// opts/swarmopts/port.go: PortOpt.Set.
func TestParsePortSpec(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"8080:80", "8080:80/tcp/ingress"},
		{"53:53/udp", "53:53/udp/ingress"},
		{"80", "0:80/tcp/ingress"},
		{"8080-8081:80-81", "8080:80/tcp/ingress 8081:81/tcp/ingress"},
		{"8080-8081:80", "8080:80/tcp/ingress 8081:80/tcp/ingress"},
		{"published=8080,target=80,protocol=udp,mode=host", "8080:80/udp/host"},
		{"target=80", "0:80/tcp/ingress"},
		{"8080:80/xyz", "invalid proto: xyz"},
		{"0.0.0.0:8080:80", "hostip is not supported"},
		{"target=80,foo", "invalid field: foo"},
		{"", "no port specified: <empty>"},
	} {
		ps, err := ParsePortSpec(tc.in)
		var got string
		if err != nil {
			got = err.Error()
		} else {
			var s []string
			for _, p := range ps {
				s = append(s, p.String())
			}
			got = strings.Join(s, " ")
		}
		if got != tc.want {
			t.Errorf("ParsePortSpec(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestSplitWords pins the POSIX word splitting of scripts.
func TestSplitWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  error
	}{
		{`docker service ls`, []string{"docker", "service", "ls"}, nil},
		{`a 'b c' "d \"e\" \n" f\ g`, []string{"a", "b c", `d "e" \n`, "f g"}, nil},
		{`--format '{{.Name}}\t{{.ID}}'`, []string{"--format", `{{.Name}}\t{{.ID}}`}, nil},
		{"a \\\nb", []string{"a", "b"}, nil},
		{`a # comment`, []string{"a"}, nil},
		{`a#b`, []string{"a#b"}, nil},
		{`''`, []string{""}, nil},
		{`'open`, nil, ErrIncomplete},
		{`a | b`, nil, ErrOperator},
	} {
		got, err := SplitWords(tc.in)
		if err != tc.err {
			t.Errorf("SplitWords(%q) err = %v, want %v", tc.in, err, tc.err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" && tc.err == nil {
			t.Errorf("SplitWords(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
	lines, err := ReadScript(strings.NewReader("# c\n\n$ docker service \\\n  ls\n  $ sleep 1\ndocker 'a\nb'\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || lines[0].Line != 3 || lines[1].Text != "sleep 1" || lines[2].Words[1] != "a\nb" {
		t.Errorf("ReadScript = %+v", lines)
	}
}
