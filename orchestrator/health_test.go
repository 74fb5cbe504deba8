package orchestrator

import (
	"github.com/swarmsim/swarmsim/task"
	"pgregory.net/rapid"
	"testing"
	"time"
)

// Docker's probe schedule (moby's daemon/health.go: monitor,
// handleProbeResult).
func TestHealthTimes(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		name               string
		p                  Probe
		b                  ImageBehavior
		healthy, unhealthy time.Duration
	}{
		{"healthy after 7s, interval 5s: seen at the 10s probe", Probe{Interval: 5 * s}, ImageBehavior{HealthyAfter: 7 * s}, 10 * s, Never},
		{"defaults: first probe after 30s", Probe{}, ImageBehavior{}, 30 * s, Never},
		{"never passes: 3 failures at 30s intervals", Probe{}, ImageBehavior{Unhealthy: true}, Never, 90 * s},
		{"start period failures do not count", Probe{Interval: 5 * s, StartPeriod: 12 * s, Retries: 2}, ImageBehavior{Unhealthy: true}, Never, 20 * s},
		{"start interval while starting", Probe{Interval: 30 * s, StartPeriod: 60 * s}, ImageBehavior{HealthyAfter: 7 * s}, 10 * s, Never},
		{"start interval 2s", Probe{Interval: 30 * s, StartPeriod: 60 * s, StartInterval: 2 * s}, ImageBehavior{HealthyAfter: 7 * s}, 8 * s, Never},
		{"late check counts after the start period", Probe{Interval: 10 * s, StartPeriod: 15 * s, Retries: 1}, ImageBehavior{HealthyAfter: 100 * s}, Never, 15 * s},
		{"turns unhealthy at the 3rd failed probe", Probe{Interval: 10 * s}, ImageBehavior{HealthyAfter: 5 * s, UnhealthyAfter: 60 * s}, 10 * s, 80 * s},
		{"healthy again before the 3rd failure", Probe{Interval: 10 * s}, ImageBehavior{HealthyAfter: 5 * s, UnhealthyAfter: 60 * s, HealthyAgainAfter: 75 * s}, 10 * s, Never},
		{"healthy again too late", Probe{Interval: 10 * s}, ImageBehavior{HealthyAfter: 5 * s, UnhealthyAfter: 60 * s, HealthyAgainAfter: 85 * s}, 10 * s, 80 * s},
		{"unhealthy before healthy", Probe{Interval: 10 * s, Retries: 1}, ImageBehavior{HealthyAfter: 50 * s}, Never, 10 * s},
		{"a huge start period costs no loop", Probe{Interval: time.Hour, StartPeriod: 1000 * time.Hour, StartInterval: time.Millisecond, Retries: 1}, ImageBehavior{Unhealthy: true}, Never, 1000 * time.Hour},
		{"a huge interval saturates", Probe{Interval: Never / 2}, ImageBehavior{Unhealthy: true}, Never, Never},
	} {
		h, u := HealthTimes(tc.p, &tc.b)
		if h != tc.healthy || u != tc.unhealthy {
			t.Errorf("%s: HealthTimes = %v, %v; want %v, %v", tc.name, h, u, tc.healthy, tc.unhealthy)
		}
	}
}

func TestNextProbeFailure(t *testing.T) {
	s := time.Second
	// healthy at 10s, probes every 5s: failing from 22s, the probes of
	// 25s, 30s and 35s fail.
	if got := NextProbeFailure(Probe{Interval: 5 * s}, 10*s, 22*s); got != 35*s {
		t.Errorf("NextProbeFailure = %v; want 35s", got)
	}
	if got := NextProbeFailure(Probe{Interval: Never / 2}, 0, Never-1); got != Never {
		t.Errorf("NextProbeFailure saturates: got %v", got)
	}
}

