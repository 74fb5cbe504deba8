package dockercli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/node"
)

// DefaultWaitLimit is how much virtual time a waiting command (create,
// update, rollback, scale without -d, and `swarmsim wait`) runs the cluster
// before it gives up with Docker's "Operation continuing in background."
const DefaultWaitLimit = 10 * time.Minute

// PollInterval is the docker CLI's progress poll period.
const PollInterval = 200 * time.Millisecond

// TerminalWidth is the width of the terminal the progress display is drawn
// for: wider than 110 columns, so the bars are drawn.
const TerminalWidth = 120

// Session is a docker command line talking to one simulated swarm. The
// cluster is created on first use: with the seed's three nodes (manager,
// worker1, worker2) when a docker command comes first, empty when a
// `swarmsim node add` does.
type Session struct {
	seed uint64
	c    *swarmsim.Cluster
	// WaitLimit bounds every wait in virtual time (DefaultWaitLimit).
	WaitLimit time.Duration
	// Logger, when set before the cluster is created, receives every event
	// of the cluster (swarmsim.Config.Logger): with
	// slog.New(slog.NewJSONHandler(w, nil)) it writes the JSONL trace.
	Logger *slog.Logger
	// Dir is the directory relative file names of directives (`swarmsim
	// timeline FILE`) are taken from; "" means the working directory.
	Dir string
	// Script is the path of the script being run, if any: `swarmsim
	// timeline` refuses to write over it.
	Script string
	// TraceLimit is the cluster's Config.TraceLimit, set before the
	// cluster is created (DefaultTraceLimit; 0 keeps every event).
	TraceLimit int
	// Interrupted, when set, is asked between batches of events during a
	// sleep or a `swarmsim wait`; when it reports true the command stops
	// where the clock is (exit status 130). The command line sets it from
	// SIGINT, outside the simulation.
	Interrupted func() bool
	// Stdin is the commands' input: the data of `docker secret create
	// NAME -` and the answers to docker's prompts (none when nil).
	Stdin      io.Reader
	stdinLines *bufio.Reader
	stdinFor   io.Reader
	names      uint64
	trace      traceState
	eng        engines
	parser     parser
	faultErrs  int // queued faults' errors already reported
	// the manager engine's local networks (network.go)
	locals   []*localNet
	localIDs *rand.Rand

	// Knobs for tests: waitEvents replaces MaxWaitEvents when positive,
	// fullProgress makes attached commands count every task on each poll
	// (the incremental count is checked against it), and panicHook runs
	// before each command.
	waitEvents   int
	fullProgress bool
	panicHook    func(words []string)
}

// maxWaitEvents is the most events one wait runs.
func (s *Session) maxWaitEvents() int {
	if s.waitEvents > 0 {
		return s.waitEvents
	}
	return MaxWaitEvents
}

// DefaultTraceLimit is the in-memory trace a session keeps (its newest
// 1,048,576 events), so that a long run does not grow without bound: about
// 200 MB of trace at most (measured: a crash loop of 2.9 million events
// holds 375 MB of heap with this limit, 180 MB with a limit of 1,000). A
// --trace file still receives every event, as it happens.
const DefaultTraceLimit = 1 << 20

// MaxWaitEvents is the most events one `swarmsim wait` runs before it gives
// up: a service that never converges (a crash loop) within a long timeout
// ends the wait with an error instead of running for hours.
const MaxWaitEvents = 20_000_000

// interruptEvery is how many events run between two checks of Interrupted.
const interruptEvery = 1024

// ExitInterrupted is the exit status of a command stopped by Interrupted
// (128 + SIGINT, as a shell reports it).
const ExitInterrupted = 130

// ExitInternal is the exit status of a command that hit an internal error.
const ExitInternal = 70

// NewSession returns a session whose cluster will use the seed.
func NewSession(seed uint64) *Session {
	return &Session{seed: seed, WaitLimit: DefaultWaitLimit, TraceLimit: DefaultTraceLimit}
}

// Cluster returns the session's cluster, creating an empty one if needed.
func (s *Session) Cluster() *swarmsim.Cluster {
	if s.c == nil {
		s.c = swarmsim.New(swarmsim.Config{Seed: s.seed, Logger: s.Logger, TraceLimit: s.TraceLimit})
	}
	return s.c
}

