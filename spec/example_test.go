package spec_test

import (
	"fmt"

	"github.com/swarmsim/swarmsim/spec"
)

// Validate returns the first of Docker's errors for a spec on its own.
func ExampleService_Validate() {
	s := spec.Service{Name: "web", Mode: spec.Global, Replicas: 3, TaskTemplate: spec.Task{Image: "nginx"}}
	fmt.Println(s.Validate())
	s.Replicas = 0
	fmt.Println(s.Validate())
	// Output:
	// replicas can only be used with replicated or replicated-job mode
	// <nil>
}

// TaskDiff tells whether tasks made from one template are up to date with
// another: a new image makes them dirty, a new constraint alone only where
// their node no longer fits.
func ExampleTaskDiff() {
	a := spec.Task{Image: "redis:3.0.6"}
	b := a
	b.Placement.Constraints = []string{"node.role==worker"}
	fmt.Println(spec.TaskDiff(&a, &b) == spec.PlacementOnly)
	b.Image = "redis:3.0.7"
	fmt.Println(spec.TaskDiff(&a, &b) == spec.Different)
	// Output:
	// true
	// true
}
