package dockercli

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/swarm"
	"github.com/spf13/cobra"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/internal/dockerfmt"
)

// NetworkCreate is `docker network create`.
type NetworkCreate struct {
	Name       string
	Driver     string
	Opts       []string
	Labels     []string
	Internal   bool
	Attachable bool
	Ingress    bool
	Scope      string
	Subnets    []string
	Gateways   []net.IP
	// Flags accepted for Docker's sake and refused when they ask for what
	// is not simulated.
	IPv4, IPv6             bool
	IPRanges               []string
	AuxAddresses, IPAMOpts []string
	IPAMDriver             string
	ConfigOnly             bool
	ConfigFrom             string
}

// NetworkLs is `docker network ls`.
type NetworkLs struct {
	Quiet, NoTrunc bool
	Format         string
	Filters        []string
}

// NetworkInspect is `docker network inspect`.
type NetworkInspect struct {
	Refs    []string
	Format  string
	Verbose bool
}

// NetworkRm is `docker network rm`.
type NetworkRm struct {
	Refs  []string
	Force bool
}

func (NetworkCreate) commandName() string  { return "docker network create" }
func (NetworkLs) commandName() string      { return "docker network ls" }
func (NetworkInspect) commandName() string { return "docker network inspect" }
func (NetworkRm) commandName() string      { return "docker network rm" }

// objectCommand is a command of network.go or secret.go: it runs itself.
type objectCommand interface {
	Command
	run(s *Session, stdout, stderr io.Writer) error
}

func (c NetworkCreate) run(s *Session, stdout, _ io.Writer) error { return s.networkCreate(c, stdout) }
func (c NetworkLs) run(s *Session, stdout, _ io.Writer) error     { return s.networkLs(c, stdout) }
func (c NetworkInspect) run(s *Session, stdout, _ io.Writer) error {
	return s.networkInspect(c, stdout)
}
func (c NetworkRm) run(s *Session, stdout, stderr io.Writer) error {
	return s.networkRm(c, stdout, stderr)
}

// ---- parsing (docker/cli cli/command/network) ----

func networkCmd(res *result) *cobra.Command {
	g := group(res, "network", "Manage networks")
	cr := NetworkCreate{IPv4: true}
	create := leaf("create [OPTIONS] NETWORK", "Create a network", exactArgs(1), func(_ *cobra.Command, a []string) error {
		cr.Name = a[0]
		res.cmd = cr
		return nil
	})
	// docker/cli cli/command/network/create.go newCreateCommand
	fs := create.Flags()
	fs.StringVarP(&cr.Driver, "driver", "d", "bridge", "Driver to manage the Network")
	fs.VarP(mapValue{&cr.Opts}, "opt", "o", "Set driver specific options")
	fs.Var(listValue{&cr.Labels, validateLabel}, "label", "Set metadata on a network")
	BoolFlag(fs, &cr.Internal, "internal", "", "Restrict external access to the network")
	BoolFlag(fs, &cr.IPv4, "ipv4", "", "Enable or disable IPv4 address assignment")
	BoolFlag(fs, &cr.IPv6, "ipv6", "", "Enable or disable IPv6 address assignment")
	BoolFlag(fs, &cr.Attachable, "attachable", "", "Enable manual container attachment")
	BoolFlag(fs, &cr.Ingress, "ingress", "", "Create swarm routing-mesh network")
	fs.StringVar(&cr.Scope, "scope", "", "Control the network's scope")
	BoolFlag(fs, &cr.ConfigOnly, "config-only", "", "Create a configuration only network")
	fs.StringVar(&cr.ConfigFrom, "config-from", "", "The network from which to copy the configuration")
	fs.StringVar(&cr.IPAMDriver, "ipam-driver", "default", "IP Address Management Driver")
	fs.StringSliceVar(&cr.Subnets, "subnet", []string{}, "Subnet in CIDR format that represents a network segment")
	fs.Var(ipNetSliceValue{&cr.IPRanges}, "ip-range", "Allocate container ip from a sub-range")
	fs.Var(ipSliceValue{&cr.Gateways}, "gateway", "IPv4 or IPv6 Gateway for the master subnet")
	fs.Var(mapValue{&cr.AuxAddresses}, "aux-address", "Auxiliary IPv4 or IPv6 addresses used by Network driver")
	fs.Var(mapValue{&cr.IPAMOpts}, "ipam-opt", "Set IPAM driver specific options")

	var ls NetworkLs
	list := leaf("ls [OPTIONS]", "List networks", noArgs, func(_ *cobra.Command, _ []string) error {
		res.cmd = ls
		return nil
	}, "list")
	lf := list.Flags()
	BoolFlag(lf, &ls.Quiet, "quiet", "q", "Only display network IDs")
	BoolFlag(lf, &ls.NoTrunc, "no-trunc", "", "Do not truncate the output")
	lf.StringVar(&ls.Format, "format", "", formatHelp)
	lf.VarP(filterValue{&ls.Filters}, "filter", "f", `Provide filter values (e.g. "driver=bridge")`)

	var in NetworkInspect
	inspect := leaf("inspect [OPTIONS] NETWORK [NETWORK...]", "Display detailed information on one or more networks", minArgs(1), func(_ *cobra.Command, a []string) error {
		in.Refs = a
		res.cmd = in
		return nil
	})
	inspect.Flags().StringVarP(&in.Format, "format", "f", "", inspectFormatHelp)
	BoolFlag(inspect.Flags(), &in.Verbose, "verbose", "v", "Verbose output for diagnostics")

	var rm NetworkRm
	remove := leaf("rm NETWORK [NETWORK...]", "Remove one or more networks", minArgs(1), func(_ *cobra.Command, a []string) error {
		rm.Refs = a
		res.cmd = rm
		return nil
	}, "remove")
	BoolFlag(remove.Flags(), &rm.Force, "force", "f", "Do not error if the network does not exist")
	g.AddCommand(create, inspect, list, remove)
	return g
}

