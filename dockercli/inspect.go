package dockercli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	units "github.com/docker/go-units"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/swarm"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/containerspec"
	"github.com/swarmsim/swarmsim/internal/dockerfmt"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/updater"
)

func apiPorts(ps []mesh.PortConfig) []swarm.PortConfig {
	if len(ps) == 0 {
		return nil
	}
	out := make([]swarm.PortConfig, 0, len(ps))
	for _, p := range ps {
		out = append(out, swarm.PortConfig{Name: p.Name, Protocol: network.IPProtocol(p.Protocol.String()),
			TargetPort: p.TargetPort, PublishedPort: p.PublishedPort, PublishMode: swarm.PortConfigPublishMode(p.PublishMode.String())})
	}
	return out
}

func apiUpdateConfig(c *updater.Config) *swarm.UpdateConfig {
	if c == nil {
		return nil
	}
	return &swarm.UpdateConfig{Parallelism: c.Parallelism, Delay: c.Delay, FailureAction: swarm.FailureAction(c.FailureAction.String()),
		Monitor: c.Monitor, MaxFailureRatio: c.MaxFailureRatio, Order: swarm.UpdateOrder(c.Order.String())}
}

// apiServiceSpec converts a spec to the Engine API's shape, as the docker
// CLI would have sent it (Init, DNSConfig, Isolation, Resources and
// Placement always set). With defaults, the server defaults are inserted
// the way `docker service inspect` asks for them (UpdateConfig,
// RollbackConfig, RestartPolicy and StopGracePeriod).
func apiServiceSpec(s swarmsim.ServiceSpec, defaults bool) swarm.ServiceSpec {
	f := false
	labels := s.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	t := s.TaskTemplate
	cs := &swarm.ContainerSpec{Image: t.Image, Args: t.Args, Env: t.Env, Init: &f, DNSConfig: &swarm.DNSConfig{}, Isolation: container.IsolationDefault}
	apiContainerSpec(cs, &t)
	spec := swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: s.Name, Labels: labels},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: cs,
			Resources: &swarm.ResourceRequirements{
				Limits:       &swarm.Limit{NanoCPUs: t.Resources.Limits.NanoCPUs, MemoryBytes: t.Resources.Limits.MemoryBytes},
				Reservations: &swarm.Resources{NanoCPUs: t.Resources.Reservations.NanoCPUs, MemoryBytes: t.Resources.Reservations.MemoryBytes},
			},
			Placement:   &swarm.Placement{Constraints: t.Placement.Constraints, MaxReplicas: t.Placement.MaxReplicas},
			LogDriver:   apiDriver(t.LogDriver),
			ForceUpdate: t.ForceUpdate,
			Runtime:     swarm.RuntimeContainer,
		},
		UpdateConfig:   apiUpdateConfig(s.Update),
		RollbackConfig: apiUpdateConfig(s.Rollback),
		EndpointSpec:   &swarm.EndpointSpec{Mode: swarm.ResolutionMode(s.Endpoint.Mode.String()), Ports: apiPorts(s.Endpoint.Ports)},
	}
	spec.TaskTemplate.Networks = apiNetworks(t.Networks)
	apiSecretRefs(cs, &t)
	apiResources(spec.TaskTemplate.Resources, &t)
	for _, p := range t.Placement.Preferences {
		spec.TaskTemplate.Placement.Preferences = append(spec.TaskTemplate.Placement.Preferences,
			swarm.PlacementPreference{Spread: &swarm.SpreadOver{SpreadDescriptor: p.Spread}})
	}
	apiHealthStop(cs, &t)
	if apiJobMode(&spec.Mode, &s) {
	} else if s.Mode == swarmsim.Global {
		spec.Mode.Global = &swarm.GlobalService{}
	} else {
		r := s.Replicas
		spec.Mode.Replicated = &swarm.ReplicatedService{Replicas: &r}
	}
	if rp := t.Restart; rp != nil {
		arp := &swarm.RestartPolicy{Condition: swarm.RestartPolicyCondition(rp.Condition.String()), Delay: rp.Delay}
		ma := rp.MaxAttempts
		arp.MaxAttempts = &ma
		if rp.Window != 0 {
			w := rp.Window
			arp.Window = &w
		}
		spec.TaskTemplate.RestartPolicy = arp
	}
	if defaults {
		grace := 10 * time.Second
		if cs.StopGracePeriod == nil {
			cs.StopGracePeriod = &grace
		}
		d := updater.DefaultConfig()
		if spec.UpdateConfig == nil {
			spec.UpdateConfig = apiUpdateConfig(&d)
		} else if spec.UpdateConfig.Monitor == 0 {
			spec.UpdateConfig.Monitor = d.Monitor
		}
		if spec.RollbackConfig == nil {
			spec.RollbackConfig = apiUpdateConfig(&d)
		} else if spec.RollbackConfig.Monitor == 0 {
			spec.RollbackConfig.Monitor = d.Monitor
		}
		rp := spec.TaskTemplate.RestartPolicy
		if rp == nil {
			rp = &swarm.RestartPolicy{}
			spec.TaskTemplate.RestartPolicy = rp
		}
		if rp.Condition == "" {
			rp.Condition = swarm.RestartPolicyConditionAny
		}
		if rp.Delay == nil {
			dd := swarmsim.DefaultRestartDelay
			rp.Delay = &dd
		}
		if rp.MaxAttempts == nil {
			var z uint64
			rp.MaxAttempts = &z
		}
	}
	return spec
}

