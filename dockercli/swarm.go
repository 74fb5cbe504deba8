package dockercli

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/node"
)

// The swarm's lifecycle as the engines see it: docker swarm init, join,
// join-token, leave and update, with docker/cli's texts
// (cli/command/swarm/{init,join,join_token,leave,update}.go) and the
// daemon's errors (moby's daemon/cluster/errors.go and swarm.go).

// SwarmOptions are the swarm-wide flags of `docker swarm init` and `docker
// swarm update` other than --task-history-limit (docker/cli
// cli/command/swarm/opts.go: addSwarmFlags); nil means not given.
type SwarmOptions struct {
	DispatcherHeartbeat *time.Duration
	CertExpiry          *time.Duration
	MaxSnapshots        *uint64
	SnapshotInterval    *uint64
	Autolock            *bool
}

// SwarmInit is `docker swarm init`.
type SwarmInit struct {
	AdvertiseAddr, ListenAddr string
	Availability              *string
	TaskHistoryLimit          *int64
	Opts                      SwarmOptions
	AddrPools                 []string
	AddrPoolMaskLength        uint32
	DataPathPort              uint32
}

// SwarmJoin is `docker swarm join --token TOKEN HOST:PORT`.
type SwarmJoin struct {
	Token, Remote             string
	AdvertiseAddr, ListenAddr string
	Availability              *string
}

// SwarmJoinToken is `docker swarm join-token [-q] [--rotate] worker|manager`.
type SwarmJoinToken struct {
	Role          string
	Quiet, Rotate bool
}

// SwarmLeave is `docker swarm leave [--force]`.
type SwarmLeave struct{ Force bool }

// SwarmUnsupported is `docker swarm ca|unlock|unlock-key`, which the
// simulator does not model.
type SwarmUnsupported struct{ Name string }

func (SwarmInit) commandName() string        { return "docker swarm init" }
func (SwarmJoin) commandName() string        { return "docker swarm join" }
func (SwarmJoinToken) commandName() string   { return "docker swarm join-token" }
func (SwarmLeave) commandName() string       { return "docker swarm leave" }
func (SwarmUnsupported) commandName() string { return "docker swarm unsupported" }

// swarmSettings are the swarm's spec and secrets as `docker info` and
// `docker swarm join-token` show them.
type swarmSettings struct {
	certExpiry       time.Duration
	snapshotInterval uint64
	keepSnapshots    *uint64
	autolock         bool
	addrPools        []string
	subnetSize       uint32
	dataPathPort     uint32
	// rotations counts --rotate per role (0 worker, 1 manager)
	rotations [2]int
	set       bool
}

func (w *swarmSettings) defaults() {
	if w.set {
		return
	}
	*w = swarmSettings{certExpiry: 90 * 24 * time.Hour, snapshotInterval: 10000,
		addrPools: []string{"10.0.0.0/8"}, subnetSize: 24, dataPathPort: 4789, set: true}
}

func (w *swarmSettings) apply(o SwarmOptions) {
	w.defaults()
	if o.CertExpiry != nil {
		w.certExpiry = *o.CertExpiry
	}
	if o.SnapshotInterval != nil {
		w.snapshotInterval = *o.SnapshotInterval
	}
	if o.MaxSnapshots != nil {
		k := *o.MaxSnapshots
		w.keepSnapshots = &k
	}
	if o.Autolock != nil {
		w.autolock = *o.Autolock
	}
}

// digest is a deterministic stand-in for a secret of the swarm: a SHA-256
// of the seed and a label.
func (s *Session) digest(label string) [32]byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], s.seed)
	return sha256.Sum256(append(b[:], label...))
}

// base36 renders n bytes of d in base 36, left-padded with zeros to width.
func base36(d []byte, width int) string {
	t := new(big.Int).SetBytes(d).Text(36)
	if len(t) > width {
		t = t[len(t)-width:]
	}
	return strings.Repeat("0", width-len(t)) + t
}

// joinToken is SwarmKit's v1 token (ca/config.go: GenerateJoinToken):
// SWMTKN-1-<root CA digest in base 36, 50 characters>-<secret, 25>.
func (s *Session) joinToken(manager bool) string {
	role := 0
	if manager {
		role = 1
	}
	ca := s.digest("root CA")
	secret := s.digest(fmt.Sprintf("join token %d %d", role, s.eng.sw.rotations[role]))
	return "SWMTKN-1-" + base36(ca[:], 50) + "-" + base36(secret[:16], 25)
}

