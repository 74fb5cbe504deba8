package dockercli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSeedTranscriptShape pins the seed's `docker service ps redis` table
// after the update: 6 rows, redis.1..3 running redis:3.0.7, each followed by
// a ` \_ ` history row of redis:3.0.6 shut down (seed document).
func TestSeedTranscriptShape(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("..", "examples", "seed.swarm"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := RunScript(bytes.NewReader(in), &out, ScriptOptions{}); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(out.String(), "$ docker service ps redis\n")
	if len(parts) < 3 {
		t.Fatalf("second `docker service ps redis` not found:\n%s", out.String())
	}
	table := strings.SplitN(parts[2], "\n$ ", 2)[0]
	rows := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	if len(rows) != 7 {
		t.Fatalf("want a header and 6 rows, got:\n%s", table)
	}
	if !strings.HasPrefix(rows[0], "ID             NAME          IMAGE         NODE      DESIRED STATE   CURRENT STATE") {
		t.Errorf("header: %q", rows[0])
	}
	for i, r := range rows[1:] {
		f := strings.Fields(r)
		slot := "redis." + string(rune('1'+i/2))
		if i%2 == 0 {
			if f[1] != slot || f[2] != "redis:3.0.7" || f[4] != "Running" || f[5] != "Running" {
				t.Errorf("row %d: %q", i+1, r)
			}
		} else if f[1] != `\_` || f[2] != slot || f[3] != "redis:3.0.6" || f[5] != "Shutdown" || f[6] != "Shutdown" {
			t.Errorf("row %d: %q", i+1, r)
		}
	}
}

// TestTranscriptDeterministic: the same script and seed print the same
// transcript; another seed gives other IDs.
func TestTranscriptDeterministic(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("..", "examples", "seed.swarm"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(seed uint64) string {
		var out bytes.Buffer
		if err := RunScript(bytes.NewReader(in), &out, ScriptOptions{Seed: seed}); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if diff := cmp.Diff(run(7), run(7)); diff != "" {
		t.Errorf("same seed, different transcripts (-want +got):\n%s", diff)
	}
	if run(7) == run(8) {
		t.Errorf("seeds 7 and 8 gave identical transcripts")
	}
}

// TestStrict stops at the first failing command with its exit status.
func TestStrict(t *testing.T) {
	script := "docker node ls -q\ndocker service update nosuch\ndocker node ls\n"
	var out bytes.Buffer
	err := RunScript(strings.NewReader(script), &out, ScriptOptions{Strict: true})
	se, ok := err.(*ScriptError)
	if !ok || se.Line != 2 || se.ExitCode != 1 {
		t.Fatalf("err = %v", err)
	}
	if strings.Count(out.String(), "$ ") != 2 {
		t.Errorf("ran past the failure:\n%s", out.String())
	}
}

// BenchmarkSeedWalkthrough runs the seed walkthrough through the CLI.
func BenchmarkSeedWalkthrough(b *testing.B) {
	in, err := os.ReadFile(filepath.Join("..", "examples", "seed.swarm"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var out bytes.Buffer
		if err := RunScript(bytes.NewReader(in), &out, ScriptOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
