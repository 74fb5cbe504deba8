package updater_test

import (
	"fmt"
	"time"

	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// A two-replica service rolled out with the defaults (one slot at a time,
// stop-first, monitor 5s). The driver plays the orchestrator: it creates
// the tasks the updater asks for and reports them RUNNING one second later.
func Example() {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	slots := []updater.Slot{
		{ID: 1, Tasks: []updater.Task{{ID: "old1", Dirty: true, Desired: task.Running, Observed: task.Running}}},
		{ID: 2, Tasks: []updater.Task{{ID: "old2", Dirty: true, Desired: task.Running, Observed: task.Running}}},
	}
	u, acts := updater.Start(updater.Params{Slots: slots, Now: t0})
	now := t0
	for len(acts) > 0 || !u.Done() {
		var next []updater.Action
		for _, a := range acts {
			switch a.Kind {
			case updater.SetStatus:
				fmt.Printf("%v status %s: %s\n", now.Sub(t0), a.Status.State, a.Status.Message)
			case updater.CreateTask:
				id := fmt.Sprintf("new%d", a.Slot)
				fmt.Printf("%v slot %d: shut down %v, create %s\n", now.Sub(t0), a.Slot, a.Shutdown, id)
				next = append(next, u.TaskCreated(a.Slot, id, now)...)
				// The old task stops and the new one starts: 1s later it runs.
				now = now.Add(time.Second)
				next = append(next, u.TaskUpdated(a.Slot, id, task.Running, task.Running, now)...)
				fmt.Printf("%v %s running\n", now.Sub(t0), id)
			}
		}
		acts = next
		if len(acts) == 0 && !u.Done() {
			w, _ := u.NextWake()
			now = w
			acts = u.Wake(now)
		}
	}
	// Output:
	// 0s status updating: update in progress
	// 0s slot 1: shut down [old1], create new1
	// 1s new1 running
	// 1s slot 2: shut down [old2], create new2
	// 2s new2 running
	// 7s status completed: update completed
}
