package task

import (
	"fmt"
	"strings"
)

// State is a task's observed (or desired) state. The numeric values are
// SwarmKit's (api/types.proto TaskState): code compares states with < and >,
// and an observed state only ever increases.
type State uint16

// The task states, in SwarmKit's order.
const (
	New       State = 0
	Pending   State = 64
	Assigned  State = 192
	Accepted  State = 256
	Preparing State = 320
	Ready     State = 384
	Starting  State = 448
	Running   State = 512
	Complete  State = 576
	Shutdown  State = 640
	Failed    State = 704
	Rejected  State = 768
	Remove    State = 800 // used only as a desired state
	Orphaned  State = 832
)

// States lists every state in SwarmKit's order (a fresh array each call).
func States() [14]State {
	return [...]State{New, Pending, Assigned, Accepted, Preparing, Ready, Starting, Running, Complete, Shutdown, Failed, Rejected, Remove, Orphaned}
}

// String returns Docker's lower-case name of the state, as in the Engine API
// ("running", "shutdown", ...).
func (s State) String() string {
	switch s {
	case New:
		return "new"
	case Pending:
		return "pending"
	case Assigned:
		return "assigned"
	case Accepted:
		return "accepted"
	case Preparing:
		return "preparing"
	case Ready:
		return "ready"
	case Starting:
		return "starting"
	case Running:
		return "running"
	case Complete:
		return "complete"
	case Shutdown:
		return "shutdown"
	case Failed:
		return "failed"
	case Rejected:
		return "rejected"
	case Remove:
		return "remove"
	case Orphaned:
		return "orphaned"
	}
	return fmt.Sprintf("state(%d)", uint16(s))
}

// ParseState reads a state name, case-insensitively.
func ParseState(name string) (State, error) {
	l := strings.ToLower(name)
	for _, s := range States() {
		if s.String() == l {
			return s, nil
		}
	}
	return 0, fmt.Errorf("invalid task state %q", name)
}

// Terminal reports whether the state is past RUNNING: the task's container
// has ended or will never start.
func (s State) Terminal() bool { return s > Running }

// DefaultMessage is the status message SwarmKit writes when a task enters
// the state in the ordinary way (SwarmKit's agent/exec/controller.go: Do,
// and the orchestrator, allocator and scheduler for NEW, PENDING and
// ASSIGNED).
// States with no fixed message return "".
func DefaultMessage(s State) string {
	if i := uint(s >> 6); i < uint(len(defaultMessages)) && s&63 == 0 {
		return defaultMessages[i]
	}
	return ""
}

// defaultMessages is DefaultMessage by state/64 (every state with a
// message is a multiple of 64), looked up rather than switched on: each
// status the agent records checks its message against it.
var defaultMessages = [...]string{
	New >> 6:       "created",
	Pending >> 6:   "pending task scheduling",
	Assigned >> 6:  "scheduler assigned task to node",
	Accepted >> 6:  "accepted",
	Preparing >> 6: "preparing",
	Ready >> 6:     "prepared",
	Starting >> 6:  "starting",
	Running >> 6:   "started",
	Complete >> 6:  "finished",
	Shutdown >> 6:  "shutdown",
}

// Messages and errors that the orchestrator, scheduler and agent write.
const (
	MsgPreassigned        = "scheduler confirmed task can run on preassigned node"
	MsgConstraintEnforcer = "task rejected by constraint enforcer"
	ErrConstraintEnforcer = "assigned node no longer meets constraints"
	MsgNodeDeleted        = "Task belonged to a node that has been deleted"
	ErrUnhealthyFormat    = "task: non-zero exit (%d): dockerexec: unhealthy container"
	ErrNonZeroExitFormat  = "task: non-zero exit (%d)"
)
