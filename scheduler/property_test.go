package scheduler

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
	"pgregory.net/rapid"
)

var (
	genServices    = []string{"svc", "other", "third"}
	genZones       = []string{"", "a", "b", "c"}
	genArchs       = []string{"x86_64", "aarch64", "amd64", ""}
	genObserved    = []task.State{task.Pending, task.Assigned, task.Preparing, task.Running, task.Complete, task.Shutdown, task.Failed}
	genDesired     = []task.State{task.Ready, task.Running, task.Complete, task.Shutdown, task.Remove}
	genPorts       = [][]HostPort{nil, nil, {{"tcp", 80}}, {{"udp", 80}}, {{"tcp", 80}, {"tcp", 443}}}
	genConstraints = [][]string{nil, nil, {"node.labels.zone==a"}, {"node.labels.zone!=b"}, {"node.role==worker"}, {"node.platform.arch!=aarch64", "node.labels.zone!=c"}, {"bogus"}}
	genPlatforms   = [][]node.Platform{nil, nil, {{Architecture: "amd64", OS: "linux"}}, {{Architecture: "arm64"}, {OS: "windows"}}}
)

// genSet draws a Set with up to maxNodes nodes, tasks on them, failures, and
// some removed nodes.
func genSet(t *rapid.T, maxNodes int) *Set {
	s := NewSet()
	nn := rapid.IntRange(0, maxNodes).Draw(t, "nodes")
	ids := make([]string, nn)
	for i := range nn {
		ids[i] = fmt.Sprintf("n%03d", i)
		n := mkNode(ids[i])
		n.Spec.Availability = rapid.SampledFrom([]node.Availability{node.Active, node.Active, node.Active, node.Pause, node.Drain}).Draw(t, "avail")
		n.Status.State = rapid.SampledFrom([]node.State{node.Ready, node.Ready, node.Ready, node.Down, node.Unknown}).Draw(t, "state")
		if z := rapid.SampledFrom(genZones).Draw(t, "zone"); z != "" {
			n.Spec.Labels["zone"] = z
		}
		n.Description.Platform.Architecture = rapid.SampledFrom(genArchs).Draw(t, "arch")
		n.Description.Resources.NanoCPUs = int64(rapid.IntRange(0, 4).Draw(t, "cpus")) * cpu
		n.Description.Resources.MemoryBytes = int64(rapid.IntRange(0, 4).Draw(t, "gib")) << 30
		if rapid.IntRange(0, 4).Draw(t, "mgr") == 0 {
			n.Role = node.Manager
		}
		s.AddNode(n)
	}
	if nn == 0 {
		return s
	}
	nt := rapid.IntRange(0, 3*nn).Draw(t, "tasks")
	for i := range nt {
		ti := TaskInfo{
			ID:          fmt.Sprintf("e%d", i),
			ServiceID:   rapid.SampledFrom(genServices).Draw(t, "tsvc"),
			SpecVersion: 1,
			NodeID:      rapid.SampledFrom(ids).Draw(t, "tnode"),
			Desired:     rapid.SampledFrom(genDesired).Draw(t, "tdesired"),
			Observed:    rapid.SampledFrom(genObserved).Draw(t, "tobserved"),
			Reservations: node.Resources{
				NanoCPUs:    int64(rapid.IntRange(0, 2).Draw(t, "tcpu")) * cpu / 2,
				MemoryBytes: int64(rapid.IntRange(0, 2).Draw(t, "tmem")) << 29,
			},
			HostPorts: rapid.SampledFrom(genPorts).Draw(t, "tports"),
		}
		s.UpdateTask(TaskInfo{}, ti)
		if rapid.IntRange(0, 3).Draw(t, "change") == 0 {
			next := ti
			next.Observed = rapid.SampledFrom(genObserved).Draw(t, "tobserved2")
			next.Desired = rapid.SampledFrom(genDesired).Draw(t, "tdesired2")
			s.UpdateTask(ti, next)
		}
	}
	for range rapid.IntRange(0, 6).Draw(t, "failing") {
		id, svc := rapid.SampledFrom(ids).Draw(t, "fnode"), rapid.SampledFrom(genServices).Draw(t, "fsvc")
		for range rapid.IntRange(1, 8).Draw(t, "failures") {
			s.RecordFailure(id, svc, 1, t0.Add(-time.Duration(rapid.IntRange(0, 7).Draw(t, "fago"))*time.Minute))
		}
	}
	for range rapid.IntRange(0, nn/4).Draw(t, "removes") {
		s.RemoveNode(rapid.SampledFrom(ids).Draw(t, "rm"))
	}
	return s
}

