package fault

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/errdefs"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/orchestrator"
)

// swarm resolves the references of a three-node swarm the way the
// simulator does: by ID, hostname or unique ID prefix.
func swarm(ref string) (Node, error) {
	nodes := []Node{{0, "aaa1", "manager"}, {1, "bbb2", "worker1"}, {2, "bbb3", "worker2"}}
	var found []Node
	for _, n := range nodes {
		if ref == n.ID || ref == n.Hostname {
			return n, nil
		}
		if ref != "" && strings.HasPrefix(n.ID, ref) {
			found = append(found, n)
		}
	}
	switch len(found) {
	case 0:
		return Node{}, errdefs.Daemon(errdefs.KindNotFound, "node %s not found", ref)
	case 1:
		return found[0], nil
	}
	return Node{}, errdefs.Daemon(errdefs.KindInvalidArgument, "node %s is ambiguous (%d matches found)", ref, len(found))
}

// errText renders an error as its kind and message, "" for none.
func errText(err error) string {
	if err == nil {
		return ""
	}
	var e *errdefs.Error
	if !errors.As(err, &e) {
		return "untyped: " + err.Error()
	}
	return e.Kind.String() + ": " + e.Msg
}

// Each kind has a name and each fault a one-line description.
func TestString(t *testing.T) {
	for _, tc := range []struct {
		f    Fault
		want string
	}{
		{Fault{Kind: NodeStop, Node: "w"}, "node-stop w"},
		{Fault{Kind: NodeStart, Node: "w"}, "node-start w"},
		{Fault{Kind: Partition, Groups: [][]string{{"a", "b"}, {"c"}}}, "partition a,b / c"},
		{Fault{Kind: Heal}, "heal"},
		{Fault{Kind: Image, Image: "web:2"}, "image web:2"},
		{Fault{Kind: BlockPort, Node: "w", Port: 4789, Protocol: mesh.UDP}, "block w 4789/udp"},
		{Fault{Kind: UnblockPort, Node: "w", Port: 7946, Protocol: mesh.TCP}, "unblock w 7946/tcp"},
		{Fault{Kind: Availability, Node: "w", Availability: node.Drain}, "availability w drain"},
		{Fault{Kind: TaskExit, Task: "web.1", ExitCode: 137}, "task-exit web.1 137"},
		{Fault{Kind: TaskUnhealthy, Task: "web.2"}, "task-unhealthy web.2"},
		{Fault{Kind: 42}, "FaultKind(42)"},
		{Fault{}, "FaultKind(0)"},
	} {
		if d := cmp.Diff(tc.want, tc.f.String()); d != "" {
			t.Errorf("%#v (-want +got)\n%s", tc.f, d)
		}
	}
}

// Check refuses what the daemon would, with its kind and text; a
// partition's problems are reported group by group, node by node.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		f    Fault
		want string
	}{
		{Fault{Kind: NodeStop, Node: "worker1"}, ""},
		{Fault{Kind: NodeStart, Node: "bbb3"}, ""},
		{Fault{Kind: NodeStop, Node: "nope"}, "NotFound: node nope not found"},
		{Fault{Kind: BlockPort, Node: "bbb", Port: 80}, "InvalidArgument: node bbb is ambiguous (2 matches found)"},
		{Fault{Kind: Availability, Node: "worker1", Availability: node.Drain}, ""},
		{Fault{Kind: Availability, Node: "worker1", Availability: 7}, "InvalidArgument: invalid Availability: 7"},
		{Fault{Kind: Availability, Node: "nope", Availability: 7}, "NotFound: node nope not found"},
		{Fault{Kind: Partition, Groups: [][]string{{"manager"}, {"worker1", "bbb3"}}}, ""},
		{Fault{Kind: Partition}, "InvalidArgument: a partition needs at least one group of nodes"},
		{Fault{Kind: Partition, Groups: [][]string{{"worker1"}, {}}}, "InvalidArgument: partition group 2 is empty"},
		{Fault{Kind: Partition, Groups: [][]string{{"nope"}, {}}}, "NotFound: node nope not found"},
		{Fault{Kind: Partition, Groups: [][]string{{"worker1"}, {"bbb2"}}}, "InvalidArgument: node worker1 is in two partition groups"},
		{Fault{Kind: Heal}, ""},
		{Fault{Kind: Image}, "InvalidArgument: fault image: no image reference"},
		{Fault{Kind: Image, Image: "web:2"}, ""},
		{Fault{Kind: TaskExit}, "InvalidArgument: fault task-exit: no task"},
		{Fault{Kind: TaskUnhealthy}, "InvalidArgument: fault task-unhealthy: no task"},
		{Fault{Kind: TaskExit, Task: "web.1"}, ""},
		{Fault{Kind: 99}, "InvalidArgument: unknown fault kind 99"},
	} {
		if d := cmp.Diff(tc.want, errText(tc.f.Check(swarm))); d != "" {
			t.Errorf("%v (-want +got)\n%s", tc.f, d)
		}
	}
}

