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
