package jobs

import "github.com/swarmsim/swarmsim/task"

// Task is what the jobs orchestrator looks at in one of a job's tasks.
type Task struct {
	// Slot is the task's slot (replicated jobs number them from 0).
	Slot uint64
	// Iteration is the job iteration the task was created for.
	Iteration uint64
	Desired   task.State
	Observed  task.State
}

// Plan is what a replicated job's reconciliation does: create tasks in
// NewSlots, hand the tasks at positions Restart to the restart supervisor,
// and set the tasks at positions Remove to desired REMOVE.
type Plan struct {
	NewSlots []uint64
	Restart  []int
	Remove   []int
}

// Replicated is SwarmKit's jobs/replicated/reconciler.go:
// Reconciler.ReconcileService for a job at iteration iter that runs at most
// maxConcurrent tasks at a time until total have completed.
//
// Of the tasks of the current iteration, those observed COMPLETE count as
// completions; the others still desired COMPLETE (or READY, during a
// restart delay) count as running, and those of them that have ended go
// to the restart supervisor. New tasks fill the gap, at most
// maxConcurrent running and at most total running or completed, each in
// the lowest slot from 0 that no counted task holds. Tasks of older
// iterations that have not ended are removed.
func Replicated(tasks []Task, iter, maxConcurrent, total uint64) Plan {
	var p Plan
	var running, complete uint64
	used := make(map[uint64]bool)
	for i, t := range tasks {
		if t.Iteration != iter {
			if t.Observed <= task.Running && t.Desired != task.Remove {
				p.Remove = append(p.Remove, i)
			}
			continue
		}
		if t.Observed == task.Complete {
			complete++
			used[t.Slot] = true
			continue
		}
		if t.Desired <= task.Complete {
			running++
			used[t.Slot] = true
			if t.Observed > task.Complete {
				p.Restart = append(p.Restart, i)
			}
		}
	}
	n := uint64(0)
	if running < maxConcurrent && complete+running < total {
		n = min(maxConcurrent-running, total-complete-running)
	}
	p.NewSlots = make([]uint64, 0, n)
	var s uint64
	for range n {
		for used[s] && s < total {
			s++
		}
		if s >= total {
			s = 0 // SwarmKit leaves the slot at 0 when it finds no free one
		}
		used[s] = true
		p.NewSlots = append(p.NewSlots, s)
	}
	return p
}
