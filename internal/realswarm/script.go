package realswarm

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim/dockercli"
)

// Step is one command of a transcript and what it printed.
type Step struct {
	// Line is the command's line in the script; Text the command.
	Line int
	Text string
	// Out is everything the command printed (stdout and stderr, as the
	// final screen of a 120-column terminal shows it on the real swarm).
	Out string
	// Code is its exit code.
	Code int
	// Directive marks a swarmsim directive: its output is swarmsim's own
	// and is not compared.
	Directive bool
	// Skipped, when set, says why the command was not run on the real
	// swarm.
	Skipped string
}

// Transcript is a script's steps, in order.
type Transcript []Step

// Terminal size of the docker client on both sides: wide enough for the
// progress bars (dockercli.TerminalWidth).
const (
	termCols = dockercli.TerminalWidth
	termRows = 60
)

// RunSim runs a script on swarmsim (virtual time) with the seed.
func RunSim(script string, seed uint64) (Transcript, error) {
	lines, err := dockercli.ReadScript(strings.NewReader(script))
	if err != nil {
		return nil, err
	}
	s := dockercli.NewSession(seed)
	var tr Transcript
	for _, l := range lines {
		st := Step{Line: l.Line, Text: l.Text, Directive: isDirective(l.Words)}
		var b bytes.Buffer
		if l.Err != nil {
			fmt.Fprintf(&b, "swarmsim: %v\n", l.Err)
			st.Code = 2
		} else if len(l.Words) > 0 {
			st.Code = s.ExecWords(l.Words, &b, &b)
		}
		st.Out = b.String()
		tr = append(tr, st)
	}
	return tr, nil
}

// isDirective reports a command that is not docker's (swarmsim directives,
// sleep, anything else): its output is not compared.
func isDirective(words []string) bool { return len(words) > 0 && words[0] != "docker" }

// imagePlan finds the images a script uses and the behaviour each has first:
// every image a service is created or updated with is built, with the
// behaviour of its first `swarmsim image` directive or the default one; an
// image whose directive says --fail-on-start is never built (a missing
// image, rejected by the agents).
func imagePlan(lines []dockercli.ScriptLine) (order []string, specs map[string]*dockercli.Image) {
	specs = map[string]*dockercli.Image{}
	add := func(ref string, im *dockercli.Image) {
		if ref == "" {
			return
		}
		if _, ok := specs[ref]; ok {
			if im != nil && specs[ref] == nil {
				specs[ref] = im
			}
			return
		}
		order = append(order, ref)
		specs[ref] = im
	}
	for _, l := range lines {
		if l.Err != nil || len(l.Words) == 0 {
			continue
		}
		cmd, err := dockercli.Parse(l.Words)
		if err != nil {
			continue
		}
		switch c := cmd.(type) {
		case dockercli.ServiceCreate:
			add(c.Image, nil)
		case dockercli.ServiceUpdate:
			if c.Image != nil {
				add(*c.Image, nil)
			}
		case dockercli.Image:
			im := c
			add(c.Ref, &im)
		}
	}
	return order, specs
}

// SpecOf maps a swarmsim image directive onto a test image's behaviour
// (nil: the default image).
func SpecOf(im *dockercli.Image) ImageSpec {
	var sp ImageSpec
	if im == nil {
		return sp
	}
	if im.Start != nil {
		sp.Start = *im.Start
	}
	sp.HealthyAfter = im.HealthyAfter
	sp.Unhealthy = im.Unhealthy
	sp.ExitAfter = im.ExitAfter
	sp.ExitCode = im.ExitCode
	if im.ExitCode != nil && im.ExitAfter == nil && !im.Unhealthy {
		zero := time.Duration(0)
		sp.ExitAfter = &zero
	}
	if im.Stop != nil {
		sp.Stop = *im.Stop
		// Docker kills a container that has not stopped after its grace
		// period (10s): a longer stop is a process ignoring SIGTERM.
		if sp.Stop >= 10*time.Second {
			sp.StopIgnore = true
		}
	}
	return sp
}

// RunScript runs a script on the real swarm: docker commands through the
// real docker client (in a pseudo-terminal, against the manager), `sleep` in
// real time, `swarmsim image` as a built (or, with --fail-on-start, removed)
// test image, `swarmsim node down|up` as stopping and restarting the node's
// daemon, `swarmsim node add` as a new daemon joining, `swarmsim wait` by
// polling. The mesh directives (curl, probe, block) are skipped: the kernel
// here has no IPVS, so the routing mesh does not answer.
func (s *Swarm) RunScript(script string) (Transcript, error) {
	lines, err := dockercli.ReadScript(strings.NewReader(script))
	if err != nil {
		return nil, err
	}
	order, specs := imagePlan(lines)
	built := map[string]string{}
	for _, ref := range order {
		im := specs[ref]
		if im != nil && im.FailOnStart {
			s.RemoveImage(ref)
			continue
		}
		sp := SpecOf(im)
		if err := s.BuildImage(ref, sp); err != nil {
			return nil, err
		}
		built[ref] = sp.Dockerfile()
	}
	var tr Transcript
	for _, l := range lines {
		st := Step{Line: l.Line, Text: l.Text, Directive: isDirective(l.Words)}
		switch {
		case l.Err != nil:
			st.Out, st.Code = fmt.Sprintf("swarmsim: %v\n", l.Err), 2
		case len(l.Words) == 0:
		case l.Words[0] == "docker":
			out, code, err := s.Docker(l.Words[1:]...)
			if err != nil {
				return tr, err
			}
			st.Out, st.Code = out, code
		default:
			if err := s.directive(l.Words, &st, built); err != nil {
				return tr, err
			}
		}
		tr = append(tr, st)
	}
	return tr, nil
}

