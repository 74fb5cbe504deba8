package scheduler

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
	"pgregory.net/rapid"
)

// slowUpdate is UpdateTask without its shortcuts: remove prev's use of its
// node, then add cur's (the accounting as SwarmKit's nodeInfo does it).
func slowUpdate(s *Set, prev, cur TaskInfo) {
	prev.Node, cur.Node = 0, 0 // by ID alone
	if prev.countsOnNode() {
		s.account(&prev, -1)
	}
	if cur.countsOnNode() {
		s.account(&cur, +1)
	}
}

// Property: for any well-formed sequence of task changes (each prev being
// the previous cur) and node additions and removals, UpdateTask (with its
// fast path for a flip of active() alone, and its caches) leaves exactly
// the state that removing prev and adding cur leaves; and the final
// accounting (TaskCounts, Available, indexes, decisions) equals that of a
// Set built from scratch from the final tasks.
func TestUpdateTaskMatchesSlowPath(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		fast, slow := NewSet(), NewSet()
		nodeIDs := []string{"a", "b", "c", "d", "e"}
		member := map[string]bool{}
		refs := map[string]NodeRef{} // what fast.AddNode returned
		// withRef gives a task's node a NodeRef as a caller would: none, the
		// right one, or a stale or wrong one (the ID must decide).
		withRef := func(ti TaskInfo) TaskInfo {
			switch rapid.IntRange(0, 2).Draw(t, "ref") {
			case 0:
				ti.Node = 0
			case 1:
				ti.Node = refs[ti.NodeID]
			case 2:
				ti.Node = NodeRef(rapid.IntRange(1, 12).Draw(t, "wrongref"))
			}
			return ti
		}
		var tasks []TaskInfo // current state of each task; zero once deleted
		apply := func(i int, cur TaskInfo) {
			fast.UpdateTask(tasks[i], cur)
			slowUpdate(slow, tasks[i], cur)
			tasks[i] = cur
		}
		steps := rapid.IntRange(1, 80).Draw(t, "steps")
		for step := range steps {
			switch op := rapid.IntRange(0, 9).Draw(t, "op"); {
			case op == 0: // add or re-add a node
				id := rapid.SampledFrom(nodeIDs).Draw(t, "addnode")
				n := mkNode(id, withCPUs(int64(rapid.IntRange(0, 8).Draw(t, "cpus"))))
				refs[id] = fast.AddNode(n)
				slow.AddNode(n)
				member[id] = true
			case op == 1: // remove a node
				id := rapid.SampledFrom(nodeIDs).Draw(t, "rmnode")
				fast.RemoveNode(id)
				slow.RemoveNode(id)
				member[id] = false
			case op <= 3 || len(tasks) == 0: // a new task
				tasks = append(tasks, TaskInfo{})
				apply(len(tasks)-1, withRef(TaskInfo{
					ID:          fmt.Sprintf("t%d", len(tasks)),
					ServiceID:   rapid.SampledFrom(genServices).Draw(t, "svc"),
					SpecVersion: 1,
					NodeID:      rapid.SampledFrom(append([]string{""}, nodeIDs...)).Draw(t, "node"),
					Desired:     rapid.SampledFrom(genDesired).Draw(t, "desired"),
					Observed:    rapid.SampledFrom(genObserved).Draw(t, "observed"),
					Reservations: node.Resources{
						NanoCPUs:    int64(rapid.IntRange(0, 2).Draw(t, "cpu")) * cpu / 2,
						MemoryBytes: int64(rapid.IntRange(0, 2).Draw(t, "mem")) << 29,
					},
					HostPorts: rapid.SampledFrom(genPorts).Draw(t, "ports"),
				}))
			case op <= 7: // a task's desired or observed state changes
				i := rapid.IntRange(0, len(tasks)-1).Draw(t, "task")
				if tasks[i].ID == "" {
					continue
				}
				cur := tasks[i]
				if rapid.Bool().Draw(t, "which") {
					cur.Desired = rapid.SampledFrom(genDesired).Draw(t, "desired2")
				} else {
					cur.Observed = rapid.SampledFrom(genObserved).Draw(t, "observed2")
				}
				if rapid.IntRange(0, 9).Draw(t, "rare") == 0 { // moved, respecified
					cur.NodeID = rapid.SampledFrom(nodeIDs).Draw(t, "node2")
					cur.ServiceID = rapid.SampledFrom(genServices).Draw(t, "svc2")
					cur.HostPorts = rapid.SampledFrom(genPorts).Draw(t, "ports2")
					cur = withRef(cur)
				}
				apply(i, cur)
			default: // a task is deleted
				i := rapid.IntRange(0, len(tasks)-1).Draw(t, "deltask")
				apply(i, TaskInfo{})
			}
			checkIndex(t, fast)
			if a, b := dump(slow), dump(fast); a != b {
				t.Fatalf("step %d: fast path differs from slow path (-slow +fast):\n%s", step, cmp.Diff(a, b))
			}
		}

		// From scratch: the members in join order, then the live tasks.
		fresh := NewSet()
		for _, id := range fast.NodeIDs() {
			fresh.AddNode(fast.byID[id].n)
		}
		for _, ti := range tasks {
			if ti.ID != "" {
				fresh.UpdateTask(TaskInfo{}, ti)
			}
		}
		checkIndex(t, fresh)
		for _, id := range nodeIDs {
			for _, svc := range genServices {
				ws, wt := fresh.TaskCounts(id, svc)
				gs, gt := fast.TaskCounts(id, svc)
				if ws != gs || wt != gt {
					t.Fatalf("TaskCounts(%s, %s) = %d, %d; from scratch %d, %d", id, svc, gs, gt, ws, wt)
				}
			}
			wr, wok := fresh.Available(id)
			gr, gok := fast.Available(id)
			if wr != gr || wok != gok {
				t.Fatalf("Available(%s) = %v, %v; from scratch %v, %v", id, gr, gok, wr, wok)
			}
		}
		for _, svc := range genServices {
			b := Batch{ServiceID: svc, SpecVersion: 1, TaskIDs: taskIDs(3), Reservations: node.Resources{NanoCPUs: cpu / 2}}
			// NodeRefs are each Set's own: the nodes must agree.
			if d := cmp.Diff(fresh.Schedule(t0, b), fast.Schedule(t0, b), cmpopts.IgnoreFields(Decision{}, "Node")); d != "" {
				t.Fatalf("decisions (-from scratch +incremental):\n%s", d)
			}
		}
	})
}

