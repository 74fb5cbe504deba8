package spec

import (
	"regexp"
	"time"

	"github.com/swarmsim/swarmsim/errdefs"
	"github.com/swarmsim/swarmsim/internal/labels"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/orchestrator"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/updater"
)

// MaxReplicas is the simulator's largest replica count of one service (and
// the largest MaxConcurrent and TotalCompletions of a job). Docker accepts
// any uint64; a simulator must fit in one process.
const MaxReplicas = 1_000_000

// NamePattern is what a service name (and a network name) must match: a
// DNS name component (manager/controlapi/common.go: validateAnnotations).
const NamePattern = `^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$`

var nameRE = regexp.MustCompile(NamePattern)

// The smallest non-zero CPU and memory of a limit or reservation
// (manager/controlapi/service.go: validateResources).
const (
	minNanoCPUs    = 1e6     // 0.001 CPU
	minMemoryBytes = 4 << 20 // 4 MiB
)

func rpcErr(format string, args ...any) error {
	return errdefs.RPC(errdefs.KindInvalidArgument, format, args...)
}

func daemonErr(format string, args ...any) error {
	return errdefs.Daemon(errdefs.KindInvalidArgument, format, args...)
}

// ParseRestartCondition reads Docker's strings; "" is any, and anything else
// is the daemon's `invalid RestartCondition: "<s>"`.
func ParseRestartCondition(s string) (orchestrator.RestartCondition, error) {
	switch s {
	case "", "any":
		return orchestrator.RestartAny, nil
	case "on-failure":
		return orchestrator.RestartOnFailure, nil
	case "none":
		return orchestrator.RestartNone, nil
	}
	return 0, daemonErr("invalid RestartCondition: %q", s)
}

// Validate checks a spec on its own as the daemon converts it and SwarmKit's
// control API validates it (manager/controlapi/service.go:
// validateServiceSpec, validateTaskSpec, validateRestartPolicy,
// validateUpdate, validateEndpointSpec), and returns the first of Docker's
// errors, with its kind. It also parses the placement constraints and
// preferences. Limits beyond MaxReplicas are refused too.
func (s *Service) Validate() error {
	if !s.Mode.Valid() {
		return daemonErr("unknown mode")
	}
	if len(s.Name) > 63 {
		return rpcErr("name must be 63 characters or fewer")
	}
	if !nameRE.MatchString(s.Name) {
		return rpcErr("name must be valid as a DNS name component")
	}
	if s.Mode.IsGlobal() && s.Replicas != 0 {
		return daemonErr("replicas can only be used with replicated or replicated-job mode")
	}
	if s.Mode.IsGlobal() && s.TaskTemplate.Placement.MaxReplicas != 0 {
		return daemonErr("replicas-max-per-node can only be used with replicated or replicated-job mode")
	}
	if err := s.validateJob(); err != nil {
		return err
	}
	if err := ValidateHealth(s.TaskTemplate.Healthcheck); err != nil {
		return err
	}
	if s.Replicas > MaxReplicas {
		return daemonErr("replicas %d exceeds the simulator's limit of %d per service", s.Replicas, MaxReplicas)
	}
	if err := s.TaskTemplate.validateImage(); err != nil {
		return err
	}
	if err := ValidateLabels(s.Labels); err != nil {
		return err
	}
	if err := s.TaskTemplate.validate(); err != nil {
		return err
	}
	if s.Update != nil {
		if err := s.Update.Validate(); err != nil {
			return rpcErr("%s", err.Error())
		}
	}
	for _, u := range []*updater.Config{s.Update, s.Rollback} {
		if err := validEnums(u); err != nil {
			return err
		}
	}
	if err := s.Endpoint.Validate(); err != nil {
		return rpcErr("%s", err.Error())
	}
	for _, p := range s.Endpoint.Ports {
		if p.TargetPort == 0 || p.TargetPort > 65535 || p.PublishedPort > 65535 {
			return rpcErr("EndpointSpec: invalid port %d:%d", p.PublishedPort, p.TargetPort)
		}
	}
	return nil
}

// validateImage checks the template's image, the one check of the template
// Validate makes before the service's labels.
func (t *Task) validateImage() error {
	if t.Image == "" {
		return rpcErr("ContainerSpec: image reference must be provided")
	}
	return ValidUTF8("image reference", t.Image)
}

