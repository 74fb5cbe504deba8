package swarmsim

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
	"pgregory.net/rapid"
)

func genDuration(t *rapid.T, label string, max time.Duration) time.Duration {
	return time.Duration(rapid.Int64Range(0, int64(max/time.Second)).Draw(t, label)) * time.Second
}

func genImage(t *rapid.T, label string) ImageBehavior {
	return ImageBehavior{
		Pull:  genDuration(t, label+".pull", 20*time.Second),
		Start: genDuration(t, label+".start", 5*time.Second),
		Stop:  genDuration(t, label+".stop", 10*time.Second),
	}
}

// Without faults, whatever the update config and image timings, every
// rolling update completes, never holds more than `parallelism` slots at once
// and, stop-first, never runs two tasks of a slot at the same time (SwarmKit's
// manager/orchestrator/update/updater.go: Updater.Run, worker, updateTask).
func TestPropertyUpdatesComplete(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodes := rapid.IntRange(1, 5).Draw(t, "nodes")
		replicas := rapid.IntRange(1, 12).Draw(t, "replicas")
		cfg := updater.Config{
			Parallelism: uint64(rapid.IntRange(0, 4).Draw(t, "parallelism")),
			Delay:       genDuration(t, "delay", 15*time.Second),
			Monitor:     genDuration(t, "monitor", 10*time.Second),
			Order:       updater.Order(rapid.IntRange(0, 1).Draw(t, "order")),
		}
		c := New(Config{Seed: rapid.Uint64().Draw(t, "seed")})
		for i := range nodes {
			c.AddNode(NodeConfig{Hostname: fmt.Sprintf("node%d", i), Role: node.Role(min(i, 1) ^ 1)})
		}
		c.SetImage("app:1", genImage(t, "v1"))
		c.SetImage("app:2", genImage(t, "v2"))
		spec := ServiceSpec{Name: "app", Replicas: uint64(replicas), TaskTemplate: TaskSpec{Image: "app:1"}, Update: &cfg}
		if _, err := c.CreateService(spec); err != nil {
			t.Fatal(err)
		}
		c.RunFor(time.Minute)
		spec.TaskTemplate.Image = "app:2"
		if err := c.UpdateService("app", spec); err != nil {
			t.Fatal(err)
		}
		s := c.st.Service(0)
		limit := int(cfg.Parallelism)
		if limit == 0 {
			limit = replicas
		}
		for i := 0; c.Step(); i++ {
			if n := s.Upd.InFlight(); n > limit {
				t.Fatalf("%d slots in flight, parallelism %d", n, limit)
			}
			if cfg.Order == updater.StopFirst {
				for _, sl := range s.Slots.All() {
					k := sl.Key
					running := 0
					for _, ts := range sl.Tasks {
						if ts.T.State() == task.Running {
							running++
						}
					}
					if running > 1 {
						t.Fatalf("slot %d runs %d tasks at %s", k, running, c.Elapsed())
					}
				}
			}
			if i > 100000 {
				t.Fatal("update never went idle")
			}
		}
		got, _ := c.Service("app")
		if got.UpdateStatus == nil || got.UpdateStatus.State != updater.Completed {
			t.Fatalf("update status %+v, want completed", got.UpdateStatus)
		}
		if ok, _ := c.Converged("app"); !ok {
			t.Fatal("not converged after the update completed")
		}
	})
}

