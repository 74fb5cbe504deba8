package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/dockercli"
)

// TestInteractivePipe drives the prompt through a pipe: no "$ " prompt, each
// line runs at once, continuation lines join, exit stops.
func TestInteractivePipe(t *testing.T) {
	in := strings.NewReader("docker node ls --format '{{.Hostname}}'\ndocker service create -d --name w \\\n  nginx\ndocker service ls --format '{{.Name}}'\ndocker service update\nexit\ndocker node ls\n")
	var out, errb bytes.Buffer
	if code := run(nil, in, &out, &errb, false); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(out.String(), "\n")
	if len(lines) != 6 || lines[0] != "manager" || lines[3] == "" || lines[4] != "w" {
		t.Errorf("stdout = %q", out.String())
	}
	if !strings.HasPrefix(errb.String(), "docker: 'docker service update' requires 1 argument") {
		t.Errorf("stderr = %q", errb.String())
	}
	out.Reset()
	run(nil, strings.NewReader("swarmsim time\n"), &out, &errb, true)
	if want := "$ 0s\n$ \n"; out.String() != want {
		t.Errorf("tty prompt: got %q, want %q", out.String(), want)
	}
	// after `swarmsim ssh HOST` the prompt names the host
	out.Reset()
	run(nil, strings.NewReader("swarmsim ssh manager1\nswarmsim time\n"), &out, &errb, true)
	if want := "$ manager1$ 0s\nmanager1$ \n"; out.String() != want {
		t.Errorf("tty prompt after ssh: got %q, want %q", out.String(), want)
	}
}

// TestHelp pins the --help screens of the command and its subcommands.
func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "Usage:  swarmsim [OPTIONS] COMMAND\n\nA deterministic, in-memory Docker Swarm simulator.\n\nWith no command, read docker commands from standard input, one per line.\n\nOptions:\n      --seed uint   Seed of the simulated cluster\n\nCommands:\n  demo        Run the seed walkthrough (rolling update, rollback, routing mesh) and print its transcript\n  run         Run a script of docker commands and print its transcript\n\nRun 'swarmsim COMMAND --help' for more information on a command.\n"},
		{[]string{"run", "--help"}, "Usage:  swarmsim run [OPTIONS] FILE|-\n\nRun a script of docker commands and print its transcript\n\nOptions:\n      --seed uint         Seed of the simulated cluster\n      --strict            Stop at the first command that fails, with its\n                          exit status\n      --timeline string   Write the timeline of the whole run to this SVG file\n      --trace string      Write every event as JSON lines to this file\n"},
		{[]string{"demo", "-h"}, "Usage:  swarmsim demo [OPTIONS]\n\nRun the seed walkthrough (rolling update, rollback, routing mesh) and print its transcript\n\nOptions:\n      --seed uint         Seed of the simulated cluster\n      --timeline string   Write the timeline of the whole run to this SVG file\n      --trace string      Write every event as JSON lines to this file\n"},
	} {
		var out, errb bytes.Buffer
		if code := run(tc.args, strings.NewReader(""), &out, &errb, false); code != 0 {
			t.Errorf("%v: exit %d %s", tc.args, code, errb.String())
		}
		if diff := cmp.Diff(tc.want, out.String()); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tc.args, diff)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"run", "--bogus"}, strings.NewReader(""), &out, &errb, false); code != 125 {
		t.Errorf("flag error exit %d", code)
	}
}

// TestRunScript runs a script from stdin ("-") and from a file, strict.
func TestRunScript(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"run", "-"}, strings.NewReader("$ docker node ls -q --filter role=manager\nsleep 2\nswarmsim time\n"), &out, &errb, false); code != 0 {
		t.Fatalf("exit %d %s", code, errb.String())
	}
	if !strings.HasSuffix(out.String(), "$ swarmsim time\n2s\n") {
		t.Errorf("out = %q", out.String())
	}
	out.Reset()
	code := run([]string{"run", "--strict", "-"}, strings.NewReader("docker service update x\nswarmsim time\n"), &out, &errb, false)
	if code != 1 || strings.Contains(out.String(), "swarmsim time") {
		t.Errorf("strict: exit %d, out %q", code, out.String())
	}
}

