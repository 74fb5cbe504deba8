package dockercli

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/internal/dockerfmt"
)

// The incremental progress count (slots or nodes changed since the last
// poll, from the trace) draws exactly what the full scan of every task
// draws, through updates, failures, rollbacks, node failures and scaling of
// services too big for per-slot (per-node) lines.
func TestProgressIncrementalMatchesFullScan(t *testing.T) {
	var nodes strings.Builder
	for i := 1; i <= 22; i++ {
		fmt.Fprintf(&nodes, "swarmsim node add g%d\n", i)
	}
	scripts := map[string]string{
		"global-update": nodes.String() + `docker service create --mode global --name agent nginx:1
docker service update --update-parallelism 5 --image nginx:2 agent
docker service rollback agent`,
		"global-node-down": nodes.String() + `docker service create --mode global --name agent --update-delay 1s nginx:1
swarmsim at 3s node down g5
swarmsim at 25s node down worker1
swarmsim at 25s node down g1
swarmsim at 40s node up g5
swarmsim at 70s node up g1
swarmsim at 50s task kill agent.g6
docker service update --update-parallelism 2 --update-delay 2s --image nginx:5 agent
swarmsim node down g3
docker service update --update-parallelism 2 --image nginx:2 agent
swarmsim node up g3
docker node update --availability drain g4
docker service update --force agent
swarmsim node add g23
docker node update --availability active g4
docker service update --image nginx:3 agent`,
		"global-failure": nodes.String() + `swarmsim image nginx:bad --exit-after 3s --exit-code 1
docker service create --mode global --name agent --update-parallelism 4 --update-failure-action rollback --update-max-failure-ratio 0.1 nginx:1
docker service update --image nginx:bad agent`,
		"global-monitor": nodes.String() + `docker service create --mode global --name agent --update-monitor 60s nginx:1
swarmsim at 10s node down g1
swarmsim at 40s node up g1
swarmsim at 45s node down g2
docker service update --update-parallelism 0 --image nginx:2 agent
docker service update --update-parallelism 0 --image nginx:3 agent`,
		"global-few": nodes.String() + `docker node update --label-add zone=a g1
docker node update --label-add zone=a g2
docker service create --mode global --constraint node.labels.zone==a --name agent nginx:1
docker service update --image nginx:2 agent`,
		"global-few-node-down": nodes.String() + `docker node update --label-add zone=a g1
docker node update --label-add zone=a g2
docker node update --label-add zone=a g3
docker service create --mode global --constraint node.labels.zone==a --name agent nginx:1
swarmsim at 3s node down g2
swarmsim at 40s node up g2
docker service update --update-delay 5s --image nginx:2 agent
docker node rm --force g3
docker service update --image nginx:3 agent`,
		"few-node-down": nodes.String() + `docker service create --replicas 3 --name web nginx:1
swarmsim at 2s node down g2
swarmsim at 30s node up g2
docker service update --update-delay 5s --image nginx:2 web
docker node rm --force g3
docker service update --image nginx:3 web`,
		"update": `docker service create --replicas 30 --name web nginx:1
docker service update --update-parallelism 4 --image nginx:2 web
docker service rollback web`,
		"failure-rollback": `swarmsim image nginx:bad --exit-after 3s --exit-code 1
docker service create --replicas 24 --name web --update-parallelism 5 --update-failure-action rollback --update-max-failure-ratio 0.1 nginx:1
docker service update --image nginx:bad web`,
		"pause": `swarmsim image nginx:bad --fail-on-start
docker service create --replicas 25 --name web nginx:1
docker service update --update-parallelism 3 --image nginx:bad web`,
		"node-down": `swarmsim node add extra1
swarmsim node add extra2
docker service create --replicas 40 --name web nginx:1
swarmsim node down extra1
docker service update --update-parallelism 2 --image nginx:2 web
swarmsim node up extra1
docker service scale web=60
docker service scale web=21`,
		"start-first": `docker service create --replicas 22 --name web --update-order start-first --update-delay 2s nginx:1
docker service update --image nginx:2 --update-parallelism 0 web
docker node update --availability drain worker1
docker service update --force web`,
		"background": `docker service create --replicas 50 --name web --update-delay 20s nginx:1
docker service update --image nginx:2 web`,
	}
	run := func(script string, fast bool, traceLimit int) string {
		var out bytes.Buffer
		s := NewSession(0)
		s.fullProgress = !fast
		s.TraceLimit = traceLimit
		if err := RunScript(strings.NewReader(script), &out, ScriptOptions{Session: s}); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	// A trace bounded so tightly that polls find events dropped makes the
	// count start over from the task list: the display is the same.
	for _, limit := range []int{0, 64} {
		for name, script := range scripts {
			t.Run(fmt.Sprintf("%s/tracelimit=%d", name, limit), func(t *testing.T) {
				full, fast := run(script, false, limit), run(script, true, limit)
				if diff := cmp.Diff(full, fast); diff != "" {
					t.Errorf("incremental display differs from the full scan (-full +incremental):\n%s", diff)
				}
				if !strings.Contains(full, "overall progress") {
					t.Errorf("no progress display:\n%s", full)
				}
			})
		}
	}
}

// The tracker's tasks by slot (node) are, after every refresh, what a full
// read of the task list gives, while tasks crash, restart, move off drained
// and failed nodes, and are deleted by the history limit.
func TestSlotTrackerKeepsTheTaskList(t *testing.T) {
	for _, global := range []bool{false, true} {
		s := NewSession(0)
		script := "docker swarm update --task-history-limit 1\nswarmsim image nginx:crash --exit-after 4s --exit-code 1\n"
		for i := 1; i <= 22; i++ {
			script += fmt.Sprintf("swarmsim node add g%d\n", i)
		}
		mode := "--replicas 30"
		if global {
			mode = "--mode global"
		}
		script += "docker service create -d " + mode + " --name web --restart-delay 1s nginx:1\n"
		var out bytes.Buffer
		if err := RunScript(strings.NewReader(script), &out, ScriptOptions{Session: s}); err != nil {
			t.Fatal(err)
		}
		cl := s.Cluster()
		svc, _ := cl.Service("web")
		tr := &slotTracker{svcID: svc.ID, global: global}
		steps := []string{
			"docker service update -d --image nginx:crash web",
			"swarmsim node down g3",
			"docker node update --availability drain g4",
			"docker node update --availability active g4",
			"swarmsim node up g3",
			"docker service update -d --image nginx:2 web",
		}
		for i := 0; i < 120; i++ {
			if i%20 == 0 {
				if code := s.Exec(steps[i/20], &out, &out); code != 0 {
					t.Fatalf("%s: exit %d:\n%s", steps[i/20], code, out.String())
				}
			}
			cl.RunFor(time.Second)
			if err := tr.refresh(cl); err != nil {
				t.Fatal(err)
			}
			all, _ := cl.Tasks(svc.ID)
			want := map[string][]string{}
			for _, tk := range upToDate(all) {
				k := fmt.Sprint(tk.Slot)
				if global {
					k = tk.NodeID
				}
				want[k] = append(want[k], tk.ID+"/"+tk.Status().State.String()+"/"+tk.DesiredState.String())
			}
			got := map[string][]string{}
			for _, ts := range tr.slots {
				for _, tk := range ts {
					k := fmt.Sprint(tk.Slot)
					if global {
						k = tk.NodeID
					}
					got[k] = append(got[k], tk.ID+"/"+tk.Status().State.String()+"/"+tk.DesiredState.String())
				}
			}
			for _, m := range []map[string][]string{want, got} {
				for _, v := range m {
					sort.Strings(v)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("global=%v, second %d: tracker's tasks (-task list +tracker):\n%s", global, i, diff)
			}
		}
		if len(out.String()) == 0 {
			t.Fatal("no output")
		}
	}
}

// The default `service ps` table, written without the template, is byte for
// byte what the template writes, and its single sort orders rows as
// docker/cli's two stable sorts do.
func TestServicePsDefaultTable(t *testing.T) {
	s := NewSession(3)
	script := `swarmsim image bad --exit-after 2s --exit-code 3
docker service create -d --replicas 12 --name web --publish mode=host,target=80,published=8080 nginx:1
docker service create -d --mode global --name agent bad
swarmsim wait --timeout 1m web
docker service update -d --image nginx:2 --update-parallelism 4 web
swarmsim wait --timeout 1h web
docker service update -d --image nginx:3 web`
	var out bytes.Buffer
	if err := RunScript(strings.NewReader(script), &out, ScriptOptions{Session: s}); err != nil {
		t.Fatal(err)
	}
	s.Cluster().RunFor(30 * 1e9)
	for _, args := range []string{"web agent", "--no-trunc web agent", "--no-resolve web", "--filter desired-state=running web agent"} {
		var fast, slow bytes.Buffer
		if code := s.Exec("docker service ps "+args, &fast, &fast); code != 0 {
			t.Fatalf("%s: exit %d: %s", args, code, fast.String())
		}
		// The same template spelled differently takes the template path.
		slowFmt := `--format "` + strings.ReplaceAll(defaultTaskTable, "\t", `\t`) + ` "`
		if code := s.Exec("docker service ps "+slowFmt+" "+args, &slow, &slow); code != 0 {
			t.Fatalf("%s: exit %d: %s", args, code, slow.String())
		}
		if diff := cmp.Diff(slow.String(), fast.String()); diff != "" {
			t.Errorf("%s (-template +direct):\n%s", args, diff)
		}
		if strings.Count(fast.String(), "\n") < 10 {
			t.Errorf("%s: too few rows:\n%s", args, fast.String())
		}
	}
	// The order: docker/cli's sort.Stable by ID, then by name (natural),
	// newest first.
	var all []swarmsim.TaskView
	for _, svc := range []string{"web", "agent"} {
		ts, _ := s.Cluster().Tasks(svc)
		all = append(all, ts...)
	}
	name := func(t swarmsim.TaskView) string { return t.Name() }
	sort.SliceStable(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	sort.SliceStable(all, func(i, j int) bool {
		if name(all[i]) != name(all[j]) {
			return dockerfmt.NaturalLess(name(all[i]), name(all[j]))
		}
		return all[j].CreatedAt.Before(all[i].CreatedAt)
	})
	var want []string
	for _, t := range all {
		want = append(want, t.ID)
	}
	var out2 bytes.Buffer
	s.Exec("docker service ps -q web agent", &out2, &out2)
	if diff := cmp.Diff(want, strings.Fields(out2.String())); diff != "" {
		t.Errorf("row order (-docker/cli's +ours):\n%s", diff)
	}
}

// The default `node ls` table, written without the template, is byte for
// byte what the template writes.
func TestNodeLsDefaultTable(t *testing.T) {
	s := NewSession(1)
	script := `docker node ls
swarmsim node add extra --role manager
swarmsim node down worker2
docker node update --availability drain worker1`
	if err := RunScript(strings.NewReader(script), &bytes.Buffer{}, ScriptOptions{Session: s}); err != nil {
		t.Fatal(err)
	}
	s.Cluster().RunFor(time.Minute)
	for _, args := range []string{"", "--filter role=manager"} {
		var fast, slow bytes.Buffer
		s.Exec("docker node ls "+args, &fast, &fast)
		slowFmt := `--format "` + strings.ReplaceAll(defaultNodeTable, "\t", `\t`) + ` "`
		s.Exec("docker node ls "+slowFmt+" "+args, &slow, &slow)
		if diff := cmp.Diff(slow.String(), fast.String()); diff != "" {
			t.Errorf("%q (-template +direct):\n%s", args, diff)
		}
		if !strings.Contains(fast.String(), "*") || strings.Count(fast.String(), "\n") < 2 {
			t.Errorf("%q: unexpected table:\n%s", args, fast.String())
		}
	}
}
