package mesh

import (
	"errors"
	"strconv"
)

// Reason is why a connection was refused.
type Reason uint8

const (
	// NoListener: nothing listens on that port and protocol on the entry
	// node: no such published port, the service has no backend the node
	// knows, a host-mode port with no task of the service on that node, the
	// port is blocked on the entry node, or the entry node is down or unknown.
	NoListener Reason = iota + 1
	// PathBlocked: the entry node chose a backend on another node, and the
	// overlay path (VXLAN, 4789/udp) between them is blocked.
	PathBlocked
	// TimedOut: the entry node chose a backend that cannot answer: its
	// node's machine is dead, or a network partition lies between the two
	// nodes. The entry node still lists the backend (the news has not
	// reached it), so the connection is sent and never answered: the
	// client times out. It is not a refusal: errors.Is(err, ErrRefused) is
	// false.
	TimedOut
)

// String returns the reason in plain words.
func (r Reason) String() string {
	switch r {
	case NoListener:
		return "no listener"
	case PathBlocked:
		return "path blocked"
	case TimedOut:
		return "timed out"
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// Sentinels for errors.Is: a *RefusedError matches the sentinel of its
// Reason, and ErrRefused unless its Reason is TimedOut.
var (
	ErrRefused     = errors.New("connection refused")
	ErrNoListener  = errors.New("connection refused: no listener")
	ErrPathBlocked = errors.New("connection refused: path blocked")
	ErrTimedOut    = errors.New("connection timed out")
)

// Detail says precisely why a connection was refused.
type Detail uint8

// Details of a refusal; each belongs to one Reason.
const (
	DetailNoService      Detail = iota + 1 // NoListener: no service publishes the port
	DetailNoBackend                        // NoListener: the service has no backend at all
	DetailNoKnownBackend                   // NoListener: the entry node knows none (nodes down, gossip blocked)
	DetailHostNoTask                       // NoListener: host-mode port, no task of the service on the node
	DetailPortBlocked                      // NoListener: the entry node's firewall blocks the port
	DetailNodeDown                         // NoListener: the entry node is down
	DetailUnknownNode                      // NoListener: the entry node is not in the swarm
	DetailOverlayBlocked                   // PathBlocked: 4789/udp blocked between entry and backend node
	DetailBackendDead                      // TimedOut: the backend's node is dead, and the entry node does not know yet
	DetailPartitioned                      // TimedOut: a network partition lies between the entry and the backend node
)

// RefusedError is Resolve's error: the connection was refused, or (Reason
// TimedOut) sent to a backend that never answers.
type RefusedError struct {
	Reason   Reason
	Detail   Detail
	Node     string // the entry node
	Port     uint32
	Protocol Protocol
	// ServiceID and ServiceName are set when a service publishes the port.
	ServiceID, ServiceName string
	// TaskID and BackendNode are set for PathBlocked and TimedOut: the
	// backend chosen.
	TaskID, BackendNode string
}

func refuse(r Reason, d Detail, node string, port uint32, p Protocol, s *meshService) *RefusedError {
	e := &RefusedError{Reason: r, Detail: d, Node: node, Port: port, Protocol: p}
	if s != nil {
		e.ServiceID, e.ServiceName = s.id, s.name
		if e.ServiceName == "" {
			e.ServiceName = s.id
		}
	}
	return e
}

// Error describes the refusal in plain words, starting "connection refused: "
// ("connection timed out: " for Reason TimedOut).
func (e *RefusedError) Error() string {
	pp := strconv.FormatUint(uint64(e.Port), 10) + "/" + e.Protocol.String()
	s := "connection refused: "
	switch e.Detail {
	case DetailNoService:
		return s + "no service listens on port " + pp + " on node " + e.Node
	case DetailNoBackend:
		return s + "no service listens on port " + pp + " on node " + e.Node +
			": service " + e.ServiceName + " has no running task"
	case DetailNoKnownBackend:
		return s + "no service listens on port " + pp + " on node " + e.Node +
			": the node knows no reachable task of service " + e.ServiceName +
			" (their nodes are down or gossip on 7946 is blocked)"
	case DetailHostNoTask:
		return s + "nothing listens on port " + pp + " on node " + e.Node +
			": service " + e.ServiceName + " publishes it in host mode and runs no task there"
	case DetailPortBlocked:
		return s + "port " + pp + " is blocked by the firewall on node " + e.Node
	case DetailNodeDown:
		return s + "node " + e.Node + " is down"
	case DetailUnknownNode:
		return s + "node " + e.Node + " is not part of the swarm"
	case DetailBackendDead:
		return "connection timed out: port " + pp + " on node " + e.Node + " routes to task " + e.TaskID +
			" of service " + e.ServiceName + " on node " + e.BackendNode + ", which is down"
	case DetailPartitioned:
		return "connection timed out: port " + pp + " on node " + e.Node + " routes to task " + e.TaskID +
			" of service " + e.ServiceName + " on node " + e.BackendNode + ", across a network partition"
	case DetailOverlayBlocked:
		return s + "port " + pp + " on node " + e.Node + " routes to task " + e.TaskID +
			" of service " + e.ServiceName + " on node " + e.BackendNode +
			", but the overlay path between the nodes is blocked (4789/udp)"
	}
	if e.Reason == TimedOut {
		return "connection timed out"
	}
	return s + e.Reason.String()
}

// Is matches the sentinel of the error's Reason, and ErrRefused unless the
// Reason is TimedOut.
func (e *RefusedError) Is(target error) bool {
	switch target {
	case ErrRefused:
		return e.Reason != TimedOut
	case ErrTimedOut:
		return e.Reason == TimedOut
	case ErrNoListener:
		return e.Reason == NoListener
	case ErrPathBlocked:
		return e.Reason == PathBlocked
	}
	return false
}
