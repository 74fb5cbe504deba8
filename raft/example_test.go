package raft_test

import (
	"fmt"

	"github.com/swarmsim/swarmsim/raft"
)

// Three managers; the leader's machine stops. The group answers that the
// leader stepped down and an election timer starts; when the simulator
// fires it ElectionTimeout later, the first reachable manager leads. With
// two of three down there is no quorum and no timer.
func Example() {
	var m raft.Managers
	for id := int32(1); id <= 3; id++ {
		m.Join(id, true, 0)
	}
	m.SetUp(1, false)
	r := m.Changed()
	fmt.Printf("leader 1 stops: stepped down %v (was %d), election in %s: %v\n", r.SteppedDown, r.OldLeader, raft.ElectionTimeout, r.Election)
	leader, ok := m.Elect(r.Gen)
	fmt.Println("elected:", leader, ok)

	m.SetUp(2, false)
	r = m.Changed()
	fmt.Printf("leader 2 stops: stepped down %v, quorum %v, election %v\n", r.SteppedDown, m.Quorum(), r.Election)
	// Output:
	// leader 1 stops: stepped down true (was 1), election in 10s: true
	// elected: 2 true
	// leader 2 stops: stepped down true, quorum false, election false
}
