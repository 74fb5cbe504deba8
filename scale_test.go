package swarmsim

import (
	"testing"
	"time"
)

// NodeCount and NodeByHostname answer from the indexes: the count follows
// joins and removals, and a hostname finds its earliest live node.
func TestNodeCountAndHostname(t *testing.T) {
	c := newTestCluster(t, "m", "w", "w")
	if n := c.NodeCount(); n != 3 {
		t.Fatalf("NodeCount = %d; want 3", n)
	}
	first, ok := c.NodeByHostname("w")
	if !ok || first.Description.Hostname != "w" {
		t.Fatalf("NodeByHostname(w) = %v, %v", first, ok)
	}
	if _, ok := c.NodeByHostname("nosuch"); ok {
		t.Error("NodeByHostname found a node that does not exist")
	}
	if err := c.StopNode(first.ID); err != nil {
		t.Fatal(err)
	}
	c.RunFor(time.Minute)
	if err := c.RemoveNode(first.ID, false); err != nil {
		t.Fatal(err)
	}
	if n := c.NodeCount(); n != 2 {
		t.Errorf("NodeCount after a removal = %d; want 2", n)
	}
	second, ok := c.NodeByHostname("w")
	if !ok || second.ID == first.ID {
		t.Errorf("after removing the first w, NodeByHostname(w) = %v, %v", second, ok)
	}
	// The answer is a copy: changing it changes nothing in the cluster.
	second.Spec.Labels["x"] = "y"
	if again, _ := c.NodeByHostname("w"); again.Spec.Labels["x"] != "" {
		t.Error("NodeByHostname returned the cluster's own node")
	}
	var zero Cluster
	if zero.NodeCount() != 0 {
		t.Error("a zero Cluster counts nodes")
	}
}

// Tasks deleted by the retention limit leave the store: the arena holds the
// shared dead record in their place, look-ups no longer find them, and the
// trace still names them with their image and slot.
func TestDeletedTasksFreed(t *testing.T) {
	c := newTestCluster(t, "m", "w")
	c.SetTaskHistoryLimit(1)
	spec := ServiceSpec{Name: "web", Replicas: 2, TaskTemplate: TaskSpec{Image: "web:0"}}
	c.CreateService(spec)
	c.RunUntilIdle(time.Hour)
	for i := 1; i <= 4; i++ {
		spec.TaskTemplate.Image = "web:" + string(rune('0'+i))
		if err := c.UpdateService("web", spec); err != nil {
			t.Fatal(err)
		}
		c.RunUntilIdle(time.Hour)
	}
	var deleted []string
	for _, e := range c.Events() {
		if e.Kind == EventTaskDeleted {
			deleted = append(deleted, e.TaskID)
			if e.Image == "" || e.Slot == 0 || e.Task == "" {
				t.Errorf("the trace lost a deleted task's identity: %+v", e)
			}
		}
	}
	if len(deleted) < 4 {
		t.Fatalf("only %d tasks deleted", len(deleted))
	}
	for _, id := range deleted {
		if _, err := c.Task(id); err == nil {
			t.Errorf("deleted task %s still found", id)
		}
	}
	live, dead := 0, 0
	for i := range c.st.Created() {
		switch ts := c.st.Task(int32(i)); {
		case ts.Deleted && ts.T.ID == "": // the stand-in: freed
			dead++
		case ts.Deleted:
			t.Errorf("deleted task %s still in the arena", ts.T.ID)
		default:
			live++
		}
	}
	if dead != len(deleted) || live != len(c.AllTasks()) {
		t.Errorf("arena: %d live, %d dead; want %d, %d", live, dead, len(c.AllTasks()), len(deleted))
	}
}
