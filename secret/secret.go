// Package secret holds Swarm's secrets and configs: the specs a user
// declares with `docker secret create` and `docker config create`, the
// objects as `docker secret inspect` and `docker config inspect` show them,
// and the store that keeps both kinds.
//
// The two kinds differ in little: a secret's data is never returned and may
// be up to 500 KB, a config's is returned and may be up to 1000 KB
// (SwarmKit's manager/controlapi/secret.go: CreateSecret, config.go:
// CreateConfig). Names are checked as SwarmKit checks them
// (manager/controlapi/common.go: validateConfigOrSecretAnnotations) and are
// unique case-insensitively, as SwarmKit's store indexes them. Look-ups
// follow the daemon (a full ID, an exact name, a unique ID prefix).
//
// A service's task template names secrets and configs; Store.ResolveRefs
// fills those references with IDs and the docker CLI's default file target
// and refuses unknown ones with SwarmKit's errors
// (manager/controlapi/service.go: validateSecretRefsSpec,
// checkSecretExistence). Which services use a secret is the caller's to
// find (Uses tells for one task template); Store.Remove names them in the
// refusal.
package secret

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim/errdefs"
	"github.com/swarmsim/swarmsim/internal/ids"
	"github.com/swarmsim/swarmsim/spec"
)

// MaxSecretSize and MaxConfigSize bound a secret's and a config's data, as
// SwarmKit does (api/validation/secrets.go: MaxSecretSize,
// manager/controlapi/config.go: MaxConfigSize).
const (
	MaxSecretSize = 500 * 1024
	MaxConfigSize = 1000 * 1024
)

// Spec declares a secret (`docker secret create`). Data is kept in the
// store and never returned: Secret views leave it out.
type Spec struct {
	Name   string
	Labels map[string]string
	Data   []byte
}

// Secret is a secret as `docker secret inspect` shows it, without its data.
type Secret struct {
	ID        string
	Version   uint64
	CreatedAt time.Time
	UpdatedAt time.Time
	Spec      Spec
}

// ConfigSpec declares a config (`docker config create`).
type ConfigSpec struct {
	Name   string
	Labels map[string]string
	Data   []byte
}

// Config is a config as `docker config inspect` shows it: unlike a
// secret's, its data is returned.
type Config struct {
	ID        string
	Version   uint64
	CreatedAt time.Time
	UpdatedAt time.Time
	Spec      ConfigSpec
}

// Kind tells secrets from configs where the store handles both.
type Kind uint8

// The two kinds.
const (
	KindSecret Kind = iota
	KindConfig
)

// String is the word Docker's messages use: "secret" or "config".
func (k Kind) String() string {
	if k == KindConfig {
		return "config"
	}
	return "secret"
}

// MaxSize is the largest data size plus one that the kind accepts.
func (k Kind) MaxSize() int {
	if k == KindConfig {
		return MaxConfigSize
	}
	return MaxSecretSize
}

// Uses reports whether a task template references the secret (or config)
// with the given ID.
func Uses(t *spec.Task, k Kind, id string) bool {
	if k == KindConfig {
		return slices.ContainsFunc(t.Configs, func(r spec.ConfigReference) bool { return r.ConfigID == id })
	}
	return slices.ContainsFunc(t.Secrets, func(r spec.SecretReference) bool { return r.SecretID == id })
}

// DefaultFile fills a reference's target with the docker CLI's defaults:
// the file named as the secret, owned by 0:0, mode 0444 (docker/cli's
// opts/secret.go: SecretOpt.Set).
func DefaultFile(f *spec.FileTarget, name string) {
	if f.Name == "" {
		f.Name = name
	}
	if f.UID == "" {
		f.UID = "0"
	}
	if f.GID == "" {
		f.GID = "0"
	}
	if f.Mode == 0 {
		f.Mode = 0o444
	}
}

var nameRE = regexp.MustCompile(`^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$`)

// ValidateName checks a secret's or config's name as SwarmKit does
// (manager/controlapi/common.go: validateConfigOrSecretAnnotations).
func ValidateName(name string) error {
	if name == "" {
		return errdefs.RPC(errdefs.KindInvalidArgument, "name must be provided")
	}
	if len(name) > 64 || !nameRE.MatchString(name) {
		return errdefs.RPC(errdefs.KindInvalidArgument, "invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]")
	}
	return nil
}

