package swarmsimtest_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/swarmsimtest"
	"github.com/swarmsim/swarmsim/updater"
)

// The examples below pin each generator's distribution: a few draws for
// fixed seeds. A change to a generator changes these outputs, so it shows
// up in review.

func labels(m map[string]string) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+m[k])
	}
	return strings.Join(out, ",")
}

func nodeText(n swarmsim.NodeConfig) string {
	return fmt.Sprintf("%s %s %s %gcpu/%dMiB [%s]", n.Hostname, n.Role, n.Availability,
		float64(n.Resources.NanoCPUs)/1e9, n.Resources.MemoryBytes>>20, labels(n.Labels))
}

func configText(c *updater.Config) string {
	if c == nil {
		return "default"
	}
	return fmt.Sprintf("p=%d delay=%s monitor=%s %s ratio=%g %s", c.Parallelism, c.Delay, c.Monitor, c.FailureAction, c.MaxFailureRatio, c.Order)
}

func specText(s swarmsim.ServiceSpec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", s.Mode, s.TaskTemplate.Image)
	if s.Mode == swarmsim.Replicated {
		fmt.Fprintf(&b, " x%d", s.Replicas)
	}
	if r := s.TaskTemplate.Restart; r != nil {
		fmt.Fprintf(&b, " restart=%s/%s/max%d/window%s", r.Condition, *r.Delay, r.MaxAttempts, r.Window)
	}
	p := s.TaskTemplate.Placement
	if len(p.Constraints)+len(p.Preferences) > 0 || p.MaxReplicas > 0 {
		fmt.Fprintf(&b, " placement=%v%v/max%d", p.Constraints, p.Preferences, p.MaxReplicas)
	}
	if r := s.TaskTemplate.Resources.Reservations; r.NanoCPUs > 0 {
		fmt.Fprintf(&b, " reserve=%gcpu/%dMiB", float64(r.NanoCPUs)/1e9, r.MemoryBytes>>20)
	}
	for _, p := range s.Endpoint.Ports {
		fmt.Fprintf(&b, " -p %s", p)
	}
	fmt.Fprintf(&b, "\n    update: %s\n    rollback: %s", configText(s.Update), configText(s.Rollback))
	return b.String()
}

func ExampleNodeConfigs() {
	g := swarmsimtest.NodeConfigs(swarmsimtest.NodeOptions{Max: 4})
	for seed := range 3 {
		fmt.Printf("seed %d:\n", seed)
		for _, n := range g.Example(seed) {
			fmt.Println("  " + nodeText(n))
		}
	}
	// Output:
	// seed 0:
	//   node1 manager active 2cpu/4096MiB [zone=b]
	// seed 1:
	//   node1 manager active 4cpu/8192MiB [zone=b]
	// seed 2:
	//   node1 manager active 4cpu/8192MiB []
}

func ExampleServiceSpec() {
	g := swarmsimtest.ServiceSpec("web", swarmsimtest.ServiceOptions{})
	for seed := range 4 {
		fmt.Printf("seed %d: %s\n", seed, specText(g.Example(seed)))
	}
	// Output:
	// seed 0: replicated app:2 x1 -p 0:443/tcp/ingress -p 8080:443/tcp/ingress
	//     update: p=3 delay=5s monitor=6s pause ratio=1 start-first
	//     rollback: p=1 delay=7s monitor=8s continue ratio=0.25 stop-first
	// seed 1: replicated app:1 x2 -p 0:443/tcp/ingress -p 8082:80/tcp/ingress
	//     update: default
	//     rollback: p=0 delay=4s monitor=3s pause ratio=0.25 stop-first
	// seed 2: replicated app:2 x4 -p 0:80/tcp/ingress -p 8082:80/tcp/ingress
	//     update: p=0 delay=4s monitor=6s pause ratio=0.5 start-first
	//     rollback: p=0 delay=1s monitor=2s continue ratio=0.25 start-first
	// seed 3: replicated app:3 x2 -p 8081:443/tcp/ingress
	//     update: default
	//     rollback: p=1 delay=1s monitor=2s continue ratio=1 start-first
}

func ExampleUpdateConfig() {
	u := swarmsimtest.UpdateConfig(swarmsimtest.ConfigOptions{})
	r := swarmsimtest.UpdateConfig(swarmsimtest.ConfigOptions{Rollback: true})
	for seed := range 4 {
		uc, rc := u.Example(seed), r.Example(seed)
		fmt.Printf("seed %d: update %s; rollback %s\n", seed, configText(&uc), configText(&rc))
	}
	// Output:
	// seed 0: update p=0 delay=7s monitor=8s rollback ratio=1 start-first; rollback p=0 delay=7s monitor=8s pause ratio=1 start-first
	// seed 1: update p=0 delay=2s monitor=0s rollback ratio=0 stop-first; rollback p=0 delay=2s monitor=0s continue ratio=0 stop-first
	// seed 2: update p=0 delay=4s monitor=6s continue ratio=0 start-first; rollback p=0 delay=4s monitor=6s pause ratio=0 start-first
	// seed 3: update p=1 delay=1s monitor=8s pause ratio=0.5 start-first; rollback p=1 delay=1s monitor=8s continue ratio=0.5 start-first
}

