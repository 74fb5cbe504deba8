// Package containerspec holds the parts of a service's task template that
// swarmsim stores and shows but does not simulate: the container's hostname,
// user, mounts, DNS settings, capabilities, ulimits, log driver and the
// like, as `docker service create` sets them. Package spec embeds Spec in
// its Task (the root's TaskSpec), so every field here is part of the task
// template: a change to any of them makes running tasks dirty, as
// SwarmKit's IsTaskDirty decides, and nothing else.
//
// Zero values are Docker's defaults throughout.
package containerspec

import (
	"maps"
	"net/netip"
	"os"
	"slices"
	"strings"

	"github.com/swarmsim/swarmsim/errdefs"
)

// Spec is the stored-only part of a container spec (SwarmKit's
// ContainerSpec, TaskSpec.LogDriver and the Resources the scheduler ignores).
type Spec struct {
	// Command overrides the image's ENTRYPOINT (--entrypoint); nil keeps it.
	Command []string
	// Hostname is the container's hostname (--hostname); "" is the
	// container ID's prefix.
	Hostname string
	// Dir is the working directory (--workdir); "" is the image's.
	Dir string
	// User is the user the process runs as (--user); "" is the image's.
	User string
	// Groups are supplementary groups (--group).
	Groups []string
	// ContainerLabels are the containers' labels (--container-label), not
	// the service's.
	ContainerLabels map[string]string
	// Init runs an init process (--init); nil is the daemon's default.
	Init *bool
	// TTY allocates a pseudo-TTY (--tty).
	TTY bool
	// ReadOnly mounts the root filesystem read-only (--read-only).
	ReadOnly bool
	// Mounts are the filesystem mounts (--mount). No host filesystem is
	// touched: a bind mount of any path is accepted.
	Mounts []Mount
	// Hosts are extra /etc/hosts entries in SwarmKit's "IP host" form
	// (--host host:ip).
	Hosts []string
	// DNSConfig is the resolver configuration (--dns, --dns-search,
	// --dns-option).
	DNSConfig DNSConfig
	// Isolation is the isolation technology (--isolation); "" is "default".
	Isolation string
	// Sysctls are namespaced kernel parameters (--sysctl).
	Sysctls map[string]string
	// CapabilityAdd and CapabilityDrop are the kernel capabilities added to
	// and dropped from the default set (--cap-add, --cap-drop), normalized
	// to upper case with a CAP_ prefix.
	CapabilityAdd  []string
	CapabilityDrop []string
	// Ulimits are resource limits (--ulimit), sorted by name.
	Ulimits []Ulimit
	// OomScoreAdj tunes the host's OOM preferences (--oom-score-adj).
	OomScoreAdj int64
	// CredentialSpec is a Windows managed service account
	// (--credential-spec); nil is none.
	CredentialSpec *CredentialSpec
	// LogDriver is the logging driver (--log-driver, --log-opt); nil is the
	// swarm's default.
	LogDriver *Driver
	// RegistryAuth is the encoded registry credential the daemon received
	// with --with-registry-auth (SwarmKit's ContainerSpec.PullOptions). It is
	// never shown. A change to it alone does not make a task that has pulled
	// its image dirty.
	RegistryAuth string
	// PidsLimit limits the number of processes (--limit-pids); 0 is
	// unlimited.
	PidsLimit int64
	// GenericResources are user-defined resources the tasks reserve
	// (--generic-resource). The scheduler does not simulate them.
	GenericResources []GenericResource
	// SwapBytes is the swap limit (--memory-swap; -1 unlimited); nil is
	// twice the memory limit.
	SwapBytes *int64
	// MemorySwappiness tunes swappiness 0-100 (--memory-swappiness); nil is
	// the kernel's default.
	MemorySwappiness *int64
}

// DNSConfig is a container's resolver configuration.
type DNSConfig struct {
	// Nameservers are the resolvers' addresses.
	Nameservers []netip.Addr
	Search      []string
	Options     []string
}

// Ulimit is one resource limit.
type Ulimit struct {
	Name string
	Soft int64
	Hard int64
}

// CredentialSpec names a Windows credential spec by config, file or
// registry value (exactly one is set).
type CredentialSpec struct {
	Config   string
	File     string
	Registry string
}

// Driver is a named driver with options (a log driver or a volume driver).
type Driver struct {
	Name    string
	Options map[string]string
}

