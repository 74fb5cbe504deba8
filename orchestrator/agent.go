package orchestrator

import (
	"fmt"
	"math"
	"time"

	"github.com/swarmsim/swarmsim/task"
)

const (
	// GossipConvergeDelay is how long an agent waits, after taking a task
	// out of the load balancer, before it stops the container (SwarmKit's
	// agent/exec/dockerapi controller: Shutdown waits for the network's
	// gossip to converge).
	GossipConvergeDelay = 2 * time.Second
	// MinFailureTime is the shortest time a container takes to fail: an
	// image that is rejected, turns unhealthy or exits is reported at
	// least this long after the step began, even when its ImageBehavior
	// says 0. (A real engine always takes a while; and a restart loop with
	// a restart delay of 0 must still move virtual time forward.)
	MinFailureTime = 100 * time.Millisecond
)

// ImageBehavior is how the simulated agent runs containers of one image: how
// long each step takes and how the container ends. It stands for everything
// the real engine does between a task being assigned and its container
// running (pull, create, start, health checks) and stopping.
type ImageBehavior struct {
	// Pull is the time spent in PREPARING (image pull and container create).
	Pull time.Duration
	// Start is the time spent in STARTING before the container runs.
	Start time.Duration
	// HealthCheck makes RUNNING wait for the container to be healthy,
	// HealthyAfter after it started (Docker's executor blocks in STARTING
	// until then). With Unhealthy, the check fails at that moment instead and
	// the task ends FAILED with "task: non-zero exit (N): dockerexec:
	// unhealthy container", N being ExitCode (1 if 0).
	HealthCheck  bool
	HealthyAfter time.Duration
	Unhealthy    bool
	// UnhealthyAfter, when positive, makes a health-checked container's
	// check start failing that long after it started, and
	// HealthyAgainAfter (when later) pass again from then on. Without a
	// service health check the image's own check is seen at those very
	// times; with one, Docker's probe schedule decides (HealthTimes). A
	// running container seen unhealthy is stopped and its task FAILED
	// ("dockerexec: unhealthy container").
	UnhealthyAfter    time.Duration
	HealthyAgainAfter time.Duration
	// IgnoreSIGTERM makes the container ignore the stop signal SIGTERM:
	// it is killed when the stop grace period runs out.
	IgnoreSIGTERM bool
	// ExitAfter, when positive, makes the container exit that long after it
	// started RUNNING: with ExitCode 0 the task is COMPLETE ("finished"),
	// otherwise FAILED ("task: non-zero exit (N)").
	ExitAfter time.Duration
	ExitCode  int
	// FailOnStart makes the task fail before it starts: REJECTED at the end
	// of PREPARING with Err set to RejectErr (default "No such image: <ref>").
	FailOnStart bool
	RejectErr   string
	// Stop is how long the container takes to stop once the agent stops it
	// (after GossipConvergeDelay for containers that had started).
	Stop time.Duration
}

// DefaultImageBehavior is how an image with no declared behaviour runs: a
// one-second pull, a one-second start, running until stopped, and a
// one-second stop. A new task reaches RUNNING two seconds after it is
// assigned.
func DefaultImageBehavior() ImageBehavior {
	return ImageBehavior{Pull: time.Second, Start: time.Second, Stop: time.Second}
}

// StepDuration is how long the agent's step out of observed state st takes
// for a task meant to run (desired RUNNING or before): the time from
// entering st to the next state. ok is false when the task stays in st
// until something else happens: READY waits for desired RUNNING, RUNNING
// lasts until the container exits (if it ever does), and states outside
// ASSIGNED..RUNNING are not the agent's.
func StepDuration(b *ImageBehavior, st, desired task.State) (d time.Duration, ok bool) {
	switch st {
	case task.Assigned, task.Accepted:
		return 0, true
	case task.Preparing:
		d = b.Pull
		if b.FailOnStart {
			d = max(d, MinFailureTime)
		}
		return d, true
	case task.Ready:
		return 0, desired == task.Running || desired == task.Complete
	case task.Starting:
		d = b.Start
		if b.HealthCheck {
			d = sat(d, b.HealthyAfter)
			if b.Unhealthy {
				d = max(d, MinFailureTime)
			}
		}
		return d, true
	case task.Running:
		if d, _ := runEnd(b); d != Never {
			return d, true
		}
		return 0, false
	}
	return 0, false
}

