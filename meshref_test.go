package swarmsim

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
)

// The root keeps the routing mesh's handles (store.Node.MeshRef,
// store.Service.MeshRef, store.Task.MeshRef), and stale ones once the mesh
// has dropped backends itself. worker1 dies and is force-removed before its
// tasks' new state has spread, so their Backend flags stay set; new tasks
// reuse the dropped backends' slab elements; rolling updates then delete
// the old tasks, whose removals by stale handle come after the reuse (one
// of them names an element that holds a live backend again) and must leave
// it alone. A service is removed while its tasks run, and another made; a
// node dies and comes back; one joins. Every node resolves the ports now
// and then, so that rotations hold removed elements. After every event each
// service's backends in the mesh are exactly its tasks flagged Backend on a
// node still in the swarm (none once the service is removed), each once.
func TestMeshHandlesAfterRemovals(t *testing.T) {
	c := newTestCluster(t, "manager", "worker1", "worker2", "worker3")
	var svcs []*store.Service
	create := func(name string, port uint32, replicas uint64) {
		t.Helper()
		_, err := c.CreateService(ServiceSpec{Name: name, Replicas: replicas, TaskTemplate: TaskSpec{Image: name + ":1"},
			Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: port}}}})
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.st.LookupService(name)
		if err != nil {
			t.Fatal(err)
		}
		svcs = append(svcs, s)
	}
	check := func(when string) {
		t.Helper()
		for _, s := range svcs {
			var want []string
			if !s.Removed {
				for i := range int32(c.st.Created()) {
					if ts := c.st.Task(i); !ts.Deleted && ts.Svc == s && ts.Backend && !ts.Node.Removed {
						want = append(want, ts.T.ID)
					}
				}
			}
			got := slices.Clone(c.mesh.Backends(s.ID))
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("%s, at %v: service %s's backends %v, want %v", when, time.Duration(c.now), s.Spec.Spec.Name, got, want)
			}
		}
	}
	run := func(when string, d time.Duration) {
		t.Helper()
		end := c.now + int64(d)
		for {
			check(when)
			if e, ok := c.q.Peek(); !ok || e.At > end {
				break
			}
			c.Step()
		}
		c.now = max(c.now, end)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Every node resolves each port a few times: the rotations then hold
	// backends that a removal turns into dead elements rather than free
	// ones.
	resolve := func() {
		for _, ns := range c.st.Nodes() {
			if ns == nil { // removed
				continue
			}
			for range 3 {
				c.mesh.Resolve(ns.N.ID, 8080, mesh.TCP)
				c.mesh.Resolve(ns.N.ID, 8081, mesh.TCP)
			}
		}
	}
	create("web", 8080, 6)
	create("api", 8081, 3)
	run("start", time.Minute)
	resolve()
	// worker1 dies, and is removed once the managers miss its heartbeats
	// but before its tasks' new state has spread: their Backend flags stay
	// set, and their handles go stale with the removal.
	must(c.StopNode("worker1"))
	w1, err := c.st.LookupNode("worker1")
	must(err)
	for w1.Beating && c.Step() {
		check("worker1 stopping")
	}
	if w1.Gossiped {
		t.Fatal("worker1's tasks' state spread before its heartbeats were missed")
	}
	must(c.RemoveNode("worker1", true))
	stale := 0
	for i := range int32(c.st.Created()) {
		if ts := c.st.Task(i); ts.Node == w1 && ts.Backend {
			stale++
		}
	}
	if stale == 0 {
		t.Fatal("no task of worker1 kept its Backend flag: nothing tests a stale handle")
	}
	run("worker1 removed", time.Minute)
	must(c.ScaleService("web", 9))
	must(c.ScaleService("api", 6))
	run("scaled up", time.Minute)
	for v := range 8 { // rolling updates: each slot's old tasks, worker1's included, are deleted
		img := "web:" + strconv.Itoa(v+2)
		must(c.UpdateService("web", ServiceSpec{Name: "web", Replicas: 9, TaskTemplate: TaskSpec{Image: img},
			Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}}))
		resolve()
		run("web updated to "+img, 5*time.Minute)
	}
	resolve()
	must(c.RemoveService("web"))
	run("web removed", time.Minute)
	create("web2", 8080, 6)
	run("web2 created", time.Minute)
	must(c.StopNode("worker2"))
	run("worker2 stopped", 2*time.Minute)
	must(c.StartNode("worker2"))
	run("worker2 started", time.Minute)
	if _, err := c.AddNode(NodeConfig{Hostname: "worker4", Role: node.Worker}); err != nil {
		t.Fatal(err)
	}
	must(c.ScaleService("web2", 12))
	run("worker4 added", time.Minute)
	spec := ServiceSpec{Name: "api", Replicas: 6, TaskTemplate: TaskSpec{Image: "api:2"},
		Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8081}}}}
	must(c.UpdateService("api", spec))
	run("api updated", 5*time.Minute)
	if n := len(c.mesh.Backends(svcs[2].ID)); n != 12 {
		t.Fatalf("web2 has %d backends at the end, want 12", n)
	}
}
