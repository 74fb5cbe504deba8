package dockercli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/swarmsim/swarmsim"
)

// ServiceLogs is `docker service logs SERVICE|TASK`.
type ServiceLogs struct {
	Target string
	// The flags docker accepts; simulated containers write nothing, so none
	// changes what is printed.
	NoResolve, NoTrunc, NoTaskIDs, Follow, Timestamps, Details, Raw bool
	Since, Tail                                                     string
}

func (ServiceLogs) commandName() string { return "docker service logs" }

// serviceLogsCmd has docker/cli's flags, names and help (cli/command/service/logs.go).
func serviceLogsCmd(res *result) *cobra.Command {
	var l ServiceLogs
	c := leaf("logs [OPTIONS] SERVICE|TASK", "Fetch the logs of a service or task", exactArgs(1), func(_ *cobra.Command, a []string) error {
		l.Target = a[0]
		res.cmd = l
		return nil
	})
	fs := c.Flags()
	BoolFlag(fs, &l.NoResolve, "no-resolve", "", "Do not map IDs to Names in output")
	BoolFlag(fs, &l.NoTrunc, "no-trunc", "", "Do not truncate output")
	BoolFlag(fs, &l.Raw, "raw", "", "Do not neatly format logs")
	BoolFlag(fs, &l.NoTaskIDs, "no-task-ids", "", "Do not include task IDs in output")
	BoolFlag(fs, &l.Follow, "follow", "f", "Follow log output")
	fs.StringVar(&l.Since, "since", "", `Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)`)
	BoolFlag(fs, &l.Timestamps, "timestamps", "t", "Show timestamps")
	BoolFlag(fs, &l.Details, "details", "", "Show extra details provided to logs")
	fs.StringVarP(&l.Tail, "tail", "n", "all", "Number of lines to show from the end of the logs")
	return c
}

// serviceLogs looks the target up as docker/cli does (a service by ID, name
// or ID prefix, else a task) and prints the containers' output: none, since
// simulated containers write nothing (FIDELITY.md). A follow returns at once
// for the same reason: no line would ever come.
func (s *Session) serviceLogs(c ServiceLogs) error {
	cl := s.swarm()
	if _, err := cl.Service(c.Target); err == nil {
		return nil
	} else if !errors.Is(err, swarmsim.ErrNotFound) {
		return err
	}
	if _, err := cl.Task(c.Target); err != nil {
		if errors.Is(err, swarmsim.ErrNotFound) {
			return fmt.Errorf("no such task or service: %v", c.Target)
		}
		return err
	}
	return nil
}
