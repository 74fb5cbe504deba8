package swarmsim

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// MaxSecretSize and MaxConfigSize bound a secret's and a config's data, as
// SwarmKit does (api/validation MaxSecretSize, controlapi MaxConfigSize).
const (
	MaxSecretSize = 500 * 1024
	MaxConfigSize = 1000 * 1024
)

// SecretSpec declares a secret (`docker secret create`). Data is kept in
// the cluster and never returned: Secret and Secrets leave it out.
type SecretSpec struct {
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
	Spec      SecretSpec
}

// SwarmConfigSpec declares a config (`docker config create`); the name
// keeps it apart from Config, the cluster's configuration.
type SwarmConfigSpec struct {
	Name   string
	Labels map[string]string
	Data   []byte
}

// SwarmConfig is a config as `docker config inspect` shows it: unlike a
// secret's, its data is returned.
type SwarmConfig struct {
	ID        string
	Version   uint64
	CreatedAt time.Time
	UpdatedAt time.Time
	Spec      SwarmConfigSpec
}

// secretState is a stored secret or config.
type secretState struct {
	id        string
	createdAt time.Time
	name      string
	labels    map[string]string
	data      []byte
}

// secretKind is what differs between secrets and configs.
type secretKind struct {
	word    string // "secret" or "config"
	maxSize int
	list    *[]*secretState
	byID    map[string]*secretState
	byKey   map[string]*secretState // by name in lower case
}

func (o *objectStore) kind(config bool) secretKind {
	if config {
		return secretKind{"config", MaxConfigSize, &o.configs, o.configByID, o.configByKey}
	}
	return secretKind{"secret", MaxSecretSize, &o.secrets, o.secretByID, o.secretByKey}
}

var secretNameRE = regexp.MustCompile(`^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$`)

// create validates and stores a secret or config (controlapi CreateSecret,
// CreateConfig, validateConfigOrSecretAnnotations).
func (c *Cluster) createSecret(config bool, name string, labels map[string]string, data []byte) (*secretState, error) {
	o := c.objects()
	k := o.kind(config)
	if err := c.noLeader(); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, rpcErr(KindInvalidArgument, "name must be provided")
	}
	if len(name) > 64 || !secretNameRE.MatchString(name) {
		return nil, rpcErr(KindInvalidArgument, "invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]")
	}
	if err := validLabels(labels); err != nil {
		return nil, err
	}
	if len(data) == 0 || len(data) >= k.maxSize {
		return nil, rpcErr(KindInvalidArgument, "%s data must be larger than 0 and less than %d bytes", k.word, k.maxSize)
	}
	if _, ok := k.byKey[strings.ToLower(name)]; ok {
		return nil, rpcErr(KindAlreadyExists, "%s %s already exists", k.word, name)
	}
	s := &secretState{id: o.ids.Next(), createdAt: c.Now(), name: name, labels: maps.Clone(labels), data: slices.Clone(data)}
	*k.list = append(*k.list, s)
	k.byID[s.id] = s
	k.byKey[strings.ToLower(name)] = s
	return s, nil
}

// lookup finds a secret or config by ID, name or unique ID prefix (the
// daemon's getSecret and getConfig).
func (c *Cluster) lookupSecret(config bool, ref string) (*secretState, error) {
	k := c.objects().kind(config)
	if s, ok := k.byID[ref]; ok {
		return s, nil
	}
	for _, s := range *k.list {
		if s != nil && s.name == ref {
			return s, nil
		}
	}
	var found *secretState
	n := 0
	if ref != "" {
		for _, s := range *k.list {
			if s != nil && strings.HasPrefix(s.id, ref) {
				found = s
				n++
			}
		}
	}
	switch n {
	case 0:
		return nil, daemonErr(KindNotFound, "%s %s not found", k.word, ref)
	case 1:
		return found, nil
	}
	return nil, daemonErr(KindInvalidArgument, "%s %s is ambiguous (%d matches found)", k.word, ref, n)
}

// removeSecret deletes a secret or config that no service uses
// (controlapi RemoveSecret and RemoveConfig: the services using it are
// named in ID order).
func (c *Cluster) removeSecret(config bool, ref string) error {
	c.lazyInit()
	if err := c.noLeader(); err != nil {
		return err
	}
	s, err := c.lookupSecret(config, ref)
	if err != nil {
		return err
	}
	k := c.objs.kind(config)
	var users []*serviceState
	for _, svc := range c.services {
		if svc != nil && usesSecret(&svc.spec.spec.TaskTemplate, config, s.id) {
			users = append(users, svc)
		}
	}
	if len(users) > 0 {
		slices.SortFunc(users, func(a, b *serviceState) int { return strings.Compare(a.id, b.id) })
		names := make([]string, len(users))
		for i, u := range users {
			names[i] = u.spec.spec.Name
		}
		word := "services"
		if len(names) == 1 {
			word = "service"
		}
		return rpcErr(KindInvalidArgument, "%s '%s' is in use by the following %s: %v", k.word, s.name, word, strings.Join(names, ", "))
	}
	for i, x := range *k.list {
		if x == s {
			(*k.list)[i] = nil
		}
	}
	delete(k.byID, s.id)
	delete(k.byKey, strings.ToLower(s.name))
	return nil
}

