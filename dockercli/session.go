package dockercli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	Dir   string
	names uint64
}

// NewSession returns a session whose cluster will use the seed.
func NewSession(seed uint64) *Session {
	return &Session{seed: seed, WaitLimit: DefaultWaitLimit}
}

// Cluster returns the session's cluster, creating an empty one if needed.
func (s *Session) Cluster() *swarmsim.Cluster {
	if s.c == nil {
		s.c = swarmsim.New(swarmsim.Config{Seed: s.seed, Logger: s.Logger})
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
	if c.NodeCount() == 0 {
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

// ExecWords parses and runs one command given as words.
func (s *Session) ExecWords(words []string, stdout, stderr io.Writer) int {
	cmd, err := Parse(words)
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
	var err error
	switch c := cmd.(type) {
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
	case SwarmUpdate:
		s.swarm()
		if c.TaskHistoryLimit != nil {
			err = s.c.SetTaskHistoryLimit(int(*c.TaskHistoryLimit))
		}
		if err == nil {
			fmt.Fprintln(stdout, "Swarm updated.")
		}
	case Sleep:
		s.Cluster().RunFor(c.D)
	default:
		err = s.directive(cmd, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, errorText(err))
		var ce *CLIError
		if errors.As(err, &ce) {
			return ce.Code
		}
		return 1
	}
	return 0
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
