package dockercli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/dockercli"
	"github.com/swarmsim/swarmsim/swarmsimtest"
)

// TestScenarios covers every command, directive and error text of the CLI
// (testdata/*.txt, scenario files: each command, ----, what it printed).
// Rewrite them with go test -run TestScenarios -rewrite.
func TestScenarios(t *testing.T) {
	swarmsimtest.RunScenarios(t, "testdata/*.txt")
}

// TestExampleScripts runs every example script of the project
// (examples/*.swarm, plain scripts for `swarmsim run`) against its scenario
// file examples/testdata/NAME.txt: the script's commands and comments, each
// command followed by what it prints. The scenario file must hold exactly
// the script's commands, in order; -rewrite writes it from the script.
func TestExampleScripts(t *testing.T) {
	scripts, err := filepath.Glob(filepath.Join("..", "examples", "*.swarm"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no example scripts (%v)", err)
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".swarm")
		path := filepath.Join("..", "examples", "testdata", name+".txt")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			want, err := scenarioOf(string(src))
			if err != nil {
				t.Fatal(err)
			}
			if swarmsimtest.Rewrite() {
				if err := os.WriteFile(path, []byte(want.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestExampleScripts -rewrite)", err)
			}
			f, err := swarmsimtest.ParseScenarioFile(string(got))
			if err != nil {
				t.Fatalf("%s:%v", path, err)
			}
			steps := func(f *swarmsimtest.ScenarioFile) (out []string) {
				for _, st := range f.Steps {
					out = append(out, strings.Join(append(st.Comment, st.Command), "\n"))
				}
				return out
			}
			if diff := cmp.Diff(steps(want), steps(f)); diff != "" {
				t.Fatalf("%s does not hold the commands of %s (-want +got):\n%s", path, script, diff)
			}
			swarmsimtest.RunScenarioFile(t, path)
		})
	}
}

// scenarioOf turns a script into a scenario file with no outputs: each
// command with the comment lines above it.
func scenarioOf(src string) (*swarmsimtest.ScenarioFile, error) {
	lines, err := dockercli.ReadScript(strings.NewReader(src))
	if err != nil {
		return nil, err
	}
	raw := strings.Split(src, "\n")
	f := &swarmsimtest.ScenarioFile{}
	prev := 0 // the physical lines before prev belong to earlier commands
	for _, l := range lines {
		var comment []string
		for _, r := range raw[prev : l.Line-1] {
			if t := strings.TrimSpace(r); strings.HasPrefix(t, "#") {
				comment = append(comment, t)
			} else if t == "" && len(comment) > 0 {
				comment = append(comment, "")
			}
		}
		for len(comment) > 0 && comment[len(comment)-1] == "" {
			comment = comment[:len(comment)-1]
		}
		f.Steps = append(f.Steps, swarmsimtest.Step{Line: l.Line, Comment: comment, Command: l.Text})
		prev = l.Line + strings.Count(l.Text, "\n")
	}
	return f, nil
}
