package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

const cpu = int64(1e9)

// mkNode returns a READY, ACTIVE linux/x86_64 worker with 4 CPUs and 8 GiB,
// hostname = id, modified by opts.
func mkNode(id string, opts ...func(*node.Node)) *node.Node {
	n := &node.Node{
		ID: id,
		Spec: node.Spec{
			Labels:       map[string]string{},
			Availability: node.Active,
		},
		Description: node.Description{
			Hostname:  id,
			Platform:  node.Platform{Architecture: "x86_64", OS: "linux"},
			Resources: node.Resources{NanoCPUs: 4 * cpu, MemoryBytes: 8 << 30},
		},
		Status: node.Status{State: node.Ready, Addr: "10.0.0.1"},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func withLabel(k, v string) func(*node.Node) {
	return func(n *node.Node) { n.Spec.Labels[k] = v }
}

func withAvail(a node.Availability) func(*node.Node) {
	return func(n *node.Node) { n.Spec.Availability = a }
}

func withState(s node.State) func(*node.Node) {
	return func(n *node.Node) { n.Status.State = s }
}

func withCPUs(c int64) func(*node.Node) {
	return func(n *node.Node) { n.Description.Resources.NanoCPUs = c * cpu }
}

// runningTask is a task RUNNING on nodeID with desired RUNNING.
func runningTask(id, svc, nodeID string) TaskInfo {
	return TaskInfo{ID: id, ServiceID: svc, SpecVersion: 1, NodeID: nodeID, Desired: task.Running, Observed: task.Running}
}

// addTasks reports k running tasks of svc on nodeID.
func addTasks(s *Set, svc, nodeID string, k int) {
	for i := range k {
		s.UpdateTask(TaskInfo{}, runningTask(fmt.Sprintf("%s-%s-%d", svc, nodeID, i), svc, nodeID))
	}
}

func taskIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("t%d", i+1)
	}
	return ids
}

// perNode counts placed tasks per node.
func perNode(ds []Decision) map[string]int {
	m := map[string]int{}
	for _, d := range ds {
		if d.NodeID != "" {
			m[d.NodeID]++
		}
	}
	return m
}

// errs lists the distinct errors of unplaced tasks with how many tasks got each.
func errs(ds []Decision) map[string]int {
	m := map[string]int{}
	for _, d := range ds {
		if d.NodeID == "" {
			m[d.Err]++
		}
	}
	return m
}

// dump renders the observable state of a Set (everything but caches).
func dump(s *Set) string {
	var b strings.Builder
	for _, id := range slices.Sorted(maps.Keys(s.byID)) {
		ni := s.byID[id]
		fmt.Fprintf(&b, "%s slot=%d member=%v ready=%v res=%v total=%d svc=%v ports=%v counted=%d\n",
			id, ni.slot, ni.n != nil, ni.ready, ni.reserved, ni.total, svcCounts(s, ni), portCounts(ni), ni.counted)
	}
	fmt.Fprintf(&b, "live=%d slots=%d failures=%v\n", s.live, len(s.slots), s.failures)
	return b.String()
}

// checkIndex verifies the Set's indexes against its accounting.
func checkIndex(t interface {
	Helper()
	Fatalf(string, ...any)
}, s *Set) {
	t.Helper()
	live := 0
	for slot, ni := range s.slots {
		if ni == nil {
			if s.totals.any.has(slot) {
				t.Fatalf("removed slot %d still in totals index", slot)
			}
			continue
		}
		live++
		if ni.slot != slot || s.byID[ni.id] != ni {
			t.Fatalf("slot %d: bad back-reference", slot)
		}
		if b := s.totals.bucket(ni.total); b == nil || !b.bits.has(slot) {
			t.Fatalf("node %s: not in totals bucket %d", ni.id, ni.total)
		}
		for svc, c := range svcCounts(s, ni) {
			ci := svcIndexes(s)[svc]
			if ci == nil || ci.bucket(c) == nil || !ci.bucket(c).bits.has(slot) {
				t.Fatalf("node %s: not in service %s bucket %d", ni.id, svc, c)
			}
		}
	}
	if live != s.live || s.totals.pop != live {
		t.Fatalf("live=%d, s.live=%d, totals.pop=%d", live, s.live, s.totals.pop)
	}
	for svc, ci := range svcIndexes(s) {
		n := 0
		for c, b := range buckets(ci) {
			n += b.pop
			if _, ok := slices.BinarySearch(ci.sorted, c); !ok {
				t.Fatalf("service %s: count %d missing from sorted", svc, c)
			}
			for w, x := range b.bits {
				for i := range 64 {
					if x&(1<<i) != 0 {
						ni := s.slots[w*64+i]
						if ni == nil || svcCounts(s, ni)[svc] != c {
							t.Fatalf("service %s bucket %d: stale slot %d", svc, c, w*64+i)
						}
					}
				}
			}
		}
		if n != ci.pop || len(ci.sorted) != len(buckets(ci)) || !slices.IsSorted(ci.sorted) {
			t.Fatalf("service %s: pop %d/%d sorted %v", svc, n, ci.pop, ci.sorted)
		}
	}
	checkInternals(t, s)
}

// A task holds its node from ASSIGNED to RUNNING, whatever its desired
// state; before it is placed and once it has ended it does not.
func TestCountsOnNode(t *testing.T) {
	holds := map[task.State]bool{task.Assigned: true, task.Accepted: true, task.Preparing: true, task.Ready: true, task.Starting: true, task.Running: true}
	for _, s := range []task.State{task.New, task.Pending, task.Assigned, task.Accepted, task.Preparing, task.Ready, task.Starting, task.Running, task.Complete, task.Shutdown, task.Failed, task.Rejected, task.Remove, task.Orphaned} {
		if got := CountsOnNode(s); got != holds[s] {
			t.Errorf("CountsOnNode(%s) = %v, want %v", s, got, holds[s])
		}
	}
}