// Whatever the sequence of updates, drains and node failures, the mesh never
// routes to a task that is not RUNNING (and healthy: the agent reports
// RUNNING only once healthy) on a live node, a connection times out only
// when sent to a task on a dead node whose new state has not spread yet, and
// an ingress port with a backend answers on every live node whose path is
// open.
func TestPropertyMeshRoutesOnlyToRunningTasks(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := New(Config{Seed: 1})
		names := []string{"manager", "worker1", "worker2", "worker3"}
		for i, h := range names {
			c.AddNode(NodeConfig{Hostname: h, Role: node.Role(min(i, 1) ^ 1)})
		}
		c.SetImage("web:2", ImageBehavior{Pull: time.Second, Start: time.Second, HealthCheck: true, HealthyAfter: 3 * time.Second, Stop: time.Second})
		c.SetImage("web:bad", ImageBehavior{Pull: time.Second, Start: time.Second, ExitAfter: 4 * time.Second, ExitCode: 1})
		spec := ServiceSpec{Name: "web", Replicas: 3, TaskTemplate: TaskSpec{Image: "web:1"},
			Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}}
		c.CreateService(spec)
		images := []string{"web:1", "web:2", "web:bad"}
		steps := rapid.IntRange(1, 25).Draw(t, "steps")
		for range steps {
			n := names[rapid.IntRange(0, len(names)-1).Draw(t, "node")]
			switch rapid.IntRange(0, 6).Draw(t, "action") {
			case 0:
				spec.TaskTemplate.Image = images[rapid.IntRange(0, 2).Draw(t, "image")]
				spec.Update = &updater.Config{Parallelism: 1, Order: updater.Order(rapid.IntRange(0, 1).Draw(t, "order"))}
				c.UpdateService("web", spec)
			case 1:
				a := node.Availability(rapid.IntRange(0, 2).Draw(t, "availability"))
				c.UpdateNode(n, NodeUpdate{Availability: &a})
			case 2:
				c.StopNode(n)
			case 3:
				c.StartNode(n)
			case 4:
				c.RollbackService("web")
			case 5:
				c.BlockPort(n, 4789, mesh.UDP)
			case 6:
				c.UnblockPort(n, 4789, mesh.UDP)
			}
			end := c.now + int64(rapid.IntRange(0, 30).Draw(t, "seconds"))*int64(time.Second)
			for c.now < end {
				checkRouting(t, c)
				if e, ok := c.q.Peek(); !ok || e.At > end {
					break
				}
				c.Step()
			}
			c.now = max(c.now, end)
			checkRouting(t, c)
		}
	})
}

func checkRouting(t *rapid.T, c *Cluster) {
	s, err := c.st.LookupService("web")
	if err != nil {
		t.Fatal(err)
	}
	// Which backends can answer from anywhere: running tasks on live nodes.
	var liveBackend bool
	for _, sl := range s.Slots.All() {
		for _, ts := range sl.Tasks {
			if ts.Backend && ts.Node.Up {
				liveBackend = true
			}
		}
	}
	for _, ns := range c.st.Nodes() {
		r, err := c.mesh.Resolve(ns.N.ID, 8080, mesh.TCP)
		if err != nil {
			var re *mesh.RefusedError
			if !errors.As(err, &re) {
				t.Fatalf("Resolve error %v is not a *mesh.RefusedError", err)
			}
			// A connection times out only when sent to a backend on a dead
			// node whose tasks' new state has not spread yet.
			if errors.Is(err, mesh.ErrTimedOut) {
				bn := c.st.NodeByID(re.BackendNode)
				if bn == nil || bn.Up || bn.Gossiped {
					t.Fatalf("%s timed out via a backend on a node that is up or known dead: %v", ns.N.Description.Hostname, err)
				}
				continue
			}
			// A live entry node with a live backend must answer unless the
			// overlay path is blocked.
			if ns.Up && liveBackend && !errors.Is(err, mesh.ErrPathBlocked) && !c.mesh.Blocked(ns.N.ID, 4789, mesh.UDP) {
				t.Fatalf("%s refused port 8080 with a live backend: %v", ns.N.Description.Hostname, err)
			}
			continue
		}
		ts := c.st.LookupTask(r.TaskID)
		if ts == nil || ts.T.State() != task.Running || ts.T.DesiredState > task.Running || !ts.Node.Up {
			t.Fatalf("%s routed to %v, which is not a running task on a live node", ns.N.Description.Hostname, r)
		}
	}
}
