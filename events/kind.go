package events

import (
	"fmt"

	"github.com/swarmsim/swarmsim/errdefs"
)

// Kind is the type of a trace event.
type Kind uint8

// Trace event kinds. Their values are stable: the compact trace store and
// recorded traces rely on them.
const (
	NodeAdded        Kind = iota + 1 // a node joined
	NodeUpdated                      // a node's labels or role changed
	NodeAvailability                 // a node's availability changed (From, To)
	NodeState                        // the manager's view of a node changed (From, To: ready, down)
	NodeStopped                      // a node's machine stopped answering
	NodeStarted                      // a stopped node's machine came back
	NodeRemoved                      // a node left the swarm
	ServiceCreated                   // a service was created
	ServiceUpdated                   // a service's spec changed (update, rollback)
	ServiceRemoved                   // a service was removed
	UpdateStatus                     // a service's UpdateStatus changed (From, To, Message)
	TaskCreated                      // a task was created (To: desired state)
	TaskState                        // a task's observed state changed (From, To, Message, Err)
	TaskDesired                      // a task's desired state changed (From, To)
	TaskDeleted                      // a task was deleted from the store
	Request                          // a probe request went through the mesh
	Leader                           // the managers elected a leader (Node), or lost theirs (no Node)
)

// kindNames returns every kind's name, indexed by kind.
func kindNames() [Leader + 1]string {
	return [...]string{
		NodeAdded:        "node-added",
		NodeUpdated:      "node-updated",
		NodeAvailability: "node-availability",
		NodeState:        "node-state",
		NodeStopped:      "node-stopped",
		NodeStarted:      "node-started",
		NodeRemoved:      "node-removed",
		ServiceCreated:   "service-created",
		ServiceUpdated:   "service-updated",
		ServiceRemoved:   "service-removed",
		UpdateStatus:     "update-status",
		TaskCreated:      "task-created",
		TaskState:        "task-state",
		TaskDesired:      "task-desired",
		TaskDeleted:      "task-deleted",
		Request:          "request",
		Leader:           "leader",
	}
}

// String is the kind's name, e.g. "task-state", or "event(N)" for a value
// that is no kind.
func (k Kind) String() string {
	if names := kindNames(); int(k) < len(names) && names[k] != "" {
		return names[k]
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool { return k >= NodeAdded && k <= Leader }

// isNode reports whether k is about a node's membership or state.
func (k Kind) isNode() bool { return k >= NodeAdded && k <= NodeRemoved }

// ParseKind returns the kind whose name (Kind.String) is s, e.g.
// "task-state". Any other text is an invalid-argument error.
func ParseKind(s string) (Kind, error) {
	names := kindNames()
	for k := NodeAdded; k <= Leader; k++ {
		if names[k] == s {
			return k, nil
		}
	}
	return 0, errdefs.Daemon(errdefs.KindInvalidArgument, "unknown event kind %q", s)
}
