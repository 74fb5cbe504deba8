package orchestrator

import (
	"cmp"
	"slices"

	"github.com/swarmsim/swarmsim/task"
)

// SlotTask is what the orchestrator looks at in a slot's task: its states,
// when its status last changed (nanoseconds since the epoch) and its
// creation order.
type SlotTask struct {
	Desired  task.State
	Observed task.State
	Changed  int64
	Order    int32
}

// Updatable returns the positions, in a slot's tasks, of those that occupy
// the slot (SwarmKit's manager/orchestrator/slot.go and
// replicated/slot.go: UpdatableTasksInSlot): the tasks meant to run. When
// none is, the slot is dead, unless the restart supervisor would not
// replace its newest task (newestWouldRestart false) and no rollback is in
// progress: then that task stands for the slot, so that the orchestrator
// does not bring back what the restart policy gave up on.
func Updatable(tasks []SlotTask, rollingBack bool, newestWouldRestart func(newest int) bool) []int {
	var out []int
	for i, t := range tasks {
		if t.Desired <= task.Running {
			out = append(out, i)
		}
	}
	if len(out) > 0 || rollingBack || len(tasks) == 0 {
		return out
	}
	newest := Newest(tasks)
	if newestWouldRestart(newest) {
		return nil
	}
	return []int{newest}
}

// Newest is the position of the task whose status changed last (the later
// created on a tie), or -1 for no tasks.
func Newest(tasks []SlotTask) int {
	n := -1
	for i, t := range tasks {
		if n < 0 || t.Changed > tasks[n].Changed || (t.Changed == tasks[n].Changed && t.Order > tasks[n].Order) {
			n = i
		}
	}
	return n
}

// NewSlots returns the slot numbers for n new replicas: the lowest numbers
// from 1 that no live slot holds (SwarmKit's replicated/services.go:
// Orchestrator.addTasks). live lists the live slots' numbers.
func NewSlots(live []uint64, n int) []uint64 {
	used := make([]bool, n+len(live)+1)
	for _, k := range live {
		if k < uint64(len(used)) {
			used[k] = true
		}
	}
	out := make([]uint64, 0, n)
	var slot uint64 = 1
	for range n {
		for used[slot] {
			slot++
		}
		used[slot] = true
		out = append(out, slot)
	}
	return out
}

// LiveSlot is what ScaleDown knows of a live slot: its number, whether one
// of its tasks runs, and the node of its only task (0 when it has several
// tasks or its task has no node). Node values are any non-zero handle the
// caller chooses.
type LiveSlot struct {
	Key     uint64
	Running bool
	Node    int64
}

// ScaleDown chooses which live slots to keep when a service has more than
// replicas of them (SwarmKit's replicated/services.go:
// Orchestrator.reconcile, the scale-down branch): slots with a running task
// first, then lower slot numbers; then, in that order, by how many copies
// of the service come before the slot on its node, so that nodes holding
// the most copies lose them first; slots with several tasks or no node
// last. SwarmKit's sorts are unstable, this one is stable (FIDELITY.md).
// It returns the positions in live of the slots to keep, in slot order, and
// of those to remove.
func ScaleDown(live []LiveSlot, replicas int) (keep, remove []int) {
	l := make([]int, len(live))
	for i := range l {
		l[i] = i
	}
	slices.SortStableFunc(l, func(a, b int) int {
		ra, rb := live[a].Running, live[b].Running
		if ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return cmp.Compare(live[a].Key, live[b].Key)
	})
	idx := make([]int, len(l))
	perNode := make(map[int64]int)
	for i, x := range l {
		idx[i] = -1
		if n := live[x].Node; n != 0 {
			idx[i] = perNode[n]
			perNode[n]++
		}
	}
	order := make([]int, len(l))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ia, ib := idx[a], idx[b]
		switch {
		case ia == ib:
			return 0
		case ia == -1:
			return 1
		case ib == -1:
			return -1
		}
		return cmp.Compare(ia, ib)
	})
	for i, o := range order {
		if i < replicas {
			keep = append(keep, l[o])
		} else {
			remove = append(remove, l[o])
		}
	}
	slices.SortFunc(keep, func(a, b int) int { return cmp.Compare(live[a].Key, live[b].Key) })
	return keep, remove
}
