package swarmsim_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// webSwarm is the seed swarm with a 3-replica service publishing 8080, one
// task per node, running.
func webSwarm(t *testing.T) *swarmsim.Cluster {
	t.Helper()
	c := seedSwarm(t)
	spec := swarmsim.ServiceSpec{Name: "web", Replicas: 3, TaskTemplate: swarmsim.TaskSpec{Image: "web:1"},
		Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}}
	if _, err := c.CreateService(spec); err != nil {
		t.Fatal(err)
	}
	c.RunFor(30 * time.Second)
	return c
}

// outcomes resolves n connections through a node and renders each as the
// answering task's node, "timeout" or "refused".
func outcomes(c *swarmsim.Cluster, entry string, n int) []string {
	var out []string
	for range n {
		r, err := c.Resolve(entry, 8080, mesh.TCP)
		switch {
		case err == nil:
			out = append(out, r.Node)
		case errors.Is(err, mesh.ErrTimedOut):
			out = append(out, "timeout")
		default:
			out = append(out, "refused")
		}
	}
	return out
}

// A dead node's task stays in the other nodes' rotation, and connections
// sent to it time out, until the node is DOWN (15 s: SwarmKit's
// dispatcher.go DefaultHeartBeatPeriod × defaultGracePeriodMultiplier) and
// the news has spread (GossipConvergeDelay, 2 s); then it is gone.
func TestDeadNodeBackendsTimeOutUntilDownAndGossip(t *testing.T) {
	c := webSwarm(t)
	if err := c.StopNode("worker2"); err != nil {
		t.Fatal(err)
	}
	want := []string{"manager", "worker1", "timeout"}
	if d := cmp.Diff(want, outcomes(c, "manager", 3)); d != "" {
		t.Errorf("at once (-want +got)\n%s", d)
	}
	_, err := c.Resolve("worker1", 8080, mesh.TCP)
	for err == nil {
		_, err = c.Resolve("worker1", 8080, mesh.TCP)
	}
	var re *mesh.RefusedError
	if !errors.As(err, &re) || re.Reason != mesh.TimedOut || re.Detail != mesh.DetailBackendDead || errors.Is(err, mesh.ErrRefused) {
		t.Fatalf("err = %v, want a timeout that is not a refusal", err)
	}
	if got := re.Reason.String(); got != "timed out" {
		t.Errorf("Reason.String() = %q", got)
	}
	c.RunFor(swarmsim.HeartbeatMisses*swarmsim.HeartbeatPeriod + swarmsim.GossipConvergeDelay - time.Nanosecond)
	if n, _ := c.Node("worker2"); n.Status.State != node.Down {
		t.Fatalf("worker2 is %s 17 s after it stopped, want down", n.Status.State)
	}
	if got := outcomes(c, "manager", 3); !strings.Contains(strings.Join(got, " "), "timeout") {
		t.Errorf("just before the gossip delay ends: %v, want a timeout", got)
	}
	c.RunFor(time.Nanosecond)
	for _, got := range outcomes(c, "manager", 6) {
		if got == "timeout" || got == "refused" || got == "worker2" {
			t.Fatalf("after DOWN + gossip: %s", got)
		}
	}
}

