package swarmsim

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"time"

	"github.com/swarmsim/swarmsim/containerspec"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/orchestrator"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/updater"
)

// Mode is a service's scheduling mode.
type Mode uint8

// Service modes.
const (
	// Replicated services run Replicas tasks in slots 1..Replicas.
	Replicated Mode = iota
	// Global services run one task on every eligible node.
	Global
	// ReplicatedJob services run tasks to completion, at most
	// ServiceSpec.MaxConcurrent at a time, until ServiceSpec.TotalCompletions
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

// isGlobal reports whether the mode places one task per node.
func (m Mode) isGlobal() bool { return m == Global || m == GlobalJob }

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

// RestartCondition is when the restart policy replaces a task that ended.
type RestartCondition = orchestrator.RestartCondition

// Restart conditions, with SwarmKit's values reordered to make the Docker
// default the zero value.
const (
	RestartAny       = orchestrator.RestartAny
	RestartOnFailure = orchestrator.RestartOnFailure
	RestartNone      = orchestrator.RestartNone
)

// ParseRestartCondition reads Docker's strings; "" is any, and anything else
// is the daemon's `invalid RestartCondition: "<s>"`.
func ParseRestartCondition(s string) (RestartCondition, error) {
	switch s {
	case "", "any":
		return RestartAny, nil
	case "on-failure":
		return RestartOnFailure, nil
	case "none":
		return RestartNone, nil
	}
	return 0, daemonErr(KindInvalidArgument, "invalid RestartCondition: %q", s)
}

// DefaultRestartDelay is the restart delay when the policy sets none.
const DefaultRestartDelay = orchestrator.DefaultRestartDelay

// RestartPolicy is SwarmKit's RestartPolicy; see orchestrator.RestartPolicy.
type RestartPolicy = orchestrator.RestartPolicy

// Resources are a task's limits and reservations. Only reservations matter
// to the scheduler.
type Resources struct {
	Limits       node.Resources
	Reservations node.Resources
}

// TaskSpec is the service's task template. Any change to it (or to the
// service's endpoint spec) makes running tasks dirty, so a rolling update
// replaces them.
type TaskSpec struct {
	Image string
	Args  []string
	Env   []string
	// Resources, Restart and Placement as in SwarmKit's TaskSpec.
	Resources Resources
	Restart   *RestartPolicy
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

// Mount is a filesystem mount of the task template (see containerspec).
type Mount = containerspec.Mount

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

// ServiceSpec is what a user declares for a service.
type ServiceSpec struct {
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
	TaskTemplate     TaskSpec
	// Update and Rollback configure rolling updates and rollbacks; nil means
	// SwarmKit's defaults (updater.DefaultConfig).
	Update   *updater.Config
	Rollback *updater.Config
	Endpoint mesh.EndpointSpec
}

// Clone returns a deep copy of the spec.
func (s ServiceSpec) Clone() ServiceSpec {
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

var serviceNameRE = regexp.MustCompile(`^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$`)

const (
	minNanoCPUs    = 1e6     // 0.001 CPU
	minMemoryBytes = 4 << 20 // 4 MiB
)

// validate checks a spec as SwarmKit's controlapi does (validateServiceSpec)
// and returns Docker's error. It also parses the constraints.
func (s *ServiceSpec) validate() error {
	if len(s.Name) > 63 {
		return rpcErr(KindInvalidArgument, "name must be 63 characters or fewer")
	}
	if !serviceNameRE.MatchString(s.Name) {
		return rpcErr(KindInvalidArgument, "name must be valid as a DNS name component")
	}
	if s.Mode.isGlobal() && s.Replicas != 0 {
		return daemonErr(KindInvalidArgument, "replicas can only be used with replicated or replicated-job mode")
	}
	if s.Mode.isGlobal() && s.TaskTemplate.Placement.MaxReplicas != 0 {
		return daemonErr(KindInvalidArgument, "replicas-max-per-node can only be used with replicated or replicated-job mode")
	}
	if err := s.validateJob(); err != nil {
		return err
	}
	if err := validateHealth(s.TaskTemplate.Healthcheck); err != nil {
		return err
	}
	if s.Replicas > MaxReplicas {
		return limitErr("replicas %d exceeds the simulator's limit of %d per service", s.Replicas, MaxReplicas)
	}
	if s.TaskTemplate.Image == "" {
		return rpcErr(KindInvalidArgument, "ContainerSpec: image reference must be provided")
	}
	if err := validUTF8("image reference", s.TaskTemplate.Image); err != nil {
		return err
	}
	if err := validLabels(s.Labels); err != nil {
		return err
	}
	for _, list := range [][]string{s.TaskTemplate.Args, s.TaskTemplate.Env} {
		for _, v := range list {
			if err := validUTF8("argument", v); err != nil {
				return err
			}
		}
	}
	for _, r := range []node.Resources{s.TaskTemplate.Resources.Limits, s.TaskTemplate.Resources.Reservations} {
		if r.NanoCPUs != 0 && r.NanoCPUs < minNanoCPUs {
			return rpcErr(KindInvalidArgument, "invalid cpu value %g: Must be at least %g", float64(r.NanoCPUs)/1e9, float64(minNanoCPUs)/1e9)
		}
		if r.MemoryBytes != 0 && r.MemoryBytes < minMemoryBytes {
			return rpcErr(KindInvalidArgument, "invalid memory value %d: Must be at least 4MiB", r.MemoryBytes)
		}
	}
	if err := s.TaskTemplate.Spec.Validate(); err != nil {
		ce := err.(*containerspec.Error)
		if ce.RPC {
			return rpcErr(KindInvalidArgument, "%s", ce.Msg)
		}
		return daemonErr(KindInvalidArgument, "%s", ce.Msg)
	}
	if rp := s.TaskTemplate.Restart; rp != nil {
		if rp.Delay != nil && *rp.Delay < 0 {
			return rpcErr(KindInvalidArgument, "TaskSpec: restart-delay cannot be negative")
		}
		if rp.Window < 0 {
			return rpcErr(KindInvalidArgument, "TaskSpec: restart-window cannot be negative")
		}
		if rp.Condition > RestartNone {
			return daemonErr(KindInvalidArgument, "invalid RestartCondition: %d", uint8(rp.Condition))
		}
	}
	if _, err := scheduler.ParseConstraints(s.TaskTemplate.Placement.Constraints); err != nil {
		return rpcErr(KindUnknown, "%s", err.Error())
	}
	for _, p := range s.TaskTemplate.Placement.Preferences {
		if _, err := scheduler.ParsePreference("spread=" + p.Spread); err != nil {
			return daemonErr(KindInvalidArgument, "%s", err.Error())
		}
	}
	if s.Update != nil {
		if err := s.Update.Validate(); err != nil {
			return rpcErr(KindInvalidArgument, "%s", err.Error())
		}
	}
	for _, u := range []*updater.Config{s.Update, s.Rollback} {
		if err := validEnums(u); err != nil {
			return err
		}
	}
	if err := s.Endpoint.Validate(); err != nil {
		return rpcErr(KindInvalidArgument, "%s", err.Error())
	}
	for _, p := range s.Endpoint.Ports {
		if p.TargetPort == 0 || p.TargetPort > 65535 || p.PublishedPort > 65535 {
			return rpcErr(KindInvalidArgument, "EndpointSpec: invalid port %d:%d", p.PublishedPort, p.TargetPort)
		}
	}
	return nil
}

// validEnums refuses what SwarmKit's protobuf enums and the API's JSON could
// not carry: an update or rollback config with an enum value out of range,
// or a NaN failure ratio (which the docker CLI cannot even send:
// encoding/json refuses NaN). Errors print the number.
func validEnums(u *updater.Config) error {
	switch {
	case u == nil:
		return nil
	case u.FailureAction > updater.Rollback:
		return daemonErr(KindInvalidArgument, "invalid FailureAction: %d", uint8(u.FailureAction))
	case u.Order > updater.StartFirst:
		return daemonErr(KindInvalidArgument, "invalid UpdateOrder: %d", uint8(u.Order))
	case u.MaxFailureRatio != u.MaxFailureRatio:
		return daemonErr(KindInvalidArgument, "json: unsupported value: NaN")
	}
	return nil
}

// restartPolicy returns the template's policy or the defaults.
func (t *TaskSpec) restartPolicy() RestartPolicy {
	if t.Restart == nil {
		return RestartPolicy{}
	}
	return *t.Restart
}

// How two task templates compare (SwarmKit's IsTaskDirty,
// manager/orchestrator/task.go): the same, different in Placement alone,
// different in the registry credential (PullOptions) alone, or different.
const (
	specSame uint8 = iota + 1
	specPlacementOnly
	specPullOnly
	specDifferent
)

// taskSpecDiff compares two task templates field by field. A nil and an
// empty list or map are the same, as they are once a spec has crossed the
// Engine API. TestTaskSpecDiffCoversEveryField fails when a field is added
// to TaskSpec and not here.
func taskSpecDiff(a, b *TaskSpec) uint8 {
	if !taskSpecEqualExceptPlacementAndPull(a, b) {
		return specDifferent
	}
	same, pullOnly := a.Spec.Diff(&b.Spec)
	if !same && !pullOnly {
		return specDifferent
	}
	if !placementEqual(&a.Placement, &b.Placement) {
		if pullOnly {
			return specDifferent
		}
		return specPlacementOnly
	}
	if pullOnly {
		return specPullOnly
	}
	return specSame
}

func taskSpecEqualExceptPlacementAndPull(a, b *TaskSpec) bool {
	return a.Image == b.Image && slices.Equal(a.Args, b.Args) && slices.Equal(a.Env, b.Env) &&
		a.Resources == b.Resources && restartEqual(a.Restart, b.Restart) && a.ForceUpdate == b.ForceUpdate &&
		slices.EqualFunc(a.Networks, b.Networks, func(x, y NetworkAttachment) bool {
			return x.Target == y.Target && slices.Equal(x.Aliases, y.Aliases) && maps.Equal(x.DriverOpts, y.DriverOpts)
		}) &&
		slices.Equal(a.Secrets, b.Secrets) && slices.Equal(a.Configs, b.Configs) &&
		healthEqual(a.Healthcheck, b.Healthcheck) &&
		ptrEqual(a.StopGracePeriod, b.StopGracePeriod) && a.StopSignal == b.StopSignal
}

func placementEqual(a, b *scheduler.Placement) bool {
	return slices.Equal(a.Constraints, b.Constraints) && slices.Equal(a.Preferences, b.Preferences) &&
		slices.Equal(a.Platforms, b.Platforms) && a.MaxReplicas == b.MaxReplicas
}

func restartEqual(a, b *RestartPolicy) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Condition == b.Condition && ptrEqual(a.Delay, b.Delay) && a.MaxAttempts == b.MaxAttempts && a.Window == b.Window
}

func healthEqual(a, b *HealthConfig) bool {
	if a == nil || b == nil {
		return a == b
	}
	return slices.Equal(a.Test, b.Test) && a.Interval == b.Interval && a.Timeout == b.Timeout &&
		a.StartPeriod == b.StartPeriod && a.StartInterval == b.StartInterval && a.Retries == b.Retries
}

func ptrEqual[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// hostPorts lists the spec's host-mode ports with a fixed published port,
// the ones the scheduler's host-port filter enforces.
func hostPorts(ports []mesh.PortConfig) []scheduler.HostPort {
	var hp []scheduler.HostPort
	for _, p := range ports {
		if p.PublishMode == mesh.Host && p.PublishedPort != 0 {
			hp = append(hp, scheduler.HostPort{Protocol: p.Protocol.String(), Port: p.PublishedPort})
		}
	}
	return hp
}

func (m Mode) valid() bool { return m <= GlobalJob }

func describeSpecChange(old, cur *ServiceSpec) error {
	if old.Mode != cur.Mode {
		return rpcErr(KindUnimplemented, "service mode change is not allowed")
	}
	if old.Name != cur.Name {
		return rpcErr(KindUnimplemented, "renaming services is not supported")
	}
	return nil
}
