package jobs

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/task"
)

// SwarmKit's jobs/replicated/reconciler.go: ReconcileService.
func TestReplicated(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tasks      []Task
		iter       uint64
		max, total uint64
		want       Plan
	}{
		{"first run: max-concurrent tasks in slots 0..", nil, 0, 3, 10, Plan{NewSlots: []uint64{0, 1, 2}}},
		{"fewer left than max-concurrent", nil, 0, 3, 2, Plan{NewSlots: []uint64{0, 1}}},
		{"completions free no slot, running ones hold theirs", []Task{
			{Slot: 0, Desired: task.Complete, Observed: task.Complete},
			{Slot: 1, Desired: task.Complete, Observed: task.Running},
			{Slot: 3, Desired: task.Ready, Observed: task.Pending}, // a restart waiting out its delay
		}, 0, 3, 10, Plan{NewSlots: []uint64{2}}},
		{"failed tasks still desired complete go to the restart supervisor", []Task{
			{Slot: 0, Desired: task.Complete, Observed: task.Failed},
			{Slot: 1, Desired: task.Shutdown, Observed: task.Failed}, // shut down: its slot is free
		}, 0, 2, 4, Plan{NewSlots: []uint64{1}, Restart: []int{0}}},
		{"done", []Task{
			{Slot: 0, Desired: task.Complete, Observed: task.Complete},
			{Slot: 1, Desired: task.Complete, Observed: task.Complete},
		}, 0, 2, 2, Plan{NewSlots: []uint64{}}},
		{"older iterations: running tasks removed, ended ones kept", []Task{
			{Slot: 0, Iteration: 0, Desired: task.Complete, Observed: task.Running},
			{Slot: 1, Iteration: 0, Desired: task.Complete, Observed: task.Complete},
			{Slot: 2, Iteration: 0, Desired: task.Remove, Observed: task.Running},
		}, 1, 2, 2, Plan{NewSlots: []uint64{0, 1}, Remove: []int{0}}},
	} {
		got := Replicated(tc.tasks, tc.iter, tc.max, tc.total)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// SwarmKit's jobs/global/reconciler.go: ReconcileService, per node.
func TestGlobalNode(t *testing.T) {
	ok := Node{Matches: true, Active: true, Ready: true, Before: true}
	for _, tc := range []struct {
		n            Node
		has, running bool
		want         Action
	}{
		{ok, false, false, Create},
		{ok, true, true, Leave},
		{Node{Matches: false, Active: true, Ready: true, Before: true}, false, false, Leave},
		{Node{Matches: true, Active: true, Ready: true, Before: false}, false, false, Leave}, // joined later
		{Node{Matches: true, Active: false, Ready: true, Before: true}, false, false, Leave}, // paused
		{Node{Matches: true, Invalid: true}, true, true, Shutdown},
		{Node{Matches: true, Invalid: true}, true, false, Leave},
	} {
		if got := GlobalNode(tc.n, tc.has, tc.running); got != tc.want {
			t.Errorf("GlobalNode(%+v, %v, %v) = %v; want %v", tc.n, tc.has, tc.running, got, tc.want)
		}
	}
}