// apiContainerSpec fills the container spec's stored-only fields as the
// daemon's containerSpecFromGRPC (daemon/cluster/convert/container.go)
// shows them.
func apiContainerSpec(cs *swarm.ContainerSpec, t *swarmsim.TaskSpec) {
	sp := &t.Spec
	cs.Labels = sp.ContainerLabels
	cs.Command = sp.Command
	cs.Hostname, cs.Dir, cs.User = sp.Hostname, sp.Dir, sp.User
	cs.Groups = sp.Groups
	if sp.Init != nil {
		v := *sp.Init
		cs.Init = &v
	}
	cs.TTY, cs.ReadOnly = sp.TTY, sp.ReadOnly
	cs.Hosts = sp.Hosts
	if sp.Isolation != "" {
		cs.Isolation = container.Isolation(sp.Isolation)
	}
	cs.Sysctls = sp.Sysctls
	cs.CapabilityAdd, cs.CapabilityDrop = sp.CapabilityAdd, sp.CapabilityDrop
	cs.OomScoreAdj = sp.OomScoreAdj
	for _, u := range sp.Ulimits {
		cs.Ulimits = append(cs.Ulimits, &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	cs.DNSConfig.Nameservers = sp.DNSConfig.Nameservers
	cs.DNSConfig.Search, cs.DNSConfig.Options = sp.DNSConfig.Search, sp.DNSConfig.Options
	if c := sp.CredentialSpec; c != nil {
		cs.Privileges = &swarm.Privileges{CredentialSpec: &swarm.CredentialSpec{Config: c.Config, File: c.File, Registry: c.Registry}}
	}
	for _, m := range sp.Mounts {
		am := mount.Mount{Type: mount.Type(m.Type), Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly, Consistency: mount.Consistency(m.Consistency)}
		if b := m.BindOptions; b != nil {
			am.BindOptions = &mount.BindOptions{Propagation: mount.Propagation(b.Propagation), NonRecursive: b.NonRecursive, CreateMountpoint: b.CreateMountpoint,
				ReadOnlyNonRecursive: b.ReadOnlyNonRecursive, ReadOnlyForceRecursive: b.ReadOnlyForceRecursive}
		}
		if v := m.VolumeOptions; v != nil {
			am.VolumeOptions = &mount.VolumeOptions{NoCopy: v.NoCopy, Labels: v.Labels, Subpath: v.Subpath}
			if d := v.DriverConfig; d != nil {
				am.VolumeOptions.DriverConfig = &mount.Driver{Name: d.Name, Options: d.Options}
			}
		}
		if tm := m.TmpfsOptions; tm != nil {
			am.TmpfsOptions = &mount.TmpfsOptions{SizeBytes: tm.SizeBytes, Mode: tm.Mode}
		}
		if m.ClusterOptions != nil {
			am.ClusterOptions = &mount.ClusterOptions{}
		}
		cs.Mounts = append(cs.Mounts, am)
	}
}

func apiDriver(d *containerspec.Driver) *swarm.Driver {
	if d == nil {
		return nil
	}
	return &swarm.Driver{Name: d.Name, Options: d.Options}
}

// apiResources adds the resources the scheduler does not use.
func apiResources(r *swarm.ResourceRequirements, t *swarmsim.TaskSpec) {
	r.Limits.Pids = t.PidsLimit
	for _, g := range t.GenericResources {
		if g.Value != "" {
			r.Reservations.GenericResources = append(r.Reservations.GenericResources, swarm.GenericResource{NamedResourceSpec: &swarm.NamedGenericResource{Kind: g.Kind, Value: g.Value}})
		} else {
			r.Reservations.GenericResources = append(r.Reservations.GenericResources, swarm.GenericResource{DiscreteResourceSpec: &swarm.DiscreteGenericResource{Kind: g.Kind, Value: g.Discrete}})
		}
	}
	r.SwapBytes, r.MemorySwappiness = t.SwapBytes, t.MemorySwappiness
}

// apiService converts a service to the Engine API's swarm.Service, with the
// server defaults inserted in Spec (not in PreviousSpec), as `docker service
// inspect` shows it.
func apiService(svc *swarmsim.Service) swarm.Service {
	out := swarm.Service{
		ID:   svc.ID,
		Meta: swarm.Meta{Version: swarm.Version{Index: svc.Version}, CreatedAt: svc.CreatedAt, UpdatedAt: svc.UpdatedAt},
		Spec: apiServiceSpec(svc.Spec, true),
	}
	if svc.PreviousSpec != nil {
		p := apiServiceSpec(*svc.PreviousSpec, false)
		out.PreviousSpec = &p
	}
	if ports := apiPorts(svc.Endpoint); len(ports) > 0 {
		out.Endpoint = swarm.Endpoint{Spec: *out.Spec.EndpointSpec, Ports: ports}
	}
	apiVIPs(&out, svc)
	if us := svc.UpdateStatus; us != nil {
		a := &swarm.UpdateStatus{State: swarm.UpdateState(us.State.String()), Message: us.Message}
		if !us.StartedAt.IsZero() {
			t := us.StartedAt
			a.StartedAt = &t
		}
		if !us.CompletedAt.IsZero() {
			t := us.CompletedAt
			a.CompletedAt = &t
		}
		out.UpdateStatus = a
	}
	if js := svc.JobStatus; js != nil {
		out.JobStatus = &swarm.JobStatus{JobIteration: swarm.Version{Index: js.JobIteration}, LastExecution: js.LastExecution}
	}
	return out
}

// apiNode converts a node to the Engine API's swarm.Node.
func apiNode(n *node.Node) swarm.Node {
	labels := n.Spec.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	out := swarm.Node{
		ID:   n.ID,
		Meta: swarm.Meta{Version: swarm.Version{Index: n.Version}, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt},
		Spec: swarm.NodeSpec{Annotations: swarm.Annotations{Name: n.Spec.Name, Labels: labels},
			Role: swarm.NodeRole(n.Spec.DesiredRole.String()), Availability: swarm.NodeAvailability(n.Spec.Availability.String())},
		Description: swarm.NodeDescription{
			Hostname:  n.Description.Hostname,
			Platform:  swarm.Platform{Architecture: n.Description.Platform.Architecture, OS: n.Description.Platform.OS},
			Resources: swarm.Resources{NanoCPUs: n.Description.Resources.NanoCPUs, MemoryBytes: n.Description.Resources.MemoryBytes},
			Engine:    swarm.EngineDescription{EngineVersion: n.Description.EngineVersion, Labels: n.Description.EngineLabels},
		},
		Status: swarm.NodeStatus{State: swarm.NodeState(n.Status.State.String()), Message: n.Status.Message, Addr: n.Status.Addr},
	}
	if ms := n.ManagerStatus; ms != nil {
		out.ManagerStatus = &swarm.ManagerStatus{Leader: ms.Leader, Reachability: swarm.Reachability(ms.Reachability.String()), Addr: ms.Addr}
	}
	return out
}

// inspectOut is docker/cli's inspect.Inspect: a JSON array indented by 4
// spaces, or each element through a template (falling back on the raw JSON
// with missingkey=error when the typed value fails), then the errors.
func inspectOut(w io.Writer, format string, elems []any, errs []error) error {
	if format == "" {
		var out []byte
		var err error
		if len(elems) == 0 {
			out = []byte("[]")
		} else {
			out, err = json.MarshalIndent(elems, "", "    ")
			if err != nil {
				return err
			}
		}
		w.Write(out)
		io.WriteString(w, "\n")
	} else {
		var tmpl *boundedTemplate
		var err error
		if format == "json" {
			tmpl, err = parseTemplate("{{json .}}")
		} else {
			tmpl, err = parseTemplate(format)
		}
		if err != nil {
			return &CLIError{Msg: "template parsing error: " + err.Error(), Code: 64}
		}
		var buf bytes.Buffer
		for _, e := range elems {
			var one bytes.Buffer
			if err := tmpl.Execute(&one, e); err != nil {
				raw, _ := json.Marshal(e)
				var v any
				dec := json.NewDecoder(bytes.NewReader(raw))
				dec.UseNumber()
				_ = dec.Decode(&v)
				one.Reset()
				if err := tmpl.Option("missingkey=error").Execute(&one, v); err != nil {
					errs = append(errs, fmt.Errorf("template parsing error: %w", err))
					continue
				}
			}
			buf.Write(one.Bytes())
			buf.WriteByte('\n')
		}
		if buf.Len() == 0 {
			io.WriteString(w, "\n")
		} else {
			buf.WriteTo(w)
		}
	}
	return errors.Join(errs...)
}

func (s *Session) serviceInspect(c ServiceInspect, stdout io.Writer) error {
	cl := s.swarm()
	if c.Pretty && c.Format != "" {
		return errors.New("--format is incompatible with human friendly format")
	}
	format := c.Format
	if c.Pretty {
		format = "pretty"
	}
	if strings.HasPrefix(format, "pretty") && format != "pretty" {
		return errors.New("cannot supply extra formatting options to the pretty template")
	}
	if format == "pretty" {
		for _, ref := range c.Refs {
			svc, err := cl.Service(ref)
			if err != nil {
				var se *swarmsim.Error
				if errors.As(err, &se) && se.Kind == swarmsim.KindNotFound {
					return fmt.Errorf("no such service: %s", ref)
				}
				return daemon(err)
			}
			io.WriteString(stdout, prettyService(apiService(svc), cl.Now(), s.networkName))
		}
		return nil
	}
	var elems []any
	var errs []error
	for _, ref := range c.Refs {
		svc, err := cl.Service(ref)
		if err != nil {
			var se *swarmsim.Error
			if errors.As(err, &se) && se.Kind == swarmsim.KindNotFound {
				errs = append(errs, fmt.Errorf("no such service: %s", ref))
			} else {
				errs = append(errs, daemon(err))
			}
			continue
		}
		elems = append(elems, apiService(svc))
	}
	return inspectOut(stdout, format, elems, errs)
}

// prettyContainer renders the template's sections from User to Log Driver
// (docker/cli formatter.go: serviceInspectPrettyTemplate), quirks included:
// the log driver section ends with an empty line.
func prettyContainer(b *strings.Builder, t swarm.TaskSpec) {
	cs := t.ContainerSpec
	if cs.User != "" {
		fmt.Fprintf(b, "\n User: %s", cs.User)
	}
	if len(cs.CapabilityAdd) > 0 || len(cs.CapabilityDrop) > 0 {
		b.WriteString("\nCapabilities:")
		if len(cs.CapabilityAdd) > 0 {
			b.WriteString("\n Add: " + strings.Join(cs.CapabilityAdd, ", "))
		}
		if len(cs.CapabilityDrop) > 0 {
			b.WriteString("\n Drop: " + strings.Join(cs.CapabilityDrop, ", "))
		}
	}
	if len(cs.Sysctls) > 0 {
		b.WriteString("\nSysCtls:")
		for _, k := range sortedKeys(cs.Sysctls) {
			b.WriteString("\n " + k)
			if v := cs.Sysctls[k]; v != "" {
				b.WriteString(": " + v)
			}
		}
	}
	if len(cs.Ulimits) > 0 {
		u := map[string]string{}
		for _, l := range cs.Ulimits {
			u[l.Name] = fmt.Sprintf("%d:%d", l.Soft, l.Hard)
		}
		b.WriteString("\nUlimits:")
		for _, k := range sortedKeys(u) {
			fmt.Fprintf(b, "\n %s: %s", k, u[k])
		}
	}
	if len(cs.Mounts) > 0 {
		b.WriteString("\nMounts:")
	}
	for _, m := range cs.Mounts {
		fmt.Fprintf(b, "\n Target:\t%s\n  Source:\t%s\n  ReadOnly:\t%v\n  Type:\t\t%s", m.Target, m.Source, m.ReadOnly, m.Type)
	}
	prettySecretRefs(b, cs)
	if d := t.LogDriver; d != nil {
		b.WriteString("\nLog Driver:")
		if d.Name != "" {
			fmt.Fprintf(b, "\n Name:\t\t%s", d.Name)
		}
		if len(d.Options) > 0 {
			b.WriteString("\n LogOpts:")
			for _, k := range sortedKeys(d.Options) {
				b.WriteString("\n  " + k)
				if v := d.Options[k]; v != "" {
					b.WriteString(":       " + v)
				}
			}
		}
		b.WriteString("\n")
	}
}

// prettyService renders `docker service inspect --pretty` (docker/cli
// cli/command/service/formatter.go: serviceInspectPrettyTemplate).
func prettyService(svc swarm.Service, now time.Time, networkName func(id string) string) string {
	var b strings.Builder
	spec := svc.Spec
	fmt.Fprintf(&b, "\nID:\t\t%s\nName:\t\t%s", svc.ID, spec.Name)
	if len(spec.Labels) > 0 {
		b.WriteString("\nLabels:")
		for _, k := range sortedKeys(spec.Labels) {
			b.WriteString("\n " + k)
			if v := spec.Labels[k]; v != "" {
				b.WriteString("=" + v)
			}
		}
	}
	b.WriteString("\nService Mode:")
	if spec.Mode.Global != nil {
		b.WriteString("\tGlobal")
	} else if spec.Mode.Replicated != nil {
		b.WriteString("\tReplicated")
		if spec.Mode.Replicated.Replicas != nil {
			fmt.Fprintf(&b, "\n Replicas:\t%d", *spec.Mode.Replicated.Replicas)
		}
	}
	if us := svc.UpdateStatus; us != nil {
		fmt.Fprintf(&b, "\nUpdateStatus:\n State:\t\t%s", us.State)
		if us.StartedAt != nil {
			fmt.Fprintf(&b, "\n Started:\t%s ago", dockerfmt.HumanDuration(now.Sub(*us.StartedAt)))
		}
		if us.State == swarm.UpdateStateCompleted && us.CompletedAt != nil {
			fmt.Fprintf(&b, "\n Completed:\t%s ago", dockerfmt.HumanDuration(now.Sub(*us.CompletedAt)))
		}
		fmt.Fprintf(&b, "\n Message:\t%s", us.Message)
	}
	b.WriteString("\nPlacement:")
	if p := spec.TaskTemplate.Placement; p != nil {
		if len(p.Constraints) > 0 {
			fmt.Fprintf(&b, "\n Constraints:\t%v", p.Constraints)
		}
		if len(p.Preferences) > 0 {
			var prefs []string
			for _, pr := range p.Preferences {
				if pr.Spread != nil {
					prefs = append(prefs, "spread="+pr.Spread.SpreadDescriptor)
				}
			}
			fmt.Fprintf(&b, "\n Preferences:   %v", prefs)
		}
		if p.MaxReplicas > 0 {
			fmt.Fprintf(&b, "\n Max Replicas Per Node:   %d", p.MaxReplicas)
		}
	}
	writeCfg := func(title, order string, c *swarm.UpdateConfig) {
		if c == nil {
			return
		}
		fmt.Fprintf(&b, "\n%s:\n Parallelism:\t%d", title, c.Parallelism)
		if c.Delay > 0 {
			fmt.Fprintf(&b, "\n Delay:\t\t%s", c.Delay)
		}
		fmt.Fprintf(&b, "\n On failure:\t%s", c.FailureAction)
		if c.Monitor > 0 {
			fmt.Fprintf(&b, "\n Monitoring Period: %s", c.Monitor)
		}
		fmt.Fprintf(&b, "\n Max failure ratio: %v\n %s %s", c.MaxFailureRatio, order, c.Order)
	}
	writeCfg("UpdateConfig", "Update order:     ", spec.UpdateConfig)
	writeCfg("RollbackConfig", "Rollback order:   ", spec.RollbackConfig)
	cs := spec.TaskTemplate.ContainerSpec
	fmt.Fprintf(&b, "\nContainerSpec:\n Image:\t\t%s", cs.Image)
	if len(cs.Args) > 0 {
		b.WriteString("\n Args:\t\t")
		for _, a := range cs.Args {
			b.WriteString(a + " ")
		}
	}
	if len(cs.Env) > 0 {
		b.WriteString("\n Env:\t\t")
		for _, e := range cs.Env {
			b.WriteString(e + " ")
		}
	}
	if cs.Dir != "" {
		fmt.Fprintf(&b, "\n Dir:\t\t%s", cs.Dir)
	}
	if cs.Init != nil {
		fmt.Fprintf(&b, "\n Init:\t\t%v", *cs.Init)
	}
	prettyContainer(&b, spec.TaskTemplate)
	if r := spec.TaskTemplate.Resources; r != nil {
		b.WriteString("\nResources:")
		if res := r.Reservations; res != nil && (res.NanoCPUs > 0 || res.MemoryBytes > 0) {
			b.WriteString("\n Reservations:")
			if res.NanoCPUs > 0 {
				fmt.Fprintf(&b, "\n  CPU:\t\t%v", float64(res.NanoCPUs)/1e9)
			}
			if res.MemoryBytes > 0 {
				fmt.Fprintf(&b, "\n  Memory:\t%s", units.BytesSize(float64(res.MemoryBytes)))
			}
		}
		if l := r.Limits; l != nil && (l.NanoCPUs > 0 || l.MemoryBytes > 0) {
			b.WriteString("\n Limits:")
			if l.NanoCPUs > 0 {
				fmt.Fprintf(&b, "\n  CPU:\t\t%v", float64(l.NanoCPUs)/1e9)
			}
			if l.MemoryBytes > 0 {
				fmt.Fprintf(&b, "\n  Memory:\t%s", units.BytesSize(float64(l.MemoryBytes)))
			}
		}
	}
	if r := spec.TaskTemplate.Resources; r != nil && r.Limits != nil && r.Limits.Pids > 0 {
		fmt.Fprintf(&b, "\n  PIDs:\t\t%d", r.Limits.Pids)
	}
	if nets := spec.TaskTemplate.Networks; len(nets) > 0 {
		b.WriteString("\nNetworks:")
		for _, n := range nets {
			b.WriteString(" " + networkName(n.Target))
		}
		b.WriteString(" ")
	}
	mode := ""
	if spec.EndpointSpec != nil {
		mode = string(spec.EndpointSpec.Mode)
	}
	fmt.Fprintf(&b, "\nEndpoint Mode:\t%s", mode)
	if len(svc.Endpoint.Ports) > 0 {
		b.WriteString("\nPorts:")
		for _, p := range svc.Endpoint.Ports {
			fmt.Fprintf(&b, "\n PublishedPort = %d\n  Protocol = %s\n  TargetPort = %d\n  PublishMode = %s", p.PublishedPort, p.Protocol, p.TargetPort, p.PublishMode)
		}
		b.WriteString(" ")
	}
	b.WriteString("\n\n")
	return b.String()
}
