package swarmsim

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/updater"
)

// refused checks that err is an invalid-argument error containing want and
// that the call left the cluster as it was: no event recorded and the ID
// stream where it was (the next service gets the ID a fresh twin gives it).
func refused(t *testing.T, c *Cluster, seq uint64, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want an error containing %q", want)
	}
	if !errors.Is(err, ErrInvalidArgument) && !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("error %q has kind %v; want invalid argument", err, err.(*Error).Kind)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q; want it to contain %q", err, want)
	}
	if got := c.LastSeq(); got != seq {
		t.Errorf("a refused call recorded %d events", got-seq)
	}
}

func TestReplicaLimits(t *testing.T) {
	for _, n := range []uint64{1 << 62, math.MaxUint64, MaxReplicas + 1} {
		c := newTestCluster(t, "m")
		seq := c.LastSeq()
		_, err := c.CreateService(ServiceSpec{Name: "web", Replicas: n, TaskTemplate: TaskSpec{Image: "nginx"}})
		refused(t, c, seq, err, "exceeds the simulator's limit of 1000000 per service")
	}
	c := newTestCluster(t, "m")
	if _, err := c.CreateService(ServiceSpec{Name: "web", Replicas: 2, TaskTemplate: TaskSpec{Image: "nginx"}}); err != nil {
		t.Fatal(err)
	}
	seq := c.LastSeq()
	refused(t, c, seq, c.ScaleService("web", 1<<40), "per service")
	if st, _ := c.ServiceStatus("web"); st.DesiredTasks != 2 {
		t.Errorf("refused scale changed desired to %d", st.DesiredTasks)
	}
}