func genBatch(t *rapid.T, maxTasks int, prefs bool) Batch {
	b := Batch{
		ServiceID:   rapid.SampledFrom(genServices).Draw(t, "bsvc"),
		SpecVersion: 1,
		Placement: Placement{
			Constraints: rapid.SampledFrom(genConstraints).Draw(t, "bcons"),
			MaxReplicas: uint64(rapid.IntRange(0, 3).Draw(t, "bmax")),
			Platforms:   rapid.SampledFrom(genPlatforms).Draw(t, "bplat"),
		},
		Reservations: node.Resources{
			NanoCPUs:    int64(rapid.IntRange(0, 3).Draw(t, "bcpu")) * cpu / 2,
			MemoryBytes: int64(rapid.IntRange(0, 2).Draw(t, "bmem")) << 29,
		},
		HostPorts: rapid.SampledFrom(genPorts).Draw(t, "bports"),
		TaskIDs:   taskIDs(rapid.IntRange(0, maxTasks).Draw(t, "btasks")),
	}
	if prefs && rapid.Bool().Draw(t, "bprefs") {
		b.Placement.Preferences = rapid.SampledFrom([][]Preference{
			{{Spread: "node.labels.zone"}},
			{{Spread: "node.labels.zone"}, {Spread: "node.labels.rack"}},
			{{Spread: "node.hostname"}},
			{{Spread: "engine.labels.zone"}, {Spread: "node.labels.zone"}},
		}).Draw(t, "bpref")
	}
	return b
}

// checkDecisions verifies, independently of the implementation, that every
// placed task's node passes all filters given the tasks placed before it in
// the batch (TaskIDs order), so no node exceeds its resources.
func checkDecisions(t *rapid.T, s *Set, b Batch, ds []Decision) {
	if len(ds) != len(b.TaskIDs) {
		t.Fatalf("%d decisions for %d tasks", len(ds), len(b.TaskIDs))
	}
	cs, csErr := ParseConstraints(b.Placement.Constraints)
	placed := map[string]int{}
	for i, d := range ds {
		if d.TaskID != b.TaskIDs[i] {
			t.Fatalf("decision %d is for %q", i, d.TaskID)
		}
		if d.NodeID == "" {
			if d.Err != "no suitable node" && (len(d.Err) < 18 || d.Err[:18] != "no suitable node (") {
				t.Fatalf("bad error %q", d.Err)
			}
			continue
		}
		if d.Err != "" {
			t.Fatalf("placed with error %q", d.Err)
		}
		ni := s.byID[d.NodeID]
		if ni == nil || ni.n == nil {
			t.Fatalf("placed on unknown node %s", d.NodeID)
		}
		k := int64(placed[d.NodeID])
		av := ni.available()
		switch {
		case !ni.n.AcceptsNewTasks():
			t.Fatalf("task %s on node %s that is not ready+active", d.TaskID, d.NodeID)
		case (b.Reservations.NanoCPUs != 0 || b.Reservations.MemoryBytes != 0) &&
			((k+1)*b.Reservations.NanoCPUs > av.NanoCPUs || (k+1)*b.Reservations.MemoryBytes > av.MemoryBytes):
			t.Fatalf("task %s exceeds resources of %s (%v available, %d placed)", d.TaskID, d.NodeID, av, k)
		case csErr == nil && !MatchAll(cs, ni.n):
			t.Fatalf("task %s on %s violates constraints", d.TaskID, d.NodeID)
		case len(b.Placement.Platforms) > 0 && !platformMatches(b.Placement.Platforms, ni.n.Description.Platform):
			t.Fatalf("task %s on %s: wrong platform", d.TaskID, d.NodeID)
		case b.Placement.MaxReplicas > 0 && uint64(int64(svcCounts(s, ni)[b.ServiceID])+k) >= b.Placement.MaxReplicas:
			t.Fatalf("task %s on %s exceeds max replicas", d.TaskID, d.NodeID)
		}
		for _, p := range b.HostPorts {
			if p.Port != 0 && (k > 0 || portCounts(ni)[p] > 0) {
				t.Fatalf("task %s on %s: host port %v taken", d.TaskID, d.NodeID, p)
			}
		}
		placed[d.NodeID]++
	}
}

// Property: Schedule places tasks only where they fit, never changes the
// Set, and the indexed path decides exactly as the plain algorithm.
func TestScheduleProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genSet(t, 40)
		checkIndex(t, s)
		b := genBatch(t, 8, true)
		before := dump(s)
		ds := s.Schedule(t0, b)
		if after := dump(s); after != before {
			t.Fatalf("Schedule changed the Set (-before +after):\n%s", cmp.Diff(before, after))
		}
		checkDecisions(t, s, b, ds)
		plain := s.schedulePlainOnly(t0, b)
		if d := cmp.Diff(plain, ds); d != "" {
			t.Fatalf("indexed vs plain (-plain +indexed):\n%s", d)
		}
		if d := cmp.Diff(ds, s.Schedule(t0, b)); d != "" {
			t.Fatalf("not deterministic:\n%s", d)
		}
	})
}

