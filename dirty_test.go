package swarmsim

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim/containerspec"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// A variant changes one leaf field of a value: prep readies the value (a
// pointer or list element to hold the field) in both specs compared, set
// then changes the field in one of them.
type variant struct {
	path      string
	prep, set func(reflect.Value)
}

func noop(reflect.Value) {}

// variants lists a change of every leaf field reachable in a type: through
// structs, pointers, list elements and maps.
func variants(t reflect.Type, path string) []variant {
	if t == reflect.TypeFor[netip.Addr]() {
		return []variant{{path, noop, func(x reflect.Value) { x.Set(reflect.ValueOf(netip.MustParseAddr("10.0.0.1"))) }}}
	}
	switch t.Kind() {
	case reflect.Struct:
		var out []variant
		for i := range t.NumField() {
			f := t.Field(i)
			for _, v := range variants(f.Type, path+"."+f.Name) {
				out = append(out, variant{v.path,
					func(x reflect.Value) { v.prep(x.Field(i)) },
					func(x reflect.Value) { v.set(x.Field(i)) }})
			}
		}
		if len(out) == 0 { // struct{}: nothing to change
			return nil
		}
		return out
	case reflect.Pointer:
		out := []variant{{path + "(nil→set)", noop, func(x reflect.Value) { x.Set(reflect.New(t.Elem())) }}}
		for _, v := range variants(t.Elem(), path) {
			out = append(out, variant{v.path,
				func(x reflect.Value) { x.Set(reflect.New(t.Elem())); v.prep(x.Elem()) },
				func(x reflect.Value) { v.set(x.Elem()) }})
		}
		return out
	case reflect.Slice:
		out := []variant{{path + "[](empty→one)", noop, func(x reflect.Value) { x.Set(reflect.MakeSlice(t, 1, 1)) }}}
		for _, v := range variants(t.Elem(), path+"[0]") {
			out = append(out, variant{v.path,
				func(x reflect.Value) { x.Set(reflect.MakeSlice(t, 1, 1)); v.prep(x.Index(0)) },
				func(x reflect.Value) { v.set(x.Index(0)) }})
		}
		return out
	case reflect.Map:
		return []variant{{path + "{}", noop, func(x reflect.Value) {
			m := reflect.MakeMap(t)
			m.SetMapIndex(reflect.ValueOf("k").Convert(t.Key()), reflect.ValueOf("v").Convert(t.Elem()))
			x.Set(m)
		}}}
	case reflect.String:
		return []variant{{path, noop, func(x reflect.Value) { x.SetString("x") }}}
	case reflect.Bool:
		return []variant{{path, noop, func(x reflect.Value) { x.SetBool(true) }}}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return []variant{{path, noop, func(x reflect.Value) { x.SetInt(7) }}}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return []variant{{path, noop, func(x reflect.Value) { x.SetUint(7) }}}
	case reflect.Float32, reflect.Float64:
		return []variant{{path, noop, func(x reflect.Value) { x.SetFloat(0.5) }}}
	}
	panic("variants: unhandled kind " + t.Kind().String() + " at " + path)
}

// TestTaskSpecDiffCoversEveryField changes every field of the task template,
// one at a time, and checks the comparison SwarmKit's IsTaskDirty makes
// (manager/orchestrator/task.go): a change to Placement alone is
// placement-only (the task stays if its node still fits), a change to the
// registry credential alone (PullOptions) is pull-only, and any other change
// makes the task dirty. A field added to TaskSpec without a comparison in
// taskSpecDiff fails here.
func TestTaskSpecDiffCoversEveryField(t *testing.T) {
	vs := variants(reflect.TypeFor[TaskSpec](), "")
	if len(vs) < 80 {
		t.Fatalf("only %d variants: the walk missed fields", len(vs))
	}
	for _, v := range vs {
		var a, b TaskSpec
		v.prep(reflect.ValueOf(&a).Elem())
		v.prep(reflect.ValueOf(&b).Elem())
		if got := taskSpecDiff(&a, &b); got != specSame {
			t.Errorf("%s: prepared specs compare %d, want the same", v.path, got)
			continue
		}
		v.set(reflect.ValueOf(&b).Elem())
		want := specDifferent
		switch {
		case strings.HasPrefix(v.path, ".Placement."):
			want = specPlacementOnly
		case v.path == ".Spec.RegistryAuth":
			want = specPullOnly
		}
		if got := taskSpecDiff(&a, &b); got != want {
			t.Errorf("%s changed: diff %d, want %d", v.path, got, want)
		}
		if got := taskSpecDiff(&b, &a); got != want {
			t.Errorf("%s changed (reversed): diff %d, want %d", v.path, got, want)
		}
		// Clone keeps every field.
		if c := (ServiceSpec{TaskTemplate: b}).Clone(); taskSpecDiff(&c.TaskTemplate, &b) != specSame {
			t.Errorf("%s: Clone loses the field", v.path)
		}
	}
}

// A nil and an empty list or map are the same once a spec has crossed the
// Engine API (JSON with omitempty), so they never make a task dirty.
func TestTaskSpecDiffNilEqualsEmpty(t *testing.T) {
	a := TaskSpec{Image: "x"}
	b := TaskSpec{Image: "x", Args: []string{}, Env: []string{}, Secrets: []SecretReference{}}
	b.ContainerLabels = map[string]string{}
	b.Mounts = []Mount{}
	if d := taskSpecDiff(&a, &b); d != specSame {
		t.Fatalf("nil vs empty: %d, want same", d)
	}
}

