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
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/swarmsim/swarmsim/dockercli"
)

//go:embed seed.swarm
var seedScript string

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, isTerminal(os.Stdin)))
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
			return interactive(dockercli.NewSession(seed), stdin, stdout, stderr, tty)
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
			return runScript(strings.NewReader(seedScript), "seed.swarm", stdout, dockercli.ScriptOptions{Seed: demoSeed}, demoOut)
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
			title := "swarmsim run"
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
				title = filepath.Base(args[0])
			}
			err := runScript(r, title, stdout, dockercli.ScriptOptions{Seed: runSeed, Strict: strict}, runOut)
			var se *dockercli.ScriptError
			if errors.As(err, &se) {
				fmt.Fprintf(stderr, "swarmsim: stopped at %v\n", se)
				return exitError{se.ExitCode}
			}
			return err
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

// runScript runs a script in a new session and writes the outputs: the
// trace as the cluster's slog JSON handler writes it, while the script
// runs, and the timeline once it has run (or stopped, in strict mode).
func runScript(r io.Reader, title string, stdout io.Writer, opts dockercli.ScriptOptions, o outputs) error {
	s := dockercli.NewSession(opts.Seed)
	opts.Session = s
	var trace *bufio.Writer
	if o.trace != "" {
		f, err := os.Create(o.trace)
		if err != nil {
			return err
		}
		defer f.Close()
		trace = bufio.NewWriter(f)
		s.Logger = slog.New(slog.NewJSONHandler(trace, nil))
	}
	err := dockercli.RunScript(r, stdout, opts)
	if trace != nil {
		if ferr := trace.Flush(); ferr != nil {
			return ferr
		}
	}
	if o.timeline != "" {
		var b bytes.Buffer
		if terr := s.Timeline(&b, title, nil); terr != nil {
			return terr
		}
		if werr := os.WriteFile(o.timeline, b.Bytes(), 0o644); werr != nil {
			return werr
		}
	}
	return err
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
// The "$ " prompt is printed only when stdin is a terminal.
func interactive(s *dockercli.Session, stdin io.Reader, stdout, stderr io.Writer, tty bool) error {
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	var pending []string
	prompt := func() {
		if !tty {
			return
		}
		if len(pending) > 0 {
			io.WriteString(stdout, "> ")
		} else {
			io.WriteString(stdout, "$ ")
		}
	}
	prompt()
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if len(pending) == 0 {
			t := strings.TrimSpace(line)
			if t == "exit" || t == "quit" {
				return nil
			}
		}
		pending = append(pending, line)
		text := strings.Join(pending, "\n")
		if _, err := dockercli.SplitWords(strings.TrimPrefix(strings.TrimSpace(text), "$ ")); errors.Is(err, dockercli.ErrIncomplete) {
			prompt()
			continue
		}
		pending = nil
		s.Exec(text, stdout, stderr)
		prompt()
	}
	if tty {
		io.WriteString(stdout, "\n")
	}
	return sc.Err()
}
