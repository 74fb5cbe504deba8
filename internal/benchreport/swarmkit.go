package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// runSwarmKit runs the comparison with SwarmKit's updater, a module of its
// own in bench/swarmkit, once.
func runSwarmKit(slow bool) ([]*result, error) {
	args := []string{"test", "-run", "^$", "-bench", "BenchmarkUpdate", "-count", "1", "-timeout", "90m", "."}
	if slow {
		args = append(args, "-args", "-swarmkit.slow")
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = "bench/swarmkit"
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		os.Stderr.Write(raw)
		return nil, fmt.Errorf("go test in bench/swarmkit: %w", err)
	}
	return parse(bytes.NewReader(raw)), nil
}

// renderSwarmKit pairs each case's swarmkit and swarmsim rows.
func renderSwarmKit(w io.Writer, results []*result, note string) {
	fmt.Fprintf(w, "## Next to SwarmKit's own updater\n\n")
	fmt.Fprintf(w, "`cd bench/swarmkit && go test -bench .` (a module of its own, one run). *swarmkit* is SwarmKit's `Updater.Run` (manager/orchestrator/update) on its in-memory store, with an instant fake agent as in SwarmKit's updater_test.go, no scheduler, monitor 1 ns; only `Run` is timed. *swarmsim* is the same update through the whole simulation (scheduler, agents, updater, routing mesh) in the default configuration (trace on), on a cluster built beforehand as SwarmKit's store is (n/10 nodes, the service created and converged); only the update and its convergence are timed. *from nothing* times everything on swarmsim's side: `New`, the nodes, create and converge, update and converge. CPU is the process's user and system time over the timed part, every goroutine and the collector included.\n\n")
	if note != "" {
		fmt.Fprintf(w, "%s\n\n", note)
	}
	fmt.Fprintf(w, "| case | swarmkit | swarmsim | swarmsim faster (wall) | swarmkit CPU | swarmsim CPU | swarmsim faster (CPU) | swarmsim CPU, from nothing | faster (CPU), from nothing |\n|---|---|---|---|---|---|---|---|---|\n")
	byName := map[string]*result{}
	for _, r := range results {
		byName[r.name] = r
	}
	for _, r := range results {
		c, ok := strings.CutSuffix(r.name, "/swarmsim")
		if !ok {
			continue
		}
		c = strings.TrimPrefix(c, "Update/")
		sk := byName["Update/"+c+"/swarmkit"]
		perRep := func(r *result, u string) string {
			if r == nil || len(r.values[u]) == 0 || len(r.values["ns/op"]) == 0 {
				return "not run"
			}
			op := median(r.values["ns/op"])
			if u == "cpu-ns/replica" {
				op = median(r.values[u]) * median(r.values["ns/op"]) / median(r.values["ns/replica"])
			}
			return dur(time.Duration(op))
		}
		ratio := func(r *result, u string) string {
			if r == nil {
				return "–"
			}
			if v, ok := r.values[u]; ok {
				return fmt.Sprintf("%.0f×", median(v))
			}
			return "–"
		}
		all := byName["Update/"+c+"/swarmsim-all"]
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c,
			perRep(sk, "ns/op"), perRep(r, "ns/op"), ratio(r, "x-faster"),
			perRep(sk, "cpu-ns/replica"), perRep(r, "cpu-ns/replica"), ratio(r, "x-less-cpu"),
			perRep(all, "cpu-ns/replica"), ratio(all, "x-less-cpu"))
	}
	fmt.Fprintln(w)
}

// renderTraceCost pairs every RollingUpdate and Rollback row (NoTrace) with
// its Default twin (the default configuration, trace on).
func renderTraceCost(w io.Writer, results []*result) {
	byName := map[string]*result{}
	for _, r := range results {
		byName[r.pkg+" "+r.name] = r
	}
	var rows []string
	for _, r := range results {
		base, sub, ok := strings.Cut(r.name, "/")
		if !ok || (base != "RollingUpdateDefault" && base != "RollbackDefault") {
			continue
		}
		nt := byName[r.pkg+" "+strings.TrimSuffix(base, "Default")+"/"+sub]
		if nt == nil || len(nt.values["ns/op"]) == 0 || len(r.values["ns/op"]) == 0 {
			continue
		}
		a, b := median(nt.values["ns/op"]), median(r.values["ns/op"])
		rows = append(rows, fmt.Sprintf("| %s/%s | %s | %s | ×%.2f | %s | %s |", strings.TrimSuffix(base, "Default"), sub,
			format(a, "ns/op"), format(b, "ns/op"), b/a,
			format(median(nt.values["B/replica"]), "B/replica"), format(median(r.values["B/replica"]), "B/replica")))
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "## The default configuration next to NoTrace\n\n")
	fmt.Fprintf(w, "The rolling-update and rollback benchmarks above run with `Config.NoTrace`; `BenchmarkRollingUpdateDefault` and `BenchmarkRollbackDefault` run the same in the default configuration, `Config{Seed: 1}`, with the in-memory trace on as users get it. Medians as above.\n\n")
	fmt.Fprintf(w, "| benchmark | NoTrace | default | default / NoTrace | B/replica NoTrace | B/replica default |\n|---|---|---|---|---|---|\n")
	fmt.Fprintf(w, "%s\n\n", strings.Join(rows, "\n"))
}
