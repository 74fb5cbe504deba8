package swarmsimtest

// Scenario files: golden tests written in the swarmsim command line's own
// language, in the single-file style of cockroachdb/datadriven and etcd
// raft's interaction tests.

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/dockercli"
)

// rewrite is the -rewrite flag of every test binary that imports this
// package (registered on flag.CommandLine): go test -rewrite must name only
// packages whose tests import swarmsimtest, and a package of its own must
// not define a flag of that name.
var rewrite = flag.Bool("rewrite", false, "rewrite the expected output of every scenario file (swarmsimtest.RunScenarios)")

// Rewrite reports whether the test binary runs with -rewrite: golden files
// are then rewritten from what the code prints instead of compared.
func Rewrite() bool { return *rewrite }

// Separator is the line between a step's command and its expected output.
const Separator = "----"

// A ScenarioFile is a golden test in the swarmsim command line's language.
// It is a list of steps; each step is
//
//	# the comment that says why (any number of lines, optional)
//	docker service update -d --image web:2 web
//	----
//	web
//
// the command (one command, which may continue over lines ending in a
// backslash or inside quotes, exactly as in a `swarmsim run` script), the
// separator, and what the command prints up to the next blank line:
// stdout and stderr as the terminal shows them, then "[exit N]" when the
// command exits with a non-zero status N. An output that holds a blank
// line is written between two double separators instead:
//
//	docker service inspect --pretty web
//	----
//	----
//	ID:             ...
//
//	Service Mode:   Replicated
//	----
//	----
//
// Commands are docker commands, `swarmsim` directives and `sleep`, run in
// order by one dockercli.Session, so a scenario means exactly what the same
// lines mean to `swarmsim run`. `swarmsim trace on` makes every later step
// also expect the trace events its command caused, one per line in
// Cluster.TraceText's form indented by two spaces; `swarmsim seed N`, first,
// seeds the cluster.
type ScenarioFile struct {
	Steps []Step
	// Trailer is the comment after the last step, if any.
	Trailer []string
}

// A Step is one command of a scenario file with what it is expected to
// print.
type Step struct {
	// Line is the 1-based line of the command.
	Line int
	// Comment is the lines above the command: comments starting with #,
	// and blank lines between them.
	Comment []string
	// Command is the command as written, continuation lines joined by
	// newlines.
	Command string
	// Want is the expected output: "" or lines each ending in a newline.
	Want string
}

// ParseScenarioFile reads a scenario file. Its errors name the line.
func ParseScenarioFile(src string) (*ScenarioFile, error) {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	f := &ScenarioFile{}
	i := 0
	for i < len(lines) {
		var comment []string
		for i < len(lines) {
			t := strings.TrimSpace(lines[i])
			if t != "" && !strings.HasPrefix(t, "#") {
				break
			}
			if t != "" || len(comment) > 0 {
				comment = append(comment, strings.TrimRightFunc(lines[i], unicode.IsSpace))
			}
			i++
		}
		for len(comment) > 0 && comment[len(comment)-1] == "" {
			comment = comment[:len(comment)-1]
		}
		if i == len(lines) {
			f.Trailer = comment
			break
		}
		st := Step{Line: i + 1, Comment: comment}
		start := i
		for i < len(lines) && lines[i] != Separator {
			i++
		}
		if i == len(lines) {
			return nil, fmt.Errorf("line %d: command without %q and its expected output", start+1, Separator)
		}
		if i == start {
			return nil, fmt.Errorf("line %d: %q without a command before it", i+1, Separator)
		}
		cmd := strings.Join(lines[start:i], "\n")
		if err := checkOneCommand(cmd); err != nil {
			return nil, fmt.Errorf("line %d: %v", start+1, err)
		}
		st.Command = strings.TrimSpace(cmd)
		i++ // the separator
		var want []string
		if i < len(lines) && lines[i] == Separator {
			i++
			end := -1
			for j := i; j+1 < len(lines); j++ {
				if lines[j] == Separator && lines[j+1] == Separator {
					end = j
					break
				}
			}
			if end < 0 {
				return nil, fmt.Errorf("line %d: output opened with a double %q is not closed by one", i-1, Separator)
			}
			want = lines[i:end]
			i = end + 2
		} else {
			for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
				if lines[i] == Separator {
					return nil, fmt.Errorf("line %d: an output that holds a %q line goes between double separators", i+1, Separator)
				}
				want = append(want, lines[i])
				i++
			}
		}
		for _, w := range want {
			st.Want += w + "\n"
		}
		f.Steps = append(f.Steps, st)
	}
	return f, nil
}

// checkOneCommand refuses a step whose lines hold more than one command.
func checkOneCommand(cmd string) error {
	n := 0
	var pending []string
	for _, l := range strings.Split(cmd, "\n") {
		pending = append(pending, l)
		words, err := dockercli.SplitWords(strings.Join(pending, "\n"))
		if errors.Is(err, dockercli.ErrIncomplete) {
			continue
		}
		if len(words) > 0 || err != nil {
			n++
		}
		pending = nil
	}
	if n > 1 {
		return fmt.Errorf("a step holds one command; put these %d commands in steps of their own, each followed by %q", n, Separator)
	}
	return nil
}