// The sum of what all services ask for is bounded too; a change that does
// not ask for more is never refused, even over the limit.
func TestTaskBudget(t *testing.T) {
	c := newTestCluster(t, "m", "w1")
	// as if other services held the rest
	c.st.AddService(&store.Service{ID: "held", Spec: &store.SpecVersion{Spec: ServiceSpec{Name: "held", Replicas: MaxTasks - 3}}})
	seq := c.LastSeq()
	_, err := c.CreateService(ServiceSpec{Name: "big", Replicas: 4, TaskTemplate: TaskSpec{Image: "nginx"}})
	refused(t, c, seq, err, "the services would ask for 2000001 tasks; the simulator's limit is 2000000")
	if _, err := c.CreateService(ServiceSpec{Name: "ok", Replicas: 3, TaskTemplate: TaskSpec{Image: "nginx"}}); err != nil {
		t.Fatalf("a service that fits exactly was refused: %v", err)
	}
	if err := c.ScaleService("ok", 2); err != nil {
		t.Fatalf("scaling down was refused: %v", err)
	}
	_, err = c.CreateService(ServiceSpec{Name: "g", Mode: Global, TaskTemplate: TaskSpec{Image: "nginx"}})
	refused(t, c, c.LastSeq(), err, "would ask for 2000001 tasks")
	if err := c.RemoveService("ok"); err != nil {
		t.Fatal(err)
	}
	if got := c.st.TasksWanted(); got != MaxTasks-3 {
		t.Errorf("after remove the services ask for %d tasks; want %d", got, MaxTasks-3)
	}
	// A global service makes each new node ask for one more task.
	if _, err := c.CreateService(ServiceSpec{Name: "g", Mode: Global, TaskTemplate: TaskSpec{Image: "nginx"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddNode(NodeConfig{Hostname: "w2"}); err != nil {
		t.Fatalf("a node that fits was refused: %v", err)
	}
	_, err = c.AddNode(NodeConfig{Hostname: "w3"})
	refused(t, c, c.LastSeq(), err, "past the simulator's limit of 2000000")
}

func TestNodeLimits(t *testing.T) {
	c := newTestCluster(t, "m")
	for i := range MaxNodes - 1 { // as if they had joined and left
		ns := &store.Node{N: &node.Node{ID: fmt.Sprintf("gone%021d", i)}}
		c.st.AddNode(ns)
		c.st.RemoveNode(ns)
	}
	_, err := c.AddNode(NodeConfig{Hostname: "one-too-many"})
	refused(t, c, c.LastSeq(), err, "the swarm has had 100000 nodes, the simulator's limit")

	c = newTestCluster(t, "m")
	for _, cfg := range []NodeConfig{
		{Hostname: "x", Resources: node.Resources{NanoCPUs: -1e9}},
		{Hostname: "x", Resources: node.Resources{MemoryBytes: -1}},
	} {
		_, err := c.AddNode(cfg)
		refused(t, c, c.LastSeq(), err, "node resources must not be negative")
	}
}

func TestTaskHistoryLimitBounded(t *testing.T) {
	c := newTestCluster(t, "m")
	err := c.SetTaskHistoryLimit(MaxTaskHistory + 1)
	refused(t, c, c.LastSeq(), err, "task history retention limit 1001 exceeds the simulator's limit of 1000")
	if got := c.TaskHistoryLimit(); got != DefaultTaskHistoryLimit {
		t.Errorf("refused limit changed it to %d", got)
	}
	if err := c.SetTaskHistoryLimit(-1); err != nil {
		t.Fatal(err)
	}
	if got := New(Config{TaskHistoryLimit: 1 << 40}).TaskHistoryLimit(); got != MaxTaskHistory {
		t.Errorf("Config.TaskHistoryLimit 1<<40 gives %d; want %d", got, MaxTaskHistory)
	}
}

// A restart policy with a huge MaxAttempts keeps MaxTaskHistory tasks per
// slot; before the limit, int(MaxAttempts)+1 wrapped to 0 and the reaper
// deleted every task it could.
func TestHugeMaxAttemptsKeepsHistory(t *testing.T) {
	c := newTestCluster(t, "m")
	c.SetImage("crash", ImageBehavior{Pull: time.Second, ExitAfter: time.Second, ExitCode: 1})
	zero := time.Duration(0)
	_, err := c.CreateService(ServiceSpec{Name: "crash", Replicas: 1, TaskTemplate: TaskSpec{Image: "crash",
		Restart: &RestartPolicy{Condition: RestartAny, Delay: &zero, MaxAttempts: math.MaxUint64}}})
	if err != nil {
		t.Fatal(err)
	}
	c.RunFor(time.Minute)
	ts, _ := c.Tasks("crash")
	if len(ts) < 10 {
		t.Fatalf("the crash loop kept %d tasks after a minute; want its whole history (about 30)", len(ts))
	}
}

func TestVirtualClockSaturates(t *testing.T) {
	c := newTestCluster(t, "m")
	c.RunFor(time.Second)
	c.RunFor(math.MaxInt64)
	if got := c.Elapsed(); got != Horizon {
		t.Fatalf("RunFor(MaxInt64) at 1s left the clock at %v; want the horizon %v", got, Horizon)
	}
	c.RunFor(math.MaxInt64) // again: no wrap
	if got := c.Elapsed(); got != Horizon {
		t.Fatalf("a second RunFor(MaxInt64) left the clock at %v", got)
	}
	if ok := c.RunUntil(nil, math.MaxInt64); ok || c.Elapsed() != Horizon {
		t.Fatalf("RunUntil(nil, MaxInt64) = %v at %v", ok, c.Elapsed())
	}
	// At the horizon a new task is created and assigned, but its pull never
	// ends: it must not run before its pull and start times.
	if _, err := c.CreateService(ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "nginx"}}); err != nil {
		t.Fatal(err)
	}
	c.RunFor(time.Hour)
	got := states(t, c, "web")
	if len(got) != 1 || got[0] != "web.1 preparing" {
		t.Fatalf("at the horizon the task is %v; want [web.1 preparing]", got)
	}
}

// Step durations that overflow int64 nanoseconds from now never wrap into
// the past.
func TestHugeImageDurationsDoNotWrap(t *testing.T) {
	c := newTestCluster(t, "m")
	c.SetImage("slow", ImageBehavior{Pull: math.MaxInt64, Start: math.MaxInt64, Stop: math.MaxInt64})
	c.RunFor(time.Hour)
	if _, err := c.CreateService(ServiceSpec{Name: "slow", Replicas: 1, TaskTemplate: TaskSpec{Image: "slow"}}); err != nil {
		t.Fatal(err)
	}
	c.RunFor(Horizon)
	if got := states(t, c, "slow"); len(got) != 1 || got[0] != "slow.1 preparing" {
		t.Fatalf("a task whose pull takes 292 years is %v at the horizon; want preparing", got)
	}
}

func TestRunUntilNil(t *testing.T) {
	c := newTestCluster(t, "m")
	if c.RunUntil(nil, time.Minute) {
		t.Fatal("RunUntil(nil) reported that its condition held")
	}
	if c.Elapsed() != time.Minute {
		t.Fatalf("RunUntil(nil, 1m) left the clock at %v", c.Elapsed())
	}
}

func TestZeroValueCluster(t *testing.T) {
	var c Cluster
	c.SetImage("web:1", ImageBehavior{Pull: time.Second})
	if _, err := c.AddNode(NodeConfig{Hostname: "m", Role: node.Manager}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateService(ServiceSpec{Name: "web", Replicas: 2, TaskTemplate: TaskSpec{Image: "web:1"}}); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.RunUntilConverged(time.Minute, "web"); !ok || err != nil {
		t.Fatalf("zero-value cluster did not converge: %v %v", ok, err)
	}
	if !c.Epoch().Equal(DefaultEpoch()) {
		t.Errorf("zero-value epoch %v; want DefaultEpoch", c.Epoch())
	}
	// The same run on New(Config{}) gives the same trace.
	d := New(Config{})
	d.SetImage("web:1", ImageBehavior{Pull: time.Second})
	d.AddNode(NodeConfig{Hostname: "m", Role: node.Manager})
	d.CreateService(ServiceSpec{Name: "web", Replicas: 2, TaskTemplate: TaskSpec{Image: "web:1"}})
	d.RunUntilConverged(time.Minute, "web")
	if c.TraceText() != d.TraceText() {
		t.Error("a zero-value Cluster and New(Config{}) give different traces")
	}
}

func TestOutOfRangeEnums(t *testing.T) {
	c := newTestCluster(t, "m")
	bad := func(mut func(*ServiceSpec)) ServiceSpec {
		s := ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "nginx"}}
		mut(&s)
		return s
	}
	for _, tc := range []struct {
		spec ServiceSpec
		want string
	}{
		{bad(func(s *ServiceSpec) { s.TaskTemplate.Restart = &RestartPolicy{Condition: 42} }), "invalid RestartCondition: 42"},
		{bad(func(s *ServiceSpec) { s.Update = &updater.Config{FailureAction: 99} }), "invalid FailureAction: 99"},
		{bad(func(s *ServiceSpec) { s.Rollback = &updater.Config{FailureAction: 7} }), "invalid FailureAction: 7"},
		{bad(func(s *ServiceSpec) { s.Update = &updater.Config{Order: 5} }), "invalid UpdateOrder: 5"},
		{bad(func(s *ServiceSpec) { s.Update = &updater.Config{MaxFailureRatio: float32(math.NaN())} }), "NaN"},
		{bad(func(s *ServiceSpec) { s.Mode = 7 }), "unknown mode"},
	} {
		_, err := c.CreateService(tc.spec)
		refused(t, c, c.LastSeq(), err, tc.want)
	}
	_, err := c.AddNode(NodeConfig{Hostname: "x", Role: 9})
	refused(t, c, c.LastSeq(), err, "invalid Role: 9")
	_, err = c.AddNode(NodeConfig{Hostname: "x", Availability: 9})
	refused(t, c, c.LastSeq(), err, "invalid Availability: 9")
	role, avail := node.Role(9), node.Availability(8)
	refused(t, c, c.LastSeq(), c.UpdateNode("m", NodeUpdate{Role: &role}), "invalid Role: 9")
	refused(t, c, c.LastSeq(), c.UpdateNode("m", NodeUpdate{Availability: &avail}), "invalid Availability: 8")
	for v, want := range map[interface{ String() string }]string{
		RestartCondition(42): "RestartCondition(42)", Mode(7): "Mode(7)", node.Role(9): "Role(9)",
		node.Availability(8): "Availability(8)", node.State(9): "State(9)",
	} {
		if got := v.String(); got != want {
			t.Errorf("String() = %q; want %q", got, want)
		}
	}
}

