package dockercli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
)

// One engine per host: a script addresses one host at a time (`swarmsim ssh
// HOST`), and each docker command is answered by that host's engine, as
// Docker's own swarm tutorial runs commands on manager1, worker1 and worker2.
//
// Until a script says `swarmsim ssh`, commands go to the swarm's leader (the
// seed's manager), as they always have. A script whose first docker command
// is `docker swarm init` starts from hosts in no swarm; any other first
// docker command gets the seed's swarm (manager, worker1, worker2).

// hostState is one machine with a Docker engine.
type hostState struct {
	name string
	// nodeID is the node the host joined the swarm as (swarm init or
	// join); empty for a host whose node came from the seed or `swarmsim
	// node add`, found by its hostname.
	nodeID string
	// left is set by `docker swarm leave`: the host is in no swarm until
	// it joins again.
	left bool
}

// engines is the session's hosts and the swarm-wide settings their engines
// report.
type engines struct {
	hosts map[string]*hostState
	// cur is the host commands go to; nil until `swarmsim ssh`: the
	// leader.
	cur *hostState
	// decided is set by the first docker command; initMode when it was
	// `docker swarm init` on a cluster without nodes (no seed swarm).
	decided, initMode bool
	sw                swarmSettings
	// removed are the task IDs whose containers `docker rm` removed.
	removed map[string]bool
}

// host returns the host named name, creating it (a new machine in no swarm).
func (e *engines) host(name string) *hostState {
	if e.hosts == nil {
		e.hosts = make(map[string]*hostState)
	}
	h := e.hosts[name]
	if h == nil {
		h = &hostState{name: name}
		e.hosts[name] = h
	}
	return h
}

// Host is the name of the host the session's docker commands go to, or ""
// before any `swarmsim ssh` (they go to the swarm's leader). The prompt
// shows it.
func (s *Session) Host() string {
	if s.eng.cur == nil {
		return ""
	}
	return s.eng.cur.name
}

// SSH is `swarmsim ssh HOST`: the following docker commands go to HOST's
// engine (a host not seen before is a new machine in no swarm).
type SSH struct{ Host string }

func (SSH) commandName() string { return "swarmsim ssh" }

func sshCmd(res *result) *cobra.Command {
	return leaf("ssh HOST", "Send the following docker commands to HOST's engine (a new host is a machine in no swarm)", exactArgs(1), func(_ *cobra.Command, a []string) error {
		if err := validHostname(a[0]); err != nil {
			return err
		}
		res.cmd = SSH{Host: a[0]}
		return nil
	})
}

// validHostname accepts what a machine's hostname may be: letters, digits,
// '-', '_' and '.', 1 to 63 characters.
func validHostname(h string) error {
	if h == "" || len(h) > 63 {
		return fmt.Errorf("invalid host name %q: want 1 to 63 characters", h)
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("invalid host name %q: want letters, digits, '-', '_' and '.'", h)
		}
	}
	return nil
}

// hostNode is the swarm node of host h (nil for the leader), or false when
// the host is in no swarm.
func (s *Session) hostNode(h *hostState) (*node.Node, bool) {
	if s.c == nil {
		return nil, false
	}
	if h == nil {
		l := s.c.Leader()
		return l, l != nil
	}
	if h.nodeID != "" {
		n, err := s.c.Node(h.nodeID)
		if err != nil || n.ID != h.nodeID {
			return nil, false
		}
		return n, true
	}
	if h.left {
		return nil, false
	}
	return s.c.NodeByHostname(h.name)
}

// selfNode is the node of the host commands go to: "self" in `docker node
// ps` and `node inspect`, the `*` of `docker node ls`.
func (s *Session) selfNode() *node.Node {
	n, _ := s.hostNode(s.eng.cur)
	return n
}

// Docker's errors for a command that needs a manager (moby's
// daemon/cluster/errors.go: errSwarmNotManager, and daemon/cluster/cluster.go:
// errNoManager for a node in no swarm).
var (
	errNotManager error = cliMsg("Error response from daemon: This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.")
	errNoSwarm    error = cliMsg(`Error response from daemon: This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.`)
)

// engineDone stands for a command runEngine ran.
type engineDone struct{}

func (engineDone) commandName() string { return "engine" }

// cliMsg is an error with Docker's text as it is, full stop included
// (exit status 1).
func cliMsg(text string) *CLIError { return &CLIError{Msg: text, Code: 1} }

// needsManager reports whether a command is answered only by a manager.
func needsManager(cmd Command) bool {
	switch cmd.(type) {
	case ServiceCreate, ServiceUpdate, ServiceRollback, ServiceScale, ServicePs, ServiceLs, ServiceInspect, ServiceRm,
		NodeLs, NodePs, NodeInspect, NodeUpdate, NodeRole, NodeRm, SwarmUpdate, SwarmJoinToken,
		ServiceLogs, SecretCreate, SecretLs, SecretInspect, SecretRm:
		return true
	}
	return false
}

