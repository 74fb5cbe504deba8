package swarmsim

// A small data-driven harness for golden-trace tests: each file under
// testdata/scripts is a list of actions on a cluster; running it prints each
// action, what it printed and the trace events it caused, and the result is
// compared with the .golden file beside it (go test -run TestScripts -update
// rewrites them).

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/scripts/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := runScript(t, string(src))
			golden := strings.TrimSuffix(f, ".txt") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", golden, diff)
			}
		})
	}
}

// scriptEnv runs script actions against one cluster.
type scriptEnv struct {
	t       testing.TB
	c       *Cluster
	out     strings.Builder
	lastSeq uint64
	quiet   map[EventKind]bool
}

func runScript(t testing.TB, src string) string {
	e := &scriptEnv{t: t, c: New(Config{Seed: 1}), quiet: map[EventKind]bool{}}
	for n, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fmt.Fprintf(&e.out, "> %s\n", line)
		if err := e.exec(strings.Fields(line)); err != nil {
			fmt.Fprintf(&e.out, "error: %v\n", err)
		}
		_ = n
		e.flushTrace()
	}
	return e.out.String()
}

func (e *scriptEnv) flushTrace() {
	for _, ev := range e.c.EventsSince(e.lastSeq) {
		if !e.quiet[ev.Kind] {
			e.out.WriteString("  " + ev.format(e.c.Epoch()) + "\n")
		}
	}
	e.lastSeq = e.c.LastSeq()
}

func kv(args []string) (map[string][]string, []string) {
	m := map[string][]string{}
	var pos []string
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok {
			m[k] = append(m[k], v)
		} else {
			pos = append(pos, a)
		}
	}
	return m, pos
}

