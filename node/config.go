package node

import (
	"maps"
	"strconv"
	"time"

	"github.com/swarmsim/swarmsim/errdefs"
	"github.com/swarmsim/swarmsim/internal/labels"
)

// What a joining node's engine reports when its Config leaves it out. The
// engine version is the one the simulated CLI's engines report
// (dockercli: engineVersion).
const (
	DefaultOS            = "linux"
	DefaultArchitecture  = "x86_64"
	DefaultEngineVersion = "29.7.2"
)

// Config describes a node joining the swarm: what its engine reports
// (hostname, platform, resources, engine labels, version, address) and the
// spec it joins with (role, availability, labels), as `docker swarm join`
// and a later `docker node update` would set them.
type Config struct {
	// Hostname is what the engine reports; it is the name Docker shows.
	Hostname     string
	Role         Role
	Availability Availability
	Labels       map[string]string
	EngineLabels map[string]string
	Resources    Resources
	// Platform defaults to linux/x86_64.
	Platform      Platform
	EngineVersion string
	// Addr is the node's address (its advertise address); empty means
	// 172.28.128.N, N from the join order (see DefaultAddr).
	Addr string
}

// Validate returns the daemon's InvalidArgument error for the first thing
// wrong with a joining node, in this order: an empty or non-UTF-8 hostname,
// labels or engine labels that are not UTF-8, an availability or role that
// is none of SwarmKit's values, negative resources.
func (c Config) Validate() error {
	if c.Hostname == "" {
		return errdefs.Daemon(errdefs.KindInvalidArgument, "node hostname must not be empty")
	}
	if err := labels.ValidUTF8("hostname", c.Hostname); err != nil {
		return err
	}
	if err := labels.Validate(c.Labels); err != nil {
		return err
	}
	if err := labels.Validate(c.EngineLabels); err != nil {
		return err
	}
	if err := validAvailability(c.Availability); err != nil {
		return err
	}
	if err := validRole(c.Role); err != nil {
		return err
	}
	if c.Resources.NanoCPUs < 0 || c.Resources.MemoryBytes < 0 {
		return errdefs.Daemon(errdefs.KindInvalidArgument, "node resources must not be negative")
	}
	return nil
}

// validAvailability and validRole refuse values SwarmKit's enums do not
// have, with the daemon's message for a bad enum (moby's
// daemon/cluster/convert/node.go: NodeSpecToGRPC).
func validAvailability(a Availability) error {
	if a > Drain {
		return errdefs.Daemon(errdefs.KindInvalidArgument, "invalid Availability: %d", uint8(a))
	}
	return nil
}

func validRole(r Role) error {
	if r > Manager {
		return errdefs.Daemon(errdefs.KindInvalidArgument, "invalid Role: %d", uint8(r))
	}
	return nil
}

// DefaultAddr is the address of the node that joined idx-th (from 0) when
// its Config names none: 172.28.128.3 onwards, wrapping after 250 nodes.
func DefaultAddr(idx int32) string {
	return "172.28.128." + strconv.Itoa(int(3+idx%250))
}

// New builds the node a valid Config describes, as the managers store it
// when it joins: version 1, created and updated at now, READY, its spec
// labels an empty map rather than nil, and the defaults above for what the
// Config leaves out. A manager's ManagerStatus is the Raft group's to give
// when it joins it. The caller draws the ID and gives the join order idx,
// which picks the default address.
func New(cfg Config, id string, idx int32, now time.Time) *Node {
	if cfg.Platform == (Platform{}) {
		cfg.Platform = Platform{Architecture: DefaultArchitecture, OS: DefaultOS}
	}
	if cfg.EngineVersion == "" {
		cfg.EngineVersion = DefaultEngineVersion
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr(idx)
	}
	n := &Node{
		ID:        id,
		Version:   1,
		CreatedAt: now,
		UpdatedAt: now,
		Spec: Spec{
			Labels:       maps.Clone(cfg.Labels),
			DesiredRole:  cfg.Role,
			Availability: cfg.Availability,
		},
		Description: Description{
			Hostname:      cfg.Hostname,
			Platform:      cfg.Platform,
			Resources:     cfg.Resources,
			EngineLabels:  maps.Clone(cfg.EngineLabels),
			EngineVersion: cfg.EngineVersion,
		},
		Status: Status{State: Ready, Addr: cfg.Addr},
		Role:   cfg.Role,
	}
	if n.Spec.Labels == nil {
		n.Spec.Labels = map[string]string{}
	}
	return n
}
