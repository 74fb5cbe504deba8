package mesh

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// API strings of the enums (moby's api/types/swarm package, converted in
// daemon/cluster/convert/service.go).
func TestEnumStrings(t *testing.T) {
	got := []string{TCP.String(), UDP.String(), SCTP.String(), Protocol(9).String(),
		Ingress.String(), Host.String(), PublishMode(7).String(),
		VIP.String(), DNSRR.String(), ResolutionMode(4).String()}
	want := []string{"tcp", "udp", "sctp", "Protocol(9)", "ingress", "host", "PublishMode(7)", "vip", "dnsrr", "ResolutionMode(4)"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

func TestParse(t *testing.T) {
	type res struct {
		V   string
		Err string
	}
	tests := []struct {
		in   string
		kind string
		want res
	}{
		{"tcp", "proto", res{"tcp", ""}},
		{"UDP", "proto", res{"udp", ""}},
		{"Sctp", "proto", res{"sctp", ""}},
		{"", "proto", res{"tcp", ""}},
		{"xyz", "proto", res{"tcp", "invalid protocol value 'xyz'"}},
		{"host", "mode", res{"host", ""}},
		{"INGRESS", "mode", res{"ingress", ""}},
		{"", "mode", res{"ingress", ""}},
		{"bad", "mode", res{"ingress", "invalid publish mode value (bad): must be either 'ingress' or 'host'"}},
		// moby daemon/cluster/convert/service.go: "", vip, dnsrr; exact case.
		{"", "res", res{"vip", ""}},
		{"vip", "res", res{"vip", ""}},
		{"dnsrr", "res", res{"dnsrr", ""}},
		{"VIP", "res", res{"vip", `invalid resolution mode: "VIP"`}},
		{"rr", "res", res{"vip", `invalid resolution mode: "rr"`}},
	}
	for _, tt := range tests {
		var got res
		switch tt.kind {
		case "proto":
			v, err := ParseProtocol(tt.in)
			got = res{v.String(), errText(err)}
		case "mode":
			v, err := ParsePublishMode(tt.in)
			got = res{v.String(), errText(err)}
		case "res":
			v, err := ParseResolutionMode(tt.in)
			got = res{v.String(), errText(err)}
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s %q (-want +got)\n%s", tt.kind, tt.in, d)
		}
	}
}

// manager/controlapi/service.go: validateEndpointSpec.
func TestValidate(t *testing.T) {
	const dnsrr = "EndpointSpec: port published with ingress mode can't be used with dnsrr mode"
	const dup = "EndpointSpec: duplicate published ports provided"
	tests := []struct {
		name string
		spec EndpointSpec
		want string
	}{
		{"empty", EndpointSpec{}, ""},
		{"vip ingress", EndpointSpec{Ports: []PortConfig{{TargetPort: 80, PublishedPort: 8080}}}, ""},
		{"dnsrr ingress", EndpointSpec{Mode: DNSRR, Ports: []PortConfig{{TargetPort: 80, PublishedPort: 8080}}}, dnsrr},
		// The dnsrr check runs before the published-0 skip.
		{"dnsrr ingress published 0", EndpointSpec{Mode: DNSRR, Ports: []PortConfig{{TargetPort: 80}}}, dnsrr},
		{"dnsrr host", EndpointSpec{Mode: DNSRR, Ports: []PortConfig{{TargetPort: 80, PublishedPort: 8080, PublishMode: Host}}}, ""},
		{"vip host", EndpointSpec{Ports: []PortConfig{{TargetPort: 80, PublishedPort: 8080, PublishMode: Host}}}, ""},
		{"duplicate", EndpointSpec{Ports: []PortConfig{{TargetPort: 80, PublishedPort: 8080}, {TargetPort: 81, PublishedPort: 8080}}}, dup},
		// The publish mode is ignored by the duplicate check.
		{"duplicate across modes", EndpointSpec{Ports: []PortConfig{{TargetPort: 80, PublishedPort: 8080}, {TargetPort: 80, PublishedPort: 8080, PublishMode: Host}}}, dup},
		// 53/tcp and 53/udp are different ports (the seed's -p 53:53/tcp -p 53:53/udp).
		{"53 tcp and udp", EndpointSpec{Ports: []PortConfig{{TargetPort: 53, PublishedPort: 53}, {Protocol: UDP, TargetPort: 53, PublishedPort: 53}}}, ""},
		{"repeated target", EndpointSpec{Ports: []PortConfig{{TargetPort: 80, PublishedPort: 8080}, {TargetPort: 80, PublishedPort: 8081}}}, ""},
		{"two dynamic", EndpointSpec{Ports: []PortConfig{{TargetPort: 80}, {TargetPort: 80}}}, ""},
		{"bad protocol", EndpointSpec{Ports: []PortConfig{{Protocol: 5, TargetPort: 80}}}, "EndpointSpec: invalid protocol Protocol(5)"},
		{"bad mode", EndpointSpec{Ports: []PortConfig{{PublishMode: 3, TargetPort: 80}}}, "EndpointSpec: invalid publish mode PublishMode(3)"},
		{"bad resolution", EndpointSpec{Mode: 2}, "EndpointSpec: invalid resolution mode ResolutionMode(2)"},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, errText(tt.spec.Validate())); d != "" {
			t.Errorf("%s: (-want +got)\n%s", tt.name, d)
		}
	}
}

func TestEqual(t *testing.T) {
	a := EndpointSpec{Ports: []PortConfig{{TargetPort: 80, PublishedPort: 8080}}}
	tests := []struct {
		name string
		b    EndpointSpec
		want bool
	}{
		{"same", a.Clone(), true},
		{"mode", EndpointSpec{Mode: DNSRR, Ports: a.Ports}, false},
		{"port", EndpointSpec{Ports: []PortConfig{{TargetPort: 80, PublishedPort: 8081}}}, false},
		{"name", EndpointSpec{Ports: []PortConfig{{Name: "web", TargetPort: 80, PublishedPort: 8080}}}, false},
		{"none", EndpointSpec{}, false},
	}
	for _, tt := range tests {
		if got := a.Equal(tt.b); got != tt.want {
			t.Errorf("%s: Equal = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !(EndpointSpec{}).Equal(EndpointSpec{Ports: []PortConfig{}}) {
		t.Error("nil and empty port lists should be equal")
	}
}

// docs/swarm-behaviour.md (ports swarm uses) and the seed: 7946 tcp/udp and
// 4789 udp, plus 2377/tcp.
func TestSwarmPorts(t *testing.T) {
	var got []string
	for _, p := range SwarmPorts() {
		got = append(got, FormatHostPorts([]PortConfig{{PublishedPort: p.Port, TargetPort: p.Port, Protocol: p.Protocol, PublishMode: Host}}))
	}
	want := []string{"*:2377->2377/tcp", "*:7946->7946/tcp", "*:7946->7946/udp", "*:4789->4789/udp"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	// Each call returns a fresh slice: changing one does not change the next.
	ps := SwarmPorts()
	ps[0].Port = 1
	if got := SwarmPorts()[0].Port; got != ClusterPort {
		t.Errorf("SwarmPorts()[0].Port = %d after changing an earlier result, want %d", got, ClusterPort)
	}
}