// SeedNodes are the nodes of the seed walkthrough: manager (a manager, the
// leader), worker1 and worker2.
var seedNodes = [...]struct {
	name string
	role node.Role
}{{"manager", node.Manager}, {"worker1", node.Worker}, {"worker2", node.Worker}}

// swarm returns the cluster with at least one node: the seed's three when it
// has none.
func (s *Session) swarm() *swarmsim.Cluster {
	c := s.Cluster()
	if c.NodeCount() == 0 && !s.eng.initMode {
		for _, n := range seedNodes {
			_, _ = c.AddNode(swarmsim.NodeConfig{Hostname: n.name, Role: n.role,
				Resources: node.Resources{NanoCPUs: 2e9, MemoryBytes: 2 << 30}})
		}
	}
	return c
}

// Exec runs one script line: it splits the words, parses and runs the
// command, writes what it prints and returns its exit code. Blank lines and
// comments do nothing.
func (s *Session) Exec(line string, stdout, stderr io.Writer) int {
	t := strings.TrimSpace(line)
	t = strings.TrimPrefix(t, "$ ")
	words, err := SplitWords(t)
	if err != nil {
		fmt.Fprintln(stderr, "swarmsim: "+err.Error())
		return 2
	}
	if len(words) == 0 {
		return 0
	}
	return s.ExecWords(words, stdout, stderr)
}

// InternalError is a panic recovered at the command boundary: a bug in the
// simulator, reported with the command that hit it.
type InternalError struct {
	Command string
	Value   any
}

func (e *InternalError) Error() string {
	return fmt.Sprintf("internal error in `%s`: %v; please report it with the command and the seed", e.Command, e.Value)
}

// ExecWords parses and runs one command given as words. A panic in the
// command is recovered: it prints an internal-error line and exits with
// ExitInternal, and the session goes on.
func (s *Session) ExecWords(words []string, stdout, stderr io.Writer) int {
	code, _ := s.execWords(words, stdout, stderr)
	return code
}

// execWords is ExecWords, also returning the internal error, if any.
func (s *Session) execWords(words []string, stdout, stderr io.Writer) (code int, ie *InternalError) {
	defer func() {
		if v := recover(); v != nil {
			line := strings.Join(words, " ")
			if len(line) > 200 {
				line = line[:200] + "..."
			}
			ie = &InternalError{Command: line, Value: v}
			fmt.Fprintln(stderr, "swarmsim: "+ie.Error())
			code = ExitInternal
		}
	}()
	if s.panicHook != nil {
		s.panicHook(words)
	}
	return s.parseAndRun(words, stdout, stderr), nil
}

func (s *Session) parseAndRun(words []string, stdout, stderr io.Writer) int {
	cmd, err := s.parser.parse(words)
	if err != nil {
		var ce *CLIError
		if errors.As(err, &ce) {
			fmt.Fprintln(stderr, ce.Msg)
			return ce.Code
		}
		fmt.Fprintln(stderr, err)
		return 1
	}
	return s.Run(cmd, stdout, stderr)
}

// Run executes a parsed command.
func (s *Session) Run(cmd Command, stdout, stderr io.Writer) int {
	before := time.Duration(-1)
	if s.c != nil {
		before = s.c.Elapsed()
	}
	code := s.run(cmd, stdout, stderr)
	if s.c != nil && s.c.Elapsed() >= swarmsim.Horizon {
		if movesClock(cmd) && code == 0 || before < swarmsim.Horizon {
			fmt.Fprintf(stderr, "swarmsim: the virtual clock is at its horizon, %s after the epoch: it goes no further and nothing more happens\n", swarmsim.Horizon)
		}
	}
	return code
}

// movesClock reports whether a command runs the virtual clock.
func movesClock(cmd Command) bool {
	switch c := cmd.(type) {
	case Sleep, Wait, Probe, ServiceRollback:
		return true
	case ServiceCreate:
		return !c.Opts.Detach
	case ServiceUpdate:
		return !c.Opts.Detach
	case ServiceScale:
		return !c.Detach
	}
	return false
}

// managerCommand reports whether a command asks the managers, which answer
// nothing while they have no leader.
func managerCommand(cmd Command) bool {
	switch cmd.(type) {
	case ServiceCreate, ServiceUpdate, ServiceRollback, ServiceScale, ServicePs, ServiceLs, ServiceInspect,
		ServiceRm, ServiceLogs, NodeLs, NodePs, NodeInspect, NodeUpdate, NodeRole, NodeRm, SwarmUpdate, NodeAdd,
		SecretCreate, SecretLs, SecretInspect, SecretRm:
		return true
	}
	return false
}

