// Command swarmsim runs Docker Swarm command lines against a deterministic,
// in-memory simulated swarm: the seed walkthrough (demo), scripts (run) and
// an interactive prompt.
package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"
	"github.com/swarmsim/swarmsim/dockercli"
)

//go:embed seed.swarm
var seedScript string

func main() {
	if os.Getenv("GOGC") == "" {
		// A run's heap is almost all live simulation state that stays
		// until the process ends: collecting at twice the live heap
		// rather than at once more costs about a tenth more peak memory
		// and saves about a fifth of the CPU of 50,000 node adds.
		debug.SetGCPercent(gcPercent)
	}
	interrupted = watchInterrupts()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, isTerminal(os.Stdin)))
}

// gcPercent is the collector's target for the command unless GOGC is set.
const gcPercent = 200

// interrupted reports whether the user pressed Ctrl-C since the last
// clearInterrupt; nil (never) unless main installed the handler.
var interrupted func() bool

// clearInterrupt forgets an earlier Ctrl-C (the prompt does before each
// command).
var clearInterrupt = func() {}

// watchInterrupts catches SIGINT: the first Ctrl-C sets a flag that the
// running command checks between batches of events (the simulation itself
// runs no goroutine and reads no clock); a second Ctrl-C before the flag is
// cleared ends the process, as Ctrl-C normally does.
func watchInterrupts() func() bool {
	var flag atomic.Bool
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	go func() {
		for range ch {
			if flag.Swap(true) {
				os.Exit(dockercli.ExitInterrupted)
			}
		}
	}()
	clearInterrupt = func() { flag.Store(false) }
	return flag.Load
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// run is the whole program: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, tty bool) int {
	root := newRoot(stdin, stdout, stderr, tty)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	_, err := root.ExecuteC()
	if err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		fmt.Fprintln(stderr, err)
		var ce *dockercli.CLIError
		if errors.As(err, &ce) {
			return ce.Code
		}
		return 1
	}
	return 0
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer, tty bool) *cobra.Command {
	var seed uint64
	root := &cobra.Command{
		Use:   "swarmsim [OPTIONS] [COMMAND]",
		Short: "A deterministic, in-memory Docker Swarm simulator.\n\nWith no command, read docker commands from standard input, one per line.",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s := dockercli.NewSession(seed)
			s.Interrupted = interrupted
			return interactive(s, stdin, stdout, stderr, tty)
		},
		DisableFlagsInUseLine: true,
		SilenceErrors:         true,
		SilenceUsage:          true,
	}
	root.Flags().Uint64Var(&seed, "seed", 0, "Seed of the simulated cluster")
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetHelpCommand(&cobra.Command{Use: "no-help-command", Hidden: true})
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &dockercli.CLIError{Code: 125, Msg: fmt.Sprintf("%s\n\nUsage:  %s\n\nRun '%s --help' for more information", err, c.UseLine(), c.CommandPath())}
	})
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { io.WriteString(stdout, helpText(c)) })
	root.PersistentFlags().BoolP("help", "h", false, "Print usage")
	_ = root.PersistentFlags().MarkHidden("help")

	var demoSeed uint64
	var demoOut, runOut outputs
	demo := &cobra.Command{
		Use:   "demo [OPTIONS]",
		Short: "Run the seed walkthrough (rolling update, rollback, routing mesh) and print its transcript",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return finish(runScript(strings.NewReader(seedScript), "", "seed.swarm", stdout, dockercli.ScriptOptions{Seed: demoSeed}, demoOut), stderr)
		},
		DisableFlagsInUseLine: true,
	}
	demo.Flags().Uint64Var(&demoSeed, "seed", 0, "Seed of the simulated cluster")
	demoOut.flags(demo)

	var runSeed uint64
	var strict bool
	runCmd := &cobra.Command{
		Use:   "run [OPTIONS] FILE|-",
		Short: "Run a script of docker commands and print its transcript",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var r io.Reader = stdin
			title, input := "swarmsim run", ""
			if f, ok := stdin.(*os.File); ok && args[0] == "-" {
				if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
					if err := runOut.notInput(fi, "standard input"); err != nil {
						return err
					}
				}
			}
			if args[0] != "-" {
				if fi, err := os.Stat(args[0]); err == nil {
					if err := runOut.notInput(fi, "the script being run"); err != nil {
						return err
					}
				}
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
				title, input = filepath.Base(args[0]), args[0]
			}
			return finish(runScript(r, input, title, stdout, dockercli.ScriptOptions{Seed: runSeed, Strict: strict}, runOut), stderr)
		},
		DisableFlagsInUseLine: true,
	}
	runCmd.Flags().Uint64Var(&runSeed, "seed", 0, "Seed of the simulated cluster")
	dockercli.BoolFlag(runCmd.Flags(), &strict, "strict", "", "Stop at the first command that fails, with its exit status")
	runOut.flags(runCmd)
	root.AddCommand(demo, runCmd)
	return root
}

// outputs are the files a run writes besides its transcript.
type outputs struct {
	timeline string // the SVG timeline of the whole run
	trace    string // the JSONL trace of every event
}