// object is a stored secret or config.
type object struct {
	id        string
	createdAt time.Time
	name      string
	labels    map[string]string
	data      []byte
}

func (o *object) secret() *Secret {
	return &Secret{ID: o.id, Version: 1, CreatedAt: o.createdAt, UpdatedAt: o.createdAt,
		Spec: Spec{Name: o.name, Labels: maps.Clone(o.labels)}}
}

func (o *object) config() *Config {
	return &Config{ID: o.id, Version: 1, CreatedAt: o.createdAt, UpdatedAt: o.createdAt,
		Spec: ConfigSpec{Name: o.name, Labels: maps.Clone(o.labels), Data: slices.Clone(o.data)}}
}

// objects are the stored objects of one kind.
type objects struct {
	list  []*object // in creation order; removed ones are nil
	byID  map[string]*object
	byKey map[string]*object // by name in lower case
}

// Store holds a swarm's secrets and configs.
type Store struct {
	newID   func() string
	secrets objects
	configs objects
}

// NewStore returns an empty store; newID gives every secret and config its
// ID.
func NewStore(newID func() string) *Store {
	return &Store{
		newID:   newID,
		secrets: objects{byID: map[string]*object{}, byKey: map[string]*object{}},
		configs: objects{byID: map[string]*object{}, byKey: map[string]*object{}},
	}
}

func (s *Store) of(k Kind) *objects {
	if k == KindConfig {
		return &s.configs
	}
	return &s.secrets
}

// create validates and stores a secret or config.
func (s *Store) create(k Kind, name string, labels map[string]string, data []byte, now time.Time) (*object, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if err := spec.ValidateLabels(labels); err != nil {
		return nil, err
	}
	if len(data) == 0 || len(data) >= k.MaxSize() {
		return nil, errdefs.RPC(errdefs.KindInvalidArgument, "%s data must be larger than 0 and less than %d bytes", k, k.MaxSize())
	}
	objs := s.of(k)
	if _, ok := objs.byKey[strings.ToLower(name)]; ok {
		return nil, errdefs.RPC(errdefs.KindAlreadyExists, "%s %s already exists", k, name)
	}
	o := &object{id: s.newID(), createdAt: now, name: name, labels: maps.Clone(labels), data: slices.Clone(data)}
	objs.list = append(objs.list, o)
	objs.byID[o.id] = o
	objs.byKey[strings.ToLower(name)] = o
	return o, nil
}

// CreateSecret validates and stores a secret: its name must be unique
// (case-insensitively) and its data 1 byte to 500 KB. A refused create
// changes nothing and draws no ID.
func (s *Store) CreateSecret(sp Spec, now time.Time) (*Secret, error) {
	o, err := s.create(KindSecret, sp.Name, sp.Labels, sp.Data, now)
	if err != nil {
		return nil, err
	}
	return o.secret(), nil
}

// CreateConfig validates and stores a config; its data must be 1 byte to
// 1000 KB.
func (s *Store) CreateConfig(sp ConfigSpec, now time.Time) (*Config, error) {
	o, err := s.create(KindConfig, sp.Name, sp.Labels, sp.Data, now)
	if err != nil {
		return nil, err
	}
	return o.config(), nil
}

// Secrets lists the secrets in creation order, without their data.
func (s *Store) Secrets() []*Secret {
	var out []*Secret
	for _, o := range s.secrets.list {
		if o != nil {
			out = append(out, o.secret())
		}
	}
	return out
}

// Configs lists the configs in creation order.
func (s *Store) Configs() []*Config {
	var out []*Config
	for _, o := range s.configs.list {
		if o != nil {
			out = append(out, o.config())
		}
	}
	return out
}

// Secret looks a secret up by ID, name or unique ID prefix.
func (s *Store) Secret(ref string) (*Secret, error) {
	o, err := s.lookup(KindSecret, ref)
	if err != nil {
		return nil, err
	}
	return o.secret(), nil
}

