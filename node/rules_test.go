package node

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/swarmsim/swarmsim/errdefs"
)

// errText is an error as a test compares it: its kind, whether the daemon
// passes it on from SwarmKit's gRPC API, and its message.
type errText struct {
	Kind errdefs.Kind
	RPC  bool
	Msg  string
}

func textOf(t *testing.T, err error) errText {
	t.Helper()
	if err == nil {
		return errText{}
	}
	var e *errdefs.Error
	if !errors.As(err, &e) {
		t.Fatalf("%v is no *errdefs.Error", err)
	}
	return errText{e.Kind, e.RPC, e.Msg}
}

func invalid(msg string) errText { return errText{errdefs.KindInvalidArgument, false, msg} }
func precondition(msg string) errText {
	return errText{errdefs.KindFailedPrecondition, true, msg}
}

// The daemon's errors for a joining node, in the order they are checked.
func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want errText
	}{
		{"valid", Config{Hostname: "worker1", Role: Manager, Availability: Drain, Labels: map[string]string{"zone": "eu"}}, errText{}},
		{"no hostname", Config{}, invalid("node hostname must not be empty")},
		{"hostname not UTF-8", Config{Hostname: "w\xff"}, invalid(`invalid hostname "w\xff": must be valid UTF-8`)},
		{"label not UTF-8", Config{Hostname: "w", Labels: map[string]string{"zone": "\xff"}}, invalid(`invalid label "zone=\xff": must be valid UTF-8`)},
		{"engine label not UTF-8", Config{Hostname: "w", EngineLabels: map[string]string{"\xfe": "x"}}, invalid(`invalid label "\xfe=x": must be valid UTF-8`)},
		{"availability", Config{Hostname: "w", Availability: 3}, invalid("invalid Availability: 3")},
		{"role", Config{Hostname: "w", Role: 2}, invalid("invalid Role: 2")},
		{"availability before role", Config{Hostname: "w", Availability: 9, Role: 9}, invalid("invalid Availability: 9")},
		{"negative CPUs", Config{Hostname: "w", Resources: Resources{NanoCPUs: -1}}, invalid("node resources must not be negative")},
		{"negative memory", Config{Hostname: "w", Resources: Resources{MemoryBytes: -1}}, invalid("node resources must not be negative")},
		{"labels before resources", Config{Hostname: "w", Labels: map[string]string{"a": "\xff"}, Resources: Resources{NanoCPUs: -1}}, invalid(`invalid label "a=\xff": must be valid UTF-8`)},
	} {
		if d := cmp.Diff(tc.want, textOf(t, tc.cfg.Validate())); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}

