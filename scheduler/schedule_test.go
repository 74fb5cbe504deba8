package scheduler

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
)

// setOf builds a Set from nodes (in join order) and per-node task counts of
// service "svc" and of another service "other".
type nodeLoad struct {
	id          string
	svc, other  int
	opts        []func(*node.Node)
	failures    int // recent failures of svc v1
	failuresOld int // failures of svc v1 older than five minutes
}

func setOf(loads ...nodeLoad) *Set {
	s := NewSet()
	for _, l := range loads {
		s.AddNode(mkNode(l.id, l.opts...))
		addTasks(s, "svc", l.id, l.svc)
		addTasks(s, "other", l.id, l.other)
		for range l.failuresOld {
			s.RecordFailure(l.id, "svc", 1, t0.Add(-10*time.Minute))
		}
		for range l.failures {
			s.RecordFailure(l.id, "svc", 1, t0.Add(-time.Minute))
		}
	}
	return s
}

func batch(n int) Batch {
	return Batch{ServiceID: "svc", SpecVersion: 1, TaskIDs: taskIDs(n)}
}

// SwarmKit's nodeLess ranking and the first pass of scheduleNTasksOnNodes
// (manager/scheduler/scheduler.go), which
// never goes back to an earlier node.
func TestSpreadExamples(t *testing.T) {
	for _, tc := range []struct {
		name  string
		nodes []nodeLoad
		tasks int
		want  map[string]int
	}{
		{"A0 B0 C5 + 6 -> 1 and 5, not 3/3",
			[]nodeLoad{{id: "A"}, {id: "B"}, {id: "C", svc: 5}}, 6, map[string]int{"A": 1, "B": 5}},
		{"3 empty nodes + 7 -> 3/2/2 (join order takes the odd one)",
			[]nodeLoad{{id: "A"}, {id: "B"}, {id: "C"}}, 7, map[string]int{"A": 3, "B": 2, "C": 2}},
		{"A1 B0 C3 + 4 -> A+2 B+2",
			[]nodeLoad{{id: "A", svc: 1}, {id: "B"}, {id: "C", svc: 3}}, 4, map[string]int{"A": 2, "B": 2}},
		{"A2 B2 C0 + 3 -> C+3",
			[]nodeLoad{{id: "A", svc: 2}, {id: "B", svc: 2}, {id: "C"}}, 3, map[string]int{"C": 3}},
		{"other-service load A3 B0 C1 + 1 -> B",
			[]nodeLoad{{id: "A", other: 3}, {id: "B"}, {id: "C", other: 1}}, 1, map[string]int{"B": 1}},
		{"tie: the node that joined first wins",
			[]nodeLoad{{id: "Z"}, {id: "A"}}, 1, map[string]int{"Z": 1}},
		{"free resources play no part in ranking",
			[]nodeLoad{{id: "small", opts: []func(*node.Node){withCPUs(1)}}, {id: "big", opts: []func(*node.Node){withCPUs(64)}}}, 1, map[string]int{"small": 1}},
		// nodeLess rule 1, maxFailures and monitorFailures (scheduler.go): >= 5
		// failures in 5 minutes down-weights.
		{"5 recent failures: ranks behind a node with more tasks",
			[]nodeLoad{{id: "A", failures: 5}, {id: "B", svc: 3}}, 1, map[string]int{"B": 1}},
		{"4 recent failures: no effect",
			[]nodeLoad{{id: "A", failures: 4}, {id: "B", svc: 3}}, 1, map[string]int{"A": 1}},
		{"old failures do not count",
			[]nodeLoad{{id: "A", failures: 2, failuresOld: 5}, {id: "B", svc: 3}}, 1, map[string]int{"A": 1}},
		{"both penalized: fewer failures wins",
			[]nodeLoad{{id: "A", failures: 7}, {id: "B", failures: 6, svc: 4}}, 1, map[string]int{"B": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := setOf(tc.nodes...)
			got := perNode(s.Schedule(t0, batch(tc.tasks)))
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("placement (-want +got):\n%s", d)
			}
		})
	}
}