// ipSliceValue is pflag's ipSlice flag (comma-separated IPs, added up),
// whose empty default docker's help does not print.
type ipSliceValue struct{ p *[]net.IP }

func (v ipSliceValue) Set(s string) error {
	for _, f := range strings.Split(strings.TrimSpace(s), ",") {
		ip := net.ParseIP(strings.TrimSpace(f))
		if ip == nil {
			return fmt.Errorf("invalid string being converted to IP address: %s", f)
		}
		*v.p = append(*v.p, ip)
	}
	return nil
}
func (v ipSliceValue) Type() string { return "ipSlice" }
func (v ipSliceValue) String() string {
	if len(*v.p) == 0 {
		return ""
	}
	out := make([]string, len(*v.p))
	for i, ip := range *v.p {
		out[i] = ip.String()
	}
	return "[" + strings.Join(out, ",") + "]"
}

// mapValue is docker/cli's MapOpts: key=value pairs, shown as a map.
type mapValue struct{ p *[]string }

func (v mapValue) Set(s string) error { *v.p = append(*v.p, s); return nil }
func (v mapValue) Type() string       { return "map" }
func (v mapValue) String() string {
	return fmt.Sprint(kvToMap(*v.p))
}

// ipNetSliceValue is pflag's ipNetSlice flag.
type ipNetSliceValue struct{ p *[]string }

func (v ipNetSliceValue) Set(s string) error {
	for _, f := range strings.Split(strings.TrimSpace(s), ",") {
		_, n, err := net.ParseCIDR(strings.TrimSpace(f))
		if err != nil {
			return fmt.Errorf("invalid string being converted to CIDR: %s", f)
		}
		*v.p = append(*v.p, n.String())
	}
	return nil
}
func (v ipNetSliceValue) Type() string { return "ipNetSlice" }
func (v ipNetSliceValue) String() string {
	if len(*v.p) == 0 {
		return ""
	}
	return "[" + strings.Join(*v.p, ",") + "]"
}

// ---- the engine's local networks ----

