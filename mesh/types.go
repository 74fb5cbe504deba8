package mesh

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Protocol is the transport protocol of a published port. Each protocol has
// its own port space: 53/tcp and 53/udp never conflict.
type Protocol uint8

// Protocols, with SwarmKit's values (api.PortConfig_Protocol).
const (
	TCP  Protocol = 0
	UDP  Protocol = 1
	SCTP Protocol = 2

	numProtocols = 3
)

// String returns the API string: "tcp", "udp" or "sctp".
func (p Protocol) String() string {
	switch p {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	case SCTP:
		return "sctp"
	}
	return "Protocol(" + strconv.Itoa(int(p)) + ")"
}

func (p Protocol) valid() bool { return p < numProtocols }

// ParseProtocol reads "tcp", "udp" or "sctp", case-insensitively. The empty
// string means tcp (the engine's default for a missing protocol). Anything
// else gives the CLI's `invalid protocol value '<v>'`.
func ParseProtocol(s string) (Protocol, error) {
	switch strings.ToLower(s) {
	case "", "tcp":
		return TCP, nil
	case "udp":
		return UDP, nil
	case "sctp":
		return SCTP, nil
	}
	return TCP, fmt.Errorf("invalid protocol value '%s'", s)
}

// PublishMode says how a port is published.
type PublishMode uint8

// Publish modes, with SwarmKit's values (api.PortConfig_PublishMode).
const (
	// Ingress publishes through the routing mesh: the port is open on every
	// node. It is the default.
	Ingress PublishMode = 0
	// Host binds the port only on the nodes that run a task of the service.
	Host PublishMode = 1
)

// String returns the API string: "ingress" or "host".
func (m PublishMode) String() string {
	switch m {
	case Ingress:
		return "ingress"
	case Host:
		return "host"
	}
	return "PublishMode(" + strconv.Itoa(int(m)) + ")"
}

// ParsePublishMode reads "ingress" or "host", case-insensitively; empty means
// ingress. Anything else gives the CLI's
// `invalid publish mode value (<v>): must be either 'ingress' or 'host'`.
func ParsePublishMode(s string) (PublishMode, error) {
	switch strings.ToLower(s) {
	case "", "ingress":
		return Ingress, nil
	case "host":
		return Host, nil
	}
	return Ingress, fmt.Errorf("invalid publish mode value (%s): must be either 'ingress' or 'host'", s)
}

// ResolutionMode is how other tasks find the service: through a virtual IP or
// by DNS round robin.
type ResolutionMode uint8

// Resolution modes, with SwarmKit's values (api.EndpointSpec_ResolutionMode).
const (
	// VIP gives the service a virtual IP that load-balances to its tasks. It
	// is the default, and the routing mesh needs it.
	VIP ResolutionMode = 0
	// DNSRR answers a lookup of the service name with its tasks' addresses.
	DNSRR ResolutionMode = 1
)

// String returns the API string: "vip" or "dnsrr".
func (r ResolutionMode) String() string {
	switch r {
	case VIP:
		return "vip"
	case DNSRR:
		return "dnsrr"
	}
	return "ResolutionMode(" + strconv.Itoa(int(r)) + ")"
}

// ParseResolutionMode reads the engine API's "vip" or "dnsrr"; the empty string
// means vip. Like the engine (daemon/cluster/convert) it is case-sensitive (the
// CLI lower-cases --endpoint-mode before sending it); anything else gives
// `invalid resolution mode: "<mode>"`.
func ParseResolutionMode(s string) (ResolutionMode, error) {
	switch s {
	case "", "vip":
		return VIP, nil
	case "dnsrr":
		return DNSRR, nil
	}
	return VIP, fmt.Errorf("invalid resolution mode: %q", s)
}

// PortConfig is one published port of a service (SwarmKit api.PortConfig).
type PortConfig struct {
	// Name is free text. The CLI cannot set it, but it is part of the
	// allocator's identity of a port (see Allocator.Allocate).
	Name     string
	Protocol Protocol
	// TargetPort is the port inside the container.
	TargetPort uint32
	// PublishedPort is the port on the swarm's nodes. 0 means unspecified:
	// an ingress port is then allocated from 30000-32767, a host port gets an
	// ephemeral port from the engine.
	PublishedPort uint32
	PublishMode   PublishMode
}

// String renders the port as the CLI's --publish-add/--publish-rm key:
// `published:target/proto/mode`.
func (p PortConfig) String() string {
	return strconv.FormatUint(uint64(p.PublishedPort), 10) + ":" +
		strconv.FormatUint(uint64(p.TargetPort), 10) + "/" + p.Protocol.String() + "/" + p.PublishMode.String()
}

