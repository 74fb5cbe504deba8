package orchestrator

import (
	"math"
	"time"
)

// Docker's health check defaults (moby's daemon/health.go).
const (
	DefaultHealthInterval      = 30 * time.Second
	DefaultHealthTimeout       = 30 * time.Second
	DefaultHealthStartInterval = 5 * time.Second
	DefaultHealthRetries       = 3
	// DefaultStopGracePeriod is how long the agent waits after the stop
	// signal before it kills the container (SwarmKit's
	// api/defaults: StopGracePeriod).
	DefaultStopGracePeriod = 10 * time.Second
)

// Never is a time that does not come.
const Never = time.Duration(math.MaxInt64)

// Probe is a container's health check schedule (Docker's HealthConfig
// timings). Zero values mean Docker's defaults; Timeout only bounds a
// probe, and simulated probes answer at once.
type Probe struct {
	Interval, Timeout, StartPeriod, StartInterval time.Duration
	Retries                                       int
}

func (p Probe) withDefaults() Probe {
	if p.Interval <= 0 {
		p.Interval = DefaultHealthInterval
	}
	if p.Timeout <= 0 {
		p.Timeout = DefaultHealthTimeout
	}
	if p.StartInterval <= 0 {
		p.StartInterval = DefaultHealthStartInterval
	}
	if p.StartPeriod < 0 {
		p.StartPeriod = 0
	}
	if p.Retries <= 0 {
		p.Retries = DefaultHealthRetries
	}
	return p
}

// passes reports whether an image's check passes at time t after the
// container started: from HealthyAfter on, except from UnhealthyAfter
// until HealthyAgainAfter (when set), and never for an Unhealthy image.
func passes(b *ImageBehavior, t time.Duration) bool {
	if b.Unhealthy || t < b.HealthyAfter {
		return false
	}
	if b.UnhealthyAfter > 0 && t >= b.UnhealthyAfter {
		return b.HealthyAgainAfter > b.UnhealthyAfter && t >= b.HealthyAgainAfter
	}
	return true
}

// nextChange is the first time after t at which passes may change, or
// Never.
func nextChange(b *ImageBehavior, t time.Duration) time.Duration {
	if b.Unhealthy {
		return Never
	}
	next := Never
	consider := func(x time.Duration) {
		if x > t && x < next {
			next = x
		}
	}
	consider(b.HealthyAfter)
	if b.UnhealthyAfter > 0 {
		consider(b.UnhealthyAfter)
		if b.HealthyAgainAfter > b.UnhealthyAfter {
			consider(b.HealthyAgainAfter)
		}
	}
	return next
}

// HealthTimes runs Docker's probe schedule (moby's daemon/health.go:
// monitor and handleProbeResult) over an image's check and returns when,
// after the container started, it is first seen healthy and first seen
// unhealthy (Never when it is not). The first probe comes one interval
// after the start; while the container has never been healthy and is
// within its start period, probes come every StartInterval and failures
// do not count; Retries consecutive counted failures make it unhealthy,
// and a passing probe resets the count.
func HealthTimes(p Probe, b *ImageBehavior) (healthy, unhealthy time.Duration) {
	p = p.withDefaults()
	healthy, unhealthy = Never, Never
	var t time.Duration // the last probe (0: the start)
	streak := 0
	seenHealthy := false
	for range 10000 {
		step := p.Interval
		if !seenHealthy && t < p.StartPeriod {
			step = p.StartInterval
		}
		q := sat(t, step)
		if q == Never {
			return healthy, unhealthy
		}
		if passes(b, q) {
			if !seenHealthy {
				healthy, seenHealthy = q, true
			}
			streak = 0
			// jump to the last passing probe before the check changes
			ch := nextChange(b, q)
			if ch == Never {
				return healthy, unhealthy
			}
			t = q + (ch-q-1)/p.Interval*p.Interval
			continue
		}
		if !seenHealthy && q < p.StartPeriod {
			// uncounted: jump to the last such probe before the start
			// period ends or the check changes
			end := min(p.StartPeriod, nextChange(b, q))
			t = q + (end-q-1)/p.StartInterval*p.StartInterval
			continue
		}
		streak++
		if streak >= p.Retries {
			return healthy, q
		}
		// the remaining failures come every Interval unless the check
		// passes again first
		need := time.Duration(p.Retries - streak)
		ch := nextChange(b, q)
		if end := sat(q, need*p.Interval); end < ch || ch == Never {
			if end == Never {
				return healthy, unhealthy
			}
			return healthy, end
		}
		n := (ch - q - 1) / p.Interval
		streak += int(n)
		t = q + n*p.Interval
	}
	return healthy, unhealthy
}

// NextProbeFailure is when a running, healthy container whose check starts
// failing at now (both after its start) is seen unhealthy: at the
// Retries-th probe after now, probes coming every Interval from healthyAt.
func NextProbeFailure(p Probe, healthyAt, now time.Duration) time.Duration {
	p = p.withDefaults()
	if now < healthyAt {
		now = healthyAt
	}
	k := (now-healthyAt)/p.Interval + time.Duration(p.Retries)
	if k > Never/p.Interval-healthyAt/p.Interval-1 {
		return Never
	}
	return healthyAt + k*p.Interval
}

// StopTime is how long a container takes to stop once signalled: its own
// stop time, cut short by the kill at the end of the grace period; a
// container that ignores the signal (SIGTERM) is killed when the grace
// period runs out, and SIGKILL stops it at once.
func StopTime(b *ImageBehavior, grace time.Duration, signal string) time.Duration {
	switch signal {
	case "SIGKILL", "KILL", "9":
		return 0
	case "", "SIGTERM", "TERM", "15":
		if b.IgnoreSIGTERM {
			return grace
		}
	}
	return min(b.Stop, grace)
}
