package swarmkit

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	gogotypes "github.com/gogo/protobuf/types"
	"github.com/moby/swarmkit/v2/api"
	"github.com/moby/swarmkit/v2/manager/orchestrator"
	"github.com/moby/swarmkit/v2/manager/orchestrator/restart"
	"github.com/moby/swarmkit/v2/manager/orchestrator/update"
	"github.com/moby/swarmkit/v2/manager/state"
	"github.com/moby/swarmkit/v2/manager/state/store"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/internal/cputime"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

var slow = flag.Bool("swarmkit.slow", false, "also run the cases that take SwarmKit minutes (10,000 replicas at parallelism 0)")

// A case is one number of replicas and one update parallelism.
type benchCase struct {
	n int
	p uint64
}

func (c benchCase) String() string { return fmt.Sprintf("replicas=%d/parallelism=%d", c.n, c.p) }

func (c benchCase) slow() bool { return c.n >= 10000 && c.p == 0 }

var cases = func() []benchCase {
	var cs []benchCase
	for _, n := range []int{100, 1000, 10000} {
		for _, p := range []uint64{1, 10, 0} {
			cs = append(cs, benchCase{n, p})
		}
	}
	return cs
}()

// A measure is the wall-clock time and the processor time (user and
// system, all goroutines, the collector included) of one update.
type measure struct{ wall, cpu time.Duration }

// measured holds the measure of each side of each case, as the last
// (longest) round of its benchmark found it, for the ratios and the table.
var measured = map[string]measure{}

// meter times the parts of a benchmark between start and stop, on the
// benchmark's clock and in processor time.
type meter struct {
	b        *testing.B
	cpu, at0 time.Duration
}

func (m *meter) start() {
	runtime.GC() // the previous round's garbage is not this round's cost
	m.b.StartTimer()
	m.at0 = cputime.Process()
}

func (m *meter) stop() {
	m.cpu += cputime.Process() - m.at0
	m.b.StopTimer()
}

// record stores the round's measure per update and reports it per replica.
func (m *meter) record(key string, n int) measure {
	b := m.b
	d := measure{b.Elapsed() / time.Duration(b.N), m.cpu / time.Duration(b.N)}
	measured[key] = d
	b.ReportMetric(float64(d.wall.Nanoseconds())/float64(n), "ns/replica")
	b.ReportMetric(float64(d.cpu.Nanoseconds())/float64(n), "cpu-ns/replica")
	return d
}

// skUpdate is one SwarmKit update of N running replicas from image v:1 to
// v:2, ready to run.
type skUpdate struct {
	s      *store.MemoryStore
	u      *update.Updater
	slots  []orchestrator.Slot
	stop   func()
	svcID  string
	n      int
	agent  chan struct{}
	cancel func()
}

// newSKUpdate builds SwarmKit's in-memory store with a cluster, a service
// of n replicas whose tasks run image v:1, and an updater to image v:2 with
// parallelism p; and starts the instant agent of SwarmKit's
// updater_test.go.
func newSKUpdate(n int, p uint64) (*skUpdate, error) {
	s := store.NewMemoryStore(nil)
	cluster := &api.Cluster{
		ID:   "cluster",
		Spec: api.ClusterSpec{Annotations: api.Annotations{Name: store.DefaultClusterName}},
	}
	service := &api.Service{
		ID: "svc",
		Spec: api.ServiceSpec{
			Annotations: api.Annotations{Name: "web"},
			Mode:        &api.ServiceSpec_Replicated{Replicated: &api.ReplicatedService{Replicas: uint64(n)}},
			Task:        api.TaskSpec{Runtime: &api.TaskSpec_Container{Container: &api.ContainerSpec{Image: "v:1"}}},
			// Run waits out the monitor window in real time after the
			// last slot: 1 ns keeps that wait out of the measure (0 would
			// mean delay+1 s).
			Update: &api.UpdateConfig{Parallelism: p, Monitor: gogotypes.DurationProto(time.Nanosecond)},
		},
	}
	slots := make([]orchestrator.Slot, 0, n)
	err := s.Update(func(tx store.Tx) error {
		if err := store.CreateCluster(tx, cluster); err != nil {
			return err
		}
		if err := store.CreateService(tx, service); err != nil {
			return err
		}
		for i := range n {
			t := orchestrator.NewTask(cluster, service, uint64(i+1), "")
			t.Status.State = api.TaskStateRunning
			if err := store.CreateTask(tx, t); err != nil {
				return err
			}
			slots = append(slots, orchestrator.Slot{t})
		}
		return nil
	})
	if err != nil {
		s.Close()
		return nil, err
	}

	// The agent: every task whose observed state is not its desired state
	// is moved there at once (SwarmKit's updater_test.go does the same).
	watch, cancel := state.Watch(s.WatchQueue(), api.EventUpdateTask{})
	done := make(chan struct{})
	agent := make(chan struct{})
	go func() {
		defer close(agent)
		for {
			select {
			case <-done:
				return
			case e := <-watch:
				t := e.(api.EventUpdateTask).Task
				if t.Status.State == t.DesiredState {
					continue
				}
				s.Update(func(tx store.Tx) error {
					t := store.GetTask(tx, t.ID)
					if t == nil || t.Status.State == t.DesiredState {
						return nil
					}
					t.Status.State = t.DesiredState
					return store.UpdateTask(tx, t)
				})
			}
		}
	}()

	newService := service.Copy()
	newService.Spec.Task.GetContainer().Image = "v:2"
	return &skUpdate{
		s:      s,
		u:      update.NewUpdater(s, restart.NewSupervisor(s), cluster, newService),
		slots:  slots,
		svcID:  service.ID,
		n:      n,
		agent:  agent,
		stop:   func() { close(done) },
		cancel: cancel,
	}, nil
}

