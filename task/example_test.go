package task_test

import (
	"fmt"
	"time"

	"github.com/swarmsim/swarmsim/task"
)

// A task's observed state only moves forward.
func Example() {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	t := task.Make(task.Task{
		ID: "4p0gv2yn5lfl9f3pcq4yf3f8k", ServiceID: "svcid", ServiceName: "redis", Slot: 1,
		SpecVersion: 1, Image: "redis:3.0.6", DesiredState: task.Running, CreatedAt: t0,
	}, nil)
	t.Advance(task.Status{State: task.Running, Timestamp: t0.Add(2 * time.Second), Message: task.DefaultMessage(task.Running)})
	err := t.Advance(task.Status{State: task.Preparing, Timestamp: t0.Add(3 * time.Second)})
	fmt.Println(t.Name(), t.State(), task.Running > task.Ready, task.Shutdown.Terminal())
	fmt.Println(err)
	// Output:
	// redis.1 running true true
	// task 4p0gv2yn5lfl9f3pcq4yf3f8k: observed state cannot move back from running to preparing
}
