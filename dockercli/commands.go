package dockercli

import (
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/containerspec"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/scheduler"
)

// Command is one parsed script command: a docker command, a swarmsim
// directive, sleep, or the text of a --help request. Parse produces it from
// words without touching a cluster; Session.Run executes it.
type Command interface{ commandName() string }

// CLIError is a command-line error found while parsing: Msg goes to stderr
// and the command exits with Code (125 for flag errors, 1 for argument
// errors, as docker does).
type CLIError struct {
	Msg  string
	Code int
}

func (e *CLIError) Error() string { return e.Msg }

// Help is a --help request (or a management command given no subcommand):
// Text is the usage screen; Stderr says where docker prints it.
type Help struct {
	Text   string
	Stderr bool
}

// ConfigOptions are the --update-* or --rollback-* flags that were given.
type ConfigOptions struct {
	Parallelism     *uint64
	Delay           *time.Duration
	Monitor         *time.Duration
	FailureAction   *string
	MaxFailureRatio *float32
	Order           *string
}

func (c *ConfigOptions) any() bool {
	return c.Parallelism != nil || c.Delay != nil || c.Monitor != nil || c.FailureAction != nil ||
		c.MaxFailureRatio != nil || c.Order != nil
}

// RestartOptions are the --restart-* flags that were given.
type RestartOptions struct {
	Condition   *string
	Delay       *time.Duration
	MaxAttempts *uint64
	Window      *time.Duration
}

func (r *RestartOptions) any() bool {
	return r.Condition != nil || r.Delay != nil || r.MaxAttempts != nil || r.Window != nil
}

// ServiceOptions are the flags of `docker service create` and `docker
// service update` that were given (nil/empty = not given; the CLI sends only
// what the user set).
type ServiceOptions struct {
	Name         string
	Mode         string
	Replicas     *uint64
	MaxReplicas  *uint64
	EndpointMode *string

	Constraints   []string
	ConstraintAdd []string
	ConstraintRm  []string
	Prefs         []scheduler.Preference
	PrefAdd       []scheduler.Preference
	PrefRm        []scheduler.Preference
	Publish       []mesh.PortConfig
	PublishAdd    []mesh.PortConfig
	PublishRm     []mesh.PortConfig
	PublishAddSet bool
	PublishRmSet  bool
	Labels        []string
	LabelAdd      []string
	LabelRm       []string
	Env           []string
	EnvAdd        []string
	EnvRm         []string

	Update   ConfigOptions
	Rollback ConfigOptions
	Restart  RestartOptions

	ReserveCPU *int64
	ReserveMem *int64
	LimitCPU   *int64
	LimitMem   *int64

	// C holds the container flags: the stored-only fields, mounts,
	// networks, secrets and configs.
	C ContainerOptions

	Detach bool
	Quiet  bool

	// job, health check and stop flags
	MaxConcurrent *uint64
	Health        HealthOptions
	StopGrace     *time.Duration
	StopSignal    *string
}

// HealthOptions are the --health-* and --no-healthcheck flags.
type HealthOptions struct {
	Cmd                                           *string
	Interval, Timeout, StartPeriod, StartInterval *time.Duration
	Retries                                       *int64
	NoHealthcheck                                 bool
}

// ContainerOptions are the container flags of `docker service create` and
// `update` that were given. For a list, the field holds the values of the
// create flag or of update's -add flag, and the Rm field those of -rm.
type ContainerOptions struct {
	Hostname, Workdir, User, Isolation, LogDriver *string
	Entrypoint                                    *[]string
	CredentialSpec                                *containerspec.CredentialSpec
	CredentialSpecSet                             bool
	TTY, ReadOnly, Init, RegistryAuth, NoResolve  *bool
	LimitPids, OomScoreAdj, Swappiness, SwapBytes *int64

	Groups, GroupRm                     []string
	ContainerLabels, ContainerLabelRm   []string
	DNS, DNSRm                          []string
	DNSOptions, DNSOptionRm             []string
	DNSSearch, DNSSearchRm              []string
	Hosts, HostRm                       []string
	Sysctls, SysctlRm                   []string
	CapAdd, CapDrop                     []string
	Ulimits                             []containerspec.Ulimit
	UlimitRm                            []string
	LogOpts                             []string
	GenericResources, GenericResourceRm []string
	EnvFiles                            []string
	Mounts                              []containerspec.Mount
	MountRm                             []string
	Networks                            []swarmsim.NetworkAttachment
	NetworkRm                           []string
	Secrets, Configs                    []FileRef
	SecretRm, ConfigRm                  []string
	// Set records which of these flags were given, by name.
	Set map[string]bool
}

// ServiceCreate is `docker service create`.
type ServiceCreate struct {
	Opts  ServiceOptions
	Image string
	Args  []string
}

// ServiceUpdate is `docker service update`.
type ServiceUpdate struct {
	Ref   string
	Opts  ServiceOptions
	Image *string
	Args  *[]string
	Force bool
	// Rollback is --rollback; OtherFlags reports flags other than -d/-q
	// given with it.
	Rollback   bool
	OtherFlags bool
}

// ServiceRollback is `docker service rollback`.
type ServiceRollback struct {
	Ref           string
	Detach, Quiet bool
}

// ServiceScale is `docker service scale`.
type ServiceScale struct {
	Args   []string // SERVICE=REPLICAS, validated for shape
	Detach bool
}

