package swarmsim

import (
	"github.com/swarmsim/swarmsim/containerspec"
	"github.com/swarmsim/swarmsim/orchestrator"
	"github.com/swarmsim/swarmsim/spec"
)

// The service spec, its validation and the comparison of task templates
// live in package spec; these are their names in this package.

// ServiceSpec is what a user declares for a service (see spec.Service).
type ServiceSpec = spec.Service

// TaskSpec is the service's task template (see spec.Task). Any change to it
// (or to the service's endpoint spec) makes running tasks dirty, so a
// rolling update replaces them.
type TaskSpec = spec.Task

// Mode is a service's scheduling mode (see spec.Mode).
type Mode = spec.Mode

// Service modes (see spec.Replicated and the others).
const (
	Replicated    = spec.Replicated
	Global        = spec.Global
	ReplicatedJob = spec.ReplicatedJob
	GlobalJob     = spec.GlobalJob
)

// The parts of a task template (see package spec).
type (
	// Resources are a task's limits and reservations.
	Resources = spec.Resources
	// NetworkAttachment is a task's attachment to a network.
	NetworkAttachment = spec.NetworkAttachment
	// FileTarget is where a secret or config appears in the container.
	FileTarget = spec.FileTarget
	// SecretReference mounts a secret.
	SecretReference = spec.SecretReference
	// ConfigReference mounts a config.
	ConfigReference = spec.ConfigReference
	// HealthConfig is a container's health check.
	HealthConfig = spec.HealthConfig
	// Mount is a filesystem mount of the task template (see containerspec).
	Mount = containerspec.Mount
)

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
// is the daemon's `invalid RestartCondition: "<s>"` (see
// spec.ParseRestartCondition).
func ParseRestartCondition(s string) (RestartCondition, error) { return spec.ParseRestartCondition(s) }

// DefaultRestartDelay is the restart delay when the policy sets none.
const DefaultRestartDelay = orchestrator.DefaultRestartDelay

// RestartPolicy is SwarmKit's RestartPolicy; see orchestrator.RestartPolicy.
type RestartPolicy = orchestrator.RestartPolicy
