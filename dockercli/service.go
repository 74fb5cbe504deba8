package dockercli

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/internal/dockerfmt"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/updater"
)

var nameAdjectives = [...]string{"admiring", "bold", "clever", "dreamy", "eager", "focused", "gifted", "happy", "jolly", "keen", "loving", "modest", "nifty", "quirky", "serene", "trusting"}
var nameSurnames = [...]string{"babbage", "curie", "darwin", "euler", "feynman", "goldberg", "hopper", "kepler", "lovelace", "meitner", "noether", "pasteur", "ritchie", "shannon", "turing", "wozniak"}

// randomName is the daemon's namesgenerator, made deterministic: a name
// drawn from the session seed and a counter.
func (s *Session) randomName() string {
	s.names++
	h := s.seed*0x9E3779B97F4A7C15 + s.names*0xBF58476D1CE4E5B9
	h ^= h >> 31
	return nameAdjectives[h%uint64(len(nameAdjectives))] + "_" + nameSurnames[(h>>8)%uint64(len(nameSurnames))]
}

// validImage is SwarmKit's image check (manager/controlapi/service.go
// validateImage): the reference must parse with Docker's grammar
// (distribution/reference ParseNormalizedNamed: lower-case repository,
// at most 255 characters, a valid tag or digest).
func validImage(image string) error {
	if image == "" {
		return daemon(&swarmsim.Error{Kind: swarmsim.KindInvalidArgument, RPC: true, Msg: "ContainerSpec: image reference must be provided"})
	}
	if _, err := reference.ParseNormalizedNamed(image); err != nil {
		return daemon(&swarmsim.Error{Kind: swarmsim.KindInvalidArgument, RPC: true, Msg: fmt.Sprintf("ContainerSpec: %q is not a valid repository/tag", image)})
	}
	return nil
}

// withTag is the image reference the docker client sends: a reference
// without a tag or digest gets ":latest", in its familiar form (moby's
// client/service_create.go and service_update.go: imageWithTagString), so
// `nginx` is stored as `nginx:latest`. A reference that does not parse is
// sent as typed, for the daemon to refuse.
func withTag(image string) string {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return image
	}
	return reference.FamiliarString(reference.TagNameOnly(named))
}

// applyConfig fills an update or rollback config from the flags given,
// starting from SwarmKit's defaults when the service has none.
func applyConfig(cur *updater.Config, o *ConfigOptions) (*updater.Config, error) {
	if !o.any() {
		return cur, nil
	}
	c := updater.DefaultConfig()
	if cur != nil {
		c = *cur
	}
	if o.Parallelism != nil {
		c.Parallelism = *o.Parallelism
	}
	if o.Delay != nil {
		c.Delay = *o.Delay
	}
	if o.Monitor != nil {
		c.Monitor = *o.Monitor
	}
	if o.MaxFailureRatio != nil {
		if r := *o.MaxFailureRatio; r != r {
			// docker/cli's floatValue accepts "NaN"; the API client's
			// encoding/json then refuses to send it.
			return nil, errors.New("json: unsupported value: NaN")
		}
		c.MaxFailureRatio = *o.MaxFailureRatio
	}
	if o.FailureAction != nil {
		fa, err := updater.ParseFailureAction(*o.FailureAction)
		if err != nil {
			return nil, errors.New("Error response from daemon: " + err.Error())
		}
		c.FailureAction = fa
	}
	if o.Order != nil {
		ord, err := updater.ParseOrder(*o.Order)
		if err != nil {
			return nil, errors.New("Error response from daemon: " + err.Error())
		}
		c.Order = ord
	}
	return &c, nil
}

