package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/errdefs"
	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/spec"
	"github.com/swarmsim/swarmsim/task"
)

func addNode(st *store.Store, id, host string) *store.Node {
	ns := &store.Node{N: &node.Node{ID: id, Description: node.Description{Hostname: host}}}
	st.AddNode(ns)
	return ns
}

func addService(st *store.Store, id, name string, sp spec.Service) *store.Service {
	sp.Name = name
	s := &store.Service{ID: id}
	s.Spec = s.NewVersion(sp)
	st.AddService(s)
	return s
}

// errText is an error's text, "" for none.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Nodes are found by ID, hostname (the first live one in join order) and
// unique ID prefix, with Docker's errors; a removed node is found by none.
func TestLookupNode(t *testing.T) {
	st := store.New()
	a := addNode(st, "abc111", "web")
	b := addNode(st, "abd222", "web")
	c := addNode(st, "xyz333", "db")
	if a.Idx != 0 || b.Idx != 1 || c.Idx != 2 {
		t.Errorf("join order: %d %d %d, want 0 1 2", a.Idx, b.Idx, c.Idx)
	}
	for _, tc := range []struct {
		ref     string
		want    *store.Node
		wantErr string
	}{
		{"abc111", a, ""},
		{"web", a, ""}, // two nodes are called web: the first that joined
		{"db", c, ""},
		{"abd", b, ""},
		{"x", c, ""},
		{"ab", nil, "node ab is ambiguous (2 matches found)"},
		{"nope", nil, "node nope not found"},
	} {
		got, err := st.LookupNode(tc.ref)
		if got != tc.want || errText(err) != tc.wantErr {
			t.Errorf("LookupNode(%q) = %v, %q; want %v, %q", tc.ref, got, errText(err), tc.want, tc.wantErr)
		}
	}
	st.RemoveNode(a)
	if got, _ := st.LookupNode("web"); got != b {
		t.Errorf("after the first web left, web = %v, want the second", got)
	}
	if _, err := st.LookupNode("abc111"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("a removed node is found by ID: %v", err)
	}
	if got, _ := st.LookupNode("ab"); got != b {
		t.Errorf("ab after a left = %v, want b", got)
	}
	if st.Joined() != 3 || st.LiveNodes() != 2 || st.Node(0) != nil || !a.Removed || st.NodeByID("abd222") != b {
		t.Errorf("after a removal: joined %d, live %d, node 0 %v", st.Joined(), st.LiveNodes(), st.Node(0))
	}
}

// A scheduling decision names a node by its handle and ID; a handle the
// store does not know (or that names another node) falls back to the ID.
func TestNodeByRef(t *testing.T) {
	st := store.New()
	a := addNode(st, "a", "a")
	b := addNode(st, "b", "b")
	st.SetRef(a, 1)
	st.SetRef(b, 5)
	for _, tc := range []struct {
		ref  scheduler.NodeRef
		id   string
		want *store.Node
	}{{1, "a", a}, {5, "b", b}, {5, "a", a}, {9, "b", b}, {0, "a", a}, {3, "zz", nil}} {
		if got := st.NodeByRef(tc.ref, tc.id); got != tc.want {
			t.Errorf("NodeByRef(%d, %q) = %v, want %v", tc.ref, tc.id, got, tc.want)
		}
	}
	st.RemoveNode(b)
	if got := st.NodeByRef(5, "b"); got != nil {
		t.Errorf("a removed node is found by its handle: %v", got)
	}
}

// Services are found by ID, exact name and unique prefix; names conflict
// case-insensitively, as SwarmKit's store indexes them.
func TestLookupService(t *testing.T) {
	st := store.New()
	web := addService(st, "s1aaa", "web", spec.Service{Replicas: 3})
	db := addService(st, "s1bbb", "db", spec.Service{Replicas: 1})
	for _, tc := range []struct {
		ref     string
		want    *store.Service
		wantErr string
	}{
		{"s1aaa", web, ""}, {"web", web, ""}, {"s1b", db, ""},
		{"WEB", nil, "service WEB not found"}, // exact names only
		{"s1", nil, "service s1 is ambiguous (2 matches found)"},
	} {
		got, err := st.LookupService(tc.ref)
		if got != tc.want || errText(err) != tc.wantErr {
			t.Errorf("LookupService(%q) = %v, %q; want %v, %q", tc.ref, got, errText(err), tc.want, tc.wantErr)
		}
	}
	if !st.NameTaken("Web") || st.NameTaken("cache") {
		t.Error("NameTaken does not fold case")
	}
	st.RemoveService(web)
	if st.NameTaken("web") || st.Service(0) != nil || !web.Removed {
		t.Error("a removed service keeps its name")
	}
	if got, _ := st.LookupService("s1"); got != db {
		t.Errorf("s1 after web left = %v, want db", got)
	}
}

