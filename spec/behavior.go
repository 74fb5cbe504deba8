package spec

import "github.com/swarmsim/swarmsim/orchestrator"

// How a task template changes the way an image's containers run: its health
// check replaces or retimes the image's own (moby merges the two in
// daemon/cluster/executor/container/container.go: healthConfig), and its
// stop grace period and signal bound a stop.

// Probe is the health check's probe schedule.
func (h *HealthConfig) Probe() orchestrator.Probe {
	return orchestrator.Probe{Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod,
		StartInterval: h.StartInterval, Retries: h.Retries}
}

// ProbesOwnCheck reports whether the template's health check overrides the
// image's with Docker's probe schedule: a test of its own, or the image's
// test with the template's timings.
func (t *Task) ProbesOwnCheck(b *orchestrator.ImageBehavior) bool {
	h := t.Healthcheck
	return h != nil && (len(h.Test) > 0 || b.HealthCheck) && !(len(h.Test) > 0 && h.Test[0] == "NONE")
}

// Behavior is how the template's tasks run containers of an image that
// behaves as b: b with the template's health check and stop settings
// applied. The times it returns are the times the agent sees: HealthyAfter
// when the container is seen healthy (or, with Unhealthy, unhealthy) after
// it started, UnhealthyAfter when a healthy one is seen unhealthy, Stop how
// long a stop takes.
func (t *Task) Behavior(b orchestrator.ImageBehavior) orchestrator.ImageBehavior {
	switch h := t.Healthcheck; {
	case h != nil && len(h.Test) > 0 && h.Test[0] == "NONE":
		b.HealthCheck, b.Unhealthy, b.UnhealthyAfter = false, false, 0 // --no-healthcheck
	case t.ProbesOwnCheck(&b):
		healthy, unhealthy := orchestrator.HealthTimes(h.Probe(), &b)
		b.HealthCheck, b.Unhealthy, b.HealthyAfter, b.UnhealthyAfter = true, false, healthy, 0
		switch {
		case unhealthy < healthy:
			b.Unhealthy, b.HealthyAfter = true, unhealthy
		case unhealthy != orchestrator.Never:
			b.UnhealthyAfter = unhealthy
		}
	case b.HealthCheck && b.UnhealthyAfter > 0 && b.UnhealthyAfter <= b.HealthyAfter && !b.Unhealthy:
		b.Unhealthy, b.HealthyAfter = true, b.UnhealthyAfter // the image's own check, seen as it says
	}
	grace := orchestrator.DefaultStopGracePeriod
	if t.StopGracePeriod != nil {
		grace = max(*t.StopGracePeriod, 0)
	}
	b.Stop = orchestrator.StopTime(&b, grace, t.StopSignal)
	return b
}
