package orchestrator

import (
	"fmt"
	"time"

	"github.com/swarmsim/swarmsim/task"
)

// RestartCondition is when the restart policy replaces a task that ended.
type RestartCondition uint8

// Restart conditions, with SwarmKit's values reordered to make the Docker
// default the zero value.
const (
	RestartAny RestartCondition = iota
	RestartOnFailure
	RestartNone
)

func (c RestartCondition) String() string {
	switch c {
	case RestartOnFailure:
		return "on-failure"
	case RestartNone:
		return "none"
	case RestartAny:
		return "any"
	}
	return fmt.Sprintf("RestartCondition(%d)", uint8(c))
}

// DefaultRestartDelay is the restart delay when the policy sets none.
const DefaultRestartDelay = 5 * time.Second

// RestartPolicy is SwarmKit's RestartPolicy (api/specs.proto).
type RestartPolicy struct {
	Condition RestartCondition
	// Delay between a task ending and its replacement starting; nil means
	// DefaultRestartDelay (5s). An explicit 0 restarts at once.
	Delay *time.Duration
	// MaxAttempts is the number of restarts allowed; 0 means unlimited.
	MaxAttempts uint64
	// Window over which restarts are counted; 0 means unbounded.
	Window time.Duration
}

// Delay is how long a replacement waits before it starts: the policy's
// delay, or none when the old task's node was drained (SwarmKit's
// restart.go: Supervisor.Restart uses a zero delay for a node that is
// being drained).
func (p RestartPolicy) RestartDelay(drained bool) time.Duration {
	switch {
	case drained:
		return 0
	case p.Delay == nil:
		return DefaultRestartDelay
	}
	return *p.Delay
}

// RestartHistory is what the restart supervisor remembers of one slot's
// restarts (SwarmKit's restart.go: instanceRestartInfo): the spec version
// they were counted for, how many there were, and, when the policy has a
// window, when they happened (nanoseconds since the epoch, oldest first).
type RestartHistory struct {
	SpecVersion uint64
	Total       uint64
	At          []int64
}

// ShouldRestart is SwarmKit's restart.go: Supervisor.shouldRestart for a
// task of spec version version that ended in state st at failTime
// (nanoseconds since the epoch), given its slot's history h (nil when
// none): the condition first, then MaxAttempts, counted over the whole
// spec version or, with a window, over the window before failTime.
func ShouldRestart(p RestartPolicy, h *RestartHistory, version uint64, st task.State, failTime int64) bool {
	switch p.Condition {
	case RestartNone:
		return false
	case RestartOnFailure:
		if st == task.Complete {
			return false
		}
	}
	if p.MaxAttempts == 0 || h == nil || h.SpecVersion != version {
		return true
	}
	if p.Window == 0 {
		return h.Total < p.MaxAttempts
	}
	lo := failTime - int64(p.Window)
	var n uint64
	for _, at := range h.At {
		if at > lo && at < failTime {
			n++
		}
	}
	return n < p.MaxAttempts
}

// Record counts a restart made at now (nanoseconds since the epoch) for a
// task of spec version version, and returns the slot's new history (h may
// be nil). A history of another spec version starts again from zero; with
// a window, only the restarts the window can still see are kept
// (SwarmKit's restart.go: Supervisor.recordRestartHistory). Policies with
// no MaxAttempts keep no history: it returns h unchanged.
func (p RestartPolicy) Record(h *RestartHistory, version uint64, now int64) *RestartHistory {
	if p.MaxAttempts == 0 {
		return h
	}
	if h == nil || h.SpecVersion != version {
		h = &RestartHistory{SpecVersion: version}
	}
	h.Total++
	h.At = append(h.At, now)
	if p.Window > 0 {
		lo := now - int64(p.Window)
		i := 0
		for i < len(h.At) && h.At[i] <= lo {
			i++
		}
		h.At = h.At[i:]
	}
	return h
}
