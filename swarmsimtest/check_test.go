package swarmsimtest_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/swarmsimtest"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

var epoch = swarmsim.DefaultEpoch()

func at(sec int) time.Time { return epoch.Add(time.Duration(sec) * time.Second) }

var running = []task.State{task.Pending, task.Assigned, task.Accepted, task.Preparing, task.Ready, task.Starting, task.Running}

// mkTask makes a task of service s1 ("web") created at t=0 that went
// through states, one a second.
func mkTask(id string, slot uint64, nodeID string, desired task.State, states ...task.State) swarmsim.TaskView {
	t := task.Make(task.Task{ID: id, ServiceID: "s1", ServiceName: "web", Slot: slot, NodeID: nodeID, SpecVersion: 1, Image: "app:1", DesiredState: desired, CreatedAt: at(0)}, nil)
	for i, st := range states {
		if err := t.Advance(task.Status{State: st, Timestamp: at(i + 1)}); err != nil {
			panic(err)
		}
	}
	return swarmsim.TaskView{Task: t}
}

func mkNode(id string, cpus int64) *node.Node {
	return &node.Node{ID: id, Description: node.Description{Hostname: id,
		Resources: node.Resources{NanoCPUs: cpus * 1e9, MemoryBytes: 1 << 30}},
		Status: node.Status{State: node.Ready}, Spec: node.Spec{Labels: map[string]string{}}}
}

// base is a healthy snapshot: node n1, service web (s1) with one replica
// running, converged, publishing 8080/tcp, and the mesh routing to it.
func base() *swarmsimtest.Snapshot {
	svc := swarmsimtest.ServiceView{
		Service: swarmsim.Service{ID: "s1", SpecVersion: 1,
			Spec: swarmsim.ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: swarmsim.TaskSpec{Image: "app:1"},
				Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}},
			Endpoint: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}},
		Status:    swarmsim.ServiceStatus{RunningTasks: 1, DesiredTasks: 1},
		Converged: true,
	}
	return &swarmsimtest.Snapshot{
		Now: at(60), Seq: 0, HistoryLimit: 5,
		Nodes:    []*node.Node{mkNode("n1", 2)},
		Services: []swarmsimtest.ServiceView{svc},
		Tasks:    []swarmsim.TaskView{mkTask("t1", 1, "n1", task.Running, running...)},
		Routes: []swarmsimtest.RouteSample{{NodeID: "n1", Port: 8080, Protocol: mesh.TCP,
			Route: swarmsim.Route{ServiceID: "s1", TaskID: "t1", NodeID: "n1"}}},
	}
}

func taskEvent(seq uint64, kind swarmsim.EventKind, id string, slot uint64, from, to task.State, sec int) swarmsim.Event {
	e := swarmsim.Event{Seq: seq, Time: at(sec), Kind: kind, ServiceID: "s1", Service: "web", TaskID: id,
		Task: "web." + string(rune('0'+slot)), Slot: slot, NodeID: "n1", To: to.String()}
	if kind != swarmsim.EventTaskCreated {
		e.From = from.String()
	}
	return e
}

func invariants(vs []swarmsimtest.Violation) []string {
	var out []string
	for _, v := range vs {
		if !slices.Contains(out, v.Invariant) {
			out = append(out, v.Invariant)
		}
	}
	slices.Sort(out)
	return out
}

func TestHealthySnapshotPasses(t *testing.T) {
	if vs := swarmsimtest.NewChecker().Check(base()); len(vs) > 0 {
		t.Fatalf("Check(base()) = %v, want no violation", vs)
	}
}

