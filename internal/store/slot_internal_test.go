package store

import (
	"testing"
	"unsafe"

	"github.com/swarmsim/swarmsim/spec"
)

// A slot keeps its first tasks in inline room. Once it outgrows that room,
// nothing may point from the room to its old tasks: a stale pointer there
// kept each deleted task's whole slab of 256 records alive for the life of
// the slot, so memory grew by a slab per slot's first tasks update after
// update (BenchmarkSuccessiveUpdates: 5.4 MiB between the fifth and tenth
// update of 10,000 replicas).
func TestSlotHoldsNoDeletedTask(t *testing.T) {
	st := New()
	s := &Service{ID: "s"}
	s.Spec = s.NewVersion(spec.Service{Name: "s"})
	st.AddService(s)
	sl := s.Slots.GetOrAdd(1)
	var all []*Task
	for range 5 {
		ts := st.NewTask()
		ts.Svc, ts.Slot = s, sl
		sl.AddTask(ts)
		all = append(all, ts)
	}
	waiter := st.NewTask()
	for _, w := range all[:3] {
		sl.AddWaiting(w)
	}
	for _, w := range all[:3] {
		sl.RemoveWaiting(w)
	}
	for _, ts := range all[:4] { // the newest stays: the slot lives on
		st.DeleteTask(ts)
		st.Free(ts)
	}
	sl.AddWaiting(waiter)
	if len(sl.Tasks) != 1 || sl.Tasks[0] != all[4] || len(sl.Waiting) != 1 || sl.Waiting[0] != waiter {
		t.Fatalf("slot holds tasks %v, waiting %v", sl.Tasks, sl.Waiting)
	}
	seen := map[*Task]string{}
	for _, ts := range sl.tasksBuf {
		seen[ts] = "inline task room"
	}
	for _, ts := range sl.waitingBuf {
		seen[ts] = "inline waiting room"
	}
	for _, ts := range sl.Tasks[:cap(sl.Tasks)] {
		seen[ts] = "task array"
	}
	for _, ts := range sl.Waiting[:cap(sl.Waiting)] {
		seen[ts] = "waiting array"
	}
	for _, ts := range all[:4] {
		if where, ok := seen[ts]; ok {
			t.Errorf("deleted task %d still referenced from the slot's %s", ts.Idx, where)
		}
	}
}

// A task record, with its first nine history entries, is at most 432
// bytes. Records come in slabs of taskSlab, so every byte added is a byte
// more per task (the memory-per-task figures in README.md and
// BENCHMARKS.md).
func TestTaskRecordSize(t *testing.T) {
	n := unsafe.Sizeof(Task{})
	if n > 432 {
		t.Errorf("store.Task is %d bytes; want at most 432", n)
	}
	const page = 8192 // the runtime rounds a large object up to whole pages
	if taskSlab*n%page != 0 {
		t.Errorf("a slab of %d records of %d bytes leaves %d bytes of its last page unused", taskSlab, n, page-taskSlab*n%page)
	}
}
