package dockercli

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

// corpusCommands is every command line of the repository's scenario files
// and example scripts: the commands users and tests actually type.
func corpusCommands(t testing.TB) [][]string {
	var files []string
	for _, glob := range []string{"testdata/*.txt", "../testdata/scenarios/*.txt", "../examples/*.swarm", "../examples/testdata/*.txt", "../examples/scenarios/testdata/*.txt"} {
		m, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	var out [][]string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || line == "----" || strings.HasPrefix(line, "#") {
				continue
			}
			if w, err := SplitWords(line); err == nil && len(w) > 0 && (w[0] == "docker" || w[0] == "swarmsim" || w[0] == "sleep") {
				out = append(out, w)
			}
		}
	}
	if len(out) < 100 {
		t.Fatalf("only %d commands in the corpus", len(out))
	}
	return out
}

// parsed is what one parse gives, comparable across parsers.
type parsed struct {
	Cmd Command
	Err string
}

func parseFresh(words []string) parsed {
	c, err := Parse(words)
	if err != nil {
		return parsed{Err: err.Error()}
	}
	return parsed{Cmd: c}
}

// TestParserKeepsNoState: a session's parser, which keeps its command trees
// between lines, parses any sequence of the corpus's commands (and their
// variants with --help and a bad flag) exactly as a tree built for each line
// does.
func TestParserKeepsNoState(t *testing.T) {
	corpus := corpusCommands(t)
	rapid.Check(t, func(t *rapid.T) {
		var p parser
		n := rapid.IntRange(1, 40).Draw(t, "n")
		for i := range n {
			w := append([]string(nil), rapid.SampledFrom(corpus).Draw(t, "command")...)
			switch rapid.IntRange(0, 9).Draw(t, "variant") {
			case 0:
				w = append(w, "--help")
			case 1:
				w = append(w[:1:1], append([]string{"--no-such-flag"}, w[1:]...)...)
			}
			want := parseFresh(w)
			c, err := p.parse(w)
			got := parsed{Cmd: c}
			if err != nil {
				got = parsed{Err: err.Error()}
			}
			if d := cmp.Diff(want, got, cmpopts.EquateNaNs(), cmp.Exporter(func(reflect.Type) bool { return true })); d != "" {
				t.Fatalf("line %d %q: the session's parser differs from a fresh one (-want +got):\n%s", i, w, d)
			}
		}
	})
}

// BenchmarkParseNodeAdd is the line a script that builds a big swarm repeats:
// through a session's parser, and built afresh.
func BenchmarkParseNodeAdd(b *testing.B) {
	w := []string{"swarmsim", "node", "add", "worker1"}
	b.Run("session", func(b *testing.B) {
		var p parser
		for b.Loop() {
			if _, err := p.parse(w); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fresh", func(b *testing.B) {
		for b.Loop() {
			if _, err := Parse(w); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestEnvNameNotExpanded: docker/cli fills `-e NAME` from the client's
// environment (opts.ValidateEnv); swarmsim keeps the bare name, so that a
// script gives the same run on every machine (FIDELITY.md).
func TestEnvNameNotExpanded(t *testing.T) {
	t.Setenv("SWARMSIM_TEST_VAR", "from-the-client")
	c, err := Parse([]string{"docker", "service", "create", "-e", "SWARMSIM_TEST_VAR", "nginx"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.(ServiceCreate).Opts.Env; !reflect.DeepEqual(got, []string{"SWARMSIM_TEST_VAR"}) {
		t.Errorf("Env = %q, want the bare name", got)
	}
}