// validate checks the rest of the template (validateTaskSpec): arguments,
// resources (validateResources), the stored container fields, the restart
// policy (validateRestartPolicy) and the placement (validatePlacement).
func (t *Task) validate() error {
	for _, list := range [][]string{t.Args, t.Env} {
		for _, v := range list {
			if err := ValidUTF8("argument", v); err != nil {
				return err
			}
		}
	}
	for _, r := range []node.Resources{t.Resources.Limits, t.Resources.Reservations} {
		if r.NanoCPUs != 0 && r.NanoCPUs < minNanoCPUs {
			return rpcErr("invalid cpu value %g: Must be at least %g", float64(r.NanoCPUs)/1e9, float64(minNanoCPUs)/1e9)
		}
		if r.MemoryBytes != 0 && r.MemoryBytes < minMemoryBytes {
			return rpcErr("invalid memory value %d: Must be at least 4MiB", r.MemoryBytes)
		}
	}
	if err := t.Spec.Validate(); err != nil {
		return err
	}
	if rp := t.Restart; rp != nil {
		if rp.Delay != nil && *rp.Delay < 0 {
			return rpcErr("TaskSpec: restart-delay cannot be negative")
		}
		if rp.Window < 0 {
			return rpcErr("TaskSpec: restart-window cannot be negative")
		}
		if rp.Condition > orchestrator.RestartNone {
			return daemonErr("invalid RestartCondition: %d", uint8(rp.Condition))
		}
	}
	if _, err := scheduler.ParseConstraints(t.Placement.Constraints); err != nil {
		return errdefs.RPC(errdefs.KindUnknown, "%s", err.Error())
	}
	for _, p := range t.Placement.Preferences {
		if _, err := scheduler.ParsePreference("spread=" + p.Spread); err != nil {
			return daemonErr("%s", err.Error())
		}
	}
	return nil
}

// validateJob checks the job fields of a spec as SwarmKit's controlapi
// (validateMode, validateJob) and the docker CLI do.
func (s *Service) validateJob() error {
	switch {
	case s.Mode == ReplicatedJob && int64(s.MaxConcurrent) < 0:
		return rpcErr("Maximum concurrent jobs must not be negative")
	case s.Mode == ReplicatedJob && int64(s.TotalCompletions) < 0:
		return rpcErr("Total completed jobs must not be negative")
	case s.Mode != ReplicatedJob && s.MaxConcurrent != 0:
		return daemonErr("max-concurrent can only be used with replicated-job mode")
	case s.Mode != ReplicatedJob && s.TotalCompletions != 0:
		return daemonErr("total completions can only be used with replicated-job mode")
	case s.Mode == ReplicatedJob && s.Replicas != 0:
		return daemonErr("replicas of a replicated job are its TotalCompletions; Replicas must be 0")
	case s.Mode.IsJob() && s.Update != nil:
		return rpcErr("Jobs may not have an update config")
	case s.MaxConcurrent > MaxReplicas || s.TotalCompletions > MaxReplicas:
		return daemonErr("max-concurrent %d or total completions %d exceeds the simulator's limit of %d per service", s.MaxConcurrent, s.TotalCompletions, MaxReplicas)
	}
	return nil
}

// ValidateHealth checks a health check as SwarmKit's controlapi does
// (manager/controlapi/service.go: validateHealthCheck); nil is valid.
func ValidateHealth(h *HealthConfig) error {
	if h == nil {
		return nil
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Interval", h.Interval}, {"Timeout", h.Timeout}, {"StartPeriod", h.StartPeriod}, {"StartInterval", h.StartInterval}} {
		if d.v != 0 && d.v < time.Millisecond {
			return rpcErr("ContainerSpec: %s in HealthConfig cannot be less than 1ms", d.name)
		}
	}
	if h.Retries < 0 {
		return rpcErr("ContainerSpec: Retries in HealthConfig cannot be negative")
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
		return daemonErr("invalid FailureAction: %d", uint8(u.FailureAction))
	case u.Order > updater.StartFirst:
		return daemonErr("invalid UpdateOrder: %d", uint8(u.Order))
	case u.MaxFailureRatio != u.MaxFailureRatio:
		return daemonErr("json: unsupported value: NaN")
	}
	return nil
}

// CheckUpdate refuses the changes from s to next that SwarmKit's control
// API does not allow in an update (manager/controlapi/service.go:
// UpdateService): a new mode or a new name. It comes before Validate.
func (s *Service) CheckUpdate(next *Service) error {
	if s.Mode != next.Mode {
		return errdefs.RPC(errdefs.KindUnimplemented, "service mode change is not allowed")
	}
	if s.Name != next.Name {
		return errdefs.RPC(errdefs.KindUnimplemented, "renaming services is not supported")
	}
	return nil
}

// ValidUTF8 returns the daemon's InvalidArgument error for text that is not
// UTF-8, which the engine's JSON API cannot carry unchanged; what names the
// text in the message ("label", "hostname"). It is labels.ValidUTF8.
func ValidUTF8(what, s string) error { return labels.ValidUTF8(what, s) }

// ValidateLabels checks the keys and values of a label map, in key order,
// with ValidUTF8. It is labels.Validate.
func ValidateLabels(m map[string]string) error { return labels.Validate(m) }
