package scheduler_test

import (
	"fmt"
	"time"

	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/task"
)

// Three nodes, one of them paused; a service whose tasks reserve 3 of each
// node's 4 CPUs. Two tasks fit; the third stays PENDING, and the paused node
// is not mentioned because the two active nodes passed the filters first
// (Pipeline.Process resets the counts whenever a node passes; see
// scheduler.go: noSuitableNode).
func Example() {
	s := scheduler.NewSet()
	for _, id := range []string{"manager", "worker1", "worker2"} {
		n := &node.Node{ID: id, Status: node.Status{State: node.Ready}}
		n.Description.Hostname = id
		n.Description.Resources = node.Resources{NanoCPUs: 4e9, MemoryBytes: 8 << 30}
		if id == "manager" {
			n.Spec.Availability = node.Pause
		}
		s.AddNode(n)
	}
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	b := scheduler.Batch{
		ServiceID:    "redis",
		SpecVersion:  1,
		Reservations: node.Resources{NanoCPUs: 3e9},
		TaskIDs:      []string{"redis.1", "redis.2", "redis.3"},
	}
	for _, d := range s.Schedule(now, b) {
		if d.NodeID != "" {
			fmt.Printf("%s -> %s\n", d.TaskID, d.NodeID)
			// The caller applies the decision and reports it back.
			s.UpdateTask(scheduler.TaskInfo{}, scheduler.TaskInfo{
				ID: d.TaskID, ServiceID: b.ServiceID, SpecVersion: 1, NodeID: d.NodeID,
				Desired: task.Running, Observed: task.Assigned, Reservations: b.Reservations,
			})
		} else {
			fmt.Printf("%s pending: %s\n", d.TaskID, d.Err)
		}
	}
	free, _ := s.Available("worker1")
	fmt.Println("worker1 CPUs left:", float64(free.NanoCPUs)/1e9)
	// Output:
	// redis.1 -> worker1
	// redis.2 -> worker2
	// redis.3 pending: no suitable node (insufficient resources on 2 nodes)
	// worker1 CPUs left: 1
}

func ExampleParseConstraints() {
	_, err := scheduler.ParseConstraints([]string{"node.labels.zone=eu"})
	fmt.Println(err)
	cs, _ := scheduler.ParseConstraints([]string{"node.labels.zone!=us"})
	n := &node.Node{ID: "n1"} // no labels: a missing label reads as ""
	fmt.Println(cs[0], cs[0].Match(n))
	// Output:
	// constraint expected one operator from ==, !=
	// node.labels.zone!=us true
}
