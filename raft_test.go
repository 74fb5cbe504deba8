package swarmsim

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
	"pgregory.net/rapid"
)

// threeManagers is a swarm of managers m1, m2, m3 (m1 leads) and workers
// w1, w2.
func threeManagers(t *testing.T) *Cluster {
	t.Helper()
	c := New(Config{Seed: 3})
	for _, h := range []string{"m1", "m2", "m3", "w1", "w2"} {
		cfg := NodeConfig{Hostname: h}
		if h[0] == 'm' {
			cfg.Role = node.Manager
		}
		if _, err := c.AddNode(cfg); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func leaderName(c *Cluster) string {
	if l := c.Leader(); l != nil {
		return l.Description.Hostname
	}
	return ""
}

func reachability(t *testing.T, c *Cluster, h string) string {
	t.Helper()
	n, err := c.Node(h)
	if err != nil {
		t.Fatal(err)
	}
	s := n.ManagerStatus.Reachability.String()
	if n.ManagerStatus.Leader {
		s = "leader"
	}
	return s
}

// A stopped leader leaves the swarm without one for ElectionTimeout (raft's
// ElectionTick 10 × TickInterval 1 s); then the first reachable manager in
// join order leads, and the old one shows unreachable.
func TestLeaderFailover(t *testing.T) {
	c := threeManagers(t)
	if err := c.StopNode("m1"); err != nil {
		t.Fatal(err)
	}
	if c.HasLeader() || c.Leader() != nil {
		t.Fatalf("a leader right after the leader stopped: %q", leaderName(c))
	}
	_, err := c.CreateService(ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "nginx"}})
	if !errors.Is(err, ErrNoLeader) || err.Error() != "The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online." {
		t.Fatalf("create without a leader: %v", err)
	}
	if len(c.Services()) != 0 {
		t.Fatal("a refused create left a service")
	}
	c.RunFor(ElectionTimeout - time.Millisecond)
	if c.HasLeader() {
		t.Fatalf("elected before the election timeout: %q", leaderName(c))
	}
	c.RunFor(time.Millisecond)
	if got := leaderName(c); got != "m2" {
		t.Fatalf("leader after the election = %q, want m2", got)
	}
	// The new leader's dispatcher marks every node UNKNOWN; the ones it
	// hears register a heartbeat period later, the stopped one is DOWN
	// after twice the grace.
	nodeState := func(h string) string {
		n, _ := c.Node(h)
		return n.Status.State.String() + " " + n.Status.Message
	}
	if got := nodeState("w1"); got != `unknown Node moved to "unknown" state due to leadership change in cluster` {
		t.Errorf("w1 at the election: %s", got)
	}
	c.RunFor(HeartbeatPeriod)
	if got := nodeState("w1"); got != "ready " {
		t.Errorf("w1 a heartbeat period after the election: %s", got)
	}
	c.RunFor(2*HeartbeatMisses*HeartbeatPeriod - HeartbeatPeriod)
	if got := nodeState("m1"); got != `down heartbeat failure for node in "unknown" state` {
		t.Errorf("m1 30 s after the election: %s", got)
	}
	for h, want := range map[string]string{"m1": "unreachable", "m2": "leader", "m3": "reachable"} {
		if got := reachability(t, c, h); got != want {
			t.Errorf("%s: %s, want %s", h, got, want)
		}
	}
	var kinds []string
	for _, e := range c.Events() {
		if e.Kind == EventLeader {
			kinds = append(kinds, e.Time.Sub(c.Epoch()).String()+" "+e.Node)
		}
	}
	if want := []string{"0s ", "10s m2"}; !slices.Equal(kinds, want) {
		t.Errorf("leader events %q, want %q", kinds, want)
	}
	if _, err := c.CreateService(ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "nginx"}}); err != nil {
		t.Fatalf("create with the new leader: %v", err)
	}
}

