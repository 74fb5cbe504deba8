package scheduler

import (
	"fmt"

	"github.com/swarmsim/swarmsim/node"
)

// filter identifies one of SwarmKit's scheduling filters. The constants are
// in pipeline order (SwarmKit's manager/scheduler/pipeline.go: NewPipeline):
// a node is
// checked against the enabled filters in this order and stops at the first
// one that fails.
//
// SwarmKit's PluginFilter (volume, network and log-driver plugins) sits
// between Resource and Constraint. swarmsim models no plugins, so it is left
// out: it would be disabled for every task anyway unless the task had
// networks or a log driver, and every simulated node "has" every plugin.
// The CSI VolumesFilter is left out as well.
type filter uint8

const (
	filterReady       filter = iota // ReadyFilter
	filterResource                  // ResourceFilter
	filterConstraint                // ConstraintFilter
	filterPlatform                  // PlatformFilter
	filterHostPort                  // HostPortFilter
	filterMaxReplicas               // MaxReplicasFilter
	numFilters
	filterNone filter = numFilters // the node passed every enabled filter
)

// explain is the filter's Explain(n): the phrase for a failure count.
func (f filter) explain(n int) string {
	var one, many string
	switch f {
	case filterReady:
		one, many = "1 node not available for new tasks", "%d nodes not available for new tasks"
	case filterResource:
		one, many = "insufficient resources on 1 node", "insufficient resources on %d nodes"
	case filterConstraint:
		one, many = "scheduling constraints not satisfied on 1 node", "scheduling constraints not satisfied on %d nodes"
	case filterPlatform:
		one, many = "unsupported platform on 1 node", "unsupported platform on %d nodes"
	case filterHostPort:
		one, many = "host-mode port already in use on 1 node", "host-mode port already in use on %d nodes"
	case filterMaxReplicas:
		// MaxReplicasFilter's text carries no count.
		return "max replicas per node limit exceed"
	default:
		return ""
	}
	if n == 1 {
		return one
	}
	return fmt.Sprintf(many, n)
}

// pipeline is SwarmKit's Pipeline: the per-filter failure counts of one
// scheduling pass. process records the outcome of checking one node: the
// first failing filter's count goes up by one, and when the node passes
// every filter ALL counts are reset to zero (the quirk of SwarmKit's
// Pipeline.Process:
// the explanation for leftover tasks only covers nodes that failed after
// the last node that passed).
type pipeline struct {
	failures [numFilters]int
}

// record is Pipeline.Process given the first failing filter (filterNone if
// the node passed); it returns whether the node passed.
func (p *pipeline) record(f filter) bool {
	if f == filterNone {
		p.failures = [numFilters]int{}
		return true
	}
	p.failures[f]++
	return false
}

// explain is Pipeline.Explain: the filters with a non-zero failure count,
// most failures first, ties in pipeline order (SwarmKit sorts its short
// checklist with a stable insertion sort), joined with "; ".
func (p *pipeline) explain() string {
	var order [numFilters]filter
	for i := range order {
		order[i] = filter(i)
	}
	// Stable insertion sort by descending count.
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && p.failures[order[j]] > p.failures[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	s := ""
	for _, f := range order {
		if p.failures[f] > 0 {
			if s != "" {
				s += "; "
			}
			s += f.explain(p.failures[f])
		}
	}
	return s
}

// noSuitableNode wraps an explanation the way SwarmKit's noSuitableNode does
// for a replicated task that stays PENDING.
func noSuitableNode(explanation string) string {
	if explanation == "" {
		return "no suitable node"
	}
	return "no suitable node (" + explanation + ")"
}

// normArch is the PlatformFilter's normalisation: x86_64 is amd64 and
// aarch64 is arm64 (for the filter only; constraints compare raw).
func normArch(a string) string {
	switch a {
	case "x86_64":
		return "amd64"
	case "aarch64":
		return "arm64"
	}
	return a
}

// platformMatches is the PlatformFilter's check: some listed platform
// matches the node, where an empty architecture or OS matches anything. A
// node that reports no platform (both fields empty) fails.
func platformMatches(ps []node.Platform, np node.Platform) bool {
	if np == (node.Platform{}) {
		return false
	}
	arch := normArch(np.Architecture)
	for _, p := range ps {
		if (p.Architecture == "" || normArch(p.Architecture) == arch) && (p.OS == "" || p.OS == np.OS) {
			return true
		}
	}
	return false
}
