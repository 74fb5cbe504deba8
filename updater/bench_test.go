package updater

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim/task"
)

// benchSlots returns n single-task dirty slots and the IDs the driver gives
// the new tasks (made once, outside the timed loop).
func benchSlots(n int) ([]Slot, []string) {
	slots := make([]Slot, n)
	ids := make([]string, n)
	for i := range slots {
		slots[i] = Slot{ID: uint64(i + 1), Tasks: []Task{{ID: "o" + strconv.Itoa(i), Dirty: true, Desired: task.Running, Observed: task.Running}}}
		ids[i] = "n" + strconv.Itoa(i)
	}
	return slots, ids
}

// runInstant drives a whole update with an instant world: every new task is
// started and RUNNING as soon as it is created. Each slot costs one
// TaskCreated and two TaskUpdated calls, plus the wakes.
func runInstant(slots []Slot, ids []string, c *Config) *Updater {
	now := epoch
	u, acts := Start(Params{Update: c, Slots: slots, Now: now})
	queue := acts
	for {
		for len(queue) > 0 {
			a := queue[0]
			queue = queue[1:]
			if a.Kind != CreateTask {
				continue
			}
			id := ids[a.Slot-1]
			queue = append(queue, u.TaskCreated(a.Slot, id, now)...)
			queue = append(queue, u.TaskUpdated(a.Slot, id, task.Running, task.New, now)...)
			queue = append(queue, u.TaskUpdated(a.Slot, id, task.Running, task.Running, now)...)
		}
		if u.Done() {
			return u
		}
		w, ok := u.NextWake()
		if !ok {
			return u
		}
		now = w
		queue = append(queue, u.Wake(now)...)
	}
}

func BenchmarkRun10000Slots(b *testing.B) {
	const n = 10000
	slots, ids := benchSlots(n)
	for _, bc := range []struct {
		name string
		c    Config
	}{
		{"parallelism=1", Config{Parallelism: 1}},
		{"parallelism=10", Config{Parallelism: 10}},
		{"parallelism=0", Config{Parallelism: 0}},
		{"parallelism=10,delay=1s", Config{Parallelism: 10, Delay: time.Second}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := bc.c
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				u := runInstant(slots, ids, &c)
				if u.Status().State != Completed {
					b.Fatalf("status %v", u.Status())
				}
			}
			b.StopTimer()
			runtime.ReadMemStats(&ms1)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/slot")
			b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N*n), "allocs/slot")
		})
	}
}

// An event about a task the updater does not track: one lookup by slot.
func BenchmarkTaskUpdatedUntracked(b *testing.B) {
	slots, _ := benchSlots(10000)
	u, _ := Start(Params{Slots: slots, Now: epoch})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u.TaskUpdated(42, "o42", task.Running, task.Running, epoch)
	}
}

// runInstantReuse is runInstant with a driver that allocates nothing of
// its own (its queue's storage is reused), so that allocations measure the
// updater alone.
func runInstantReuse(slots []Slot, ids []string, c *Config, queue []Action) *Updater {
	now := epoch
	u, acts := Start(Params{Update: c, Slots: slots, Now: now})
	queue = append(queue[:0], acts...)
	for {
		for h := 0; h < len(queue); h++ {
			a := queue[h]
			if a.Kind != CreateTask {
				continue
			}
			id := ids[a.Slot-1]
			queue = append(queue, u.TaskCreated(a.Slot, id, now)...)
			queue = append(queue, u.TaskUpdated(a.Slot, id, task.Running, task.New, now)...)
			queue = append(queue, u.TaskUpdated(a.Slot, id, task.Running, task.Running, now)...)
			if h == len(queue)-1 {
				queue, h = queue[:0], -1
			}
		}
		queue = queue[:0]
		if u.Done() {
			return u
		}
		w, ok := u.NextWake()
		if !ok {
			return u
		}
		now = w
		queue = append(queue, u.Wake(now)...)
	}
}

// BenchmarkRunSteady is BenchmarkRun10000Slots with runInstantReuse: what
// is left is Start's per-run allocations and one chunk of actions or
// Shutdown IDs every 32 (TestRunAllocs pins it).
func BenchmarkRunSteady(b *testing.B) {
	const n = 10000
	slots, ids := benchSlots(n)
	for _, p := range []uint64{1, 10, 0} {
		b.Run("parallelism="+strconv.FormatUint(p, 10), func(b *testing.B) {
			c := Config{Parallelism: p}
			queue := make([]Action, 0, 2*n)
			b.ReportAllocs()
			for b.Loop() {
				if u := runInstantReuse(slots, ids, &c, queue); u.Status().State != Completed {
					b.Fatalf("status %v", u.Status())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/slot")
		})
	}
}
