package swarmsimtest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/swarmsim/swarmsim/dockercli"
	"github.com/swarmsim/swarmsim/swarmsimtest"
)

func TestParseScenarioFile(t *testing.T) {
	src := `# why
# more

sleep 1s
----

docker service create \
  --name web nginx
----
x

y
----

# a
docker node ls -q
----
----
a

b
----
----

# the end
`
	f, err := swarmsimtest.ParseScenarioFile(src)
	if err != nil {
		t.Fatal(err)
	}
	want := &swarmsimtest.ScenarioFile{
		Steps: []swarmsimtest.Step{
			{Line: 4, Comment: []string{"# why", "# more"}, Command: "sleep 1s", Want: ""},
			{Line: 7, Command: "docker service create \\\n  --name web nginx", Want: "x\n"},
			{Line: 12, Command: "y", Want: ""},
			{Line: 16, Comment: []string{"# a"}, Command: "docker node ls -q", Want: "a\n\nb\n"},
		},
		Trailer: []string{"# the end"},
	}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// The canonical form puts one blank line between steps.
	canon := strings.Replace(src, "# why\n# more\n\nsleep", "# why\n# more\nsleep", 1)
	if diff := cmp.Diff(canon, f.String()); diff != "" {
		t.Errorf("String (-want +got):\n%s", diff)
	}
}

func TestParseScenarioFileErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"sleep 1s\n", `line 1: command without "----" and its expected output`},
		{"# c\n----\n", `line 2: "----" without a command before it`},
		{"sleep 1s\nsleep 2s\n----\n", `line 1: a step holds one command; put these 2 commands in steps of their own, each followed by "----"`},
		{"sleep 1s\n----\n----\nout\n", `line 2: output opened with a double "----" is not closed by one`},
		{"sleep 1s\n----\nout\n----\n", `line 4: an output that holds a "----" line goes between double separators`},
	} {
		_, err := swarmsimtest.ParseScenarioFile(tc.src)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: err = %v, want %s", tc.src, err, tc.want)
		}
	}
}

// TestRunStep: stdout and stderr in order, a final newline, the exit
// status when it is not 0, word-splitting errors as `swarmsim run` prints
// them.
func TestRunStep(t *testing.T) {
	s := dockercli.NewSession(0)
	for _, tc := range []struct{ cmd, want string }{
		{"sleep 1s", ""},
		{"swarmsim time", "1s\n"},
		{"docker service rm nosuch", "Error response from daemon: service nosuch not found\n[exit 1]\n"},
		{"docker service ls --nosuch", "unknown flag: --nosuch\n\nUsage:  docker service ls [OPTIONS]\n\nRun 'docker service ls --help' for more information\n[exit 125]\n"},
		{"ls", "ls: command not found\n[exit 127]\n"},
		{"sleep 1 ; sleep 2", "swarmsim: " + dockercli.ErrOperator.Error() + "\n[exit 2]\n"},
		{"echo 'open", "swarmsim: " + dockercli.ErrIncomplete.Error() + "\n[exit 2]\n"},
	} {
		if diff := cmp.Diff(tc.want, swarmsimtest.RunStep(s, tc.cmd)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.cmd, diff)
		}
	}
}

// recorder is a testing.TB that keeps the failures RunScenarioFile reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) {
	r.errs = append(r.errs, fmt.Sprint(args...))
	runtime.Goexit()
}

func runRecorded(t *testing.T, path string) []string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		swarmsimtest.RunScenarioFile(r, path)
	}()
	<-done
	return r.errs
}

// TestRunScenarioFileReports: a wrong expected output fails with the file,
// the line and command, and a diff; a right one passes; an unparsable file
// fails with its line.
func TestRunScenarioFileReports(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.txt", "sleep 90s\n----\n\nswarmsim time\n----\n1m30s\n")
	if errs := runRecorded(t, good); len(errs) > 0 {
		t.Errorf("good file failed: %q", errs)
	}
	bad := write("bad.txt", "sleep 90s\n----\n\n# wrong on purpose\nswarmsim time\n----\n1m31s\n")
	errs := runRecorded(t, bad)
	if len(errs) != 1 || !strings.HasPrefix(errs[0], bad+":5: swarmsim time\noutput differs (-want +got):") ||
		!strings.Contains(errs[0], `"1m31s\n"`) || !strings.Contains(errs[0], `"1m30s\n"`) {
		t.Errorf("bad file: %q", errs)
	}
	broken := write("broken.txt", "sleep 90s\n")
	if errs := runRecorded(t, broken); len(errs) != 1 || errs[0] != broken+`:line 1: command without "----" and its expected output` {
		t.Errorf("broken file: %q", errs)
	}
}

func FuzzParseScenarioFile(f *testing.F) {
	for _, s := range []string{
		"", "sleep 1s\n----\n", "# c\n\n# d\ndocker node ls\n----\na\nb\n\n# t\n",
		"x\n----\n----\na\n\nb\n----\n----\n", "a \\\nb\n----\n", "----\n", "'x\n----\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		a, err := swarmsimtest.ParseScenarioFile(src)
		if err != nil {
			return
		}
		out := a.String()
		b, err := swarmsimtest.ParseScenarioFile(out)
		if err != nil {
			t.Fatalf("String() of a parsed file does not parse: %v\n%q", err, out)
		}
		ignoreLines := cmpopts.IgnoreFields(swarmsimtest.Step{}, "Line")
		if diff := cmp.Diff(a, b, ignoreLines, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("parse(String(parse(src))) != parse(src) (-want +got):\n%s", diff)
		}
		if again := b.String(); again != out {
			t.Fatalf("String is not stable:\n%q\n%q", out, again)
		}
	})
}

// A scenario file's steps run in one session; RunStep prints each output
// as the file expects it.
func ExampleParseScenarioFile() {
	f, err := swarmsimtest.ParseScenarioFile(`# Scaling a service that does not exist fails as docker does.
docker service scale web=2
----
web: Error response from daemon: service web not found
[exit 1]

swarmsim seed 3
----
[exit 1]
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := dockercli.NewSession(0)
	for _, st := range f.Steps {
		got := swarmsimtest.RunStep(s, st.Command)
		fmt.Printf("line %d %s: matches=%v\n%s", st.Line, st.Command, got == st.Want, got)
	}
	// Output:
	// line 2 docker service scale web=2: matches=true
	// web: Error response from daemon: service web not found
	// [exit 1]
	// line 7 swarmsim seed 3: matches=false
	// swarmsim: seed must come before the first command that uses the cluster
	// [exit 1]
}

// A test that runs every scenario file under testdata, each as a subtest;
// go test -rewrite writes what the commands print into the files.
func ExampleRunScenarios() {
	_ = func(t *testing.T) {
		swarmsimtest.RunScenarios(t, "testdata/*.txt")
	}
}

// BenchmarkScenarioFile parses and runs the root's seed_update scenario
// (the seed walkthrough with the trace on): the cost of one golden file.
func BenchmarkScenarioFile(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "scenarios", "seed_update.txt"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		f, err := swarmsimtest.ParseScenarioFile(string(src))
		if err != nil {
			b.Fatal(err)
		}
		s := dockercli.NewSession(0)
		for _, st := range f.Steps {
			if got := swarmsimtest.RunStep(s, st.Command); got != st.Want {
				b.Fatalf("%s: got %q", st.Command, got)
			}
		}
	}
}
