package main

import (
	"bytes"
	"errors"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

const sample = `goos: linux
pkg: github.com/swarmsim/swarmsim
BenchmarkEventLoop-2   	       5	  21006924 ns/op	       420.1 ns/transition	   2380168 transitions/s	 1899680 B/op	   10990 allocs/op
BenchmarkEventLoop-2   	       5	  23006924 ns/op	       460.1 ns/transition	   2180168 transitions/s	 1899680 B/op	   10990 allocs/op
BenchmarkEventLoop-2   	       5	  22006924 ns/op	       440.1 ns/transition	   2280168 transitions/s	 1899680 B/op	   10990 allocs/op
pkg: github.com/swarmsim/swarmsim/mesh
BenchmarkResolve/few-2 	100	41.6 ns/op	0 B/op	0 allocs/op
PASS
`

// Medians per benchmark and unit, packages kept apart, the GOMAXPROCS
// suffix dropped.
func TestParseAndRender(t *testing.T) {
	rs := parse(strings.NewReader(sample))
	if len(rs) != 2 || rs[0].name != "EventLoop" || rs[1].name != "Resolve/few" {
		t.Fatalf("parsed %+v", rs)
	}
	if m := median(rs[0].values["ns/transition"]); m != 440.1 {
		t.Fatalf("median %v, want 440.1", m)
	}
	var buf bytes.Buffer
	render(&buf, rs, 3, "")
	for _, want := range []string{
		"| swarmsim | EventLoop | 22.01 ms | 440 ns/transition, 2280168 transitions/s | 1.8 MiB | 10990 |",
		"| mesh | Resolve/few | 41.6 ns |  | 0 | 0 |",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestExponent(t *testing.T) {
	for _, c := range []struct {
		t1, t2 time.Duration
		want   float64
	}{
		{time.Millisecond, 10 * time.Millisecond, 1},
		{time.Millisecond, 100 * time.Millisecond, 2},
		{time.Millisecond, time.Millisecond, 0},
	} {
		if got := exponent(1000, c.t1, 10000, c.t2); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("exponent(%v, %v) = %v, want %v", c.t1, c.t2, got, c.want)
		}
	}
	if got := exponent(1000, 0, 10000, time.Second); !math.IsNaN(got) {
		t.Errorf("exponent with a missing time = %v, want NaN", got)
	}
	// Extrapolation follows the last slope, never below linear.
	if got := extrapolate([]int{10, 100}, []time.Duration{time.Millisecond, 100 * time.Millisecond}, 1000); got != 10*time.Second {
		t.Errorf("quadratic extrapolation = %v, want 10s", got)
	}
	if got := extrapolate([]int{10, 100}, []time.Duration{time.Millisecond, time.Millisecond}, 1000); got != 10*time.Millisecond {
		t.Errorf("flat extrapolation = %v, want 10ms (linear)", got)
	}
}

// A size whose extrapolated time passes the budget is skipped with the
// sizes after it, and the table says so.
func TestRunScalingBudget(t *testing.T) {
	quadratic := scaleOp{"quad", "items", func(n int, clock func(func() error) (time.Duration, error)) (time.Duration, error) {
		return time.Duration(n*n) * time.Microsecond, nil
	}}
	rows := runScaling([]scaleOp{quadratic}, []int{10, 100, 1000, 10000}, 5*time.Second, cpuClock)
	want := []time.Duration{100 * time.Microsecond, 10 * time.Millisecond, time.Second, 0}
	if !slices.Equal(rows[0].times, want) {
		t.Fatalf("times %v, want %v", rows[0].times, want)
	}
	var buf bytes.Buffer
	renderScaling(&buf, rows, []int{10, 100, 1000, 10000})
	for _, s := range []string{
		"| quad | items | 100.0 µs | 10.0 ms | 1.00 s | – | 2.00 | 2.00 | – |",
		"quad: not measured further, items at 10000 estimated at 100.0 s (budget 5.00 s).",
	} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, buf.String())
		}
	}
}

// Every operation of the scaling table runs at a small size.
func TestScaleOpsRun(t *testing.T) {
	for _, op := range scaleOps() {
		d, err := op.measure(20, cpuClock)
		if err != nil {
			t.Errorf("%s: %v", op.name, err)
		}
		if d < 0 {
			t.Errorf("%s: negative time %v", op.name, d)
		}
	}
}

