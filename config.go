package swarmsim

import (
	"log/slog"
	"time"

	"github.com/swarmsim/swarmsim/orchestrator"
)

// DefaultEpoch is where a cluster's virtual clock starts unless Config.Epoch
// says otherwise: midnight UTC on 1 January 2000, as testing/synctest uses.
func DefaultEpoch() time.Time { return time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC) }

// Timing constants of real Swarm that the simulation uses (SwarmKit's
// manager/dispatcher/dispatcher.go defaults, restart/restart.go and
// update/updater.go).
const (
	// HeartbeatPeriod is the dispatcher's heartbeat period.
	HeartbeatPeriod = 5 * time.Second
	// HeartbeatMisses is how many periods without a heartbeat mark a node DOWN.
	HeartbeatMisses = 3
	// OrphanTimeout is how long a node stays DOWN before the tasks still
	// assigned to it become ORPHANED (SwarmKit's dispatcher.go:
	// defaultNodeDownPeriod).
	OrphanTimeout = 24 * time.Hour
	// OldTaskTimeout is how long a replacement waits for the task it replaces
	// to stop before it starts anyway.
	OldTaskTimeout = time.Minute
	// GossipConvergeDelay is how long an agent waits, after taking a task out
	// of the load balancer, before it stops the container.
	GossipConvergeDelay = orchestrator.GossipConvergeDelay
	// MinFailureTime is the shortest time a container takes to fail (see
	// orchestrator.MinFailureTime).
	MinFailureTime = orchestrator.MinFailureTime
	// DefaultTaskHistoryLimit is the tasks kept per slot (or node, for global
	// services) unless the cluster says otherwise.
	DefaultTaskHistoryLimit = 5
)

// Config configures a cluster.
type Config struct {
	// Seed is the only source of randomness: IDs and documented random
	// choices are drawn from it. The same seed and the same inputs give a
	// byte-identical event trace.
	Seed uint64
	// Epoch is the virtual time at which the cluster starts; the zero value
	// means DefaultEpoch.
	Epoch time.Time
	// Logger, when set, receives every trace event as a structured record.
	Logger *slog.Logger
	// TaskHistoryLimit is the swarm's task history retention limit per slot:
	// 0 means DefaultTaskHistoryLimit (5); a negative value keeps everything
	// (up to MaxTaskHistory tasks per slot). Values above MaxTaskHistory
	// count as MaxTaskHistory.
	TaskHistoryLimit int
	// DefaultImage is how images with no declared behaviour run; nil
	// means DefaultImageBehavior().
	DefaultImage *ImageBehavior
	// NoTrace turns the in-memory event trace off (the logger still gets
	// events). Large benchmarks use it to keep memory flat.
	NoTrace bool
	// TraceLimit, when positive, bounds the in-memory trace to its newest
	// TraceLimit events (memory for at most twice that many, and for what
	// they name of the tasks: a task none of them names is forgotten):
	// Events, EventsSince and TraceText then see only those, and
	// DroppedEvents counts the rest. 0 keeps every event. A long run that
	// must keep its whole trace can stream it through Logger instead.
	TraceLimit int
}

// ImageBehavior is how the simulated agent runs containers of one image; see
// orchestrator.ImageBehavior.
type ImageBehavior = orchestrator.ImageBehavior

// DefaultImageBehavior is how an image with no declared behaviour runs: a
// one-second pull, a one-second start, running until stopped, and a
// one-second stop.
func DefaultImageBehavior() ImageBehavior { return orchestrator.DefaultImageBehavior() }

func (c *Config) historyLimit() int {
	if c.TaskHistoryLimit == 0 {
		return DefaultTaskHistoryLimit
	}
	return min(c.TaskHistoryLimit, MaxTaskHistory)
}
