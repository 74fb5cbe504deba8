package swarmsim

import (
	"math"
	"time"

	"github.com/swarmsim/swarmsim/spec"
)

// The simulator's limits. Docker accepts any uint64 replica count and keeps
// a swarm's history for as long as it runs; a simulator must fit in one
// process, so it refuses what it cannot hold, with an error that names the
// limit, and never wraps a number or a clock. Each limit is well above what
// the benchmarks run (100,000 replicas on 10,000 nodes).
const (
	// MaxReplicas is the largest replica count of one service (see
	// spec.MaxReplicas).
	MaxReplicas = spec.MaxReplicas
	// MaxTasks is the largest number of tasks all services may ask for at
	// once: the sum of the replicated services' replica counts and, for
	// each global service, the number of nodes.
	MaxTasks = 2_000_000
	// MaxNodes is the largest number of nodes a swarm may have had.
	MaxNodes = 100_000
	// MaxTaskHistory is the most tasks kept per slot (or per node, for a
	// global service): the largest task history retention limit, and the
	// one a negative limit ("keep everything") stands for.
	MaxTaskHistory = 1_000
	// MaxProbeRequests is the most requests one Probe may send.
	MaxProbeRequests = 10_000_000
	// Horizon is how far the virtual clock can go from the epoch (100
	// years of 365 days). Drivers stop the clock there, and an event that
	// would happen later never happens: a container whose pull takes 200
	// years stays PREPARING.
	Horizon = 100 * 365 * 24 * time.Hour
)

// limitErr is the error for a request beyond one of the simulator's limits.
func limitErr(format string, args ...any) error {
	return daemonErr(KindInvalidArgument, format, args...)
}

// addSat returns now+d in nanoseconds, or math.MaxInt64 where the sum would
// overflow; durations are never negative here.
func addSat(now int64, d time.Duration) int64 {
	if d <= 0 {
		return now
	}
	if int64(d) > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + int64(d)
}

// lazyInit makes the zero Cluster usable: it becomes New(Config{}).
func (c *Cluster) lazyInit() {
	if c.ids == nil {
		*c = *New(Config{})
	}
}

// checkTaskBudget refuses a spec change (from old, nil for a new service, to
// cur) that would take what the services ask for past MaxTasks.
func (c *Cluster) checkTaskBudget(old, cur *ServiceSpec) error {
	was, wants := c.st.Wants(old), c.st.Wants(cur)
	if n := c.st.TasksWanted() - was + wants; wants > was && n > MaxTasks {
		return limitErr("the services would ask for %d tasks; the simulator's limit is %d", n, MaxTasks)
	}
	return nil
}