// The store counts what the live services ask for: replicas, and a task
// per live node for each global service.
func TestWants(t *testing.T) {
	st := store.New()
	addNode(st, "n1", "n1")
	addNode(st, "n2", "n2")
	web := addService(st, "w", "web", spec.Service{Replicas: 5})
	g := addService(st, "g", "agent", spec.Service{Mode: spec.Global})
	job := addService(st, "j", "job", spec.Service{Mode: spec.ReplicatedJob, MaxConcurrent: 2, TotalCompletions: 10})
	type counts struct {
		Wanted  uint64
		Globals int
	}
	check := func(when string, want counts) {
		t.Helper()
		if d := cmp.Diff(want, counts{st.TasksWanted(), st.Globals()}); d != "" {
			t.Errorf("%s (-want +got):\n%s", when, d)
		}
	}
	check("created", counts{5 + 2 + 2, 1})
	addNode(st, "n3", "n3")
	check("a node joined", counts{5 + 3 + 2, 1})
	st.SetSpec(web, web.NewVersion(spec.Service{Name: "web", Replicas: 1}))
	check("scaled down", counts{1 + 3 + 2, 1})
	st.SetSpec(g, g.NewVersion(spec.Service{Name: "agent", Replicas: 7}))
	check("global made replicated", counts{1 + 7 + 2, 0})
	st.RemoveService(job)
	check("job removed", counts{1 + 7, 0})
	if got := st.Wants(&spec.Service{Mode: spec.Global}); got != 3 {
		t.Errorf("a global spec wants %d, want 3", got)
	}
	if got := st.Wants(nil); got != 0 {
		t.Errorf("nil wants %d", got)
	}
}

// Slots are kept by key, listed in ascending order, and dropped.
func TestSlots(t *testing.T) {
	var s store.Slots
	for _, k := range []uint64{5, 1, 3, 1} {
		s.GetOrAdd(k)
	}
	keys := func() (out []uint64) {
		for _, sl := range s.All() {
			out = append(out, sl.Key)
		}
		return out
	}
	if d := cmp.Diff([]uint64{1, 3, 5}, keys()); d != "" {
		t.Errorf("All (-want +got):\n%s", d)
	}
	s.Remove(s.Get(3))
	s.Remove(&store.Slot{Key: 5}) // not the stored one: ignored
	if d := cmp.Diff([]uint64{1, 5}, keys()); d != "" {
		t.Errorf("after Remove (-want +got):\n%s", d)
	}
	if s.Get(3) != nil || s.Get(100) != nil {
		t.Error("Get finds a removed or unknown slot")
	}
}

