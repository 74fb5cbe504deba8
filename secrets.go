package swarmsim

import (
	"slices"
	"strings"

	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/secret"
)

// Secrets and configs live in package secret; these are their names in
// this package.

// MaxSecretSize and MaxConfigSize bound a secret's and a config's data (see
// package secret).
const (
	MaxSecretSize = secret.MaxSecretSize
	MaxConfigSize = secret.MaxConfigSize
)

// SecretSpec declares a secret (see secret.Spec).
type SecretSpec = secret.Spec

// Secret is a secret as `docker secret inspect` shows it, without its data
// (see secret.Secret).
type Secret = secret.Secret

// SwarmConfigSpec declares a config (see secret.ConfigSpec); the name
// keeps it apart from Config, the cluster's configuration.
type SwarmConfigSpec = secret.ConfigSpec

// SwarmConfig is a config as `docker config inspect` shows it (see
// secret.Config).
type SwarmConfig = secret.Config

// CreateSecret stores a secret. Its name must be unique (case-insensitively,
// as SwarmKit's store indexes names) and its data 1 byte to 500 KB.
func (c *Cluster) CreateSecret(spec SecretSpec) (*Secret, error) {
	o := c.objects()
	if err := c.noLeader(); err != nil {
		return nil, err
	}
	return o.secrets.CreateSecret(spec, c.Now())
}

// Secrets lists the secrets in creation order, without their data.
func (c *Cluster) Secrets() []*Secret { return c.objects().secrets.Secrets() }

// Secret looks a secret up by ID, name or unique ID prefix.
func (c *Cluster) Secret(ref string) (*Secret, error) { return c.objects().secrets.Secret(ref) }

// RemoveSecret removes a secret no service uses.
func (c *Cluster) RemoveSecret(ref string) error { return c.removeSecret(secret.KindSecret, ref) }

// CreateConfig stores a config; its data must be 1 byte to 1000 KB.
func (c *Cluster) CreateConfig(spec SwarmConfigSpec) (*SwarmConfig, error) {
	o := c.objects()
	if err := c.noLeader(); err != nil {
		return nil, err
	}
	return o.secrets.CreateConfig(spec, c.Now())
}

// Configs lists the configs in creation order.
func (c *Cluster) Configs() []*SwarmConfig { return c.objects().secrets.Configs() }

// Config looks a config up by ID, name or unique ID prefix.
func (c *Cluster) Config(ref string) (*SwarmConfig, error) { return c.objects().secrets.Config(ref) }

// RemoveConfig removes a config no service uses.
func (c *Cluster) RemoveConfig(ref string) error { return c.removeSecret(secret.KindConfig, ref) }

// removeSecret deletes a secret or config that no service uses; the
// services using it are named in ID order (controlapi RemoveSecret and
// RemoveConfig).
func (c *Cluster) removeSecret(k secret.Kind, ref string) error {
	c.lazyInit()
	if err := c.noLeader(); err != nil {
		return err
	}
	return c.objs.secrets.Remove(k, ref, func(id string) []string {
		var users []*store.Service
		for _, svc := range c.st.Services() {
			if svc != nil && secret.Uses(&svc.Spec.Spec.TaskTemplate, k, id) {
				users = append(users, svc)
			}
		}
		slices.SortFunc(users, func(a, b *store.Service) int { return strings.Compare(a.ID, b.ID) })
		names := make([]string, len(users))
		for i, u := range users {
			names[i] = u.Spec.Spec.Name
		}
		return names
	})
}