const traceSample = `pkg: github.com/swarmsim/swarmsim
BenchmarkRollingUpdate/replicas=1000/parallelism=1-2   	 5	 2000000 ns/op	 1000 B/replica	 1.2 allocs/replica	 2000 ns/replica
BenchmarkRollingUpdateDefault/replicas=1000/parallelism=1-2   	 5	 3000000 ns/op	 6000 B/replica	 1.2 allocs/replica	 3000 ns/replica
BenchmarkRollbackDefault/replicas=1000/parallelism=1-2   	 5	 3000000 ns/op	 6000 B/replica	 1.2 allocs/replica	 3000 ns/replica
`

// Each Default row is paired with its NoTrace twin; a row without a twin
// is left out.
func TestRenderTraceCost(t *testing.T) {
	var buf bytes.Buffer
	renderTraceCost(&buf, parse(strings.NewReader(traceSample)))
	want := "| RollingUpdate/replicas=1000/parallelism=1 | 2.00 ms | 3.00 ms | ×1.50 | 1000 | 6000 |"
	if !strings.Contains(buf.String(), want) {
		t.Errorf("lacks %q:\n%s", want, buf.String())
	}
	if strings.Contains(buf.String(), "| Rollback/") {
		t.Errorf("a row without its NoTrace twin was rendered:\n%s", buf.String())
	}
}

const swarmkitSample = `pkg: github.com/swarmsim/swarmsim/bench/swarmkit
BenchmarkUpdate/replicas=100/parallelism=1/swarmkit-2         	       3	 400000000 ns/op	   1000000 cpu-ns/replica	   4000000 ns/replica
BenchmarkUpdate/replicas=100/parallelism=1/swarmsim-2         	     100	  4000000 ns/op	     20000 cpu-ns/replica	     40000 ns/replica	        100.0 x-faster	        50.00 x-less-cpu
BenchmarkUpdate/replicas=100/parallelism=1/swarmsim-all-2     	     100	  8000000 ns/op	     40000 cpu-ns/replica	     80000 ns/replica	        50.0 x-faster	        25.00 x-less-cpu
BenchmarkUpdate/replicas=10000/parallelism=0/swarmsim-2       	       2	 700000000 ns/op	     25000 cpu-ns/replica	     70000 ns/replica
`

func TestRenderSwarmKit(t *testing.T) {
	var buf bytes.Buffer
	renderSwarmKit(&buf, parse(strings.NewReader(swarmkitSample)), "")
	for _, want := range []string{
		"| replicas=100/parallelism=1 | 400.0 ms | 4.0 ms | 100× | 100.0 ms | 2.0 ms | 50× | 4.0 ms | 25× |",
		"| replicas=10000/parallelism=0 | not run | 700.0 ms | – | not run | 250.0 ms | – | not run | – |",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("lacks %q:\n%s", want, buf.String())
		}
	}
}

// The command line is built and a small script A runs in a process of its
// own, with its CPU time and peak memory measured; a script whose waits do
// not converge is an error.
func TestCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	dir := t.TempDir()
	if err := os.Chdir("../.."); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir("internal/benchreport")
	bin, err := buildCLI(dir)
	if err != nil {
		t.Fatal(err)
	}
	small := []cliScript{{"small", "", updateScript(10, 100, true), 2, false}, {"small, attached", "", updateScript(10, 100, false), 2, true}}
	res := runCLI(bin, dir, small, 1, 1, time.Minute)
	for _, r := range res {
		if r.err != nil || len(r.runs) != 1 {
			t.Fatalf("%s: %v", r.script.name, r.err)
		}
		if m := r.runs[0]; m.cpu <= 0 || m.wall <= 0 || (runtime.GOOS == "linux" && m.rssKB <= 0) {
			t.Errorf("%s: measures %+v", r.script.name, m)
		}
	}
	bad := []cliScript{{"bad", "", updateScript(10, 100, true), 3, false}}
	if r := runCLI(bin, dir, bad, 1, 1, time.Minute); r[0].err == nil {
		t.Error("a run with too few converged waits passed")
	}
	// A run over its processor-time limit is stopped, or, if it ends between
	// two polls of the watcher, reported as over its limit.
	big := []cliScript{{"big", "", updateScript(1000, 10000, true), 2, false}}
	if r := runCLI(bin, dir, big, 1, 1, 50*time.Millisecond); r[0].err == nil || !strings.Contains(r[0].err.Error(), "50.0 ms of processor time") {
		t.Errorf("a run over its limit: %v", r[0].err)
	}
	var buf bytes.Buffer
	renderCLI(&buf, append(res, r0(bad)), 1, 1)
	if !strings.Contains(buf.String(), "| small | ") || !strings.Contains(buf.String(), "| bad |  | 0 | not measured: ") {
		t.Errorf("CLI table:\n%s", buf.String())
	}
}

func r0(s []cliScript) cliResult { return cliResult{script: s[0], err: errors.New("x")} }