func (o *outputs) flags(c *cobra.Command) {
	c.Flags().StringVar(&o.timeline, "timeline", "", "Write the timeline of the whole run to this SVG file")
	c.Flags().StringVar(&o.trace, "trace", "", "Write every event as JSON lines to this file")
}

// notInput refuses outputs that would overwrite the script being run, in
// (the same file, whatever the path: a symbolic link, a relative path, or
// standard input redirected from it), or each other.
func (o *outputs) notInput(in os.FileInfo, what string) error {
	for _, out := range []struct{ flag, path string }{{"--trace", o.trace}, {"--timeline", o.timeline}} {
		if out.path == "" {
			continue
		}
		if fi, err := os.Stat(out.path); err == nil && os.SameFile(in, fi) {
			return &dockercli.CLIError{Code: 1, Msg: fmt.Sprintf("swarmsim: %s %s is %s; refusing to overwrite it", out.flag, out.path, what)}
		}
	}
	return o.distinct()
}

// distinct refuses one file for both outputs.
func (o *outputs) distinct() error {
	if o.trace == "" || o.timeline == "" {
		return nil
	}
	same := filepath.Clean(o.trace) == filepath.Clean(o.timeline)
	if a, err := os.Stat(o.trace); err == nil {
		if b, err := os.Stat(o.timeline); err == nil && os.SameFile(a, b) {
			same = true
		}
	}
	if same {
		return &dockercli.CLIError{Code: 1, Msg: fmt.Sprintf("swarmsim: --trace and --timeline name the same file, %s", o.trace)}
	}
	return nil
}

// pendingFile is an output being written: a temporary file beside its
// destination ("NAME.*.partial"), renamed into place by commit, so that a
// crash or a kill never leaves half a file under the name asked for.
type pendingFile struct {
	f    *os.File
	path string
}

func createPending(path string) (*pendingFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.partial")
	if err != nil {
		return nil, dockercli.DestErr(err, path)
	}
	return &pendingFile{f: f, path: path}, nil
}

// commit closes the file and renames it into place.
func (p *pendingFile) commit() error {
	if err := p.f.Chmod(0o644); err != nil {
		p.abort()
		return err
	}
	if err := p.f.Close(); err != nil {
		os.Remove(p.f.Name())
		return err
	}
	if err := os.Rename(p.f.Name(), p.path); err != nil {
		os.Remove(p.f.Name())
		return dockercli.DestErr(err, p.path)
	}
	return nil
}

// abort closes and removes the temporary file.
func (p *pendingFile) abort() {
	p.f.Close()
	os.Remove(p.f.Name())
}

// recordWriter buffers the trace's JSON lines and writes only whole ones:
// slog's JSON handler writes each record, newline included, in one Write,
// so the file ends inside a record only if SIGKILL cuts a write short (the
// kernel stops a write at a page of the file when a fatal signal is
// pending).
type recordWriter struct {
	w   io.Writer
	buf []byte
	err error
}

// transcriptBuffer is how much of a script's transcript is held before it
// is written when standard output is not a terminal.
const transcriptBuffer = 64 << 10

// recordBuffer is how much a recordWriter holds before writing.
const recordBuffer = 64 << 10

func (r *recordWriter) Write(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	r.buf = append(r.buf, p...)
	if len(r.buf) >= recordBuffer {
		if i := bytes.LastIndexByte(r.buf, '\n'); i >= 0 {
			r.write(i + 1)
		}
	}
	return len(p), r.err
}

func (r *recordWriter) write(n int) {
	if r.err != nil {
		return
	}
	_, r.err = r.w.Write(r.buf[:n])
	r.buf = r.buf[:copy(r.buf, r.buf[n:])]
}

// Flush writes everything buffered.
func (r *recordWriter) Flush() error {
	if len(r.buf) > 0 {
		r.write(len(r.buf))
	}
	return r.err
}

// runResult is what a run of a script ended with: the script's own error
// (a *dockercli.ScriptError when it stopped) and the errors of its output
// files, reported separately so that neither hides the other.
type runResult struct {
	script error
	files  []error
}

// finish reports a run: the line it stopped at, with the command's exit
// status, and every output that could not be written (exit status 1 when
// the script itself ran through).
func finish(r runResult, stderr io.Writer) error {
	var se *dockercli.ScriptError
	if errors.As(r.script, &se) {
		fmt.Fprintf(stderr, "swarmsim: stopped at %v\n", se)
		for _, err := range r.files {
			fmt.Fprintf(stderr, "swarmsim: %v\n", err)
		}
		return exitError{se.ExitCode}
	}
	if r.script != nil {
		return r.script
	}
	if len(r.files) > 0 {
		for _, err := range r.files[:len(r.files)-1] {
			fmt.Fprintf(stderr, "swarmsim: %v\n", err)
		}
		return r.files[len(r.files)-1]
	}
	return nil
}