func applyRestart(cur *swarmsim.RestartPolicy, o *RestartOptions) (*swarmsim.RestartPolicy, error) {
	if !o.any() {
		return cur, nil
	}
	d := swarmsim.DefaultRestartDelay
	p := swarmsim.RestartPolicy{Delay: &d}
	if cur != nil {
		p = *cur
		if p.Delay == nil {
			p.Delay = &d
		}
	}
	if o.Condition != nil {
		c, err := swarmsim.ParseRestartCondition(*o.Condition)
		if err != nil {
			return nil, daemon(err)
		}
		p.Condition = c
	}
	if o.Delay != nil {
		v := *o.Delay
		p.Delay = &v
	}
	if o.MaxAttempts != nil {
		p.MaxAttempts = *o.MaxAttempts
	}
	if o.Window != nil {
		p.Window = *o.Window
	}
	return &p, nil
}

func applyResources(r *swarmsim.Resources, o *ServiceOptions) {
	if o.ReserveCPU != nil {
		r.Reservations.NanoCPUs = *o.ReserveCPU
	}
	if o.ReserveMem != nil {
		r.Reservations.MemoryBytes = *o.ReserveMem
	}
	if o.LimitCPU != nil {
		r.Limits.NanoCPUs = *o.LimitCPU
	}
	if o.LimitMem != nil {
		r.Limits.MemoryBytes = *o.LimitMem
	}
}

func (s *Session) serviceCreate(c ServiceCreate, stdout, stderr io.Writer) error {
	cl := s.swarm()
	o := &c.Opts
	spec := swarmsim.ServiceSpec{Name: o.Name, Labels: kvToMap(o.Labels)}
	switch o.Mode {
	case "replicated":
		if o.MaxConcurrent != nil {
			return errors.New("max-concurrent can only be used with replicated-job mode")
		}
		spec.Mode = swarmsim.Replicated
		spec.Replicas = 1
		if o.Replicas != nil {
			spec.Replicas = *o.Replicas
		}
	case "global":
		spec.Mode = swarmsim.Global
		if o.Replicas != nil {
			return errors.New("replicas can only be used with replicated or replicated-job mode")
		}
		if o.MaxReplicas != nil && *o.MaxReplicas != 0 {
			return errors.New("replicas-max-per-node can only be used with replicated or replicated-job mode")
		}
		if o.MaxConcurrent != nil {
			return errors.New("max-concurrent can only be used with replicated-job mode")
		}
	case "replicated-job", "global-job":
		if err := jobMode(&spec, o); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown mode: %s, only replicated and global supported", o.Mode)
	}
	if spec.Name == "" {
		spec.Name = s.randomName()
	}
	t := &spec.TaskTemplate
	t.Image = c.Image
	t.Args = c.Args
	if err := s.applyContainerCreate(t, &o.C, o.Env); err != nil {
		return err
	}
	applyResources(&t.Resources, o)
	if err := applyHealthStop(t, o, false); err != nil {
		return err
	}
	var err error
	if t.Restart, err = applyRestart(nil, &o.Restart); err != nil {
		return err
	}
	t.Placement = scheduler.Placement{Constraints: o.Constraints, Preferences: o.Prefs}
	if o.MaxReplicas != nil {
		t.Placement.MaxReplicas = *o.MaxReplicas
	}
	mode := "vip"
	if o.EndpointMode != nil {
		mode = strings.ToLower(*o.EndpointMode)
	}
	rm, err := mesh.ParseResolutionMode(mode)
	if err != nil {
		return errors.New("Error response from daemon: " + err.Error())
	}
	spec.Endpoint = mesh.EndpointSpec{Mode: rm, Ports: o.Publish}
	if spec.Update, err = applyConfig(nil, &o.Update); err != nil {
		return err
	}
	if spec.Rollback, err = applyConfig(nil, &o.Rollback); err != nil {
		return err
	}
	if err := validImage(t.Image); err != nil {
		return err
	}
	t.Image = withTag(t.Image)
	if err := s.serviceObjects(&spec); err != nil {
		return err
	}
	svc, err := cl.CreateService(spec)
	if err != nil {
		return daemon(err)
	}
	fmt.Fprintln(stdout, svc.ID)
	if o.Detach {
		return nil
	}
	return s.waitOnService(svc.ID, svc.ID, o.Quiet, stdout)
}