// clusterID is the swarm's ID, in SwarmKit's 25-character form.
func (s *Session) clusterID() string {
	d := s.digest("cluster ID")
	return base36(d[:16], 25)
}

func (s *Session) unlockKey() string {
	d := s.digest("unlock key")
	return "SWMKEY-1-" + base64.RawStdEncoding.EncodeToString(d[:])
}

// advertise parses an --advertise-addr value: an IP with an optional port.
// An interface name (eth0) stands for the host's own address.
func advertise(v, def string) (string, error) {
	if v == "" {
		return def, nil
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		host, port = v, ""
	}
	if port != "" {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return "", fmt.Errorf("Error response from daemon: invalid port in address %q", v)
		}
	}
	if net.ParseIP(host) == nil {
		if validHostname(host) != nil {
			return "", fmt.Errorf("Error response from daemon: advertise address must be a non-zero IP address or network interface (with optional port number)")
		}
		return def, nil // an interface: the host's address
	}
	return host, nil
}

func parseAvailability(a *string) (node.Availability, error) {
	if a == nil {
		return node.Active, nil
	}
	v, err := node.ParseAvailability(*a)
	if err != nil {
		return 0, fmt.Errorf("invalid availability %q, only active, pause and drain are supported", *a)
	}
	return v, nil
}

var errSwarmExists error = cliMsg(`Error response from daemon: This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.`)

// newNodeConfig is a host's node: 2 CPUs and 2 GiB, as the seed's.
func newNodeConfig(host string, role node.Role, av node.Availability, addr string) swarmsim.NodeConfig {
	return swarmsim.NodeConfig{Hostname: host, Role: role, Availability: av, Addr: addr,
		Resources: node.Resources{NanoCPUs: 2e9, MemoryBytes: 2 << 30}}
}

// curHost is the host commands go to; the leader's host before any
// `swarmsim ssh`.
func (s *Session) curHost() *hostState {
	if s.eng.cur != nil {
		return s.eng.cur
	}
	if l := s.Cluster().Leader(); l != nil {
		return s.eng.host(l.Description.Hostname)
	}
	return s.eng.host("manager")
}

func (s *Session) swarmInit(c SwarmInit, stdout io.Writer) error {
	av, err := parseAvailability(c.Availability)
	if err != nil {
		return err
	}
	h := s.curHost()
	if _, in := s.hostNode(s.eng.cur); in || (s.eng.cur == nil && s.c != nil && s.c.NodeCount() > 0) {
		return errSwarmExists
	}
	cl := s.Cluster()
	if cl.NodeCount() > 0 || !s.eng.initMode {
		return errors.New("swarmsim: this session simulates one swarm and it exists already; start a script with `docker swarm init` to build the swarm from hosts in no swarm")
	}
	addr, err := advertise(c.AdvertiseAddr, "")
	if err != nil {
		return err
	}
	s.eng.sw.apply(c.Opts)
	if len(c.AddrPools) > 0 {
		s.eng.sw.addrPools = c.AddrPools
	}
	if c.AddrPoolMaskLength != 0 {
		s.eng.sw.subnetSize = c.AddrPoolMaskLength
	}
	if c.DataPathPort != 0 {
		s.eng.sw.dataPathPort = c.DataPathPort
	}
	if c.TaskHistoryLimit != nil {
		if err := cl.SetTaskHistoryLimit(int(*c.TaskHistoryLimit)); err != nil {
			return daemon(err)
		}
	}
	if d := c.Opts.DispatcherHeartbeat; d != nil {
		if err := cl.SetHeartbeatPeriod(*d); err != nil {
			return daemon(err)
		}
	}
	n, err := cl.AddNode(newNodeConfig(h.name, node.Manager, av, addr))
	if err != nil {
		return daemon(err)
	}
	h.nodeID, h.left = n.ID, false
	fmt.Fprintf(stdout, "Swarm initialized: current node (%s) is now a manager.\n\n", n.ID)
	s.printJoinCommand(stdout, n, true, false)
	fmt.Fprintln(stdout, "To add a manager to this swarm, run 'docker swarm join-token manager' and follow the instructions.")
	if s.eng.sw.autolock {
		fmt.Fprintln(stdout)
		s.printUnlock(stdout)
	}
	return nil
}

