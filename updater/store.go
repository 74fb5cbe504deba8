package updater

import "time"

// Write is what SwarmKit's updater does when it writes a status it emitted
// with SetStatus into the store (manager/orchestrator/update/updater.go:
// Updater.startUpdate, Updater.pauseUpdate, Updater.completeUpdate). The
// stored status decides:
//
//   - a start (Updating) is written only over no status;
//   - a pause or a completion only over some status: a service updated since
//     the updater began has none, and nothing is written;
//   - a pause of a rollback is rollback_paused, a completion of a rollback is
//     rollback_completed with its own message, anything else paused or
//     completed; a pause keeps StartedAt, a completion sets CompletedAt.
//
// Every other state (an automatic rollback's RollbackStarted) is written as
// it is. Write returns the status to store and whether to store it.
func Write(stored, st Status, now time.Time) (Status, bool) {
	switch st.State {
	case Updating:
		return st, stored.State == None
	case Paused, RollbackPaused:
		if stored.State == None {
			return stored, false
		}
		next := stored
		next.State, next.Message = Paused, st.Message
		if stored.State == RollbackStarted {
			next.State = RollbackPaused
		}
		return next, true
	case Completed, RollbackCompleted:
		if stored.State == None {
			return stored, false
		}
		next := stored
		next.State, next.Message = Completed, MsgCompleted
		if stored.State == RollbackStarted {
			next.State, next.Message = RollbackCompleted, MsgRollbackCompleted
		}
		next.CompletedAt = now
		return next, true
	}
	return st, true
}