// Groups resolves references to nodes, in order, and IDs gives the mesh
// their IDs.
func TestGroups(t *testing.T) {
	gs, err := Groups([][]string{{"worker2", "aaa"}, {"worker1"}}, swarm)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]Node{{{2, "bbb3", "worker2"}, {0, "aaa1", "manager"}}, {{1, "bbb2", "worker1"}}}
	if d := cmp.Diff(want, gs); d != "" {
		t.Errorf("groups (-want +got)\n%s", d)
	}
	if d := cmp.Diff([][]string{{"bbb3", "aaa1"}, {"bbb2"}}, IDs(gs)); d != "" {
		t.Errorf("IDs (-want +got)\n%s", d)
	}
}

// SlotRef tells SERVICE.SLOT from a task ID.
func TestSlotRef(t *testing.T) {
	type ref struct {
		Service string
		Slot    uint64
		OK      bool
	}
	for _, tc := range []struct {
		in   string
		want ref
	}{
		{"web.1", ref{"web", 1, true}},
		{"my.web.12", ref{}},
		{"web.x", ref{}},
		{"web.", ref{}},
		{"web.-1", ref{}},
		{"kq3v8f2m1x", ref{}},
		{".3", ref{"", 3, true}},
	} {
		var got ref
		got.Service, got.Slot, got.OK = SlotRef(tc.in)
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("SlotRef(%q) (-want +got)\n%s", tc.in, d)
		}
	}
}

// A Plan refuses a time in the past and a fault Check refuses, hands each
// queued fault out once, and keeps the errors of those that failed.
func TestPlan(t *testing.T) {
	var p Plan
	if _, err := p.Queue(Fault{Kind: Heal}, time.Second, time.Minute, swarm); errText(err) != "InvalidArgument: fault heal at 1s: that time has passed (the clock is at 1m0s)" {
		t.Errorf("past: %v", err)
	}
	if _, err := p.Queue(Fault{Kind: NodeStop, Node: "nope"}, time.Hour, time.Minute, swarm); errText(err) != "NotFound: node nope not found" {
		t.Errorf("bad node: %v", err)
	}
	var idx []int32
	for _, f := range []Fault{{Kind: NodeStop, Node: "worker1"}, {Kind: Partition, Groups: [][]string{{"manager"}}}} {
		i, err := p.Queue(f, time.Minute, time.Minute, swarm)
		if err != nil {
			t.Fatal(err)
		}
		idx = append(idx, i)
	}
	if d := cmp.Diff([]int32{0, 1}, idx); d != "" {
		t.Errorf("indices (-want +got)\n%s", d)
	}
	f := p.Take(1)
	if d := cmp.Diff(Fault{Kind: Partition, Groups: [][]string{{"manager"}}}, f); d != "" {
		t.Errorf("Take(1) (-want +got)\n%s", d)
	}
	if d := cmp.Diff(Fault{}, p.Take(1)); d != "" {
		t.Errorf("Take(1) again (-want +got)\n%s", d)
	}
	cause := errdefs.Daemon(errdefs.KindNotFound, "node worker1 not found")
	p.Failed(p.Take(0), 80*time.Second, cause)
	errs := p.Errors()
	if len(errs) != 1 || errs[0].Error() != "fault node-stop worker1 at 1m20s: node worker1 not found" || !errors.Is(errs[0], errdefs.ErrNotFound) {
		t.Fatalf("Errors() = %v", errs)
	}
	errs[0] = nil
	if p.Errors()[0] == nil {
		t.Error("Errors shares its slice with the plan")
	}
}