// ServicePs is `docker service ps`.
type ServicePs struct {
	Refs                      []string
	Filters                   []string
	Format                    string
	NoResolve, NoTrunc, Quiet bool
}

// ServiceLs is `docker service ls`.
type ServiceLs struct {
	Filters []string
	Format  string
	Quiet   bool
}

// ServiceInspect is `docker service inspect`.
type ServiceInspect struct {
	Refs   []string
	Format string
	Pretty bool
}

// ServiceRm is `docker service rm`.
type ServiceRm struct{ Refs []string }

// NodeLs is `docker node ls`.
type NodeLs struct {
	Filters []string
	Format  string
	Quiet   bool
}

// NodePs is `docker node ps`.
type NodePs struct {
	Refs                      []string
	Filters                   []string
	Format                    string
	NoResolve, NoTrunc, Quiet bool
}

// NodeInspect is `docker node inspect`.
type NodeInspect struct {
	Refs   []string
	Format string
	Pretty bool
}

// NodeUpdate is `docker node update`.
type NodeUpdate struct {
	Ref          string
	Availability *string
	Role         *string
	LabelAdd     []string
	LabelRm      []string
}

// NodeRole is `docker node promote` (Manager) or `docker node demote`.
type NodeRole struct {
	Refs    []string
	Promote bool
}

// NodeRm is `docker node rm`.
type NodeRm struct {
	Refs  []string
	Force bool
}

// SwarmUpdate is `docker swarm update`.
type SwarmUpdate struct {
	TaskHistoryLimit *int64
	Opts             SwarmOptions
}

// Sleep advances virtual time.
type Sleep struct{ D time.Duration }

// NodeAdd is `swarmsim node add`.
type NodeAdd struct {
	Name         string
	Role         string
	Labels       []string
	EngineLabels []string
	CPUs         *int64
	Memory       *int64
}

// NodePower is `swarmsim node down|up NAME`.
type NodePower struct {
	Name string
	Up   bool
}

// NodeBlock is `swarmsim node block|unblock NAME PORT/PROTO`.
type NodeBlock struct {
	Name    string
	Port    uint32
	Proto   mesh.Protocol
	Unblock bool
}

// Image is `swarmsim image REF ...`.
type Image struct {
	Ref          string
	Pull         *time.Duration
	Start        *time.Duration
	HealthyAfter *time.Duration
	Unhealthy    bool
	ExitAfter    *time.Duration
	ExitCode     *int64
	FailOnStart  bool
	Stop         *time.Duration

	UnhealthyAfter    *time.Duration
	HealthyAgainAfter *time.Duration
	IgnoreSIGTERM     bool
}

// TaskUnhealthy is `swarmsim task unhealthy TASK`.
type TaskUnhealthy struct{ Ref string }

func (TaskUnhealthy) commandName() string { return "swarmsim task unhealthy" }

// Curl is `swarmsim curl NODE PORT[/PROTO]`.
type Curl struct {
	Node  string
	Port  uint32
	Proto mesh.Protocol
}

// Probe is `swarmsim probe NODE PORT[/PROTO] --every D --for D`.
type Probe struct {
	Node       string
	Port       uint32
	Proto      mesh.Protocol
	Every, For time.Duration
}

// Wait is `swarmsim wait [SERVICE...]`.
type Wait struct {
	Services []string
	Limit    time.Duration
}

// noLeader stands for a manager command typed while the managers have no
// leader: it answers SwarmKit's error.
type noLeader struct{}

func (noLeader) commandName() string { return "" }

// Time is `swarmsim time`.
type Time struct{}

// Timeline is `swarmsim timeline FILE.svg [SERVICE...]`.
type Timeline struct {
	File     string
	Services []string
}

func (Help) commandName() string            { return "help" }
func (ServiceCreate) commandName() string   { return "docker service create" }
func (ServiceUpdate) commandName() string   { return "docker service update" }
func (ServiceRollback) commandName() string { return "docker service rollback" }
func (ServiceScale) commandName() string    { return "docker service scale" }
func (ServicePs) commandName() string       { return "docker service ps" }
func (ServiceLs) commandName() string       { return "docker service ls" }
func (ServiceInspect) commandName() string  { return "docker service inspect" }
func (ServiceRm) commandName() string       { return "docker service rm" }
func (NodeLs) commandName() string          { return "docker node ls" }
func (NodePs) commandName() string          { return "docker node ps" }
func (NodeInspect) commandName() string     { return "docker node inspect" }
func (NodeUpdate) commandName() string      { return "docker node update" }
func (NodeRole) commandName() string        { return "docker node promote/demote" }
func (NodeRm) commandName() string          { return "docker node rm" }
func (SwarmUpdate) commandName() string     { return "docker swarm update" }
func (Sleep) commandName() string           { return "sleep" }
func (NodeAdd) commandName() string         { return "swarmsim node add" }
func (NodePower) commandName() string       { return "swarmsim node down/up" }
func (NodeBlock) commandName() string       { return "swarmsim node block/unblock" }
func (Image) commandName() string           { return "swarmsim image" }
func (Curl) commandName() string            { return "swarmsim curl" }
func (Probe) commandName() string           { return "swarmsim probe" }
func (Wait) commandName() string            { return "swarmsim wait" }
func (Time) commandName() string            { return "swarmsim time" }
func (Timeline) commandName() string        { return "swarmsim timeline" }