// localNet is a network of the manager's engine: bridge, docker_gwbridge,
// host, none, and those created with a local driver.
type localNet struct {
	id, name, driver string
	created          time.Time
	subnet           netip.Prefix
	gateway          netip.Addr // zero: the subnet's first address
	internal         bool
	attachable       bool
	labels           map[string]string
	options          map[string]string
	builtin          bool
}

// localNets returns the engine's networks, made on first use: IDs of 64
// hex digits drawn from the session's seed, subnets from Docker's local
// pool (172.17.0.0/16 for bridge, then 172.18.0.0/16 ...).
func (s *Session) localNets() []*localNet {
	if s.locals != nil {
		return s.locals
	}
	s.localIDs = rand.New(rand.NewPCG(s.seed, 0x10ca1))
	at := s.swarm().Epoch()
	bridgeOpts := map[string]string{
		"com.docker.network.bridge.default_bridge":       "true",
		"com.docker.network.bridge.enable_icc":           "true",
		"com.docker.network.bridge.enable_ip_masquerade": "true",
		"com.docker.network.bridge.host_binding_ipv4":    "0.0.0.0",
		"com.docker.network.bridge.name":                 "docker0",
		"com.docker.network.driver.mtu":                  "1500",
	}
	gwOpts := map[string]string{
		"com.docker.network.bridge.enable_icc":           "false",
		"com.docker.network.bridge.enable_ip_masquerade": "true",
		"com.docker.network.bridge.name":                 "docker_gwbridge",
	}
	s.locals = []*localNet{
		{id: s.localID(), name: "bridge", driver: "bridge", subnet: netip.MustParsePrefix("172.17.0.0/16"), options: bridgeOpts, builtin: true},
		{id: s.localID(), name: "docker_gwbridge", driver: "bridge", subnet: netip.MustParsePrefix("172.18.0.0/16"), options: gwOpts},
		{id: s.localID(), name: "host", driver: "host", builtin: true},
		{id: s.localID(), name: "none", driver: "null", builtin: true},
	}
	for _, n := range s.locals {
		n.created = at
	}
	return s.locals
}