// SwarmKit's store compares service names case-insensitively for conflicts;
// look-ups by name stay exact (controlapi ListServices filters by the exact
// name after the store's case-insensitive index).
func TestServiceNameConflictIgnoresCase(t *testing.T) {
	c := newTestCluster(t, "m")
	if _, err := c.CreateService(ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "nginx"}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateService(ServiceSpec{Name: "WEB", Replicas: 1, TaskTemplate: TaskSpec{Image: "nginx"}})
	refused(t, c, c.LastSeq(), err, "name conflicts with an existing object: service WEB already exists")
	if !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("kind %v; want AlreadyExists", err.(*Error).Kind)
	}
	if _, err := c.Service("WEB"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Service(WEB) = %v; want not found", err)
	}
	if err := c.RemoveService("web"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateService(ServiceSpec{Name: "WEB", Replicas: 1, TaskTemplate: TaskSpec{Image: "nginx"}}); err != nil {
		t.Fatalf("the name is free again after remove: %v", err)
	}
}

func TestInvalidUTF8Refused(t *testing.T) {
	c := newTestCluster(t, "m")
	_, err := c.AddNode(NodeConfig{Hostname: "m\xff"})
	refused(t, c, c.LastSeq(), err, "must be valid UTF-8")
	_, err = c.AddNode(NodeConfig{Hostname: "n", Labels: map[string]string{"zone": "\xfe"}})
	refused(t, c, c.LastSeq(), err, "must be valid UTF-8")
	refused(t, c, c.LastSeq(), c.UpdateNode("m", NodeUpdate{LabelAdd: map[string]string{"\xff": "x"}}), "must be valid UTF-8")
	for _, s := range []ServiceSpec{
		{Name: "a", TaskTemplate: TaskSpec{Image: "nginx:\xff"}},
		{Name: "a", Labels: map[string]string{"k": "\xff"}, TaskTemplate: TaskSpec{Image: "nginx"}},
		{Name: "a", TaskTemplate: TaskSpec{Image: "nginx", Env: []string{"A=\xff"}}},
	} {
		_, err := c.CreateService(s)
		refused(t, c, c.LastSeq(), err, "must be valid UTF-8")
	}
}