// printUnlock is docker/cli's printUnlockCommand (cli/command/swarm/unlock_key.go).
func (s *Session) printUnlock(w io.Writer) {
	fmt.Fprintf(w, "To unlock a swarm manager after it restarts, run the `docker swarm unlock`\ncommand and provide the following key:\n\n    %s\n\n"+
		"Remember to store this key in a password manager, since without it you\nwill not be able to restart the manager.\n", s.unlockKey())
}

// printJoinCommand is docker/cli's printJoinCommand (join_token.go).
func (s *Session) printJoinCommand(w io.Writer, n *node.Node, worker, manager bool) {
	if n.ManagerStatus == nil {
		return
	}
	if worker {
		fmt.Fprintf(w, "To add a worker to this swarm, run the following command:\n\n    docker swarm join --token %s %s\n\n", s.joinToken(false), n.ManagerStatus.Addr)
	}
	if manager {
		fmt.Fprintf(w, "To add a manager to this swarm, run the following command:\n\n    docker swarm join --token %s %s\n\n", s.joinToken(true), n.ManagerStatus.Addr)
	}
}

func (s *Session) swarmJoinToken(c SwarmJoinToken, stdout io.Writer) error {
	worker, manager := c.Role == "worker", c.Role == "manager"
	if !worker && !manager {
		return errors.New("unknown role " + c.Role)
	}
	s.swarm()
	s.eng.sw.defaults()
	if c.Rotate {
		s.eng.sw.rotations[btoi(manager)]++
		if !c.Quiet {
			fmt.Fprintf(stdout, "Successfully rotated %s join token.\n\n", c.Role)
		}
	}
	if c.Quiet {
		fmt.Fprintln(stdout, s.joinToken(manager))
		return nil
	}
	if n := s.selfNode(); n != nil {
		s.printJoinCommand(stdout, n, worker, manager)
	}
	return nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Session) swarmJoin(c SwarmJoin, stdout io.Writer) error {
	av, err := parseAvailability(c.Availability)
	if err != nil {
		return err
	}
	cl := s.swarm()
	h := s.curHost()
	if _, in := s.hostNode(s.eng.cur); in || s.eng.cur == nil {
		return errSwarmExists
	}
	addr, err := advertise(c.AdvertiseAddr, "")
	if err != nil {
		return err
	}
	// The remote must be a manager's address: SwarmKit dials it, and
	// without an answer the join times out (errSwarmJoinTimeoutReached).
	remote := c.Remote
	if _, _, err := net.SplitHostPort(remote); err != nil {
		remote += ":2377"
	}
	found := false
	for _, n := range cl.Managers() {
		if n.Status.State == node.Ready && n.ManagerStatus.Addr == remote {
			found = true
			break
		}
	}
	if !found {
		return cliMsg(`Error response from daemon: Timeout was reached before node joined. The attempt to join the swarm will continue in the background. Use the "docker info" command to see the current swarm status of your node.`)
	}
	s.eng.sw.defaults()
	var role node.Role
	switch c.Token {
	case s.joinToken(false):
		role = node.Worker
	case s.joinToken(true):
		role = node.Manager
	default:
		if !wellFormedToken(c.Token) {
			return errors.New("Error response from daemon: invalid join token")
		}
		return errors.New("Error response from daemon: rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster")
	}
	n, err := cl.AddNode(newNodeConfig(h.name, role, av, addr))
	if err != nil {
		return daemon(err)
	}
	h.nodeID, h.left = n.ID, false
	fmt.Fprintf(stdout, "This node joined a swarm as a %s.\n", role)
	return nil
}

// wellFormedToken is SwarmKit's ParseJoinToken shape check (ca/config.go)
// for v1 tokens.
func wellFormedToken(t string) bool {
	p := strings.Split(t, "-")
	return len(p) == 4 && p[0] == "SWMTKN" && p[1] == "1" && len(p[2]) == 50 && len(p[3]) == 25
}

