package scheduler

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
)

// TestScheduleIntoAllocs pins the allocation contract of the hot path of a
// rolling update: once the Set's buffers and count buckets have grown,
// ScheduleInto of a one-task batch with a kept buffer, and UpdateTask, do
// not allocate; Schedule allocates only the slice it returns.
func TestScheduleIntoAllocs(t *testing.T) {
	s, batch, victim := rollingSet(200)
	res := node.Resources{NanoCPUs: cpu / 10}
	var buf []Decision
	cycle := func() {
		buf = s.ScheduleInto(buf[:0], t0, batch)
		if len(buf) != 1 || buf[0].NodeID != victim {
			t.Fatalf("decisions %+v, want one on %s", buf, victim)
		}
		nt := TaskInfo{ID: "new", ServiceID: "svc", SpecVersion: 2, NodeID: buf[0].NodeID, Desired: task.Running, Observed: task.Assigned, Reservations: res}
		s.UpdateTask(TaskInfo{}, nt)
		running := nt
		running.Observed = task.Running
		s.UpdateTask(nt, running)
		stopped := running
		stopped.Desired, stopped.Observed = task.Shutdown, task.Shutdown
		s.UpdateTask(running, stopped)
		s.UpdateTask(stopped, TaskInfo{})
	}
	cycle() // grow the buffers and buckets
	if got := testing.AllocsPerRun(100, cycle); got != 0 {
		t.Errorf("ScheduleInto+UpdateTask: %v allocations per run, want 0", got)
	}
	if got := testing.AllocsPerRun(100, func() { s.Schedule(t0, batch) }); got != 1 {
		t.Errorf("Schedule: %v allocations per run, want 1 (the result)", got)
	}
	checkIndex(t, s)
}

// ScheduleInto appends to dst, keeping what dst held.
func TestScheduleIntoAppends(t *testing.T) {
	s, batch, victim := rollingSet(200)
	prefix := []Decision{{TaskID: "x", NodeID: "y"}}
	got := s.ScheduleInto(prefix, t0, batch)
	want := []Decision{{TaskID: "x", NodeID: "y"}, {TaskID: "new", NodeID: victim, Node: s.node(victim).ref}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ScheduleInto (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want[1:], s.Schedule(t0, batch)); diff != "" {
		t.Errorf("Schedule (-want +got):\n%s", diff)
	}
}