// With two of three managers stopped there is no quorum: nothing is decided
// (no restart of a task that ended, no DOWN node, no update step) while the
// containers go on and the mesh keeps routing; when a manager comes back a
// leader is elected after ElectionTimeout and the swarm catches up.
func TestQuorumLossFreezesOrchestration(t *testing.T) {
	c := threeManagers(t)
	c.SetImage("crash", ImageBehavior{Pull: time.Second, Start: time.Second, ExitAfter: 30 * time.Second, ExitCode: 1, Stop: time.Second})
	upd := updater.DefaultConfig()
	upd.Delay = 20 * time.Second
	if _, err := c.CreateService(ServiceSpec{Name: "web", Replicas: 4, TaskTemplate: TaskSpec{Image: "nginx"}, Update: &upd}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateService(ServiceSpec{Name: "job", Replicas: 1, TaskTemplate: TaskSpec{Image: "crash", Placement: scheduler.Placement{Constraints: []string{"node.hostname==w1"}}}}); err != nil {
		t.Fatal(err)
	}
	c.RunFor(10 * time.Second)
	svc, err := c.Service("web")
	if err != nil {
		t.Fatal(err)
	}
	spec := svc.Spec.Clone()
	spec.TaskTemplate.Image = "nginx:2"
	if err := c.UpdateService("web", spec); err != nil {
		t.Fatal(err)
	}
	c.RunFor(5 * time.Second) // the first slot is replaced; the delay runs
	before := len(c.AllTasks())
	for _, m := range []string{"m2", "m3"} {
		if err := c.StopNode(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.StopNode("w2"); err != nil {
		t.Fatal(err)
	}
	if c.HasLeader() {
		t.Fatal("a leader without quorum")
	}
	if err := c.ScaleService("web", 6); !errors.Is(err, ErrNoLeader) {
		t.Fatalf("scale without quorum: %v", err)
	}
	if err := c.UpdateNode("w1", NodeUpdate{Availability: ptr(node.Drain)}); !errors.Is(err, ErrNoLeader) {
		t.Fatalf("node update without quorum: %v", err)
	}
	c.RunFor(5 * time.Minute)
	if got := len(c.AllTasks()); got != before {
		t.Errorf("%d tasks after 5 minutes without a leader, %d before: something was decided", got, before)
	}
	if n, _ := c.Node("w2"); n.Status.State != node.Ready {
		t.Errorf("w2 marked %s without a leader", n.Status.State)
	}
	ended := 0
	for _, v := range c.AllTasks() {
		if v.ServiceName == "job" && v.Status().State == task.Failed && v.DesiredState == task.Running {
			ended++
		}
	}
	if ended != 1 {
		t.Errorf("%d crashed tasks still meant to run, want 1 (the container died; no one restarted it)", ended)
	}
	if err := c.StartNode("m2"); err != nil {
		t.Fatal(err)
	}
	c.RunFor(ElectionTimeout)
	if got := leaderName(c); got != "m1" {
		t.Fatalf("leader = %q, want m1 (the first reachable manager)", got)
	}
	ok, err := c.RunUntilConverged(5*time.Minute, "web")
	if err != nil || !ok {
		t.Fatalf("web did not converge after the election (%v)\n%s", err, c.TraceText())
	}
	st, _ := c.Service("web")
	if st.UpdateStatus.State != updater.Completed {
		t.Errorf("update state %s after the election, want completed", st.UpdateStatus.State)
	}
	restarted := false
	for _, v := range c.AllTasks() {
		if v.ServiceName == "job" && v.Status().Timestamp.After(c.Epoch().Add(5*time.Minute)) && v.DesiredState == task.Running {
			restarted = true
		}
	}
	if !restarted {
		t.Error("the crashed task was not restarted after the election")
	}
	if n, _ := c.Node("w2"); n.Status.State != node.Down {
		t.Errorf("w2 is %s a heartbeat period after the election, want down", n.Status.State)
	}
}

// Demotion keeps a quorum (raft's CanRemoveMember): with one of three
// managers stopped, demoting a reachable one is refused, demoting the
// stopped one is allowed.
func TestDemoteKeepsQuorum(t *testing.T) {
	c := threeManagers(t)
	if err := c.StopNode("m3"); err != nil {
		t.Fatal(err)
	}
	err := c.UpdateNode("m2", NodeUpdate{Role: ptr(node.Worker)})
	if err == nil || err.Error() != "can't remove member from the raft: this would result in a loss of quorum" {
		t.Fatalf("demoting a reachable manager: %v", err)
	}
	if n, _ := c.Node("m2"); n.Role != node.Manager {
		t.Fatal("a refused demotion changed the role")
	}
	if err := c.UpdateNode("m3", NodeUpdate{Role: ptr(node.Worker)}); err != nil {
		t.Fatalf("demoting the stopped manager: %v", err)
	}
	// Two managers left, both up: stopping one loses the quorum.
	if err := c.StopNode("m2"); err != nil {
		t.Fatal(err)
	}
	if c.HasLeader() {
		t.Error("a leader with one of two managers")
	}
	if err := c.StartNode("m2"); err != nil {
		t.Fatal(err)
	}
	c.RunFor(ElectionTimeout)
	if got := leaderName(c); got != "m1" {
		t.Errorf("leader = %q, want m1", got)
	}
}

// Property: whatever managers stop and start, nothing is decided while the
// swarm has no leader (no task created, no desired state or node state
// changed, no update status written), a leader is only elected with a
// quorum, ElectionTimeout after the last loss at the earliest, and the
// leader is always a reachable manager.
func TestQuorumProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		managers := rapid.SampledFrom([]int{1, 3, 5}).Draw(rt, "managers")
		c := New(Config{Seed: rapid.Uint64().Draw(rt, "seed")})
		var names []string
		for i := range managers + 2 {
			cfg := NodeConfig{Hostname: fmt.Sprintf("n%d", i)}
			if i < managers {
				cfg.Role = node.Manager
				names = append(names, cfg.Hostname)
			}
			if _, err := c.AddNode(cfg); err != nil {
				rt.Fatal(err)
			}
		}
		c.SetImage("crash", ImageBehavior{Pull: time.Second, Start: time.Second, ExitAfter: 7 * time.Second, ExitCode: 1})
		if _, err := c.CreateService(ServiceSpec{Name: "crash", Replicas: 3, TaskTemplate: TaskSpec{Image: "crash"}}); err != nil {
			rt.Fatal(err)
		}
		up := map[string]bool{}
		for _, n := range names {
			up[n] = true
		}
		for range rapid.IntRange(1, 12).Draw(rt, "steps") {
			m := rapid.SampledFrom(names).Draw(rt, "manager")
			if up[m] {
				if err := c.StopNode(m); err != nil {
					rt.Fatal(err)
				}
			} else if err := c.StartNode(m); err != nil {
				rt.Fatal(err)
			}
			up[m] = !up[m]
			c.RunFor(time.Duration(rapid.IntRange(0, 40).Draw(rt, "seconds")) * time.Second)
			if l := c.Leader(); l != nil && !up[l.Description.Hostname] {
				rt.Fatalf("leader %s is stopped", l.Description.Hostname)
			}
		}
		leaderless, lostAt := false, time.Time{}
		for _, e := range c.Events() {
			switch e.Kind {
			case EventLeader:
				if e.NodeID == "" {
					leaderless, lostAt = true, e.Time
					continue
				}
				if e.Time.Sub(lostAt) < ElectionTimeout {
					rt.Fatalf("%v: elected %v after the loss", e.Time, e.Time.Sub(lostAt))
				}
				leaderless = false
			case EventTaskCreated, EventTaskDesired, EventNodeState, EventUpdateStatus, EventServiceUpdated:
				if leaderless {
					rt.Fatalf("decided without a leader: %s", e.Text(c.Epoch()))
				}
			}
		}
	})
}

