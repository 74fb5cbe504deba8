package scheduler

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
	"pgregory.net/rapid"
)

// The zero Set behaves like NewSet's: the same random sequence of calls,
// starting with reads on the empty Set, gives the same answers, the same
// state (dump) and consistent indexes on both.
func TestZeroSetIsNew(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var zero Set
		ss := [2]*Set{&zero, NewSet()}
		ids := []string{"n0", "n1", "n2", "n3"}
		now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		var got [2][]string
		do := func(f func(s *Set) any) {
			for i, s := range ss {
				got[i] = append(got[i], fmt.Sprint(f(s)))
			}
		}
		b := Batch{ServiceID: "svc", SpecVersion: 1, TaskIDs: taskIDs(2)}
		do(func(s *Set) any { return fmt.Sprint(s.Len(), s.NodeIDs(), s.Schedule(now, b)) })
		do(func(s *Set) any {
			r, ok := s.Available("n0")
			a, c := s.TaskCounts("n0", "svc")
			return fmt.Sprint(r, ok, a, c)
		})
		do(func(s *Set) any { ok, e := s.SchedulePreassigned(now, b, "n0"); return fmt.Sprint(ok, e) })
		do(func(s *Set) any {
			s.RemoveNode("n0")
			s.UpdateTask(TaskInfo{}, runningTask("x", "svc", "n0"))
			return nil
		})
		live := map[string]TaskInfo{}
		for step := range rapid.IntRange(0, 40).Draw(rt, "steps") {
			id := rapid.SampledFrom(ids).Draw(rt, "node")
			svc := rapid.SampledFrom(genServices).Draw(rt, "svc")
			switch rapid.IntRange(0, 6).Draw(rt, "op") {
			case 0:
				n := mkNode(id)
				n.Spec.Labels["zone"] = rapid.SampledFrom(genZones).Draw(rt, "zone")
				do(func(s *Set) any { return s.AddNode(n) })
			case 1:
				n := mkNode(id, withAvail(rapid.SampledFrom([]node.Availability{node.Active, node.Pause, node.Drain}).Draw(rt, "avail")))
				do(func(s *Set) any { s.UpdateNode(n); return nil })
			case 2:
				do(func(s *Set) any { s.RemoveNode(id); return nil })
			case 3:
				tid := fmt.Sprintf("t%d", rapid.IntRange(0, 5).Draw(rt, "task"))
				prev := live[tid]
				cur := TaskInfo{ID: tid, ServiceID: svc, SpecVersion: 1, NodeID: id,
					Desired: task.Running, Observed: rapid.SampledFrom(genObserved).Draw(rt, "observed"),
					Reservations: node.Resources{NanoCPUs: cpu}}
				if prev.ID != "" {
					cur.ServiceID, cur.NodeID = prev.ServiceID, prev.NodeID
				}
				live[tid] = cur
				do(func(s *Set) any { s.UpdateTask(prev, cur); return nil })
			case 4:
				do(func(s *Set) any { s.RecordFailure(id, svc, 1, now); return nil })
			case 5:
				bb := Batch{ServiceID: svc, SpecVersion: 1, TaskIDs: taskIDs(rapid.IntRange(1, 5).Draw(rt, "n")),
					Reservations: node.Resources{NanoCPUs: cpu},
					Placement:    Placement{Constraints: rapid.SampledFrom(genConstraints).Draw(rt, "cons")}}
				do(func(s *Set) any { return fmt.Sprint(s.Schedule(now.Add(time.Duration(step)*time.Second), bb)) })
			case 6:
				do(func(s *Set) any {
					r, ok := s.Available(id)
					a, c := s.TaskCounts(id, svc)
					return fmt.Sprint(s.Len(), s.NodeIDs(), r, ok, a, c)
				})
			}
		}
		for i, s := range ss {
			checkIndex(rt, s)
			checkInternals(rt, s)
			got[i] = append(got[i], dump(s))
		}
		if d := cmp.Diff(got[1], got[0]); d != "" {
			rt.Fatalf("zero Set differs from NewSet (-NewSet +zero):\n%s", d)
		}
	})
}
