package dockercli

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"

	units "github.com/docker/go-units"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/api/types/system"
)

// Info is `docker info [--format]`.
type Info struct{ Format string }

func (Info) commandName() string { return "docker info" }

// clientInfo is the client part of docker/cli's dockerInfo
// (cli/command/system/info.go).
type clientInfo struct {
	Version  string
	Context  string
	Debug    bool
	Plugins  []any
	Warnings []string
}

// dockerInfo is what `docker info --format` templates see: the Engine API's
// system.Info and the client's own part, as docker/cli's dockerInfo.
type dockerInfo struct {
	*system.Info
	ClientInfo   *clientInfo
	ClientErrors []string
	ServerErrors []string
}

// engineVersion is the version every simulated engine reports.
const engineVersion = "29.7.2"

// engineInfo builds the current host's system.Info.
func (s *Session) engineInfo() *system.Info {
	h := s.curHost()
	info := &system.Info{
		ID:     engineID(s.digest("engine " + h.name)),
		Driver: "overlay2", LoggingDriver: "json-file", CgroupDriver: "systemd", CgroupVersion: "2",
		KernelVersion: "6.8.0-31-generic", OperatingSystem: "Ubuntu 24.04 LTS", OSVersion: "24.04", OSType: "linux",
		Architecture: "x86_64", NCPU: 2, MemTotal: 2 << 30, DockerRootDir: "/var/lib/docker", Name: h.name,
		ServerVersion: engineVersion, DefaultRuntime: "runc", InitBinary: "docker-init",
		Plugins: system.PluginsInfo{Volume: []string{"local"}, Network: []string{"bridge", "host", "ipvlan", "macvlan", "null", "overlay"},
			Log: []string{"awslogs", "fluentd", "gcplogs", "gelf", "journald", "json-file", "local", "splunk", "syslog"}},
		Swarm: swarm.Info{LocalNodeState: swarm.LocalNodeStateInactive},
	}
	images := map[string]bool{}
	for _, c := range s.containers() {
		info.Containers++
		images[c.t.Image] = true
		if c.state == "running" {
			info.ContainersRunning++
		} else {
			info.ContainersStopped++
		}
	}
	info.Images = len(images)
	n := s.selfNode()
	if n == nil {
		return info
	}
	info.NCPU = int(n.Description.Resources.NanoCPUs / 1e9)
	info.MemTotal = n.Description.Resources.MemoryBytes
	s.eng.sw.defaults()
	sw := &info.Swarm
	sw.LocalNodeState = swarm.LocalNodeStateActive
	sw.NodeID = n.ID
	sw.NodeAddr = n.Status.Addr
	sw.ControlAvailable = n.ManagerStatus != nil
	sw.Nodes = s.c.NodeCount()
	for _, m := range s.c.Managers() {
		sw.Managers++
		sw.RemoteManagers = append(sw.RemoteManagers, swarm.Peer{NodeID: m.ID, Addr: m.ManagerStatus.Addr})
	}
	if !sw.ControlAvailable {
		sw.Nodes, sw.Managers = 0, 0
		return info
	}
	st := s.eng.sw
	thl := int64(s.c.TaskHistoryLimit())
	keep := uint64(0)
	if st.keepSnapshots != nil {
		keep = *st.keepSnapshots
	}
	ci := &swarm.ClusterInfo{ID: s.clusterID(), SubnetSize: st.subnetSize, DataPathPort: st.dataPathPort}
	for _, p := range st.addrPools {
		if pf, err := netip.ParsePrefix(p); err == nil {
			ci.DefaultAddrPool = append(ci.DefaultAddrPool, pf)
		}
	}
	ci.Spec.Orchestration.TaskHistoryRetentionLimit = &thl
	ci.Spec.Raft = swarm.RaftConfig{SnapshotInterval: st.snapshotInterval, KeepOldSnapshots: &keep, HeartbeatTick: 1, ElectionTick: 10}
	ci.Spec.Dispatcher.HeartbeatPeriod = s.c.HeartbeatPeriod()
	ci.Spec.CAConfig.NodeCertExpiry = st.certExpiry
	ci.Spec.EncryptionConfig.AutoLockManagers = st.autolock
	sw.Cluster = ci
	return info
}