// runEngine runs what depends on the host a command is typed on: it decides
// between the seed swarm and hosts in no swarm at the first docker command,
// refuses manager commands on workers and hosts in no swarm, and runs the
// engine's own commands (swarm lifecycle, info, containers) and `swarmsim
// ssh`. handled is false for the commands the rest of the session runs.
func (s *Session) runEngine(cmd Command, stdout io.Writer) (handled bool, err error) {
	switch c := cmd.(type) {
	case SSH:
		s.eng.cur = s.eng.host(c.Host)
		return true, nil
	case TaskExit:
		return true, s.taskExit(c, stdout)
	}
	if !strings.HasPrefix(cmd.commandName(), "docker ") {
		return false, nil
	}
	if !s.eng.decided {
		s.eng.decided = true
		if _, ok := cmd.(SwarmInit); ok && (s.c == nil || s.c.NodeCount() == 0) {
			s.eng.initMode = true
			if s.eng.cur == nil {
				s.eng.cur = s.eng.host("manager")
			}
		} else {
			s.swarm()
		}
	}
	if s.eng.cur != nil {
		// a host whose machine is stopped (swarmsim node down) has no
		// engine to answer: docker/cli's connection error
		if n, ok := s.hostNode(s.eng.cur); ok {
			if up, err := s.c.NodeUp(n.ID); err == nil && !up {
				return true, cliMsg("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?")
			}
		}
	}
	if jt, ok := cmd.(SwarmJoinToken); ok && jt.Role != "worker" && jt.Role != "manager" {
		return true, errors.New("unknown role " + jt.Role) // checked before any call to the daemon
	}
	if s.eng.cur != nil && needsManager(cmd) {
		s.swarm()
		n, ok := s.hostNode(s.eng.cur)
		switch {
		case !ok:
			return true, errNoSwarm
		case n.ManagerStatus == nil:
			return true, errNotManager
		}
	}
	if needsManager(cmd) && s.c != nil && !s.c.HasLeader() {
		return false, nil // the session's no-leader error
	}
	switch c := cmd.(type) {
	case SwarmInit:
		return true, s.swarmInit(c, stdout)
	case SwarmJoin:
		return true, s.swarmJoin(c, stdout)
	case SwarmJoinToken:
		return true, s.swarmJoinToken(c, stdout)
	case SwarmLeave:
		return true, s.swarmLeave(c, stdout)
	case SwarmUpdate:
		return true, s.swarmUpdate(c, stdout)
	case SwarmUnsupported:
		return true, fmt.Errorf("swarmsim: `docker swarm %s` is not simulated: the simulated swarm has no certificates or encryption keys", c.Name)
	case Info:
		return true, s.info(c, stdout)
	case Events:
		return true, s.events(c, stdout)
	case ContainerLs:
		return true, s.containerLs(c, stdout)
	case ContainerInspect:
		return true, s.containerInspect(c, stdout)
	case ContainerStop:
		return true, s.containerStop(c, stdout)
	case ContainerRm:
		return true, s.containerRm(c, stdout)
	}
	return false, nil
}

// TaskExit is `swarmsim task kill|stop TASK`: the container of a running
// task exits as `docker kill` (137, or --exit-code) or `docker stop` (0) on
// its node would make it, without going to that node. TASK is a task ID or
// a task name (web.1), which names the slot's running task.
type TaskExit struct {
	Ref  string
	Stop bool
	Code *int64
}

func (TaskExit) commandName() string { return "swarmsim task kill/stop" }

// exitCode is the status the container exits with.
func (c TaskExit) exitCode() int {
	switch {
	case c.Stop:
		return 0
	case c.Code != nil:
		return int(*c.Code)
	}
	return swarmsim.KillExitCode
}

// taskCmd is the `swarmsim task` group: kill and stop.
func taskCmd(res *result) *cobra.Command {
	g := group(res, "task", "End the containers of chosen tasks")
	var code *int64
	kill := leaf("kill [OPTIONS] TASK", "Kill a running task's container (exit status 137 unless --exit-code)", exactArgs(1), func(_ *cobra.Command, a []string) error {
		res.cmd = TaskExit{Ref: a[0], Code: code}
		return nil
	})
	kill.Flags().Var(int64Value{&code}, "exit-code", "Exit status of the container (default 137)")
	stop := leaf("stop TASK", "Stop a running task's container (it exits 0)", exactArgs(1), func(_ *cobra.Command, a []string) error {
		res.cmd = TaskExit{Ref: a[0], Stop: true}
		return nil
	})
	g.AddCommand(kill, stop, taskUnhealthyCmd(res))
	return g
}

// taskExit runs `swarmsim task kill|stop`.
func (s *Session) taskExit(c TaskExit, stdout io.Writer) error {
	cl := s.swarm()
	id := c.Ref
	if svc, slot, ok := strings.Cut(c.Ref, "."); ok {
		if ts, err := cl.Tasks(svc); err == nil {
			for _, t := range ts {
				if t.Name() == svc+"."+slot && t.Status().State <= task.Running && t.DesiredState <= task.Running {
					id = t.ID
				}
			}
		}
	}
	code := c.exitCode()
	if err := cl.ExitTask(id, code); err != nil {
		return daemon(err)
	}
	t, _ := cl.Task(id)
	fmt.Fprintf(stdout, "%s (%s on %s) exited with status %d: %s\n", t.Name(), id, t.Node, code, t.Status().State)
	return nil
}
