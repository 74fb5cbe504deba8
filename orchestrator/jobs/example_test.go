package jobs_test

import (
	"fmt"

	"github.com/swarmsim/swarmsim/orchestrator/jobs"
	"github.com/swarmsim/swarmsim/task"
)

// A job of 5 completions, 2 at a time: slot 0 completed and slot 1 still
// runs, so one new task goes into slot 2.
func ExampleReplicated() {
	p := jobs.Replicated([]jobs.Task{
		{Slot: 0, Desired: task.Complete, Observed: task.Complete},
		{Slot: 1, Desired: task.Complete, Observed: task.Running},
	}, 0, 2, 5)
	fmt.Println(p.NewSlots)
	// Output: [2]
}
