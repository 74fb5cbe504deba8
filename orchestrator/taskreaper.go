package orchestrator

import (
	"cmp"
	"slices"

	"github.com/swarmsim/swarmsim/task"
)

// ReapTask is what the task reaper knows of a task in a slot: when its
// status last changed (nanoseconds since the epoch), its creation order,
// and its observed and desired states.
type ReapTask struct {
	Changed  int64
	Order    int32
	Observed task.State
	Desired  task.State
}

// RetentionLimit is how many tasks a slot keeps (SwarmKit's
// taskreaper/task_reaper.go: TaskReaper.tick): the swarm's task history
// limit, or MaxAttempts+1 when the service's restart policy sets
// MaxAttempts. A negative limit means keep everything: the result is then
// keepAll, as it is when the limit exceeds keepAll, the most the caller can
// hold.
func RetentionLimit(history int, p RestartPolicy, keepAll int) int {
	limit := history
	if p.MaxAttempts > 0 {
		limit = int(min(p.MaxAttempts, uint64(keepAll))) + 1
	}
	if limit < 0 || limit > keepAll {
		return keepAll
	}
	return limit
}

// Reap returns the positions in tasks of those the reaper deletes from a
// slot that holds more than limit tasks: the oldest first (by status
// change, then creation order) among those that have ended or will never
// run, until the slot is back to limit (SwarmKit's
// taskreaper/task_reaper.go: TaskReaper.tick). Running and starting tasks
// are never deleted, so a slot can stay above the limit.
func Reap(tasks []ReapTask, limit int) []int {
	if len(tasks) <= limit {
		return nil
	}
	order := make([]int, len(tasks))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(tasks[a].Changed, tasks[b].Changed); c != 0 {
			return c
		}
		return cmp.Compare(tasks[a].Order, tasks[b].Order)
	})
	var out []int
	n := len(tasks)
	for _, i := range order {
		if n <= limit {
			break
		}
		t := tasks[i]
		// SwarmKit's taskWillNeverRun tests desired > RUNNING, which takes
		// a job's pending task (desired COMPLETE) for one that will never
		// run; here it may still run (FIDELITY.md).
		if t.Observed > task.Running || (t.Observed < task.Assigned && t.Desired > task.Complete) {
			out = append(out, i)
			n--
		}
	}
	return out
}