// The fast path (only active() flips) on the life of one task, pinned
// against the counts it must give; Scheduler.updateTask: a task being shut
// down
// keeps its reservation and host ports until observed past RUNNING, but
// leaves the ranking's task counts at once.
func TestUpdateTaskActiveFlip(t *testing.T) {
	s := NewSet()
	s.AddNode(mkNode("A"))
	addTasks(s, "svc", "A", 1)
	t1 := TaskInfo{ID: "x", ServiceID: "svc", NodeID: "A", Desired: task.Running, Observed: task.Running,
		Reservations: node.Resources{NanoCPUs: cpu}, HostPorts: []HostPort{{"tcp", 80}}}
	t2 := t1
	t2.Desired = task.Shutdown
	t3 := t2
	t3.Observed = task.Shutdown
	type state struct {
		Svc, Total int
		CPU        int64
		Port       int32
	}
	get := func() state {
		svc, total := s.TaskCounts("A", "svc")
		r, _ := s.Available("A")
		return state{svc, total, r.NanoCPUs, s.byID["A"].portTasks(HostPort{"tcp", 80})}
	}
	for _, step := range []struct {
		name      string
		prev, cur TaskInfo
		want      state
	}{
		{"new", TaskInfo{}, t1, state{2, 2, 3 * cpu, 1}},
		{"desired SHUTDOWN", t1, t2, state{1, 1, 3 * cpu, 1}},
		{"desired back to RUNNING", t2, t1, state{2, 2, 3 * cpu, 1}},
		{"desired SHUTDOWN again", t1, t2, state{1, 1, 3 * cpu, 1}},
		{"observed SHUTDOWN", t2, t3, state{1, 1, 4 * cpu, 0}},
		{"deleted", t3, TaskInfo{}, state{1, 1, 4 * cpu, 0}},
	} {
		s.UpdateTask(step.prev, step.cur)
		checkIndex(t, s)
		if d := cmp.Diff(step.want, get()); d != "" {
			t.Errorf("%s (-want +got):\n%s", step.name, d)
		}
	}
}