// Config looks a config up by ID, name or unique ID prefix.
func (s *Store) Config(ref string) (*Config, error) {
	o, err := s.lookup(KindConfig, ref)
	if err != nil {
		return nil, err
	}
	return o.config(), nil
}

// lookup finds a secret or config by ID, name or unique ID prefix (moby's
// daemon/cluster/helpers.go: getSecret and getConfig).
func (s *Store) lookup(k Kind, ref string) (*object, error) {
	objs := s.of(k)
	if o, ok := objs.byID[ref]; ok {
		return o, nil
	}
	for _, o := range objs.list {
		if o != nil && o.name == ref {
			return o, nil
		}
	}
	found, n := ids.Scan(objs.list, ref, func(o *object) string { return o.id })
	return ids.Unique(k.String(), ref, found, n)
}

// Remove deletes the secret or config ref names unless a service uses it:
// users returns the names of the services that reference the ID, in the
// order of their IDs, and a non-empty list refuses the removal with
// SwarmKit's error (manager/controlapi/secret.go: RemoveSecret, config.go:
// RemoveConfig).
func (s *Store) Remove(k Kind, ref string, users func(id string) []string) error {
	o, err := s.lookup(k, ref)
	if err != nil {
		return err
	}
	if names := users(o.id); len(names) > 0 {
		word := "services"
		if len(names) == 1 {
			word = "service"
		}
		return errdefs.RPC(errdefs.KindInvalidArgument, "%s '%s' is in use by the following %s: %v", k, o.name, word, strings.Join(names, ", "))
	}
	objs := s.of(k)
	for i, x := range objs.list {
		if x == o {
			objs.list[i] = nil
		}
	}
	delete(objs.byID, o.id)
	delete(objs.byKey, strings.ToLower(o.name))
	return nil
}

// ResolveRefs fills a task template's secret and config references: a
// reference names its secret by ID or, with no ID, by exact name (as
// docker/cli's cli/command/service/parse.go: ParseSecrets resolves names),
// and gets the default file target (DefaultFile). It refuses conflicting
// targets and unknown secrets with SwarmKit's errors
// (manager/controlapi/service.go: validateSecretRefsSpec,
// checkSecretExistence); secrets are checked before configs.
func (s *Store) ResolveRefs(t *spec.Task) error {
	type ref struct {
		id, name *string
		file     *spec.FileTarget
	}
	for _, k := range []Kind{KindSecret, KindConfig} {
		var refs []ref
		if k == KindConfig {
			for i := range t.Configs {
				r := &t.Configs[i]
				refs = append(refs, ref{&r.ConfigID, &r.ConfigName, &r.File})
			}
		} else {
			for i := range t.Secrets {
				r := &t.Secrets[i]
				refs = append(refs, ref{&r.SecretID, &r.SecretName, &r.File})
			}
		}
		objs := s.of(k)
		targets := map[string]string{}
		var missing []string
		for _, r := range refs {
			var o *object
			if *r.id != "" {
				o = objs.byID[*r.id]
				if o != nil && *r.name == "" {
					*r.name = o.name
				}
			} else if *r.name != "" {
				if x := objs.byKey[strings.ToLower(*r.name)]; x != nil && x.name == *r.name {
					o = x
					*r.id = o.id
				}
			}
			if *r.id == "" && *r.name == "" {
				return errdefs.RPC(errdefs.KindInvalidArgument, "malformed %s reference", k)
			}
			DefaultFile(r.file, *r.name)
			if prev, ok := targets[r.file.Name]; ok {
				return errdefs.RPC(errdefs.KindInvalidArgument, "%s references '%s' and '%s' have a conflicting target: '%s'", k, prev, *r.name, r.file.Name)
			}
			targets[r.file.Name] = *r.name
			if o == nil || o.name != *r.name {
				missing = append(missing, *r.name)
			}
		}
		if len(missing) > 0 {
			word := k.String() + "s"
			if len(missing) == 1 {
				word = k.String()
			}
			return errdefs.RPC(errdefs.KindInvalidArgument, "%s not found: %v", word, strings.Join(missing, ", "))
		}
	}
	return nil
}