// Every invariant catches a deliberately broken snapshot (or action): the
// checker can fail.
func TestCheckerCatchesBrokenSnapshots(t *testing.T) {
	for _, tc := range []struct {
		name string
		inv  string
		// prev, when set, is checked first (the checker remembers it).
		prev   func(s *swarmsimtest.Snapshot)
		break_ func(s *swarmsimtest.Snapshot)
	}{
		{
			name: "observed state moves back in an event", inv: swarmsimtest.InvStatesForward,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Events = []swarmsim.Event{taskEvent(1, swarmsim.EventTaskState, "t1", 1, task.Running, task.Starting, 50)}
			},
		},
		{
			name: "observed state moves back between checks", inv: swarmsimtest.InvStatesForward,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Tasks[0] = mkTask("t1", 1, "n1", task.Running, running[:6]...) // STARTING now, RUNNING before
				s.Routes = nil
			},
			prev: func(s *swarmsimtest.Snapshot) {},
		},
		{
			name: "desired state back to running", inv: swarmsimtest.InvDesiredForward,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Events = []swarmsim.Event{
					taskEvent(1, swarmsim.EventTaskDesired, "t1", 1, task.Running, task.Shutdown, 50),
					taskEvent(2, swarmsim.EventTaskDesired, "t1", 1, task.Shutdown, task.Running, 51),
				}
			},
		},
		{
			name: "two tasks desired running in a stop-first slot", inv: swarmsimtest.InvOneDesiredPerSlot,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Tasks = append(s.Tasks, mkTask("t2", 1, "n1", task.Running, task.Pending))
			},
		},
		{
			name: "more slots in flight than the parallelism", inv: swarmsimtest.InvParallelism,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Progress = []swarmsimtest.ProgressSample{{ServiceID: "s1", Progress: swarmsim.UpdateProgress{
					Config: updater.Config{Parallelism: 1}, DirtySlots: 3, InFlight: 2}}}
			},
		},
		{
			name: "stop-first replacement running beside the old task", inv: swarmsimtest.InvStopFirst,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Events = []swarmsim.Event{
					taskEvent(1, swarmsim.EventTaskDesired, "t1", 1, task.Running, task.Shutdown, 50),
					taskEvent(2, swarmsim.EventTaskCreated, "t2", 1, 0, task.Ready, 50),
					taskEvent(3, swarmsim.EventTaskDesired, "t2", 1, task.Ready, task.Running, 50),
					taskEvent(4, swarmsim.EventTaskState, "t2", 1, task.Starting, task.Running, 52),
				}
				t1 := mkTask("t1", 1, "n1", task.Shutdown, running...)
				s.Tasks = []swarmsim.TaskView{t1, mkTask("t2", 1, "n1", task.Running, running...)}
				s.Routes = nil
			},
		},
		{
			name: "converged with a slot missing", inv: swarmsimtest.InvConverged,
			break_: func(s *swarmsimtest.Snapshot) { s.Services[0].Spec.Replicas = 2 },
		},
		{
			name: "converged on a drained node", inv: swarmsimtest.InvConverged,
			break_: func(s *swarmsimtest.Snapshot) { s.Nodes[0].Spec.Availability = node.Drain },
		},
		{
			name: "node overcommitted", inv: swarmsimtest.InvReservations,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Services[0].Spec.TaskTemplate.Resources.Reservations.NanoCPUs = 15e8
				s.Services[0].Spec.Replicas = 2
				s.Tasks = append(s.Tasks, mkTask("t2", 2, "n1", task.Running, running...))
			},
		},
		{
			name: "history over the limit", inv: swarmsimtest.InvHistory,
			break_: func(s *swarmsimtest.Snapshot) {
				var ts []swarmsim.TaskView
				for i := range 7 {
					id := "old" + string(rune('a'+i))
					tk := task.Make(task.Task{ID: id, ServiceID: "s1", ServiceName: "web", Slot: 1, NodeID: "n1", SpecVersion: 1, Image: "app:1", DesiredState: task.Shutdown, CreatedAt: at(i)}, nil)
					tk.Advance(task.Status{State: task.Failed, Timestamp: at(i)})
					ts = append(ts, swarmsim.TaskView{Task: tk})
				}
				s.Tasks = append(ts, s.Tasks...)
			},
		},
		{
			name: "history over MaxAttempts+1", inv: swarmsimtest.InvHistory,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Services[0].Spec.TaskTemplate.Restart = &swarmsim.RestartPolicy{MaxAttempts: 1}
				tk := task.Make(task.Task{ID: "old1", ServiceID: "s1", ServiceName: "web", Slot: 1, NodeID: "n1", SpecVersion: 1, Image: "app:1", DesiredState: task.Shutdown, CreatedAt: at(-2)}, nil)
				tk.Advance(task.Status{State: task.Failed, Timestamp: at(-2)})
				tk2 := task.Make(task.Task{ID: "old2", ServiceID: "s1", ServiceName: "web", Slot: 1, NodeID: "n1", SpecVersion: 1, Image: "app:1", DesiredState: task.Shutdown, CreatedAt: at(-1)}, nil)
				tk2.Advance(task.Status{State: task.Failed, Timestamp: at(-1)})
				s.Tasks = append([]swarmsim.TaskView{{Task: tk}, {Task: tk2}}, s.Tasks...)
			},
		},
		{
			name: "update status from none to completed", inv: swarmsimtest.InvUpdateStatus,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Events = []swarmsim.Event{{Seq: 1, Time: at(50), Kind: swarmsim.EventUpdateStatus, ServiceID: "s1", Service: "web", To: "completed"}}
			},
		},
		{
			name: "update status from rollback_started to completed", inv: swarmsimtest.InvUpdateStatus,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Events = []swarmsim.Event{{Seq: 1, Time: at(50), Kind: swarmsim.EventUpdateStatus, ServiceID: "s1", Service: "web", From: "rollback_started", To: "completed"}}
			},
		},
		{
			name: "mesh routes to a starting task", inv: swarmsimtest.InvMeshRunning,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Services[0].Converged = false
				s.Tasks[0] = mkTask("t1", 1, "n1", task.Running, running[:6]...)
			},
		},
		{
			name: "mesh routes to a task being shut down", inv: swarmsimtest.InvMeshRunning,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Services[0].Converged = false
				s.Tasks[0] = mkTask("t1", 1, "n1", task.Shutdown, running...)
			},
		},
		{
			name: "two services publish one ingress port", inv: swarmsimtest.InvPortsUnique,
			break_: func(s *swarmsimtest.Snapshot) {
				other := s.Services[0]
				other.ID, other.Spec.Name, other.Converged = "s2", "api", false
				s.Services = append(s.Services, other)
			},
		},
		{
			name: "a port no service publishes still routes", inv: swarmsimtest.InvPortsReleased,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Routes = append(s.Routes, swarmsimtest.RouteSample{NodeID: "n1", Port: 9090, Protocol: mesh.TCP,
					Route: swarmsim.Route{ServiceID: "gone", TaskID: "t9", NodeID: "n1"}})
			},
		},
		{
			name: "a task orphaned before its node was down 24 h", inv: swarmsimtest.InvOrphanedAfterTimeout,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Events = []swarmsim.Event{
					{Seq: 1, Time: at(10), Kind: swarmsim.EventNodeState, NodeID: "n1", Node: "n1", From: "ready", To: "down"},
					taskEvent(2, swarmsim.EventTaskState, "t1", 1, task.Running, task.Orphaned, 50),
				}
			},
		},
		{
			name: "a dead node's task still in the mesh after DOWN and gossip", inv: swarmsimtest.InvMeshForgetsDead,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Events = []swarmsim.Event{
					{Seq: 1, Time: at(10), Kind: swarmsim.EventNodeStopped, NodeID: "n2", Node: "n2"},
					{Seq: 2, Time: at(25), Kind: swarmsim.EventNodeState, NodeID: "n2", Node: "n2", From: "ready", To: "down"},
				}
				s.Nodes = append(s.Nodes, downNode("n2"))
				s.Routes = append(s.Routes, swarmsimtest.RouteSample{NodeID: "n1", Port: 8080, Protocol: mesh.TCP,
					Err: &mesh.RefusedError{Reason: mesh.TimedOut, Detail: mesh.DetailBackendDead, Node: "n1", Port: 8080, TaskID: "t2", BackendNode: "n2"}})
			},
		},
		{
			name: "a timeout via a backend on a live node", inv: swarmsimtest.InvMeshRunning,
			break_: func(s *swarmsimtest.Snapshot) {
				s.Routes = append(s.Routes, swarmsimtest.RouteSample{NodeID: "n1", Port: 8080, Protocol: mesh.TCP,
					Err: &mesh.RefusedError{Reason: mesh.TimedOut, Detail: mesh.DetailBackendDead, Node: "n1", Port: 8080, TaskID: "t1", BackendNode: "n1"}})
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ck := swarmsimtest.NewChecker()
			if tc.prev != nil {
				p := base()
				tc.prev(p)
				if vs := ck.Check(p); len(vs) > 0 {
					t.Fatalf("previous snapshot: %v", vs)
				}
			}
			s := base()
			tc.break_(s)
			vs := ck.Check(s)
			if !slices.Contains(invariants(vs), tc.inv) {
				t.Fatalf("Check = %v, want a violation of %s", vs, tc.inv)
			}
			for _, v := range vs {
				if v.Invariant == tc.inv && len(s.Events) > 0 && v.Event == nil {
					t.Errorf("violation %v names no event", v)
				}
			}
			ck.Disable(tc.inv)
		})
	}
}