// EndpointSpec is what a user asks for a service's endpoint (SwarmKit
// api.EndpointSpec): a resolution mode and published ports.
type EndpointSpec struct {
	Mode  ResolutionMode
	Ports []PortConfig
}

// Texts of validateEndpointSpec (manager/controlapi/service.go). Both are
// InvalidArgument errors in SwarmKit.
const (
	errTextDNSRRIngress   = "EndpointSpec: port published with ingress mode can't be used with dnsrr mode"
	errTextDuplicatePorts = "EndpointSpec: duplicate published ports provided"
)

// Validate applies SwarmKit's validateEndpointSpec
// (manager/controlapi/service.go), in its
// order, port by port:
//
//   - dnsrr with any ingress port, even one with published port 0:
//     `EndpointSpec: port published with ingress mode can't be used with dnsrr mode`;
//   - two ports with the same non-zero published port and the same protocol,
//     whatever their publish modes:
//     `EndpointSpec: duplicate published ports provided`.
//
// A repeated target port is fine, and so is the same number with another
// protocol. Validate also refuses enum values outside the API's (a protocol,
// publish mode or resolution mode that no API string converts to); SwarmKit's
// API cannot receive those, so those texts are swarmsim's own.
func (e EndpointSpec) Validate() error {
	if e.Mode > DNSRR {
		return fmt.Errorf("EndpointSpec: invalid resolution mode %s", e.Mode)
	}
	seen := make(map[uint64]struct{}, len(e.Ports))
	for _, p := range e.Ports {
		if !p.Protocol.valid() {
			return fmt.Errorf("EndpointSpec: invalid protocol %s", p.Protocol)
		}
		if p.PublishMode > Host {
			return fmt.Errorf("EndpointSpec: invalid publish mode %s", p.PublishMode)
		}
		if e.Mode == DNSRR && p.PublishMode == Ingress {
			return errors.New(errTextDNSRRIngress)
		}
		if p.PublishedPort == 0 {
			continue
		}
		k := keyOf(p.PublishedPort, p.Protocol)
		if _, dup := seen[k]; dup {
			return errors.New(errTextDuplicatePorts)
		}
		seen[k] = struct{}{}
	}
	return nil
}

// Equal reports whether two specs are the same: same mode and the same ports
// in the same order. A nil and an empty port list are equal (SwarmKit's
// reflect.DeepEqual would tell them apart, but a spec without ports never
// conflicts, so the difference cannot be observed).
func (e EndpointSpec) Equal(o EndpointSpec) bool {
	return e.Mode == o.Mode && slices.Equal(e.Ports, o.Ports)
}

// Clone returns a copy of the spec that shares no memory with it.
func (e EndpointSpec) Clone() EndpointSpec {
	return EndpointSpec{Mode: e.Mode, Ports: clonePorts(e.Ports)}
}

func clonePorts(ps []PortConfig) []PortConfig {
	if len(ps) == 0 {
		return nil
	}
	return slices.Clone(ps)
}

// portKey identifies a published port: (protocol, port number).
type portKey = uint64

func keyOf(port uint32, p Protocol) portKey { return uint64(p)<<32 | uint64(port) }

// Ports swarm itself uses (docs/swarm-behaviour.md, ports swarm uses).
const (
	// ClusterPort is the manager's listen port (--listen-addr 0.0.0.0:2377).
	ClusterPort uint32 = 2377
	// GossipPort carries node discovery and the overlay networks' control
	// plane, over both tcp and udp.
	GossipPort uint32 = 7946
	// DataPathPort carries VXLAN overlay and ingress traffic over udp. Swarm
	// can move it with `docker swarm init --data-path-port`; this model keeps
	// the default.
	DataPathPort uint32 = 4789
)

// SwarmPort is one port swarm itself needs open between its nodes.
type SwarmPort struct {
	Port     uint32
	Protocol Protocol
	Purpose  string
}

// SwarmPorts returns the ports swarm itself needs open on every node
// (docs/swarm-behaviour.md), in a new slice on each call. Encrypted overlay networks
// also need IP protocol 50 (ESP), which is not a port and is not modelled.
func SwarmPorts() []SwarmPort {
	return []SwarmPort{
		{ClusterPort, TCP, "cluster management: manager API, raft, node-to-manager communication"},
		{GossipPort, TCP, "gossip: node and overlay network discovery (container network discovery)"},
		{GossipPort, UDP, "gossip: node and overlay network discovery (container network discovery)"},
		{DataPathPort, UDP, "VXLAN data path: overlay and ingress network traffic"},
	}
}