// A task is created on no node, attached and detached in O(1) (another
// task takes its place in the node's list), found by ID once created, and
// freed when deleted: its slot forgets it, an empty slot is dropped, and
// the store's list holds a stand-in.
func TestTaskLifecycle(t *testing.T) {
	st := store.New()
	ns := addNode(st, "n", "n")
	s := addService(st, "s", "web", spec.Service{Replicas: 3})
	var tasks []*store.Task
	for i := range 3 {
		ts := st.NewTask()
		ts.Svc, ts.Spec, ts.Slot = s, s.Spec, s.Slots.GetOrAdd(uint64(i+1))
		ts.Slot.Tasks = append(ts.Slot.Tasks, ts)
		ts.T = task.Task{ID: fmt.Sprint("t", i), Slot: uint64(i + 1)}
		if ts.Idx != int32(i) || ts.NodePos != -1 {
			t.Fatalf("task %d: Idx %d, NodePos %d", i, ts.Idx, ts.NodePos)
		}
		store.Attach(ts, ns)
		tasks = append(tasks, ts)
	}
	if st.LookupTask("t2") != tasks[2] || st.LookupTask("t0") != tasks[0] || st.LookupTask("t9") != nil {
		t.Error("LookupTask")
	}
	st.DeleteTask(tasks[0])
	if tasks[0].NodePos != -1 || len(ns.Tasks) != 2 || ns.Tasks[0] != tasks[2] || tasks[2].NodePos != 0 {
		t.Errorf("detach: the last task did not take the first's place: %v", ns.Tasks)
	}
	if tasks[0].Node != ns {
		t.Error("a deleted task forgot its node")
	}
	if s.Slots.Get(1) != nil {
		t.Error("an empty slot was kept")
	}
	st.Free(tasks[0])
	if got := st.Task(0); !got.Deleted || got == tasks[0] || got.T.ID != "" {
		t.Errorf("Task(0) after Free = %+v, want the stand-in", got)
	}
	if st.LookupTask("t0") != nil || st.Created() != 3 {
		t.Error("a freed task is still found")
	}
	if d := cmp.Diff([]int32{1, 2}, idxs(st.LiveTasks())); d != "" {
		t.Errorf("LiveTasks (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int32{1, 2}, idxs(ns.TasksInOrder())); d != "" {
		t.Errorf("TasksInOrder (-want +got):\n%s", d)
	}
	if s.SlotTask(2, "t1") != tasks[1] || s.SlotTask(2, "t2") != nil || s.SlotTask(9, "t1") != nil {
		t.Error("SlotTask")
	}
}

func idxs(ts []*store.Task) (out []int32) {
	for _, t := range ts {
		out = append(out, t.Idx)
	}
	return out
}

// Count moves a service's counters with each change of a task's facts; a
// job's counters count only the current iteration.
func TestCount(t *testing.T) {
	s := &store.Service{}
	s.Spec = s.NewVersion(spec.Service{Mode: spec.GlobalJob})
	ts := &store.Task{Svc: s}
	type f = store.Facts
	steps := []struct {
		to   f
		want store.JobCount
		run  [2]int // Running, DesiredRunning
	}{
		{f{Desired: task.Complete, Observed: task.Pending}, store.JobCount{Pending: 1}, [2]int{0, 0}},
		{f{Desired: task.Complete, Observed: task.Running}, store.JobCount{Running: 1, Pending: 1}, [2]int{1, 0}},
		{f{Desired: task.Complete, Observed: task.Complete}, store.JobCount{Completed: 1}, [2]int{0, 0}},
		{f{Desired: task.Complete, Observed: task.Complete, Deleted: true}, store.JobCount{}, [2]int{0, 0}},
	}
	was := f{Deleted: true}
	for i, st := range steps {
		s.Count(ts, was, st.to)
		was = st.to
		if s.Job != st.want || s.Running != st.run[0] || s.DesiredRunning != st.run[1] {
			t.Errorf("step %d: job %+v running %d desired %d; want %+v %v", i, s.Job, s.Running, s.DesiredRunning, st.want, st.run)
		}
	}
	// A task of an older iteration moves only the service's own counters.
	s.JobIter = 1
	s.Count(ts, f{Deleted: true}, f{Desired: task.Running, Observed: task.Running})
	if s.Job != (store.JobCount{}) || s.Running != 1 || s.DesiredRunning != 1 {
		t.Errorf("an old iteration's task: job %+v, running %d, desired %d", s.Job, s.Running, s.DesiredRunning)
	}
}

// IsDirty is SwarmKit's IsTaskDirty: a placement change alone leaves a task
// whose node still fits, a credential change alone one that has pulled.
func TestIsDirty(t *testing.T) {
	base := spec.Service{Name: "web", TaskTemplate: spec.Task{Image: "web:1"}}
	withImage, withPlace, withAuth := base, base, base
	withImage.TaskTemplate.Image = "web:2"
	withPlace.TaskTemplate.Placement.Constraints = []string{"node.labels.zone==a"}
	withAuth.TaskTemplate.Spec.RegistryAuth = "secret"
	inA := &store.Node{N: &node.Node{Spec: node.Spec{Labels: map[string]string{"zone": "a"}}}}
	inB := &store.Node{N: &node.Node{Spec: node.Spec{Labels: map[string]string{"zone": "b"}}}}
	for _, tc := range []struct {
		name     string
		next     spec.Service
		node     *store.Node
		observed task.State
		want     bool
	}{
		{"same spec again", base, inA, task.Running, false},
		{"new image", withImage, inA, task.Running, true},
		{"placement, node fits", withPlace, inA, task.Running, false},
		{"placement, node does not fit", withPlace, inB, task.Running, true},
		{"placement, not yet placed", withPlace, nil, task.Pending, true},
		{"credential, pulled", withAuth, inA, task.Running, false},
		{"credential, still pulling", withAuth, inA, task.Preparing, true},
	} {
		s := &store.Service{ID: "s"}
		s.Spec = s.NewVersion(base)
		ts := &store.Task{Svc: s, Spec: s.Spec, Node: tc.node}
		ts.T = task.Make(task.Task{DesiredState: task.Running}, &ts.Hist)
		ts.T.AdvanceAfter(tc.observed, 0, "", "")
		s.Spec = s.NewVersion(tc.next)
		if got := s.IsDirty(ts); got != tc.want {
			t.Errorf("%s: dirty %t, want %t", tc.name, got, tc.want)
		}
	}
}

func Example() {
	st := store.New()
	ns := &store.Node{N: &node.Node{ID: "4ktw0zqr", Description: node.Description{Hostname: "worker1"}}}
	st.AddNode(ns)
	s := &store.Service{ID: "9xhsynvp"}
	s.Spec = s.NewVersion(spec.Service{Name: "web", Replicas: 2})
	st.AddService(s)

	byName, _ := st.LookupNode("worker1")
	byPrefix, _ := st.LookupService("9x")
	_, err := st.LookupService("api")
	fmt.Println(byName.N.ID, byPrefix.Spec.Spec.Name, st.TasksWanted())
	fmt.Println(err)
	// Output:
	// 4ktw0zqr web 2
	// service api not found
}

// A global service's slot key names its node both ways, and names a
// removed node as nil.
func TestGlobalSlotKey(t *testing.T) {
	st := store.New()
	a, b := addNode(st, "id-a", "a"), addNode(st, "id-b", "b")
	for _, ns := range []*store.Node{a, b} {
		if k := store.GlobalSlotKey(ns); k == 0 || st.GlobalSlotNode(k) != ns {
			t.Errorf("node %s: key %d names %v", ns.N.ID, k, st.GlobalSlotNode(k))
		}
	}
	st.RemoveNode(a)
	if got := st.GlobalSlotNode(store.GlobalSlotKey(a)); got != nil {
		t.Errorf("the removed node's slot names %v", got)
	}
}