// The start-first exception: two tasks desired RUNNING in one slot are fine
// when the service replaces start-first.
func TestStartFirstPairAllowed(t *testing.T) {
	s := base()
	s.Services[0].Spec.Update = &updater.Config{Parallelism: 1, Order: updater.StartFirst}
	s.Tasks = append(s.Tasks, mkTask("t2", 1, "n1", task.Running, running...))
	s.Routes = nil
	vs := swarmsimtest.NewChecker().Check(s)
	if got := invariants(vs); slices.Contains(got, swarmsimtest.InvOneDesiredPerSlot) || slices.Contains(got, swarmsimtest.InvStopFirst) {
		t.Fatalf("Check = %v, want the start-first pair allowed", vs)
	}
}

// The stop-first exception: a replacement may start once the old task's
// node went down.
func TestStopFirstNodeDownExcused(t *testing.T) {
	s := base()
	s.Events = []swarmsim.Event{
		{Seq: 1, Time: at(50), Kind: swarmsim.EventNodeState, NodeID: "n2", Node: "n2", From: "ready", To: "down"},
		{Seq: 2, Time: at(50), Kind: swarmsim.EventTaskDesired, ServiceID: "s1", Service: "web", TaskID: "t1", Task: "web.1", Slot: 1, NodeID: "n2", From: "running", To: "shutdown"},
		{Seq: 3, Time: at(50), Kind: swarmsim.EventNodeState, NodeID: "n2", Node: "n2", From: "down", To: "ready"},
		taskEvent(4, swarmsim.EventTaskCreated, "t2", 1, 0, task.Ready, 50),
		taskEvent(5, swarmsim.EventTaskState, "t2", 1, task.Starting, task.Running, 52),
	}
	n2 := mkNode("n2", 2)
	s.Nodes = append(s.Nodes, n2)
	s.Tasks = []swarmsim.TaskView{mkTask("t1", 1, "n2", task.Shutdown, running...), mkTask("t2", 1, "n1", task.Running, running...)}
	s.Tasks[0].NodeID = "n2"
	s.Routes = nil
	if vs := swarmsimtest.NewChecker().Check(s); slices.Contains(invariants(vs), swarmsimtest.InvStopFirst) {
		t.Fatalf("Check = %v, want the overlap excused by the node failure", vs)
	}
}

