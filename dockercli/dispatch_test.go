package dockercli

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// executeC parses words as cobra's ExecuteC does on a new tree: the path
// every line took before the parser dispatched commands itself.
func executeC(words []string) (Command, error) {
	build := newDockerRoot
	if words[0] == "swarmsim" {
		build = newSimRoot
	}
	var res result
	root := newTree(build, &res)
	root.SetArgs(words[1:])
	if _, err := root.ExecuteC(); err != nil {
		if ce, ok := err.(*CLIError); ok {
			return nil, ce
		}
		return nil, &CLIError{Msg: err.Error(), Code: 1}
	}
	if res.cmd == nil {
		return nil, &CLIError{Msg: "no command", Code: 1}
	}
	return res.cmd, nil
}

// TestDispatchMatchesExecuteC parses, with one session's parser (its trees
// kept from line to line), every command of the golden scripts and lines
// that take cobra's other paths (help, unknown commands and flags, the
// hidden help and completion commands, flag errors, argument counts), and
// checks each result against ExecuteC on a new tree.
func TestDispatchMatchesExecuteC(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden scripts: %v", err)
	}
	var lines []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for l := range strings.SplitSeq(string(b), "\n") {
			if strings.HasPrefix(l, "docker ") || strings.HasPrefix(l, "swarmsim ") {
				lines = append(lines, l)
			}
		}
	}
	lines = append(lines,
		"docker", "swarmsim", "docker --help", "docker service", "docker service --help", "docker service ls -h",
		"docker nosuch", "docker service nosuch", "docker __complete service", "docker __completeNoDesc node",
		"docker no-help-command", "docker help service", "docker completion bash",
		"docker service ls --nosuch", "docker service create", "docker service create --replicas x nginx",
		"docker service scale", "docker node ls extra", "docker service update --image nginx:2 --detach web",
		"docker service update web", "swarmsim node add", "swarmsim node add a b", "swarmsim node add n --role boss",
		"swarmsim wait --timeout", "swarmsim node add n --cpus 2 --help", "docker ps -a", "docker service ls",
		// a line with flags, then the same command without: the second
		// must see none of the first's values
		"swarmsim node add n --role manager --label a=b --cpus 3", "swarmsim node add m",
		"docker service create -d --replicas 2 --name a --env X=1 --update-parallelism 0 nginx", "docker service create nginx",
		"docker network create -d overlay --attachable x", "docker network create y",
		"docker node update --label-add a=b --availability drain n", "docker node update n",
		"docker service ps --filter desired-state=running --no-trunc web", "docker service ps web",
		"docker service ls -h", "docker service ls", "docker secret create -l a=b s f", "docker secret create s f",
		"docker swarm init --autolock", "docker swarm init", "docker service scale -d web=3", "docker service scale web=3",
		"docker container ls -a", "docker container ls", "docker service update --image nginx:2 --detach web",
		"docker service update --force web",
		"swarmsim wait --timeout 1h web", "swarmsim wait", "swarmsim image nginx --pull 5s --unhealthy", "swarmsim image nginx",
		"swarmsim probe --every 1s --for 1m n 80", "swarmsim probe n 80", "swarmsim at 5s node down x", "swarmsim node down x",
		"swarmsim node add n --engine-label disk=ssd", "swarmsim node add n",
		// aliases, flags before a name, words after a command
		"docker service list", "docker node list -q", "docker container list -a", "docker service remove web",
		"docker service -q ls", "docker -D service ls", "docker service ls ls", "docker node ls --filter role=manager extra",
		"swarmsim node -h add n", "swarmsim node add --role manager n", "docker container ls ps",
	)
	var p parser
	opts := []cmp.Option{cmpopts.EquateNaNs(), cmp.Exporter(func(reflect.Type) bool { return true })}
	for _, l := range lines {
		words, err := SplitWords(l)
		if err != nil || len(words) == 0 {
			continue
		}
		want, wantErr := executeC(words)
		got, gotErr := p.parse(words)
		if d := cmp.Diff(want, got, opts...); d != "" {
			t.Errorf("%s: command (-want +got):\n%s", l, d)
		}
		if d := cmp.Diff(wantErr, gotErr, opts...); d != "" {
			t.Errorf("%s: error (-want +got):\n%s", l, d)
		}
	}
}

