package orchestrator

// NodeFacts is what the global orchestrator looks at on a node.
type NodeFacts struct {
	// Gone: the node was removed from the swarm.
	Gone bool
	// Drained, Paused: the node's availability.
	Drained, Paused bool
	// Down: the manager marked the node DOWN.
	Down bool
	// Matches: the node satisfies the service's placement constraints.
	Matches bool
}

// Eligible reports whether a global service runs a task on the node
// (SwarmKit's global/global.go: Orchestrator.reconcileOneNode and
// constraint checks): not gone, drained or down, and matching the
// constraints. A paused node is eligible but gets no new task.
func (n NodeFacts) Eligible() bool {
	return !n.Gone && !n.Drained && !n.Down && n.Matches
}

// GlobalAction is what the global orchestrator does for one node.
type GlobalAction uint8

// Global orchestrator actions.
const (
	// GlobalShutdown shuts the service's tasks on the node down.
	GlobalShutdown GlobalAction = iota + 1
	// GlobalLeave leaves the node's tasks as they are (a paused node).
	GlobalLeave
	// GlobalAdd creates a task on the node: it has no runnable task.
	GlobalAdd
	// GlobalKeep keeps the node's runnable tasks, for the updater.
	GlobalKeep
)

// GlobalNode decides for one node of a global service whose runnable tasks
// there number runnable (SwarmKit's global/global.go: Orchestrator.reconcile
// and reconcileOneNode).
func GlobalNode(n NodeFacts, runnable int) GlobalAction {
	switch {
	case !n.Eligible():
		return GlobalShutdown
	case n.Paused:
		return GlobalLeave
	case runnable == 0:
		return GlobalAdd
	}
	return GlobalKeep
}

// RestartGlobalHere reports whether the restart supervisor replaces a
// global task on its node (SwarmKit's restart/restart.go: Supervisor.Restart
// checks the node of a global service's task): only on an active node where
// the service still belongs. On a paused node it does not.
func RestartGlobalHere(n NodeFacts) bool { return n.Eligible() && !n.Paused }