// engineID is an engine's ID in the daemon's UUID form.
func engineID(d [32]byte) string {
	x := hex.EncodeToString(d[:16])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

func (s *Session) info(c Info, stdout io.Writer) error {
	di := dockerInfo{Info: s.engineInfo(), ClientInfo: &clientInfo{Version: engineVersion, Context: "default", Plugins: []any{}}}
	if c.Format != "" {
		return inspectOut(stdout, c.Format, []any{di}, nil)
	}
	var b strings.Builder
	p := func(a ...any) { fmt.Fprintln(&b, a...) }
	p("Client:")
	p(" Version:   ", di.ClientInfo.Version)
	p(" Context:   ", di.ClientInfo.Context)
	p(" Debug Mode:", false)
	p()
	p("Server:")
	info := di.Info
	p(" Containers:", info.Containers)
	p("  Running:", info.ContainersRunning)
	p("  Paused:", info.ContainersPaused)
	p("  Stopped:", info.ContainersStopped)
	p(" Images:", info.Images)
	p(" Server Version:", info.ServerVersion)
	p(" Storage Driver:", info.Driver)
	p(" Logging Driver:", info.LoggingDriver)
	p(" Cgroup Driver:", info.CgroupDriver)
	p(" Cgroup Version:", info.CgroupVersion)
	p(" Plugins:")
	p("  Volume:", strings.Join(info.Plugins.Volume, " "))
	p("  Network:", strings.Join(info.Plugins.Network, " "))
	p("  Log:", strings.Join(info.Plugins.Log, " "))
	p(" Swarm:", info.Swarm.LocalNodeState)
	printSwarmInfo(&b, info)
	p(" Runtimes: io.containerd.runc.v2 runc")
	p(" Default Runtime:", info.DefaultRuntime)
	p(" Init Binary:", info.InitBinary)
	p(" Kernel Version:", info.KernelVersion)
	p(" Operating System:", info.OperatingSystem)
	p(" OSType:", info.OSType)
	p(" Architecture:", info.Architecture)
	p(" CPUs:", info.NCPU)
	p(" Total Memory:", units.BytesSize(float64(info.MemTotal)))
	p(" Name:", info.Name)
	p(" ID:", info.ID)
	p(" Docker Root Dir:", info.DockerRootDir)
	p(" Debug Mode:", info.Debug)
	p(" Experimental:", info.ExperimentalBuild)
	p(" Live Restore Enabled:", info.LiveRestoreEnabled)
	_, err := io.WriteString(stdout, b.String())
	return err
}

// printSwarmInfo is docker/cli's printSwarmInfo (cli/command/system/info.go).
func printSwarmInfo(w io.Writer, info *system.Info) {
	p := func(a ...any) { fmt.Fprintln(w, a...) }
	sw := info.Swarm
	if sw.LocalNodeState == swarm.LocalNodeStateInactive || sw.LocalNodeState == swarm.LocalNodeStateLocked {
		return
	}
	p("  NodeID:", sw.NodeID)
	p("  Is Manager:", sw.ControlAvailable)
	if ci := sw.Cluster; ci != nil && sw.ControlAvailable {
		p("  ClusterID:", ci.ID)
		p("  Managers:", sw.Managers)
		p("  Nodes:", sw.Nodes)
		if ci.DefaultAddrPool != nil {
			var pools strings.Builder
			for _, pf := range ci.DefaultAddrPool {
				pools.WriteString(pf.String() + "  ")
			}
			p("  Default Address Pool:", pools.String())
			p("  SubnetSize:", ci.SubnetSize)
		}
		if ci.DataPathPort > 0 {
			p("  Data Path Port:", ci.DataPathPort)
		}
		p("  Orchestration:")
		p("   Task History Retention Limit:", *ci.Spec.Orchestration.TaskHistoryRetentionLimit)
		p("  Raft:")
		p("   Snapshot Interval:", ci.Spec.Raft.SnapshotInterval)
		if k := ci.Spec.Raft.KeepOldSnapshots; k != nil {
			fmt.Fprintf(w, "   Number of Old Snapshots to Retain: %d\n", *k)
		}
		p("   Heartbeat Tick:", ci.Spec.Raft.HeartbeatTick)
		p("   Election Tick:", ci.Spec.Raft.ElectionTick)
		p("  Dispatcher:")
		p("   Heartbeat Period:", units.HumanDuration(ci.Spec.Dispatcher.HeartbeatPeriod))
		p("  CA Configuration:")
		p("   Expiry Duration:", units.HumanDuration(ci.Spec.CAConfig.NodeCertExpiry))
		p("   Force Rotate:", ci.Spec.CAConfig.ForceRotate)
		p("  Autolock Managers:", ci.Spec.EncryptionConfig.AutoLockManagers)
		p("  Root Rotation In Progress:", ci.RootRotationInProgress)
	}
	p("  Node Address:", sw.NodeAddr)
	if len(sw.RemoteManagers) > 0 {
		var ms []string
		for _, m := range sw.RemoteManagers {
			ms = append(ms, m.Addr)
		}
		slices.Sort(ms)
		p("  Manager Addresses:")
		for _, m := range ms {
			fmt.Fprintf(w, "   %s\n", m)
		}
	}
}