// TestRunScriptStreams: RunScript runs the commands it has read before an
// error reading the rest, and returns that error.
func TestRunScriptStreams(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("swarmsim node add a\nswarmsim node add b\n"), iotest.ErrReader(boom))
	var out strings.Builder
	err := RunScript(r, &out, ScriptOptions{})
	if !errors.Is(err, boom) {
		t.Errorf("RunScript error = %v, want %v", err, boom)
	}
	want := "$ swarmsim node add a\na joined the swarm as a worker (2n6viyeej66csb9skb3ju51vy)\n" +
		"$ swarmsim node add b\nb joined the swarm as a worker (41wh2b38rv011tnvevyg57nr1)\n"
	if d := cmp.Diff(want, out.String()); d != "" {
		t.Errorf("transcript (-want +got):\n%s", d)
	}
}

// FuzzPlainWords: a line SplitWords splits without its shell rules splits
// into the words the rules give.
func FuzzPlainWords(f *testing.F) {
	for _, s := range []string{"", " ", "swarmsim node add node-1", "  docker\tservice  ls \r\n", "a\nb", "$ x", "x=y --z=1,2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := shellWords(s)
		got, gotErr := SplitWords(s)
		if strings.ContainsAny(s, "\\'\"#;&|<>`()") {
			return
		}
		if err != nil || gotErr != nil {
			t.Fatalf("SplitWords(%q): %v, %v", s, err, gotErr)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("SplitWords(%q) (-want +got):\n%s", s, d)
		}
	})
}

// TestNodeAddLabels: a node added without labels shows them as Docker does,
// and as the seed's nodes do: engine labels absent (null), node labels an
// empty map.
func TestNodeAddLabels(t *testing.T) {
	s := NewSession(0)
	var out strings.Builder
	script := "docker node ls -q\nswarmsim node add n1\nswarmsim node add n2 --engine-label disk=ssd --label zone=a\n" +
		"docker node inspect -f '{{json .Description.Engine.Labels}} {{json .Spec.Labels}}' worker1 n1 n2\n"
	if err := RunScript(strings.NewReader(script), &out, ScriptOptions{Session: s, Strict: true}); err != nil {
		t.Fatal(err)
	}
	_, got, _ := strings.Cut(out.String(), "Spec.Labels}}' worker1 n1 n2\n")
	want := "null {}\nnull {}\n{\"disk\":\"ssd\"} {\"zone\":\"a\"}\n"
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("inspect (-want +got):\n%s", d)
	}
}

// BenchmarkParseLine parses one script line with a session's parser, as
// every line of a script is parsed: a directive, a docker command without
// flags and one with flags (whose values the next line must not see).
func BenchmarkParseLine(b *testing.B) {
	for _, line := range []string{"swarmsim node add node-1", "docker service ls", "docker service update -d --update-parallelism 10 --image nginx:2 web"} {
		b.Run(strings.ReplaceAll(line, " ", "_"), func(b *testing.B) {
			words, err := SplitWords(line)
			if err != nil {
				b.Fatal(err)
			}
			var p parser
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.parse(words); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFlagsHaveNoAnnotations: no flag of the command trees is required or
// in a flag group (cobra keeps both as flag annotations), which the
// parser's dispatch relies on when it skips cobra's checks of them.
func TestFlagsHaveNoAnnotations(t *testing.T) {
	var res result
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			n++
			if len(f.Annotations) > 0 {
				t.Errorf("%s --%s has annotations %v", c.CommandPath(), f.Name, f.Annotations)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newTree(newDockerRoot, &res))
	walk(newTree(newSimRoot, &res))
	if n < 100 {
		t.Errorf("visited %d flags, want the trees' hundreds", n)
	}
}

// TestTaskNodesActive: the nodes of a service's tasks looked up one by one
// are active exactly when the whole node list says so (a node down, one
// removed, the others ready).
func TestTaskNodesActive(t *testing.T) {
	s := NewSession(0)
	script := "swarmsim node add m --role manager\nswarmsim node add a\nswarmsim node add b\nswarmsim node add c\n" +
		"docker service create -d --replicas 6 --name web nginx\nswarmsim wait\n" +
		"swarmsim node down b\nsleep 30\ndocker node rm --force c\n"
	if err := RunScript(strings.NewReader(script), io.Discard, ScriptOptions{Session: s, Strict: true}); err != nil {
		t.Fatal(err)
	}
	cl := s.Cluster()
	tasks, err := cl.Tasks("web")
	if err != nil {
		t.Fatal(err)
	}
	all := activeNodes(cl).active
	want := map[string]bool{}
	for _, tk := range tasks {
		if tk.NodeID != "" {
			want[tk.NodeID] = all[tk.NodeID]
		}
	}
	got := taskNodesActive(cl, tasks)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("active (-want +got):\n%s", d)
	}
	down := 0
	for _, a := range got {
		if !a {
			down++
		}
	}
	if down != 2 || len(got) != 4 {
		t.Errorf("%d of %d task nodes inactive, want 2 of 4 (b down, c removed)", down, len(got))
	}
}
