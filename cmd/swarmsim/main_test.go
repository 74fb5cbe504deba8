package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
}

// TestHelp pins the --help screens of the command and its subcommands.
func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "Usage:  swarmsim [OPTIONS] COMMAND\n\nA deterministic, in-memory Docker Swarm simulator.\n\nWith no command, read docker commands from standard input, one per line.\n\nOptions:\n      --seed uint   Seed of the simulated cluster\n\nCommands:\n  demo        Run the seed walkthrough (rolling update, rollback, routing mesh) and print its transcript\n  run         Run a script of docker commands and print its transcript\n\nRun 'swarmsim COMMAND --help' for more information on a command.\n"},
		{[]string{"run", "--help"}, "Usage:  swarmsim run [OPTIONS] FILE|-\n\nRun a script of docker commands and print its transcript\n\nOptions:\n      --seed uint   Seed of the simulated cluster\n      --strict      Stop at the first command that fails, with its exit status\n"},
		{[]string{"demo", "-h"}, "Usage:  swarmsim demo [OPTIONS]\n\nRun the seed walkthrough (rolling update, rollback, routing mesh) and print its transcript\n\nOptions:\n      --seed uint   Seed of the simulated cluster\n"},
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
