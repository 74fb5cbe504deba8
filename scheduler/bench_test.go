package scheduler

import (
	"fmt"
	"testing"

	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
)

// benchSet returns nodes READY nodes in 3 zones with perNode running tasks
// of "svc" each, and some load of another service.
func benchSet(nodes, perNode int) *Set {
	s := NewSet()
	for i := range nodes {
		id := fmt.Sprintf("node%05d", i)
		s.AddNode(mkNode(id, withLabel("zone", fmt.Sprintf("z%d", i%3)), withCPUs(64)))
		for j := range perNode {
			s.UpdateTask(TaskInfo{}, TaskInfo{ID: fmt.Sprintf("%s-%d", id, j), ServiceID: "svc", SpecVersion: 1, NodeID: id,
				Desired: task.Running, Observed: task.Running, Reservations: node.Resources{NanoCPUs: cpu / 10}})
		}
		if i%7 == 0 {
			addTasks(s, "other", id, 1+i%3)
		}
	}
	return s
}

// One batch of 100,000 tasks onto 10,000 nodes (the plain algorithm).
func BenchmarkSchedule100kOn10k(b *testing.B) {
	s := benchSet(10000, 0)
	batch := Batch{ServiceID: "svc", SpecVersion: 1, TaskIDs: taskIDs(100000), Reservations: node.Resources{NanoCPUs: cpu / 100}}
	b.ResetTimer()
	for b.Loop() {
		ds := s.Schedule(t0, batch)
		if ds[len(ds)-1].NodeID == "" {
			b.Fatal(ds[len(ds)-1].Err)
		}
	}
}

// A single-task batch for a service spread over every node, as in a rolling
// update: one node's old task is being shut down (desired SHUTDOWN), so that
// node has one task fewer and gets the replacement.
func BenchmarkScheduleOne(b *testing.B) {
	for _, nodes := range []int{1000, 10000} {
		for _, variant := range []string{"rolling", "allEqual", "constraint", "plain"} {
			b.Run(fmt.Sprintf("nodes=%d/%s", nodes, variant), func(b *testing.B) {
				s := benchSet(nodes, 2)
				victim := fmt.Sprintf("node%05d", nodes/2)
				old := TaskInfo{ID: victim + "-0", ServiceID: "svc", SpecVersion: 1, NodeID: victim,
					Desired: task.Running, Observed: task.Running, Reservations: node.Resources{NanoCPUs: cpu / 10}}
				stopping := old
				stopping.Desired = task.Shutdown
				if variant != "allEqual" {
					s.UpdateTask(old, stopping)
				}
				batch := Batch{ServiceID: "svc", SpecVersion: 2, TaskIDs: []string{"new"}, Reservations: node.Resources{NanoCPUs: cpu / 10}}
				if variant == "constraint" {
					batch.Placement.Constraints = []string{"node.labels.zone!=z0", "node.role==worker"}
				}
				want := victim
				if variant == "allEqual" {
					want = "node00001" // fewest total tasks, then join order
				}
				sched := s.Schedule
				if variant == "plain" {
					sched = s.schedulePlainOnly
				}
				if got := sched(t0, batch)[0].NodeID; got != want {
					b.Fatalf("placed on %s, want %s", got, want)
				}
				b.ResetTimer()
				for b.Loop() {
					sched(t0, batch)
				}
			})
		}
	}
}

// UpdateTask on the hot path: a task moving ASSIGNED -> RUNNING (no change
// to the counts) and a task being shut down and removed.
func BenchmarkUpdateTask(b *testing.B) {
	s := benchSet(1000, 2)
	t1 := TaskInfo{ID: "x", ServiceID: "svc", SpecVersion: 2, NodeID: "node00500", Desired: task.Running, Observed: task.Assigned,
		Reservations: node.Resources{NanoCPUs: cpu / 10}, HostPorts: []HostPort{{"tcp", 8080}}}
	t2 := t1
	t2.Observed = task.Running
	t3 := t2
	t3.Desired = task.Shutdown
	t4 := t3
	t4.Observed = task.Shutdown
	for b.Loop() {
		s.UpdateTask(TaskInfo{}, t1)
		s.UpdateTask(t1, t2)
		s.UpdateTask(t2, t3)
		s.UpdateTask(t3, t4)
		s.UpdateTask(t4, TaskInfo{})
	}
}

// rollingSet is benchSet(nodes, 2) with one node's old task being shut down,
// and the one-task batch that replaces it (BenchmarkScheduleOne's rolling
// case).
func rollingSet(nodes int) (*Set, Batch, string) {
	s := benchSet(nodes, 2)
	victim := fmt.Sprintf("node%05d", nodes/2)
	old := TaskInfo{ID: victim + "-0", ServiceID: "svc", SpecVersion: 1, NodeID: victim,
		Desired: task.Running, Observed: task.Running, Reservations: node.Resources{NanoCPUs: cpu / 10}}
	stopping := old
	stopping.Desired = task.Shutdown
	s.UpdateTask(old, stopping)
	batch := Batch{ServiceID: "svc", SpecVersion: 2, TaskIDs: []string{"new"}, Reservations: node.Resources{NanoCPUs: cpu / 10}}
	return s, batch, victim
}

// ScheduleInto with a kept buffer: the steady state of a rolling update
// allocates nothing (TestScheduleIntoAllocs pins it).
func BenchmarkScheduleInto(b *testing.B) {
	for _, nodes := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			s, batch, victim := rollingSet(nodes)
			var buf []Decision
			b.ReportAllocs()
			for b.Loop() {
				buf = s.ScheduleInto(buf[:0], t0, batch)
				if buf[0].NodeID != victim {
					b.Fatalf("placed on %s, want %s", buf[0].NodeID, victim)
				}
			}
		})
	}
}

// The scheduler's share of one replaced replica in a rolling update: the
// new task is scheduled, then walks ASSIGNED -> RUNNING, while the old one
// is shut down and removed, and the node's counts move back and forth.
func BenchmarkReplaceReplica(b *testing.B) {
	s, batch, _ := rollingSet(1000)
	res := node.Resources{NanoCPUs: cpu / 10}
	var buf []Decision
	b.ReportAllocs()
	for b.Loop() {
		buf = s.ScheduleInto(buf[:0], t0, batch)
		nt := TaskInfo{ID: "new", ServiceID: "svc", SpecVersion: 2, NodeID: buf[0].NodeID, Desired: task.Running, Observed: task.Assigned, Reservations: res}
		s.UpdateTask(TaskInfo{}, nt)
		running := nt
		running.Observed = task.Running
		s.UpdateTask(nt, running)
		// Put things back as they were: the new task goes, so that every
		// iteration sees the same Set.
		stopped := running
		stopped.Desired, stopped.Observed = task.Shutdown, task.Shutdown
		s.UpdateTask(running, stopped)
		s.UpdateTask(stopped, TaskInfo{})
	}
}
