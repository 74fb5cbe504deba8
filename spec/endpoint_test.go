package spec_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/spec"
)

func TestNetworkNeeds(t *testing.T) {
	ingress := mesh.PortConfig{Protocol: mesh.TCP, TargetPort: 80, PublishedPort: 8080, PublishMode: mesh.Ingress}
	host := mesh.PortConfig{Protocol: mesh.TCP, TargetPort: 80, PublishedPort: 8080, PublishMode: mesh.Host}
	attach := []spec.NetworkAttachment{{Target: "n1"}, {Target: "n2"}}
	type want struct {
		Needs, OnN2, OnN3 bool
		Ingress           bool
		Targets           []string
	}
	for _, tc := range []struct {
		name string
		s    spec.Service
		want want
	}{
		{"nothing", spec.Service{}, want{}},
		{"an ingress port", spec.Service{Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{host, ingress}}},
			want{Needs: true, Ingress: true}},
		{"host ports only", spec.Service{Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{host}}}, want{}},
		{"networks", spec.Service{TaskTemplate: spec.Task{Networks: attach}},
			want{OnN2: true, Targets: []string{"n1", "n2"}}},
		{"networks and a port", spec.Service{TaskTemplate: spec.Task{Networks: attach}, Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{ingress}}},
			want{Needs: true, OnN2: true, Ingress: true, Targets: []string{"n1", "n2"}}},
		// dnsrr: no virtual IP at all, though the attachments stand
		{"dnsrr", spec.Service{TaskTemplate: spec.Task{Networks: attach}, Endpoint: mesh.EndpointSpec{Mode: mesh.DNSRR}},
			want{OnN2: true}},
	} {
		var got want
		got.Needs, got.OnN2, got.OnN3 = tc.s.NeedsIngress(), tc.s.AttachedTo("n2"), tc.s.AttachedTo("n3")
		got.Ingress, got.Targets = tc.s.VIPRequest()
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}
