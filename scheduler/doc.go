// Package scheduler is swarmsim's model of SwarmKit's scheduler
// (manager/scheduler): the part of a swarm manager that picks a node for
// every task that has none.
//
// In Swarm's words: "The scheduler assigns tasks to nodes." The orchestrator
// creates a task (NEW), the allocator gives it its networks and ports
// (PENDING), and the scheduler moves it to ASSIGNED on a node, with the
// message "scheduler assigned task to node". A global service's task comes
// with its node already set (pre-assigned); the scheduler only checks that
// the node fits ("scheduler confirmed task can run on preassigned node").
// A task no node can take stays PENDING with an error such as
// "no suitable node (insufficient resources on 3 nodes)".
//
// The package is pure. A Set is the scheduler's view of the nodes — each
// node with the reservations, host ports and task counts of the tasks on it —
// kept current by the caller (AddNode, UpdateNode, RemoveNode, UpdateTask,
// RecordFailure). Schedule and SchedulePreassigned answer placement
// questions and change nothing; the caller applies the decisions and reports
// the assignments back through UpdateTask. There is no clock: the current
// (virtual) time is an argument.
//
// # The filter pipeline
//
// Every node is run through SwarmKit's filters, in this order, stopping at
// the first that fails (filter.go); a filter is enabled only when it applies
// to the task:
//
//	Ready        node status READY and availability ACTIVE      "N nodes not available for new tasks"
//	Resource     reservation <= the node's available CPU/memory  "insufficient resources on N nodes"
//	Constraint   every placement constraint matches              "scheduling constraints not satisfied on N nodes"
//	Platform     the node's OS/arch is one the image supports    "unsupported platform on N nodes"
//	HostPort     no task on the node holds the same host port    "host-mode port already in use on N nodes"
//	MaxReplicas  fewer than --replicas-max-per-node tasks there  "max replicas per node limit exceed"
//
// (SwarmKit's Plugin and CSI Volumes filters are not modelled.) Each failure
// adds one to the failing filter's count; when a node passes, all counts are
// reset. The explanation lists the counts, largest first.
//
// # Ranking and spreading
//
// Nodes are ranked by nodeLess: a node where this service's tasks failed at
// least five times in five minutes ranks last; then fewer tasks of this
// service; then fewer tasks in total. Free resources do not matter. Ties go
// to the node that joined first (real Swarm picks at random). A batch of N
// tasks considers the best N passing nodes and fills them with SwarmKit's
// scheduleNTasksOnNodes, whose first pass never goes back to an earlier
// node: given nodes with 0, 0 and 5 tasks of the service and 6 new tasks,
// the first two nodes get 1 and 5 of them, not 3 and 3.
//
// Placement preferences ("spread=node.labels.zone") build a decision tree:
// one level per preference, one branch per label value ("" for nodes without
// the label), tasks split evenly over branches counting the tasks already
// there.
//
// # Constraints
//
// ParseConstraints reads "key==value" and "key!=value" with SwarmKit's
// grammar and error texts; Constraint.Match compares case-insensitively,
// with a missing label reading as "" (so node.labels.x!=foo matches nodes
// without the label) and unknown keys matching nothing.
package scheduler