func ExampleImageBehavior() {
	g := swarmsimtest.ImageBehavior(swarmsimtest.ImageOptions{})
	for seed := range 6 {
		b := g.Example(seed)
		fmt.Printf("seed %d: pull=%s start=%s stop=%s health=%t/%s unhealthy=%t exit=%s/%d reject=%t\n", seed,
			b.Pull, b.Start, b.Stop, b.HealthCheck, b.HealthyAfter, b.Unhealthy, b.ExitAfter, b.ExitCode, b.FailOnStart)
	}
	// Output:
	// seed 0: pull=5s start=1s stop=11s health=false/0s unhealthy=false exit=0s/0 reject=false
	// seed 1: pull=17s start=1s stop=17s health=true/11s unhealthy=false exit=0s/0 reject=false
	// seed 2: pull=30s start=1s stop=9s health=false/0s unhealthy=false exit=0s/0 reject=false
	// seed 3: pull=17s start=0s stop=14s health=true/11s unhealthy=false exit=0s/0 reject=false
	// seed 4: pull=17s start=1s stop=4s health=true/12s unhealthy=false exit=0s/0 reject=false
	// seed 5: pull=0s start=1s stop=15s health=false/0s unhealthy=false exit=12s/0 reject=false
}

func ExampleFaults() {
	g := swarmsimtest.Faults(swarmsimtest.FaultOptions{Nodes: 3})
	for seed := range 3 {
		fmt.Printf("seed %d: %v\n", seed, g.Example(seed))
	}
	// Output:
	// seed 0: []
	// seed 1: [18s node-down #0 25s node-up #0 1m22s drain #2 1m24s activate #2]
	// seed 2: []
}

func ExampleActions() {
	g := swarmsimtest.Actions(8, swarmsimtest.ActionOptions{})
	for seed := range 3 {
		fmt.Printf("seed %d: %v\n", seed, g.Example(seed))
	}
	// Output:
	// seed 0: [node-up #0]
	// seed 1: [scale #0 0 node-up #3 update #7 advance 1s node-down #4 create replicated replicas=5 image=app:2 advance 0s update #3]
	// seed 2: [remove #6 rollback #2 scale #4 6 advance 0s]
}

func ExampleEdit() {
	g := swarmsimtest.Edit(swarmsimtest.ServiceOptions{})
	old := swarmsim.ServiceSpec{Name: "web", Replicas: 2, TaskTemplate: swarmsim.TaskSpec{Image: "app:1"}}
	for seed := range 3 {
		fmt.Printf("seed %d: %s\n", seed, specText(g.Example(seed).Apply(old)))
	}
	// Output:
	// seed 0: replicated app:2 x2
	//     update: default
	//     rollback: default
	// seed 1: replicated app:3 x2
	//     update: default
	//     rollback: default
	// seed 2: replicated app:2 x2
	//     update: default
	//     rollback: default
}

// A Checker holds a cluster to the invariants after each step; here a
// rolling update with a drain in the middle breaks none of them.
func ExampleChecker() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	c.AddNode(swarmsim.NodeConfig{Hostname: "manager", Role: node.Manager})
	c.AddNode(swarmsim.NodeConfig{Hostname: "worker1"})
	ck := swarmsimtest.NewChecker()

	spec := swarmsim.ServiceSpec{Name: "web", Replicas: 2, TaskTemplate: swarmsim.TaskSpec{Image: "web:1"}}
	c.CreateService(spec)
	c.RunFor(time.Minute)
	spec.TaskTemplate.Image = "web:2"
	c.UpdateService("web", spec)
	c.RunFor(3 * time.Second)
	drain := node.Drain
	c.UpdateNode("worker1", swarmsim.NodeUpdate{Availability: &drain})
	c.RunFor(time.Minute)

	fmt.Println("violations:", len(ck.CheckCluster(c)))
	s, _ := c.Service("web")
	fmt.Println("update:", s.UpdateStatus.State)
	// Output:
	// violations: 0
	// update: completed
}

// A fault plan runs on the cluster's own fault plan (Cluster.At): worker2
// dies 10 s in and comes back a minute later.
func ExampleRunner_RunPlan() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	for _, h := range []string{"manager", "worker1", "worker2"} {
		c.AddNode(swarmsim.NodeConfig{Hostname: h})
	}
	r := swarmsimtest.NewRunner(c)
	plan := swarmsimtest.FaultPlan{
		{At: 10 * time.Second, Kind: swarmsimtest.FaultNodeDown, Node: 2},
		{At: 70 * time.Second, Kind: swarmsimtest.FaultNodeUp, Node: 2},
	}
	if err := r.RunPlan(plan, 2*time.Minute); err != nil {
		panic(err)
	}
	for _, e := range c.Events() {
		if e.Node == "worker2" && e.Kind != swarmsim.EventNodeAdded {
			fmt.Println(strings.TrimSpace(fmt.Sprint(e.Time.Sub(c.Epoch()), " ", e.Kind, " ", e.From, " ", e.To)))
		}
	}
	// Output:
	// 10s node-stopped
	// 25s node-state ready down
	// 1m10s node-started
	// 1m10s node-state down ready
}
