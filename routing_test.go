package swarmsim_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/updater"
)

func seedSwarm(t *testing.T) *swarmsim.Cluster {
	t.Helper()
	c := swarmsim.New(swarmsim.Config{Seed: 3})
	for _, n := range []swarmsim.NodeConfig{{Hostname: "manager", Role: node.Manager}, {Hostname: "worker1"}, {Hostname: "worker2"}} {
		if _, err := c.AddNode(n); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// A one-replica service updated stop-first cannot answer between its old
// task leaving the mesh and its new task running; start-first keeps the old
// task answering until the new one runs, so no request is refused.
func TestProbeStopFirstVersusStartFirst(t *testing.T) {
	for _, tc := range []struct {
		order       updater.Order
		wantRefused bool
	}{
		{updater.StopFirst, true},
		{updater.StartFirst, false},
	} {
		t.Run(tc.order.String(), func(t *testing.T) {
			c := seedSwarm(t)
			spec := swarmsim.ServiceSpec{Name: "myweb", Replicas: 1, TaskTemplate: swarmsim.TaskSpec{Image: "nginx:1.25"},
				Update:   &updater.Config{Parallelism: 1, Order: tc.order},
				Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}}
			if _, err := c.CreateService(spec); err != nil {
				t.Fatal(err)
			}
			c.RunFor(30 * time.Second)
			spec.TaskTemplate.Image = "nginx:1.27"
			if err := c.UpdateService("myweb", spec); err != nil {
				t.Fatal(err)
			}
			res, err := c.Probe("worker2", 8080, mesh.TCP, 100*time.Millisecond, 30*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if res.Sent != 300 || res.Sent != res.Answered+res.Refused {
				t.Fatalf("sent %d, answered %d, refused %d", res.Sent, res.Answered, res.Refused)
			}
			if (res.Refused > 0) != tc.wantRefused {
				t.Fatalf("refused %d requests (%v), want refusals: %v", res.Refused, res.Reasons, tc.wantRefused)
			}
			// start-first: the old task answers until the new one runs, then
			// the new one; stop-first: the old one left the mesh as the update
			// began, so only the new one ever answers the probe.
			if want := map[bool]int{true: 1, false: 2}[tc.wantRefused]; len(res.PerTask) != want {
				t.Fatalf("answers per task %+v, want %d tasks", res.PerTask, want)
			}
			if tc.wantRefused {
				// stop-first: the old task leaves the mesh at once; the new one
				// runs 4 s later (2 s gossip delay + 1 s stop + 1 s start).
				if res.Refused != 40 {
					t.Errorf("refused %d, want 40 (4 s at 10 per second)", res.Refused)
				}
			}
		})
	}
}

// The routing mesh answers on every node, including one with no task and a
// drained one; TCP and UDP on the same number are separate ports (the seed's
// dns-cache).
func TestRoutingMeshSeed(t *testing.T) {
	c := seedSwarm(t)
	c.CreateService(swarmsim.ServiceSpec{Name: "myweb", Replicas: 2, TaskTemplate: swarmsim.TaskSpec{Image: "nginx"},
		Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}})
	c.CreateService(swarmsim.ServiceSpec{Name: "dns-cache", Replicas: 1, TaskTemplate: swarmsim.TaskSpec{Image: "dns-cache"},
		Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 53, PublishedPort: 53}, {TargetPort: 53, PublishedPort: 53, Protocol: mesh.UDP}}}})
	c.RunFor(30 * time.Second)
	d := node.Drain
	c.UpdateNode("worker2", swarmsim.NodeUpdate{Availability: &d})
	c.RunFor(30 * time.Second)
	var got []string
	for _, n := range []string{"manager", "worker1", "worker2"} {
		for range 2 {
			r, err := c.Resolve(n, 8080, mesh.TCP)
			if err != nil {
				t.Fatalf("%s:8080: %v", n, err)
			}
			got = append(got, n+"->"+r.Task)
		}
	}
	want := []string{"manager->myweb.1", "manager->myweb.2", "worker1->myweb.1", "worker1->myweb.2", "worker2->myweb.1", "worker2->myweb.2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("per-entry-node round robin (-want +got):\n%s", diff)
	}
	for _, p := range []mesh.Protocol{mesh.TCP, mesh.UDP} {
		if r, err := c.Resolve("worker1", 53, p); err != nil || r.Task != "dns-cache.1" {
			t.Errorf("53/%s: %v %v", p, r, err)
		}
	}
	if _, err := c.Resolve("worker1", 53, mesh.SCTP); !errors.Is(err, mesh.ErrNoListener) {
		t.Errorf("53/sctp: %v, want no listener", err)
	}
	// Blocking the overlay's data path on the entry node leaves it only its
	// own tasks: worker2 (drained) has none, so requests entering it fail.
	c.BlockPort("worker2", 4789, mesh.UDP)
	if _, err := c.Resolve("worker2", 8080, mesh.TCP); !errors.Is(err, mesh.ErrPathBlocked) {
		t.Errorf("via worker2 with 4789/udp blocked: %v, want path blocked", err)
	}
	if r, err := c.Resolve("manager", 8080, mesh.TCP); err != nil {
		t.Errorf("via manager: %v %v", r, err)
	}
}
