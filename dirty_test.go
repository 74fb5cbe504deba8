package swarmsim

import (
	"reflect"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim/containerspec"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

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
