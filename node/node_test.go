package node

import (
	"strings"
	"testing"
)

// Docker's strings, and the daemon's errors for bad values (moby's
// daemon/cluster/convert/node.go: NodeSpecToGRPC), matched case-insensitively.
func TestParse(t *testing.T) {
	for _, s := range []string{"active", "pause", "drain", "DRAIN"} {
		a, err := ParseAvailability(s)
		if err != nil || a.String() != strings.ToLower(s) {
			t.Errorf("ParseAvailability(%q) = %v, %v", s, a, err)
		}
	}
	if _, err := ParseAvailability("foo"); err == nil || err.Error() != `invalid Availability: "foo"` {
		t.Errorf("bad availability: %v", err)
	}
	for _, s := range []string{"worker", "manager", "Manager"} {
		if _, err := ParseRole(s); err != nil {
			t.Errorf("ParseRole(%q): %v", s, err)
		}
	}
	if _, err := ParseRole("boss"); err == nil || err.Error() != `invalid Role: "boss"` {
		t.Errorf("bad role: %v", err)
	}
	for s, want := range map[State]string{Unknown: "unknown", Down: "down", Ready: "ready", Disconnected: "disconnected"} {
		if s.String() != want {
			t.Errorf("%d prints %q, want %q", s, s, want)
		}
	}
	if Reachable.String() != "reachable" || Unreachable.String() != "unreachable" {
		t.Error("reachability strings")
	}
}

// Only READY and ACTIVE nodes take new tasks (SwarmKit's ReadyFilter).
func TestAcceptsNewTasks(t *testing.T) {
	for _, tc := range []struct {
		st   State
		a    Availability
		want bool
	}{
		{Ready, Active, true}, {Ready, Pause, false}, {Ready, Drain, false},
		{Down, Active, false}, {Unknown, Active, false}, {Disconnected, Active, false},
	} {
		n := &Node{Status: Status{State: tc.st}, Spec: Spec{Availability: tc.a}}
		if n.AcceptsNewTasks() != tc.want {
			t.Errorf("%s/%s: got %v", tc.st, tc.a, !tc.want)
		}
	}
}

func TestCloneAndDisplayName(t *testing.T) {
	n := &Node{Spec: Spec{Labels: map[string]string{"zone": "a"}}, Description: Description{Hostname: "host1"}, ManagerStatus: &ManagerStatus{Leader: true}}
	c := n.Clone()
	c.Spec.Labels["zone"] = "b"
	c.ManagerStatus.Leader = false
	if n.Spec.Labels["zone"] != "a" || !n.ManagerStatus.Leader {
		t.Error("Clone shares labels or manager status with the original")
	}
	if n.DisplayName() != "host1" {
		t.Errorf("display name %q", n.DisplayName())
	}
	n.Spec.Name = "named"
	if n.DisplayName() != "named" {
		t.Errorf("display name %q", n.DisplayName())
	}
}
