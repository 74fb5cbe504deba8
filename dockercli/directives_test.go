package dockercli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// execLines runs lines in the session and returns the transcript, each line's
// output followed by its exit status when it is not 0.
func execLines(s *Session, lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		if code := s.Exec(l, &b, &b); code != 0 {
			fmt.Fprintf(&b, "[exit %d]\n", code)
		}
	}
	return b.String()
}

// TestSeedDirective: `swarmsim seed N` seeds the cluster when it comes
// first (the node's ID is the one New(Config{Seed: 1}) gives) and is refused
// once the cluster exists.
func TestSeedDirective(t *testing.T) {
	got := execLines(NewSession(0), "swarmsim seed 1", "swarmsim node add --role manager manager", "swarmsim seed 2")
	want := "manager joined the swarm as a manager (7swmisi3nfv5po3eknhca8ev5)\n" +
		"swarmsim: seed must come before the first command that uses the cluster\n[exit 1]\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	other := execLines(NewSession(0), "swarmsim node add --role manager manager")
	if other == strings.SplitAfter(want, "\n")[0] {
		t.Errorf("seed 0 gave seed 1's node ID: %q", other)
	}
	if got := execLines(NewSession(0), "swarmsim seed -1"); !strings.Contains(got, `invalid seed "-1"`) && !strings.Contains(got, "unknown shorthand flag") {
		t.Errorf("seed -1: %q", got)
	}
	if got := execLines(NewSession(0), "swarmsim seed x"); got != "invalid seed \"x\": want a number from 0 to 18446744073709551615\n[exit 1]\n" {
		t.Errorf("seed x: %q", got)
	}
}

// TestTraceDirective: with tracing on every command is followed by the
// events it caused, indented, less the hidden kinds; off stops it; turning
// it on later does not print the past.
func TestTraceDirective(t *testing.T) {
	s := NewSession(1)
	got := execLines(s,
		"swarmsim trace on",
		"swarmsim node add --role manager manager",
		"swarmsim trace on --hide node-added",
		"swarmsim node add worker1",
		"swarmsim trace off",
		"swarmsim node add worker2",
		"swarmsim trace on",
		"docker node update --availability drain worker2",
	)
	want := `manager joined the swarm as a manager (7swmisi3nfv5po3eknhca8ev5)
      0.000s node-added        manager 7swmisi3nfv5 ready
worker1 joined the swarm as a worker (30qdbbpbifz4hejdiq0jtd8gy)
worker2 joined the swarm as a worker (caxaupkac190mrus3bgeikx4l)
worker2
      0.000s node-availability worker2 caxaupkac190 active -> drain
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, tc := range []struct{ line, want string }{
		{"swarmsim trace maybe", "invalid argument \"maybe\": want on or off\n[exit 1]\n"},
		{"swarmsim trace on --hide task-state,nosuch", "invalid argument \"nosuch\" for \"--hide\" flag: "},
		{"swarmsim trace", "swarmsim: 'swarmsim trace' requires 1 argument"},
	} {
		if got := execLines(NewSession(0), tc.line); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: got %q, want the prefix %q", tc.line, got, tc.want)
		}
	}
}