// A demoted leader hands leadership over at once: its dispatcher stops
// (every node DISCONNECTED, "node is currently trying to find new
// manager"), the new one marks them UNKNOWN, and they register again a
// heartbeat period later.
func TestDemoteLeaderTransfers(t *testing.T) {
	c := threeManagers(t)
	if err := c.UpdateNode("m1", NodeUpdate{Role: ptr(node.Worker)}); err != nil {
		t.Fatal(err)
	}
	if got := leaderName(c); got != "m2" || !c.HasLeader() {
		t.Fatalf("leader after demoting m1 = %q", got)
	}
	var w1 []string
	for _, e := range c.Events() {
		if e.Kind == EventNodeState && e.Node == "w1" {
			w1 = append(w1, e.To+": "+e.Message)
		}
	}
	want := []string{"disconnected: node is currently trying to find new manager", `unknown: Node moved to "unknown" state due to leadership change in cluster`}
	if !slices.Equal(w1, want) {
		t.Errorf("w1's states %q, want %q", w1, want)
	}
	c.RunFor(HeartbeatPeriod)
	for _, h := range []string{"m1", "m2", "m3", "w1", "w2"} {
		if n, _ := c.Node(h); n.Status.State != node.Ready {
			t.Errorf("%s is %s a heartbeat period after the transfer", h, n.Status.State)
		}
	}
}