func dur(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

func num(s string) uint64 {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return n
}

func (e *scriptEnv) exec(w []string) error {
	c := e.c
	switch w[0] {
	case "quiet": // quiet task-state task-desired ...: leave these kinds out
		for _, k := range w[1:] {
			for i, n := range eventKindNames() {
				if n == k {
					e.quiet[EventKind(i)] = true
				}
			}
		}
	case "node":
		m, pos := kv(w[1:])
		cfg := NodeConfig{Hostname: pos[0], Labels: map[string]string{}}
		if r := m["role"]; len(r) > 0 && r[0] == "manager" {
			cfg.Role = node.Manager
		}
		for k, v := range m {
			if l, ok := strings.CutPrefix(k, "label."); ok {
				cfg.Labels[l] = v[0]
			}
		}
		if v := m["cpus"]; len(v) > 0 {
			cfg.Resources.NanoCPUs = int64(num(v[0])) * 1e9
		}
		_, err := c.AddNode(cfg)
		return err
	case "image":
		m, pos := kv(w[1:])
		b := DefaultImageBehavior()
		for k, v := range m {
			switch k {
			case "pull":
				b.Pull = dur(v[0])
			case "start":
				b.Start = dur(v[0])
			case "stop":
				b.Stop = dur(v[0])
			case "exit-after":
				b.ExitAfter = dur(v[0])
			case "exit-code":
				b.ExitCode = int(num(v[0]))
			case "healthy-after":
				b.HealthCheck, b.HealthyAfter = true, dur(v[0])
			}
		}
		for _, p := range pos[1:] {
			switch p {
			case "unhealthy":
				b.HealthCheck, b.Unhealthy = true, true
			case "fail-on-start":
				b.FailOnStart = true
			}
		}
		c.SetImage(pos[0], b)
	case "create":
		m, pos := kv(w[1:])
		spec := ServiceSpec{Name: pos[0], Replicas: 1}
		if err := applySpec(&spec, m, pos[1:]); err != nil {
			return err
		}
		_, err := c.CreateService(spec)
		return err
	case "update":
		m, pos := kv(w[1:])
		s, err := c.Service(pos[0])
		if err != nil {
			return err
		}
		spec := s.Spec
		if err := applySpec(&spec, m, pos[1:]); err != nil {
			return err
		}
		return c.UpdateService(pos[0], spec)
	case "rollback":
		return c.RollbackService(w[1])
	case "scale":
		return c.ScaleService(w[1], num(w[2]))
	case "rm":
		return c.RemoveService(w[1])
	case "drain", "pause", "activate":
		a := map[string]node.Availability{"drain": node.Drain, "pause": node.Pause, "activate": node.Active}[w[0]]
		return c.UpdateNode(w[1], NodeUpdate{Availability: &a})
	case "label":
		m, _ := kv(w[2:])
		add := map[string]string{}
		for k, v := range m {
			add[k] = v[0]
		}
		return c.UpdateNode(w[1], NodeUpdate{LabelAdd: add})
	case "stop":
		return c.StopNode(w[1])
	case "start":
		return c.StartNode(w[1])
	case "run":
		c.RunFor(dur(w[1]))
	case "converge":
		ok, err := c.RunUntilConverged(dur(w[1]), w[2:]...)
		fmt.Fprintf(&e.out, "converged=%v at %s\n", ok, c.Elapsed())
		return err
	case "tasks":
		tasks, err := c.Tasks(w[1])
		if err != nil {
			return err
		}
		for _, tk := range tasks {
			st := tk.Status()
			fmt.Fprintf(&e.out, "  %-10s %-14s %-8s desired=%-8s %s@%s", tk.Name(), tk.Image, tk.Node, tk.DesiredState, st.State, st.Timestamp.Sub(c.Epoch()))
			if st.Err != "" {
				fmt.Fprintf(&e.out, " err=%q", st.Err)
			}
			e.out.WriteString("\n")
		}
	case "status":
		s, err := c.Service(w[1])
		if err != nil {
			return err
		}
		if s.UpdateStatus == nil {
			fmt.Fprintf(&e.out, "  status: nil\n")
		} else {
			us := s.UpdateStatus
			fmt.Fprintf(&e.out, "  status: %s %q started=%s", us.State, us.Message, us.StartedAt.Sub(c.Epoch()))
			if !us.CompletedAt.IsZero() {
				fmt.Fprintf(&e.out, " completed=%s", us.CompletedAt.Sub(c.Epoch()))
			}
			e.out.WriteString("\n")
		}
		fmt.Fprintf(&e.out, "  spec: image=%s replicas=%d previous=%v\n", s.Spec.TaskTemplate.Image, s.Spec.Replicas, prevImage(s))
	case "curl":
		port, proto, _ := strings.Cut(w[2], "/")
		p := mesh.TCP
		if proto != "" {
			p, _ = mesh.ParseProtocol(proto)
		}
		r, err := c.Resolve(w[1], uint32(num(port)), p)
		if err != nil {
			return err
		}
		fmt.Fprintf(&e.out, "  %s on %s\n", r.Task, r.Node)
	default:
		e.t.Fatalf("unknown script action %q", w[0])
	}
	return nil
}

func prevImage(s *Service) string {
	if s.PreviousSpec == nil {
		return "none"
	}
	return s.PreviousSpec.TaskTemplate.Image
}

// applySpec changes spec as key=value flags say.
func applySpec(spec *ServiceSpec, m map[string][]string, flags []string) error {
	cfg := func(p **updater.Config) *updater.Config {
		if *p == nil {
			d := updater.DefaultConfig()
			*p = &d
		}
		return *p
	}
	rp := func() *RestartPolicy {
		if spec.TaskTemplate.Restart == nil {
			spec.TaskTemplate.Restart = &RestartPolicy{}
		}
		return spec.TaskTemplate.Restart
	}
	for k, vs := range m {
		v := vs[0]
		var err error
		switch k {
		case "image":
			spec.TaskTemplate.Image = v
		case "replicas":
			spec.Replicas = num(v)
		case "mode":
			if v == "global" {
				spec.Mode, spec.Replicas = Global, 0
			}
		case "constraint":
			spec.TaskTemplate.Placement.Constraints = vs
		case "spread":
			spec.TaskTemplate.Placement.Preferences = []scheduler.Preference{{Spread: v}}
		case "max-per-node":
			spec.TaskTemplate.Placement.MaxReplicas = num(v)
		case "reserve-cpus":
			spec.TaskTemplate.Resources.Reservations.NanoCPUs = int64(num(v)) * 1e9
		case "publish":
			spec.Endpoint.Ports = nil
			for _, p := range vs {
				spec.Endpoint.Ports = append(spec.Endpoint.Ports, port(p))
			}
		case "restart-condition":
			rp().Condition, err = ParseRestartCondition(v)
		case "restart-delay":
			d := dur(v)
			rp().Delay = &d
		case "restart-max-attempts":
			rp().MaxAttempts = num(v)
		case "restart-window":
			rp().Window = dur(v)
		default:
			which, field, ok := strings.Cut(k, "-")
			if !ok || (which != "update" && which != "rollback") {
				return fmt.Errorf("unknown key %q", k)
			}
			p := &spec.Update
			if which == "rollback" {
				p = &spec.Rollback
			}
			uc := cfg(p)
			switch field {
			case "parallelism":
				uc.Parallelism = num(v)
			case "delay":
				uc.Delay = dur(v)
			case "monitor":
				uc.Monitor = dur(v)
			case "failure-action":
				uc.FailureAction, err = updater.ParseFailureAction(v)
			case "order":
				uc.Order, err = updater.ParseOrder(v)
			case "max-failure-ratio":
				f, _ := strconv.ParseFloat(v, 32)
				uc.MaxFailureRatio = float32(f)
			default:
				return fmt.Errorf("unknown key %q", k)
			}
		}
		if err != nil {
			return err
		}
	}
	for _, f := range flags {
		switch f {
		case "force":
			spec.TaskTemplate.ForceUpdate++
		default:
			return fmt.Errorf("unknown flag %q", f)
		}
	}
	return nil
}

// port reads published:target[/proto][/host].
func port(s string) mesh.PortConfig {
	parts := strings.Split(s, "/")
	pub, tgt, _ := strings.Cut(parts[0], ":")
	p := mesh.PortConfig{PublishedPort: uint32(num(pub)), TargetPort: uint32(num(tgt))}
	for _, x := range parts[1:] {
		switch x {
		case "host":
			p.PublishMode = mesh.Host
		default:
			p.Protocol, _ = mesh.ParseProtocol(x)
		}
	}
	return p
}

var _ = task.Running
