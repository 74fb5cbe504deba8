package node

import (
	"maps"
	"slices"
	"time"

	"github.com/swarmsim/swarmsim/errdefs"
	"github.com/swarmsim/swarmsim/internal/labels"
)

// Update is a change to a node's spec, as `docker node update` (and
// `docker node promote` and `demote`) makes it. Nil fields are left as they
// are.
type Update struct {
	Availability *Availability
	Role         *Role
	// LabelAdd sets labels; LabelRm removes them (a missing key is an error,
	// as in Docker).
	LabelAdd map[string]string
	LabelRm  []string
}

// Validate returns the first of Docker's errors for an update of node n, in
// this order: a label to remove that n does not have (docker/cli's
// cli/command/node/update.go: mergeNodeUpdate, which fails the command), an
// availability or role that is none of SwarmKit's values, labels to add
// that are not UTF-8. The demotion checks come after it (see Demotes).
func (u Update) Validate(n *Node) error {
	for _, k := range u.LabelRm {
		if _, ok := n.Spec.Labels[k]; !ok {
			return errdefs.Daemon(errdefs.KindInvalidArgument, "key %s doesn't exist in node's labels", k)
		}
	}
	if u.Availability != nil {
		if err := validAvailability(*u.Availability); err != nil {
			return err
		}
	}
	if u.Role != nil {
		if err := validRole(*u.Role); err != nil {
			return err
		}
	}
	return labels.Validate(u.LabelAdd)
}

// Demotes reports whether the update makes manager n a worker, which the
// managers' Raft group must allow first (raft.Managers.CheckDemote).
func (u Update) Demotes(n *Node) bool {
	return u.Role != nil && *u.Role == Worker && n.Role == Manager
}

// ApplyAvailability sets n's availability if the update has one, and
// returns the availability n had.
func (u Update) ApplyAvailability(n *Node) (old Availability) {
	old = n.Spec.Availability
	if u.Availability != nil {
		n.Spec.Availability = *u.Availability
	}
	return old
}

// ApplyLabels makes the update's label changes to n, removals first, then
// additions in key order, and stores the update as SwarmKit's store does
// (a new version, updated at now). It reports whether there was any label
// change (setting a label to the value it has counts: Docker stores the
// update all the same). The availability and role changes come before it
// (ApplyAvailability, SetRole).
func (u Update) ApplyLabels(n *Node, now time.Time) bool {
	for _, k := range u.LabelRm {
		delete(n.Spec.Labels, k)
	}
	for _, k := range slices.Sorted(maps.Keys(u.LabelAdd)) {
		n.Spec.Labels[k] = u.LabelAdd[k]
	}
	n.UpdatedAt = now
	n.Version++
	return len(u.LabelRm) > 0 || len(u.LabelAdd) > 0
}

// SetRole makes n a manager or a worker, as a promotion or demotion leaves
// it once the role manager has acted: desired and observed role alike, and
// a new version. A worker has no ManagerStatus; a manager's is the Raft
// group's to give.
func (n *Node) SetRole(r Role) {
	n.Version++
	n.Spec.DesiredRole = r
	n.Role = r
	if r == Worker {
		n.ManagerStatus = nil
	}
}

// SetState records the dispatcher's view of n, a state and its message, as
// a new version, and returns the state it replaces.
func (n *Node) SetState(st State, msg string) (old State) {
	old = n.Status.State
	n.Status.State = st
	n.Status.Message = msg
	n.Version++
	return old
}

// DownMessage is the message the dispatcher writes when it marks a node DOWN
// because its heartbeats stopped (manager/dispatcher/dispatcher.go:
// markNodeNotReady): a node in the UNKNOWN state a new leader gives every
// node (markNodesUnknown) gets its own text.
func DownMessage(from State) string {
	if from == Unknown {
		return MsgUnknownFailure
	}
	return MsgHeartbeatFailure
}

// CheckRemove is SwarmKit's check before `docker node rm` (manager/
// controlapi/node.go: RemoveNode): a manager must be demoted first, and a
// node still READY needs force.
func CheckRemove(n *Node, force bool) error {
	if n.Role == Manager {
		return errdefs.RPC(errdefs.KindFailedPrecondition, "node %s is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal", n.ID)
	}
	if n.Status.State == Ready && !force {
		return errdefs.RPC(errdefs.KindFailedPrecondition, "node %s is not down and can't be removed", n.ID)
	}
	return nil
}