// referenceCandidates is the straightforward candidate set: every node that
// passes the filters, sorted by nodeLess with join order breaking ties, the
// first n.
func referenceCandidates(s *Set, b Batch, now time.Time, n int) []int {
	bc := s.newBatch(now, &b)
	var all []*cand
	for _, ni := range s.slots {
		if ni == nil {
			continue
		}
		c := bc.newCand(ni)
		if bc.firstFailing(&c) == filterNone {
			all = append(all, &c)
		}
	}
	slices.SortFunc(all, func(a, b *cand) int {
		if orderLess(a, b) {
			return -1
		}
		return 1
	})
	var out []int
	for _, c := range all[:min(n, len(all))] {
		out = append(out, c.slot)
	}
	return out
}

// The index search returns the same best-N nodes as a plain sort of every
// node, on random inputs with enough nodes to take the indexed path.
func TestIndexedMatchesPlain(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := genSet(t, 300)
		checkIndex(t, s)
		b := genBatch(t, 12, false)
		if len(b.TaskIDs) == 0 {
			return
		}
		bc := s.newBatch(t0, &b)
		var got []int
		for _, c := range bc.indexedCandidates(len(b.TaskIDs)) {
			got = append(got, c.slot)
		}
		if d := cmp.Diff(referenceCandidates(s, b, t0, len(b.TaskIDs)), got); d != "" {
			t.Fatalf("candidates (-reference +indexed):\n%s", d)
		}
		if d := cmp.Diff(s.schedulePlainOnly(t0, b), s.Schedule(t0, b)); d != "" {
			t.Fatalf("decisions (-plain +indexed):\n%s", d)
		}
	})
}

// Indexes survive node removal (including compaction of the slot slice)
// and node updates; the static-filter cache follows node changes.
func TestIndexMaintenance(t *testing.T) {
	s := NewSet()
	for i := range 300 {
		s.AddNode(mkNode(fmt.Sprintf("n%03d", i), withLabel("zone", []string{"a", "b"}[i%2])))
		addTasks(s, "svc", fmt.Sprintf("n%03d", i), i%3)
	}
	b := Batch{ServiceID: "svc", SpecVersion: 1, TaskIDs: taskIDs(3), Placement: Placement{Constraints: []string{"node.labels.zone==a"}}}
	compare := func(step string) {
		t.Helper()
		checkIndex(t, s)
		if d := cmp.Diff(s.schedulePlainOnly(t0, b), s.Schedule(t0, b)); d != "" {
			t.Fatalf("%s: (-plain +indexed):\n%s", step, d)
		}
	}
	compare("initial")
	ref := func(id string) NodeRef { return s.node(id).ref }
	want := []Decision{{TaskID: "t1", NodeID: "n000", Node: ref("n000")}, {TaskID: "t2", NodeID: "n006", Node: ref("n006")}, {TaskID: "t3", NodeID: "n012", Node: ref("n012")}}
	if d := cmp.Diff(want, s.Schedule(t0, b)); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	for i := 0; i < 250; i++ {
		s.RemoveNode(fmt.Sprintf("n%03d", i))
		if i%50 == 0 {
			compare(fmt.Sprintf("after removing %d", i))
		}
	}
	if len(s.slots) >= 300 {
		t.Fatalf("no compaction: %d slots", len(s.slots))
	}
	compare("after removals")
	// Relabel: the cached static mask must follow.
	zc := Batch{ServiceID: "svc", TaskIDs: taskIDs(1), Placement: Placement{Constraints: []string{"node.labels.zone==c"}}}
	if got := s.Schedule(t0, zc)[0].Err; got != "no suitable node (scheduling constraints not satisfied on 50 nodes)" {
		t.Errorf("before relabel: %q", got)
	}
	s.UpdateNode(mkNode("n299", withLabel("zone", "c")))
	compare("after relabel")
	if d := cmp.Diff("n299", s.Schedule(t0, zc)[0].NodeID); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// Re-added nodes join at the end.
	s.AddNode(mkNode("n000", withLabel("zone", "a")))
	compare("after re-add")
	if ids := s.NodeIDs(); ids[len(ids)-1] != "n000" || len(ids) != 51 || s.Len() != 51 {
		t.Errorf("NodeIDs: %v", ids)
	}
}