func (s *Session) localID() string {
	var b [32]byte
	for i := 0; i < len(b); i += 8 {
		v := s.localIDs.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return hex.EncodeToString(b[:])
}

// findLocal finds a local network by full ID, name or unique ID prefix.
func (s *Session) findLocal(ref string) *localNet {
	for _, n := range s.localNets() {
		if n.id == ref || n.name == ref {
			return n
		}
	}
	var found *localNet
	for _, n := range s.localNets() {
		if ref != "" && strings.HasPrefix(n.id, ref) {
			if found != nil {
				return nil
			}
			found = n
		}
	}
	return found
}

// ---- create ----

// swarmDrivers are the drivers whose networks the swarm manages.
func swarmScoped(c NetworkCreate) bool {
	return c.Driver == "overlay" || c.Scope == "swarm" || c.Ingress
}

func (s *Session) networkCreate(c NetworkCreate, stdout io.Writer) error {
	cl := s.swarm()
	// docker/cli cli/command/network/create.go createIPAMConfig
	if len(c.Subnets) < len(c.IPRanges) || len(c.Subnets) < len(c.Gateways) {
		return errors.New("every ip-range or gateway must have a corresponding subnet")
	}
	var subnets []netip.Prefix
	for _, sn := range c.Subnets {
		p, err := netip.ParsePrefix(sn)
		if err != nil {
			return err
		}
		for _, q := range subnets {
			if q.Overlaps(p) {
				return errors.New("multiple overlapping subnet configuration is not supported")
			}
		}
		subnets = append(subnets, p)
	}
	for _, r := range c.IPRanges {
		p := netip.MustParsePrefix(r)
		if !slices.ContainsFunc(subnets, func(q netip.Prefix) bool { return q.Contains(p.Addr()) && q.Bits() <= p.Bits() }) {
			return fmt.Errorf("no matching subnet for range %s", r)
		}
	}
	switch {
	case len(subnets) > 1:
		return errors.New("swarmsim: one subnet per network is simulated")
	case !c.IPv4 || c.IPv6:
		return errors.New("swarmsim: only IPv4 networks are simulated")
	case len(c.IPRanges) > 0 || len(c.AuxAddresses) > 0 || len(c.IPAMOpts) > 0 || c.IPAMDriver != "default":
		return errors.New("swarmsim: only the default IPAM driver without ranges, auxiliary addresses or options is simulated")
	case c.ConfigOnly || c.ConfigFrom != "":
		return errors.New("swarmsim: configuration-only networks are not simulated")
	}
	if len(c.Gateways) > 0 {
		g, _ := netip.AddrFromSlice(c.Gateways[0])
		if !subnets[0].Contains(g.Unmap()) {
			return fmt.Errorf("no matching subnet for gateway %s", c.Gateways[0])
		}
	}
	// the daemon: a name any network has is taken (postNetworkCreate,
	// libnetwork NetworkNameError); the predefined names are refused
	// (PredefinedNetworkError)
	if c.Name == "" {
		// libnetwork controller.NewNetwork, which also validates a swarm
		// network before the daemon hands it to SwarmKit
		return daemonMsg("invalid name: name is empty")
	}
	if n := s.findLocal(c.Name); n != nil && n.name == c.Name && !n.builtin {
		return daemonMsg(fmt.Sprintf("network with name %s already exists", c.Name))
	}
	if !swarmScoped(c) {
		return s.createLocal(c, subnets, stdout)
	}
	spec := swarmsim.NetworkSpec{Name: c.Name, Driver: c.Driver, Labels: kvToMap(c.Labels), DriverOpts: kvToMap(c.Opts),
		Attachable: c.Attachable, Internal: c.Internal, Ingress: c.Ingress}
	if len(c.Labels) == 0 {
		spec.Labels = nil
	}
	if len(c.Opts) == 0 {
		spec.DriverOpts = nil
	}
	if len(subnets) > 0 {
		spec.Subnet = subnets[0]
	}
	if len(c.Gateways) > 0 {
		g, _ := netip.AddrFromSlice(c.Gateways[0])
		spec.Gateway = g.Unmap()
	}
	n, err := cl.CreateNetwork(spec)
	if err != nil {
		return daemon(err)
	}
	fmt.Fprintln(stdout, n.ID)
	return nil
}

// localDrivers are the drivers an engine has for local networks.
var localDrivers = []string{"bridge", "ipvlan", "macvlan"}

func (s *Session) createLocal(c NetworkCreate, subnets []netip.Prefix, stdout io.Writer) error {
	if swarmsim.IsPredefinedNetwork(c.Name) {
		return daemonMsg(fmt.Sprintf("operation is not permitted on predefined %s network ", c.Name))
	}
	if !slices.Contains(localDrivers, c.Driver) {
		if c.Driver == "host" || c.Driver == "null" {
			return daemonMsg(fmt.Sprintf("only one instance of \"%s\" network is allowed", c.Driver))
		}
		return daemonMsg(fmt.Sprintf("plugin \"%s\" not found", c.Driver))
	}
	if _, err := s.swarm().Network(c.Name); err == nil {
		return daemonMsg(fmt.Sprintf("network with name %s already exists", c.Name))
	}
	n := &localNet{id: s.localID(), name: c.Name, driver: c.Driver, created: s.c.Now(), internal: c.Internal,
		attachable: c.Attachable, labels: kvToMap(c.Labels), options: kvToMap(c.Opts)}
	if len(c.Gateways) > 0 {
		g, _ := netip.AddrFromSlice(c.Gateways[0])
		n.gateway = g.Unmap()
	}
	if len(subnets) > 0 {
		n.subnet = subnets[0]
	} else {
		// the next /16 of Docker's local pool 172.17.0.0/16-172.31.0.0/16
		for b := 17; b < 32 && !n.subnet.IsValid(); b++ {
			p := netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(b), 0, 0}), 16)
			if !slices.ContainsFunc(s.locals, func(x *localNet) bool { return x.subnet.Overlaps(p) }) {
				n.subnet = p
			}
		}
	}
	s.locals = append(s.locals, n)
	fmt.Fprintln(stdout, n.id)
	return nil
}