// runScript runs a script in a new session and writes the outputs: the
// trace as the cluster's slog JSON handler writes it, flushed after every
// command line (a run that dies leaves whole lines that ReadTrace reads in
// the "*.partial" file), and the timeline once it has run (or stopped).
// input is the script's path ("" for standard input or the demo).
func runScript(r io.Reader, input, title string, stdout io.Writer, opts dockercli.ScriptOptions, o outputs) runResult {
	if err := o.distinct(); err != nil {
		return runResult{script: err}
	}
	s := dockercli.NewSession(opts.Seed)
	s.Interrupted = interrupted
	s.Script = input
	opts.Session = s
	var (
		trace    *pendingFile
		tw       *recordWriter
		traceErr error
	)
	if o.trace != "" {
		var err error
		if trace, err = createPending(o.trace); err != nil {
			return runResult{script: err}
		}
		tw = &recordWriter{w: trace.f}
		s.Logger = slog.New(slog.NewJSONHandler(tw, nil))
	}
	// The transcript is buffered, as C's stdio buffers it: flushed after
	// every command line on a terminal, when full or at the end otherwise
	// (a line per write cost more than the commands of a long script).
	out := bufio.NewWriterSize(stdout, transcriptBuffer)
	defer out.Flush()
	lineBuffered := false
	if f, ok := stdout.(*os.File); ok && isTerminal(f) {
		lineBuffered = true
	}
	opts.AfterLine = func() error {
		if lineBuffered {
			out.Flush()
		}
		if tw != nil && traceErr == nil {
			traceErr = tw.Flush()
		}
		if interrupted != nil && interrupted() {
			return dockercli.ErrInterrupted
		}
		return nil
	}
	var res runResult
	res.script = dockercli.RunScript(r, out, opts)
	out.Flush()
	if trace != nil {
		if traceErr == nil {
			traceErr = tw.Flush()
		}
		if traceErr != nil {
			trace.abort()
			res.files = append(res.files, traceErr)
		} else if err := trace.commit(); err != nil {
			res.files = append(res.files, err)
		}
	}
	if o.timeline != "" {
		// Drawn into the pending file as it goes, never whole in memory.
		if p, err := createPending(o.timeline); err != nil {
			res.files = append(res.files, err)
		} else if err := s.Timeline(p.f, title, nil); err != nil {
			p.abort()
			res.files = append(res.files, dockercli.DestErr(err, o.timeline))
		} else if err := p.commit(); err != nil {
			res.files = append(res.files, err)
		}
	}
	return res
}

func helpText(c *cobra.Command) string {
	t := dockercli.UsageText(c)
	if !c.HasParent() {
		// the root's own options
		t = strings.Replace(t, "\n\nManagement Commands:", "\n\nOptions:\n"+strings.TrimRight(c.LocalNonPersistentFlags().FlagUsagesWrapped(79), " \n")+"\n\nCommands:", 1)
	}
	return t
}

func noArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return &dockercli.CLIError{Code: 1, Msg: fmt.Sprintf("swarmsim: unknown command: %s %s\n\nRun '%s --help' for more information", c.CommandPath(), args[0], c.CommandPath())}
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		return &dockercli.CLIError{Code: 1, Msg: fmt.Sprintf("swarmsim: '%s' requires %d argument\n\nUsage:  %s\n\nRun '%s --help' for more information", c.CommandPath(), n, c.UseLine(), c.CommandPath())}
	}
}

// interactive reads commands from stdin, one per line (a line ending inside
// quotes or with a backslash continues on the next), and runs each at once.
// The "$ " prompt (after the host's name once `swarmsim ssh` chose one:
// "manager1$ ") is printed only when stdin is a terminal. A line longer
// than dockercli.MaxLineBytes is reported and skipped; input that ends
// inside a command is reported, with exit status 2.
func interactive(s *dockercli.Session, stdin io.Reader, stdout, stderr io.Writer, tty bool) error {
	lr := dockercli.NewLineReader(stdin)
	var (
		pending []string
		start   int
	)
	prompt := func() {
		if !tty {
			return
		}
		if len(pending) > 0 {
			io.WriteString(stdout, "> ")
		} else {
			io.WriteString(stdout, s.Host()+"$ ")
		}
	}
	prompt()
	for {
		line, no, tooLong, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if tooLong {
			fmt.Fprintf(stderr, "swarmsim: %v\n", &dockercli.LineTooLongError{Line: no})
			pending = nil
			prompt()
			continue
		}
		if len(pending) == 0 {
			t := strings.TrimSpace(line)
			if t == "exit" || t == "quit" {
				return nil
			}
			start = no
		}
		pending = append(pending, line)
		text := strings.Join(pending, "\n")
		if _, err := dockercli.SplitWords(strings.TrimPrefix(strings.TrimSpace(text), "$ ")); errors.Is(err, dockercli.ErrIncomplete) {
			prompt()
			continue
		}
		pending = nil
		clearInterrupt()
		s.Exec(text, stdout, stderr)
		prompt()
	}
	if tty {
		io.WriteString(stdout, "\n")
	}
	if len(pending) > 0 {
		text := strings.TrimPrefix(strings.TrimSpace(strings.Join(pending, "\n")), "$ ")
		fmt.Fprintf(stderr, "swarmsim: %v\n", dockercli.EndOfInput(text, start))
		return exitError{2}
	}
	return nil
}
