package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/dockercli"
)

// TestMain lets a test run the command in a child process, to kill it.
func TestMain(m *testing.M) {
	if args := os.Getenv("SWARMSIM_TEST_CHILD"); args != "" {
		interrupted = watchInterrupts()
		os.Exit(run(strings.Split(args, "\n"), os.Stdin, os.Stdout, os.Stderr, false))
	}
	os.Exit(m.Run())
}

// TestOutputIsInput: an output that is the script itself (by its path, a
// relative path or a symbolic link), or both outputs in one file, is
// refused before anything is written; the script is left as it was.
func TestOutputIsInput(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "s.swarm")
	const text = "docker service create -d --name web nginx\nsleep 5\n"
	if err := os.WriteFile(script, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.swarm")
	if err := os.Symlink(script, link); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, script)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"run", "--trace", script, script},
		{"run", "--timeline", script, script},
		{"run", "--trace", link, script},
		{"run", "--timeline", rel, script},
		{"run", "--trace", script, link},
		{"run", "--strict", "--trace", filepath.Join(dir, "x"), "--timeline", filepath.Join(dir, "x"), script},
		{"demo", "--trace", filepath.Join(dir, "y"), "--timeline", filepath.Join(dir, ".", "y")},
	} {
		var out, errb bytes.Buffer
		code := run(args, strings.NewReader(""), &out, &errb, false)
		if code != 1 || out.Len() != 0 || !strings.Contains(errb.String(), "swarmsim: --") {
			t.Errorf("%q: exit %d, out %q, err %q", args, code, out.String(), errb.String())
		}
		if b, _ := os.ReadFile(script); string(b) != text {
			t.Fatalf("%q changed the script to %q", args, b)
		}
	}
	// Standard input redirected from the script.
	f, err := os.Open(script)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out, errb bytes.Buffer
	if code := run([]string{"run", "--timeline", link, "-"}, f, &out, &errb, false); code != 1 || errb.String() != "swarmsim: --timeline "+link+" is standard input; refusing to overwrite it\n" {
		t.Errorf("stdin: exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	run([]string{"run", "--trace", script, script}, strings.NewReader(""), &out, &errb, false)
	if want := "swarmsim: --trace " + script + " is the script being run; refusing to overwrite it\n"; errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 2 {
		t.Errorf("files left: %q", m)
	}
}

// TestOutputsReplaced: outputs are written beside their destination and
// renamed into place: no temporary file is left, and an earlier file of the
// same name is replaced whole.
func TestOutputsReplaced(t *testing.T) {
	dir := t.TempDir()
	svg, jsonl := filepath.Join(dir, "t.svg"), filepath.Join(dir, "t.jsonl")
	for _, p := range []string{svg, jsonl} {
		if err := os.WriteFile(p, bytes.Repeat([]byte("old\n"), 100000), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"run", "--trace", jsonl, "--timeline", svg, "-"}, strings.NewReader("docker service create -d --name web nginx\nsleep 5\n"), &out, &errb, false); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(m) != 2 {
		t.Errorf("files: %q", m)
	}
	b, _ := os.ReadFile(jsonl)
	events, err := swarmsim.ReadTrace(bytes.NewReader(b))
	if err != nil || len(events) == 0 || bytes.Contains(b, []byte("old")) {
		t.Errorf("trace: %d events, %v", len(events), err)
	}
	fi, err := os.Stat(jsonl)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("trace mode: %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(svg); !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("timeline: %.100q", b)
	}
}

// TestTraceSurvivesKill: the trace is written as the run goes, in whole
// lines: a run killed in the middle of a long command leaves a partial file
// that ReadTrace reads, and nothing under the name asked for.
func TestTraceSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "t.jsonl")
	script := filepath.Join(dir, "s.swarm")
	if err := os.WriteFile(script, []byte("docker service create -d --name web --replicas 3 nginx\nsleep 10\nswarmsim image bad:1 --fail-on-start\ndocker service create -d --name loop --restart-delay 0s bad:1\nsleep 100000h\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SWARMSIM_TEST_CHILD="+strings.Join([]string{"run", "--trace", jsonl, script}, "\n"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var partial string
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		m, _ := filepath.Glob(jsonl + ".*.partial")
		if len(m) == 1 {
			if fi, err := os.Stat(m[0]); err == nil && fi.Size() > 1<<20 {
				partial = m[0]
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if partial == "" {
		t.Fatal("no partial trace grew past 1 MiB")
	}
	b, err := os.ReadFile(partial)
	if err != nil {
		t.Fatal(err)
	}
	// The writer writes whole lines only, but a write under way when
	// SIGKILL comes is cut short at a page of the file (the kernel stops
	// copying when a fatal signal is pending): only the last line may be cut,
	// and only there.
	if i := bytes.LastIndexByte(b, '\n'); i < len(b)-1 {
		if len(b)%os.Getpagesize() != 0 {
			t.Errorf("the partial trace ends inside a line, not at a page boundary (%d bytes): %q", len(b), b[max(0, len(b)-80):])
		}
		b = b[:i+1]
	}
	events, err := swarmsim.ReadTrace(bytes.NewReader(b))
	if err != nil || len(events) < 1000 {
		t.Fatalf("ReadTrace: %d events, %v", len(events), err)
	}
	// What the run did before the long command is all there, in order.
	if events[0].Seq != 1 || events[len(events)-1].Seq != uint64(len(events)) {
		t.Errorf("events %d..%d of %d", events[0].Seq, events[len(events)-1].Seq, len(events))
	}
	if _, err := os.Stat(jsonl); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the destination exists: %v", err)
	}
}

// TestStrictTimelineError: a strict run whose command fails keeps that
// command's status and its "stopped at" line when the timeline cannot be
// written; the file error is reported too.
func TestStrictTimelineError(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"run", "--strict", "--timeline", "/nonexistent/x.svg", "-"}, strings.NewReader("docker node ls -q\ndocker service create --bogus nginx\nswarmsim time\n"), &out, &errb, false)
	if code != 125 {
		t.Errorf("exit %d, want 125", code)
	}
	e := errb.String()
	if !strings.Contains(e, "swarmsim: stopped at line 2: \"docker service create --bogus nginx\" exited with status 125\n") || !strings.Contains(e, "/nonexistent/x.svg") {
		t.Errorf("stderr %q", e)
	}
	// Without a failing command the file error is the run's.
	errb.Reset()
	if code := run([]string{"run", "--timeline", "/nonexistent/x.svg", "-"}, strings.NewReader("swarmsim time\n"), &out, &errb, false); code != 1 || !strings.Contains(errb.String(), "/nonexistent/x.svg") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

// TestRunStopsAtEndOfInput: `run` reports a script that ends inside quotes
// and exits non-zero; a line too long is reported and the run goes on.
func TestRunStopsAtEndOfInput(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"run", "-"}, strings.NewReader("swarmsim time\ndocker service ls 'open\n"), &out, &errb, false)
	if code != 2 || errb.String() != "swarmsim: stopped at unterminated quote at line 2: the input ended inside the command\n" {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	long := strings.Repeat("x", dockercli.MaxLineBytes+1)
	code = run([]string{"run", "-"}, strings.NewReader("swarmsim time\n"+long+"\nswarmsim time\n"), &out, &errb, false)
	if code != 0 || strings.Count(out.String(), "0s\n") != 2 || !strings.Contains(out.String(), "swarmsim: line 2 is longer than 4194304 bytes") {
		t.Errorf("exit %d, out %.300q", code, out.String())
	}
}

// TestPromptLimits: at the prompt a line too long is reported and skipped,
// and input that ends inside a command is reported with exit status 2.
func TestPromptLimits(t *testing.T) {
	long := strings.Repeat("x", dockercli.MaxLineBytes+10)
	var out, errb bytes.Buffer
	code := run(nil, strings.NewReader("swarmsim time\n"+long+"\nswarmsim time\ndocker service ls \"open\nstill open\n"), &out, &errb, false)
	if code != 2 || out.String() != "0s\n0s\n" {
		t.Errorf("exit %d, out %q", code, out.String())
	}
	if want := "swarmsim: line 2 is longer than 4194304 bytes (the simulator's limit); it was skipped\nswarmsim: unterminated quote at line 4: the input ended inside the command\n"; errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
	errb.Reset()
	if code := run(nil, strings.NewReader("swarmsim time \\"), &out, &errb, false); code != 2 || !strings.Contains(errb.String(), "trailing backslash at line 1") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

// TestInterruptRun: Ctrl-C (the interrupted hook) stops a long sleep at
// the prompt and the session goes on; in `run` it stops the script with
// exit status 130 and the outputs are still written whole.
func TestInterruptRun(t *testing.T) {
	defer func() { interrupted = nil }()
	calls := 0
	interrupted = func() bool { calls++; return calls > 3 }
	var out, errb bytes.Buffer
	if code := run(nil, strings.NewReader("swarmsim image bad:1 --fail-on-start\ndocker service create -d --name loop --restart-delay 0s bad:1\nsleep 1000h\nswarmsim time\n"), &out, &errb, false); code != 0 {
		t.Errorf("prompt: exit %d", code)
	}
	if !strings.Contains(errb.String(), "swarmsim: sleep interrupted at ") || !strings.HasSuffix(out.String(), "\n") || strings.Contains(out.String(), "1000h") {
		t.Errorf("prompt: out %q, err %q", out.String(), errb.String())
	}
	calls = 0
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "t.jsonl")
	out.Reset()
	errb.Reset()
	code := run([]string{"run", "--trace", jsonl, "-"}, strings.NewReader("docker service create -d --name web nginx\nsleep 1\nsleep 2\nsleep 3\nsleep 4\nsleep 5\n"), &out, &errb, false)
	if code != dockercli.ExitInterrupted || !strings.Contains(errb.String(), "swarmsim: stopped at line 3: interrupted") || strings.Contains(out.String(), "sleep 5") {
		t.Errorf("run: exit %d, err %q", code, errb.String())
	}
	f, err := os.Open(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if ev, err := swarmsim.ReadTrace(f); err != nil || len(ev) == 0 {
		t.Errorf("trace: %d events, %v", len(ev), err)
	}
}

// TestTimelineDirectiveIsInput: `swarmsim timeline FILE` in a script refuses
// to write over the script itself, and writes other files whole.
func TestTimelineDirectiveIsInput(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "s.swarm")
	svg := filepath.Join(dir, "t.svg")
	text := "docker service create -d --name web nginx\nswarmsim timeline " + script + "\nswarmsim timeline " + svg + "\n"
	if err := os.WriteFile(script, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"run", script}, strings.NewReader(""), &out, &errb, false); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "swarmsim: "+script+" is the script being run; refusing to overwrite it\n") {
		t.Errorf("out %q", out.String())
	}
	if b, _ := os.ReadFile(script); string(b) != text {
		t.Errorf("the script changed")
	}
	if b, _ := os.ReadFile(svg); !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("no timeline written")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.partial")); len(m) != 0 {
		t.Errorf("left %q", m)
	}
}

