package dockercli

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/internal/dockerfmt"
	"github.com/swarmsim/swarmsim/internal/ids"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
)

// directive runs the swarmsim directives.
func (s *Session) directive(cmd Command, stdout io.Writer) error {
	switch c := cmd.(type) {
	case NodeAdd:
		role, err := node.ParseRole(c.Role)
		if err != nil {
			return err
		}
		cfg := swarmsim.NodeConfig{Hostname: c.Name, Role: role, Labels: nodeLabels(c.Labels), EngineLabels: nodeLabels(c.EngineLabels),
			Resources: node.Resources{NanoCPUs: 2e9, MemoryBytes: 2 << 30}}
		if c.CPUs != nil {
			cfg.Resources.NanoCPUs = *c.CPUs
		}
		if c.Memory != nil {
			cfg.Resources.MemoryBytes = *c.Memory
		}
		cl := s.Cluster()
		if _, taken := cl.NodeByHostname(c.Name); taken {
			return fmt.Errorf("swarmsim: a node named %s already exists", c.Name)
		}
		n, err := cl.AddNode(cfg)
		if err != nil {
			return daemon(err)
		}
		fmt.Fprintf(stdout, "%s joined the swarm as a %s (%s)\n", c.Name, role, n.ID)
	case NodePower:
		cl := s.swarm()
		var err error
		if c.Up {
			err = cl.StartNode(c.Name)
		} else {
			err = cl.StopNode(c.Name)
		}
		if err != nil {
			return daemon(err)
		}
		switch {
		case cl.Electing():
			fmt.Fprintf(stdout, "%s is %s; the swarm has no leader until the managers elect one, in %s\n", c.Name, map[bool]string{true: "up", false: "down"}[c.Up], swarmsim.ElectionTimeout)
		case !cl.HasLeader():
			fmt.Fprintf(stdout, "%s is %s; the swarm has no leader: more than half of the managers must be up to elect one\n", c.Name, map[bool]string{true: "up", false: "down"}[c.Up])
		case c.Up:
			fmt.Fprintf(stdout, "%s is up\n", c.Name)
		default:
			fmt.Fprintf(stdout, "%s is down (the managers mark it Down after %s without heartbeat)\n", c.Name, cl.DownAfter())
		}
	case NodeBlock:
		cl := s.swarm()
		var err error
		if c.Unblock {
			err = cl.UnblockPort(c.Name, c.Port, c.Proto)
		} else {
			err = cl.BlockPort(c.Name, c.Port, c.Proto)
		}
		if err != nil {
			return daemon(err)
		}
		verb := "blocked"
		if c.Unblock {
			verb = "unblocked"
		}
		fmt.Fprintf(stdout, "%d/%s %s on %s\n", c.Port, c.Proto, verb, c.Name)
	case Image:
		// Named as the docker client names the images of services.
		s.Cluster().SetImage(withTag(c.Ref), imageBehavior(c))
	case At, Partition, Heal:
		return s.faultDirective(cmd, stdout)
	case Curl:

		cl := s.swarm()
		r, err := cl.Resolve(c.Node, c.Port, c.Proto)
		if err != nil {
			var se *swarmsim.Error
			if errors.As(err, &se) {
				return daemon(err)
			}
			fmt.Fprintln(stdout, s.names2(err.Error()))
			return nil
		}
		fmt.Fprintf(stdout, "%s (task %s on %s)\n", r.Task, dockerfmt.TruncateID(r.TaskID), r.Node)
	case Probe:
		cl := s.swarm()
		res, err := cl.Probe(c.Node, c.Port, c.Proto, c.Every, c.For)
		if err != nil {
			return daemon(err)
		}
		fmt.Fprintf(stdout, "sent %d, answered %d, refused %d", res.Sent, res.Answered, res.Refused)
		if res.TimedOut > 0 {
			fmt.Fprintf(stdout, ", timed out %d", res.TimedOut)
		}
		fmt.Fprintln(stdout)
		for _, t := range res.PerTask {
			fmt.Fprintf(stdout, "  %-20s %s %d\n", t.Task, dockerfmt.TruncateID(t.TaskID), t.Count)
		}
		for _, r := range res.Reasons {
			what := "refused"
			if r.Kind == mesh.TimedOut {
				what = "timed out"
			}
			fmt.Fprintf(stdout, "  %s %d: %s\n", what, r.Count, s.names2(r.Reason))
		}
	case Wait:
		cl := s.swarm()
		start := cl.Now()
		refs := c.Services
		for _, ref := range refs {
			if _, err := cl.Converged(ref); err != nil {
				return daemon(err)
			}
		}
		if len(refs) == 0 {
			for _, sv := range cl.Services() {
				refs = append(refs, sv.ID)
			}
		}
		converged := func(cl *swarmsim.Cluster) bool {
			for _, ref := range refs {
				if ok, _ := cl.Converged(ref); !ok {
					return false
				}
			}
			return true
		}
		events, tooMany, ok := 0, false, false
		if s.runFor(c.Limit, func(cl *swarmsim.Cluster) bool {
			if ok = converged(cl); ok {
				return true
			}
			events++
			tooMany = events > s.maxWaitEvents()
			return tooMany
		}) {
			return s.interrupted("wait")
		}
		took := cl.Now().Sub(start)
		switch {
		case ok:
			fmt.Fprintf(stdout, "converged after %s\n", took)
		case tooMany:
			return fmt.Errorf("swarmsim: not converged after %s: the wait stopped after %d events (the simulator's limit for one wait)", took, s.maxWaitEvents())
		case took < c.Limit:
			return fmt.Errorf("swarmsim: not converged after %s: the virtual clock reached its horizon", took)
		default:
			return fmt.Errorf("swarmsim: not converged after %s", c.Limit)
		}
	case Time:
		cl := s.Cluster()
		fmt.Fprintln(stdout, cl.Now().Sub(cl.Epoch()))
	case Timeline:
		return s.timelineFile(c, stdout)
	case TaskUnhealthy:
		return s.taskUnhealthy(c, stdout)
	case Seed, Trace:
		return s.session(cmd)
	default:
		return fmt.Errorf("swarmsim: cannot run %s", cmd.commandName())
	}
	return nil
}