func (s *Session) serviceUpdate(c ServiceUpdate, stdout, stderr io.Writer) error {
	cl := s.swarm()
	svc, err := cl.Service(c.Ref)
	if err != nil {
		return daemon(err)
	}
	o := &c.Opts
	if c.Rollback {
		if c.OtherFlags {
			return errors.New("other flags may not be combined with --rollback")
		}
		if err := cl.RollbackService(svc.ID); err != nil {
			return daemon(err)
		}
	} else {
		spec := svc.Spec.Clone()
		if err := s.mergeUpdate(&spec, c); err != nil {
			return err
		}
		if err := validImage(spec.TaskTemplate.Image); err != nil {
			return err
		}
		spec.TaskTemplate.Image = withTag(spec.TaskTemplate.Image)
		if err := s.serviceObjects(&spec); err != nil {
			return err
		}
		if err := cl.UpdateService(svc.ID, spec); err != nil {
			return daemon(err)
		}
	}
	fmt.Fprintln(stdout, c.Ref)
	if o.Detach {
		return nil
	}
	return s.waitOnService(svc.ID, c.Ref, o.Quiet, stdout)
}

// mergeUpdate applies the flags of `docker service update` that were given
// to a spec (docker/cli update.go updateService).
func (s *Session) mergeUpdate(spec *swarmsim.ServiceSpec, c ServiceUpdate) error {
	o := &c.Opts
	t := &spec.TaskTemplate
	if c.Image != nil {
		t.Image = *c.Image
	}
	if c.Args != nil {
		t.Args = *c.Args
	}
	if o.Replicas != nil {
		if spec.Mode != swarmsim.Replicated {
			return errors.New("replicas can only be used with replicated mode")
		}
		spec.Replicas = *o.Replicas
	}
	if o.MaxReplicas != nil {
		t.Placement.MaxReplicas = *o.MaxReplicas
	}
	if len(o.LabelAdd) > 0 || len(o.LabelRm) > 0 {
		if spec.Labels == nil {
			spec.Labels = map[string]string{}
		}
		maps.Copy(spec.Labels, kvToMap(o.LabelAdd))
		for _, k := range o.LabelRm {
			delete(spec.Labels, k)
		}
	}
	if len(o.EnvAdd) > 0 || len(o.EnvRm) > 0 {
		t.Env = updateEnv(t.Env, o.EnvAdd, o.EnvRm)
	}
	if len(o.ConstraintAdd) > 0 || len(o.ConstraintRm) > 0 {
		cs := append(slices.Clone(t.Placement.Constraints), o.ConstraintAdd...)
		out := []string{}
		for _, x := range cs {
			if !slices.Contains(o.ConstraintRm, x) {
				out = append(out, x)
			}
		}
		sort.Strings(out)
		t.Placement.Constraints = out
	}
	if len(o.PrefAdd) > 0 || len(o.PrefRm) > 0 {
		var prefs []scheduler.Preference
		for _, p := range t.Placement.Preferences {
			if !slices.Contains(o.PrefRm, p) {
				prefs = append(prefs, p)
			}
		}
		t.Placement.Preferences = append(prefs, o.PrefAdd...)
	}
	if o.PublishAddSet || o.PublishRmSet {
		spec.Endpoint.Ports = updatePorts(spec.Endpoint.Ports, o.PublishAdd, o.PublishRm)
	}
	if o.EndpointMode != nil {
		rm, err := mesh.ParseResolutionMode(*o.EndpointMode)
		if err != nil {
			return errors.New("Error response from daemon: " + err.Error())
		}
		spec.Endpoint.Mode = rm
	}
	applyResources(&t.Resources, o)
	if err := applyHealthStop(t, o, true); err != nil {
		return err
	}
	if err := s.applyContainerUpdate(t, &o.C); err != nil {
		return err
	}
	var err error
	if t.Restart, err = applyRestart(t.Restart, &o.Restart); err != nil {
		return err
	}
	if spec.Update, err = applyConfig(spec.Update, &o.Update); err != nil {
		return err
	}
	if spec.Rollback, err = applyConfig(spec.Rollback, &o.Rollback); err != nil {
		return err
	}
	if c.Force {
		t.ForceUpdate++
	}
	return nil
}

