// Package node holds the swarm's node model: a node's spec (name, labels,
// role, availability), what its engine reports (hostname, platform,
// resources, engine labels) and its status as the manager sees it.
//
// The names and values follow SwarmKit (api/objects.proto Node, api/specs.proto
// NodeSpec) and the strings are Docker's (`active`, `drain`, `ready`, ...).
//
// It also holds the rules the managers apply to a node, as pure functions
// over the node, returning Docker's errors: what a joining
// node's Config may hold and the node New builds from it; what an Update
// (`docker node update`, `promote`, `demote`) may change and how it applies
// (manager/controlapi/node.go: UpdateNode; the demotion checks are the Raft
// group's, package raft); when a node may be removed
// (manager/controlapi/node.go: RemoveNode); and the messages the dispatcher
// writes when it marks a silent node DOWN (manager/dispatcher/dispatcher.go:
// markNodeNotReady). The caller owns the store: it draws IDs and keeps the
// indexes.
package node

import (
	"fmt"
	"maps"
	"strings"
	"time"
)

// Role is a node's role in the swarm.
type Role uint8

// Roles, with SwarmKit's values.
const (
	Worker  Role = 0
	Manager Role = 1
)

func (r Role) String() string {
	switch r {
	case Worker:
		return "worker"
	case Manager:
		return "manager"
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// ParseRole reads a role case-insensitively; a bad value gives Docker's
// `invalid Role: "<v>"`.
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(s) {
	case "worker":
		return Worker, nil
	case "manager":
		return Manager, nil
	}
	return 0, fmt.Errorf("invalid Role: %q", s)
}

// Availability is the user-set availability of a node.
type Availability uint8

// Availabilities, with SwarmKit's values.
const (
	Active Availability = 0
	Pause  Availability = 1
	Drain  Availability = 2
)

func (a Availability) String() string {
	switch a {
	case Pause:
		return "pause"
	case Drain:
		return "drain"
	case Active:
		return "active"
	}
	return fmt.Sprintf("Availability(%d)", uint8(a))
}

// ParseAvailability reads an availability case-insensitively; a bad value
// gives Docker's `invalid Availability: "<v>"`.
func ParseAvailability(s string) (Availability, error) {
	switch strings.ToLower(s) {
	case "active":
		return Active, nil
	case "pause":
		return Pause, nil
	case "drain":
		return Drain, nil
	}
	return 0, fmt.Errorf("invalid Availability: %q", s)
}

// State is a node's status as the manager sees it.
type State uint8

// Node states, with SwarmKit's values.
const (
	Unknown      State = 0
	Down         State = 1
	Ready        State = 2
	Disconnected State = 3
)

func (s State) String() string {
	switch s {
	case Down:
		return "down"
	case Ready:
		return "ready"
	case Disconnected:
		return "disconnected"
	case Unknown:
		return "unknown"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Status messages the dispatcher writes.
const (
	MsgHeartbeatFailure = "heartbeat failure"
	// MsgUnknown and MsgUnknownFailure are a new leader's dispatcher's
	// (SwarmKit's manager/dispatcher/dispatcher.go: markNodesUnknown).
	MsgUnknown        = `Node moved to "unknown" state due to leadership change in cluster`
	MsgUnknownFailure = `heartbeat failure for node in "unknown" state`
	// MsgDisconnected is the old leader's dispatcher's as it stops.
	MsgDisconnected = "node is currently trying to find new manager"
)

// Resources are what a node offers (or a task reserves): CPUs in units of
// 1e-9 CPU, as SwarmKit counts them, and memory in bytes.
type Resources struct {
	NanoCPUs    int64
	MemoryBytes int64
}

// Platform is the OS and architecture an engine reports, as reported
// (x86_64 stays x86_64).
type Platform struct {
	Architecture string
	OS           string
}

// Spec is what the user sets on a node.
type Spec struct {
	// Name is the node's name; empty means the hostname is shown.
	Name         string
	Labels       map[string]string
	DesiredRole  Role
	Availability Availability
}

// Description is what the node's engine reports.
type Description struct {
	Hostname      string
	Platform      Platform
	Resources     Resources
	EngineLabels  map[string]string
	EngineVersion string
}

// Status is the node's state as the manager sees it.
type Status struct {
	State   State
	Message string
	Addr    string
}

// Reachability of a manager in the raft cluster.
type Reachability uint8

// Reachabilities, as in SwarmKit.
const (
	ReachabilityUnknown Reachability = 0
	Unreachable         Reachability = 1
	Reachable           Reachability = 2
)

func (r Reachability) String() string {
	switch r {
	case Unreachable:
		return "unreachable"
	case Reachable:
		return "reachable"
	}
	return "unknown"
}

// ManagerStatus is set on manager nodes.
type ManagerStatus struct {
	Leader       bool
	Reachability Reachability
	Addr         string
}

// Node is one machine of the swarm.
type Node struct {
	ID string
	// Version counts the changes the managers stored (spec, role, status):
	// 1 when the node joins (the Engine API's Version.Index).
	Version     uint64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Spec        Spec
	Description Description
	Status      Status
	// Role is the observed role, which constraints on node.role use.
	Role          Role
	ManagerStatus *ManagerStatus
}

// DisplayName is what Docker shows in a NODE column: the spec name if set,
// else the hostname.
func (n *Node) DisplayName() string {
	if n.Spec.Name != "" {
		return n.Spec.Name
	}
	return n.Description.Hostname
}

// AcceptsNewTasks reports whether the scheduler may place new tasks here:
// the node is READY and ACTIVE (SwarmKit's ReadyFilter).
func (n *Node) AcceptsNewTasks() bool {
	return n.Status.State == Ready && n.Spec.Availability == Active
}

// Clone returns a deep copy of the node.
func (n *Node) Clone() *Node {
	c := *n
	c.Spec.Labels = maps.Clone(n.Spec.Labels)
	c.Description.EngineLabels = maps.Clone(n.Description.EngineLabels)
	if n.ManagerStatus != nil {
		ms := *n.ManagerStatus
		c.ManagerStatus = &ms
	}
	return &c
}