// Failures are per service and spec version (nodeinfo.go:
// NodeInfo.taskFailed, countRecentFailures).
func TestFailuresPerSpecVersion(t *testing.T) {
	s := setOf(nodeLoad{id: "A", failures: 5}, nodeLoad{id: "B", svc: 1})
	b := batch(1)
	b.SpecVersion = 2
	if d := cmp.Diff(map[string]int{"A": 1}, perNode(s.Schedule(t0, b))); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// At exactly five minutes a failure still counts; just after, it does not.
	if d := cmp.Diff(map[string]int{"B": 1}, perNode(s.Schedule(t0.Add(4*time.Minute), batch(1)))); d != "" {
		t.Errorf("at 5m (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]int{"A": 1}, perNode(s.Schedule(t0.Add(4*time.Minute+time.Second), batch(1)))); d != "" {
		t.Errorf("after 5m (-want +got):\n%s", d)
	}
}

// Spread preferences (nodeset.go: nodeSet.tree; scheduler.go:
// scheduleNTasksOnSubtree).
func TestPreferences(t *testing.T) {
	zone := func(z string) []func(*node.Node) { return []func(*node.Node){withLabel("zone", z)} }
	down := func(z string) []func(*node.Node) {
		return []func(*node.Node){withLabel("zone", z), withState(node.Down)}
	}
	spreadZone := []Preference{{Spread: "node.labels.zone"}}
	for _, tc := range []struct {
		name  string
		nodes []nodeLoad
		prefs []Preference
		tasks int
		want  map[string]int
	}{
		{"[verified] x:{A} y:{B,C} unlabelled D, 6 tasks -> A2 B1 C1 D2",
			[]nodeLoad{{id: "A", opts: zone("x")}, {id: "B", opts: zone("y")}, {id: "C", opts: zone("y")}, {id: "D"}},
			spreadZone, 6, map[string]int{"A": 2, "B": 1, "C": 1, "D": 2}},
		// The second case checked against SwarmKit's scheduler ("with zone y's
		// only node DOWN: A3, C3") read as: x:{A}, y:{B}, unlabelled C, B
		// down. Zone y has no room; its share is spread over the other two
		// branches.
		{"[verified] zone y's only node DOWN -> A3 C3",
			[]nodeLoad{{id: "A", opts: zone("x")}, {id: "B", opts: down("y")}, {id: "C"}},
			spreadZone, 6, map[string]int{"A": 3, "C": 3}},
		{"x:{A} y:{B,C} (both down) unlabelled D -> A3 D3",
			[]nodeLoad{{id: "A", opts: zone("x")}, {id: "B", opts: down("y")}, {id: "C", opts: down("y")}, {id: "D"}},
			spreadZone, 6, map[string]int{"A": 3, "D": 3}},
		{"remainder goes to branches in ascending label order (\"\" first)",
			[]nodeLoad{{id: "A", opts: zone("b")}, {id: "B", opts: zone("a")}, {id: "C"}},
			spreadZone, 5, map[string]int{"C": 2, "B": 2, "A": 1}},
		{"existing tasks count towards their branch, even on nodes failing filters",
			[]nodeLoad{{id: "A", opts: zone("x")}, {id: "B", opts: down("y"), svc: 3}, {id: "C", opts: zone("y")}},
			spreadZone, 3, map[string]int{"A": 3}},
		{"prefix is case-insensitive",
			[]nodeLoad{{id: "A", opts: zone("x")}, {id: "B", opts: zone("x")}, {id: "C", opts: zone("y")}},
			[]Preference{{Spread: "NODE.Labels.zone"}}, 4, map[string]int{"A": 1, "B": 1, "C": 2}},
		{"other descriptors are ignored",
			[]nodeLoad{{id: "A", opts: zone("x")}, {id: "B", opts: zone("x")}, {id: "C", opts: zone("y")}},
			[]Preference{{Spread: "node.hostname"}}, 3, map[string]int{"A": 1, "B": 1, "C": 1}},
		{"engine labels",
			[]nodeLoad{
				{id: "A", opts: []func(*node.Node){func(n *node.Node) { n.Description.EngineLabels = map[string]string{"disk": "ssd"} }}},
				{id: "B", opts: []func(*node.Node){func(n *node.Node) { n.Description.EngineLabels = map[string]string{"disk": "ssd"} }}},
				{id: "C"}},
			[]Preference{{Spread: "engine.labels.disk"}}, 4, map[string]int{"A": 1, "B": 1, "C": 2}},
		{"hierarchical: region then zone",
			[]nodeLoad{
				{id: "A", opts: []func(*node.Node){withLabel("region", "eu"), withLabel("zone", "1")}},
				{id: "B", opts: []func(*node.Node){withLabel("region", "eu"), withLabel("zone", "2")}},
				{id: "C", opts: []func(*node.Node){withLabel("region", "us"), withLabel("zone", "1")}}},
			[]Preference{{Spread: "node.labels.region"}, {Spread: "node.labels.zone"}}, 4,
			map[string]int{"A": 1, "B": 1, "C": 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := setOf(tc.nodes...)
			b := batch(tc.tasks)
			b.Placement.Preferences = tc.prefs
			got := perNode(s.Schedule(t0, b))
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("placement (-want +got):\n%s", d)
			}
		})
	}
}

