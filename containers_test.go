package swarmsim

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
)

// runningTask starts a one-replica service and returns its running task.
func runningTask(t *testing.T, c *Cluster, restart *RestartPolicy) TaskView {
	t.Helper()
	if _, err := c.CreateService(ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "nginx", Restart: restart}}); err != nil {
		t.Fatal(err)
	}
	c.RunFor(10 * time.Second)
	ts, err := c.Tasks("web")
	if err != nil || len(ts) != 1 || ts[0].Status().State != task.Running {
		t.Fatalf("want one running task, got %v (%v)", ts, err)
	}
	return ts[0]
}

// KillTask: the container exits 137, the task is FAILED with the agent's
// text (moby's daemon/cluster/executor/container/controller.go: Wait
// returns an exitError; SwarmKit's agent/exec/controller.go reports
// "task: non-zero exit (137)"), and the restart policy starts a
// replacement in the same slot after the restart delay (5s).
func TestKillTask(t *testing.T) {
	c := newTestCluster(t, "manager", "worker1")
	v := runningTask(t, c, nil)
	if err := c.KillTask(v.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Task(v.ID)
	st := got.Status()
	if diff := cmp.Diff(task.Status{State: task.Failed, Message: "started", Err: "task: non-zero exit (137)", Timestamp: st.Timestamp}, st); diff != "" {
		t.Errorf("killed task status (-want +got):\n%s", diff)
	}
	if got.DesiredState != task.Shutdown {
		t.Errorf("desired state %s, want shutdown (the restart supervisor replaced it)", got.DesiredState)
	}
	c.RunFor(10 * time.Second)
	want := []string{"web.1 failed", "web.1 running"}
	if diff := cmp.Diff(want, states(t, c, "web")); diff != "" {
		t.Errorf("tasks after the kill (-want +got):\n%s", diff)
	}
	// a second kill of the same container: not running any more
	if err := c.KillTask(v.ID); !errors.Is(err, ErrFailedPrecondition) || err.Error() != "container "+v.ID+" is not running" {
		t.Errorf("second kill: %v", err)
	}
}

// StopTask: exit status 0 makes the task COMPLETE; with restart condition
// on-failure nothing replaces it, with any (the default) the slot gets a
// new task.
func TestStopTask(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy *RestartPolicy
		want   []string
	}{
		{"any", nil, []string{"web.1 complete", "web.1 running"}},
		{"on-failure", &RestartPolicy{Condition: RestartOnFailure}, []string{"web.1 complete"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCluster(t, "manager")
			v := runningTask(t, c, tc.policy)
			if err := c.StopTask(v.ID); err != nil {
				t.Fatal(err)
			}
			c.RunFor(time.Minute)
			if diff := cmp.Diff(tc.want, states(t, c, "web")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// ExitTask refuses unknown tasks, bad statuses and containers that do not
// run (a task still preparing, a node that is down).
func TestExitTaskErrors(t *testing.T) {
	c := newTestCluster(t, "manager")
	if err := c.KillTask("nosuch"); !errors.Is(err, ErrNotFound) || err.Error() != "No such container: nosuch" {
		t.Errorf("unknown task: %v", err)
	}
	v := runningTask(t, c, nil)
	if err := c.ExitTask(v.ID, 256); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("status 256: %v", err)
	}
	if err := c.StopNode("manager"); err != nil {
		t.Fatal(err)
	}
	if err := c.KillTask(v.ID); !errors.Is(err, ErrFailedPrecondition) {
		t.Errorf("node down: %v", err)
	}
}

// SetHeartbeatPeriod (docker swarm update --dispatcher-heartbeat): a stopped
// node is DOWN three periods after it stopped.
func TestSetHeartbeatPeriod(t *testing.T) {
	c := newTestCluster(t, "manager", "worker1")
	if err := c.SetHeartbeatPeriod(0); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("period 0: %v", err)
	}
	if err := c.SetHeartbeatPeriod(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := c.DownAfter(); got != 30*time.Second {
		t.Errorf("DownAfter = %s, want 30s", got)
	}
	c.StopNode("worker1")
	if up, err := c.NodeUp("worker1"); up || err != nil {
		t.Errorf("NodeUp after StopNode = %t, %v", up, err)
	}
	c.RunFor(29 * time.Second)
	if n, _ := c.Node("worker1"); n.Status.State.String() != "ready" {
		t.Errorf("after 29s: %s, want ready", n.Status.State)
	}
	c.RunFor(time.Second)
	if n, _ := c.Node("worker1"); n.Status.State.String() != "down" {
		t.Errorf("after 30s: %s, want down", n.Status.State)
	}
}

// A test reaches one chosen task as `docker kill` would: its container
// exits 137, the task fails, and the restart policy replaces it after the
// restart delay (5s).
func ExampleCluster_KillTask() {
	c := New(Config{Seed: 1})
	c.AddNode(NodeConfig{Hostname: "manager", Role: node.Manager})
	c.CreateService(ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "nginx"}})
	c.RunFor(10 * time.Second)
	ts, _ := c.Tasks("web")
	c.KillTask(ts[0].ID)
	c.RunFor(10 * time.Second)
	ts, _ = c.Tasks("web")
	for _, t := range ts {
		st := t.Status()
		fmt.Println(t.Name(), st.State, st.Err)
	}
	// Output:
	// web.1 failed task: non-zero exit (137)
	// web.1 running
}
