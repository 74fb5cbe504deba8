package updater

import (
	"errors"
	"fmt"
	"time"
)

// FailureAction is what the updater does when the failure ratio is exceeded
// (UpdateConfig.failure_action in SwarmKit's api/types.proto; acted on in
// Updater.Run).
type FailureAction uint8

// The failure actions, with SwarmKit's enum values.
const (
	// Pause stops dispatching slots and sets the update status to paused
	// (rollback_paused during a rollback). It is the default.
	Pause FailureAction = 0
	// Continue keeps going: with it the updater does not even watch for
	// failures, and the update always ends "completed".
	Continue FailureAction = 1
	// Rollback puts the previous spec back and starts a rollback. A
	// rollback is never rolled back: during a rollback it pauses instead.
	Rollback FailureAction = 2
)

// String returns Docker's name: "pause", "continue" or "rollback".
func (a FailureAction) String() string {
	switch a {
	case Pause:
		return "pause"
	case Continue:
		return "continue"
	case Rollback:
		return "rollback"
	}
	return fmt.Sprintf("FailureAction(%d)", uint8(a))
}

// ParseFailureAction reads Docker's FailureAction string. As in the Docker
// daemon's conversion, the empty string means Pause and any other unknown
// value is the error "unrecognized update failure action <x>". The match is
// exact (case-sensitive).
func ParseFailureAction(s string) (FailureAction, error) {
	switch s {
	case "", "pause":
		return Pause, nil
	case "continue":
		return Continue, nil
	case "rollback":
		return Rollback, nil
	}
	return Pause, errors.New("unrecognized update failure action " + s)
}

// Order is the replacement order within one slot (UpdateConfig.order).
type Order uint8

// The update orders, with SwarmKit's enum values.
const (
	// StopFirst shuts the old task down, and starts the new one only once
	// the old one has stopped (or a minute has passed). It is the default.
	StopFirst Order = 0
	// StartFirst starts the new task at once and shuts the old one down only
	// after the new one reached RUNNING.
	StartFirst Order = 1
)

// String returns Docker's name: "stop-first" or "start-first".
func (o Order) String() string {
	switch o {
	case StopFirst:
		return "stop-first"
	case StartFirst:
		return "start-first"
	}
	return fmt.Sprintf("Order(%d)", uint8(o))
}

// ParseOrder reads Docker's Order string: "" means StopFirst, any unknown
// value is the error "unrecognized update order <x>".
func ParseOrder(s string) (Order, error) {
	switch s {
	case "", "stop-first":
		return StopFirst, nil
	case "start-first":
		return StartFirst, nil
	}
	return StopFirst, errors.New("unrecognized update order " + s)
}

// DefaultMonitor is the monitoring period used when a config sets none
// (SwarmKit's api/defaults/service.go: defaults.Service). It was 30s
// before 2017.
const DefaultMonitor = 5 * time.Second

// Config is SwarmKit's UpdateConfig. The same type serves as a service's
// Spec.Update (how to roll a new spec out) and Spec.Rollback (how to roll
// back to the previous spec); SwarmKit's api/types.proto: UpdateConfig.
type Config struct {
	// Parallelism is the number of workers, that is, the most slots being
	// replaced at once. 0 means unlimited: one worker per dirty slot.
	Parallelism uint64
	// Delay is how long each worker sleeps after each slot, the last one
	// included. It also lengthens the final monitoring window
	// (FinalWindow).
	Delay time.Duration
	// FailureAction is what to do when the failure ratio is exceeded.
	FailureAction FailureAction
	// Monitor is how long after a new task was seen RUNNING its failure
	// still counts. 0 means DefaultMonitor: the Docker API converts a zero
	// monitor to "unset", so a 0s monitor cannot be expressed (moby's
	// daemon/cluster/convert/service.go: updateConfigToGRPC).
	Monitor time.Duration
	// MaxFailureRatio is the fraction of dirty slots that may fail before
	// FailureAction fires; it fires when failures/dirty > ratio (strict,
	// in float32).
	MaxFailureRatio float32
	// Order is the replacement order within a slot.
	Order Order
}

// DefaultConfig returns SwarmKit's defaults, used whenever Spec.Update or
// Spec.Rollback is nil: parallelism 1, delay 0, pause, monitor 5s, max
// failure ratio 0, stop-first (api/defaults/service.go: defaults.Service).
// Update and rollback defaults are the
// same.
func DefaultConfig() Config {
	return Config{Parallelism: 1, FailureAction: Pause, Monitor: DefaultMonitor, Order: StopFirst}
}

// Validate checks an update config as SwarmKit's controlapi validateUpdate
// (manager/controlapi/service.go) does, in the same order, with its texts:
//
//	TaskSpec: update-delay cannot be negative
//	TaskSpec: update-monitor cannot be negative
//	TaskSpec: update-maxfailureratio cannot be less than 0 or bigger than 1
//
// SwarmKit validates only Spec.Update: Spec.Rollback is accepted as it is,
// so callers must not call Validate on a rollback config if they want to be
// faithful. A NaN ratio passes (both comparisons are false), as in SwarmKit.
func (c Config) Validate() error {
	if c.Delay < 0 {
		return errors.New("TaskSpec: update-delay cannot be negative")
	}
	if c.Monitor < 0 {
		return errors.New("TaskSpec: update-monitor cannot be negative")
	}
	if c.MaxFailureRatio < 0 || c.MaxFailureRatio > 1 {
		return errors.New("TaskSpec: update-maxfailureratio cannot be less than 0 or bigger than 1")
	}
	return nil
}

// MonitorPeriod is the monitoring period the updater uses: Monitor, or
// DefaultMonitor when Monitor is 0.
func (c Config) MonitorPeriod() time.Duration {
	if c.Monitor == 0 {
		return DefaultMonitor
	}
	return c.Monitor
}

// FinalWindow is how long the updater keeps watching for failures after
// every slot is done, before it declares the update completed: the
// monitoring period, or Delay+1s when Delay >= the monitoring period
// (the end of SwarmKit's Updater.Run; PR #3003, the fix for
// moby/moby#37972).
func (c Config) FinalWindow() time.Duration {
	m := c.MonitorPeriod()
	if c.Delay >= m {
		return c.Delay + time.Second
	}
	return m
}
