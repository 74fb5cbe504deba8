package realswarm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// needReal skips unless REALSWARM=1 and a real swarm can be started here.
func needReal(t *testing.T) {
	t.Helper()
	if os.Getenv("REALSWARM") != "1" {
		t.Skip("set REALSWARM=1 to run against a real Docker Swarm")
	}
	if err := Install(t.Logf); err != nil {
		t.Skipf("docker unavailable: %v", err)
	}
	if err := Available(); err != nil {
		t.Skip(err)
	}
}

// startSwarm starts a real swarm that t's cleanup removes; it skips when
// dockerd cannot start here (no privileges).
func startSwarm(t *testing.T, nodes ...string) *Swarm {
	t.Helper()
	needReal(t)
	t0 := time.Now()
	s, err := Start(Options{Nodes: nodes, Log: func(f string, a ...any) {
		t.Logf("%6.1fs "+f, append([]any{time.Since(t0).Seconds()}, a...)...)
	}})
	if err != nil {
		t.Skipf("REALSWARM SKIPPED: cannot start a real swarm here: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if left := Leftovers(s.Prefix, s.Dir); len(left) > 0 {
			t.Errorf("left behind: %v", left)
		}
	})
	return s
}

func TestRealSwarmForms(t *testing.T) {
	s := startSwarm(t)
	out, err := s.dockerOut(s.Manager(), "node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}")
	if err != nil {
		t.Fatal(err)
	}
	want := "manager Ready Leader\nworker1 Ready \nworker2 Ready \n"
	if got := sortedLines(out); got != sortedLines(want) {
		t.Errorf("node ls = %q, want %q", out, want)
	}
	if err := s.BuildImage("app:1", ImageSpec{}); err != nil {
		t.Fatal(err)
	}
	s.logf("built app:1")
	for _, d := range s.Nodes {
		if _, err := s.dockerOut(d, "image", "inspect", "app:1"); err != nil {
			t.Errorf("%s: %v", d.Name, err)
		}
	}
}

func sortedLines(s string) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	sortStrings(ls)
	return strings.Join(ls, "\n")
}

func readFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ModuleRoot(), rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