// The explanation strings (filter.go: each filter's Explain; pipeline.go:
// Pipeline.Explain; scheduler.go: noSuitableNode).
func TestExplanations(t *testing.T) {
	eu := []func(*node.Node){withLabel("zone", "eu")}
	us := []func(*node.Node){withLabel("zone", "us")}
	paused := []func(*node.Node){withAvail(node.Pause)}
	drained := []func(*node.Node){withAvail(node.Drain)}
	down := []func(*node.Node){withState(node.Down)}
	for _, tc := range []struct {
		name       string
		nodes      []nodeLoad
		b          Batch
		wantPlaced map[string]int
		wantErrs   map[string]int
	}{
		{"[verified] constraints on 3 nodes; 2 not available",
			[]nodeLoad{{id: "A", opts: us}, {id: "B", opts: us}, {id: "C", opts: paused}, {id: "D", opts: us}, {id: "E", opts: down}},
			Batch{ServiceID: "svc", TaskIDs: taskIDs(2), Placement: Placement{Constraints: []string{"node.labels.zone==eu"}}},
			map[string]int{},
			map[string]int{"no suitable node (scheduling constraints not satisfied on 3 nodes; 2 nodes not available for new tasks)": 2}},
		{"[verified] a tie keeps pipeline order",
			[]nodeLoad{{id: "A", opts: us}, {id: "B", opts: drained}},
			Batch{ServiceID: "svc", TaskIDs: taskIDs(1), Placement: Placement{Constraints: []string{"node.labels.zone==eu"}}},
			map[string]int{},
			map[string]int{"no suitable node (1 node not available for new tasks; scheduling constraints not satisfied on 1 node)": 1}},
		{"[verified] max replicas per node",
			[]nodeLoad{{id: "A"}, {id: "B"}},
			Batch{ServiceID: "svc", TaskIDs: taskIDs(3), Placement: Placement{MaxReplicas: 1}},
			map[string]int{"A": 1, "B": 1},
			map[string]int{"no suitable node (max replicas per node limit exceed)": 1}},
		{"[verified] quirk: passing nodes reset the counts (paused C joined last)",
			[]nodeLoad{{id: "A"}, {id: "B"}, {id: "C", opts: paused}},
			Batch{ServiceID: "svc", TaskIDs: taskIDs(3), Reservations: node.Resources{NanoCPUs: 3 * cpu}},
			map[string]int{"A": 1, "B": 1},
			map[string]int{"no suitable node (insufficient resources on 2 nodes)": 1}},
		{"[verified] quirk: paused C joined first",
			[]nodeLoad{{id: "C", opts: paused}, {id: "A"}, {id: "B"}},
			Batch{ServiceID: "svc", TaskIDs: taskIDs(3), Reservations: node.Resources{NanoCPUs: 3 * cpu}},
			map[string]int{"A": 1, "B": 1},
			map[string]int{"no suitable node (insufficient resources on 2 nodes)": 1}},
		{"no node passed at all: every node is counted",
			[]nodeLoad{{id: "A", opts: paused}, {id: "B", opts: withCPUsOpt(1)}, {id: "C", opts: withCPUsOpt(2)}},
			Batch{ServiceID: "svc", TaskIDs: taskIDs(1), Reservations: node.Resources{NanoCPUs: 3 * cpu}},
			map[string]int{},
			map[string]int{"no suitable node (insufficient resources on 2 nodes; 1 node not available for new tasks)": 1}},
		{"[verified] host-mode port: 5 replicas with 8080 on 3 nodes",
			[]nodeLoad{{id: "A"}, {id: "B"}, {id: "C"}},
			Batch{ServiceID: "svc", TaskIDs: taskIDs(5), HostPorts: []HostPort{{"tcp", 8080}}},
			map[string]int{"A": 1, "B": 1, "C": 1},
			map[string]int{"no suitable node (host-mode port already in use on 3 nodes)": 2}},
		{"platform",
			[]nodeLoad{{id: "A"}, {id: "B", opts: []func(*node.Node){func(n *node.Node) { n.Description.Platform.Architecture = "aarch64" }}}},
			Batch{ServiceID: "svc", TaskIDs: taskIDs(2), Placement: Placement{Platforms: []node.Platform{{Architecture: "arm64", OS: "linux"}}}},
			map[string]int{"B": 2},
			map[string]int{}},
		{"unsupported platform",
			[]nodeLoad{{id: "A"}, {id: "B", opts: []func(*node.Node){func(n *node.Node) { n.Description.Platform = node.Platform{} }}}},
			Batch{ServiceID: "svc", TaskIDs: taskIDs(1), Placement: Placement{Platforms: []node.Platform{{Architecture: "arm64"}}}},
			map[string]int{},
			map[string]int{"no suitable node (unsupported platform on 2 nodes)": 1}},
		{"no nodes at all",
			nil,
			Batch{ServiceID: "svc", TaskIDs: taskIDs(1)},
			map[string]int{},
			map[string]int{"no suitable node": 1}},
		{"unparsable constraints disable the filter",
			[]nodeLoad{{id: "A", opts: eu}},
			Batch{ServiceID: "svc", TaskIDs: taskIDs(1), Placement: Placement{Constraints: []string{"nonsense"}}},
			map[string]int{"A": 1},
			map[string]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := setOf(tc.nodes...)
			ds := s.Schedule(t0, tc.b)
			if d := cmp.Diff(tc.wantPlaced, perNode(ds)); d != "" {
				t.Errorf("placement (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantErrs, errs(ds)); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
}

func withCPUsOpt(c int64) []func(*node.Node) { return []func(*node.Node){withCPUs(c)} }

// ReadyFilter.Check (filter.go): new tasks go only to READY and ACTIVE nodes.
func TestOnlyReadyActiveNodesGetTasks(t *testing.T) {
	s := setOf(
		nodeLoad{id: "paused", opts: []func(*node.Node){withAvail(node.Pause)}},
		nodeLoad{id: "drained", opts: []func(*node.Node){withAvail(node.Drain)}},
		nodeLoad{id: "down", opts: []func(*node.Node){withState(node.Down)}},
		nodeLoad{id: "unknown", opts: []func(*node.Node){withState(node.Unknown)}},
		nodeLoad{id: "disconnected", opts: []func(*node.Node){withState(node.Disconnected)}},
		nodeLoad{id: "ok", svc: 10},
	)
	ds := s.Schedule(t0, batch(4))
	if d := cmp.Diff(map[string]int{"ok": 4}, perNode(ds)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// Docs: "the first node to become available gets all of the tasks".
	s.UpdateNode(mkNode("ok", withAvail(node.Drain)))
	ds = s.Schedule(t0, batch(4))
	if d := cmp.Diff(map[string]int{"no suitable node (6 nodes not available for new tasks)": 4}, errs(ds)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	s.UpdateNode(mkNode("paused"))
	if d := cmp.Diff(map[string]int{"paused": 4}, perNode(s.Schedule(t0, batch(4)))); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// Scheduler.taskFitNode (scheduler.go): pre-assigned (global) tasks get the
// bare explanation.
func TestSchedulePreassigned(t *testing.T) {
	s := setOf(
		nodeLoad{id: "A"},
		nodeLoad{id: "P", opts: []func(*node.Node){withAvail(node.Pause)}},
		nodeLoad{id: "S", opts: withCPUsOpt(1)},
		nodeLoad{id: "L", opts: []func(*node.Node){withLabel("zone", "us")}},
	)
	s.UpdateTask(TaskInfo{}, TaskInfo{ID: "h", ServiceID: "x", NodeID: "A", Desired: task.Running, Observed: task.Running, HostPorts: []HostPort{{"tcp", 80}}})
	type res struct {
		OK  bool
		Exp string
	}
	b := Batch{ServiceID: "g", Reservations: node.Resources{NanoCPUs: 2 * cpu}, Placement: Placement{Constraints: []string{"node.labels.zone!=us"}}}
	for _, tc := range []struct {
		node string
		b    Batch
		want res
	}{
		{"A", b, res{true, ""}},
		{"P", b, res{false, "1 node not available for new tasks"}},
		{"S", b, res{false, "insufficient resources on 1 node"}},
		{"L", b, res{false, "scheduling constraints not satisfied on 1 node"}},
		{"A", Batch{ServiceID: "g", HostPorts: []HostPort{{"tcp", 80}}}, res{false, "host-mode port already in use on 1 node"}},
		{"A", Batch{ServiceID: "g", HostPorts: []HostPort{{"udp", 80}}}, res{true, ""}},
		{"nope", b, res{false, ""}},
	} {
		ok, exp := s.SchedulePreassigned(t0, tc.b, tc.node)
		if d := cmp.Diff(tc.want, res{ok, exp}); d != "" {
			t.Errorf("node %s (-want +got):\n%s", tc.node, d)
		}
	}
}

// NodeInfo.addTask and removeTask (nodeinfo.go), Scheduler.updateTask: what
// counts against a node, via UpdateTask.
func TestResourceAccounting(t *testing.T) {
	s := NewSet()
	s.AddNode(mkNode("A"))
	s.AddNode(mkNode("B"))
	tk := TaskInfo{ID: "t", ServiceID: "svc", NodeID: "A", Desired: task.Running, Observed: task.Assigned,
		Reservations: node.Resources{NanoCPUs: 3 * cpu, MemoryBytes: 1 << 30}, HostPorts: []HostPort{{"tcp", 8080}}}
	avail := func(id string) node.Resources { r, _ := s.Available(id); return r }
	counts := func(id string) [2]int { a, b := s.TaskCounts(id, "svc"); return [2]int{a, b} }
	check := func(step string, wantAvail node.Resources, wantCounts [2]int) {
		t.Helper()
		if d := cmp.Diff(wantAvail, avail("A")); d != "" {
			t.Errorf("%s: available (-want +got):\n%s", step, d)
		}
		if d := cmp.Diff(wantCounts, counts("A")); d != "" {
			t.Errorf("%s: counts (-want +got):\n%s", step, d)
		}
		checkIndex(t, s)
	}
	full := node.Resources{NanoCPUs: 4 * cpu, MemoryBytes: 8 << 30}
	used := node.Resources{NanoCPUs: 1 * cpu, MemoryBytes: 7 << 30}

	pending := tk
	pending.NodeID, pending.Observed = "", task.Pending
	s.UpdateTask(TaskInfo{}, pending)
	check("pending, unassigned", full, [2]int{0, 0})

	s.UpdateTask(pending, tk)
	check("assigned", used, [2]int{1, 1})

	running := tk
	running.Observed = task.Running
	s.UpdateTask(tk, running)
	check("running", used, [2]int{1, 1})

	// A 3-CPU task no longer fits on A; the host port is taken on A too.
	b := Batch{ServiceID: "svc", TaskIDs: taskIDs(2), Reservations: node.Resources{NanoCPUs: 2 * cpu}}
	if d := cmp.Diff(map[string]int{"B": 2}, perNode(s.Schedule(t0, b))); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}

	stopping := running
	stopping.Desired = task.Shutdown
	s.UpdateTask(running, stopping)
	check("desired shutdown, still running: reservation held, not ranked", used, [2]int{0, 0})
	if ok, exp := s.SchedulePreassigned(t0, Batch{ServiceID: "g", HostPorts: []HostPort{{"tcp", 8080}}}, "A"); ok || exp != "host-mode port already in use on 1 node" {
		t.Errorf("port of a stopping task: got %v %q", ok, exp)
	}

	stopped := stopping
	stopped.Observed = task.Shutdown
	s.UpdateTask(stopping, stopped)
	check("observed shutdown: released", full, [2]int{0, 0})

	s.UpdateTask(stopped, TaskInfo{})
	check("deleted", full, [2]int{0, 0})

	// Desired COMPLETE still ranks; desired > COMPLETE does not.
	done := running
	done.Desired = task.Complete
	s.UpdateTask(TaskInfo{}, done)
	check("desired complete", used, [2]int{1, 1})
}

// A task may be reported before its node is added, and after it is removed.
func TestTaskOnUnknownNode(t *testing.T) {
	s := NewSet()
	tk := runningTask("t", "svc", "A")
	tk.Reservations.NanoCPUs = cpu
	s.UpdateTask(TaskInfo{}, tk)
	s.AddNode(mkNode("A"))
	checkIndex(t, s)
	if a, tot := s.TaskCounts("A", "svc"); a != 1 || tot != 1 {
		t.Errorf("counts %d %d", a, tot)
	}
	s.RemoveNode("A")
	checkIndex(t, s)
	s.AddNode(mkNode("A"))
	if r, _ := s.Available("A"); r.NanoCPUs != 3*cpu {
		t.Errorf("available %v", r)
	}
	s.RemoveNode("A")
	s.UpdateTask(tk, TaskInfo{})
	if len(s.byID) != 0 {
		t.Errorf("leftover accounting: %s", dump(s))
	}
}
