package updater

import (
	"fmt"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0.Add(time.Minute)
	updating := Status{State: Updating, Message: MsgInProgress, StartedAt: t0}
	rollingBack := Status{State: RollbackStarted, Message: MsgManualRollback, StartedAt: t0}
	pause := Status{State: Paused, Message: PausedMessage("t1")}
	tests := []struct {
		name         string
		stored, emit Status
		want         Status
		written      bool
	}{
		{"start over none", Status{}, updating, updating, true},
		{"start over a status", Status{State: Completed}, updating, Status{State: Completed}, false},
		{"pause over none", Status{}, pause, Status{}, false},
		{"pause of an update", updating, pause, Status{State: Paused, Message: PausedMessage("t1"), StartedAt: t0}, true},
		{"pause of a rollback", rollingBack, pause, Status{State: RollbackPaused, Message: PausedMessage("t1"), StartedAt: t0}, true},
		{"completion over none", Status{}, Status{State: Completed}, Status{}, false},
		{"completion of an update", updating, Status{State: Completed}, Status{State: Completed, Message: MsgCompleted, StartedAt: t0, CompletedAt: now}, true},
		{"completion of a rollback", rollingBack, Status{State: Completed}, Status{State: RollbackCompleted, Message: MsgRollbackCompleted, StartedAt: t0, CompletedAt: now}, true},
		{"automatic rollback", updating, Status{State: RollbackStarted, Message: RolledBackMessage("t1"), StartedAt: t0}, Status{State: RollbackStarted, Message: RolledBackMessage("t1"), StartedAt: t0}, true},
	}
	for _, tt := range tests {
		got, written := Write(tt.stored, tt.emit, now)
		if written != tt.written || (written && got != tt.want) {
			t.Errorf("%s: Write = %+v, %v; want %+v, %v", tt.name, got, written, tt.want, tt.written)
		}
	}
}

// A pause emitted while the stored status is a rollback is written as
// rollback_paused; the same pause over no status (the service was updated
// since the updater began) is not written at all.
func ExampleWrite() {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	rollingBack := Status{State: RollbackStarted, Message: MsgManualRollback, StartedAt: t0}
	pause := Status{State: Paused, Message: PausedMessage("t1")}
	st, ok := Write(rollingBack, pause, t0.Add(time.Minute))
	fmt.Println(st.State, ok)
	_, ok = Write(Status{}, pause, t0.Add(time.Minute))
	fmt.Println(ok)
	// Output:
	// rollback_paused true
	// false
}
