package spec

import (
	"maps"
	"slices"

	"github.com/swarmsim/swarmsim/orchestrator"
	"github.com/swarmsim/swarmsim/scheduler"
)

// Diff is how two task templates compare, as SwarmKit's IsTaskDirty
// (manager/orchestrator/task.go) needs to know it.
type Diff uint8

// The answers of TaskDiff and TemplateDiff.
const (
	// Same templates: a task made from one is up to date with the other.
	Same Diff = iota + 1
	// PlacementOnly: only the placement differs, so a task stays if its
	// node still satisfies the new constraints.
	PlacementOnly
	// PullOnly: only the registry credential (SwarmKit's PullOptions)
	// differs, so a task that has pulled its image stays.
	PullOnly
	// Different templates: a task made from one is dirty under the other.
	Different
)

// TemplateDiff compares what IsTaskDirty compares of two service specs:
// the task template and the endpoint spec.
func TemplateDiff(a, b *Service) Diff {
	if !a.Endpoint.Equal(b.Endpoint) {
		return Different
	}
	return TaskDiff(&a.TaskTemplate, &b.TaskTemplate)
}

// TaskDiff compares two task templates field by field. A nil and an empty
// list or map are the same, as they are once a spec has crossed the Engine
// API. The package's tests fail when a field is added to Task and not
// compared here.
func TaskDiff(a, b *Task) Diff {
	if !equalExceptPlacementAndPull(a, b) {
		return Different
	}
	same, pullOnly := a.Spec.Diff(&b.Spec)
	if !same && !pullOnly {
		return Different
	}
	if !placementEqual(&a.Placement, &b.Placement) {
		if pullOnly {
			return Different
		}
		return PlacementOnly
	}
	if pullOnly {
		return PullOnly
	}
	return Same
}

// equalExceptPlacementAndPull compares every field of Task but Placement
// and the embedded containerspec.Spec.
func equalExceptPlacementAndPull(a, b *Task) bool {
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

func restartEqual(a, b *orchestrator.RestartPolicy) bool {
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
