package dockercli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/swarmsim/swarmsim"
)

// At is `swarmsim at DURATION DIRECTIVE...`: a fault queued to happen
// DURATION from now, while a later command runs the clock (sleep, probe,
// wait, an attached update).
type At struct {
	After time.Duration
	Fault swarmsim.Fault
}

// Partition is `swarmsim partition GROUP [/ GROUP...]`, each group a
// comma-separated list of nodes.
type Partition struct{ Groups [][]string }

// Heal is `swarmsim heal`.
type Heal struct{}

func (At) commandName() string        { return "swarmsim at" }
func (Partition) commandName() string { return "swarmsim partition" }
func (Heal) commandName() string      { return "swarmsim heal" }

// faultCmds are the directives of the fault plan: at, partition and heal.
func faultCmds(res *result) []*cobra.Command {
	at := leaf("at DURATION DIRECTIVE...", "Queue a fault to happen DURATION from now (node down|up|block|unblock, partition, heal, image, task kill|stop|unhealthy)", nil, func(c *cobra.Command, a []string) error {
		if len(a) > 0 && (a[0] == "--help" || a[0] == "-h") {
			res.cmd = Help{Text: usageText(c)}
			return nil
		}
		if err := minArgs(2)(c, a); err != nil {
			return err
		}
		d, err := parseSleep(a[:1])
		if err != nil {
			return fmt.Errorf("invalid duration %q: want a Go duration such as 30s or 1m30s, or a number of seconds", a[0])
		}
		inner, err := runCobra(newSimRoot, a[1:])
		if err != nil {
			return err
		}
		f, ok := faultOf(inner)
		if !ok {
			if _, help := inner.(Help); help {
				res.cmd = inner
				return nil
			}
			return fmt.Errorf("swarmsim at: %s is not a fault: want node down|up|block|unblock, partition, heal, image or task kill|stop|unhealthy", inner.commandName())
		}
		res.cmd = At{After: d.(Sleep).D, Fault: f}
		return nil
	})
	at.DisableFlagParsing = true
	part := leaf("partition GROUP [/ GROUP...]", "Cut the network between groups of nodes (e.g. manager,worker1 / worker2)", minArgs(1), func(_ *cobra.Command, a []string) error {
		g, err := parseGroups(a)
		if err != nil {
			return err
		}
		res.cmd = Partition{Groups: g}
		return nil
	})
	heal := leaf("heal", "End a network partition", noArgs, func(_ *cobra.Command, _ []string) error {
		res.cmd = Heal{}
		return nil
	})
	return []*cobra.Command{at, part, heal}
}

// parseGroups reads "a,b / c" (as one word or several): groups separated by
// "/", nodes by ",".
func parseGroups(args []string) ([][]string, error) {
	var out [][]string
	for _, g := range strings.Split(strings.Join(args, " "), "/") {
		var grp []string
		for _, n := range strings.Split(g, ",") {
			if n = strings.TrimSpace(n); n != "" {
				grp = append(grp, n)
			}
		}
		if len(grp) == 0 {
			return nil, fmt.Errorf("invalid partition %q: every group needs a node (groups are separated by /, nodes by commas)", strings.Join(args, " "))
		}
		out = append(out, grp)
	}
	return out, nil
}

// faultOf turns a directive into the fault it stands for.
func faultOf(cmd Command) (swarmsim.Fault, bool) {
	switch c := cmd.(type) {
	case NodePower:
		if c.Up {
			return swarmsim.Fault{Kind: swarmsim.FaultNodeStart, Node: c.Name}, true
		}
		return swarmsim.Fault{Kind: swarmsim.FaultNodeStop, Node: c.Name}, true
	case NodeBlock:
		k := swarmsim.FaultBlockPort
		if c.Unblock {
			k = swarmsim.FaultUnblockPort
		}
		return swarmsim.Fault{Kind: k, Node: c.Name, Port: c.Port, Protocol: c.Proto}, true
	case Partition:
		return swarmsim.Fault{Kind: swarmsim.FaultPartition, Groups: c.Groups}, true
	case Heal:
		return swarmsim.Fault{Kind: swarmsim.FaultHeal}, true
	case Image:
		return swarmsim.Fault{Kind: swarmsim.FaultImage, Image: withTag(c.Ref), Behavior: imageBehavior(c)}, true
	case TaskExit:
		return swarmsim.Fault{Kind: swarmsim.FaultTaskExit, Task: c.Ref, ExitCode: c.exitCode()}, true
	case TaskUnhealthy:
		return swarmsim.Fault{Kind: swarmsim.FaultTaskUnhealthy, Task: c.Ref}, true
	}
	return swarmsim.Fault{}, false
}

// faultDescription names a fault for a person: "worker2 goes down".
func faultDescription(f swarmsim.Fault) string {
	switch f.Kind {
	case swarmsim.FaultNodeStop:
		return f.Node + " goes down"
	case swarmsim.FaultNodeStart:
		return f.Node + " comes up"
	case swarmsim.FaultPartition:
		return "the network splits: " + groupsText(f.Groups)
	case swarmsim.FaultHeal:
		return "the network heals"
	case swarmsim.FaultImage:
		return "image " + f.Image + " changes behaviour"
	case swarmsim.FaultBlockPort:
		return fmt.Sprintf("%s blocks %d/%s", f.Node, f.Port, f.Protocol)
	case swarmsim.FaultUnblockPort:
		return fmt.Sprintf("%s unblocks %d/%s", f.Node, f.Port, f.Protocol)
	case swarmsim.FaultTaskExit:
		return fmt.Sprintf("the container of %s exits with status %d", f.Task, f.ExitCode)
	case swarmsim.FaultTaskUnhealthy:
		return "the health check of " + f.Task + " starts failing"
	}
	return f.String()
}

func groupsText(groups [][]string) string {
	g := make([]string, len(groups))
	for i, grp := range groups {
		g[i] = strings.Join(grp, ",")
	}
	return strings.Join(g, " / ")
}

// faultDirective runs at, partition and heal.
func (s *Session) faultDirective(cmd Command, stdout io.Writer) error {
	cl := s.swarm()
	switch c := cmd.(type) {
	case At:
		if err := cl.After(c.After, c.Fault); err != nil {
			return daemon(err)
		}
		at := cl.Elapsed() + c.After
		if at < cl.Elapsed() || at > swarmsim.Horizon {
			at = swarmsim.Horizon
		}
		fmt.Fprintf(stdout, "at %s: %s\n", at, faultDescription(c.Fault))
	case Partition:
		if err := cl.Partition(c.Groups...); err != nil {
			return daemon(err)
		}
		fmt.Fprintf(stdout, "partitioned: %s (nodes cut off from the managers are marked Down after %s without heartbeat)\n",
			groupsText(c.Groups), swarmsim.HeartbeatMisses*swarmsim.HeartbeatPeriod)
	case Heal:
		cl.Heal()
		fmt.Fprintln(stdout, "healed")
	}
	return nil
}

// reportFaultErrors writes the errors of queued faults that failed since the
// last report.
func (s *Session) reportFaultErrors(stderr io.Writer) {
	if s.c == nil {
		return
	}
	errs := s.c.FaultErrors()
	for _, err := range errs[min(s.faultErrs, len(errs)):] {
		fmt.Fprintf(stderr, "swarmsim: %v\n", err)
	}
	s.faultErrs = len(errs)
}