// daemonMsg is an error the daemon returned, as docker prints it.
func daemonMsg(msg string) error { return errors.New("Error response from daemon: " + msg) }

// ---- ls ----

// netRow is one network of `docker network ls` (docker/cli
// cli/command/network/formatter.go networkContext).
type netRow struct {
	n     network.Inspect
	trunc bool
}

func (r *netRow) ID() string {
	if r.trunc {
		return dockerfmt.TruncateID(r.n.ID)
	}
	return r.n.ID
}
func (r *netRow) Name() string      { return r.n.Name }
func (r *netRow) Driver() string    { return r.n.Driver }
func (r *netRow) Scope() string     { return r.n.Scope }
func (r *netRow) IPv4() string      { return strconv.FormatBool(r.n.EnableIPv4) }
func (r *netRow) IPv6() string      { return strconv.FormatBool(r.n.EnableIPv6) }
func (r *netRow) Internal() string  { return strconv.FormatBool(r.n.Internal) }
func (r *netRow) CreatedAt() string { return r.n.Created.String() }
func (r *netRow) Labels() string    { return joinLabels(r.n.Labels) }
func (r *netRow) Label(name string) string {
	return r.n.Labels[name]
}
func (r *netRow) MarshalJSON() ([]byte, error) {
	return marshalMethods(map[string]any{"ID": r.ID(), "Name": r.Name(), "Driver": r.Driver(), "Scope": r.Scope(),
		"IPv4": r.IPv4(), "IPv6": r.IPv6(), "Internal": r.Internal(), "CreatedAt": r.CreatedAt(), "Labels": r.Labels()})
}