// runEnd is how long a running container lasts (Never: until stopped) and
// whether it ends because it was seen unhealthy (then stopped: its stop
// time is included) rather than by exiting.
func runEnd(b *ImageBehavior) (time.Duration, bool) {
	exit := Never
	if b.ExitAfter > 0 {
		exit = max(b.ExitAfter, MinFailureTime)
	}
	if b.HealthCheck && !b.Unhealthy && b.UnhealthyAfter > b.HealthyAfter {
		if u := max(sat(b.UnhealthyAfter-b.HealthyAfter, b.Stop), MinFailureTime); u < exit {
			return u, true
		}
	}
	return exit, false
}

// UnhealthyExit is the task error of a container stopped because it was
// seen unhealthy (moby's daemon/cluster/executor/container/controller.go:
// Wait, with ErrContainerUnhealthy as the exit's cause).
func UnhealthyExit(b *ImageBehavior) string {
	code := b.ExitCode
	if code == 0 {
		code = 1
	}
	return fmt.Sprintf(task.ErrUnhealthyFormat, code)
}

// StopDuration is how long stopping a started container takes: the gossip
// delay, then the container's own stop time.
func StopDuration(b *ImageBehavior) time.Duration { return sat(GossipConvergeDelay, b.Stop) }

// Transition is one step of a task's observed status.
type Transition struct {
	State   task.State
	Message string
	Err     string
}

// Next is the agent's step out of observed state st for a task of image ref
// that is meant to run (SwarmKit's agent/exec controller and Docker's
// executor: agent/exec/controller.go: Do). ok is false when the agent has
// no step from st.
//
// The plain steps from ASSIGNED to STARTING, one per transition of every
// task that starts, come from a table; the rest (failures, exits) are
// worked out by next.
func Next(b *ImageBehavior, ref string, st task.State) (Transition, bool) {
	to, msg, err, ok := NextStep(b, ref, st)
	return Transition{State: to, Message: msg, Err: err}, ok
}

// NextStep is Next with the transition's fields as results: a
// Transition is too big to live in registers, and a caller that keeps one
// across a call copies it through memory.
func NextStep(b *ImageBehavior, ref string, st task.State) (to task.State, msg, err string, ok bool) {
	if i := uint(st - task.Assigned); i < uint(len(plainNext))<<6 && i&63 == 0 && !b.FailOnStart && !b.Unhealthy {
		to = plainNext[i>>6]
		return to, task.DefaultMessage(to), "", true
	}
	tr, ok := next(b, ref, st)
	return tr.State, tr.Message, tr.Err, ok
}

// plainNext is the agent's step out of ASSIGNED, ACCEPTED, PREPARING,
// READY and STARTING (by (state-ASSIGNED)/64) for an image that neither
// fails to start nor is unhealthy.
var plainNext = [...]task.State{task.Accepted, task.Preparing, task.Ready, task.Starting, task.Running}

func next(b *ImageBehavior, ref string, st task.State) (tr Transition, ok bool) {
	to := func(s task.State) (Transition, bool) {
		return Transition{State: s, Message: task.DefaultMessage(s)}, true
	}
	switch st {
	case task.Assigned:
		return to(task.Accepted)
	case task.Accepted:
		return to(task.Preparing)
	case task.Preparing:
		if b.FailOnStart {
			e := b.RejectErr
			if e == "" {
				e = "No such image: " + ref
			}
			return Transition{task.Rejected, "preparing", e}, true
		}
		return to(task.Ready)
	case task.Ready:
		return to(task.Starting)
	case task.Starting:
		if b.HealthCheck && b.Unhealthy {
			return Transition{task.Failed, "starting", UnhealthyExit(b)}, true
		}
		return to(task.Running)
	case task.Running:
		if _, unhealthy := runEnd(b); unhealthy {
			return Transition{task.Failed, "started", UnhealthyExit(b)}, true
		}
		if b.ExitCode == 0 {
			return to(task.Complete)
		}
		return Transition{task.Failed, "started", fmt.Sprintf(task.ErrNonZeroExitFormat, b.ExitCode)}, true
	}
	return Transition{}, false
}

// sat adds two non-negative durations, saturating instead of wrapping.
func sat(a, b time.Duration) time.Duration {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
