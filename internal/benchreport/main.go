// Command benchreport runs swarmsim's benchmark suite several times and
// writes a Markdown report: the median of every measure of every benchmark,
// the machine it ran on, and the peak memory of the largest rolling update.
//
//	go run ./internal/benchreport -count 5 -o BENCHMARKS.md
//
// It runs `go test -bench` itself and needs nothing but the Go toolchain.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	var o options
	flag.IntVar(&o.count, "count", 5, "runs of each benchmark; the report gives medians")
	flag.StringVar(&o.bench, "bench", ".", "benchmarks to run (go test -bench)")
	flag.StringVar(&o.pkgs, "pkgs", "./...", "packages to benchmark")
	flag.StringVar(&o.out, "o", "", "write the report here (default standard output)")
	flag.StringVar(&o.peak, "peak", "RollingUpdate$/replicas=100000$/parallelism=10$,RollingUpdateDefault$/replicas=100000$/parallelism=10$", "root benchmarks, comma-separated, whose peak memory is measured each in a process of its own (empty: skip)")
	flag.IntVar(&o.cliRuns, "cli-runs", 3, "runs of each command-line script; the report gives medians (0: skip)")
	flag.IntVar(&o.heavyRuns, "cli-heavy-runs", 3, "runs of the command-line scripts that take minutes (script B and the attached form)")
	flag.DurationVar(&o.cliTimeout, "cli-timeout", 2*time.Minute, "processor-time limit of one command-line run (on Linux; elsewhere a wall-clock limit)")
	flag.StringVar(&o.sizes, "scaling", "1000,10000,100000", "sizes of the per-operation scaling table (empty: skip)")
	flag.DurationVar(&o.budget, "scaling-budget", 2*time.Minute, "skip a size whose extrapolated time passes this")
	flag.BoolVar(&o.swarmkit, "swarmkit", true, "run the comparison with SwarmKit's updater in bench/swarmkit")
	flag.BoolVar(&o.swarmkitSlow, "swarmkit-slow", false, "include the comparison's cases that take SwarmKit minutes")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

type options struct {
	count                  int
	bench, pkgs, out, peak string
	cliRuns, heavyRuns     int
	cliTimeout, budget     time.Duration
	sizes                  string
	swarmkit, swarmkitSlow bool
}

// report is what has been measured so far; each part is written as soon as
// it is known, so that a long run stopped early keeps what it measured.
type report struct {
	mu       sync.Mutex
	o        options
	sizes    []int
	results  []*result
	peakLine string
	cli      []cliResult
	cliDone  bool
	scaling  []scaleRow
	sk       []*result
	skNote   string
	skDone   bool
	// load0 and load1 are the machine's load average when the run began
	// and when it ended ("" where unknown).
	load0, load1 string
	finished     bool
}

func run(o options) error {
	sizes, err := parseSizes(o.sizes)
	if err != nil {
		return err
	}
	r := &report{o: o, sizes: sizes, load0: loadAvg()}
	// The benchmark suite runs in its own processes while the command line,
	// the scaling table and SwarmKit's comparison are measured here: the
	// first is timed on the wall clock, the others mostly in processor
	// time.
	suiteErr := make(chan error, 1)
	go func() { suiteErr <- r.runSuite() }()
	if o.cliRuns > 0 {
		dir, err := os.MkdirTemp("", "benchreport-cli")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		bin, err := buildCLI(dir)
		if err != nil {
			return err
		}
		cli := runCLI(bin, dir, cliScripts(), o.cliRuns, o.heavyRuns, o.cliTimeout)
		r.set(func() { r.cli, r.cliDone = cli, true })
	}
	if len(sizes) > 0 {
		rows := runScaling(scaleOps(), sizes, o.budget, cpuClock)
		r.set(func() { r.scaling = rows })
	}
	if o.swarmkit {
		sk, err := runSwarmKit(o.swarmkitSlow)
		note := ""
		if err != nil {
			note = "Not measured: " + err.Error()
		} else if !o.swarmkitSlow {
			note = "The 10,000-replica case at parallelism 0 takes SwarmKit minutes and runs only with `-swarmkit.slow`."
		}
		r.set(func() { r.sk, r.skNote, r.skDone = sk, note, true })
	}
	if err := <-suiteErr; err != nil {
		return err
	}
	// Peak memory is measured alone: a collector starved of processor time
	// by the runs beside it lets the heap grow past its goal.
	var lines []string
	for _, bench := range strings.Split(o.peak, ",") {
		if bench == "" {
			continue
		}
		if kb, err := peakRSS(bench); err != nil {
			lines = append(lines, fmt.Sprintf("Peak memory of `%s`: not measured (%v).", bench, err))
		} else {
			lines = append(lines, fmt.Sprintf("Peak memory (maximum resident set) of `%s`, one run in a process of its own: **%.0f MB**.", bench, float64(kb)/1024))
		}
	}
	if len(lines) > 0 {
		r.set(func() { r.peakLine = strings.Join(lines, "\n\n") })
	}
	r.set(func() { r.load1, r.finished = loadAvg(), true })
	return nil
}