// A partition that leaves the leader with a minority of the managers: it
// steps down, the majority's side elects a leader ElectionTimeout later,
// and the minority's managers are unreachable; a node cut off from the new
// leader is UNKNOWN, then DOWN. Healing makes everyone reachable again.
func TestPartitionMovesLeadership(t *testing.T) {
	c := threeManagers(t)
	if err := c.Partition([]string{"m1", "w1"}, []string{"m2", "m3", "w2"}); err != nil {
		t.Fatal(err)
	}
	if c.HasLeader() {
		t.Fatalf("m1 still leads from the minority side")
	}
	c.RunFor(ElectionTimeout)
	if got := leaderName(c); got != "m2" {
		t.Fatalf("leader = %q, want m2", got)
	}
	for h, want := range map[string]string{"m1": "unreachable", "m2": "leader", "m3": "reachable"} {
		if got := reachability(t, c, h); got != want {
			t.Errorf("%s: %s, want %s", h, got, want)
		}
	}
	c.RunFor(2 * HeartbeatMisses * HeartbeatPeriod)
	for h, want := range map[string]node.State{"w1": node.Down, "m1": node.Down, "w2": node.Ready, "m3": node.Ready} {
		if n, _ := c.Node(h); n.Status.State != want {
			t.Errorf("%s is %s after the unknown grace, want %s", h, n.Status.State, want)
		}
	}
	c.Heal()
	for _, h := range []string{"m1", "m3"} {
		if got := reachability(t, c, h); got != "reachable" {
			t.Errorf("%s after the heal: %s", h, got)
		}
	}
	c.RunFor(HeartbeatPeriod)
	for _, h := range []string{"m1", "w1"} {
		if n, _ := c.Node(h); n.Status.State != node.Ready {
			t.Errorf("%s is %s after the heal", h, n.Status.State)
		}
	}
}

// Demoting a manager is refused when the managers the leader still reaches
// would not hold a quorum without it (SwarmKit's CanRemoveMember counts the
// leader and the members its transport reaches): five managers split 3/2,
// the leader cannot be demoted, nor can either manager on its side; once
// the partition heals it can, and hands over to the next in join order.
func TestDemoteAcrossPartitionKeepsQuorum(t *testing.T) {
	c := New(Config{Seed: 3})
	for _, h := range []string{"m1", "m2", "m3", "m4", "m5"} {
		if _, err := c.AddNode(NodeConfig{Hostname: h, Role: node.Manager}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Partition([]string{"m1", "m2", "m3"}, []string{"m4", "m5"}); err != nil {
		t.Fatal(err)
	}
	const quorum = "can't remove member from the raft: this would result in a loss of quorum"
	for _, h := range []string{"m1", "m2"} {
		if err := c.UpdateNode(h, NodeUpdate{Role: ptr(node.Worker)}); err == nil || err.Error() != quorum || !errors.Is(err, ErrFailedPrecondition) {
			t.Errorf("demote %s across the split: %v, want %q", h, err, quorum)
		}
	}
	if got := leaderName(c); got != "m1" {
		t.Fatalf("leader %q after the refused demotions, want m1", got)
	}
	if n, _ := c.Node("m1"); n.Role != node.Manager {
		t.Errorf("m1 is a %v after a refused demotion", n.Role)
	}
	c.Heal()
	if err := c.UpdateNode("m1", NodeUpdate{Role: ptr(node.Worker)}); err != nil {
		t.Fatal(err)
	}
	if got := leaderName(c); got != "m2" {
		t.Errorf("leader %q after the demotion, want m2", got)
	}
}