func TestProbeRequestLimit(t *testing.T) {
	c := newTestCluster(t, "m")
	seq, now := c.LastSeq(), c.Elapsed()
	_, err := c.Probe("m", 8080, 0, time.Nanosecond, time.Hour)
	refused(t, c, seq, err, "the simulator's limit is 10000000")
	if c.Elapsed() != now {
		t.Errorf("a refused probe moved the clock to %v", c.Elapsed())
	}
	if _, err := c.Probe("m", 8080, 0, time.Second, -time.Second); err == nil {
		t.Error("a negative span was accepted")
	}
}

// Node look-ups by hostname find the earliest live node of that name, and a
// removed node's name finds the next one.
func TestNodeNameIndex(t *testing.T) {
	c := newTestCluster(t, "m", "w", "w")
	first, _ := c.Node("w")
	if err := c.StopNode(first.ID); err != nil {
		t.Fatal(err)
	}
	c.RunFor(time.Minute)
	if err := c.RemoveNode(first.ID, false); err != nil {
		t.Fatal(err)
	}
	second, err := c.Node("w")
	if err != nil || second.ID == first.ID {
		t.Fatalf("after removing the first w, Node(w) = %v, %v", second, err)
	}
}

// A bounded trace keeps the newest events, in order, with consecutive
// sequence numbers, and EventsSince finds its start by arithmetic. It
// forgets the tasks its kept events no longer name, and a task it forgot
// that has more to say (web's, stopped at the end) is named as before.
func TestTraceLimit(t *testing.T) {
	run := func(limit int) *Cluster {
		c := New(Config{Seed: 3, TraceLimit: limit})
		c.AddNode(NodeConfig{Hostname: "m", Role: node.Manager})
		c.CreateService(ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "web"}})
		c.RunFor(time.Minute)
		c.SetImage("crash", ImageBehavior{Pull: time.Second, ExitAfter: time.Second, ExitCode: 1})
		zero := time.Duration(0)
		c.CreateService(ServiceSpec{Name: "crash", Replicas: 2, TaskTemplate: TaskSpec{Image: "crash",
			Restart: &RestartPolicy{Delay: &zero}}})
		c.RunFor(10 * time.Minute)
		web, err := c.Tasks("web")
		if err != nil || len(web) != 1 {
			t.Fatalf("web's tasks: %v, %v", web, err)
		}
		if err := c.StopTask(web[0].ID); err != nil {
			t.Fatal(err)
		}
		c.RunFor(time.Second)
		return c
	}
	full, bounded := run(0), run(100)
	all := full.Events()
	if len(all) < 1000 {
		t.Fatalf("the crash loop made only %d events", len(all))
	}
	got := bounded.Events()
	if len(got) != 100 {
		t.Fatalf("TraceLimit 100 kept %d events", len(got))
	}
	if diff := cmp.Diff(all[len(all)-100:], got); diff != "" {
		t.Errorf("bounded trace is not the newest events (-want +got):\n%s", diff)
	}
	if d := bounded.DroppedEvents(); d != uint64(len(all)-100) {
		t.Errorf("DroppedEvents = %d; want %d", d, len(all)-100)
	}
	if n := bounded.trace.Footprint(); n > 400 {
		t.Errorf("bounded trace holds room for %d records; want at most about 2*100", n)
	}
	stopped := false
	for _, e := range got {
		stopped = stopped || (e.Kind == EventTaskState && e.To == "complete" && e.Task == "web.1" && e.Image == "web")
	}
	if !stopped {
		t.Errorf("no event kept names web's task completing")
	}
	if !bounded.trace.Released(1) { // crash's first task
		t.Errorf("the trace still keeps crash's first task, named by no event kept")
	}
	since := bounded.EventsSince(got[49].Seq)
	if diff := cmp.Diff(got[50:], since); diff != "" {
		t.Errorf("EventsSince (-want +got):\n%s", diff)
	}
	if s := bounded.EventsSince(0); len(s) != 100 {
		t.Errorf("EventsSince(0) on a bounded trace = %d events; want the 100 kept", len(s))
	}
	if s := full.EventsSince(all[len(all)-1].Seq); s != nil {
		t.Errorf("EventsSince(last) = %d events; want none", len(s))
	}
	if full.DroppedEvents() != 0 {
		t.Errorf("an unbounded trace dropped %d events", full.DroppedEvents())
	}
}
