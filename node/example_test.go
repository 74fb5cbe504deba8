package node_test

import (
	"fmt"

	"github.com/swarmsim/swarmsim/node"
)

// A drained node keeps routing mesh traffic but takes no new tasks.
func Example() {
	a, _ := node.ParseAvailability("drain")
	n := &node.Node{
		Spec:        node.Spec{Availability: a, Labels: map[string]string{"zone": "eu"}},
		Description: node.Description{Hostname: "worker1"},
		Status:      node.Status{State: node.Ready},
	}
	fmt.Println(n.DisplayName(), n.Status.State, n.Spec.Availability, n.AcceptsNewTasks())
	_, err := node.ParseAvailability("sleep")
	fmt.Println(err)
	// Output:
	// worker1 ready drain false
	// invalid Availability: "sleep"
}
