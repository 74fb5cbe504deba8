package orchestrator_test

import (
	"fmt"

	"github.com/swarmsim/swarmsim/orchestrator"
)

// Scaling a service from 5 replicas down to 2: the first copy on each node
// is kept, running tasks first; then second copies go before third ones.
func ExampleScaleDown() {
	live := []orchestrator.LiveSlot{
		{Key: 1, Running: true, Node: 1},
		{Key: 2, Running: true, Node: 1},
		{Key: 3, Running: true, Node: 1},
		{Key: 4, Running: true, Node: 2},
		{Key: 5, Running: false, Node: 2},
	}
	keep, remove := orchestrator.ScaleDown(live, 2)
	for _, i := range keep {
		fmt.Println("keep slot", live[i].Key)
	}
	for _, i := range remove {
		fmt.Println("remove slot", live[i].Key)
	}
	// Output:
	// keep slot 1
	// keep slot 4
	// remove slot 2
	// remove slot 5
	// remove slot 3
}