// runSuite runs `go test -bench` over the packages.
func (r *report) runSuite() error {
	o := r.o
	if o.count > 0 {
		cmd := exec.Command("go", "test", "-run", "^$", "-bench", o.bench, "-benchmem", "-count", strconv.Itoa(o.count), "-timeout", "90m", o.pkgs)
		cmd.Stderr = os.Stderr
		raw, err := cmd.Output()
		if err != nil {
			os.Stderr.Write(raw)
			return fmt.Errorf("go test: %w", err)
		}
		res := parse(bytes.NewReader(raw))
		r.set(func() { r.results = res })
	}
	return nil
}

// set changes the report and writes it out.
func (r *report) set(f func()) {
	r.mu.Lock()
	f()
	r.mu.Unlock()
	if err := r.write(); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
	}
}

// write renders what is known so far: to the -o file, or to standard output
// once everything is known.
func (r *report) write() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.o
	var w io.Writer = os.Stdout
	if o.out != "" {
		f, err := os.Create(o.out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	} else if !r.finished {
		return nil // standard output gets the report once, whole
	}
	if err := render(w, r.results, o.count, r.peakLine); err != nil {
		return err
	}
	if r.load0 != "" && r.load1 != "" {
		fmt.Fprintf(w, "The machine's one-minute load average was %s when the run began and %s when it ended, on %d CPUs: wall-clock figures grow with it, processor-time figures much less.\n\n", r.load0, r.load1, runtime.NumCPU())
	}
	fmt.Fprintln(w)
	renderTraceCost(w, r.results)
	if r.cliDone {
		renderCLI(w, r.cli, o.cliRuns, o.heavyRuns)
	}
	if r.scaling != nil {
		renderScaling(w, r.scaling, r.sizes)
	}
	if r.skDone {
		renderSwarmKit(w, r.sk, r.skNote)
	}
	return nil
}

// parseSizes reads "1000,10000": increasing positive sizes.
func parseSizes(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 || (len(out) > 0 && n <= out[len(out)-1]) {
			return nil, fmt.Errorf("-scaling %q: want increasing positive sizes", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// result is one benchmark's measures across runs, by unit.
type result struct {
	pkg, name string
	units     []string
	values    map[string][]float64
}

// parse reads `go test -bench` output: "pkg: ..." lines, then
// "BenchmarkX-2  N  v1 unit1  v2 unit2 ..." lines.
func parse(r io.Reader) []*result {
	var out []*result
	byKey := map[string]*result{}
	pkg := ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = p
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i] // the -GOMAXPROCS suffix
		}
		key := pkg + " " + name
		res := byKey[key]
		if res == nil {
			res = &result{pkg: pkg, name: strings.TrimPrefix(name, "Benchmark"), values: map[string][]float64{}}
			byKey[key] = res
			out = append(out, res)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			u := f[i+1]
			if _, ok := res.values[u]; !ok {
				res.units = append(res.units, u)
			}
			res.values[u] = append(res.values[u], v)
		}
	}
	return out
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func format(v float64, unit string) string {
	switch {
	case unit == "ns/op" && v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case unit == "ns/op" && v >= 1e3:
		return fmt.Sprintf("%.2f µs", v/1e3)
	case unit == "ns/op":
		return fmt.Sprintf("%.1f ns", v)
	case unit == "B/op" && v >= 1<<20:
		return fmt.Sprintf("%.1f MiB", v/(1<<20))
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func render(w io.Writer, results []*result, count int, peakLine string) error {
	fmt.Fprintf(w, "# swarmsim benchmarks\n\n")
	fmt.Fprintf(w, "Written by `go run ./internal/benchreport` on %s: %s, %s/%s, %d CPUs (%s). Each figure is the median of %d runs.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel(), count)
	if peakLine != "" {
		fmt.Fprintf(w, "%s\n\n", peakLine)
	}
	fmt.Fprintf(w, "| package | benchmark | time/op | other measures (median) | B/op | allocs/op |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		var other []string
		for _, u := range r.units {
			if u == "ns/op" || u == "B/op" || u == "allocs/op" {
				continue
			}
			other = append(other, format(median(r.values[u]), u)+" "+u)
		}
		get := func(u string) string {
			if v, ok := r.values[u]; ok {
				return format(median(v), u)
			}
			return ""
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", filepath.Base(r.pkg), r.name, get("ns/op"), strings.Join(other, ", "), get("B/op"), get("allocs/op"))
	}
	return nil
}

// loadAvg is the one-minute load average from /proc/loadavg, or "".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// peakRSS runs one root benchmark once in a test binary of its own and
// returns its maximum resident set size in KiB.
func peakRSS(bench string) (int64, error) {
	dir, err := os.MkdirTemp("", "benchreport")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "swarmsim.test")
	if out, err := exec.Command("go", "test", "-c", "-o", bin, ".").CombinedOutput(); err != nil {
		return 0, fmt.Errorf("%v: %s", err, out)
	}
	cmd := exec.Command(bin, "-test.run", "^$", "-test.bench", bench, "-test.benchtime", "1x")
	if err := cmd.Run(); err != nil {
		return 0, err
	}
	return maxrss(cmd.ProcessState)
}
