// Package spec holds what a user declares for a service, SwarmKit's
// ServiceSpec and TaskSpec (api/specs.proto) as Go values, with the two
// things that need nothing but the spec itself: its validation, as
// SwarmKit's control API checks it (manager/controlapi/service.go:
// validateServiceSpec) after the daemon's conversion (moby's
// daemon/cluster/convert/service.go: ServiceSpecToGRPC), and the comparison
// of two task templates that decides whether a task must be replaced
// (manager/orchestrator/task.go: IsTaskDirty).
//
// Checks that need a cluster (a name already in use, networks and secrets
// to resolve, the simulator's task budget across services) are not here.
package spec

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/swarmsim/swarmsim/containerspec"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/orchestrator"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/updater"
)

// Mode is a service's scheduling mode (SwarmKit's ServiceSpec.Mode).
type Mode uint8

// Service modes.
const (
	// Replicated services run Replicas tasks in slots 1..Replicas.
	Replicated Mode = iota
	// Global services run one task on every eligible node.
	Global
	// ReplicatedJob services run tasks to completion, at most
	// Service.MaxConcurrent at a time, until Service.TotalCompletions
	// have completed (SwarmKit's ReplicatedJob).
	ReplicatedJob
	// GlobalJob services run one task to completion on every eligible node
	// that existed when the job (or its last update) started (SwarmKit's
	// GlobalJob).
	GlobalJob
)

// IsJob reports whether services of the mode are jobs: their tasks run to
// completion instead of running until stopped.
func (m Mode) IsJob() bool { return m == ReplicatedJob || m == GlobalJob }

// IsGlobal reports whether the mode places one task per node.
func (m Mode) IsGlobal() bool { return m == Global || m == GlobalJob }

// Valid reports whether the mode is one of the four modes.
func (m Mode) Valid() bool { return m <= GlobalJob }

