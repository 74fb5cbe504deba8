package realswarm

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Scenario is one script of the suite.
type Scenario struct {
	// Name is the scenario's name; File its script, relative to the
	// module's root.
	Name string
	File string
	// Quick marks the CI subset (single-node scenarios, run with
	// `go test`).
	Quick bool
	// Single runs the scenario on a one-node swarm (the script begins with
	// `swarmsim node add manager --role manager`).
	Single bool
	// Known, when set, is the FIDELITY.md row that explains why the
	// scenario differs on a real swarm.
	Known string
}

// Suite is every scenario of the comparison, quick ones first.
var Suite = []Scenario{
	{Name: "quick-errors", File: "internal/realswarm/testdata/scenarios/quick-errors.swarm", Quick: true, Single: true},
	{Name: "quick-update", File: "internal/realswarm/testdata/scenarios/quick-update.swarm", Quick: true, Single: true},
	{Name: "quick-rollback", File: "internal/realswarm/testdata/scenarios/quick-rollback.swarm", Quick: true, Single: true},
	{Name: "seed walkthrough", File: "examples/seed.swarm"},
	{Name: "example auto-rollback", File: "examples/auto-rollback.swarm"},
	{Name: "example drain", File: "examples/drain.swarm"},
	{Name: "example update-order", File: "examples/update-order.swarm"},
	{Name: "example update-pause", File: "examples/update-pause.swarm"},
	{Name: "cli errors", File: "internal/realswarm/testdata/scenarios/cli-errors.swarm"},
	{Name: "scale", File: "internal/realswarm/testdata/scenarios/scale.swarm"},
	{Name: "global and a node joining", File: "internal/realswarm/testdata/scenarios/global-join.swarm"},
	{Name: "node down", File: "internal/realswarm/testdata/scenarios/node-down.swarm"},
	{Name: "unmeetable constraint", File: "internal/realswarm/testdata/scenarios/constraint.swarm"},
	{Name: "restart any", File: "internal/realswarm/testdata/scenarios/restart-any.swarm"},
	{Name: "restart on-failure", File: "internal/realswarm/testdata/scenarios/restart-on-failure.swarm"},
	{Name: "restart none", File: "internal/realswarm/testdata/scenarios/restart-none.swarm"},
	{Name: "history limit", File: "internal/realswarm/testdata/scenarios/history-limit.swarm"},
	{Name: "health check", File: "internal/realswarm/testdata/scenarios/health.swarm"},
	{Name: "failure continue", File: "internal/realswarm/testdata/scenarios/failure-continue.swarm"},
	{Name: "failure rollback", File: "internal/realswarm/testdata/scenarios/failure-rollback.swarm"},
	{Name: "missing image", File: "internal/realswarm/testdata/scenarios/missing-image.swarm"},
	{Name: "parallelism 2", File: "internal/realswarm/testdata/scenarios/parallelism.swarm"},
	{Name: "start-first", File: "internal/realswarm/testdata/scenarios/start-first.swarm"},
	{Name: "replicas-only update", File: "internal/realswarm/testdata/scenarios/replicas-only.swarm"},
	{Name: "pause availability", File: "internal/realswarm/testdata/scenarios/pause-node.swarm"},
}

// ModuleRoot is the directory of the module's go.mod.
func ModuleRoot() string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(self), "..", ".."))
}

// Outcome is a scenario's comparison.
type Outcome struct {
	Scenario Scenario
	Results  []Result
	Err      error
	Took     time.Duration
}

// Same reports whether every step was identical after normalisation.
func (o Outcome) Same() bool {
	if o.Err != nil {
		return false
	}
	for _, r := range o.Results {
		if !r.Same {
			return false
		}
	}
	return true
}

// Explained reports whether every step is identical or differs for a
// documented reason.
func (o Outcome) Explained() bool {
	if o.Err != nil {
		return false
	}
	for _, r := range o.Results {
		if !r.Same && r.Known == "" {
			return false
		}
	}
	return true
}

// HasBug reports whether a difference of the scenario is a reported
// simulator bug.
func (o Outcome) HasBug() bool {
	for _, r := range o.Results {
		if !r.Same && strings.HasPrefix(r.Known, "bug: ") {
			return true
		}
	}
	return false
}

// KnownDiffs are the commands whose output differs on the real swarm, by
// "script:line": a reason FIDELITY.md documents ("Real swarm comparison"),
// or, starting with "bug:", a simulator bug reported for fixing.
var KnownDiffs = map[string]string{}

// Seed is the swarmsim seed every scenario runs with.
const Seed = 1

// RunScenario runs one scenario on swarmsim and on the real swarm s (reset
// first) and compares them.
func (s *Swarm) RunScenario(sc Scenario) Outcome {
	t0 := time.Now()
	o := Outcome{Scenario: sc}
	b, err := os.ReadFile(filepath.Join(ModuleRoot(), sc.File))
	if err != nil {
		o.Err = err
		return o
	}
	sim, err := RunSim(string(b), Seed)
	if err != nil {
		o.Err = err
		return o
	}
	if err := s.Reset(); err != nil {
		o.Err = err
		return o
	}
	real, err := s.RunScript(string(b))
	if err != nil {
		o.Err = err
		return o
	}
	o.Results, o.Err = Compare(sim, real)
	for i, r := range o.Results {
		if !r.Same {
			o.Results[i].Known = KnownDiffs[fmt.Sprintf("%s:%d", sc.File, r.Step.Line)]
		}
	}
	o.Took = time.Since(t0)
	return o
}

// Reset brings the swarm back to its start between scenarios: no services,
// no containers, every started node up and active, extra nodes gone, the
// default task history limit.
func (s *Swarm) Reset() error {
	for _, d := range s.Nodes {
		if !d.Running() {
			if err := s.startDaemon(d); err != nil {
				return err
			}
		}
	}
	m := s.Manager()
	if out, err := s.dockerOut(m, "service", "ls", "-q"); err == nil && strings.TrimSpace(out) != "" {
		if _, err := s.dockerOut(m, append([]string{"service", "rm"}, strings.Fields(out)...)...); err != nil {
			return err
		}
	}
	var keep []*Daemon
	for i, d := range s.Nodes {
		if i < s.seedCount {
			keep = append(keep, d)
			continue
		}
		_, _ = s.dockerOut(d, "swarm", "leave", "--force")
		_ = s.stopDaemon(d)
		_, _ = s.dockerOut(m, "node", "rm", "--force", d.Name)
		_ = s.run("ip", "netns", "del", d.netns)
	}
	s.Nodes = keep
	for _, d := range s.Nodes {
		if _, err := s.dockerOut(m, "node", "update", "--availability", "active", d.Name); err != nil {
			return err
		}
	}
	if _, err := s.dockerOut(m, "swarm", "update", "--task-history-limit", "5"); err != nil {
		return err
	}
	// Wait for the containers to go and every node to be Ready.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		busy := ""
		for _, d := range s.Nodes {
			if out, err := s.dockerOut(d, "ps", "-aq"); err != nil || strings.TrimSpace(out) != "" {
				busy = d.Name + " has containers"
			}
		}
		if out, err := s.dockerOut(m, "node", "ls", "--format", "{{.Status}}"); err != nil || strings.Count(out, "Ready") != len(s.Nodes) || strings.Count(out, "\n") != len(s.Nodes) {
			busy = "nodes not ready: " + strings.ReplaceAll(out, "\n", " ")
		}
		if busy == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("realswarm: reset: %s after 2 minutes", busy)
		}
		time.Sleep(time.Second)
	}
}