func (k *skUpdate) run() { k.u.Run(context.Background(), k.slots) }

// check reports whether the update completed: the service says so and every
// slot runs one v:2 task.
func (k *skUpdate) check() error {
	var (
		tasks []*api.Task
		svc   *api.Service
		err   error
	)
	k.s.View(func(tx store.ReadTx) {
		svc = store.GetService(tx, k.svcID)
		tasks, err = store.FindTasks(tx, store.ByServiceID(k.svcID))
	})
	if err != nil {
		return err
	}
	if svc.UpdateStatus == nil || svc.UpdateStatus.State != api.UpdateStatus_COMPLETED {
		return fmt.Errorf("swarmkit: update status %v", svc.UpdateStatus)
	}
	running := map[uint64]bool{}
	for _, t := range tasks {
		if t.DesiredState == api.TaskStateRunning && t.Status.State == api.TaskStateRunning && t.Spec.GetContainer().Image == "v:2" {
			running[t.Slot] = true
		}
	}
	if len(running) != k.n {
		return fmt.Errorf("swarmkit: %d of %d slots run v:2", len(running), k.n)
	}
	return nil
}

func (k *skUpdate) close() {
	k.stop()
	<-k.agent
	k.cancel()
	k.s.Close()
}

// swarmsimUpdate is the whole swarmsim pipeline for one case: a new cluster
// in the default configuration (trace on), n/10 nodes, the service created
// and converged, updated and converged again.
func swarmsimUpdate(n int, p uint64) (*swarmsim.Cluster, error) {
	c, spec, err := swarmsimSetup(n, p)
	if err != nil {
		return nil, err
	}
	return c, swarmsimRun(c, spec)
}

// limit bounds every run of the swarmsim side in virtual time.
const limit = 1000 * 24 * time.Hour

// swarmsimSetup is what SwarmKit's side builds before its timed Run: a
// cluster in the default configuration (trace on) with n/10 nodes and the
// service of n replicas created and converged, and the spec to update.
func swarmsimSetup(n int, p uint64) (*swarmsim.Cluster, swarmsim.ServiceSpec, error) {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	for i := range max(n/10, 1) {
		cfg := swarmsim.NodeConfig{Hostname: fmt.Sprintf("node-%d", i)}
		if i == 0 {
			cfg.Role = node.Manager
		}
		if _, err := c.AddNode(cfg); err != nil {
			return nil, swarmsim.ServiceSpec{}, err
		}
	}
	spec := swarmsim.ServiceSpec{
		Name:         "web",
		Replicas:     uint64(n),
		TaskTemplate: swarmsim.TaskSpec{Image: "web:1"},
		Update:       &updater.Config{Parallelism: p},
	}
	if _, err := c.CreateService(spec); err != nil {
		return nil, spec, err
	}
	if ok, err := c.RunUntilConverged(limit, "web"); !ok || err != nil {
		return nil, spec, fmt.Errorf("swarmsim: create did not converge (%v)", err)
	}
	return c, spec, nil
}

// swarmsimRun is the update, the part timed beside SwarmKit's Run: the
// service updated to a new image and run until converged (the default 5 s
// monitor, in virtual time), through the scheduler, the agents, the
// updater and the routing mesh.
func swarmsimRun(c *swarmsim.Cluster, spec swarmsim.ServiceSpec) error {
	spec.TaskTemplate.Image = "web:2"
	if err := c.UpdateService("web", spec); err != nil {
		return err
	}
	if ok, err := c.RunUntilConverged(limit, "web"); !ok || err != nil {
		return fmt.Errorf("swarmsim: update did not converge (%v)", err)
	}
	s, err := c.Service("web")
	if err != nil {
		return err
	}
	if s.UpdateStatus == nil || s.UpdateStatus.State != updater.Completed {
		return fmt.Errorf("swarmsim: update status %+v", s.UpdateStatus)
	}
	return nil
}

