package secret

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/errdefs"
	"github.com/swarmsim/swarmsim/spec"
)

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// newTestStore is a store whose IDs are "id01", "id02" ...; next tells the
// ID the next object would get.
func newTestStore() (s *Store, next func() string) {
	n := 0
	s = NewStore(func() string { n++; return fmt.Sprintf("id%02d", n) })
	return s, func() string { return fmt.Sprintf("id%02d", n+1) }
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

type snapshot struct {
	Secrets []*Secret
	Configs []*Config
	NextID  string
}

func snap(s *Store, next func() string) snapshot {
	return snapshot{s.Secrets(), s.Configs(), next()}
}

// Secrets keep their data to themselves; configs return it. Names are
// unique case-insensitively, and bad input gets SwarmKit's errors
// (manager/controlapi/secret.go CreateSecret, config.go CreateConfig,
// common.go validateConfigOrSecretAnnotations, api/validation/secrets.go)
// and changes nothing.
func TestSecretsAndConfigs(t *testing.T) {
	s, next := newTestStore()
	sec, err := s.CreateSecret(Spec{Name: "db_pass", Labels: map[string]string{"env": "prod"}, Data: []byte("hunter2")}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := s.CreateConfig(ConfigSpec{Name: "nginx.conf", Data: []byte("server {}")}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	wantS := &Secret{ID: "id01", Version: 1, CreatedAt: epoch, UpdatedAt: epoch, Spec: Spec{Name: "db_pass", Labels: map[string]string{"env": "prod"}}}
	for _, got := range []*Secret{sec, s.Secrets()[0], must(s.Secret("db_pass")), must(s.Secret("id0")), must(s.Secret("id01"))} {
		if diff := cmp.Diff(wantS, got); diff != "" {
			t.Errorf("secret view (-want +got):\n%s", diff)
		}
	}
	wantC := &Config{ID: "id02", Version: 1, CreatedAt: epoch, UpdatedAt: epoch, Spec: ConfigSpec{Name: "nginx.conf", Data: []byte("server {}")}}
	for _, got := range []*Config{cfg, s.Configs()[0], must(s.Config("nginx.conf")), must(s.Config("id02"))} {
		if diff := cmp.Diff(wantC, got); diff != "" {
			t.Errorf("config view (-want +got):\n%s", diff)
		}
	}
	// views are copies
	s.Configs()[0].Spec.Data[0] = 'X'
	if got := must(s.Config("nginx.conf")); string(got.Spec.Data) != "server {}" {
		t.Errorf("a view changed the store: %q", got.Spec.Data)
	}
	big := strings.Repeat("x", MaxSecretSize)
	for _, tc := range []struct {
		name string
		call func() error
		want string
		kind error
	}{
		{"duplicate", func() error { _, err := s.CreateSecret(Spec{Name: "db_pass", Data: []byte("x")}, epoch); return err },
			"secret db_pass already exists", errdefs.ErrAlreadyExists},
		{"duplicate, other case", func() error { _, err := s.CreateSecret(Spec{Name: "DB_PASS", Data: []byte("x")}, epoch); return err },
			"secret DB_PASS already exists", errdefs.ErrAlreadyExists},
		{"config duplicate", func() error {
			_, err := s.CreateConfig(ConfigSpec{Name: "nginx.conf", Data: []byte("x")}, epoch)
			return err
		}, "config nginx.conf already exists", errdefs.ErrAlreadyExists},
		{"bad name", func() error { _, err := s.CreateSecret(Spec{Name: "-x", Data: []byte("x")}, epoch); return err },
			"invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]", errdefs.ErrInvalidArgument},
		{"long name", func() error {
			_, err := s.CreateSecret(Spec{Name: strings.Repeat("a", 65), Data: []byte("x")}, epoch)
			return err
		}, "invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]", errdefs.ErrInvalidArgument},
		{"no name", func() error { _, err := s.CreateSecret(Spec{Data: []byte("x")}, epoch); return err },
			"name must be provided", errdefs.ErrInvalidArgument},
		{"empty", func() error { _, err := s.CreateSecret(Spec{Name: "e"}, epoch); return err },
			"secret data must be larger than 0 and less than 512000 bytes", errdefs.ErrInvalidArgument},
		{"too big", func() error { _, err := s.CreateSecret(Spec{Name: "e", Data: []byte(big)}, epoch); return err },
			"secret data must be larger than 0 and less than 512000 bytes", errdefs.ErrInvalidArgument},
		{"config empty", func() error { _, err := s.CreateConfig(ConfigSpec{Name: "e"}, epoch); return err },
			"config data must be larger than 0 and less than 1024000 bytes", errdefs.ErrInvalidArgument},
		{"remove unknown", func() error { return s.Remove(KindSecret, "nope", nil) }, "secret nope not found", errdefs.ErrNotFound},
		{"inspect unknown config", func() error { _, err := s.Config("nope"); return err }, "config nope not found", errdefs.ErrNotFound},
		{"a config is no secret", func() error { _, err := s.Secret("nginx.conf"); return err }, "secret nginx.conf not found", errdefs.ErrNotFound},
	} {
		before := snap(s, next)
		err := tc.call()
		if errText(err) != tc.want || !errors.Is(err, tc.kind) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if diff := cmp.Diff(before, snap(s, next)); diff != "" {
			t.Errorf("%s changed the store (-before +after):\n%s", tc.name, diff)
		}
	}
	s.CreateSecret(Spec{Name: "b", Data: []byte("x")}, epoch) // id03
	if _, err := s.Secret("id0"); errText(err) != "secret id0 is ambiguous (2 matches found)" || !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("ambiguous: %v", err)
	}
	if err := s.Remove(KindSecret, "db_pass", func(string) []string { return nil }); err != nil || len(s.Secrets()) != 1 {
		t.Errorf("remove: %v, left %v", err, s.Secrets())
	}
	if _, err := s.CreateSecret(Spec{Name: "DB_PASS", Data: []byte("x")}, epoch); err != nil {
		t.Errorf("the name is free again: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Removing a secret or config in use names the services in the order
// given (SwarmKit's controlapi RemoveSecret, RemoveConfig).
func TestRemoveInUse(t *testing.T) {
	s, _ := newTestStore()
	s.CreateSecret(Spec{Name: "s1", Data: []byte("a")}, epoch)
	s.CreateConfig(ConfigSpec{Name: "c1", Data: []byte("a")}, epoch)
	for _, tc := range []struct {
		kind  Kind
		ref   string
		users []string
		want  string
	}{
		{KindSecret, "s1", []string{"web", "api"}, "secret 's1' is in use by the following services: web, api"},
		{KindConfig, "c1", []string{"web"}, "config 'c1' is in use by the following service: web"},
		{KindConfig, "s1", nil, "config s1 not found"},
		{KindSecret, "id01", nil, ""},
	} {
		var asked string
		err := s.Remove(tc.kind, tc.ref, func(id string) []string { asked = id; return tc.users })
		if diff := cmp.Diff(tc.want, errText(err)); diff != "" {
			t.Errorf("Remove(%v, %q) (-want +got):\n%s", tc.kind, tc.ref, diff)
		}
		if err == nil && asked != "id01" {
			t.Errorf("users asked about %q, want id01", asked)
		}
	}
	if len(s.Secrets()) != 0 || len(s.Configs()) != 1 {
		t.Errorf("left %v %v", s.Secrets(), s.Configs())
	}
}

// References name their secret by ID or exact name and get Docker's
// default target; unknown ones and conflicting targets are refused with
// SwarmKit's errors (controlapi validateSecretRefsSpec,
// checkSecretExistence), secrets before configs.
func TestResolveRefs(t *testing.T) {
	s, _ := newTestStore()
	s.CreateSecret(Spec{Name: "s1", Data: []byte("a")}, epoch)       // id01
	s.CreateConfig(ConfigSpec{Name: "c1", Data: []byte("b")}, epoch) // id02
	s.CreateSecret(Spec{Name: "Other", Data: []byte("a")}, epoch)    // id03
	def := func(name string) spec.FileTarget { return spec.FileTarget{Name: name, UID: "0", GID: "0", Mode: 0o444} }
	for _, tc := range []struct {
		name    string
		secrets []spec.SecretReference
		configs []spec.ConfigReference
		wantS   []spec.SecretReference
		wantC   []spec.ConfigReference
		err     string
	}{
		{name: "by name and by ID",
			secrets: []spec.SecretReference{{SecretName: "s1"}},
			configs: []spec.ConfigReference{{ConfigID: "id02", File: spec.FileTarget{Name: "/etc/c.conf", Mode: 0o400}}},
			wantS:   []spec.SecretReference{{SecretID: "id01", SecretName: "s1", File: def("s1")}},
			wantC:   []spec.ConfigReference{{ConfigID: "id02", ConfigName: "c1", File: spec.FileTarget{Name: "/etc/c.conf", UID: "0", GID: "0", Mode: 0o400}}}},
		{name: "same secret, two targets",
			secrets: []spec.SecretReference{{SecretName: "s1"}, {SecretName: "s1", File: spec.FileTarget{Name: "b", UID: "1"}}},
			wantS:   []spec.SecretReference{{SecretID: "id01", SecretName: "s1", File: def("s1")}, {SecretID: "id01", SecretName: "s1", File: spec.FileTarget{Name: "b", UID: "1", GID: "0", Mode: 0o444}}}},
		{name: "unknown secret", secrets: []spec.SecretReference{{SecretName: "nope"}}, err: "secret not found: nope"},
		{name: "name in another case", secrets: []spec.SecretReference{{SecretName: "other"}}, err: "secret not found: other"},
		{name: "two unknown", secrets: []spec.SecretReference{{SecretName: "a"}, {SecretName: "b"}}, err: "secrets not found: a, b"},
		{name: "unknown config", configs: []spec.ConfigReference{{ConfigName: "nope"}}, err: "config not found: nope"},
		{name: "a config is no secret", secrets: []spec.SecretReference{{SecretName: "c1"}}, err: "secret not found: c1"},
		{name: "name differs from the ID's", secrets: []spec.SecretReference{{SecretID: "id01", SecretName: "other"}}, err: "secret not found: other"},
		{name: "unknown ID", secrets: []spec.SecretReference{{SecretID: "id09"}}, err: "secret not found: "},
		{name: "conflicting target", secrets: []spec.SecretReference{{SecretName: "s1"}, {SecretName: "s1"}},
			err: "secret references 's1' and 's1' have a conflicting target: 's1'"},
		{name: "malformed", secrets: []spec.SecretReference{{}}, err: "malformed secret reference"},
		{name: "secrets first", secrets: []spec.SecretReference{{SecretName: "x"}}, configs: []spec.ConfigReference{{}}, err: "secret not found: x"},
	} {
		task := spec.Task{Secrets: tc.secrets, Configs: tc.configs}
		err := s.ResolveRefs(&task)
		if diff := cmp.Diff(tc.err, errText(err)); diff != "" {
			t.Errorf("%s: error (-want +got):\n%s", tc.name, diff)
		}
		if err != nil {
			if !errors.Is(err, errdefs.ErrInvalidArgument) {
				t.Errorf("%s: %v is no invalid argument", tc.name, err)
			}
			continue
		}
		if diff := cmp.Diff(tc.wantS, task.Secrets); diff != "" {
			t.Errorf("%s: secrets (-want +got):\n%s", tc.name, diff)
		}
		if diff := cmp.Diff(tc.wantC, task.Configs); diff != "" {
			t.Errorf("%s: configs (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestUses(t *testing.T) {
	task := &spec.Task{Secrets: []spec.SecretReference{{SecretID: "a"}}, Configs: []spec.ConfigReference{{ConfigID: "b"}}}
	got := []bool{Uses(task, KindSecret, "a"), Uses(task, KindSecret, "b"), Uses(task, KindConfig, "b"), Uses(task, KindConfig, "a")}
	if diff := cmp.Diff([]bool{true, false, true, false}, got); diff != "" {
		t.Errorf("Uses (-want +got):\n%s", diff)
	}
}

func TestKind(t *testing.T) {
	got := []string{KindSecret.String(), KindConfig.String(), fmt.Sprint(KindSecret.MaxSize(), KindConfig.MaxSize())}
	if diff := cmp.Diff([]string{"secret", "config", "512000 1024000"}, got); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
}
