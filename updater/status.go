package updater

import (
	"fmt"
	"time"
)

// State is a service's UpdateStatus.State, with SwarmKit's enum values
// (api/types.proto: UpdateStatus). None stands for "no UpdateStatus at all": the service's
// UpdateStatus is nil, as after create and after every normal
// UpdateService call until the updater finds a slot to replace.
type State uint8

// The update states.
const (
	None              State = 0 // no UpdateStatus (SwarmKit's UNKNOWN is never stored)
	Updating          State = 1
	Paused            State = 2
	Completed         State = 3
	RollbackStarted   State = 4
	RollbackPaused    State = 5
	RollbackCompleted State = 6
)

// String returns Docker's name of the state ("updating", "rollback_paused",
// ...), and "" for None.
func (s State) String() string {
	switch s {
	case None:
		return ""
	case Updating:
		return "updating"
	case Paused:
		return "paused"
	case Completed:
		return "completed"
	case RollbackStarted:
		return "rollback_started"
	case RollbackPaused:
		return "rollback_paused"
	case RollbackCompleted:
		return "rollback_completed"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Status is a service's UpdateStatus. The zero value means the service has
// none (nil in SwarmKit, absent from docker service inspect).
type Status struct {
	State   State
	Message string
	// StartedAt is set when the updater moves a nil status to UPDATING,
	// and by a manual rollback. An automatic rollback and a pause keep it.
	StartedAt time.Time
	// CompletedAt is set only on COMPLETED and ROLLBACK_COMPLETED (not on a
	// pause, whatever the proto comment says).
	CompletedAt time.Time
}

// The fixed UpdateStatus messages: Updater.startUpdate, pauseUpdate,
// rollbackUpdate and completeUpdate, and controlapi's UpdateService for the
// manual rollback.
const (
	MsgInProgress        = "update in progress"
	MsgCompleted         = "update completed"
	MsgRollbackCompleted = "rollback completed"
	MsgManualRollback    = "manually requested rollback"
)

// PausedMessage is the message of a pause: "update paused due to failure or
// early termination of task <ID>". A rollback that pauses (failure action
// pause) uses the same text, so its state is rollback_paused while its
// message starts "update paused" (sic).
func PausedMessage(taskID string) string {
	return "update paused due to failure or early termination of task " + taskID
}

// RolledBackMessage is the message of an automatic rollback: "update rolled
// back due to failure or early termination of task <ID>".
func RolledBackMessage(taskID string) string {
	return "update rolled back due to failure or early termination of task " + taskID
}

// RollbackPausedMessage is the message written when a rollback whose
// failure action is rollback fails ("never roll back a rollback"):
// "rollback paused due to failure or early termination of task <ID>".
func RollbackPausedMessage(taskID string) string {
	return "rollback paused due to failure or early termination of task " + taskID
}

// ManualRollback is the status controlapi writes for docker service
// rollback: ROLLBACK_STARTED, "manually requested rollback", StartedAt now.
func ManualRollback(now time.Time) Status {
	return Status{State: RollbackStarted, Message: MsgManualRollback, StartedAt: now}
}
