package dockercli

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim"
)

// run runs script lines in a session and returns the transcript.
func runLines(t *testing.T, s *Session, lines ...string) string {
	t.Helper()
	var out bytes.Buffer
	if err := RunScript(strings.NewReader(strings.Join(lines, "\n")), &out, ScriptOptions{Session: s}); err != nil {
		t.Fatalf("RunScript: %v\n%s", err, out.String())
	}
	return out.String()
}

// TestTemplateLimits: a --format that loops or prints without end stops at
// the step or output limit, with the limit's error, and promptly.
func TestTemplateLimits(t *testing.T) {
	steps := errTemplateSteps.Error()
	output := errTemplateOutput.Error()
	for _, tc := range []struct{ cmd, want string }{
		{`docker service ls --format '{{range 10000000000}}{{end}}'`, steps},
		{`docker service ls --format 'table {{range 10000000000}}{{end}}'`, steps},
		{`docker service ps --format '{{range 100000}}{{range 100000}}{{end}}{{end}}' web`, steps},
		{`docker node ls --format '{{define "a"}}{{template "b"}}{{template "b"}}{{end}}{{define "b"}}{{template "c"}}{{template "c"}}{{end}}{{define "c"}}{{range 100000}}{{end}}{{end}}{{template "a"}}'`, steps},
		{`docker service inspect --format '{{range 10000000000}}{{end}}' web`, steps},
		{`docker service ls --format '{{range 10000000000}}` + strings.Repeat("x", 200) + `{{end}}'`, output},
		{`docker service ls --format '{{pad "x" 1000000000000 0}}'`, output},
		{`docker service ls --format '{{$a := "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}{{range 40}}{{$a = printf "%s%s" $a $a}}{{end}}'`, output},
		{`docker service ls --format '{{$a := "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}{{range 40}}{{$a = print $a $a}}{{end}}'`, output},
		{`docker service ls --format '{{$a := split "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" ""}}{{$s := ""}}{{range 40}}{{$s = join $a $s}}{{$a = split $s ""}}{{end}}'`, output},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			s := NewSession(1)
			runLines(t, s, "docker service create -d --name web --replicas 2 nginx")
			begin := time.Now()
			var out bytes.Buffer
			code := s.Exec(tc.cmd, &out, &out)
			if code == 0 || !strings.Contains(out.String(), tc.want) {
				t.Errorf("exit %d, output %q; want an error containing %q", code, out.String(), tc.want)
			}
			if d := time.Since(begin); d > 20*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
	// Within the limits templates work as before, and every row of a
	// long list gets its allowance.
	s := NewSession(1)
	out := runLines(t, s, "docker service create -d --name web --replicas 2 nginx",
		`docker service ls --format '{{.Name}}:{{range 3}}{{.}}{{end}}{{if .Name}}{{with .Name}}!{{end}}{{else}}?{{end}}'`,
		`docker service ps --format '{{.Name}}' web`)
	if !strings.Contains(out, "web:012!\n") || !strings.Contains(out, "web.1\nweb.2\n") {
		t.Errorf("transcript:\n%s", out)
	}
	tmpl, err := parseTemplate("{{range 5}}x{{end}}")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 * MaxTemplateSteps / templateStepsPerRun {
		if err := tmpl.Execute(io.Discard, nil); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
}

// TestValidators pins docker/cli's ValidateLabel and ValidateEnv, which the
// flags of create and update call (exit 125 through the flag error).
func TestValidators(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"", "invalid label '': empty name"},
		{"=v", "invalid label '=v': empty name"},
		{"  =v", "invalid label '  =v': empty name"},
		{"a b=c", "label 'a b' contains whitespaces"},
		{"a\tb", "label 'a\tb' contains whitespaces"},
		{"a", ""},
		{" a=b c", ""},
	} {
		err := validateLabel(tc.in)
		if got := errText(err); got != tc.want {
			t.Errorf("validateLabel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "invalid environment variable: "},
		{"=v", "invalid environment variable: =v"},
		{"A", ""},
		{"A=", ""},
	} {
		if got := errText(validateEnv(tc.in)); got != tc.want {
			t.Errorf("validateEnv(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, words := range [][]string{
		{"docker", "service", "create", "--label", "", "nginx"},
		{"docker", "service", "create", "-l", "=v", "nginx"},
		{"docker", "service", "create", "-e", "", "nginx"},
		{"docker", "service", "create", "--env", "=v", "nginx"},
		{"docker", "service", "update", "--env-add", "=x", "web"},
		{"docker", "service", "update", "--label-add", "", "web"},
	} {
		_, err := Parse(words)
		var ce *CLIError
		if !errors.As(err, &ce) || ce.Code != 125 {
			t.Errorf("Parse(%q) = %v; want a flag error with exit 125", words, err)
		}
	}
	long := strings.Repeat("a", 10*1024)
	for _, img := range []string{"NGINX", "nginx:::", long, "nginx:" + strings.Repeat("1", 129), ""} {
		err := validImage(img)
		if err == nil || !strings.HasPrefix(err.Error(), "Error response from daemon: rpc error: code = InvalidArgument desc = ContainerSpec: ") {
			t.Errorf("validImage(%.40q) = %v", img, err)
		}
	}
	for _, img := range []string{"nginx", "nginx:1.25", "redis:3.0.6", "localhost:5000/a/b:c", "nginx@sha256:" + strings.Repeat("a", 64)} {
		if err := validImage(img); err != nil {
			t.Errorf("validImage(%q) = %v", img, err)
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestMemoryOverflow: a size beyond int64 is refused, not wrapped.
func TestMemoryOverflow(t *testing.T) {
	for _, in := range []string{"1e30", "100000000000000000000", "9000p", "1e19"} {
		var p *int64
		if err := (memBytesValue{&p}).Set(in); err == nil {
			t.Errorf("Set(%q) accepted %d", in, *p)
		}
	}
	var p *int64
	if err := (memBytesValue{&p}).Set("2g"); err != nil || *p != 2<<30 {
		t.Errorf("Set(2g) = %v", err)
	}
}

// TestSleepArguments: NaN and negative numbers are refused; numbers past
// any duration saturate (the clock then stops at the horizon).
func TestSleepArguments(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"nan", 0, true}, {"NaN", 0, true}, {"-1", 0, true}, {"-0.5", 0, true}, {"-1s", 0, true}, {"x", 0, true},
		{"1e400", math.MaxInt64, false}, {"inf", math.MaxInt64, false}, {"4611686018", 4611686018 * time.Second, false},
		{"9223372037", math.MaxInt64, false}, {"1.5", 1500 * time.Millisecond, false}, {"1m30s", 90 * time.Second, false},
	} {
		c, err := parseSleep([]string{tc.in})
		if (err != nil) != tc.err {
			t.Errorf("sleep %s: err = %v", tc.in, err)
			continue
		}
		if err == nil && c.(Sleep).D != tc.want {
			t.Errorf("sleep %s = %v, want %v", tc.in, c.(Sleep).D, tc.want)
		}
	}
	// Twice 4611686018 seconds is past int64 nanoseconds: the clock stops
	// at the horizon and a later create neither hangs nor runs tasks
	// backwards in time.
	s := NewSession(1)
	out := runLines(t, s, "sleep 4611686018", "sleep 4611686018", "docker service create --name web nginx", "docker service create -d --name w2 nginx", "sleep 10")
	if got := s.c.Elapsed(); got != swarmsim.Horizon {
		t.Errorf("clock at %v, want the horizon %v", got, swarmsim.Horizon)
	}
	if strings.Count(out, "at its horizon") != 4 || !strings.Contains(out, "Operation continuing in background.") {
		t.Errorf("transcript:\n%s", out)
	}
	for _, e := range s.c.Events() {
		if at := e.Time.Sub(s.c.Epoch()); at < 0 || at > swarmsim.Horizon {
			t.Errorf("event past the horizon: %v", e)
		}
	}
}

// crashLoop is a service whose tasks are rejected and replaced without
// delay: it never converges and makes events forever.
var crashLoop = []string{
	"swarmsim image bad:1 --fail-on-start",
	"docker service create -d --name loop --restart-delay 0s bad:1",
}

// TestWaitBounded: a wait on a service that never converges ends with an
// error after a bounded number of events, whatever the timeout.
func TestWaitBounded(t *testing.T) {
	s := NewSession(1)
	s.waitEvents = 20000
	out := runLines(t, s, append(crashLoop, "swarmsim wait --timeout 100000h loop")...)
	if !strings.Contains(out, "the wait stopped after 20000 events (the simulator's limit for one wait)") {
		t.Errorf("transcript:\n%s", out)
	}
	if n := s.c.LastSeq(); n > 3*20000+1000 {
		t.Errorf("the wait ran %d events", n)
	}
	// A timeout past the horizon on a converging service still converges.
	out = runLines(t, NewSession(1), "docker service create -d --name web nginx", "swarmsim wait --timeout 2562047h web")
	if !strings.Contains(out, "converged after 2s") {
		t.Errorf("transcript:\n%s", out)
	}
}

// TestInterrupt: Interrupted stops a long sleep or wait (a `swarmsim wait`,
// or a create's) between batches of events, with exit status 130, and the
// session goes on.
func TestInterrupt(t *testing.T) {
	for _, cmd := range []string{"sleep 100h", "swarmsim wait --timeout 100h loop", "docker service create --name w2 bad:1"} {
		s := NewSession(1)
		runLines(t, s, crashLoop...)
		asked := 0
		s.Interrupted = func() bool { asked++; return asked >= 5 }
		var out bytes.Buffer
		code := s.Exec(cmd, &out, &out)
		if code != ExitInterrupted || !strings.Contains(out.String(), "interrupted at ") {
			t.Errorf("%s: exit %d, %q", cmd, code, out.String())
		}
		if el := s.c.Elapsed(); el >= 100*time.Hour {
			t.Errorf("%s: ran to %v", cmd, el)
		}
		if n := s.c.LastSeq(); n > 20*interruptEvery { // a step records a few events
			t.Errorf("%s: ran %d events after the interrupt", cmd, n)
		}
		s.Interrupted = nil
		if code := s.Exec("docker service ls -q", io.Discard, io.Discard); code != 0 {
			t.Errorf("the session did not go on: exit %d", code)
		}
	}
}

// TestPanicRecovered: a panic in a command prints an internal-error line
// and exits ExitInternal; the session goes on; a script stops there with
// its line number, in any mode.
func TestPanicRecovered(t *testing.T) {
	hook := func(w []string) {
		if w[0] == "docker" && len(w) > 2 && w[2] == "ls" {
			panic("boom")
		}
	}
	s := NewSession(1)
	s.panicHook = hook
	var out bytes.Buffer
	if code := s.Exec("docker service ls", &out, &out); code != ExitInternal {
		t.Errorf("exit %d", code)
	}
	if want := "swarmsim: internal error in `docker service ls`: boom; please report it with the command and the seed\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
	if code := s.Exec("docker service create -d nginx", io.Discard, io.Discard); code != 0 {
		t.Errorf("the session did not go on: exit %d", code)
	}
	out.Reset()
	s = NewSession(1)
	s.panicHook = hook
	err := RunScript(strings.NewReader("docker node ps\n\ndocker service ls\ndocker node ps\n"), &out, ScriptOptions{Session: s})
	var se *ScriptError
	var ie *InternalError
	if !errors.As(err, &se) || se.Line != 3 || se.ExitCode != ExitInternal || !errors.As(err, &ie) {
		t.Fatalf("err = %v", err)
	}
	if got := se.Error(); got != "line 3: internal error in `docker service ls`: boom; please report it with the command and the seed" {
		t.Errorf("error %q", got)
	}
	if strings.Count(out.String(), "$ ") != 2 {
		t.Errorf("ran past the panic:\n%s", out.String())
	}
}

// TestLongLine: a line over MaxLineBytes is reported with its number and
// skipped; the commands around it run.
func TestLongLine(t *testing.T) {
	long := "docker service ls --format '" + strings.Repeat("x", MaxLineBytes) + "'"
	for _, script := range []string{
		"docker node ls -q\n" + long + "\ndocker service ls -q\n",
		"docker node ls -q\r\n" + long + "\r\ndocker service ls -q",
		"docker node ls -q\ndocker service ls 'open\n" + long + "\ndocker service ls -q\n",
	} {
		var out bytes.Buffer
		err := RunScript(strings.NewReader(script), &out, ScriptOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := "swarmsim: line 2 is longer than 4194304 bytes (the simulator's limit); it was skipped\n"
		if strings.Contains(script, "'open") {
			want = strings.Replace(want, "line 2", "line 3", 1)
		}
		if !strings.Contains(out.String(), want) || !strings.HasSuffix(out.String(), "$ docker service ls -q\n") {
			t.Errorf("transcript:\n%.500s", out.String())
		}
		if out.Len() > 4096 {
			t.Errorf("the transcript holds the long line (%d bytes)", out.Len())
		}
	}
	// Exactly MaxLineBytes is fine.
	ok := "#" + strings.Repeat("x", MaxLineBytes-1)
	lines, err := ReadScript(strings.NewReader(ok + "\r\ndocker node ls\n"))
	if err != nil || len(lines) != 1 || lines[0].Line != 2 || lines[0].Err != nil {
		t.Errorf("ReadScript = %v, %v", lines, err)
	}
	lines, err = ReadScript(strings.NewReader(ok + "x\ndocker node ls\n"))
	if err != nil || len(lines) != 2 || lines[0].Line != 1 || lines[0].Err == nil {
		t.Errorf("ReadScript = %v, %v", lines, err)
	}
}

// TestEndOfInput: a script that ends inside quotes or after a trailing
// backslash says so with the command's line and stops, in any mode.
func TestEndOfInput(t *testing.T) {
	for _, tc := range []struct{ script, want string }{
		{"docker node ls -q\ndocker service ls 'open\nmore\n", "unterminated quote at line 2: the input ended inside the command"},
		{"docker node ls -q\n\ndocker service ls \"open", "unterminated quote at line 3: the input ended inside the command"},
		{"docker node ls -q\ndocker service ls \\", "trailing backslash at line 2: the input ended inside the command"},
		{"docker service ls \\\n-q \\\n", "trailing backslash at line 1: the input ended inside the command"},
	} {
		var out bytes.Buffer
		err := RunScript(strings.NewReader(tc.script), &out, ScriptOptions{})
		var se *ScriptError
		if !errors.As(err, &se) || se.ExitCode != 2 || err.Error() != tc.want || !errors.Is(err, ErrIncomplete) {
			t.Errorf("%q: err = %v, want %q", tc.script, err, tc.want)
		}
		if !strings.HasSuffix(out.String(), "swarmsim: "+tc.want+"\n") {
			t.Errorf("%q: transcript:\n%s", tc.script, out.String())
		}
	}
}

// TestDefaultTraceLimit: a session keeps at most DefaultTraceLimit events
// in memory, and a timeline of a trimmed trace says what it lost.
func TestDefaultTraceLimit(t *testing.T) {
	if s := NewSession(1); s.TraceLimit != DefaultTraceLimit {
		t.Fatalf("TraceLimit = %d", s.TraceLimit)
	}
	s := NewSession(1)
	s.TraceLimit = 1000
	runLines(t, s, append(crashLoop, "sleep 1h")...)
	if got := len(s.c.Events()); got > 1000 {
		t.Errorf("kept %d events", got)
	}
	if s.c.DroppedEvents() == 0 {
		t.Fatal("nothing dropped")
	}
	var svg bytes.Buffer
	if err := s.Timeline(&svg, "t", nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svg.String(), "events were dropped: trace limit 1000") {
		t.Errorf("the timeline does not say what it lost")
	}
	dir := t.TempDir()
	s.Dir = dir
	out := runLines(t, s, "swarmsim timeline t.svg")
	if !strings.Contains(out, "events were dropped (trace limit 1000); the timeline shows the rest") {
		t.Errorf("transcript:\n%s", out)
	}
}