// TestSeedCopy: the embedded walkthrough is examples/seed.swarm.
func TestSeedCopy(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "..", "examples", "seed.swarm"))
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != seedScript {
		t.Errorf("cmd/swarmsim/seed.swarm differs from examples/seed.swarm")
	}
	var out, errb bytes.Buffer
	if code := run([]string{"demo"}, strings.NewReader(""), &out, &errb, false); code != 0 || !strings.Contains(out.String(), `\_ redis.1`) {
		t.Errorf("demo: exit %d", code)
	}
}

// runSession runs an example script in a session of its own, as run does,
// and returns the session.
func runSession(t *testing.T, path string) *dockercli.Session {
	t.Helper()
	in, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := dockercli.NewSession(0)
	if err := dockercli.RunScript(bytes.NewReader(in), io.Discard, dockercli.ScriptOptions{Session: s}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRunOutputs: `run --timeline --trace` writes the committed timeline of
// the script and its JSONL trace, which reads back to the run's very events
// and is byte for byte what WriteTrace writes of them.
func TestRunOutputs(t *testing.T) {
	for _, name := range []string{"seed", "update-pause"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			script := filepath.Join("..", "..", "examples", name+".swarm")
			svg, jsonl := filepath.Join(dir, "t.svg"), filepath.Join(dir, "t.jsonl")
			var out, errb bytes.Buffer
			if code := run([]string{"run", "--timeline", svg, "--trace", jsonl, script}, strings.NewReader(""), &out, &errb, false); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			got, err := os.ReadFile(svg)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("..", "..", "examples", "timelines", name+".svg"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("timeline differs from examples/timelines/%s.svg (-want +got):\n%s", name, diff)
			}

			trace, err := os.ReadFile(jsonl)
			if err != nil {
				t.Fatal(err)
			}
			events := runSession(t, script).Cluster().Events()
			read, err := swarmsim.ReadTrace(bytes.NewReader(trace))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(events, read); diff != "" {
				t.Errorf("trace read back (-want +got):\n%s", diff)
			}
			var written bytes.Buffer
			if err := swarmsim.WriteTrace(&written, events); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(written.String(), string(trace)); diff != "" {
				t.Errorf("--trace differs from WriteTrace (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDemoOutputs: the demo's timeline is the seed walkthrough's.
func TestDemoOutputs(t *testing.T) {
	svg := filepath.Join(t.TempDir(), "demo.svg")
	var out, errb bytes.Buffer
	if code := run([]string{"demo", "--timeline", svg}, strings.NewReader(""), &out, &errb, false); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	got, _ := os.ReadFile(svg)
	want, _ := os.ReadFile(filepath.Join("..", "..", "examples", "timelines", "seed.svg"))
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Errorf("demo --timeline differs from examples/timelines/seed.svg")
	}
}

// TestStrictOutputs: a strict run that stops still writes its outputs, up
// to the command that failed, and exits with that command's status.
func TestStrictOutputs(t *testing.T) {
	dir := t.TempDir()
	svg, jsonl := filepath.Join(dir, "t.svg"), filepath.Join(dir, "t.jsonl")
	script := "docker service create -d --name web --replicas 2 nginx\nsleep 5\ndocker service update nosuch\nsleep 100\n"
	var out, errb bytes.Buffer
	if code := run([]string{"run", "--strict", "--timeline", svg, "--trace", jsonl, "-"}, strings.NewReader(script), &out, &errb, false); code != 1 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile(svg)
	if err != nil || !strings.Contains(string(b), "virtual time 0s to 5s since the epoch") || !strings.Contains(string(b), "<title>swarmsim run</title>") {
		t.Errorf("timeline: %v\n%.400s", err, b)
	}
	f, err := os.Open(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	events, err := swarmsim.ReadTrace(f)
	if err != nil || len(events) == 0 || events[len(events)-1].Kind != swarmsim.EventTaskState {
		t.Errorf("trace: %d events, %v", len(events), err)
	}
	// An output that cannot be written is an error.
	if code := run([]string{"run", "--trace", filepath.Join(dir, "no", "such", "dir.jsonl"), "-"}, strings.NewReader("swarmsim time\n"), &out, &errb, false); code != 1 {
		t.Errorf("unwritable trace: exit %d", code)
	}
	if code := run([]string{"run", "--timeline", filepath.Join(dir, "no", "such", "dir.svg"), "-"}, strings.NewReader("swarmsim time\n"), &out, &errb, false); code != 1 {
		t.Errorf("unwritable timeline: exit %d", code)
	}
}
