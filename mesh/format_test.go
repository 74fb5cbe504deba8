package mesh

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// docker/cli's serviceContext.Ports (cli/command/service/formatter.go, the
// service ls PORTS column) and its comments.
func TestFormatIngressPorts(t *testing.T) {
	udp := func(target, pub uint32) PortConfig {
		return PortConfig{Protocol: UDP, TargetPort: target, PublishedPort: pub}
	}
	tests := []struct {
		name  string
		ports []PortConfig
		want  string
	}{
		{"none", nil, ""},
		{"one", []PortConfig{ing(80, 8080)}, "*:8080->80/tcp"},
		{"dynamic", []PortConfig{ing(80, 30000)}, "*:30000->80/tcp"},
		{"53 tcp and udp", []PortConfig{udp(53, 53), ing(53, 53)}, "*:53->53/tcp, *:53->53/udp"},
		{"consecutive range", []PortConfig{ing(81, 81), ing(80, 80)}, "*:80-81->80-81/tcp"},
		{"many to one", []PortConfig{ing(80, 80), ing(80, 81)}, "*:80-81->80/tcp"},
		{"range then overlap", []PortConfig{ing(80, 80), ing(81, 81), ing(80, 82)}, "*:80-81->80-81/tcp, *:82->80/tcp"},
		{"gap", []PortConfig{ing(80, 80), ing(82, 82)}, "*:80->80/tcp, *:82->82/tcp"},
		{"host ports hidden", []PortConfig{hostPort(80, 8080), ing(443, 443)}, "*:443->443/tcp"},
		{"only host", []PortConfig{hostPort(80, 8080)}, ""},
		{"sctp sorts first", []PortConfig{ing(1, 10), {Protocol: SCTP, TargetPort: 2, PublishedPort: 20}}, "*:20->2/sctp, *:10->1/tcp"},
		{"range 8000-8002:80", []PortConfig{ing(80, 8000), ing(80, 8001), ing(80, 8002)}, "*:8000-8002->80/tcp"},
	}
	for _, tt := range tests {
		before := clonePorts(tt.ports)
		if d := cmp.Diff(tt.want, FormatIngressPorts(tt.ports)); d != "" {
			t.Errorf("%s (-want +got)\n%s", tt.name, d)
		}
		if d := cmp.Diff(before, tt.ports); d != "" {
			t.Errorf("%s: input modified", tt.name)
		}
	}
}

// docker/cli's taskContext.Ports (cli/command/task/formatter.go, the service
// ps PORTS column): host-mode ports only, joined by ",".
func TestFormatHostPorts(t *testing.T) {
	tests := []struct {
		ports []PortConfig
		want  string
	}{
		{nil, ""},
		{[]PortConfig{hostPort(80, 8080)}, "*:8080->80/tcp"},
		{[]PortConfig{hostPort(80, 8080), ing(81, 30000), {Protocol: UDP, TargetPort: 53, PublishedPort: 53, PublishMode: Host}}, "*:8080->80/tcp,*:53->53/udp"},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, FormatHostPorts(tt.ports)); d != "" {
			t.Errorf("(-want +got)\n%s", d)
		}
	}
}