// The dead-node exception ends with the gossip delay: a timeout via a dead
// node's task is fine until DOWN + GossipConvergeDelay, and an ORPHANED task
// is fine 24 h after its node went DOWN.
func TestDeadNodeTimeoutAndOrphanExcused(t *testing.T) {
	s := base()
	s.Now = at(26)
	s.Events = []swarmsim.Event{
		{Seq: 1, Time: at(10), Kind: swarmsim.EventNodeStopped, NodeID: "n2", Node: "n2"},
		{Seq: 2, Time: at(25), Kind: swarmsim.EventNodeState, NodeID: "n2", Node: "n2", From: "ready", To: "down"},
	}
	s.Nodes = append(s.Nodes, downNode("n2"))
	s.Routes = append(s.Routes, swarmsimtest.RouteSample{NodeID: "n1", Port: 8080, Protocol: mesh.TCP,
		Err: &mesh.RefusedError{Reason: mesh.TimedOut, Detail: mesh.DetailBackendDead, Node: "n1", Port: 8080, TaskID: "t2", BackendNode: "n2"}})
	ck := swarmsimtest.NewChecker()
	if vs := ck.Check(s); len(vs) > 0 {
		t.Fatalf("Check = %v, want the timeout excused before the gossip delay ends", vs)
	}
	s2 := base()
	s2.Now = at(25 + 24*3600)
	s2.Seq = 2
	s2.Since = 2
	s2.Events = []swarmsim.Event{{Seq: 3, Time: at(25 + 24*3600), Kind: swarmsim.EventTaskState, ServiceID: "s1", Service: "web",
		TaskID: "t9", Task: "web.2", Slot: 2, NodeID: "n2", From: "running", To: "orphaned"}}
	s2.Seq = 3
	s2.Nodes = append(s2.Nodes, downNode("n2"))
	if vs := ck.Check(s2); slices.Contains(invariants(vs), swarmsimtest.InvOrphanedAfterTimeout) {
		t.Fatalf("Check = %v, want the orphan excused after 24 h", vs)
	}
}