// imageBehavior is the behaviour `swarmsim image` declares.
func imageBehavior(c Image) swarmsim.ImageBehavior {
	b := swarmsim.DefaultImageBehavior()
	if c.Pull != nil {
		b.Pull = *c.Pull
	}
	if c.Start != nil {
		b.Start = *c.Start
	}
	if c.HealthyAfter != nil {
		b.HealthCheck = true
		b.HealthyAfter = *c.HealthyAfter
	}
	if c.Unhealthy {
		b.HealthCheck = true
		b.Unhealthy = true
	}
	if c.ExitAfter != nil {
		b.ExitAfter = *c.ExitAfter
	}
	if c.ExitCode != nil {
		b.ExitCode = int(*c.ExitCode)
		if b.ExitAfter == 0 && !b.Unhealthy {
			b.ExitAfter = time.Nanosecond
		}
	}
	b.FailOnStart = c.FailOnStart
	if c.Stop != nil {
		b.Stop = *c.Stop
	}
	imageHealth(&b, c)
	return b
}

// names2 replaces node IDs in a mesh message by the nodes' hostnames.
// Only words of a node ID's shape are looked up, one by one: a refused
// request on 10,000 nodes does not copy every node.
func (s *Session) names2(msg string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(msg); {
		j := i
		for j < len(msg) && (msg[j] >= '0' && msg[j] <= '9' || msg[j] >= 'a' && msg[j] <= 'z') {
			j++
		}
		if j == i {
			i++
			continue
		}
		if j-i == ids.Length {
			if n, err := s.c.Node(msg[i:j]); err == nil && n.ID == msg[i:j] {
				b.WriteString(msg[last:i])
				b.WriteString(n.Description.Hostname)
				last = j
			}
		}
		i = j
	}
	if last == 0 {
		return msg
	}
	b.WriteString(msg[last:])
	return b.String()
}

// Seed is `swarmsim seed N`: the seed of the session's cluster, given
// before the first command that uses the cluster.
type Seed struct{ N uint64 }

// Trace is `swarmsim trace on|off [--hide KIND,...]`: with tracing on, every
// command is followed by the trace events it caused, one per line in
// Cluster.TraceText's form indented by two spaces, less the hidden kinds.
type Trace struct {
	On   bool
	Hide []swarmsim.EventKind
}

func (Seed) commandName() string  { return "swarmsim seed" }
func (Trace) commandName() string { return "swarmsim trace" }

// traceState is what `swarmsim trace` set: whether it is on, the kinds it
// hides and the last event already printed.
type traceState struct {
	on   bool
	hide [256]bool
	last uint64
}

// sessionCmds are the directives that configure the session itself.
func sessionCmds(res *result) []*cobra.Command {
	seed := leaf("seed N", "Seed the simulated cluster (before the first command that uses it)", exactArgs(1), func(_ *cobra.Command, a []string) error {
		n, err := strconv.ParseUint(a[0], 10, 64)
		if err != nil {
			return fmt.Errorf("invalid seed %q: want a number from 0 to %d", a[0], uint64(math.MaxUint64))
		}
		res.cmd = Seed{N: n}
		return nil
	})
	var hide []string
	trace := leaf("trace [OPTIONS] on|off", "Print the trace events each command causes after its output", exactArgs(1), func(_ *cobra.Command, a []string) error {
		tr := Trace{}
		switch a[0] {
		case "on":
			tr.On = true
		case "off":
		default:
			return fmt.Errorf("invalid argument %q: want on or off", a[0])
		}
		for _, h := range hide {
			k, err := swarmsim.ParseEventKind(h)
			if err != nil {
				return fmt.Errorf("invalid argument %q for \"--hide\" flag: %v", h, err)
			}
			tr.Hide = append(tr.Hide, k)
		}
		res.cmd = tr
		return nil
	})
	trace.Flags().StringSliceVar(&hide, "hide", nil, "Event kinds to leave out (task-created, task-state, task-desired, ...)")
	return []*cobra.Command{seed, trace}
}

// session runs the directives that configure the session.
func (s *Session) session(cmd Command) error {
	switch c := cmd.(type) {
	case Seed:
		if s.c != nil {
			return errors.New("swarmsim: seed must come before the first command that uses the cluster")
		}
		s.seed = c.N
	case Trace:
		s.trace = traceState{on: c.On}
		for _, k := range c.Hide {
			s.trace.hide[k] = true
		}
		if s.c != nil {
			s.trace.last = s.c.LastSeq()
		}
	}
	return nil
}

// printTrace writes the events since the last printed one when tracing is
// on.
func (s *Session) printTrace(w io.Writer) {
	if !s.trace.on || s.c == nil {
		return
	}
	epoch := s.c.Epoch()
	for _, ev := range s.c.EventsSince(s.trace.last) {
		if !s.trace.hide[ev.Kind] {
			io.WriteString(w, "  "+ev.Text(epoch)+"\n")
		}
	}
	s.trace.last = s.c.LastSeq()
}
