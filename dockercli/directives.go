package dockercli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim"
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
		cfg := swarmsim.NodeConfig{Hostname: c.Name, Role: role, Labels: kvToMap(c.Labels), EngineLabels: kvToMap(c.EngineLabels),
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
		if c.Up {
			fmt.Fprintf(stdout, "%s is up\n", c.Name)
		} else {
			fmt.Fprintf(stdout, "%s is down (the managers mark it Down after %s without heartbeat)\n", c.Name, swarmsim.HeartbeatMisses*swarmsim.HeartbeatPeriod)
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
		s.Cluster().SetImage(c.Ref, b)
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
		fmt.Fprintf(stdout, "%s (task %s on %s)\n", r.Task, TruncateID(r.TaskID), r.Node)
	case Probe:
		cl := s.swarm()
		res, err := cl.Probe(c.Node, c.Port, c.Proto, c.Every, c.For)
		if err != nil {
			return daemon(err)
		}
		fmt.Fprintf(stdout, "sent %d, answered %d, refused %d\n", res.Sent, res.Answered, res.Refused)
		for _, t := range res.PerTask {
			fmt.Fprintf(stdout, "  %-20s %s %d\n", t.Task, TruncateID(t.TaskID), t.Count)
		}
		for _, r := range res.Reasons {
			fmt.Fprintf(stdout, "  refused %d: %s\n", r.Count, s.names2(r.Reason))
		}
	case Wait:
		cl := s.swarm()
		start := cl.Now()
		ok, err := cl.RunUntilConverged(c.Limit, c.Services...)
		if err != nil {
			return daemon(err)
		}
		if !ok {
			return fmt.Errorf("swarmsim: not converged after %s", c.Limit)
		}
		fmt.Fprintf(stdout, "converged after %s\n", cl.Now().Sub(start))
	case Time:
		cl := s.Cluster()
		fmt.Fprintln(stdout, cl.Now().Sub(cl.Epoch()))
	case Timeline:
		return s.timelineFile(c, stdout)
	default:
		return fmt.Errorf("swarmsim: cannot run %s", cmd.commandName())
	}
	return nil
}

// names2 replaces node IDs in a mesh message by the nodes' hostnames.
func (s *Session) names2(msg string) string {
	var pairs []string
	for _, n := range s.c.Nodes() {
		pairs = append(pairs, n.ID, n.Description.Hostname)
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}