// GenericResource is a user-defined resource: Named (a string value such as
// a GPU's UUID) or discrete (a count).
type GenericResource struct {
	Kind     string
	Value    string // named resources
	Discrete int64  // discrete resources, when Value is ""
}

// MountType is a mount's type, with Docker's strings.
type MountType string

// The mount types `docker service create --mount` accepts.
const (
	MountVolume  MountType = "volume"
	MountBind    MountType = "bind"
	MountTmpfs   MountType = "tmpfs"
	MountNpipe   MountType = "npipe"
	MountCluster MountType = "cluster"
)

// Mount is a filesystem mount, as Docker's mount.Mount.
type Mount struct {
	Type        MountType
	Source      string
	Target      string
	ReadOnly    bool
	Consistency string

	BindOptions    *BindOptions
	VolumeOptions  *VolumeOptions
	TmpfsOptions   *TmpfsOptions
	ClusterOptions *ClusterOptions
}

// BindOptions are a bind mount's options.
type BindOptions struct {
	Propagation            string
	NonRecursive           bool
	CreateMountpoint       bool
	ReadOnlyNonRecursive   bool
	ReadOnlyForceRecursive bool
}

// VolumeOptions are a volume mount's options.
type VolumeOptions struct {
	NoCopy       bool
	Labels       map[string]string
	Subpath      string
	DriverConfig *Driver
}

// TmpfsOptions are a tmpfs mount's options.
type TmpfsOptions struct {
	SizeBytes int64
	Mode      os.FileMode
}

// ClusterOptions are a cluster volume mount's options (none yet, as in
// Docker).
type ClusterOptions struct{}