func downNode(id string) *node.Node {
	n := mkNode(id, 2)
	n.Status.State = node.Down
	return n
}

// The update-status table holds exactly the transitions derived from
// SwarmKit's updater and control API, each citing its file; a few must stay
// forbidden.
func TestStatusTransitions(t *testing.T) {
	forbidden := [][2]updater.State{
		{updater.None, updater.Completed}, {updater.None, updater.Paused}, {updater.Updating, updater.Updating},
		{updater.Updating, updater.RollbackCompleted}, {updater.Paused, updater.Paused},
		{updater.RollbackStarted, updater.Completed}, {updater.RollbackStarted, updater.Paused},
	}
	for _, tr := range forbidden {
		if ok, _ := swarmsimtest.StatusTransitionAllowed(tr[0], tr[1]); ok {
			t.Errorf("StatusTransitionAllowed(%v, %v) = true, want false", tr[0], tr[1])
		}
	}
	for _, tr := range swarmsimtest.StatusTransitions() {
		if !strings.HasPrefix(tr.Why, "update/updater.go ") && !strings.HasPrefix(tr.Why, "controlapi/service.go ") {
			t.Errorf("transition %v -> %v cites no SwarmKit file: %q", tr.From, tr.To, tr.Why)
		}
	}
	if got, want := len(swarmsimtest.StatusTransitions()), 25; got != want {
		t.Errorf("%d allowed transitions, want %d", got, want)
	}
}

// RollbackRestores fails when a rollback does not restore the previous spec
// exactly (InvRollbackRestores).
func TestRollbackRestoresCanFail(t *testing.T) {
	v1 := swarmsim.ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: swarmsim.TaskSpec{Image: "app:1"}}
	v2 := v1.Clone()
	v2.TaskTemplate.Image = "app:2"
	before := &swarmsim.Service{Spec: v2, PreviousSpec: &v1}
	good := &swarmsim.Service{Spec: v1.Clone(), PreviousSpec: &v2}
	if err := swarmsimtest.RollbackRestores(before, good); err != nil {
		t.Fatalf("RollbackRestores(good) = %v", err)
	}
	bad := v1.Clone()
	bad.Replicas = 2
	for _, after := range []*swarmsim.Service{{Spec: bad, PreviousSpec: &v2}, {Spec: v1.Clone()}, {Spec: v1.Clone(), PreviousSpec: &v1}} {
		if err := swarmsimtest.RollbackRestores(before, after); err == nil {
			t.Errorf("RollbackRestores(%+v) = nil, want an error", after)
		}
	}
}