// A stop takes min(stop time, grace period); the whole grace period for a
// container that ignores SIGTERM; nothing for SIGKILL.
func TestStopTime(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		b      ImageBehavior
		grace  time.Duration
		signal string
		want   time.Duration
	}{
		{ImageBehavior{Stop: s}, 10 * s, "", s},
		{ImageBehavior{Stop: 30 * s}, 10 * s, "", 10 * s},
		{ImageBehavior{Stop: s, IgnoreSIGTERM: true}, 10 * s, "", 10 * s},
		{ImageBehavior{Stop: s, IgnoreSIGTERM: true}, 10 * s, "SIGTERM", 10 * s},
		{ImageBehavior{Stop: s, IgnoreSIGTERM: true}, 10 * s, "SIGINT", s},
		{ImageBehavior{Stop: 30 * s, IgnoreSIGTERM: true}, 10 * s, "SIGKILL", 0},
		{ImageBehavior{Stop: 30 * s}, 0, "", 0},
	} {
		if got := StopTime(&tc.b, tc.grace, tc.signal); got != tc.want {
			t.Errorf("StopTime(%+v, %v, %q) = %v; want %v", tc.b, tc.grace, tc.signal, got, tc.want)
		}
	}
}

// A healthy container that turns unhealthy ends its RUNNING step when it
// is seen unhealthy plus its stop time, before an exit that comes later.
func TestRunEndUnhealthy(t *testing.T) {
	s := time.Second
	b := ImageBehavior{HealthCheck: true, HealthyAfter: 10 * s, UnhealthyAfter: 80 * s, Stop: s, ExitAfter: time.Hour}
	if d, ok := StepDuration(&b, task.Running, task.Running); !ok || d != 71*s {
		t.Errorf("StepDuration(running) = %v, %v; want 71s", d, ok)
	}
	tr, _ := Next(&b, "web:1", task.Running)
	if tr.Err != "task: non-zero exit (1): dockerexec: unhealthy container" {
		t.Errorf("Next(running) = %+v", tr)
	}
	b.ExitAfter = 5 * s
	if tr, _ := Next(&b, "web:1", task.Running); tr.Err != "" || tr.State != task.Complete {
		t.Errorf("an exit before the unhealthy check wins: %+v", tr)
	}
}

// A job's pending task (desired COMPLETE) may still run: the reaper keeps
// it, as it keeps a service's pending task desired RUNNING.
func TestReapKeepsPendingJobTask(t *testing.T) {
	tasks := []ReapTask{
		{Changed: 1, Order: 0, Observed: task.Complete, Desired: task.Shutdown},
		{Changed: 2, Order: 1, Observed: task.Pending, Desired: task.Complete},
	}
	if got := Reap(tasks, 1); len(got) != 1 || got[0] != 0 {
		t.Errorf("Reap = %v; want only the ended task [0]", got)
	}
}

// naiveHealthTimes runs the probe schedule one probe at a time.
func naiveHealthTimes(p Probe, b *ImageBehavior, limit int) (healthy, unhealthy time.Duration) {
	p = p.withDefaults()
	healthy, unhealthy = Never, Never
	var t time.Duration
	streak, seen := 0, false
	for range limit {
		step := p.Interval
		if !seen && t < p.StartPeriod {
			step = p.StartInterval
		}
		t += step
		switch {
		case passes(b, t):
			if !seen {
				healthy, seen = t, true
			}
			streak = 0
		case !seen && t < p.StartPeriod:
		default:
			if streak++; streak >= p.Retries {
				return healthy, t
			}
		}
	}
	return healthy, unhealthy
}

// HealthTimes jumps over runs of probes that change nothing; probing one
// probe at a time gives the same answer.
func TestHealthTimesMatchesProbing(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := func(name string, lo, hi int) time.Duration {
			return time.Duration(rapid.IntRange(lo, hi).Draw(rt, name)) * time.Second
		}
		p := Probe{Interval: s("interval", 1, 7), StartPeriod: s("startPeriod", 0, 20), StartInterval: s("startInterval", 1, 4),
			Retries: rapid.IntRange(1, 4).Draw(rt, "retries")}
		b := ImageBehavior{HealthyAfter: s("healthyAfter", 0, 40), Unhealthy: rapid.Bool().Draw(rt, "unhealthy"),
			UnhealthyAfter: s("unhealthyAfter", 0, 80), HealthyAgainAfter: s("healthyAgainAfter", 0, 100)}
		h, u := HealthTimes(p, &b)
		nh, nu := naiveHealthTimes(p, &b, 2000)
		if h != nh || u != nu {
			rt.Fatalf("HealthTimes = %v, %v; probing one by one gives %v, %v", h, u, nh, nu)
		}
	})
}
