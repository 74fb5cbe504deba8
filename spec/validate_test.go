package spec_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim/containerspec"
	"github.com/swarmsim/swarmsim/errdefs"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/orchestrator"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/spec"
	"github.com/swarmsim/swarmsim/updater"
)

func valid() spec.Service {
	return spec.Service{Name: "web", Replicas: 1, TaskTemplate: spec.Task{Image: "nginx"}}
}

func ptr[T any](v T) *T { return &v }

// Every check of Validate, with Docker's text, kind and origin (the
// daemon's own error, or SwarmKit's control API passed on as an rpc error).
func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*spec.Service)
		want   string // "" for a valid spec
		kind   errdefs.Kind
		rpc    bool
	}{
		{"valid", func(*spec.Service) {}, "", 0, false},
		{"valid global", func(s *spec.Service) { s.Mode, s.Replicas = spec.Global, 0 }, "", 0, false},
		{"valid job", func(s *spec.Service) { s.Mode, s.Replicas, s.MaxConcurrent = spec.ReplicatedJob, 0, 2 }, "", 0, false},
		{"unknown mode", func(s *spec.Service) { s.Mode = 9; s.Name = "" }, "unknown mode", errdefs.KindInvalidArgument, false},
		{"long name", func(s *spec.Service) { s.Name = strings.Repeat("a", 64) }, "name must be 63 characters or fewer", errdefs.KindInvalidArgument, true},
		{"bad name", func(s *spec.Service) { s.Name = "-web" }, "name must be valid as a DNS name component", errdefs.KindInvalidArgument, true},
		{"global replicas", func(s *spec.Service) { s.Mode = spec.Global }, "replicas can only be used with replicated or replicated-job mode", errdefs.KindInvalidArgument, false},
		{"global max per node", func(s *spec.Service) {
			s.Mode, s.Replicas, s.TaskTemplate.Placement.MaxReplicas = spec.GlobalJob, 0, 1
		}, "replicas-max-per-node can only be used with replicated or replicated-job mode", errdefs.KindInvalidArgument, false},
		{"negative max concurrent", func(s *spec.Service) { s.Mode, s.Replicas, s.MaxConcurrent = spec.ReplicatedJob, 0, math.MaxUint64 },
			"Maximum concurrent jobs must not be negative", errdefs.KindInvalidArgument, true},
		{"negative completions", func(s *spec.Service) { s.Mode, s.Replicas, s.TotalCompletions = spec.ReplicatedJob, 0, math.MaxUint64 },
			"Total completed jobs must not be negative", errdefs.KindInvalidArgument, true},
		{"max concurrent of a service", func(s *spec.Service) { s.MaxConcurrent = 1 }, "max-concurrent can only be used with replicated-job mode", errdefs.KindInvalidArgument, false},
		{"completions of a service", func(s *spec.Service) { s.TotalCompletions = 1 }, "total completions can only be used with replicated-job mode", errdefs.KindInvalidArgument, false},
		{"replicas of a job", func(s *spec.Service) { s.Mode = spec.ReplicatedJob },
			"replicas of a replicated job are its TotalCompletions; Replicas must be 0", errdefs.KindInvalidArgument, false},
		{"update config of a job", func(s *spec.Service) { s.Mode, s.Replicas, s.Update = spec.GlobalJob, 0, &updater.Config{} },
			"Jobs may not have an update config", errdefs.KindInvalidArgument, true},
		{"job beyond the limit", func(s *spec.Service) {
			s.Mode, s.Replicas, s.TotalCompletions = spec.ReplicatedJob, 0, spec.MaxReplicas+1
		},
			"max-concurrent 0 or total completions 1000001 exceeds the simulator's limit of 1000000 per service", errdefs.KindInvalidArgument, false},
		{"health interval", func(s *spec.Service) { s.TaskTemplate.Healthcheck = &spec.HealthConfig{Interval: time.Microsecond} },
			"ContainerSpec: Interval in HealthConfig cannot be less than 1ms", errdefs.KindInvalidArgument, true},
		{"health start interval", func(s *spec.Service) { s.TaskTemplate.Healthcheck = &spec.HealthConfig{StartInterval: 1} },
			"ContainerSpec: StartInterval in HealthConfig cannot be less than 1ms", errdefs.KindInvalidArgument, true},
		{"health retries", func(s *spec.Service) { s.TaskTemplate.Healthcheck = &spec.HealthConfig{Retries: -1} },
			"ContainerSpec: Retries in HealthConfig cannot be negative", errdefs.KindInvalidArgument, true},
		{"replicas beyond the limit", func(s *spec.Service) { s.Replicas = spec.MaxReplicas + 1 },
			"replicas 1000001 exceeds the simulator's limit of 1000000 per service", errdefs.KindInvalidArgument, false},
		{"no image", func(s *spec.Service) { s.TaskTemplate.Image = "" }, "ContainerSpec: image reference must be provided", errdefs.KindInvalidArgument, true},
		{"image not UTF-8", func(s *spec.Service) { s.TaskTemplate.Image = "a\xff" }, `invalid image reference "a\xff": must be valid UTF-8`, errdefs.KindInvalidArgument, false},
		{"label not UTF-8", func(s *spec.Service) { s.Labels = map[string]string{"b": "\xff", "a": "ok"} }, `invalid label "b=\xff": must be valid UTF-8`, errdefs.KindInvalidArgument, false},
		{"image before labels", func(s *spec.Service) { s.TaskTemplate.Image = ""; s.Labels = map[string]string{"b": "\xff"} },
			"ContainerSpec: image reference must be provided", errdefs.KindInvalidArgument, true},
		{"env not UTF-8", func(s *spec.Service) { s.TaskTemplate.Env = []string{"A=\xff"} }, `invalid argument "A=\xff": must be valid UTF-8`, errdefs.KindInvalidArgument, false},
		{"tiny cpu", func(s *spec.Service) { s.TaskTemplate.Resources.Limits = node.Resources{NanoCPUs: 1} },
			"invalid cpu value 1e-09: Must be at least 0.001", errdefs.KindInvalidArgument, true},
		{"tiny memory", func(s *spec.Service) { s.TaskTemplate.Resources.Reservations = node.Resources{MemoryBytes: 1024} },
			"invalid memory value 1024: Must be at least 4MiB", errdefs.KindInvalidArgument, true},
		{"duplicate mount", func(s *spec.Service) { s.TaskTemplate.Mounts = []containerspec.Mount{{Target: "/a"}, {Target: "/a"}} },
			"ContainerSpec: duplicate mount point: /a", errdefs.KindInvalidArgument, true},
		{"bad mount type", func(s *spec.Service) { s.TaskTemplate.Mounts = []containerspec.Mount{{Type: "image", Target: "/a"}} },
			`invalid MountType: "image"`, errdefs.KindInvalidArgument, false},
		{"negative restart delay", func(s *spec.Service) { s.TaskTemplate.Restart = &orchestrator.RestartPolicy{Delay: ptr(-time.Second)} },
			"TaskSpec: restart-delay cannot be negative", errdefs.KindInvalidArgument, true},
		{"negative restart window", func(s *spec.Service) { s.TaskTemplate.Restart = &orchestrator.RestartPolicy{Window: -1} },
			"TaskSpec: restart-window cannot be negative", errdefs.KindInvalidArgument, true},
		{"restart condition out of range", func(s *spec.Service) { s.TaskTemplate.Restart = &orchestrator.RestartPolicy{Condition: 7} },
			"invalid RestartCondition: 7", errdefs.KindInvalidArgument, false},
		{"bad constraint", func(s *spec.Service) { s.TaskTemplate.Placement.Constraints = []string{"node.role"} },
			"constraint expected one operator from ==, !=", errdefs.KindUnknown, true},
		{"bad preference", func(s *spec.Service) { s.TaskTemplate.Placement.Preferences = []scheduler.Preference{{Spread: "a=b"}} },
			`placement preference must be of the format "<strategy>=<arg>"`, errdefs.KindInvalidArgument, false},
		{"negative update delay", func(s *spec.Service) { s.Update = &updater.Config{Delay: -1} },
			"TaskSpec: update-delay cannot be negative", errdefs.KindInvalidArgument, true},
		{"rollback order out of range", func(s *spec.Service) { s.Rollback = &updater.Config{Order: 9} },
			"invalid UpdateOrder: 9", errdefs.KindInvalidArgument, false},
		{"failure action out of range", func(s *spec.Service) { s.Update = &updater.Config{FailureAction: 9} },
			"invalid FailureAction: 9", errdefs.KindInvalidArgument, false},
		{"NaN ratio", func(s *spec.Service) { s.Rollback = &updater.Config{MaxFailureRatio: float32(math.NaN())} },
			"json: unsupported value: NaN", errdefs.KindInvalidArgument, false},
		{"dnsrr with ingress", func(s *spec.Service) {
			s.Endpoint = mesh.EndpointSpec{Mode: mesh.DNSRR, Ports: []mesh.PortConfig{{TargetPort: 80}}}
		}, "EndpointSpec: port published with ingress mode can't be used with dnsrr mode", errdefs.KindInvalidArgument, true},
		{"target port 0", func(s *spec.Service) { s.Endpoint.Ports = []mesh.PortConfig{{PublishedPort: 8080}} },
			"EndpointSpec: invalid port 8080:0", errdefs.KindInvalidArgument, true},
		{"published port too big", func(s *spec.Service) { s.Endpoint.Ports = []mesh.PortConfig{{PublishedPort: 70000, TargetPort: 80}} },
			"EndpointSpec: invalid port 70000:80", errdefs.KindInvalidArgument, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := valid()
			tc.change(&s)
			err := s.Validate()
			if tc.kind == 0 {
				if err != nil {
					t.Fatalf("valid spec refused: %v", err)
				}
				return
			}
			var e *errdefs.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an errdefs.Error", err)
			}
			if e.Msg != tc.want || e.Kind != tc.kind || e.RPC != tc.rpc {
				t.Errorf("got %q (%v, rpc %v), want %q (%v, rpc %v)", e.Msg, e.Kind, e.RPC, tc.want, tc.kind, tc.rpc)
			}
		})
	}
}