func TestNew(t *testing.T) {
	at := time.Date(2000, 1, 1, 0, 0, 7, 0, time.UTC)
	for _, tc := range []struct {
		name string
		cfg  Config
		idx  int32
		want *Node
	}{
		{
			name: "defaults",
			cfg:  Config{Hostname: "worker1"},
			idx:  1,
			want: &Node{
				ID: "id1", Version: 1, CreatedAt: at, UpdatedAt: at,
				Spec: Spec{Labels: map[string]string{}},
				Description: Description{
					Hostname: "worker1", Platform: Platform{Architecture: "x86_64", OS: "linux"},
					EngineVersion: "29.7.2",
				},
				Status: Status{State: Ready, Addr: "172.28.128.4"},
			},
		},
		{
			name: "manager as configured",
			cfg: Config{
				Hostname: "m", Role: Manager, Availability: Pause,
				Labels: map[string]string{"zone": "eu"}, EngineLabels: map[string]string{"ssd": "yes"},
				Resources: Resources{NanoCPUs: 2e9, MemoryBytes: 1 << 30},
				Platform:  Platform{Architecture: "aarch64", OS: "linux"}, EngineVersion: "24.0.0", Addr: "10.0.0.9",
			},
			idx: 0,
			want: &Node{
				ID: "id1", Version: 1, CreatedAt: at, UpdatedAt: at,
				Spec: Spec{Labels: map[string]string{"zone": "eu"}, DesiredRole: Manager, Availability: Pause},
				Description: Description{
					Hostname: "m", Platform: Platform{Architecture: "aarch64", OS: "linux"},
					Resources: Resources{NanoCPUs: 2e9, MemoryBytes: 1 << 30}, EngineLabels: map[string]string{"ssd": "yes"},
					EngineVersion: "24.0.0",
				},
				Status: Status{State: Ready, Addr: "10.0.0.9"},
				Role:   Manager,
			},
		},
		{
			name: "address wraps after 250 nodes",
			cfg:  Config{Hostname: "w", Platform: Platform{OS: "windows"}},
			idx:  251,
			want: &Node{
				ID: "id1", Version: 1, CreatedAt: at, UpdatedAt: at,
				Spec:        Spec{Labels: map[string]string{}},
				Description: Description{Hostname: "w", Platform: Platform{OS: "windows"}, EngineVersion: "29.7.2"},
				Status:      Status{State: Ready, Addr: "172.28.128.4"},
			},
		},
	} {
		got := New(tc.cfg, "id1", tc.idx, at)
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}

// The node owns its labels: changing the Config's maps later changes nothing.
func TestNewCopiesLabels(t *testing.T) {
	cfg := Config{Hostname: "w", Labels: map[string]string{"a": "1"}, EngineLabels: map[string]string{"b": "2"}}
	n := New(cfg, "id", 0, time.Time{})
	cfg.Labels["a"], cfg.EngineLabels["b"] = "x", "x"
	if n.Spec.Labels["a"] != "1" || n.Description.EngineLabels["b"] != "2" {
		t.Errorf("New shares the Config's label maps: %v %v", n.Spec.Labels, n.Description.EngineLabels)
	}
}

func ptr[T any](v T) *T { return &v }

func TestUpdateValidate(t *testing.T) {
	n := &Node{Spec: Spec{Labels: map[string]string{"zone": "eu"}}}
	for _, tc := range []struct {
		name string
		u    Update
		want errText
	}{
		{"empty", Update{}, errText{}},
		{"valid", Update{Availability: ptr(Drain), Role: ptr(Manager), LabelAdd: map[string]string{"disk": "ssd"}, LabelRm: []string{"zone"}}, errText{}},
		{"missing label", Update{LabelRm: []string{"zone", "disk"}}, invalid("key disk doesn't exist in node's labels")},
		{"availability", Update{Availability: ptr(Availability(7))}, invalid("invalid Availability: 7")},
		{"role", Update{Role: ptr(Role(5))}, invalid("invalid Role: 5")},
		{"label not UTF-8", Update{LabelAdd: map[string]string{"k": "\xff"}}, invalid(`invalid label "k=\xff": must be valid UTF-8`)},
		{"missing label first", Update{LabelRm: []string{"x"}, Availability: ptr(Availability(7))}, invalid("key x doesn't exist in node's labels")},
	} {
		if d := cmp.Diff(tc.want, textOf(t, tc.u.Validate(n))); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}

func TestDemotes(t *testing.T) {
	for _, tc := range []struct {
		from Role
		to   *Role
		want bool
	}{
		{Manager, ptr(Worker), true},
		{Manager, ptr(Manager), false},
		{Manager, nil, false},
		{Worker, ptr(Worker), false},
		{Worker, ptr(Manager), false},
	} {
		if got := (Update{Role: tc.to}).Demotes(&Node{Role: tc.from}); got != tc.want {
			t.Errorf("%s to %v: Demotes = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestApply(t *testing.T) {
	for _, tc := range []struct {
		name        string
		u           Update
		wantAvail   Availability
		wantLabels  map[string]string
		wantChanged bool
	}{
		{"nothing", Update{}, Pause, map[string]string{"zone": "eu", "disk": "hdd"}, false},
		{"drain", Update{Availability: ptr(Drain)}, Drain, map[string]string{"zone": "eu", "disk": "hdd"}, false},
		{"add and remove", Update{LabelAdd: map[string]string{"disk": "ssd", "rack": "1"}, LabelRm: []string{"zone"}}, Pause, map[string]string{"disk": "ssd", "rack": "1"}, true},
		{"same value counts", Update{LabelAdd: map[string]string{"zone": "eu"}}, Pause, map[string]string{"zone": "eu", "disk": "hdd"}, true},
		// removals come first, so a key both removed and added stays
		{"remove then add", Update{LabelAdd: map[string]string{"zone": "us"}, LabelRm: []string{"zone"}}, Pause, map[string]string{"zone": "us", "disk": "hdd"}, true},
	} {
		at := time.Date(2000, 1, 1, 0, 1, 0, 0, time.UTC)
		n := &Node{Version: 3, Spec: Spec{Availability: Pause, Labels: map[string]string{"zone": "eu", "disk": "hdd"}}}
		if old := tc.u.ApplyAvailability(n); old != Pause {
			t.Errorf("%s: ApplyAvailability returned %s, want pause", tc.name, old)
		}
		changed := tc.u.ApplyLabels(n, at)
		got := []any{n.Spec.Availability, n.Spec.Labels, changed, n.Version, n.UpdatedAt}
		want := []any{tc.wantAvail, tc.wantLabels, tc.wantChanged, uint64(4), at}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: availability, labels, changed, version, updated (-want +got):\n%s", tc.name, d)
		}
	}
}

func TestSetRole(t *testing.T) {
	ms := &ManagerStatus{Leader: true, Reachability: Reachable, Addr: "10.0.0.2:2377"}
	for _, tc := range []struct {
		name string
		from *ManagerStatus
		role Role
		want *ManagerStatus
	}{
		{"promote", nil, Manager, nil}, // the Raft group gives the status
		{"manager stays", ms, Manager, ms},
		{"demote the leader", ms, Worker, nil},
	} {
		n := &Node{Version: 4, Status: Status{Addr: "10.0.0.2"}, ManagerStatus: tc.from}
		n.SetRole(tc.role)
		got := []any{n.Version, n.Spec.DesiredRole, n.Role, n.ManagerStatus}
		want := []any{uint64(5), tc.role, tc.role, tc.want}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: version, desired role, role, manager status (-want +got):\n%s", tc.name, d)
		}
	}
}

func TestSetStateAndDownMessage(t *testing.T) {
	for _, tc := range []struct {
		from State
		want string
	}{
		{Ready, "heartbeat failure"},
		{Disconnected, "heartbeat failure"},
		{Unknown, `heartbeat failure for node in "unknown" state`},
	} {
		n := &Node{Version: 2, Status: Status{State: tc.from, Message: "before", Addr: "a"}}
		old := n.SetState(Down, DownMessage(n.Status.State))
		got := []any{old, n.Status, n.Version}
		want := []any{tc.from, Status{State: Down, Message: tc.want, Addr: "a"}, uint64(3)}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("down from %s: old state, status, version (-want +got):\n%s", tc.from, d)
		}
	}
}

// SwarmKit's RemoveNode: a manager must be demoted, and only a node that is
// not READY goes without force.
func TestCheckRemove(t *testing.T) {
	for _, tc := range []struct {
		role  Role
		state State
		force bool
		want  errText
	}{
		{Worker, Down, false, errText{}},
		{Worker, Unknown, false, errText{}},
		{Worker, Disconnected, false, errText{}},
		{Worker, Ready, true, errText{}},
		{Worker, Ready, false, precondition("node n1 is not down and can't be removed")},
		{Manager, Down, true, precondition("node n1 is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal")},
	} {
		n := &Node{ID: "n1", Role: tc.role, Status: Status{State: tc.state}}
		if d := cmp.Diff(tc.want, textOf(t, CheckRemove(n, tc.force))); d != "" {
			t.Errorf("%s %s force=%v (-want +got):\n%s", tc.role, tc.state, tc.force, d)
		}
	}
}
