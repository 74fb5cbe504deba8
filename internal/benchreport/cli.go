package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
)

// A cliScript is one script run by the swarmsim command as a process of its
// own, as a user runs it: `swarmsim run FILE`.
type cliScript struct {
	name, what string
	write      func(w io.Writer)
	// converged is how many "converged after" lines a good run prints.
	converged int
	// heavy scripts take minutes and run -cli-heavy-runs times.
	heavy bool
}

// updateScript is nodes `swarmsim node add` (the first a manager), a
// service of replicas created with -d and waited for, then updated to a new
// image with parallelism 10 (detached or attached) and waited for.
func updateScript(nodes, replicas int, detached bool) func(io.Writer) {
	return func(w io.Writer) {
		writeNodeAdds(w, nodes)
		fmt.Fprintf(w, "docker service create -d --replicas %d --name web nginx:1\n", replicas)
		fmt.Fprintf(w, "swarmsim wait --timeout 1000h web\n")
		d := "-d "
		if !detached {
			d = ""
		}
		fmt.Fprintf(w, "docker service update %s--update-parallelism 10 --image nginx:2 web\n", d)
		fmt.Fprintf(w, "swarmsim wait --timeout 1000h web\n")
	}
}

func writeNodeAdds(w io.Writer, nodes int) {
	for i := range nodes {
		if i == 0 {
			fmt.Fprintf(w, "swarmsim node add --role manager node-%d\n", i)
		} else {
			fmt.Fprintf(w, "swarmsim node add node-%d\n", i)
		}
	}
}

// cliScripts are the scripts of the report, smallest first.
func cliScripts() []cliScript {
	return []cliScript{
		{"A", "1,000 `swarmsim node add`; `docker service create -d --replicas 10000`; `swarmsim wait`; `docker service update -d --update-parallelism 10 --image nginx:2`; `swarmsim wait`",
			updateScript(1000, 10000, true), 2, false},
		{"A, attached", "script A with the update attached (no `-d`): the progress display polls every 200 ms of virtual time for its 10 minutes, then \"Operation continuing in background\"",
			updateScript(1000, 10000, false), 2, true},
		{"B", "script A at 10,000 nodes and 100,000 replicas",
			updateScript(10000, 100000, true), 2, true},
		{"50,000 nodes", "50,000 `swarmsim node add`",
			func(w io.Writer) { writeNodeAdds(w, 50000) }, 0, true},
	}
}

// A procRun is one run of a process: wall-clock time, processor time (user
// and system) and peak resident set.
type procRun struct {
	wall, cpu time.Duration
	rssKB     int64
}

type cliResult struct {
	script cliScript
	runs   []procRun
	err    error
}

// buildCLI builds the swarmsim command into dir.
func buildCLI(dir string) (string, error) {
	bin := filepath.Join(dir, "swarmsim")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/swarmsim").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v: %s", err, out)
	}
	return bin, nil
}

// runCLI runs every script runs times with the binary and returns the
// measures; a script whose run fails keeps its error and is not run again.
func runCLI(bin, dir string, scripts []cliScript, runs, heavyRuns int, limit time.Duration) []cliResult {
	var out []cliResult
	for _, s := range scripts {
		res := cliResult{script: s}
		path := filepath.Join(dir, strings.NewReplacer(" ", "-", ",", "").Replace(s.name)+".swarm")
		if err := writeScript(path, s.write); err != nil {
			res.err = err
			out = append(out, res)
			continue
		}
		n := runs
		if s.heavy {
			n = min(runs, heavyRuns)
		}
		for range n {
			r, err := runOnce(bin, path, s.converged, limit)
			if err != nil {
				res.err = err
				break
			}
			res.runs = append(res.runs, r)
			fmt.Fprintf(os.Stderr, "benchreport: CLI %s: %v wall, %v CPU, %d MB\n", s.name, r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond), r.rssKB/1024)
		}
		out = append(out, res)
	}
	return out
}

func writeScript(path string, write func(io.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	write(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// runOnce runs `swarmsim run path` and checks that it exited 0 and printed
// "converged after" as often as the script waits. A run that uses more than
// limit of processor time (on Linux; elsewhere of wall-clock time) is
// stopped and is an error.
func runOnce(bin, path string, converged int, limit time.Duration) (procRun, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "run", path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return procRun{}, err
	}
	var stopped atomic.Bool
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				used, ok := childCPU(cmd.Process.Pid)
				if !ok {
					used = time.Since(start)
				}
				if used > limit {
					stopped.Store(true)
					cmd.Process.Kill()
					return
				}
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	wall := time.Since(start)
	if stopped.Load() {
		return procRun{}, fmt.Errorf("stopped after %s of processor time", dur(limit))
	}
	if err != nil {
		return procRun{}, fmt.Errorf("%s: %v: %s", filepath.Base(path), err, lastLine(stderr.String()))
	}
	if got := strings.Count(stdout.String(), "converged after"); got != converged {
		return procRun{}, fmt.Errorf("%s: %d waits converged, want %d", filepath.Base(path), got, converged)
	}
	ps := cmd.ProcessState
	r := procRun{wall: wall, cpu: ps.UserTime() + ps.SystemTime()}
	// The watcher polls; a run that ends between two polls is over its
	// limit all the same.
	if runtime.GOOS == "linux" && r.cpu > limit {
		return procRun{}, fmt.Errorf("over its limit of %s of processor time (used %s)", dur(limit), dur(r.cpu))
	}
	r.rssKB, _ = maxrss(ps)
	return r, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// medianRun is the median of each measure on its own.
func medianRun(runs []procRun) procRun {
	var wall, cpu, rss []float64
	for _, r := range runs {
		wall = append(wall, float64(r.wall))
		cpu = append(cpu, float64(r.cpu))
		rss = append(rss, float64(r.rssKB))
	}
	return procRun{time.Duration(median(wall)), time.Duration(median(cpu)), int64(median(rss))}
}

func renderCLI(w io.Writer, results []cliResult, runs, heavyRuns int) {
	fmt.Fprintf(w, "## The command line, end to end\n\n")
	fmt.Fprintf(w, "`go build ./cmd/swarmsim`, then `swarmsim run SCRIPT` as a process of its own, output discarded. CPU is user plus system time and peak memory the maximum resident set, both from the kernel's rusage of the process. Each figure is the median of the runs counted in the table.\n\n")
	fmt.Fprintf(w, "| script | what it runs | runs | CPU time | wall clock | peak memory |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		if len(r.runs) == 0 {
			fmt.Fprintf(w, "| %s | %s | 0 | not measured: %s | | |\n", r.script.name, r.script.what, mdEscape(errText(r.err)))
			continue
		}
		m := medianRun(r.runs)
		rss := "not measured"
		if m.rssKB > 0 {
			rss = fmt.Sprintf("%.0f MB", float64(m.rssKB)/1024)
		}
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s |\n", r.script.name, r.script.what, len(r.runs), dur(m.cpu), dur(m.wall), rss)
	}
	fmt.Fprintln(w)
}

func errText(err error) string {
	if err == nil {
		return "no run"
	}
	return err.Error()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// dur prints a duration with three significant figures or so.
func dur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.1f µs", float64(d)/1e3)
}