// An update may change neither the mode nor the name (SwarmKit's
// UpdateService); both are Unimplemented rpc errors.
func TestCheckUpdate(t *testing.T) {
	old := valid()
	for _, tc := range []struct {
		name   string
		change func(*spec.Service)
		want   string
	}{
		{"replicas", func(s *spec.Service) { s.Replicas = 3 }, ""},
		{"mode", func(s *spec.Service) { s.Mode = spec.Global }, "service mode change is not allowed"},
		{"name", func(s *spec.Service) { s.Name = "api" }, "renaming services is not supported"},
	} {
		next := old.Clone()
		tc.change(&next)
		err := old.CheckUpdate(&next)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var e *errdefs.Error
		if !errors.As(err, &e) || e.Msg != tc.want || e.Kind != errdefs.KindUnimplemented || !e.RPC {
			t.Errorf("%s: got %#v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestParseRestartCondition(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want orchestrator.RestartCondition
		err  string
	}{
		{"", orchestrator.RestartAny, ""},
		{"any", orchestrator.RestartAny, ""},
		{"on-failure", orchestrator.RestartOnFailure, ""},
		{"none", orchestrator.RestartNone, ""},
		{"always", 0, `invalid RestartCondition: "always"`},
	} {
		got, err := spec.ParseRestartCondition(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err || !errors.Is(err, errdefs.ErrInvalidArgument) {
				t.Errorf("%q: got %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: got %v, %v, want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestModes(t *testing.T) {
	for _, tc := range []struct {
		m             spec.Mode
		name          string
		job, glob, ok bool
	}{
		{spec.Replicated, "replicated", false, false, true},
		{spec.Global, "global", false, true, true},
		{spec.ReplicatedJob, "replicated-job", true, false, true},
		{spec.GlobalJob, "global-job", true, true, true},
		{9, "Mode(9)", false, false, false},
	} {
		if tc.m.String() != tc.name || tc.m.IsJob() != tc.job || tc.m.IsGlobal() != tc.glob || tc.m.Valid() != tc.ok {
			t.Errorf("%d: %s job %v global %v valid %v", tc.m, tc.m, tc.m.IsJob(), tc.m.IsGlobal(), tc.m.Valid())
		}
	}
}

// A replicated job's defaults (moby's ServiceSpecToGRPC) and how many tasks
// each mode runs at once.
func TestJobDefaultsAndReplicasWanted(t *testing.T) {
	for _, tc := range []struct {
		in             spec.Service
		conc, total, n uint64
	}{
		{spec.Service{Mode: spec.Replicated, Replicas: 3}, 0, 0, 3},
		{spec.Service{Mode: spec.ReplicatedJob}, 1, 1, 1},
		{spec.Service{Mode: spec.ReplicatedJob, MaxConcurrent: 4}, 4, 4, 4},
		{spec.Service{Mode: spec.ReplicatedJob, TotalCompletions: 10}, 1, 10, 1},
		{spec.Service{Mode: spec.ReplicatedJob, MaxConcurrent: 5, TotalCompletions: 2}, 5, 2, 2},
	} {
		s := tc.in
		s.ApplyJobDefaults()
		if s.MaxConcurrent != tc.conc || s.TotalCompletions != tc.total || s.ReplicasWanted() != tc.n {
			t.Errorf("%+v: got %d/%d wanting %d, want %d/%d wanting %d", tc.in, s.MaxConcurrent, s.TotalCompletions, s.ReplicasWanted(), tc.conc, tc.total, tc.n)
		}
	}
}

// Only host-mode ports with a published port reach the scheduler's
// host-port filter.
func TestHostPorts(t *testing.T) {
	s := spec.Service{Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{
		{TargetPort: 80, PublishedPort: 8080},
		{TargetPort: 53, PublishedPort: 53, Protocol: mesh.UDP, PublishMode: mesh.Host},
		{TargetPort: 81, PublishMode: mesh.Host},
	}}}
	got := s.HostPorts()
	if len(got) != 1 || got[0] != (scheduler.HostPort{Protocol: "udp", Port: 53}) {
		t.Fatalf("got %+v, want udp/53 alone", got)
	}
	if r := (&spec.Task{}).RestartPolicy(); r != (orchestrator.RestartPolicy{}) {
		t.Errorf("default restart policy %+v", r)
	}
}