// Unchanged reports a failing call that changed the cluster
// (InvRejectedUnchanged), and nothing for one that did not.
func TestUnchangedCanFail(t *testing.T) {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	c.AddNode(swarmsim.NodeConfig{Hostname: "n1", Role: node.Manager})
	ck := swarmsimtest.NewChecker()
	ck.Unchanged(c, "bad create", func() error {
		_, err := c.CreateService(swarmsim.ServiceSpec{Name: "bad name!"})
		return err
	})
	ck.Unchanged(c, "sneaky", func() error {
		c.AddNode(swarmsim.NodeConfig{Hostname: "n2"})
		return errors.New("refused")
	})
	vs := ck.CheckCluster(c)
	if diff := cmp.Diff([]string{swarmsimtest.InvRejectedUnchanged}, invariants(vs)); diff != "" {
		t.Fatalf("violations (-want +got):\n%s", diff)
	}
	if len(vs) != 1 || vs[0].Event == nil || vs[0].Event.Kind != swarmsim.EventNodeAdded {
		t.Fatalf("violations %v, want one blaming the node-added event", vs)
	}
}

// A user property's violations come back under its name.
func TestUserProperty(t *testing.T) {
	ck := swarmsimtest.NewChecker()
	ck.Add("two-running", func(s *swarmsimtest.Snapshot) []swarmsimtest.Violation {
		if n, e := s.MinRunning("web"); n < 2 {
			return []swarmsimtest.Violation{{Message: "fewer than two running", Event: e}}
		}
		return nil
	})
	if diff := cmp.Diff([]string{"two-running"}, invariants(ck.Check(base()))); diff != "" {
		t.Fatalf("violations (-want +got):\n%s", diff)
	}
}

// MinRunning replays the events backwards: a dip between two checks shows.
func TestMinRunning(t *testing.T) {
	s := base()
	s.Events = []swarmsim.Event{
		taskEvent(1, swarmsim.EventTaskState, "t0", 1, task.Running, task.Shutdown, 10),
		taskEvent(2, swarmsim.EventTaskState, "t1", 1, task.Starting, task.Running, 12),
	}
	n, e := s.MinRunning("web")
	if n != 0 || e == nil || e.Seq != 1 {
		t.Fatalf("MinRunning = %d, %v; want 0 after event 1", n, e)
	}
}

// A real cluster through an update, a drain and a node failure breaks no
// invariant.
func TestCheckerOnRealCluster(t *testing.T) {
	c := swarmsim.New(swarmsim.Config{Seed: 3})
	for _, h := range []string{"manager", "worker1", "worker2"} {
		cfg := swarmsim.NodeConfig{Hostname: h, Resources: node.Resources{NanoCPUs: 2e9, MemoryBytes: 2 << 30}}
		if h == "manager" {
			cfg.Role = node.Manager
		}
		c.AddNode(cfg)
	}
	ck := swarmsimtest.NewChecker()
	check := func(when string) {
		t.Helper()
		if vs := ck.CheckCluster(c); len(vs) > 0 {
			t.Fatalf("%s: %s", when, swarmsimtest.Report(c, vs))
		}
	}
	spec := swarmsim.ServiceSpec{Name: "web", Replicas: 3, TaskTemplate: swarmsim.TaskSpec{Image: "web:1"},
		Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}}
	c.CreateService(spec)
	c.RunFor(time.Minute)
	check("created")
	spec.TaskTemplate.Image = "web:2"
	spec.Update = &updater.Config{Parallelism: 2, Delay: 5 * time.Second}
	c.UpdateService("web", spec)
	check("update")
	c.RunFor(8 * time.Second)
	drain := node.Drain
	c.UpdateNode("worker1", swarmsim.NodeUpdate{Availability: &drain})
	c.StopNode("worker2")
	c.RunFor(2 * time.Minute)
	check("drain and failure")
	c.RollbackService("web")
	c.RemoveService("web")
	c.RunFor(time.Minute)
	check("removed")
	if ck.Checks != 4 {
		t.Fatalf("Checks = %d, want 4", ck.Checks)
	}
}
