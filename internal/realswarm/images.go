package realswarm

import (
	"archive/tar"
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// ImageSpec is the behaviour of a test image, as a swarmsim image directive
// states it (`swarmsim image REF --start D --healthy-after D ...`). Pull time
// cannot be reproduced: images are built on every node, never pulled.
type ImageSpec struct {
	Start        time.Duration
	HealthyAfter *time.Duration
	Unhealthy    bool
	ExitAfter    *time.Duration
	ExitCode     *int64
	// Stop is how long the process takes to exit after SIGTERM; StopIgnore
	// makes it ignore SIGTERM.
	Stop       time.Duration
	StopIgnore bool
	// raw, when set, is the Dockerfile itself.
	raw string
}

// Dockerfile is the image's Dockerfile: FROM scratch, the test program and
// its behaviour as environment variables.
func (sp ImageSpec) Dockerfile() string {
	if sp.raw != "" {
		return sp.raw
	}
	var b strings.Builder
	b.WriteString("FROM scratch\nCOPY testimage /testimage\n")
	env := func(k, v string) { fmt.Fprintf(&b, "ENV %s=%s\n", k, v) }
	if sp.Start > 0 {
		env("TI_START", sp.Start.String())
	}
	var code int64
	if sp.ExitCode != nil {
		code = *sp.ExitCode
	}
	if sp.ExitAfter != nil {
		env("TI_EXIT_AFTER", sp.ExitAfter.String())
		env("TI_EXIT_CODE", fmt.Sprint(code))
	}
	if sp.StopIgnore {
		env("TI_STOP", "ignore")
	} else if sp.Stop > 0 {
		env("TI_STOP", sp.Stop.String())
	}
	if sp.HealthyAfter != nil || sp.Unhealthy {
		var after time.Duration
		if sp.HealthyAfter != nil {
			after = *sp.HealthyAfter
		}
		env("TI_HEALTHY_AFTER", after.String())
		if sp.Unhealthy {
			env("TI_UNHEALTHY", "1")
			// Docker stops an unhealthy container; the task fails only
			// if it then exits non-zero (it is COMPLETE otherwise).
			// swarmsim's unhealthy task fails with its exit code, 1 if
			// 0: the process exits so.
			env("TI_STOP_CODE", fmt.Sprint(max(code, 1)))
		}
		// The check waits for the moment itself, so its timeout must cover it.
		fmt.Fprintf(&b, "HEALTHCHECK --interval=1s --timeout=%s --retries=1 CMD [\"/testimage\", \"health\"]\n", after+30*time.Second)
	}
	b.WriteString("CMD [\"/testimage\"]\n")
	return b.String()
}

// testImageBinary builds the test program (static, CGO_ENABLED=0) once per
// swarm, into the swarm's directory (Go's build cache makes the later ones
// quick).
func (s *Swarm) testImageBinary() (string, error) {
	bin := filepath.Join(s.Dir, "testimage")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	_, self, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = filepath.Join(filepath.Dir(self), "testimage")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("realswarm: building the test image program: %v\n%s", err, out)
	}
	return bin, nil
}

// BuildImage builds image ref with the behaviour sp on every node (there is
// no registry: each node has its own copy).
func (s *Swarm) BuildImage(ref string, sp ImageSpec) error {
	return s.buildOn(s.Nodes, ref, sp)
}

func (s *Swarm) buildOn(nodes []*Daemon, ref string, sp ImageSpec) error {
	bin, err := s.testImageBinary()
	if err != nil {
		return err
	}
	prog, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	var ctx bytes.Buffer
	tw := tar.NewWriter(&ctx)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"Dockerfile", 0o644, []byte(sp.Dockerfile())}, {"testimage", 0o755, prog}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: time.Unix(0, 0)}); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, d := range nodes {
		if !d.Running() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := s.api(d, "POST", "/build?rm=1&forcerm=1&t="+url.QueryEscape(ref), ctx.Bytes(), "Content-Type", "application/x-tar")
			if err == nil && bytes.Contains(out, []byte(`"error"`)) {
				err = fmt.Errorf("realswarm: building %s on %s: %s", ref, d.Name, lastLines(out, 3))
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// RemoveImage removes image ref from every node, so that tasks using it are
// rejected ("No such image").
func (s *Swarm) RemoveImage(ref string) {
	for _, d := range s.Nodes {
		if d.Running() {
			_, _ = s.api(d, "DELETE", "/images/"+url.PathEscape(ref)+"?force=1", nil)
		}
	}
}

// Running reports whether the node's daemon runs.
func (d *Daemon) Running() bool {
	if d.cmd == nil {
		return false
	}
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}
