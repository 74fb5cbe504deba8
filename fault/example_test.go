package fault_test

import (
	"fmt"

	"github.com/swarmsim/swarmsim/errdefs"
	"github.com/swarmsim/swarmsim/fault"
)

// A partition fault is checked against the swarm's nodes, then splits the
// network: the nodes named in no group form one more side, and a node on
// another side than the leader is not heard.
func Example() {
	hosts := []string{"manager", "worker1", "worker2"}
	resolve := func(ref string) (fault.Node, error) {
		for i, h := range hosts {
			if h == ref {
				return fault.Node{Index: int32(i), ID: fmt.Sprint("id-", h), Hostname: h}, nil
			}
		}
		return fault.Node{}, errdefs.Daemon(errdefs.KindNotFound, "node %s not found", ref)
	}

	bad := fault.Fault{Kind: fault.Partition, Groups: [][]string{{"worker1"}, {"worker3"}}}
	fmt.Println(bad, "->", bad.Check(resolve))

	f := fault.Fault{Kind: fault.Partition, Groups: [][]string{{"worker2"}}}
	groups, _ := fault.Groups(f.Groups, resolve)
	var w fault.Network
	w.Partition(groups)
	fmt.Println(f, "-> mesh groups", fault.IDs(groups))
	for i, h := range hosts {
		fmt.Printf("%s: cut from manager %v, heard %v\n", h, w.Partitioned(0, int32(i)), w.Heard(int32(i), true, 0, true))
	}
	// Output:
	// partition worker1 / worker3 -> node worker3 not found
	// partition worker2 -> mesh groups [[id-worker2]]
	// manager: cut from manager false, heard true
	// worker1: cut from manager false, heard true
	// worker2: cut from manager true, heard false
}