// BenchmarkUpdate runs each case on SwarmKit, then on swarmsim, and reports
// on the swarmsim side how many times faster it was (x-faster: SwarmKit's
// time per update over swarmsim's).
func BenchmarkUpdate(b *testing.B) {
	for _, bc := range cases {
		b.Run(bc.String(), func(b *testing.B) {
			b.Run("swarmkit", func(b *testing.B) {
				if bc.slow() && !*slow {
					b.Skip("minutes on SwarmKit; run with -swarmkit.slow")
				}
				m := &meter{b: b}
				for b.Loop() {
					b.StopTimer()
					k, err := newSKUpdate(bc.n, bc.p)
					if err != nil {
						b.Fatal(err)
					}
					m.start()
					k.run()
					m.stop()
					err = k.check()
					k.close()
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				m.record(bc.String()+"/swarmkit", bc.n)
			})
			b.Run("swarmsim", func(b *testing.B) {
				m := &meter{b: b}
				for b.Loop() {
					b.StopTimer()
					c, spec, err := swarmsimSetup(bc.n, bc.p)
					if err != nil {
						b.Fatal(err)
					}
					m.start()
					err = swarmsimRun(c, spec)
					m.stop()
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				ratios(b, bc.String(), m.record(bc.String()+"/swarmsim", bc.n))
			})
			b.Run("swarmsim-all", func(b *testing.B) {
				m := &meter{b: b}
				for b.Loop() {
					b.StopTimer()
					m.start()
					_, err := swarmsimUpdate(bc.n, bc.p)
					m.stop()
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				ratios(b, bc.String(), m.record(bc.String()+"/swarmsim-all", bc.n))
			})
		})
	}
}

// ratios reports how many times faster a swarmsim row was than SwarmKit's
// row of the same case (x-faster: wall-clock time per update; x-less-cpu:
// processor time), when SwarmKit's ran.
func ratios(b *testing.B, key string, d measure) {
	if sk, ok := measured[key+"/swarmkit"]; ok {
		b.ReportMetric(float64(sk.wall)/float64(d.wall), "x-faster")
		if d.cpu > 0 {
			b.ReportMetric(float64(sk.cpu)/float64(d.cpu), "x-less-cpu")
		}
	}
}

// TestBothComplete runs a small case on both sides and checks that each
// ends with the update completed and every slot running the new image.
func TestBothComplete(t *testing.T) {
	for _, p := range []uint64{1, 0} {
		k, err := newSKUpdate(50, p)
		if err != nil {
			t.Fatal(err)
		}
		k.run()
		err = k.check()
		k.close()
		if err != nil {
			t.Errorf("parallelism %d: %v", p, err)
		}
		c, err := swarmsimUpdate(50, p)
		if err != nil {
			t.Fatalf("parallelism %d: %v", p, err)
		}
		tasks, err := c.Tasks("web")
		if err != nil {
			t.Fatal(err)
		}
		running := 0
		for _, tv := range tasks {
			if tv.Image == "web:2" && tv.State() == task.Running && tv.DesiredState == task.Running {
				running++
			}
		}
		if running != 50 {
			t.Errorf("parallelism %d: swarmsim runs %d web:2 tasks, want 50", p, running)
		}
	}
}

// The check fails on an update that did not happen.
func TestCheckFailsBeforeRun(t *testing.T) {
	k, err := newSKUpdate(10, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer k.close()
	if err := k.check(); err == nil {
		t.Fatal("check passed before the update ran")
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if len(measured) > 0 {
		fmt.Print(table())
	}
	os.Exit(code)
}

// table is the summary printed after the benchmarks: one row per case
// measured, with SwarmKit's time over swarmsim's, in wall-clock time and in
// processor time.
func table() string {
	var sb strings.Builder
	sb.WriteString("\nSwarmKit's updater (Run only, the store built beforehand) vs swarmsim's whole pipeline (default config,\n" +
		"trace on): the update of a converged cluster, and in the last two columns everything from a new cluster on\n" +
		"(nodes, create, converge, update), per update:\n")
	fmt.Fprintf(&sb, "%-30s %12s %12s %9s %12s %12s %9s %12s %9s\n", "case", "swarmkit", "swarmsim", "ratio",
		"swarmkit cpu", "swarmsim cpu", "cpu ratio", "all cpu", "ratio")
	ratio := func(a, b time.Duration) string { return fmt.Sprintf("%8.0fx", float64(a)/float64(max(b, 1))) }
	for _, bc := range cases {
		k := bc.String()
		sk, okSK := measured[k+"/swarmkit"]
		ss, okSS := measured[k+"/swarmsim"]
		all, okAll := measured[k+"/swarmsim-all"]
		if !okSS {
			continue
		}
		skWall, skCPU, wallRatio, cpuRatio, allRatio := "not run", "", "", "", ""
		if okSK {
			skWall, skCPU = round(sk.wall).String(), round(sk.cpu).String()
			wallRatio, cpuRatio = ratio(sk.wall, ss.wall), ratio(sk.cpu, ss.cpu)
		}
		allCPU := ""
		if okAll {
			allCPU = round(all.cpu).String()
			if okSK {
				allRatio = ratio(sk.cpu, all.cpu)
			}
		}
		fmt.Fprintf(&sb, "%-30s %12s %12s %9s %12s %12s %9s %12s %9s\n", k, skWall, round(ss.wall), wallRatio,
			skCPU, round(ss.cpu), cpuRatio, allCPU, allRatio)
	}
	return sb.String()
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