func usesSecret(t *TaskSpec, config bool, id string) bool {
	if config {
		return slices.ContainsFunc(t.Configs, func(r ConfigReference) bool { return r.ConfigID == id })
	}
	return slices.ContainsFunc(t.Secrets, func(r SecretReference) bool { return r.SecretID == id })
}

// CreateSecret stores a secret. Its name must be unique (case-insensitively,
// as SwarmKit's store indexes names) and its data 1 byte to 500 KB.
func (c *Cluster) CreateSecret(spec SecretSpec) (*Secret, error) {
	s, err := c.createSecret(false, spec.Name, spec.Labels, spec.Data)
	if err != nil {
		return nil, err
	}
	return s.secret(), nil
}

func (s *secretState) secret() *Secret {
	return &Secret{ID: s.id, Version: 1, CreatedAt: s.createdAt, UpdatedAt: s.createdAt,
		Spec: SecretSpec{Name: s.name, Labels: maps.Clone(s.labels)}}
}

func (s *secretState) config() *SwarmConfig {
	return &SwarmConfig{ID: s.id, Version: 1, CreatedAt: s.createdAt, UpdatedAt: s.createdAt,
		Spec: SwarmConfigSpec{Name: s.name, Labels: maps.Clone(s.labels), Data: slices.Clone(s.data)}}
}

// Secrets lists the secrets in creation order, without their data.
func (c *Cluster) Secrets() []*Secret {
	var out []*Secret
	for _, s := range c.objects().secrets {
		if s != nil {
			out = append(out, s.secret())
		}
	}
	return out
}

// Secret looks a secret up by ID, name or unique ID prefix.
func (c *Cluster) Secret(ref string) (*Secret, error) {
	s, err := c.lookupSecret(false, ref)
	if err != nil {
		return nil, err
	}
	return s.secret(), nil
}

// RemoveSecret removes a secret no service uses.
func (c *Cluster) RemoveSecret(ref string) error { return c.removeSecret(false, ref) }

// CreateConfig stores a config; its data must be 1 byte to 1000 KB.
func (c *Cluster) CreateConfig(spec SwarmConfigSpec) (*SwarmConfig, error) {
	s, err := c.createSecret(true, spec.Name, spec.Labels, spec.Data)
	if err != nil {
		return nil, err
	}
	return s.config(), nil
}

// Configs lists the configs in creation order.
func (c *Cluster) Configs() []*SwarmConfig {
	var out []*SwarmConfig
	for _, s := range c.objects().configs {
		if s != nil {
			out = append(out, s.config())
		}
	}
	return out
}

// Config looks a config up by ID, name or unique ID prefix.
func (c *Cluster) Config(ref string) (*SwarmConfig, error) {
	s, err := c.lookupSecret(true, ref)
	if err != nil {
		return nil, err
	}
	return s.config(), nil
}

// RemoveConfig removes a config no service uses.
func (c *Cluster) RemoveConfig(ref string) error { return c.removeSecret(true, ref) }

// defaultFile fills a reference's target with the docker CLI's defaults:
// the file named as the secret, owned by 0:0, mode 0444 (opts SecretOpt).
func defaultFile(f *FileTarget, name string) {
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

// resolveRefs fills the spec's secret and config references: a reference
// names its secret by ID or, with no ID, by exact name (as docker/cli's
// ParseSecrets resolves names). It refuses conflicting targets and unknown
// secrets with SwarmKit's errors (controlapi validateSecretRefsSpec,
// checkSecretExistence).
func (c *Cluster) resolveRefs(spec *ServiceSpec) error {
	t := &spec.TaskTemplate
	type ref struct {
		id, name *string
		file     *FileTarget
	}
	for _, config := range []bool{false, true} {
		var refs []ref
		if config {
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
		k := c.objects().kind(config)
		targets := map[string]string{}
		var missing []string
		for _, r := range refs {
			var s *secretState
			if *r.id != "" {
				s = k.byID[*r.id]
				if s != nil && *r.name == "" {
					*r.name = s.name
				}
			} else if *r.name != "" {
				if x := k.byKey[strings.ToLower(*r.name)]; x != nil && x.name == *r.name {
					s = x
					*r.id = s.id
				}
			}
			if *r.id == "" && *r.name == "" {
				return rpcErr(KindInvalidArgument, "malformed %s reference", k.word)
			}
			defaultFile(r.file, *r.name)
			if prev, ok := targets[r.file.Name]; ok {
				return rpcErr(KindInvalidArgument, "%s references '%s' and '%s' have a conflicting target: '%s'", k.word, prev, *r.name, r.file.Name)
			}
			targets[r.file.Name] = *r.name
			if s == nil || s.name != *r.name {
				missing = append(missing, *r.name)
			}
		}
		if len(missing) > 0 {
			word := k.word + "s"
			if len(missing) == 1 {
				word = k.word
			}
			return rpcErr(KindInvalidArgument, "%s not found: %v", word, strings.Join(missing, ", "))
		}
	}
	return nil
}