func (s *Session) swarmLeave(c SwarmLeave, stdout io.Writer) error {
	n, in := s.hostNode(s.eng.cur)
	if !in {
		return errors.New("Error response from daemon: This node is not part of a swarm")
	}
	cl := s.c
	if n.ManagerStatus != nil && !c.Force {
		// moby's daemon/cluster/swarm.go: Leave
		reachable, unreachable := 0, 0
		for _, m := range cl.Managers() {
			if m.Status.State == node.Ready {
				reachable++
			} else {
				unreachable++
			}
		}
		msg := "You are attempting to leave the swarm on a node that is participating as a manager. "
		if reachable-2 <= unreachable {
			if reachable == 1 && unreachable == 0 {
				msg += "Removing the last manager erases all current state of the swarm. Use `--force` to ignore this message. "
				return errors.New("Error response from daemon: " + msg)
			}
			msg += fmt.Sprintf("Removing this node leaves %v managers out of %v. Without a Raft quorum your swarm will be inaccessible. ", reachable-1, reachable+unreachable)
		}
		msg += "The only way to restore a swarm that has lost consensus is to reinitialize it with `--force-new-cluster`. Use `--force` to suppress this message."
		return errors.New("Error response from daemon: " + msg)
	}
	if err := cl.StopNode(n.ID); err != nil {
		return daemon(err)
	}
	h := s.curHost()
	h.nodeID, h.left = "", true
	if s.eng.cur == nil {
		s.eng.cur = h
	}
	fmt.Fprintln(stdout, "Node left the swarm.")
	return nil
}

func (s *Session) swarmUpdate(c SwarmUpdate, stdout io.Writer) error {
	cl := s.swarm()
	if c.TaskHistoryLimit != nil {
		if err := cl.SetTaskHistoryLimit(int(*c.TaskHistoryLimit)); err != nil {
			return daemon(err)
		}
	}
	if d := c.Opts.DispatcherHeartbeat; d != nil {
		if err := cl.SetHeartbeatPeriod(*d); err != nil {
			return daemon(err)
		}
	}
	was := s.eng.sw.autolock
	s.eng.sw.apply(c.Opts)
	fmt.Fprintln(stdout, "Swarm updated.")
	if s.eng.sw.autolock && !was {
		s.printUnlock(stdout)
	}
	return nil
}

// ---- parsing ----

// addSwarmOptionFlags are docker/cli's addSwarmFlags (opts.go).
func addSwarmOptionFlags(fs *pflag.FlagSet, o *SwarmOptions, thl **int64) {
	fs.Var(&defaultInt64{p: thl, def: 5}, "task-history-limit", "Task history retention limit")
	fs.Var(durationValue{p: &o.DispatcherHeartbeat}, "dispatcher-heartbeat", "Dispatcher heartbeat period (ns|us|ms|s|m|h) (default 5s)")
	fs.Var(uintTyped{newUint64(&o.MaxSnapshots, nil), "uint64"}, "max-snapshots", "Number of additional Raft snapshots to retain")
	ten := uint64(10000)
	fs.Var(uintTyped{newUint64(&o.SnapshotInterval, &ten), "uint64"}, "snapshot-interval", "Number of log entries between Raft snapshots")
	fs.Var(durationValue{p: &o.CertExpiry}, "cert-expiry", "Validity period for node certificates (ns|us|ms|s|m|h) (default 2160h0m0s)")
}

