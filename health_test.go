package swarmsim

import (
	"errors"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// runningAt is when the service's first task was seen RUNNING.
func runningAt(t *testing.T, c *Cluster, svc string) time.Duration {
	t.Helper()
	ts, _ := c.Tasks(svc)
	for _, s := range ts[0].History() {
		if s.State == task.Running {
			return s.Timestamp.Sub(c.Epoch())
		}
	}
	return -1
}

// A service health check follows Docker's probe schedule (moby's
// daemon/health.go): an image healthy 7s after its start, probed every 5s,
// is seen healthy at 10s; --no-healthcheck ignores the image's check; a
// grace period cuts a slow stop short.
func TestHealthcheckTiming(t *testing.T) {
	c := newTestCluster(t, "manager")
	c.SetImage("web:1", ImageBehavior{Pull: time.Second, Start: time.Second, HealthCheck: true, HealthyAfter: 7 * time.Second, Stop: 30 * time.Second})
	grace := 3 * time.Second
	for _, s := range []ServiceSpec{
		{Name: "probed", Replicas: 1, TaskTemplate: TaskSpec{Image: "web:1", Healthcheck: &HealthConfig{Test: []string{"CMD", "true"}, Interval: 5 * time.Second}}},
		{Name: "own", Replicas: 1, TaskTemplate: TaskSpec{Image: "web:1"}},
		{Name: "none", Replicas: 1, TaskTemplate: TaskSpec{Image: "web:1", Healthcheck: &HealthConfig{Test: []string{"NONE"}}, StopGracePeriod: &grace}},
	} {
		if _, err := c.CreateService(s); err != nil {
			t.Fatal(err)
		}
	}
	c.RunFor(time.Minute)
	for svc, want := range map[string]time.Duration{"probed": 12 * time.Second, "own": 9 * time.Second, "none": 2 * time.Second} {
		if got := runningAt(t, c, svc); got != want {
			t.Errorf("%s: RUNNING at %v; want %v", svc, got, want)
		}
	}
	start := c.Elapsed()
	if err := c.RemoveService("none"); err != nil {
		t.Fatal(err)
	}
	c.RunUntilIdle(time.Minute)
	if _, err := c.Service("none"); err == nil {
		t.Fatal("service still there")
	}
	if got := c.Elapsed() - start; got != 5*time.Second {
		t.Errorf("stop took %v; want gossip 2s + grace 3s", got)
	}
}

// SetTaskUnhealthy refuses unknown tasks, tasks that do not run and tasks
// without a health check; a running checked task fails with Docker's
// message and the restart policy replaces it.
func TestSetTaskUnhealthy(t *testing.T) {
	c := newTestCluster(t, "manager")
	c.SetImage("web:1", ImageBehavior{Pull: time.Second, Start: time.Second, HealthCheck: true, Stop: time.Second})
	for _, name := range []string{"web", "plain"} {
		img := "web:1"
		if name == "plain" {
			img = "plain:1"
		}
		if _, err := c.CreateService(ServiceSpec{Name: name, Replicas: 1, TaskTemplate: TaskSpec{Image: img}}); err != nil {
			t.Fatal(err)
		}
	}
	var se *Error
	if err := c.SetTaskUnhealthy("nope"); !errors.As(err, &se) || se.Kind != KindNotFound {
		t.Errorf("unknown task: %v", err)
	}
	ts, _ := c.Tasks("web")
	if err := c.SetTaskUnhealthy(ts[0].ID); !errors.As(err, &se) || se.Kind != KindFailedPrecondition {
		t.Errorf("a pending task: %v", err)
	}
	c.RunFor(10 * time.Second)
	plain, _ := c.Tasks("plain")
	if err := c.SetTaskUnhealthy(plain[0].ID); !errors.As(err, &se) || se.Msg != "task "+plain[0].ID+" has no health check" {
		t.Errorf("no health check: %v", err)
	}
	if err := c.SetTaskUnhealthy(ts[0].ID); err != nil {
		t.Fatal(err)
	}
	c.RunFor(2 * time.Second)
	got, _ := c.Task(ts[0].ID)
	if st := got.Status(); st.State != task.Failed || st.Err != "task: non-zero exit (1): dockerexec: unhealthy container" || got.DesiredState != task.Shutdown {
		t.Errorf("task after SetTaskUnhealthy: %+v desired %v", st, got.DesiredState)
	}
	if all, _ := c.Tasks("web"); len(all) != 2 {
		t.Errorf("the restart policy made no replacement: %d tasks", len(all))
	}
}

// Health checks are validated as SwarmKit's controlapi does
// (manager/controlapi/service.go: validateHealthCheck).
func TestHealthValidation(t *testing.T) {
	c := newTestCluster(t, "manager")
	for _, tc := range []struct {
		h    HealthConfig
		want string
	}{
		{HealthConfig{Interval: time.Microsecond}, "ContainerSpec: Interval in HealthConfig cannot be less than 1ms"},
		{HealthConfig{Timeout: -time.Second}, "ContainerSpec: Timeout in HealthConfig cannot be less than 1ms"},
		{HealthConfig{StartPeriod: 1}, "ContainerSpec: StartPeriod in HealthConfig cannot be less than 1ms"},
		{HealthConfig{StartInterval: 1}, "ContainerSpec: StartInterval in HealthConfig cannot be less than 1ms"},
		{HealthConfig{Retries: -1}, "ContainerSpec: Retries in HealthConfig cannot be negative"},
	} {
		h := tc.h
		_, err := c.CreateService(ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "web:1", Healthcheck: &h}})
		var se *Error
		if !errors.As(err, &se) || !se.RPC || se.Msg != tc.want {
			t.Errorf("%+v: %v; want %q", tc.h, err, tc.want)
		}
	}
	if len(c.Services()) != 0 {
		t.Error("a refused service was created")
	}
}

// A start-first update keeps the old task until the new one is seen
// healthy on the service's probe schedule: web:2 passes 12s after its
// start, probed every 5s it is healthy at 15s, so the old task is told to
// shut down 2s (pull, start) + 15s after the update.
func TestStartFirstWaitsForHealth(t *testing.T) {
	c := newTestCluster(t, "manager")
	c.SetImage("web:2", ImageBehavior{Pull: time.Second, Start: time.Second, HealthCheck: true, HealthyAfter: 12 * time.Second, Stop: time.Second})
	cfg := updater.DefaultConfig()
	cfg.Order = updater.StartFirst
	spec := ServiceSpec{Name: "web", Replicas: 1, Update: &cfg,
		TaskTemplate: TaskSpec{Image: "web:1", Healthcheck: &HealthConfig{Test: []string{"CMD", "true"}, Interval: 5 * time.Second}}}
	if _, err := c.CreateService(spec); err != nil {
		t.Fatal(err)
	}
	c.RunFor(time.Minute)
	old, _ := c.Tasks("web")
	spec.TaskTemplate.Image = "web:2"
	start := c.Elapsed()
	if err := c.UpdateService("web", spec); err != nil {
		t.Fatal(err)
	}
	ok := c.RunUntil(func(c *Cluster) bool {
		v, _ := c.Task(old[0].ID)
		return v.DesiredState == task.Shutdown
	}, time.Minute)
	if got := c.Elapsed() - start; !ok || got != 17*time.Second {
		t.Errorf("old task told to shut down %v after the update; want 17s", got)
	}
}
