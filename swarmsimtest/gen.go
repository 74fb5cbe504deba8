package swarmsimtest

import (
	"fmt"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/updater"
	"pgregory.net/rapid"
)

// Every generator here is valid by construction: the rules the simulator
// enforces (replicas only for replicated services, distinct published ports,
// reservations of at least 0.001 CPU and 4 MiB, parsable constraints, ...)
// are built into the generator's structure, never filtered after the fact,
// so rapid shrinks towards small, meaningful values. Names and hostnames come
// from counters (node1, node2, ...; the caller names services), never from a
// generator, so they are not a dimension rapid explores or shrinks.

// secs draws a whole number of seconds in [lo, hi].
func secs(t *rapid.T, label string, lo, hi int) time.Duration {
	return time.Duration(rapid.IntRange(lo, hi).Draw(t, label)) * time.Second
}

// weighted draws true now and then, more often the larger pct (0-100),
// and shrinks to false. rapid biases integers towards small values, so the
// true frequency is below pct (about 12% for 20, 30% for 50); the golden
// examples in example_test.go pin what the generators really produce.
func weighted(t *rapid.T, label string, pct int) bool {
	return rapid.IntRange(0, 99).Draw(t, label) >= 100-pct
}

// Zones returns the values generated node labels "zone" take, and generated
// constraints and spread preferences refer to.
func Zones() []string {
	return []string{"a", "b", "c"}
}

// NodeOptions bound a generated node set.
type NodeOptions struct {
	// Min and Max bound the number of nodes (defaults 1 and 5).
	Min, Max int
	// AllActive keeps every node's availability ACTIVE (otherwise about one
	// node in eight starts PAUSE or DRAIN, never the first).
	AllActive bool
}

