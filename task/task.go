package task

import (
	"fmt"
	"time"
)

// Status is a task's observed status: its state, when it was entered, the
// message that goes with it and an error, if any.
type Status struct {
	State     State
	Timestamp time.Time
	Message   string
	Err       string
}

// Task is one scheduled unit of a service: the container a slot (replicated
// services) or a node (global services) runs at one spec version.
//
// The observed status only moves forward: Advance refuses to take a task back
// to an earlier state, and History keeps every status the task went through.
type Task struct {
	ID          string
	ServiceID   string
	ServiceName string
	// Slot is 1..N for replicated services and 0 for global ones.
	Slot uint64
	// NodeID is empty until the scheduler assigns the task (replicated), or
	// preset by the orchestrator (global).
	NodeID string
	// SpecVersion is the service spec version the task was created from.
	SpecVersion uint64
	// Image is the image of the task's container spec.
	Image        string
	DesiredState State
	// state is the current observed state, the last history entry's, kept
	// beside DesiredState (in room the alignment leaves free) so that State
	// reads the task, not its history.
	state     State
	CreatedAt time.Time
	// history holds every status, the current one last. Timestamps are
	// kept as offsets from CreatedAt, so a status comes back in
	// CreatedAt's location.
	history []entry
	// texts holds the messages and errors of the statuses whose message
	// is not their state's default or that carry an error.
	texts []statusText
}

// entry is one status of a task's history, kept compact: a task keeps
// about nine of them, and a simulation keeps many tasks. The time is an
// offset from CreatedAt; text is 0 when the message is the state's default
// and there is no error, else 1 + the index of the status's text in the
// task's texts. An entry holds no pointer: the garbage collector skips the
// history.
type entry struct {
	at    int64
	state State
	text  uint32
}

type statusText struct{ msg, err string }

// makeEntry is the entry of a status, its text (if any) kept in t.texts; a
// text equal to the latest one kept is shared, as a status repeated with
// the same message is.
func (t *Task) makeEntry(st State, since time.Duration, msg, errText string) entry {
	e := entry{at: int64(since), state: st}
	if msg != DefaultMessage(st) || errText != "" {
		if n := len(t.texts); n == 0 || t.texts[n-1] != (statusText{msg, errText}) {
			t.texts = append(t.texts, statusText{msg, errText})
		}
		e.text = uint32(len(t.texts))
	}
	return e
}

func (t *Task) expand(e entry) Status {
	s := Status{State: e.state, Timestamp: t.CreatedAt.Add(time.Duration(e.at)), Message: DefaultMessage(e.state)}
	if e.text != 0 {
		tx := &t.texts[e.text-1]
		s.Message, s.Err = tx.msg, tx.err
	}
	return s
}

// HistoryBuf is room for the first statuses of a task's history: the nine
// states of a task that runs and then stops.
type HistoryBuf [9]entry

// Make returns the task t describes (its ID, service, slot, node, spec
// version, image, desired state and CreatedAt; any history it carries is
// ignored) in state NEW with the message "created", timestamped CreatedAt.
//
// The history is kept in buf until it outgrows it, so that a caller holding
// many tasks can keep each task and its history in one allocation; buf must
// not be used for anything else while the task lives. With a nil buf the
// task gets room of its own for the nine states of a task that runs and
// then stops: its history is still one allocation.
func Make(t Task, buf *HistoryBuf) Task {
	if buf == nil {
		buf = new(HistoryBuf)
	}
	t.texts = nil
	t.history = append(buf[:0], t.makeEntry(New, 0, DefaultMessage(New), ""))
	t.state = New
	return t
}

// Snapshot returns a copy of the task that shares nothing the original
// goes on changing: advancing the copy leaves the original's history alone.
func (t *Task) Snapshot() Task {
	c := *t
	c.history = t.history[:len(t.history):len(t.history)]
	c.texts = t.texts[:len(t.texts):len(t.texts)]
	return c
}

// Status returns the task's current observed status.
func (t *Task) Status() Status {
	if len(t.history) == 0 {
		return Status{}
	}
	return t.expand(t.history[len(t.history)-1])
}

// State is shorthand for Status().State.
func (t *Task) State() State { return t.state }

// Since is how long after CreatedAt the current status began.
func (t *Task) Since() time.Duration {
	if len(t.history) == 0 {
		return 0
	}
	return time.Duration(t.history[len(t.history)-1].at)
}

// History returns every status the task has had, oldest first, in a new
// slice.
func (t *Task) History() []Status {
	h := make([]Status, len(t.history))
	for i, e := range t.history {
		h[i] = t.expand(e)
	}
	return h
}

// Advance records a new observed status. A state earlier than the current
// one is refused with an error and changes nothing; the same state may be
// recorded again (with a new message or error).
func (t *Task) Advance(s Status) error {
	return t.AdvanceAfter(s.State, s.Timestamp.Sub(t.CreatedAt), s.Message, s.Err)
}

// AdvanceAfter is Advance of the status {st, CreatedAt+since, msg, errText}
// without time.Time arithmetic: a simulation that keeps its clock as an
// offset records a status in a few nanoseconds.
func (t *Task) AdvanceAfter(st State, since time.Duration, msg, errText string) error {
	if cur := t.State(); st < cur {
		return fmt.Errorf("task %s: observed state cannot move back from %s to %s", t.ID, cur, st)
	}
	t.history = append(t.history, t.makeEntry(st, since, msg, errText))
	t.state = st
	return nil
}

// Name is Docker's task name: <service>.<slot> for replicated tasks and
// <service>.<node ID> for global ones.
func (t *Task) Name() string {
	if t.Slot == 0 {
		return t.ServiceName + "." + t.NodeID
	}
	return fmt.Sprintf("%s.%d", t.ServiceName, t.Slot)
}