func runningTaskIDs(t *testing.T, c *Cluster, svc string) []string {
	t.Helper()
	ts, err := c.Tasks(svc)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, x := range ts {
		if x.DesiredState == task.Running {
			ids = append(ids, x.ID)
		}
	}
	return ids
}

// Which changes replace running tasks (IsTaskDirty and the updater): labels,
// replicas, update config and the registry credential alone do not; a
// stored-only container field (hostname, a mount) does, as does --force.
func TestStoredFieldsRollTasks(t *testing.T) {
	c := newTestCluster(t, "manager", "worker1")
	spec := ServiceSpec{Name: "web", Replicas: 2, TaskTemplate: TaskSpec{Image: "web:1"}}
	if _, err := c.CreateService(spec); err != nil {
		t.Fatal(err)
	}
	c.RunFor(time.Minute)
	before := runningTaskIDs(t, c, "web")
	step := func(name string, change func(*ServiceSpec), roll bool) {
		t.Helper()
		cur, _ := c.Service("web")
		s := cur.Spec.Clone()
		change(&s)
		if err := c.UpdateService("web", s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c.RunFor(5 * time.Minute)
		after := runningTaskIDs(t, c, "web")
		if rolled := !reflect.DeepEqual(before, after); rolled != roll {
			t.Errorf("%s: tasks replaced = %v, want %v (%v -> %v)", name, rolled, roll, before, after)
		}
		before = after
	}
	step("labels", func(s *ServiceSpec) { s.Labels = map[string]string{"team": "blue"} }, false)
	step("update config", func(s *ServiceSpec) { u := updater.DefaultConfig(); u.Delay = time.Second; s.Update = &u }, false)
	step("replicas", func(s *ServiceSpec) { s.Replicas = 2 }, false)
	step("registry auth", func(s *ServiceSpec) { s.TaskTemplate.RegistryAuth = "e30=" }, false)
	step("hostname", func(s *ServiceSpec) { s.TaskTemplate.Hostname = "h" }, true)
	step("mount", func(s *ServiceSpec) {
		s.TaskTemplate.Mounts = []Mount{{Type: containerspec.MountTmpfs, Target: "/tmp"}}
	}, true)
	step("force", func(s *ServiceSpec) { s.TaskTemplate.ForceUpdate++ }, true)
}

// A bad mount or credential spec is refused with the daemon's error and
// leaves the service as it was.
func TestContainerSpecValidation(t *testing.T) {
	c := newTestCluster(t, "manager")
	spec := ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "web:1"}}
	if _, err := c.CreateService(spec); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		change func(*TaskSpec)
		want   string
		rpc    bool
	}{
		{func(t *TaskSpec) { t.Mounts = []Mount{{Type: "image", Target: "/a"}} }, `invalid MountType: "image"`, false},
		{func(t *TaskSpec) {
			t.Mounts = []Mount{{Type: "bind", Target: "/a", BindOptions: &containerspec.BindOptions{Propagation: "up"}}}
		}, `invalid MountPropagation: "up"`, false},
		{func(t *TaskSpec) { t.Mounts = []Mount{{Target: "/a"}, {Target: "/a"}} }, "ContainerSpec: duplicate mount point: /a", true},
		{func(t *TaskSpec) { t.CredentialSpec = &containerspec.CredentialSpec{} }, `must either provide "file" or "registry" for credential spec`, false},
		{func(t *TaskSpec) { t.CredentialSpec = &containerspec.CredentialSpec{File: "a", Registry: "b"} }, `cannot specify both "file" and "registry" credential specs`, false},
	} {
		s := spec.Clone()
		tc.change(&s.TaskTemplate)
		err := c.UpdateService("web", s)
		e, ok := err.(*Error)
		if !ok || e.Msg != tc.want || e.RPC != tc.rpc || e.Kind != KindInvalidArgument {
			t.Errorf("got %#v, want %q (rpc %v)", err, tc.want, tc.rpc)
		}
		if v, _ := c.Service("web"); v.Version != 1 && v.PreviousSpec != nil {
			t.Errorf("a refused update changed the service: version %d", v.Version)
		}
	}
}

// A change of the registry credential alone makes dirty only the tasks that
// have not pulled their image yet (IsTaskDirty ignores PullOptions for a
// task observed READY to RUNNING).
func TestRegistryAuthDirtyOnlyBeforePull(t *testing.T) {
	c := newTestCluster(t, "manager")
	c.SetImage("web:1", ImageBehavior{Pull: 10 * time.Second, Start: time.Second, Stop: time.Second})
	spec := ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "web:1"}}
	if _, err := c.CreateService(spec); err != nil {
		t.Fatal(err)
	}
	c.RunFor(2 * time.Second) // preparing: pulling
	upToDate := func() (n int, states []task.State) {
		ts, _ := c.Tasks("web")
		for _, x := range ts {
			if x.DesiredState == task.Running {
				states = append(states, x.State())
				if x.UpToDate {
					n++
				}
			}
		}
		return n, states
	}
	spec.TaskTemplate.RegistryAuth = "e30="
	if err := c.UpdateService("web", spec); err != nil {
		t.Fatal(err)
	}
	if n, st := upToDate(); n != 0 {
		t.Fatalf("a task still pulling (%v) is up to date after a credential change", st)
	}
	c.RunFor(time.Minute)
	if n, st := upToDate(); n != 1 || st[0] != task.Running {
		t.Fatalf("after the update: %d up to date, states %v", n, st)
	}
	spec.TaskTemplate.RegistryAuth = "other"
	if err := c.UpdateService("web", spec); err != nil {
		t.Fatal(err)
	}
	if n, st := upToDate(); n != 1 {
		t.Fatalf("a running task (%v) is dirty after a credential change", st)
	}
}