// A non-member node's accounting exists only while tasks count on it; the
// fast path must not keep it alive, nor drop it early.
func TestUpdateTaskActiveFlipUnknownNode(t *testing.T) {
	s := NewSet()
	t1 := runningTask("x", "svc", "ghost")
	t2 := t1
	t2.Desired = task.Shutdown
	s.UpdateTask(TaskInfo{}, t1)
	s.UpdateTask(t1, t2)
	checkIndex(t, s)
	if svc, total := s.TaskCounts("ghost", "svc"); svc != 0 || total != 0 {
		t.Errorf("counts %d %d, want 0 0", svc, total)
	}
	s.UpdateTask(t2, t1)
	if svc, total := s.TaskCounts("ghost", "svc"); svc != 1 || total != 1 {
		t.Errorf("counts %d %d, want 1 1", svc, total)
	}
	s.UpdateTask(t1, TaskInfo{})
	checkIndex(t, s)
	if len(s.byID) != 0 || len(s.svcByID) != 0 {
		t.Errorf("leftover accounting: %s", dump(s))
	}
}

// AddNode hands out a NodeRef per node; Decisions name the node by ref as
// well as by ID; and a task change carrying a stale or wrong ref is
// accounted on the node its NodeID names.
func TestNodeRefs(t *testing.T) {
	s := NewSet()
	ra, rb := s.AddNode(mkNode("A", withCPUs(1))), s.AddNode(mkNode("B", withCPUs(1)))
	if ra == 0 || rb == 0 || ra == rb {
		t.Fatalf("refs %d and %d, want two distinct non-zero refs", ra, rb)
	}
	if again := s.AddNode(mkNode("A", withCPUs(1))); again != ra {
		t.Errorf("adding A again gave ref %d, want %d", again, ra)
	}
	if r := s.AddNode(nil); r != 0 {
		t.Errorf("AddNode(nil) = %d, want 0", r)
	}
	b := Batch{ServiceID: "svc", SpecVersion: 1, TaskIDs: taskIDs(2)}
	for _, d := range s.Schedule(t0, b) {
		want := map[string]NodeRef{"A": ra, "B": rb}[d.NodeID]
		if d.Node != want {
			t.Errorf("decision %+v: Node %d, want %d", d, d.Node, want)
		}
	}
	// A task on B that names A's ref (wrong) is counted on B.
	ti := TaskInfo{ID: "x", ServiceID: "svc", NodeID: "B", Node: ra, Desired: task.Running, Observed: task.Running,
		Reservations: node.Resources{NanoCPUs: cpu}}
	s.UpdateTask(TaskInfo{}, ti)
	if _, total := s.TaskCounts("B", "svc"); total != 1 {
		t.Errorf("B counts %d tasks, want 1", total)
	}
	if _, total := s.TaskCounts("A", "svc"); total != 0 {
		t.Errorf("A counts %d tasks, want 0", total)
	}
	// B removed and forgotten once its task is gone; a new B gets a new
	// ref, and the old one is stale: ignored.
	s.RemoveNode("B")
	s.UpdateTask(ti, TaskInfo{})
	rb2 := s.AddNode(mkNode("B", withCPUs(1)))
	if rb2 == rb {
		t.Fatalf("a forgotten node's ref was reused (%d)", rb)
	}
	stale := ti
	stale.Node = rb
	s.UpdateTask(TaskInfo{}, stale)
	if r, _ := s.Available("B"); r.NanoCPUs != 0 {
		t.Errorf("B has %d CPU left, want 0 (the task's reservation counted on it)", r.NanoCPUs)
	}
}
