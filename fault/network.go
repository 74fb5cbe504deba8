package fault

// Network is the pure model of a network partition: which partition group
// each node is in, and so which node can hear which. Nodes are named by
// their index in join order. The zero value is a whole network.
//
// Partition puts the nodes of group i in component i+1 and every node named
// in no group (including nodes that join later) in component 0; without a
// partition every node is in component 0. Between components gossip (7946)
// and the overlay (4789/udp) are cut, and so are the heartbeats of a node on
// another side than the leader (SwarmKit's agent reaches the dispatcher
// over the same network: agent/session.go: session.heartbeat).
type Network struct {
	group []int32 // by node index; past its end, 0
	cut   bool
	gen   uint32
}

// Partition splits the network into groups of nodes (as Groups returns
// them), replacing any previous partition.
func (w *Network) Partition(groups [][]Node) {
	clear(w.group)
	for i, g := range groups {
		for _, n := range g {
			if int(n.Index) >= len(w.group) {
				w.group = append(w.group, make([]int32, int(n.Index)+1-len(w.group))...)
			}
			w.group[n.Index] = int32(i + 1)
		}
	}
	w.cut = true
	w.gen++
}

// Heal ends the partition: every node hears every other again. It reports
// false, and changes nothing, when there was no partition.
func (w *Network) Heal() bool {
	if !w.cut {
		return false
	}
	clear(w.group)
	w.cut = false
	w.gen++
	return true
}

// Cut reports whether a partition is in force.
func (w *Network) Cut() bool { return w.cut }

// Gen counts partitions and heals; an event queued for one partition is
// stale once Gen has moved on.
func (w *Network) Gen() uint32 { return w.gen }

// Group is node n's component: 0 without a partition or for a node in no
// group, i+1 for a node of the partition's group i.
func (w *Network) Group(n int32) int32 {
	if int(n) < len(w.group) {
		return w.group[n]
	}
	return 0
}

// Partitioned reports whether a partition separates nodes a and b.
func (w *Network) Partitioned(a, b int32) bool {
	return w.cut && w.Group(a) != w.Group(b)
}

// Heard is the link rule: whether the managers hear node n's heartbeats.
// A node whose machine is down is not heard; one that is up is heard unless
// a partition separates it from the leader. With no leader (leader < 0), or
// with the leader's machine down, there is no manager to judge, and every
// live node counts as heard.
func (w *Network) Heard(n int32, up bool, leader int32, leaderUp bool) bool {
	if !up {
		return false
	}
	return leader < 0 || leader == n || !leaderUp || w.Group(leader) == w.Group(n)
}
