package swarmsim

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// A service names secrets and configs by name (or ID); the references get
// the ID and Docker's default target (the name, 0:0, 0444). Unknown ones
// and conflicting targets are refused with SwarmKit's errors
// (manager/controlapi/service.go checkSecretExistence,
// validateSecretRefsSpec), and a secret in use cannot be removed
// (controlapi/secret.go RemoveSecret: services named in ID order).
func TestServiceSecretRefs(t *testing.T) {
	c := newTestCluster(t, "manager")
	s1, _ := c.CreateSecret(SecretSpec{Name: "s1", Data: []byte("a")})
	cf, _ := c.CreateConfig(SwarmConfigSpec{Name: "c1", Data: []byte("b")})
	web, err := c.CreateService(ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "x",
		Secrets: []SecretReference{{SecretName: "s1"}},
		Configs: []ConfigReference{{ConfigID: cf.ID, File: FileTarget{Name: "/etc/c.conf", Mode: 0o400}}}}})
	if err != nil {
		t.Fatal(err)
	}
	wantS := []SecretReference{{SecretID: s1.ID, SecretName: "s1", File: FileTarget{Name: "s1", UID: "0", GID: "0", Mode: 0o444}}}
	wantC := []ConfigReference{{ConfigID: cf.ID, ConfigName: "c1", File: FileTarget{Name: "/etc/c.conf", UID: "0", GID: "0", Mode: 0o400}}}
	if diff := cmp.Diff(wantS, web.Spec.TaskTemplate.Secrets); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantC, web.Spec.TaskTemplate.Configs); diff != "" {
		t.Errorf("configs (-want +got):\n%s", diff)
	}
	api, _ := c.CreateService(ServiceSpec{Name: "api", Replicas: 1, TaskTemplate: TaskSpec{Image: "x", Secrets: []SecretReference{{SecretName: "s1"}}}})
	for _, tc := range []struct {
		name string
		t    TaskSpec
		want string
	}{
		{"unknown secret", TaskSpec{Image: "x", Secrets: []SecretReference{{SecretName: "nope"}}}, "secret not found: nope"},
		{"two unknown", TaskSpec{Image: "x", Secrets: []SecretReference{{SecretName: "a"}, {SecretName: "b"}}}, "secrets not found: a, b"},
		{"unknown config", TaskSpec{Image: "x", Configs: []ConfigReference{{ConfigName: "nope"}}}, "config not found: nope"},
		{"name differs from ID's", TaskSpec{Image: "x", Secrets: []SecretReference{{SecretID: s1.ID, SecretName: "other"}}}, "secret not found: other"},
		{"conflicting target", TaskSpec{Image: "x", Secrets: []SecretReference{{SecretName: "s1"}, {SecretName: "s1"}}},
			"secret references 's1' and 's1' have a conflicting target: 's1'"},
		{"malformed", TaskSpec{Image: "x", Secrets: []SecretReference{{}}}, "malformed secret reference"},
	} {
		before := snapshotObjects(c)
		if _, err := c.CreateService(ServiceSpec{Name: "n", Replicas: 1, TaskTemplate: tc.t}); errText(err) != tc.want || !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: create: %v, want %q", tc.name, err, tc.want)
		}
		spec := web.Spec.Clone()
		spec.TaskTemplate = tc.t
		if err := c.UpdateService("web", spec); errText(err) != tc.want {
			t.Errorf("%s: update: %v, want %q", tc.name, err, tc.want)
		}
		if diff := cmp.Diff(before, snapshotObjects(c), netipEqual); diff != "" {
			t.Errorf("%s changed the cluster (-before +after):\n%s", tc.name, diff)
		}
	}
	names := "api, web"
	if web.ID < api.ID {
		names = "web, api"
	}
	before := snapshotObjects(c)
	if err := c.RemoveSecret("s1"); errText(err) != "secret 's1' is in use by the following services: "+names || !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("remove s1: %v", err)
	}
	if err := c.RemoveConfig("c1"); errText(err) != "config 'c1' is in use by the following service: web" {
		t.Errorf("remove c1: %v", err)
	}
	if diff := cmp.Diff(before, snapshotObjects(c), netipEqual); diff != "" {
		t.Errorf("refused removals changed the cluster (-before +after):\n%s", diff)
	}
}

// Rotating a secret (`--secret-rm old --secret-add source=new,target=old`)
// changes the task template, so the tasks are replaced by a rolling update.
func TestSecretRotationRollsTasks(t *testing.T) {
	c := newTestCluster(t, "manager", "worker1")
	c.CreateSecret(SecretSpec{Name: "pw_v1", Data: []byte("1")})
	c.CreateSecret(SecretSpec{Name: "pw_v2", Data: []byte("2")})
	if _, err := c.CreateService(ServiceSpec{Name: "app", Replicas: 2, TaskTemplate: TaskSpec{Image: "x",
		Secrets: []SecretReference{{SecretName: "pw_v1", File: FileTarget{Name: "pw"}}}}}); err != nil {
		t.Fatal(err)
	}
	c.RunFor(time.Minute)
	ids := func() []string {
		var out []string
		ts, _ := c.Tasks("app")
		for _, x := range ts {
			if x.DesiredState.String() == "running" {
				out = append(out, x.ID)
			}
		}
		return out
	}
	old := ids()
	svc, _ := c.Service("app")
	spec := svc.Spec.Clone()
	spec.TaskTemplate.Secrets = []SecretReference{{SecretName: "pw_v2", File: FileTarget{Name: "pw"}}}
	if err := c.UpdateService("app", spec); err != nil {
		t.Fatal(err)
	}
	c.RunFor(time.Minute)
	cur := ids()
	if len(cur) != 2 || cur[0] == old[0] || cur[1] == old[1] {
		t.Errorf("tasks %v after the rotation, were %v: want both replaced", cur, old)
	}
	if err := c.RemoveSecret("pw_v1"); err != nil {
		t.Errorf("the old secret is free after the rotation: %v", err)
	}
}