// String is Docker's name of the mode ("replicated-job"), or "Mode(N)"
// for a value that is no mode.
func (m Mode) String() string {
	switch m {
	case Replicated:
		return "replicated"
	case Global:
		return "global"
	case ReplicatedJob:
		return "replicated-job"
	case GlobalJob:
		return "global-job"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// Resources are a task's limits and reservations. Only reservations matter
// to the scheduler.
type Resources struct {
	Limits       node.Resources
	Reservations node.Resources
}

// Task is the service's task template (SwarmKit's TaskSpec). Any change to
// it (or to the service's endpoint spec) makes running tasks dirty, so a
// rolling update replaces them; see TaskDiff.
type Task struct {
	Image string
	Args  []string
	Env   []string
	// Resources, Restart and Placement as in SwarmKit's TaskSpec.
	Resources Resources
	Restart   *orchestrator.RestartPolicy
	Placement scheduler.Placement
	// ForceUpdate is the counter `docker service update --force` bumps: a
	// changed value makes every task dirty.
	ForceUpdate uint64

	// Networks are the networks the tasks attach to, by name or ID as the
	// user gave them (SwarmKit's TaskSpec.Networks).
	Networks []NetworkAttachment
	// Secrets and Configs are mounted into the containers (SwarmKit's
	// ContainerSpec.Secrets and .Configs). Only references are stored: the
	// data stays in the cluster's secret and config stores.
	Secrets []SecretReference
	Configs []ConfigReference

	// Healthcheck overrides the image's health check (nil: the image's own;
	// Test ["NONE"]: disabled), as Docker's HealthConfig.
	Healthcheck *HealthConfig
	// StopGracePeriod is how long the agent waits after StopSignal before it
	// kills the container (nil: Docker's 10 s). StopSignal "" is the image's
	// (SIGTERM).
	StopGracePeriod *time.Duration
	StopSignal      string

	// Spec holds what is stored and shown but not simulated (hostname,
	// user, mounts, DNS, capabilities, ulimits, log driver, ...); its fields
	// are promoted, so t.Hostname and t.Mounts work. A change to any of
	// them makes tasks dirty, except RegistryAuth alone (see
	// containerspec.Spec).
	containerspec.Spec
}

// RestartPolicy returns the template's restart policy, or the defaults
// when it sets none.
func (t *Task) RestartPolicy() orchestrator.RestartPolicy {
	if t.Restart == nil {
		return orchestrator.RestartPolicy{}
	}
	return *t.Restart
}

// NetworkAttachment is a task's attachment to a network (SwarmKit's
// NetworkAttachmentConfig).
type NetworkAttachment struct {
	// Target is the network's name or ID.
	Target     string
	Aliases    []string
	DriverOpts map[string]string
}

// FileTarget is where a secret or config appears in the container.
type FileTarget struct {
	Name string
	UID  string
	GID  string
	Mode os.FileMode
}

// SecretReference mounts a secret (SwarmKit's SecretReference).
type SecretReference struct {
	SecretID   string
	SecretName string
	File       FileTarget
}

// ConfigReference mounts a config (SwarmKit's ConfigReference).
type ConfigReference struct {
	ConfigID   string
	ConfigName string
	File       FileTarget
}

// HealthConfig is a container's health check (Docker's HealthConfig). Zero
// durations and retries mean Docker's defaults: 30 s interval, 30 s
// timeout, 3 retries, no start period, 5 s start interval.
type HealthConfig struct {
	Test          []string
	Interval      time.Duration
	Timeout       time.Duration
	StartPeriod   time.Duration
	StartInterval time.Duration
	Retries       int
}

// Service is what a user declares for a service (SwarmKit's ServiceSpec).
type Service struct {
	Name   string
	Labels map[string]string
	Mode   Mode
	// Replicas is the replica count of a replicated service (taken as given:
	// 0 runs nothing; the docker CLI sends 1 when --replicas is not given).
	// It must be 0 for global services.
	Replicas uint64
	// MaxConcurrent and TotalCompletions configure a ReplicatedJob: at most
	// MaxConcurrent of its tasks run at a time, until TotalCompletions have
	// completed. Zero means the daemon's defaults: MaxConcurrent 1, and
	// TotalCompletions equal to MaxConcurrent. Both must be 0 for other
	// modes.
	MaxConcurrent    uint64
	TotalCompletions uint64
	TaskTemplate     Task
	// Update and Rollback configure rolling updates and rollbacks; nil means
	// SwarmKit's defaults (updater.DefaultConfig).
	Update   *updater.Config
	Rollback *updater.Config
	Endpoint mesh.EndpointSpec
}

// Clone returns a deep copy of the spec.
func (s Service) Clone() Service {
	c := s
	c.Labels = maps.Clone(s.Labels)
	c.TaskTemplate.Args = slices.Clone(s.TaskTemplate.Args)
	c.TaskTemplate.Env = slices.Clone(s.TaskTemplate.Env)
	if s.TaskTemplate.Restart != nil {
		r := *s.TaskTemplate.Restart
		if r.Delay != nil {
			d := *r.Delay
			r.Delay = &d
		}
		c.TaskTemplate.Restart = &r
	}
	t := &c.TaskTemplate
	t.Networks = slices.Clone(t.Networks)
	for i := range t.Networks {
		t.Networks[i].Aliases = slices.Clone(t.Networks[i].Aliases)
		t.Networks[i].DriverOpts = maps.Clone(t.Networks[i].DriverOpts)
	}
	t.Secrets = slices.Clone(t.Secrets)
	t.Configs = slices.Clone(t.Configs)
	if t.Healthcheck != nil {
		h := *t.Healthcheck
		h.Test = slices.Clone(h.Test)
		t.Healthcheck = &h
	}
	if t.StopGracePeriod != nil {
		g := *t.StopGracePeriod
		t.StopGracePeriod = &g
	}
	t.Spec = t.Spec.Clone()
	p := &c.TaskTemplate.Placement
	p.Constraints = slices.Clone(p.Constraints)
	p.Preferences = slices.Clone(p.Preferences)
	p.Platforms = slices.Clone(p.Platforms)
	if s.Update != nil {
		u := *s.Update
		c.Update = &u
	}
	if s.Rollback != nil {
		r := *s.Rollback
		c.Rollback = &r
	}
	c.Endpoint.Ports = slices.Clone(s.Endpoint.Ports)
	return c
}

// ApplyJobDefaults fills in the daemon's defaults for a replicated job
// (moby's daemon/cluster/convert/service.go: ServiceSpecToGRPC):
// MaxConcurrent 1, TotalCompletions MaxConcurrent. Other modes are left
// as they are.
func (s *Service) ApplyJobDefaults() {
	if s.Mode != ReplicatedJob {
		return
	}
	if s.MaxConcurrent == 0 {
		s.MaxConcurrent = 1
	}
	if s.TotalCompletions == 0 {
		s.TotalCompletions = s.MaxConcurrent
	}
}

// ReplicasWanted is how many tasks a non-global service runs at once: its
// replicas, or for a replicated job the smaller of MaxConcurrent and
// TotalCompletions.
func (s *Service) ReplicasWanted() uint64 {
	if s.Mode == ReplicatedJob {
		return min(s.MaxConcurrent, s.TotalCompletions)
	}
	return s.Replicas
}

// HostPorts lists the spec's host-mode ports with a fixed published port,
// the ones the scheduler's host-port filter enforces.
func (s *Service) HostPorts() []scheduler.HostPort {
	var hp []scheduler.HostPort
	for _, p := range s.Endpoint.Ports {
		if p.PublishMode == mesh.Host && p.PublishedPort != 0 {
			hp = append(hp, scheduler.HostPort{Protocol: p.Protocol.String(), Port: p.PublishedPort})
		}
	}
	return hp
}

// NeedsIngress reports whether the spec publishes a port through the
// routing mesh (SwarmKit's manager/allocator/network.go:
// IsIngressNetworkNeeded).
func (s *Service) NeedsIngress() bool {
	for _, p := range s.Endpoint.Ports {
		if p.PublishMode == mesh.Ingress {
			return true
		}
	}
	return false
}

// AttachedTo reports whether the task template names the network with this
// ID among its attachments.
func (s *Service) AttachedTo(networkID string) bool {
	for _, a := range s.TaskTemplate.Networks {
		if a.Target == networkID {
			return true
		}
	}
	return false
}

// VIPRequest is what the spec asks of the VIP allocator: whether it
// publishes through the routing mesh and the networks it is attached to;
// nothing in dnsrr mode (SwarmKit's allocator gives a VIP per attached
// network, plus the ingress one, only in vip mode).
func (s *Service) VIPRequest() (ingress bool, targets []string) {
	if s.Endpoint.Mode != mesh.VIP {
		return false, nil
	}
	for _, a := range s.TaskTemplate.Networks {
		targets = append(targets, a.Target)
	}
	return s.NeedsIngress(), targets
}