// Docker runs the real docker client against the manager in a terminal and
// returns the final screen and the exit code.
func (s *Swarm) Docker(args ...string) (string, int, error) {
	cmd := exec.Command("docker", args...)
	cmd.Env = append(s.Manager().DockerEnv(), "TERM=xterm", "COLUMNS="+strconv.Itoa(termCols))
	out, code, err := runInPty(cmd, termCols, termRows)
	if err != nil {
		return "", 0, err
	}
	if f := os.Getenv("REALSWARM_RAW"); f != "" {
		// Debugging: the raw terminal output of every docker command.
		if w, err := os.OpenFile(f, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
			fmt.Fprintf(w, "$ docker %q\n%q\n", args, out)
			w.Close()
		}
	}
	return Screen(string(out)), code, nil
}

func (s *Swarm) directive(words []string, st *Step, built map[string]string) error {
	cmd, err := dockercli.Parse(words)
	if err != nil {
		// A bad directive or command: swarmsim's parser has the last word.
		var b bytes.Buffer
		st.Code = dockercli.NewSession(1).ExecWords(words, &b, &b)
		st.Out = b.String()
		return nil
	}
	switch c := cmd.(type) {
	case dockercli.Sleep:
		time.Sleep(c.D)
	case dockercli.Image:
		if c.FailOnStart {
			s.RemoveImage(c.Ref)
			delete(built, c.Ref)
			return nil
		}
		sp := SpecOf(&c)
		if built[c.Ref] == sp.Dockerfile() {
			return nil
		}
		if err := s.BuildImage(c.Ref, sp); err != nil {
			return err
		}
		built[c.Ref] = sp.Dockerfile()
	case dockercli.NodePower:
		if c.Up {
			err = s.NodeUp(c.Name)
		} else {
			err = s.NodeDown(c.Name)
		}
		if err != nil {
			st.Out, st.Code = err.Error()+"\n", 1
		}
	case dockercli.NodeAdd:
		if s.Node(c.Name) != nil {
			return nil // the single-node swarm's manager, already there
		}
		if c.Role != "" && c.Role != "worker" {
			st.Skipped = "only workers join the real swarm"
			return nil
		}
		// The new node gets the images before it joins: a global service
		// places a task there at once.
		if _, err := s.AddNode(c.Name, func(d *Daemon) error {
			for _, ref := range sortedKeys(built) {
				if err := s.buildOn([]*Daemon{d}, ref, specFromDockerfile(built[ref])); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	case dockercli.Wait:
		out, code := s.wait(c.Services, c.Limit)
		st.Out, st.Code = out, code
	case dockercli.Curl, dockercli.Probe, dockercli.NodeBlock:
		st.Skipped = "the routing mesh does not answer here (no IPVS in this kernel)"
	case dockercli.Time, dockercli.Timeline:
		st.Skipped = "virtual time only"
	default:
		st.Skipped = "not a command of the real swarm"
	}
	return nil
}

// wait polls until the services (all when none are named) run their
// replicas and no update or rollback is in progress, as `swarmsim wait`
// runs the simulation until they converge.
func (s *Swarm) wait(services []string, limit time.Duration) (string, int) {
	start := time.Now()
	for {
		if s.converged(services) {
			return fmt.Sprintf("converged after %s\n", time.Since(start).Round(time.Second)), 0
		}
		if time.Since(start) > limit {
			return fmt.Sprintf("swarmsim: not converged after %s\n", limit), 1
		}
		time.Sleep(time.Second)
	}
}

func (s *Swarm) converged(services []string) bool {
	if len(services) == 0 {
		out, err := s.dockerOut(s.Manager(), "service", "ls", "-q")
		if err != nil {
			return false
		}
		services = strings.Fields(out)
	}
	for _, svc := range services {
		out, err := s.dockerOut(s.Manager(), "service", "inspect", "--format",
			`{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}`, svc)
		if err != nil {
			return false
		}
		switch strings.TrimSpace(out) {
		case "updating", "rollback_started":
			return false
		}
		out, err = s.dockerOut(s.Manager(), "service", "ls", "--filter", "name="+svc, "--format", "{{.Name}} {{.Replicas}}")
		if err != nil {
			return false
		}
		ok := false
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			f := strings.Fields(l)
			if len(f) >= 2 && f[0] == svc {
				r := strings.SplitN(f[1], "/", 2)
				ok = len(r) == 2 && r[0] == r[1]
			}
		}
		if !ok {
			return false
		}
		// Every task is settled: desired running and running, or desired
		// shut down (or completed) and no longer running or on its way.
		out, err = s.dockerOut(s.Manager(), "service", "ps", "--format", "{{.DesiredState}}|{{.CurrentState}}", svc)
		if err != nil {
			return false
		}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			desired, current, _ := strings.Cut(l, "|")
			state, _, _ := strings.Cut(current, " ")
			switch desired {
			case "Running":
				if state != "Running" {
					return false
				}
			case "Ready", "New", "Pending", "Assigned", "Accepted", "Preparing", "Starting":
				return false
			default:
				switch state {
				case "New", "Pending", "Assigned", "Accepted", "Preparing", "Ready", "Starting", "Running":
					return false
				}
			}
		}
	}
	return true
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return ks
}

// specFromDockerfile is the inverse of ImageSpec.Dockerfile for images
// already built: it rebuilds the same Dockerfile.
func specFromDockerfile(df string) ImageSpec { return ImageSpec{raw: df} }
