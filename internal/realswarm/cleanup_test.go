package realswarm

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRealHelper is not a test: TestRealCleanup runs it in a child process
// to start a swarm and then fail, or wait to be interrupted.
func TestRealHelper(t *testing.T) {
	mode := os.Getenv("REALSWARM_HELPER")
	if mode == "" {
		t.Skip("helper of TestRealCleanup")
	}
	s := startSwarm(t, "manager")
	if err := s.BuildImage("app:1", ImageSpec{}); err != nil {
		t.Fatal(err)
	}
	if _, code, err := s.Docker("service", "create", "--detach", "--name", "web", "app:1"); err != nil || code != 0 {
		t.Fatalf("service create: %d %v", code, err)
	}
	fmt.Printf("HARNESS %s %s\n", s.Prefix, s.Dir)
	switch mode {
	case "fail":
		t.Fatal("failing on purpose: the cleanup must still run")
	case "sigint":
		time.Sleep(10 * time.Minute)
	}
}

// TestRealCleanup: the harness leaves nothing behind (namespaces, links,
// processes, mounts, its directory) when a test fails and when the process
// is interrupted with SIGINT.
func TestRealCleanup(t *testing.T) {
	needReal(t)
	if os.Getenv("REALSWARM_HELPER") != "" {
		t.Skip("in the helper")
	}
	outside := map[string]bool{}
	for _, p := range outsidePaths {
		_, err := os.Stat(p)
		outside[p] = err == nil
	}
	for _, mode := range []string{"fail", "sigint"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRealHelper$", "-test.v", "-test.timeout=15m")
			cmd.Env = append(os.Environ(), "REALSWARM=1", "REALSWARM_HELPER="+mode)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = cmd.Stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var prefix, dir string
			var lines []string
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				l := sc.Text()
				lines = append(lines, l)
				if f := strings.Fields(l); len(f) == 3 && f[0] == "HARNESS" {
					prefix, dir = f[1], f[2]
					if mode == "sigint" {
						if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
							t.Error(err)
						}
					}
				}
				if strings.Contains(l, "REALSWARM SKIPPED") {
					_ = cmd.Wait()
					t.Skip(l)
				}
			}
			err = cmd.Wait()
			if prefix == "" {
				t.Fatalf("the helper did not start a swarm (%v):\n%s", err, strings.Join(lines, "\n"))
			}
			if err == nil {
				t.Errorf("the helper succeeded; it should have failed or been interrupted")
			}
			if left := Leftovers(prefix, dir); len(left) > 0 {
				t.Errorf("%s: left behind: %v\n%s", mode, left, strings.Join(lines, "\n"))
			}
			for p, existed := range outside {
				if _, err := os.Stat(p); err == nil && !existed {
					t.Errorf("%s: %s left behind", mode, p)
				}
			}
		})
	}
}