// One probe run through a node failure: the requests lost are the dead
// node's share of the rotation from the stop to DOWN + gossip, and they time
// out (none is refused).
func TestProbeThroughNodeFailure(t *testing.T) {
	c := webSwarm(t)
	if err := c.After(5*time.Second, swarmsim.Fault{Kind: swarmsim.FaultNodeStop, Node: "worker2"}); err != nil {
		t.Fatal(err)
	}
	res, err := c.Probe("manager", 8080, mesh.TCP, 100*time.Millisecond, 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// 17 s of 10 requests a second, a third of them to worker2's task.
	if res.Sent != 600 || res.Refused != 0 || res.TimedOut < 56 || res.TimedOut > 58 || res.Answered+res.TimedOut != res.Sent {
		t.Fatalf("%+v", res)
	}
	want := []swarmsim.ReasonCount{{Reason: "connection timed out: port 8080/tcp on node manager routes to task web.3 of service web on node worker2, which is down",
		Kind: mesh.TimedOut, Detail: mesh.DetailBackendDead, Count: res.TimedOut}}
	if d := cmp.Diff(want, res.Reasons); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

// Docker counts every task observed RUNNING, even on a DOWN node (SwarmKit's
// manager/controlapi/service.go: ListServiceStatuses, which the daemon asks
// since API 1.41; measured on a real swarm): with a node down, the old task
// still "Running" there and its replacement make 4/3, and 3/3 again once
// the node is back and its old task shut down.
func TestServiceStatusCountsDownNodes(t *testing.T) {
	c := webSwarm(t)
	c.StopNode("worker2")
	c.RunFor(30 * time.Second)
	st, _ := c.ServiceStatus("web")
	running := 0
	ts, _ := c.Tasks("web")
	for _, v := range ts {
		if v.Task.State() == task.Running {
			running++
		}
	}
	if st.RunningTasks != 4 || running != 4 {
		t.Fatalf("ServiceStatus %+v with %d tasks observed running; want 4 of 4 observed", st, running)
	}
	c.StartNode("worker2")
	c.RunFor(30 * time.Second)
	if st, _ := c.ServiceStatus("web"); st.RunningTasks != 3 {
		t.Fatalf("after the node is back: %+v", st)
	}
}

// Tasks on a DOWN node become ORPHANED 24 h after it went DOWN (SwarmKit's
// dispatcher.go: defaultNodeDownPeriod, moveTasksToOrphaned), not a moment
// before, keeping their message; a node back before then cancels it.
func TestOrphanedAfter24Hours(t *testing.T) {
	c := webSwarm(t)
	c.StopNode("worker2")
	c.RunFor(swarmsim.HeartbeatMisses * swarmsim.HeartbeatPeriod) // DOWN now
	old := onNode(t, c, "worker2")
	c.RunFor(swarmsim.OrphanTimeout - time.Nanosecond)
	if v, _ := c.Task(old); v.Task.State() != task.Running {
		t.Fatalf("a nanosecond before 24 h: %s", v.Task.State())
	}
	c.RunFor(time.Nanosecond)
	v, _ := c.Task(old)
	if st := v.Task.Status(); st.State != task.Orphaned || st.Message != "started" {
		t.Fatalf("after 24 h: %s %q, want orphaned \"started\"", st.State, st.Message)
	}

	c = webSwarm(t)
	c.StopNode("worker2")
	c.RunFor(time.Hour)
	c.StartNode("worker2")
	c.RunFor(30 * time.Hour)
	old = onNode(t, c, "worker2")
	if v, _ := c.Task(old); v.Task.State() == task.Orphaned {
		t.Fatal("orphaned though the node came back")
	}
}

func onNode(t *testing.T, c *swarmsim.Cluster, host string) string {
	t.Helper()
	ts, err := c.TasksOnNode(host)
	if err != nil || len(ts) == 0 {
		t.Fatalf("no task on %s: %v", host, err)
	}
	return ts[0].Task.ID
}

// An update waiting for a task on a node that died while the task was
// preparing waits (SwarmKit's updater has no timeout) until the task is
// ORPHANED 24 h later; that ends the wait (a failure: the update pauses).
func TestOrphanFreesStuckUpdate(t *testing.T) {
	c := webSwarm(t)
	c.SetImage("web:2", swarmsim.ImageBehavior{Pull: time.Minute, Start: time.Second, Stop: time.Second})
	spec := swarmsim.ServiceSpec{Name: "web", Replicas: 3, TaskTemplate: swarmsim.TaskSpec{Image: "web:2"},
		Update:   &updater.Config{Parallelism: 1},
		Endpoint: mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}}
	if err := c.UpdateService("web", spec); err != nil {
		t.Fatal(err)
	}
	// The first new task on a worker pulls: stop that worker (stopping the
	// only manager would leave no leader to mark anything DOWN; raft.go).
	var pulling *swarmsim.TaskView
	for range 600 {
		c.RunFor(time.Second)
		ts, _ := c.Tasks("web")
		for i := range ts {
			if ts[i].Task.State() == task.Preparing && ts[i].Task.NodeID != c.Leader().ID {
				pulling = &ts[i]
			}
		}
		if pulling != nil {
			break
		}
	}
	if pulling == nil {
		t.Fatal("no task preparing on a worker")
	}
	if err := c.StopNode(pulling.Task.NodeID); err != nil {
		t.Fatal(err)
	}
	c.RunFor(23 * time.Hour)
	if svc, _ := c.Service("web"); svc.UpdateStatus.State != updater.Updating {
		t.Fatalf("after 23 h: %s, want still updating", svc.UpdateStatus.State)
	}
	c.RunFor(2 * time.Hour)
	if v, _ := c.Task(pulling.Task.ID); v.Task.State() != task.Orphaned {
		t.Fatalf("the pulling task is %s, want orphaned", v.Task.State())
	}
	if svc, _ := c.Service("web"); svc.UpdateStatus.State == updater.Updating {
		t.Fatalf("after 25 h: still updating: %+v", svc.UpdateStatus)
	}
}

// A partition cuts the node on the far side from the managers: it is DOWN
// after 15 s and its task replaced; connections across the cut time out
// until gossip notices (2 s), then route only to this side; the far side
// still serves its own task. Heal brings it back READY and its agent shuts
// the replaced task down.
func TestPartitionAndHeal(t *testing.T) {
	c := webSwarm(t)
	if err := c.Partition([]string{"manager", "worker1"}); err != nil {
		t.Fatal(err)
	}
	if cut, _ := c.Partitioned("manager", "worker2"); !cut {
		t.Fatal("not partitioned")
	}
	if d := cmp.Diff([]string{"manager", "worker1", "timeout"}, outcomes(c, "manager", 3)); d != "" {
		t.Errorf("at once (-want +got)\n%s", d)
	}
	c.RunFor(swarmsim.GossipConvergeDelay)
	if d := cmp.Diff([]string{"manager", "worker1", "manager"}, outcomes(c, "manager", 3)); d != "" {
		t.Errorf("settled (-want +got)\n%s", d)
	}
	if d := cmp.Diff([]string{"worker2", "worker2"}, outcomes(c, "worker2", 2)); d != "" {
		t.Errorf("far side (-want +got)\n%s", d)
	}
	c.RunFor(swarmsim.HeartbeatMisses*swarmsim.HeartbeatPeriod - swarmsim.GossipConvergeDelay)
	if n, _ := c.Node("worker2"); n.Status.State != node.Down {
		t.Fatalf("worker2 is %s, want down", n.Status.State)
	}
	c.RunFor(10 * time.Second)
	// its task is desired SHUTDOWN, but its agent does not know: it serves
	if d := cmp.Diff([]string{"worker2"}, outcomes(c, "worker2", 1)); d != "" {
		t.Errorf("far side after DOWN (-want +got)\n%s", d)
	}
	c.Heal()
	if n, _ := c.Node("worker2"); n.Status.State != node.Ready {
		t.Fatalf("after Heal worker2 is %s", n.Status.State)
	}
	c.RunFor(10 * time.Second)
	old := onNode(t, c, "worker2")
	if v, _ := c.Task(old); v.Task.State() != task.Shutdown {
		t.Errorf("the replaced task on worker2 is %s, want shutdown", v.Task.State())
	}
	if st, _ := c.ServiceStatus("web"); st.RunningTasks != 3 {
		t.Errorf("%+v", st)
	}
}

// Faults are checked when queued and fire in time order; a fault that fails
// when it fires is kept in FaultErrors.
func TestFaultPlan(t *testing.T) {
	c := seedSwarm(t)
	for _, tc := range []struct {
		f    swarmsim.Fault
		want string
	}{
		{swarmsim.Fault{Kind: swarmsim.FaultNodeStop, Node: "nope"}, "node nope not found"},
		{swarmsim.Fault{Kind: swarmsim.FaultPartition}, "a partition needs at least one group of nodes"},
		{swarmsim.Fault{Kind: swarmsim.FaultPartition, Groups: [][]string{{"worker1"}, {}}}, "partition group 2 is empty"},
		{swarmsim.Fault{Kind: swarmsim.FaultPartition, Groups: [][]string{{"worker1"}, {"worker1"}}}, "node worker1 is in two partition groups"},
		{swarmsim.Fault{Kind: swarmsim.FaultImage}, "fault image: no image reference"},
		{swarmsim.Fault{Kind: 99}, "unknown fault kind 99"},
		{swarmsim.Fault{Kind: swarmsim.FaultAvailability, Node: "worker1", Availability: 7}, "invalid Availability: 7"},
	} {
		err := c.After(time.Second, tc.f)
		if err == nil || err.Error() != tc.want || !errors.Is(err, swarmsim.ErrInvalidArgument) && !errors.Is(err, swarmsim.ErrNotFound) {
			t.Errorf("%v: err = %v, want %q", tc.f, err, tc.want)
		}
	}
	c.RunFor(time.Minute)
	if err := c.At(c.Epoch(), swarmsim.Fault{Kind: swarmsim.FaultHeal}); err == nil || !strings.Contains(err.Error(), "that time has passed") {
		t.Errorf("past: %v", err)
	}
	if err := c.After(-time.Second, swarmsim.Fault{Kind: swarmsim.FaultHeal}); err == nil {
		t.Error("negative delay accepted")
	}
	c.After(10*time.Second, swarmsim.Fault{Kind: swarmsim.FaultNodeStart, Node: "worker2"})
	c.After(5*time.Second, swarmsim.Fault{Kind: swarmsim.FaultNodeStop, Node: "worker2"})
	c.After(20*time.Second, swarmsim.Fault{Kind: swarmsim.FaultNodeStop, Node: "worker1"})
	c.After(20*time.Second, swarmsim.Fault{Kind: swarmsim.FaultAvailability, Node: "worker1", Availability: node.Drain})
	c.RunFor(15 * time.Second)
	if err := c.RemoveNode("worker1", true); err != nil {
		t.Fatal(err)
	}
	c.RunFor(10 * time.Second)
	var stops []string
	for _, e := range c.Events() {
		if e.Kind == swarmsim.EventNodeStopped || e.Kind == swarmsim.EventNodeStarted {
			stops = append(stops, fmt.Sprintf("%s %s %s", e.Time.Sub(c.Epoch()), e.Kind, e.Node))
		}
	}
	if d := cmp.Diff([]string{"1m5s node-stopped worker2", "1m10s node-started worker2"}, stops); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	errs := c.FaultErrors()
	if len(errs) != 2 || !errors.Is(errs[0], swarmsim.ErrNotFound) ||
		errs[0].Error() != "fault node-stop worker1 at 1m20s: node worker1 not found" {
		t.Errorf("FaultErrors = %v", errs)
	}
}

// A node cut off by a partition and then dead: the news of its tasks spreads
// from its death, and after the heal nothing routes to it.
func TestDeadAfterPartition(t *testing.T) {
	c := webSwarm(t)
	c.Partition([]string{"worker2"})
	c.RunFor(20 * time.Second)
	if heard, _ := c.Heard("worker2"); heard {
		t.Fatal("worker2 heard across the partition")
	}
	c.StopNode("worker2")
	c.Heal()
	if d := cmp.Diff([]string{"manager", "worker1", "timeout"}, outcomes(c, "worker1", 3)); d != "" {
		t.Errorf("healed, before the news spread (-want +got)\n%s", d)
	}
	c.RunFor(swarmsim.GossipConvergeDelay)
	for _, got := range outcomes(c, "worker1", 6) {
		if got != "manager" && got != "worker1" {
			t.Fatalf("after the news spread: %s", got)
		}
	}
	if n, _ := c.Node("worker2"); n.Status.State != node.Down {
		t.Fatalf("worker2 is %s, want down", n.Status.State)
	}
	if _, err := c.Heard("nope"); !errors.Is(err, swarmsim.ErrNotFound) {
		t.Errorf("Heard(nope) = %v", err)
	}
	if _, err := c.Partitioned("manager", "nope"); !errors.Is(err, swarmsim.ErrNotFound) {
		t.Errorf("Partitioned(nope) = %v", err)
	}
}

// A task-exit fault ends the container of the task running in a slot when
// it fires (a later task of the slot if the first was replaced meanwhile):
// 137 is docker kill's FAILED "task: non-zero exit (137)", 0 docker stop's
// COMPLETE; a reference that names nothing is kept in FaultErrors.
func TestFaultTaskExit(t *testing.T) {
	c := webSwarm(t)
	at := c.Now()
	for _, f := range []struct {
		d    time.Duration
		task string
		code int
	}{{10 * time.Second, "web.1", swarmsim.KillExitCode}, {30 * time.Second, "web.1", 0}, {40 * time.Second, "nosuch.1", 137}} {
		if err := c.At(at.Add(f.d), swarmsim.Fault{Kind: swarmsim.FaultTaskExit, Task: f.task, ExitCode: f.code}); err != nil {
			t.Fatal(err)
		}
	}
	c.RunFor(time.Minute)
	var got []string
	ts, _ := c.Tasks("web")
	for _, v := range ts {
		if v.Slot == 1 {
			got = append(got, v.Status().State.String()+" "+v.Status().Err)
		}
	}
	want := []string{"failed task: non-zero exit (137)", "complete ", "running "}
	if !slices.Equal(got, want) {
		t.Errorf("slot 1's tasks: %q, want %q", got, want)
	}
	if errs := c.FaultErrors(); len(errs) != 1 || !strings.Contains(errs[0].Error(), "nosuch.1") {
		t.Errorf("fault errors %v, want the one for nosuch.1", errs)
	}
	if err := c.At(at.Add(time.Hour), swarmsim.Fault{Kind: swarmsim.FaultTaskExit}); err == nil {
		t.Error("a task-exit fault without a task was queued")
	}
}

// A task-unhealthy fault makes the health check of a slot's running task
// fail when it fires: Docker stops the container and the task fails as
// unhealthy; the restart policy replaces it.
func TestFaultTaskUnhealthy(t *testing.T) {
	c := seedSwarm(t)
	c.SetImage("hc:1", swarmsim.ImageBehavior{Pull: time.Second, Start: time.Second, Stop: time.Second, HealthCheck: true, HealthyAfter: time.Second})
	if _, err := c.CreateService(swarmsim.ServiceSpec{Name: "hc", Replicas: 1, TaskTemplate: swarmsim.TaskSpec{Image: "hc:1"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.After(30*time.Second, swarmsim.Fault{Kind: swarmsim.FaultTaskUnhealthy, Task: "hc.1"}); err != nil {
		t.Fatal(err)
	}
	c.RunFor(time.Minute)
	var got []string
	ts, _ := c.Tasks("hc")
	for _, v := range ts {
		got = append(got, v.Status().State.String())
		if v.Status().State == task.Failed && !strings.Contains(v.Status().Err, "unhealthy container") {
			t.Errorf("failed with %q, want an unhealthy container", v.Status().Err)
		}
	}
	if want := []string{"failed", "running"}; !slices.Equal(got, want) {
		t.Errorf("hc's tasks %q, want %q", got, want)
	}
	if errs := c.FaultErrors(); len(errs) != 0 {
		t.Errorf("fault errors: %v", errs)
	}
}
