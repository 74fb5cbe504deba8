package node_test

import (
	"fmt"
	"time"

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

// A node joins with a Config: Validate gives the daemon's error for a bad
// one, and New builds the node the managers store, with the defaults filled
// in.
func ExampleNew() {
	fmt.Println(node.Config{Hostname: "w\xff"}.Validate())
	cfg := node.Config{Hostname: "manager", Role: node.Manager}
	n := node.New(cfg, "k2x9v0mbj4pq1s8dz3ye6rwht", 0, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(n.Description.Platform.OS, n.Description.Platform.Architecture, n.Description.EngineVersion)
	fmt.Println(n.Status.State, n.Status.Addr, n.Role, n.Spec.Labels)
	// Output:
	// invalid hostname "w\xff": must be valid UTF-8
	// linux x86_64 29.7.2
	// ready 172.28.128.3 manager map[]
}

// `docker node demote` goes to the Raft group's checks first; `docker node
// rm` refuses a manager, and a node still READY without --force, with
// SwarmKit's errors.
func ExampleCheckRemove() {
	demote := node.Update{Role: new(node.Role)} // to worker
	m := &node.Node{ID: "m1", Role: node.Manager, Status: node.Status{State: node.Ready}}
	fmt.Println(demote.Demotes(m))
	fmt.Println(node.CheckRemove(m, true))
	w := &node.Node{ID: "w1", Status: node.Status{State: node.Ready}}
	fmt.Println(node.CheckRemove(w, false))
	fmt.Println(node.CheckRemove(w, true))
	// Output:
	// true
	// node m1 is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal
	// node w1 is not down and can't be removed
	// <nil>
}
