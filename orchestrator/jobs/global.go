package jobs

// Node is what the global job orchestrator looks at on a node.
type Node struct {
	// Matches: the node meets the job's placement constraints.
	Matches bool
	// Invalid: the node is DOWN or drained (SwarmKit's
	// orchestrator.InvalidNode).
	Invalid bool
	// Active and Ready: availability ACTIVE and status READY.
	Active, Ready bool
	// Before: the node existed when the job's iteration started
	// (its creation time is not after the job's LastExecution).
	Before bool
}

// Action is what a global job does on one node.
type Action uint8

// Actions of GlobalNode.
const (
	// Leave: nothing to do.
	Leave Action = iota
	// Create a task of the current iteration on the node.
	Create
	// Shutdown the node's task of the current iteration.
	Shutdown
)

// GlobalNode is SwarmKit's jobs/global/reconciler.go:
// Reconciler.ReconcileService for one node: has tells whether the node
// already holds a task of the current iteration still desired COMPLETE,
// and running whether that task has not ended yet.
//
// Nodes that do not match the constraints are left alone; on an invalid
// node a task that still runs is shut down; a new task goes only to an
// active, ready node that existed when the iteration started and holds
// none.
func GlobalNode(n Node, has, running bool) Action {
	switch {
	case !n.Matches:
		return Leave
	case n.Invalid:
		if has && running {
			return Shutdown
		}
		return Leave
	case !n.Active || !n.Ready || !n.Before || has:
		return Leave
	}
	return Create
}