func (o NodeOptions) bounds() (int, int) {
	lo, hi := o.Min, o.Max
	if lo <= 0 {
		lo = 1
	}
	if hi <= 0 {
		hi = 5
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

// Node resources the generator picks from: every node reports CPUs and
// memory, as a real engine does.
var nodeSizes = []node.Resources{
	{NanoCPUs: 1e9, MemoryBytes: 1 << 30},
	{NanoCPUs: 2e9, MemoryBytes: 4 << 30},
	{NanoCPUs: 4e9, MemoryBytes: 8 << 30},
}

// NodeConfig draws the i-th node (0-based) of a set: hostname node<i+1>, the
// first one a manager (so the swarm has a leader), later ones managers one
// time in five; a zone label most of the time, a disk label sometimes; one of
// three sizes.
func NodeConfig(i int, o NodeOptions) *rapid.Generator[swarmsim.NodeConfig] {
	return rapid.Custom(func(t *rapid.T) swarmsim.NodeConfig {
		cfg := swarmsim.NodeConfig{Hostname: fmt.Sprintf("node%d", i+1), Labels: map[string]string{}}
		if i == 0 || weighted(t, "manager", 20) {
			cfg.Role = node.Manager
		}
		if !weighted(t, "unzoned", 20) {
			cfg.Labels["zone"] = rapid.SampledFrom(Zones()).Draw(t, "zone")
		}
		if weighted(t, "ssd", 30) {
			cfg.Labels["disk"] = "ssd"
		}
		cfg.Resources = rapid.SampledFrom(nodeSizes).Draw(t, "size")
		if i > 0 && !o.AllActive && weighted(t, "inactive", 12) {
			cfg.Availability = rapid.SampledFrom([]node.Availability{node.Pause, node.Drain}).Draw(t, "availability")
		}
		return cfg
	})
}

// NodeConfigs draws a node set of Min..Max nodes (see NodeConfig).
func NodeConfigs(o NodeOptions) *rapid.Generator[[]swarmsim.NodeConfig] {
	return rapid.Custom(func(t *rapid.T) []swarmsim.NodeConfig {
		lo, hi := o.bounds()
		n := rapid.IntRange(lo, hi).Draw(t, "nodes")
		out := make([]swarmsim.NodeConfig, n)
		for i := range out {
			out[i] = NodeConfig(i, o).Draw(t, fmt.Sprintf("node%d", i+1))
		}
		return out
	})
}

// ImageOptions restrict generated image behaviours.
type ImageOptions struct {
	// NoFailures leaves out every behaviour in which a task ends on its own
	// or never becomes healthy: only healthy images, slow or fast.
	NoFailures bool
	// NoStuck leaves out health checks that never pass (tasks that stay
	// STARTING forever and hang an update, as in Swarm).
	NoStuck bool
}

// Image behaviour kinds, in the order the generator shrinks towards.
var imageKinds = []string{"healthy", "slow-pull", "late-healthy", "crash-after-running", "exit-0", "reject", "unhealthy", "never-healthy"}

// ImageBehavior draws how an image runs: a normal image (pull 0-20s, start
// 0-5s), a slow pull (30-120s), a health check that passes late (5-60s), a
// container that crashes 1-30s after RUNNING or exits 0, an image the engine
// rejects before it starts (REJECTED, after a pull of at least 1s), a
// health check that fails (FAILED before RUNNING) and a health check that
// never passes. Stop times stay
// under 20s, below the one-minute old-task timeout.
func ImageBehavior(o ImageOptions) *rapid.Generator[swarmsim.ImageBehavior] {
	healthy, faulty := imageKinds[:3], imageKinds[3:7]
	if !o.NoStuck {
		faulty = imageKinds[3:]
	}
	return rapid.Custom(func(t *rapid.T) swarmsim.ImageBehavior {
		kinds := healthy
		if !o.NoFailures && weighted(t, "faulty", 50) {
			kinds = faulty
		}
		b := swarmsim.ImageBehavior{
			Pull:  secs(t, "pull", 0, 20),
			Start: secs(t, "start", 0, 5),
			Stop:  secs(t, "stop", 0, 20),
		}
		switch rapid.SampledFrom(kinds).Draw(t, "kind") {
		case "slow-pull":
			b.Pull = secs(t, "slow-pull", 30, 120)
		case "late-healthy":
			b.HealthCheck = true
			b.HealthyAfter = secs(t, "healthy-after", 5, 60)
		case "crash-after-running":
			b.ExitAfter = secs(t, "exit-after", 1, 30)
			b.ExitCode = rapid.IntRange(1, 137).Draw(t, "exit-code")
		case "exit-0":
			b.ExitAfter = secs(t, "exit-after", 1, 30)
		case "reject":
			// At least a one-second pull: with a zero pull and a zero
			// restart delay the simulator restarts the task forever at one
			// instant (see TestZeroTimeRestartLoop).
			b.FailOnStart = true
			b.Pull = secs(t, "reject-pull", 1, 20)
		case "unhealthy":
			b.HealthCheck = true
			b.Unhealthy = true
			b.HealthyAfter = secs(t, "unhealthy-after", 1, 30)
		case "never-healthy":
			b.HealthCheck = true
			b.HealthyAfter = 1000 * time.Hour
		}
		return b
	})
}

// ConfigOptions shape generated update and rollback configs.
type ConfigOptions struct {
	// Rollback draws a rollback config: failure action pause or continue
	// (what the CLI offers), and rollback (API only; SwarmKit pauses instead,
	// see Updater.Run in manager/orchestrator/update/updater.go) rarely.
	Rollback bool
}

// UpdateConfig draws an update (or rollback) config: parallelism 0-3,
// delay 0-10s, monitor 0-10s (0 = the 5s default), any failure action, a
// max failure ratio of 0, 0.25, 0.5 or 1, either order.
func UpdateConfig(o ConfigOptions) *rapid.Generator[updater.Config] {
	return rapid.Custom(func(t *rapid.T) updater.Config {
		c := updater.Config{
			Parallelism:     uint64(rapid.IntRange(0, 3).Draw(t, "parallelism")),
			Delay:           secs(t, "delay", 0, 10),
			Monitor:         secs(t, "monitor", 0, 10),
			MaxFailureRatio: rapid.SampledFrom([]float32{0, 0.25, 0.5, 1}).Draw(t, "max-failure-ratio"),
			Order:           rapid.SampledFrom([]updater.Order{updater.StopFirst, updater.StartFirst}).Draw(t, "order"),
		}
		actions := []updater.FailureAction{updater.Pause, updater.Continue, updater.Rollback}
		if o.Rollback && !weighted(t, "api-rollback-action", 10) {
			actions = actions[:2]
		}
		c.FailureAction = rapid.SampledFrom(actions).Draw(t, "failure-action")
		return c
	})
}

// RestartPolicy draws a restart policy: nil (Docker's defaults: any, 5s)
// half the time, otherwise a condition, a delay of 0-10s, 0-3 max attempts
// and no window or a 10-60s one.
func RestartPolicy() *rapid.Generator[*swarmsim.RestartPolicy] {
	return rapid.Custom(func(t *rapid.T) *swarmsim.RestartPolicy {
		if !weighted(t, "restart-policy", 50) {
			return nil
		}
		d := secs(t, "restart-delay", 0, 10)
		p := &swarmsim.RestartPolicy{
			Condition:   rapid.SampledFrom([]swarmsim.RestartCondition{swarmsim.RestartAny, swarmsim.RestartOnFailure, swarmsim.RestartNone}).Draw(t, "condition"),
			Delay:       &d,
			MaxAttempts: uint64(rapid.IntRange(0, 3).Draw(t, "max-attempts")),
		}
		if weighted(t, "restart-window", 25) {
			p.Window = secs(t, "window", 10, 60)
		}
		return p
	})
}

// Placement draws placement: constraints on the zone or disk labels or the
// node role, a spread preference over zones, and (replicated services only)
// a max of 1-2 replicas per node. Most draws have no placement at all.
func Placement(global bool) *rapid.Generator[scheduler.Placement] {
	return rapid.Custom(func(t *rapid.T) scheduler.Placement {
		var p scheduler.Placement
		if weighted(t, "constrained", 30) {
			switch rapid.IntRange(0, 3).Draw(t, "constraint") {
			case 0:
				p.Constraints = []string{"node.labels.zone==" + rapid.SampledFrom(Zones()).Draw(t, "zone")}
			case 1:
				p.Constraints = []string{"node.labels.zone!=" + rapid.SampledFrom(Zones()).Draw(t, "zone")}
			case 2:
				p.Constraints = []string{"node.role==worker"}
			case 3:
				p.Constraints = []string{"node.labels.disk==ssd"}
			}
		}
		if weighted(t, "spread", 20) {
			p.Preferences = []scheduler.Preference{{Spread: "node.labels.zone"}}
		}
		if !global && weighted(t, "max-per-node", 15) {
			p.MaxReplicas = uint64(rapid.IntRange(1, 2).Draw(t, "max-replicas"))
		}
		return p
	})
}

// Resources draws reservations: none most of the time, otherwise 0.25-1
// CPU and 64-512 MiB, above SwarmKit's minimums.
func Resources() *rapid.Generator[swarmsim.Resources] {
	return rapid.Custom(func(t *rapid.T) swarmsim.Resources {
		var r swarmsim.Resources
		if weighted(t, "reserve", 30) {
			r.Reservations.NanoCPUs = int64(rapid.IntRange(1, 4).Draw(t, "quarter-cpus")) * 25e7
			r.Reservations.MemoryBytes = int64(rapid.IntRange(1, 8).Draw(t, "64mib")) * 64 << 20
		}
		return r
	})
}

// DefaultPorts returns the pool generated published ports come from: small, so
// that services compete for the same ports.
func DefaultPorts() []uint32 {
	return []uint32{8080, 8081, 8082}
}

// Endpoint draws published ports: none, or one or two ports with distinct
// published ports from pool (0 = allocate dynamically), target port 80 or
// 443, tcp mostly, ingress mostly, host mode sometimes.
func Endpoint(pool []uint32) *rapid.Generator[mesh.EndpointSpec] {
	if len(pool) == 0 {
		pool = DefaultPorts()
	}
	return rapid.Custom(func(t *rapid.T) mesh.EndpointSpec {
		var e mesh.EndpointSpec
		n := rapid.IntRange(0, 2).Draw(t, "ports")
		if n == 0 {
			return e
		}
		choices := append([]uint32{0}, pool...)
		picked := rapid.SliceOfNDistinct(rapid.SampledFrom(choices), n, n, rapid.ID[uint32]).Draw(t, "published")
		for _, pub := range picked {
			p := mesh.PortConfig{TargetPort: rapid.SampledFrom([]uint32{80, 443}).Draw(t, "target"), PublishedPort: pub}
			if weighted(t, "udp", 15) {
				p.Protocol = mesh.UDP
			}
			if pub != 0 && weighted(t, "host-mode", 15) {
				p.PublishMode = mesh.Host
			}
			e.Ports = append(e.Ports, p)
		}
		return e
	})
}

// ServiceOptions shape generated service specs.
type ServiceOptions struct {
	// Images the service may run (default DefaultImages).
	Images []string
	// Ports is the pool of published ports (default DefaultPorts).
	Ports []uint32
	// MaxReplicas bounds replicated services' replica count (default 5).
	MaxReplicas int
	// NoGlobal generates replicated services only.
	NoGlobal bool
}

// DefaultImages returns the image references generated specs use.
func DefaultImages() []string {
	return []string{"app:1", "app:2", "app:3"}
}

func (o ServiceOptions) images() []string {
	if len(o.Images) == 0 {
		return DefaultImages()
	}
	return o.Images
}

func (o ServiceOptions) maxReplicas() int {
	if o.MaxReplicas <= 0 {
		return 5
	}
	return o.MaxReplicas
}

// ServiceSpec draws a complete, valid spec named name: replicated (1..Max
// replicas) or, one time in five, global; an image; restart policy,
// placement, reservations, ports; update and rollback configs (nil, that is
// Swarm's defaults, a third of the time each).
func ServiceSpec(name string, o ServiceOptions) *rapid.Generator[swarmsim.ServiceSpec] {
	return rapid.Custom(func(t *rapid.T) swarmsim.ServiceSpec {
		s := swarmsim.ServiceSpec{Name: name}
		if !o.NoGlobal && weighted(t, "global", 20) {
			s.Mode = swarmsim.Global
		} else {
			s.Replicas = uint64(rapid.IntRange(1, o.maxReplicas()).Draw(t, "replicas"))
		}
		s.TaskTemplate = swarmsim.TaskSpec{
			Image:     rapid.SampledFrom(o.images()).Draw(t, "image"),
			Restart:   RestartPolicy().Draw(t, "restart"),
			Placement: Placement(s.Mode == swarmsim.Global).Draw(t, "placement"),
			Resources: Resources().Draw(t, "resources"),
		}
		if !weighted(t, "default-update", 33) {
			c := UpdateConfig(ConfigOptions{}).Draw(t, "update")
			s.Update = &c
		}
		if !weighted(t, "default-rollback", 33) {
			c := UpdateConfig(ConfigOptions{Rollback: true}).Draw(t, "rollback")
			s.Rollback = &c
		}
		s.Endpoint = Endpoint(o.Ports).Draw(t, "endpoint")
		return s
	})
}

// SpecEdit is a change to a service spec, as `docker service update` flags
// make one. Nil fields are left as they are. Apply it with Apply, which
// keeps the result valid (replicas only for replicated services).
type SpecEdit struct {
	Image       *string
	Update      *updater.Config
	Rollback    *updater.Config
	Restart     **swarmsim.RestartPolicy
	Placement   *scheduler.Placement
	Resources   *swarmsim.Resources
	Endpoint    *mesh.EndpointSpec
	Replicas    *uint64
	ForceUpdate bool
}

// Apply returns spec with the edit applied. The result shares no memory
// with spec.
func (e SpecEdit) Apply(spec swarmsim.ServiceSpec) swarmsim.ServiceSpec {
	s := spec.Clone()
	tt := &s.TaskTemplate
	if e.Image != nil {
		tt.Image = *e.Image
	}
	if e.Update != nil {
		c := *e.Update
		s.Update = &c
	}
	if e.Rollback != nil {
		c := *e.Rollback
		s.Rollback = &c
	}
	if e.Restart != nil {
		tt.Restart = *e.Restart
	}
	if e.Placement != nil {
		p := *e.Placement
		if s.Mode == swarmsim.Global {
			p.MaxReplicas = 0
		}
		tt.Placement = p
	}
	if e.Resources != nil {
		tt.Resources = *e.Resources
	}
	if e.Endpoint != nil {
		s.Endpoint = e.Endpoint.Clone()
	}
	if e.Replicas != nil && s.Mode == swarmsim.Replicated {
		s.Replicas = *e.Replicas
	}
	if e.ForceUpdate {
		tt.ForceUpdate++
	}
	return s.Clone()
}

// Edit draws a SpecEdit: mostly a new image (the usual rolling update),
// often new update or rollback configs with it, sometimes a restart
// policy, placement, reservations, ports or replica change, or --force.
func Edit(o ServiceOptions) *rapid.Generator[SpecEdit] {
	return rapid.Custom(func(t *rapid.T) SpecEdit {
		var e SpecEdit
		if !weighted(t, "keep-image", 25) {
			img := rapid.SampledFrom(o.images()).Draw(t, "image")
			e.Image = &img
		}
		if weighted(t, "edit-update", 40) {
			c := UpdateConfig(ConfigOptions{}).Draw(t, "update")
			e.Update = &c
		}
		if weighted(t, "edit-rollback", 25) {
			c := UpdateConfig(ConfigOptions{Rollback: true}).Draw(t, "rollback")
			e.Rollback = &c
		}
		if weighted(t, "edit-restart", 15) {
			r := RestartPolicy().Draw(t, "restart")
			e.Restart = &r
		}
		if weighted(t, "edit-placement", 15) {
			p := Placement(false).Draw(t, "placement")
			e.Placement = &p
		}
		if weighted(t, "edit-resources", 10) {
			r := Resources().Draw(t, "resources")
			e.Resources = &r
		}
		if weighted(t, "edit-ports", 10) {
			p := Endpoint(o.Ports).Draw(t, "endpoint")
			e.Endpoint = &p
		}
		if weighted(t, "edit-replicas", 15) {
			n := uint64(rapid.IntRange(0, o.maxReplicas()).Draw(t, "replicas"))
			e.Replicas = &n
		}
		e.ForceUpdate = weighted(t, "force", 10)
		return e
	})
}