// recorder is a Target that writes down the calls it gets.
type recorder struct{ calls []string }

func (r *recorder) add(format string, args ...any) error {
	r.calls = append(r.calls, fmt.Sprintf(format, args...))
	if strings.Contains(r.calls[len(r.calls)-1], "gone") {
		return errdefs.Daemon(errdefs.KindNotFound, "node gone not found")
	}
	return nil
}
func (r *recorder) StopNode(ref string) error  { return r.add("StopNode %s", ref) }
func (r *recorder) StartNode(ref string) error { return r.add("StartNode %s", ref) }
func (r *recorder) Partition(groups ...[]string) error {
	return r.add("Partition %v", groups)
}
func (r *recorder) Heal() { r.add("Heal") }
func (r *recorder) SetImage(ref string, b orchestrator.ImageBehavior) {
	r.add("SetImage %s %s", ref, b.Pull)
}
func (r *recorder) BlockPort(ref string, port uint32, proto mesh.Protocol) error {
	return r.add("BlockPort %s %d %s", ref, port, proto)
}
func (r *recorder) UnblockPort(ref string, port uint32, proto mesh.Protocol) error {
	return r.add("UnblockPort %s %d %s", ref, port, proto)
}
func (r *recorder) SetAvailability(ref string, a node.Availability) error {
	return r.add("SetAvailability %s %s", ref, a)
}
func (r *recorder) ExitTask(ref string, code int) error { return r.add("ExitTask %s %d", ref, code) }
func (r *recorder) SetTaskUnhealthy(ref string) error   { return r.add("SetTaskUnhealthy %s", ref) }

// Apply makes the call the kind names, with the fault's fields, and passes
// its error on.
func TestApply(t *testing.T) {
	r := &recorder{}
	var errs []string
	for _, f := range []Fault{
		{Kind: NodeStop, Node: "w1"},
		{Kind: NodeStart, Node: "gone"},
		{Kind: Partition, Groups: [][]string{{"a"}, {"b", "c"}}},
		{Kind: Heal},
		{Kind: Image, Image: "web:2", Behavior: orchestrator.ImageBehavior{Pull: time.Minute}},
		{Kind: BlockPort, Node: "w1", Port: 7946, Protocol: mesh.UDP},
		{Kind: UnblockPort, Node: "w1", Port: 7946, Protocol: mesh.TCP},
		{Kind: Availability, Node: "w2", Availability: node.Pause},
		{Kind: TaskExit, Task: "web.1", ExitCode: 137},
		{Kind: TaskUnhealthy, Task: "web.2"},
		{Kind: 99},
	} {
		errs = append(errs, errText(f.Apply(r)))
	}
	want := []string{"StopNode w1", "StartNode gone", "Partition [[a] [b c]]", "Heal", "SetImage web:2 1m0s",
		"BlockPort w1 7946 udp", "UnblockPort w1 7946 tcp", "SetAvailability w2 pause", "ExitTask web.1 137", "SetTaskUnhealthy web.2"}
	if d := cmp.Diff(want, r.calls); d != "" {
		t.Errorf("calls (-want +got)\n%s", d)
	}
	wantErrs := []string{"", "NotFound: node gone not found", "", "", "", "", "", "", "", "", ""}
	if d := cmp.Diff(wantErrs, errs); d != "" {
		t.Errorf("errors (-want +got)\n%s", d)
	}
}
