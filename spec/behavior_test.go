package spec

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/swarmsim/swarmsim/orchestrator"
)

// A template's health check and stop settings change how the agent sees an
// image's containers: the probe schedule decides when a check is seen to
// pass or fail, --no-healthcheck removes the image's check, and the grace
// period and signal bound a stop.
func TestBehavior(t *testing.T) {
	d := func(x time.Duration) *time.Duration { return &x }
	plain := orchestrator.ImageBehavior{Pull: time.Second, Start: time.Second, Stop: 3 * time.Second}
	checked := orchestrator.ImageBehavior{HealthCheck: true, HealthyAfter: 10 * time.Second, UnhealthyAfter: 30 * time.Second, Stop: 3 * time.Second}
	for _, tc := range []struct {
		name  string
		image orchestrator.ImageBehavior
		task  Task
		want  orchestrator.ImageBehavior
	}{
		{"no check, the default grace", plain, Task{}, plain},
		{"a check of its own passes at the first probe, one interval after the start",
			plain, Task{Healthcheck: &HealthConfig{Test: []string{"CMD", "true"}, Interval: 5 * time.Second}},
			orchestrator.ImageBehavior{Pull: time.Second, Start: time.Second, Stop: 3 * time.Second, HealthCheck: true, HealthyAfter: 5 * time.Second}},
		{"a check that never passes is seen unhealthy after Retries probes",
			orchestrator.ImageBehavior{Unhealthy: true}, Task{Healthcheck: &HealthConfig{Test: []string{"CMD", "false"}, Interval: 2 * time.Second, Retries: 3}},
			orchestrator.ImageBehavior{HealthCheck: true, Unhealthy: true, HealthyAfter: 6 * time.Second}},
		{"the image's check on the template's schedule: healthy at the first probe, unhealthy after two failed ones",
			checked, Task{Healthcheck: &HealthConfig{Interval: 10 * time.Second, Retries: 2}},
			orchestrator.ImageBehavior{HealthCheck: true, HealthyAfter: 10 * time.Second, UnhealthyAfter: 40 * time.Second, Stop: 3 * time.Second}},
		{"--no-healthcheck removes the image's check", checked, Task{Healthcheck: &HealthConfig{Test: []string{"NONE"}}},
			orchestrator.ImageBehavior{HealthyAfter: 10 * time.Second, Stop: 3 * time.Second}},
		{"the image's own check failing before it passes is seen unhealthy then",
			orchestrator.ImageBehavior{HealthCheck: true, HealthyAfter: 5 * time.Second, UnhealthyAfter: 3 * time.Second}, Task{},
			orchestrator.ImageBehavior{HealthCheck: true, Unhealthy: true, HealthyAfter: 3 * time.Second, UnhealthyAfter: 3 * time.Second}},
		{"a stop longer than the grace period is cut short by the kill",
			orchestrator.ImageBehavior{Stop: 20 * time.Second}, Task{}, orchestrator.ImageBehavior{Stop: orchestrator.DefaultStopGracePeriod}},
		{"SIGKILL stops at once", plain, Task{StopSignal: "SIGKILL"}, orchestrator.ImageBehavior{Pull: time.Second, Start: time.Second}},
		{"an image that ignores SIGTERM is killed when the grace period ends",
			orchestrator.ImageBehavior{IgnoreSIGTERM: true, Stop: time.Second}, Task{StopGracePeriod: d(2 * time.Second)},
			orchestrator.ImageBehavior{IgnoreSIGTERM: true, Stop: 2 * time.Second}},
		{"a negative grace period is none", plain, Task{StopGracePeriod: d(-time.Second)},
			orchestrator.ImageBehavior{Pull: time.Second, Start: time.Second}},
	} {
		if diff := cmp.Diff(tc.want, tc.task.Behavior(tc.image)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}