func (s *Session) run(cmd Command, stdout, stderr io.Writer) int {
	defer s.printTrace(stdout)
	handled, err := s.runEngine(cmd, stdout)
	switch {
	case handled:
		cmd = engineDone{}
	case s.c != nil && !s.c.HasLeader() && managerCommand(cmd):
		cmd = noLeader{}
	}
	switch c := cmd.(type) {
	case engineDone:
	case noLeader:
		err = swarmsim.ErrNoLeader
	case Help:
		if c.Stderr {
			io.WriteString(stderr, c.Text)
		} else {
			io.WriteString(stdout, c.Text)
		}
		return 0
	case ServiceCreate:
		err = s.serviceCreate(c, stdout, stderr)
	case ServiceUpdate:
		err = s.serviceUpdate(c, stdout, stderr)
	case ServiceRollback:
		err = s.serviceRollback(c, stdout, stderr)
	case ServiceScale:
		err = s.serviceScale(c, stdout, stderr)
	case ServicePs:
		err = s.servicePs(c, stdout)
	case ServiceLs:
		err = s.serviceLs(c, stdout)
	case ServiceInspect:
		err = s.serviceInspect(c, stdout)
	case ServiceRm:
		err = s.serviceRm(c, stdout)
	case ServiceLogs:
		err = s.serviceLogs(c)
	case NodeLs:
		err = s.nodeLs(c, stdout)
	case NodePs:
		err = s.nodePs(c, stdout)
	case NodeInspect:
		err = s.nodeInspect(c, stdout)
	case NodeUpdate:
		err = s.nodeUpdate(c, stdout)
	case NodeRole:
		err = s.nodeRole(c, stdout)
	case NodeRm:
		err = s.nodeRm(c, stdout)
	case objectCommand:
		err = c.run(s, stdout, stderr)
	case Sleep:
		if s.runFor(c.D, nil) {
			err = s.interrupted("sleep")
		}
	default:
		err = s.directive(cmd, stdout)
	}
	s.reportFaultErrors(stderr)
	if err != nil {
		if msg := errorText(err); msg != "" {
			fmt.Fprintln(stderr, msg)
		}
		var ce *CLIError
		if errors.As(err, &ce) {
			return ce.Code
		}
		return 1
	}
	return 0
}

// runFor runs the cluster for d of virtual time (saturated at the horizon)
// or until stop holds, checking Interrupted between batches of events; it
// reports whether it was interrupted.
func (s *Session) runFor(d time.Duration, stop func(*swarmsim.Cluster) bool) (interrupted bool) {
	cl := s.Cluster()
	if s.Interrupted == nil && stop == nil {
		cl.RunFor(d)
		return false
	}
	if s.Interrupted != nil && s.Interrupted() {
		return true
	}
	n := 0
	cl.RunUntil(func(c *swarmsim.Cluster) bool {
		n++
		if n%interruptEvery == 0 && s.Interrupted != nil && s.Interrupted() {
			interrupted = true
			return true
		}
		return stop != nil && stop(c)
	}, d)
	return interrupted
}

// interrupted is the error of a command stopped by Interrupted.
func (s *Session) interrupted(what string) error {
	return &CLIError{Code: ExitInterrupted, Msg: fmt.Sprintf("swarmsim: %s interrupted at %s", what, s.c.Elapsed())}
}

// errorText renders an error as docker prints it: cluster errors with the
// daemon's prefix (and the gRPC wrapper when SwarmKit produced them).
func errorText(err error) string {
	var se *swarmsim.Error
	if errors.As(err, &se) && err == error(se) {
		return daemonText(se)
	}
	return err.Error()
}

func daemonText(e *swarmsim.Error) string {
	if e.RPC {
		return "Error response from daemon: rpc error: code = " + e.Kind.String() + " desc = " + e.Msg
	}
	return "Error response from daemon: " + e.Msg
}

// daemon wraps a cluster error so that its text is what docker prints.
func daemon(err error) error {
	var se *swarmsim.Error
	if errors.As(err, &se) {
		return errors.New(daemonText(se))
	}
	return err
}