func updateEnv(env, add, rm []string) []string {
	keyOf := func(s string) string { k, _, _ := strings.Cut(s, "="); return k }
	var out []string
	for _, e := range env {
		k := keyOf(e)
		if slices.Contains(rm, k) || slices.ContainsFunc(add, func(a string) bool { return keyOf(a) == k }) {
			continue
		}
		out = append(out, e)
	}
	out = append(out, add...)
	sort.Strings(out)
	return out
}

// updatePorts is docker/cli's updatePorts: remove by target port, protocol
// and publish mode; add unless an identical port exists; sort by the string
// published:target/proto/mode.
func updatePorts(cur, add, rm []mesh.PortConfig) []mesh.PortConfig {
	out := []mesh.PortConfig{}
	seen := map[string]bool{}
next:
	for _, p := range cur {
		for _, r := range rm {
			if p.Protocol == r.Protocol && p.TargetPort == r.TargetPort && p.PublishMode == r.PublishMode {
				continue next
			}
		}
		out = append(out, p)
		seen[p.String()] = true
	}
	for _, p := range add {
		if seen[p.String()] {
			continue
		}
		seen[p.String()] = true
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func (s *Session) serviceRollback(c ServiceRollback, stdout, stderr io.Writer) error {
	cl := s.swarm()
	svc, err := cl.Service(c.Ref)
	if err != nil {
		return daemon(err)
	}
	if err := cl.RollbackService(svc.ID); err != nil {
		return daemon(err)
	}
	fmt.Fprintln(stdout, c.Ref)
	if c.Detach {
		return nil
	}
	return s.waitOnService(svc.ID, c.Ref, c.Quiet, stdout)
}

func (s *Session) serviceScale(c ServiceScale, stdout, stderr io.Writer) error {
	cl := s.swarm()
	var errs []error
	type scaled struct{ id, ref string }
	var done []scaled
	for _, a := range c.Args {
		ref, num, _ := strings.Cut(a, "=")
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: invalid replicas value %s: %v", ref, num, err))
			continue
		}
		svc, err := cl.Service(ref)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", ref, daemon(err)))
			continue
		}
		if svc.Spec.Mode != swarmsim.Replicated && svc.Spec.Mode != swarmsim.ReplicatedJob {
			errs = append(errs, fmt.Errorf("%s: scale can only be used with replicated or replicated-job mode", ref))
			continue
		}
		if err := cl.ScaleService(svc.ID, n); err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", ref, daemon(err)))
			continue
		}
		fmt.Fprintf(stdout, "%s scaled to %d\n", ref, n)
		done = append(done, scaled{svc.ID, ref})
	}
	if !c.Detach {
		for _, d := range done {
			if err := s.waitOnService(d.id, d.ref, false, stdout); err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", d.ref, err))
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Session) serviceRm(c ServiceRm, stdout io.Writer) error {
	return removeEach(c.Refs, stdout, s.swarm().RemoveService)
}

// ---- service ls ----

type serviceRow struct {
	svc    *swarmsim.Service
	status swarmsim.ServiceStatus
}

func (r *serviceRow) ID() string   { return dockerfmt.TruncateID(r.svc.ID) }
func (r *serviceRow) Name() string { return r.svc.Spec.Name }
func (r *serviceRow) Mode() string { return modeColumn(r.svc.Spec.Mode) }
func (r *serviceRow) Replicas() string {
	if s, ok := jobReplicas(r.svc, r.status); ok {
		return s
	}
	s := fmt.Sprintf("%d/%d", r.status.RunningTasks, r.status.DesiredTasks)
	if r.svc.Spec.Mode == swarmsim.Replicated && r.svc.Spec.TaskTemplate.Placement.MaxReplicas > 0 {
		s += fmt.Sprintf(" (max %d per node)", r.svc.Spec.TaskTemplate.Placement.MaxReplicas)
	}
	return s
}
func (r *serviceRow) Image() string { return familiarImage(r.svc.Spec.TaskTemplate.Image) }
func (r *serviceRow) Ports() string { return mesh.FormatIngressPorts(r.svc.Endpoint) }
func (r *serviceRow) MarshalJSON() ([]byte, error) {
	return marshalMethods(map[string]any{"ID": r.ID(), "Name": r.Name(), "Mode": r.Mode(), "Replicas": r.Replicas(), "Image": r.Image(), "Ports": r.Ports()})
}

// familiarImage strips a digest from a tagged reference and the default
// registry prefixes, as `docker service ls/ps` show images.
func familiarImage(img string) string {
	name, digest, hasDigest := strings.Cut(img, "@")
	last := name[strings.LastIndexByte(name, '/')+1:]
	if hasDigest && !strings.Contains(last, ":") {
		return img
	}
	_ = digest
	name = strings.TrimPrefix(name, "docker.io/")
	name = strings.TrimPrefix(name, "index.docker.io/")
	name = strings.TrimPrefix(name, "library/")
	return name
}

var serviceHeader = map[string]string{"ID": "ID", "Name": "NAME", "Mode": "MODE", "Replicas": "REPLICAS", "Image": "IMAGE", "Ports": "PORTS"}

const defaultServiceTable = "table {{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}"

func (s *Session) serviceLs(c ServiceLs, stdout io.Writer) error {
	cl := s.swarm()
	f, err := parseFilters(c.Filters, "id", "label", "mode", "name")
	if err != nil {
		return err
	}
	var rows []any
	svcs := cl.Services()
	sort.SliceStable(svcs, func(i, j int) bool { return dockerfmt.NaturalLess(svcs[i].Spec.Name, svcs[j].Spec.Name) })
	for _, svc := range svcs {
		if !f.matchPrefix("id", svc.ID) || !f.matchPrefix("name", svc.Spec.Name) || !f.matchExact("mode", svc.Spec.Mode.String()) || !f.matchLabels(svc.Spec.Labels) {
			continue
		}
		st, _ := cl.ServiceStatus(svc.ID)
		rows = append(rows, &serviceRow{svc: svc, status: st})
	}
	format := c.Format
	switch {
	case c.Quiet:
		format = "{{.ID}}"
	case format == "" || format == "table":
		format = defaultServiceTable
	}
	return writeList(stdout, listFormat(format), serviceHeader, rows)
}

// ---- filters ----

type filters struct {
	m     map[string][]string
	order []string
}

func parseFilters(values []string, allowed ...string) (*filters, error) {
	f := &filters{m: map[string][]string{}}
	for _, v := range values {
		k, val, _ := strings.Cut(v, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.TrimSpace(val)
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("Error response from daemon: invalid filter '%s'", k)
		}
		if _, ok := f.m[k]; !ok {
			f.order = append(f.order, k)
		}
		f.m[k] = append(f.m[k], val)
	}
	return f, nil
}

func (f *filters) matchPrefix(key, v string) bool {
	vals, ok := f.m[key]
	if !ok {
		return true
	}
	for _, x := range vals {
		if strings.HasPrefix(v, x) {
			return true
		}
	}
	return false
}

func (f *filters) matchExact(key, v string) bool {
	vals, ok := f.m[key]
	if !ok {
		return true
	}
	return slices.Contains(vals, v)
}

func (f *filters) matchLabels(labels map[string]string) bool {
	return f.matchLabelKey("label", labels)
}

func (f *filters) matchLabelKey(key string, labels map[string]string) bool {
	for _, x := range f.m[key] {
		k, v, hasV := strings.Cut(x, "=")
		got, ok := labels[k]
		if !ok || (hasV && got != v) {
			return false
		}
	}
	return true
}