// Clone returns a deep copy.
func (s Spec) Clone() Spec {
	c := s
	c.Command = slices.Clone(s.Command)
	c.Groups = slices.Clone(s.Groups)
	c.ContainerLabels = maps.Clone(s.ContainerLabels)
	if s.Init != nil {
		b := *s.Init
		c.Init = &b
	}
	c.Mounts = slices.Clone(s.Mounts)
	for i := range c.Mounts {
		c.Mounts[i] = c.Mounts[i].clone()
	}
	c.Hosts = slices.Clone(s.Hosts)
	c.DNSConfig = DNSConfig{Nameservers: slices.Clone(s.DNSConfig.Nameservers), Search: slices.Clone(s.DNSConfig.Search), Options: slices.Clone(s.DNSConfig.Options)}
	c.Sysctls = maps.Clone(s.Sysctls)
	c.CapabilityAdd = slices.Clone(s.CapabilityAdd)
	c.CapabilityDrop = slices.Clone(s.CapabilityDrop)
	c.Ulimits = slices.Clone(s.Ulimits)
	if s.CredentialSpec != nil {
		cs := *s.CredentialSpec
		c.CredentialSpec = &cs
	}
	c.LogDriver = s.LogDriver.clone()
	c.GenericResources = slices.Clone(s.GenericResources)
	c.SwapBytes = clonePtr(s.SwapBytes)
	c.MemorySwappiness = clonePtr(s.MemorySwappiness)
	return c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func (d *Driver) clone() *Driver {
	if d == nil {
		return nil
	}
	return &Driver{Name: d.Name, Options: maps.Clone(d.Options)}
}

func (m Mount) clone() Mount {
	m.BindOptions = clonePtr(m.BindOptions)
	m.TmpfsOptions = clonePtr(m.TmpfsOptions)
	m.ClusterOptions = clonePtr(m.ClusterOptions)
	if v := m.VolumeOptions; v != nil {
		m.VolumeOptions = &VolumeOptions{NoCopy: v.NoCopy, Labels: maps.Clone(v.Labels), Subpath: v.Subpath, DriverConfig: v.DriverConfig.clone()}
	}
	return m
}

// Diff compares two specs: equal when every field is the same (a nil and an
// empty list or map are the same, as they are once the spec has crossed the
// Engine API), and pullOnly when they differ in RegistryAuth alone.
func (s *Spec) Diff(o *Spec) (equal, pullOnly bool) {
	if !s.equalExceptPull(o) {
		return false, false
	}
	if s.RegistryAuth != o.RegistryAuth {
		return false, true
	}
	return true, false
}

func (s *Spec) equalExceptPull(o *Spec) bool {
	return slices.Equal(s.Command, o.Command) &&
		s.Hostname == o.Hostname && s.Dir == o.Dir && s.User == o.User &&
		slices.Equal(s.Groups, o.Groups) &&
		maps.Equal(s.ContainerLabels, o.ContainerLabels) &&
		ptrEqual(s.Init, o.Init) &&
		s.TTY == o.TTY && s.ReadOnly == o.ReadOnly &&
		slices.EqualFunc(s.Mounts, o.Mounts, Mount.equal) &&
		slices.Equal(s.Hosts, o.Hosts) &&
		slices.Equal(s.DNSConfig.Nameservers, o.DNSConfig.Nameservers) &&
		slices.Equal(s.DNSConfig.Search, o.DNSConfig.Search) &&
		slices.Equal(s.DNSConfig.Options, o.DNSConfig.Options) &&
		s.Isolation == o.Isolation &&
		maps.Equal(s.Sysctls, o.Sysctls) &&
		slices.Equal(s.CapabilityAdd, o.CapabilityAdd) &&
		slices.Equal(s.CapabilityDrop, o.CapabilityDrop) &&
		slices.Equal(s.Ulimits, o.Ulimits) &&
		s.OomScoreAdj == o.OomScoreAdj &&
		ptrEqual(s.CredentialSpec, o.CredentialSpec) &&
		s.LogDriver.equal(o.LogDriver) &&
		s.PidsLimit == o.PidsLimit &&
		slices.Equal(s.GenericResources, o.GenericResources) &&
		ptrEqual(s.SwapBytes, o.SwapBytes) &&
		ptrEqual(s.MemorySwappiness, o.MemorySwappiness)
}

func ptrEqual[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func (d *Driver) equal(o *Driver) bool {
	if d == nil || o == nil {
		return d == o
	}
	return d.Name == o.Name && maps.Equal(d.Options, o.Options)
}

func (m Mount) equal(o Mount) bool {
	if m.Type != o.Type || m.Source != o.Source || m.Target != o.Target || m.ReadOnly != o.ReadOnly || m.Consistency != o.Consistency ||
		!ptrEqual(m.BindOptions, o.BindOptions) || !ptrEqual(m.TmpfsOptions, o.TmpfsOptions) || !ptrEqual(m.ClusterOptions, o.ClusterOptions) {
		return false
	}
	a, b := m.VolumeOptions, o.VolumeOptions
	if a == nil || b == nil {
		return a == b
	}
	return a.NoCopy == b.NoCopy && maps.Equal(a.Labels, b.Labels) && a.Subpath == b.Subpath && a.DriverConfig.equal(b.DriverConfig)
}

// Error is the validation error Validate returns, always of kind
// InvalidArgument; RPC says whether SwarmKit's control API returned it or
// the daemon did while converting the spec.
type Error = errdefs.Error

// Validate checks what the daemon checks while converting the spec for
// SwarmKit (daemon/cluster/convert/container.go: containerToGRPC) and what
// SwarmKit's control API checks (manager/controlapi/service.go:
// validateMounts), with their messages.
func (s *Spec) Validate() error {
	seen := make(map[string]bool, len(s.Mounts))
	for _, m := range s.Mounts {
		switch m.Type {
		case "", MountBind, MountVolume, MountTmpfs, MountNpipe, MountCluster:
		default:
			return errdefs.Daemon(errdefs.KindInvalidArgument, "invalid MountType: %q", string(m.Type))
		}
		if b := m.BindOptions; b != nil && b.Propagation != "" && !validPropagation(b.Propagation) {
			return errdefs.Daemon(errdefs.KindInvalidArgument, "invalid MountPropagation: %q", b.Propagation)
		}
	}
	for _, m := range s.Mounts {
		if seen[m.Target] {
			return errdefs.RPC(errdefs.KindInvalidArgument, "ContainerSpec: duplicate mount point: %s", m.Target)
		}
		seen[m.Target] = true
	}
	if c := s.CredentialSpec; c != nil {
		if c.File != "" && c.Registry != "" {
			return errdefs.Daemon(errdefs.KindInvalidArgument, `cannot specify both "file" and "registry" credential specs`)
		}
		if c.File == "" && c.Registry == "" && c.Config == "" {
			return errdefs.Daemon(errdefs.KindInvalidArgument, `must either provide "file" or "registry" for credential spec`)
		}
	}
	return nil
}

func validPropagation(p string) bool {
	switch strings.ToLower(p) {
	case "rprivate", "private", "rshared", "shared", "rslave", "slave":
		return true
	}
	return false
}
