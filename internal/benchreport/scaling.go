package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/dockercli"
	"github.com/swarmsim/swarmsim/node"
)

// A scaleOp is one operation measured at several sizes. measure builds what
// the operation needs at size n (untimed) and returns the time of the
// operation itself, taken by clock (see timeIt).
type scaleOp struct {
	name, counts string
	measure      func(n int, clock func(func() error) (time.Duration, error)) (time.Duration, error)
}

// session returns a CLI session whose cluster has n nodes (the first a
// manager), added through the library so that the set-up does not depend
// on the cost of `swarmsim node add`.
func session(n int) (*dockercli.Session, error) {
	s := dockercli.NewSession(1)
	c := s.Cluster()
	for i := range n {
		cfg := swarmsim.NodeConfig{Hostname: fmt.Sprintf("node-%d", i), Resources: node.Resources{NanoCPUs: 2e9, MemoryBytes: 2 << 30}}
		if i == 0 {
			cfg.Role = node.Manager
		}
		if _, err := c.AddNode(cfg); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// exec runs script lines in the session, output discarded, and fails on
// the first that does not exit 0.
func exec1(s *dockercli.Session, lines ...string) error {
	for _, l := range lines {
		var stderr strings.Builder
		if code := s.Exec(l, io.Discard, &stderr); code != 0 {
			return fmt.Errorf("%s: exit %d: %s", l, code, strings.TrimSpace(stderr.String()))
		}
	}
	return nil
}

// withService is a session with n/10 nodes (at least one) and a converged
// service web of n replicas.
func withService(n int) (*dockercli.Session, error) {
	s, err := session(max(n/10, 1))
	if err != nil {
		return nil, err
	}
	return s, exec1(s, fmt.Sprintf("docker service create -d --replicas %d --name web nginx:1", n), "swarmsim wait --timeout 1000h web")
}

func scaleOps() []scaleOp {
	return []scaleOp{
		{"`swarmsim node add`, n times", "nodes", func(n int, clock func(func() error) (time.Duration, error)) (time.Duration, error) {
			s := dockercli.NewSession(1)
			return clock(func() error {
				if err := exec1(s, "swarmsim node add --role manager node-0"); err != nil {
					return err
				}
				for i := 1; i < n; i++ {
					if err := exec1(s, fmt.Sprintf("swarmsim node add node-%d", i)); err != nil {
						return err
					}
				}
				return nil
			})
		}},
		{"`docker service create -d --replicas n` + `swarmsim wait`", "replicas (on n/10 nodes)", func(n int, clock func(func() error) (time.Duration, error)) (time.Duration, error) {
			s, err := session(max(n/10, 1))
			if err != nil {
				return 0, err
			}
			return clock(func() error {
				return exec1(s, fmt.Sprintf("docker service create -d --replicas %d --name web nginx:1", n), "swarmsim wait --timeout 1000h web")
			})
		}},
		{"`docker service create -d --mode global` + `swarmsim wait`", "nodes", func(n int, clock func(func() error) (time.Duration, error)) (time.Duration, error) {
			s, err := session(n)
			if err != nil {
				return 0, err
			}
			return clock(func() error {
				return exec1(s, "docker service create -d --mode global --name g nginx:1", "swarmsim wait --timeout 1000h g")
			})
		}},
		{"`docker service ps web`", "tasks", func(n int, clock func(func() error) (time.Duration, error)) (time.Duration, error) {
			s, err := withService(n)
			if err != nil {
				return 0, err
			}
			return repeat(clock, func() error { return exec1(s, "docker service ps web") })
		}},
		{"`docker node ls`", "nodes", func(n int, clock func(func() error) (time.Duration, error)) (time.Duration, error) {
			s, err := session(n)
			if err != nil {
				return 0, err
			}
			return repeat(clock, func() error { return exec1(s, "docker node ls") })
		}},
		{"`Cluster.Tasks(\"web\")`", "tasks", func(n int, clock func(func() error) (time.Duration, error)) (time.Duration, error) {
			s, err := withService(n)
			if err != nil {
				return 0, err
			}
			c := s.Cluster()
			return repeat(clock, func() error {
				ts, err := c.Tasks("web")
				if err == nil && len(ts) != n {
					err = fmt.Errorf("Tasks: %d tasks, want %d", len(ts), n)
				}
				return err
			})
		}},
		{"`Cluster.Nodes()`", "nodes", func(n int, clock func(func() error) (time.Duration, error)) (time.Duration, error) {
			s, err := session(n)
			if err != nil {
				return 0, err
			}
			c := s.Cluster()
			return repeat(clock, func() error {
				if got := len(c.Nodes()); got != n {
					return fmt.Errorf("Nodes: %d nodes, want %d", got, n)
				}
				return nil
			})
		}},
	}
}

// repeat times a read-only operation until the runs add up to 50 ms (at
// most 1,000 runs) and returns the mean.
func repeat(clock func(func() error) (time.Duration, error), op func() error) (time.Duration, error) {
	var total time.Duration
	runs := 0
	for total < 50*time.Millisecond && runs < 1000 {
		d, err := clock(op)
		if err != nil {
			return 0, err
		}
		total += d
		runs++
	}
	return total / time.Duration(runs), nil
}

// cpuClock times f in this process's processor time (user and system, the
// collector included) where the system tells it, else in wall-clock time.
// The heap is collected first, so that f does not pay for earlier garbage.
func cpuClock(f func() error) (time.Duration, error) {
	runtime.GC()
	c0, ok := selfCPU()
	t0 := time.Now()
	err := f()
	if c1, ok1 := selfCPU(); ok && ok1 {
		return c1 - c0, err
	}
	return time.Since(t0), err
}

// A scaleRow is one operation's times at the sizes; a zero time is a size
// not measured, for the reason in skipped.
type scaleRow struct {
	op      scaleOp
	times   []time.Duration
	skipped string
}

// runScaling measures every operation at every size, smallest first. A size
// whose time, extrapolated from the sizes before it, would pass budget is
// skipped, as are the sizes after it.
func runScaling(ops []scaleOp, sizes []int, budget time.Duration, clock func(func() error) (time.Duration, error)) []scaleRow {
	var rows []scaleRow
	for _, op := range ops {
		row := scaleRow{op: op, times: make([]time.Duration, len(sizes))}
		for i, n := range sizes {
			if i > 0 {
				if est := extrapolate(sizes[:i], row.times[:i], n); est > budget {
					row.skipped = fmt.Sprintf("%s at %d estimated at %s (budget %s)", op.counts, n, dur(est), dur(budget))
					break
				}
			}
			d, err := op.measure(n, clock)
			if err != nil {
				row.skipped = fmt.Sprintf("at %d: %v", n, err)
				break
			}
			row.times[i] = d
			fmt.Fprintf(os.Stderr, "benchreport: %s at %d: %s\n", op.name, n, dur(d))
		}
		rows = append(rows, row)
	}
	return rows
}

// extrapolate estimates the time at n from the measured sizes: with the
// slope between the last two (at least 1, linear), else linearly.
func extrapolate(sizes []int, times []time.Duration, n int) time.Duration {
	k := len(sizes) - 1
	slope := 1.0
	if k >= 1 {
		slope = max(1, exponent(sizes[k-1], times[k-1], sizes[k], times[k]))
	}
	return time.Duration(float64(times[k]) * math.Pow(float64(n)/float64(sizes[k]), slope))
}

// exponent is the log-log slope between two measures: 1 is linear growth,
// 2 quadratic. It is NaN when either time is missing.
func exponent(n1 int, t1 time.Duration, n2 int, t2 time.Duration) float64 {
	if t1 <= 0 || t2 <= 0 || n1 == n2 {
		return math.NaN()
	}
	return math.Log(float64(t2)/float64(t1)) / math.Log(float64(n2)/float64(n1))
}

func renderScaling(w io.Writer, rows []scaleRow, sizes []int) {
	fmt.Fprintf(w, "## How each operation grows\n\n")
	fmt.Fprintf(w, "Each operation in one process (`internal/benchreport`), timed in processor time (user and system, the collector included; the heap collected first) at %s items. Reads are repeated for 50 ms and averaged; the others run once. The exponent is the log-log slope between two sizes: 1.0 is linear (a flat cost per item), 2.0 quadratic. The set-up (nodes added through the library, the service created and converged) is not timed.\n\n", sizeList(sizes))
	fmt.Fprintf(w, "| operation | n counts |")
	for _, n := range sizes {
		fmt.Fprintf(w, " n=%s |", short(n))
	}
	for i := 1; i < len(sizes); i++ {
		fmt.Fprintf(w, " exponent %s→%s |", short(sizes[i-1]), short(sizes[i]))
	}
	fmt.Fprintf(w, "\n|---|---|%s%s\n", strings.Repeat("---|", len(sizes)), strings.Repeat("---|", len(sizes)-1))
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s |", r.op.name, r.op.counts)
		for _, t := range r.times {
			if t > 0 {
				fmt.Fprintf(w, " %s |", dur(t))
			} else {
				fmt.Fprintf(w, " – |")
			}
		}
		for i := 1; i < len(sizes); i++ {
			if e := exponent(sizes[i-1], r.times[i-1], sizes[i], r.times[i]); !math.IsNaN(e) {
				fmt.Fprintf(w, " %.2f |", e)
			} else {
				fmt.Fprintf(w, " – |")
			}
		}
		fmt.Fprintln(w)
	}
	var notes []string
	for _, r := range rows {
		if r.skipped != "" {
			notes = append(notes, fmt.Sprintf("%s: not measured further, %s.", r.op.name, mdEscape(r.skipped)))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "\n%s\n", strings.Join(notes, "\n"))
	}
	fmt.Fprintln(w)
}

func sizeList(sizes []int) string {
	var s []string
	for _, n := range sizes {
		s = append(s, fmt.Sprintf("n = %s", short(n)))
	}
	return strings.Join(s, ", ")
}

// short writes 1000 as 1k and 100000 as 100k.
func short(n int) string {
	switch {
	case n >= 1e6 && n%1e6 == 0:
		return fmt.Sprintf("%dM", n/1e6)
	case n >= 1e3 && n%1e3 == 0:
		return fmt.Sprintf("%dk", n/1e3)
	}
	return fmt.Sprint(n)
}