// swarmCmds are the subcommands of `docker swarm`.
func swarmCmds(res *result) []*cobra.Command {
	var in SwarmInit
	var inAv, inAdvertise, inListen string
	var autolock bool
	initC := leaf("init [OPTIONS]", "Initialize a swarm", noArgs, func(cc *cobra.Command, _ []string) error {
		in.AdvertiseAddr, in.ListenAddr = inAdvertise, inListen
		in.Availability = nil
		if cc.Flags().Changed("availability") {
			a := inAv
			in.Availability = &a
		}
		in.Opts.Autolock = nil
		if autolock {
			in.Opts.Autolock = &autolock
		}
		res.cmd = in
		return nil
	})
	f := initC.Flags()
	f.StringVar(&inListen, "listen-addr", "0.0.0.0:2377", `Listen address (format: "<ip|interface>[:port]")`)
	f.StringVar(&inAdvertise, "advertise-addr", "", `Advertised address (format: "<ip|interface>[:port]")`)
	f.StringVar(&inAv, "availability", "active", `Availability of the node ("active", "pause", "drain")`)
	BoolFlag(f, &autolock, "autolock", "", "Enable manager autolocking (requiring an unlock key to start a stopped manager)")
	f.Var(listValue{p: &in.AddrPools, validate: validCIDR}, "default-addr-pool", "default address pool in CIDR format")
	f.Uint32Var(&in.AddrPoolMaskLength, "default-addr-pool-mask-length", 24, "default address pool subnet mask length")
	f.Uint32Var(&in.DataPathPort, "data-path-port", 0, "Port number to use for data path traffic (1024 - 49151). If no value is set or is set to 0, the default port (4789) is used.")
	addSwarmOptionFlags(f, &in.Opts, &in.TaskHistoryLimit)

	var jn SwarmJoin
	var jnAv string
	joinC := leaf("join [OPTIONS] HOST:PORT", "Join a swarm as a node and/or manager", exactArgs(1), func(cc *cobra.Command, a []string) error {
		jn.Remote = a[0]
		jn.Availability = nil
		if cc.Flags().Changed("availability") {
			v := jnAv
			jn.Availability = &v
		}
		res.cmd = jn
		return nil
	})
	f = joinC.Flags()
	f.StringVar(&jn.ListenAddr, "listen-addr", "0.0.0.0:2377", `Listen address (format: "<ip|interface>[:port]")`)
	f.StringVar(&jn.AdvertiseAddr, "advertise-addr", "", `Advertised address (format: "<ip|interface>[:port]")`)
	f.StringVar(&jn.Token, "token", "", "Token for entry into the swarm")
	f.StringVar(&jnAv, "availability", "active", `Availability of the node ("active", "pause", "drain")`)

	var jt SwarmJoinToken
	tokenC := leaf("join-token [OPTIONS] (worker|manager)", "Manage join tokens", exactArgs(1), func(_ *cobra.Command, a []string) error {
		jt.Role = a[0]
		res.cmd = jt
		return nil
	})
	BoolFlag(tokenC.Flags(), &jt.Rotate, "rotate", "", "Rotate join token")
	BoolFlag(tokenC.Flags(), &jt.Quiet, "quiet", "q", "Only display token")

	var lv SwarmLeave
	leaveC := leaf("leave [OPTIONS]", "Leave the swarm", noArgs, func(_ *cobra.Command, _ []string) error {
		res.cmd = lv
		return nil
	})
	BoolFlag(leaveC.Flags(), &lv.Force, "force", "f", "Force this node to leave the swarm, ignoring warnings")

	var up SwarmUpdate
	var upLock bool
	updateC := leaf("update [OPTIONS]", "Update the swarm", noArgs, func(cc *cobra.Command, _ []string) error {
		if cc.Flags().NFlag() == 0 {
			res.cmd = Help{Text: usageText(cc)}
			return nil
		}
		up.Opts.Autolock = nil
		if cc.Flags().Changed("autolock") {
			v := upLock
			up.Opts.Autolock = &v
		}
		res.cmd = up
		return nil
	})
	BoolFlag(updateC.Flags(), &upLock, "autolock", "", "Change manager autolocking setting (true|false)")
	addSwarmOptionFlags(updateC.Flags(), &up.Opts, &up.TaskHistoryLimit)

	unsupported := func(use, short string) *cobra.Command {
		name, _, _ := strings.Cut(use, " ")
		return leaf(use, short, noArgs, func(_ *cobra.Command, _ []string) error {
			res.cmd = SwarmUnsupported{Name: name}
			return nil
		})
	}
	return []*cobra.Command{initC, joinC, tokenC, leaveC, updateC,
		unsupported("ca [OPTIONS]", "Display and rotate the root CA"),
		unsupported("unlock", "Unlock swarm"),
		unsupported("unlock-key [OPTIONS]", "Manage the unlock key")}
}

func validCIDR(s string) error {
	if _, _, err := net.ParseCIDR(s); err != nil {
		return fmt.Errorf("invalid CIDR address: %s", s)
	}
	return nil
}