// TestSIGINT: a real Ctrl-C (SIGINT) to `swarmsim run` stops the long
// command it is running between batches of events; the run stops there
// with exit status 130 and its trace is renamed into place, whole.
func TestSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "t.jsonl")
	script := filepath.Join(dir, "s.swarm")
	if err := os.WriteFile(script, []byte("swarmsim image bad:1 --fail-on-start\ndocker service create -d --name loop --restart-delay 0s bad:1\nsleep 100000h\nswarmsim time\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SWARMSIM_TEST_CHILD="+strings.Join([]string{"run", "--trace", jsonl, script}, "\n"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m, _ := filepath.Glob(jsonl + ".*.partial"); len(m) == 1 {
			if fi, err := os.Stat(m[0]); err == nil && fi.Size() > 256<<10 {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("SIGINT did not stop the run")
	}
	if code := cmd.ProcessState.ExitCode(); code != dockercli.ExitInterrupted {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	if !strings.Contains(out.String(), "swarmsim: sleep interrupted at ") || strings.Contains(out.String(), "$ swarmsim time") {
		t.Errorf("transcript %q", out.String())
	}
	if !strings.Contains(errb.String(), "swarmsim: stopped at line 3: interrupted") {
		t.Errorf("stderr %q", errb.String())
	}
	b, err := os.ReadFile(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := swarmsim.ReadTrace(bytes.NewReader(b)); err != nil || len(ev) == 0 {
		t.Errorf("trace: %d events, %v", len(ev), err)
	}
}