// joinLabels is docker/cli's Labels column: k=v pairs, sorted, joined by commas.
func joinLabels(labels map[string]string) string {
	out := make([]string, 0, len(labels))
	for k, v := range labels {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

var networkHeader = map[string]string{"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE",
	"IPv4": "IPV4", "IPv6": "IPV6", "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT"}

const defaultNetworkTable = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"

// allNetworks is what the daemon lists: the engine's local networks, then
// the swarm's.
func (s *Session) allNetworks() []network.Inspect {
	var out []network.Inspect
	for _, n := range s.localNets() {
		out = append(out, n.inspect())
	}
	// without a leader the daemon lists its own networks only
	// (getNetworksList ignores the cluster's error)
	if s.c.HasLeader() {
		for _, n := range s.c.Networks() {
			out = append(out, apiNetwork(n))
		}
	}
	return out
}

func (s *Session) networkLs(c NetworkLs, stdout io.Writer) error {
	f, err := parseFilters(c.Filters, "dangling", "driver", "id", "label", "name", "scope", "type")
	if err != nil {
		return err
	}
	for _, t := range f.m["type"] {
		if t != "custom" && t != "builtin" {
			return daemonMsg(fmt.Sprintf("invalid filter: 'type'='%s'", t))
		}
	}
	// dangling: custom networks nothing uses (ingress and docker_gwbridge
	// hold the ingress sandbox's endpoints)
	var dangling *bool
	for _, d := range f.m["dangling"] {
		b, err := strconv.ParseBool(d)
		if err != nil {
			return daemonMsg(fmt.Sprintf("invalid filter 'dangling=%s'", d))
		}
		dangling = &b
	}
	used := map[string]bool{}
	for _, svc := range s.swarm().Services() {
		for _, a := range svc.Spec.TaskTemplate.Networks {
			used[a.Target] = true
		}
	}
	nets := s.allNetworks()
	sort.SliceStable(nets, func(i, j int) bool { return dockerfmt.NaturalLess(nets[i].Name, nets[j].Name) })
	var rows []any
	for _, n := range nets {
		typ := "custom"
		if swarmsim.IsPredefinedNetwork(n.Name) {
			typ = "builtin"
		}
		if dangling != nil {
			d := typ == "custom" && !used[n.ID] && !n.Ingress && n.Name != "docker_gwbridge"
			if d != *dangling {
				continue
			}
		}
		if !f.matchRegexp("id", n.ID) || !f.matchRegexp("name", n.Name) || !f.matchExact("driver", n.Driver) ||
			!f.matchExact("scope", n.Scope) || !f.matchExact("type", typ) || !f.matchLabels(n.Labels) {
			continue
		}
		rows = append(rows, &netRow{n: n, trunc: !c.NoTrunc})
	}
	format := c.Format
	switch {
	case c.Quiet:
		format = "{{.ID}}"
	case format == "" || format == "table":
		format = defaultNetworkTable
	}
	return writeList(stdout, listFormat(format), networkHeader, rows)
}

// matchRegexp is the daemon's filters.Match: a value matches a filter
// that is a regular expression it matches (or, when the filter is not a
// valid one, a substring).
func (f *filters) matchRegexp(key, v string) bool {
	vals, ok := f.m[key]
	if !ok {
		return true
	}
	for _, x := range vals {
		if re, err := regexp.Compile(x); err == nil {
			if re.MatchString(v) {
				return true
			}
		} else if strings.Contains(v, x) {
			return true
		}
	}
	return false
}

// ---- inspect ----

// apiNetwork is a swarm network as the daemon shows it
// (daemon/cluster/convert/network.go BasicNetworkFromGRPC).
func apiNetwork(n *swarmsim.Network) network.Inspect {
	opts := map[string]string{"com.docker.network.driver.overlay.vxlanid_list": strconv.FormatUint(uint64(n.VXLANID), 10)}
	for k, v := range n.Spec.DriverOpts {
		opts[k] = v
	}
	return network.Inspect{Network: network.Network{
		Name: n.Spec.Name, ID: n.ID, Created: n.CreatedAt, Scope: "swarm", Driver: n.Spec.Driver,
		EnableIPv4: true,
		IPAM:       network.IPAM{Driver: "default", Config: []network.IPAMConfig{{Subnet: n.Subnet, Gateway: n.Gateway}}},
		Internal:   n.Spec.Internal, Attachable: n.Spec.Attachable, Ingress: n.Spec.Ingress,
		Options: opts, Labels: n.Spec.Labels,
	}}
}

func (n *localNet) inspect() network.Inspect {
	ipam := network.IPAM{Driver: "default", Config: []network.IPAMConfig{}}
	if n.subnet.IsValid() {
		gw := n.gateway
		if !gw.IsValid() {
			gw = n.subnet.Addr().Next()
		}
		ipam.Config = append(ipam.Config, network.IPAMConfig{Subnet: n.subnet, Gateway: gw})
	}
	labels := n.labels
	if labels == nil {
		labels = map[string]string{}
	}
	opts := n.options
	if opts == nil {
		opts = map[string]string{}
	}
	return network.Inspect{Network: network.Network{
		Name: n.name, ID: n.id, Created: n.created, Scope: "local", Driver: n.driver, EnableIPv4: true,
		IPAM: ipam, Internal: n.internal, Attachable: n.attachable, Options: opts, Labels: labels,
	}, Containers: map[string]network.EndpointResource{}}
}

func (s *Session) networkInspect(c NetworkInspect, stdout io.Writer) error {
	cl := s.swarm()
	if c.Verbose {
		return errors.New("swarmsim: the diagnostic view of --verbose (services and tasks per network) is not simulated")
	}
	var elems []any
	var errs []error
	for _, ref := range c.Refs {
		if n := s.findLocal(ref); n != nil {
			elems = append(elems, n.inspect())
			continue
		}
		if !cl.HasLeader() {
			errs = append(errs, daemon(swarmsim.ErrNoLeader))
			continue
		}
		n, err := cl.Network(ref)
		if err != nil {
			errs = append(errs, daemon(err))
			continue
		}
		elems = append(elems, apiNetwork(n))
	}
	return inspectOut(stdout, c.Format, elems, errs)
}

// ---- rm ----

// ingressWarning is docker/cli's prompt before removing the ingress
// network (cli/command/network/remove.go).
const ingressWarning = "WARNING! Before removing the routing-mesh network, " +
	"make sure all the nodes in your swarm run the same docker engine version. " +
	"Otherwise, removal may not be effective and functionality of newly create " +
	"ingress networks will be impaired.\nAre you sure you want to continue?"

func (s *Session) networkRm(c NetworkRm, stdout, stderr io.Writer) error {
	cl := s.swarm()
	failed := false
	for _, ref := range c.Refs {
		if n := s.findLocal(ref); n != nil {
			// the daemon's deleteNetwork (daemon/network.go); the
			// gateway bridge holds the ingress sandbox's endpoint
			if n.builtin {
				fmt.Fprintln(stderr, daemonMsg(fmt.Sprintf("%s is a pre-defined network and cannot be removed", n.name)))
				failed = true
				continue
			}
			if n.name == "docker_gwbridge" {
				fmt.Fprintln(stderr, daemonMsg("error while removing network: network docker_gwbridge has active endpoints (gateway_ingress-sbox)"))
				failed = true
				continue
			}
			s.locals = slices.DeleteFunc(s.locals, func(x *localNet) bool { return x == n })
			fmt.Fprintln(stdout, ref)
			continue
		}
		if n, err := cl.Network(ref); err == nil && n.Spec.Ingress {
			// internal/prompt Confirm: a "y" or "Y" line on the input goes
			// on. The transcript ends the prompt's line (a terminal
			// would echo the answer).
			fmt.Fprintf(stdout, "%s [y/N] \n", ingressWarning)
			if !s.confirm() {
				continue
			}
		}
		if err := cl.RemoveNetwork(ref); err != nil {
			if c.Force && errors.Is(err, swarmsim.ErrNotFound) {
				continue
			}
			fmt.Fprintln(stderr, daemon(err))
			failed = true
			continue
		}
		fmt.Fprintln(stdout, ref)
	}
	if failed {
		return &CLIError{Code: 1}
	}
	return nil
}

// ---- services ----

// serviceObjects does what docker and the daemon do with a service's
// networks, secrets and configs before SwarmKit sees them.
func (s *Session) serviceObjects(spec *swarmsim.ServiceSpec) error {
	if err := s.resolveSecretRefs(spec); err != nil {
		return err
	}
	return s.serviceNetworks(spec)
}

// serviceNetworks is the daemon's check of a service's networks before
// SwarmKit sees them (daemon/cluster/networks.go populateNetworkID): a
// local network other than the predefined ones cannot be used.
func (s *Session) serviceNetworks(spec *swarmsim.ServiceSpec) error {
	for _, a := range spec.TaskTemplate.Networks {
		if _, err := s.c.Network(a.Target); err == nil {
			continue
		}
		if n := s.findLocal(a.Target); n != nil && !swarmsim.IsPredefinedNetwork(n.name) {
			return daemonMsg(fmt.Sprintf("The network %s cannot be used with services. Only networks scoped to the swarm can be used, such as those created with the overlay driver.", n.name))
		}
	}
	return nil
}

// networkName is a network's name for `service inspect --pretty`, or the
// ID when it is gone (docker/cli service/formatter.go Networks).
func (s *Session) networkName(id string) string {
	if n, err := s.swarm().Network(id); err == nil && n.ID == id {
		return n.Spec.Name
	}
	return id
}

// apiNetworks converts a task template's networks to the Engine API's shape.
func apiNetworks(nets []swarmsim.NetworkAttachment) []swarm.NetworkAttachmentConfig {
	var out []swarm.NetworkAttachmentConfig
	for _, a := range nets {
		out = append(out, swarm.NetworkAttachmentConfig{Target: a.Target, Aliases: a.Aliases, DriverOpts: a.DriverOpts})
	}
	return out
}

// apiVIPs fills a service's virtual IPs (Endpoint.VirtualIPs).
func apiVIPs(out *swarm.Service, svc *swarmsim.Service) {
	if len(svc.VirtualIPs) == 0 {
		return
	}
	out.Endpoint.Spec = *out.Spec.EndpointSpec
	for _, v := range svc.VirtualIPs {
		out.Endpoint.VirtualIPs = append(out.Endpoint.VirtualIPs, swarm.EndpointVirtualIP{NetworkID: v.NetworkID, Addr: v.Addr})
	}
}