// String writes the file back in its canonical form: steps separated by one
// blank line, each with its comment, command, separator and output.
func (f *ScenarioFile) String() string {
	var b strings.Builder
	for i, st := range f.Steps {
		if i > 0 {
			b.WriteString("\n")
		}
		for _, c := range st.Comment {
			b.WriteString(c + "\n")
		}
		b.WriteString(st.Command + "\n" + Separator + "\n")
		if needsFence(st.Want) {
			b.WriteString(Separator + "\n" + st.Want + Separator + "\n" + Separator + "\n")
		} else {
			b.WriteString(st.Want)
		}
	}
	if len(f.Trailer) > 0 {
		if len(f.Steps) > 0 {
			b.WriteString("\n")
		}
		for _, c := range f.Trailer {
			b.WriteString(c + "\n")
		}
	}
	return b.String()
}

// needsFence says whether an output must go between double separators: it
// holds a blank line or a line that is the separator.
func needsFence(want string) bool {
	for _, l := range strings.Split(strings.TrimSuffix(want, "\n"), "\n") {
		if strings.TrimSpace(l) == "" || l == Separator {
			return want != ""
		}
	}
	return false
}

// Run runs the steps in order in the session and returns what each printed,
// in the form of Step.Want.
func (f *ScenarioFile) Run(s *dockercli.Session) []string {
	got := make([]string, len(f.Steps))
	for i, st := range f.Steps {
		got[i] = RunStep(s, st.Command)
	}
	return got
}

// RunStep runs one command in the session and returns what it printed as a
// scenario file expects it: stdout and stderr in order, ending in a newline,
// then "[exit N]" when the exit status N is not 0.
func RunStep(s *dockercli.Session, command string) string {
	var b strings.Builder
	code := 0
	words, err := dockercli.SplitWords(command)
	switch {
	case err != nil:
		fmt.Fprintf(&b, "swarmsim: %v\n", err)
		code = 2
	case len(words) > 0:
		code = s.ExecWords(words, &b, &b)
	}
	out := b.String()
	if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	if code != 0 {
		out += "[exit " + strconv.Itoa(code) + "]\n"
	}
	return out
}

// RunScenarios runs every scenario file that glob matches, each as a
// subtest named after the file (without its extension), and fails when
// none matches. With -rewrite it writes what the commands printed into the
// files instead of comparing.
func RunScenarios(t *testing.T, glob string) {
	t.Helper()
	forEachFile(t, glob, func(t *testing.T, path string) { RunScenarioFile(t, path) })
}

// RunScenarioFile runs one scenario file in a new session with seed 0, whose
// relative file names (`swarmsim timeline FILE`) are taken from the file's
// directory, and reports every step whose output differs, as a diff
// (-want +got) under the file name and line of the command.
func RunScenarioFile(t testing.TB, path string) {
	t.Helper()
	runFile(t, path, func(t testing.TB) func(string) string {
		s := dockercli.NewSession(0)
		s.Dir = filepath.Dir(path)
		return func(command string) string { return RunStep(s, command) }
	})
}

// RunScenariosWith runs the scenario files that glob matches, each as a
// subtest, with commands in a language of the caller's: newExec is called
// once per file and returns the function that runs one command and returns
// what it printed. It is how a package below the command line (the updater,
// say) writes its golden tests in the same form, with the same -rewrite.
func RunScenariosWith(t *testing.T, glob string, newExec func(t testing.TB) func(command string) string) {
	t.Helper()
	forEachFile(t, glob, func(t *testing.T, path string) { runFile(t, path, newExec) })
}

// forEachFile runs run on every file glob matches, each as a subtest named
// after the file without its extension, and fails when none matches.
func forEachFile(t *testing.T, glob string, run func(t *testing.T, path string)) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files match %s (%v)", glob, err)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		t.Run(name, func(t *testing.T) { run(t, path) })
	}
}

func runFile(t testing.TB, path string, newExec func(t testing.TB) func(command string) string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseScenarioFile(string(src))
	if err != nil {
		t.Fatalf("%s:%v", path, err)
	}
	exec := newExec(t)
	got := make([]string, len(f.Steps))
	for i, st := range f.Steps {
		out := exec(st.Command)
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		got[i] = out
	}
	if *rewrite {
		for i := range f.Steps {
			f.Steps[i].Want = got[i]
		}
		out := f.String()
		if g, err := ParseScenarioFile(out); err != nil || len(g.Steps) != len(f.Steps) {
			t.Fatalf("%s: the output cannot be written back as a scenario file (%v)", path, err)
		}
		if out != string(src) {
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	for i, st := range f.Steps {
		if diff := cmp.Diff(st.Want, got[i]); diff != "" {
			t.Errorf("%s:%d: %s\noutput differs (-want +got):\n%s", path, st.Line, st.Command, diff)
		}
	}
}
