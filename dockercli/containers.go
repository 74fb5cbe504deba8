package dockercli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	units "github.com/docker/go-units"
	"github.com/moby/moby/api/types/container"
	"github.com/spf13/cobra"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/internal/dockerfmt"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/task"
)

// The containers of a host's engine: one for each task on the host's node
// that got as far as a container (READY or later), named as Swarm's
// executor names them (moby's daemon/cluster/executor/container/
// container.go: name, labels), until the task reaper or `docker rm`
// removes it.

// ContainerLs is `docker ps` and `docker container ls`.
type ContainerLs struct {
	All, Quiet, NoTrunc bool
	Filters             []string
	Format              string
}

// ContainerInspect is `docker inspect` and `docker container inspect`.
type ContainerInspect struct {
	Refs   []string
	Format string
	// Any is `docker inspect`: a reference that is no container may name
	// a service, node or task.
	Any bool
}

// ContainerStop is `docker stop` and `docker kill` (Kill).
type ContainerStop struct {
	Refs   []string
	Kill   bool
	Signal string
}

// ContainerRm is `docker rm`.
type ContainerRm struct {
	Refs  []string
	Force bool
}

func (ContainerLs) commandName() string      { return "docker ps" }
func (ContainerInspect) commandName() string { return "docker inspect" }
func (ContainerStop) commandName() string    { return "docker stop/kill" }
func (ContainerRm) commandName() string      { return "docker rm" }

// ctr is one container as the engine reports it.
type ctr struct {
	t        swarmsim.TaskView
	id, name string
	cmd      []string
	labels   map[string]string
	env      []string
	state    string // created, running, exited
	exit     int
	created  time.Time
	started  time.Time
	finished time.Time
	now      time.Time
	noTrunc  bool
}

// containerID is a task's container ID: 64 hex digits, fixed by the task ID.
func containerID(taskID string) string {
	d := sha256.Sum256([]byte("container " + taskID))
	return hex.EncodeToString(d[:])
}

// exitCode reads a container's exit status from its task's error ("task:
// non-zero exit (137)"); 0 when there is none.
func exitCode(errText string) int {
	const p = "task: non-zero exit ("
	if !strings.HasPrefix(errText, p) {
		return 0
	}
	rest := errText[len(p):]
	i := strings.IndexByte(rest, ')')
	if i < 0 {
		return 1
	}
	n, err := strconv.Atoi(rest[:i])
	if err != nil {
		return 1
	}
	return n
}

// containerOf returns the container of a task, or false when the task never
// got one.
func (s *Session) containerOf(v swarmsim.TaskView, svc *swarmsim.Service) (*ctr, bool) {
	if s.eng.removed[v.ID] {
		return nil, false
	}
	c := &ctr{t: v, id: containerID(v.ID), now: s.c.Now(), state: "created"}
	had := false
	for _, st := range v.History() {
		switch {
		case st.State >= task.Ready && st.State <= task.Running:
			if !had {
				c.created = st.Timestamp
				had = true
			}
			if st.State >= task.Starting && c.started.IsZero() {
				c.started = st.Timestamp
				c.state = "running"
			}
		case st.State > task.Running && had:
			if c.finished.IsZero() {
				c.finished = st.Timestamp
				c.state = "exited"
				c.exit = exitCode(st.Err)
			}
		}
	}
	if !had {
		return nil, false
	}
	if c.state == "exited" && c.started.IsZero() {
		c.started = c.finished
	}
	c.name = v.Name() + "." + v.ID
	c.labels = map[string]string{
		"com.docker.swarm.node.id":      v.NodeID,
		"com.docker.swarm.service.id":   v.ServiceID,
		"com.docker.swarm.service.name": v.ServiceName,
		"com.docker.swarm.task":         "",
		"com.docker.swarm.task.id":      v.ID,
		"com.docker.swarm.task.name":    v.Name() + "." + v.ID,
	}
	if svc != nil {
		c.cmd = svc.Spec.TaskTemplate.Args
		c.env = svc.Spec.TaskTemplate.Env
	}
	return c, true
}

// containers are the current host's containers, newest first (as `docker
// ps` lists them).
func (s *Session) containers() []*ctr {
	n := s.selfNode()
	if n == nil {
		return nil
	}
	ts, err := s.c.TasksOnNode(n.ID)
	if err != nil {
		return nil
	}
	svcs := map[string]*swarmsim.Service{}
	var out []*ctr
	for _, v := range ts {
		svc, ok := svcs[v.ServiceID]
		if !ok {
			svc, _ = s.c.Service(v.ServiceID)
			svcs[v.ServiceID] = svc
		}
		if c, ok := s.containerOf(v, svc); ok {
			out = append(out, c)
		}
	}
	slices.Reverse(out)
	return out
}

// findContainer finds one of the host's containers by full ID, name (with
// or without its leading slash) or unique ID prefix (moby's
// daemon/container/view.go: GetByPrefix).
func (s *Session) findContainer(ref string) (*ctr, error) {
	cs := s.containers()
	name := strings.TrimPrefix(ref, "/")
	for _, c := range cs {
		if c.id == ref || c.name == name {
			return c, nil
		}
	}
	var found *ctr
	if ref != "" {
		for _, c := range cs {
			if strings.HasPrefix(c.id, ref) {
				if found != nil {
					return nil, fmt.Errorf("Error response from daemon: multiple IDs found with provided prefix: %s", ref)
				}
				found = c
			}
		}
	}
	if found == nil {
		return nil, fmt.Errorf("Error response from daemon: No such container: %s", ref)
	}
	return found, nil
}

// ---- docker ps ----

func (c *ctr) ID() string {
	if c.noTrunc {
		return c.id
	}
	return c.id[:12]
}
func (c *ctr) Image() string { return c.t.Image }
func (c *ctr) Command() string {
	cmd := strings.Join(c.cmd, " ")
	if !c.noTrunc {
		cmd = dockerfmt.Ellipsis(cmd, 20)
	}
	return strconv.Quote(cmd)
}
func (c *ctr) CreatedAt() string { return c.created.Format("2006-01-02 15:04:05 -0700 MST") }
func (c *ctr) RunningFor() string {
	return units.HumanDuration(c.now.Sub(c.created)) + " ago"
}
func (c *ctr) Ports() string {
	var ps []string
	for _, p := range c.t.Ports {
		if p.PublishMode == mesh.Host {
			ps = append(ps, fmt.Sprintf("0.0.0.0:%d->%d/%s", p.PublishedPort, p.TargetPort, p.Protocol))
		}
	}
	return strings.Join(ps, ", ")
}

// Status is moby's container.State.String (daemon/container/state.go).
func (c *ctr) Status() string {
	switch c.state {
	case "running":
		return "Up " + units.HumanDuration(c.now.Sub(c.started))
	case "exited":
		return fmt.Sprintf("Exited (%d) %s ago", c.exit, units.HumanDuration(c.now.Sub(c.finished)))
	}
	return "Created"
}
func (c *ctr) State() string  { return c.state }
func (c *ctr) Names() string  { return c.name }
func (c *ctr) Size() string   { return "0B (virtual 0B)" }
func (c *ctr) Mounts() string { return "" }
func (c *ctr) Networks() string {
	if len(c.t.Ports) > 0 {
		return "ingress"
	}
	return ""
}
func (c *ctr) LocalVolumes() string { return "0" }
func (c *ctr) Labels() string {
	var kv []string
	for _, k := range sortedKeys(c.labels) {
		kv = append(kv, k+"="+c.labels[k])
	}
	return strings.Join(kv, ",")
}

// Label is one label's value, as {{.Label "name"}} asks for it.
func (c *ctr) Label(name string) string { return c.labels[name] }

func (c *ctr) MarshalJSON() ([]byte, error) {
	return marshalMethods(map[string]any{"ID": c.ID(), "Image": c.Image(), "Command": c.Command(), "CreatedAt": c.CreatedAt(),
		"RunningFor": c.RunningFor(), "Ports": c.Ports(), "Status": c.Status(), "State": c.State(), "Names": c.Names(),
		"Size": c.Size(), "Mounts": c.Mounts(), "Networks": c.Networks(), "LocalVolumes": c.LocalVolumes(), "Labels": c.Labels()})
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// docker/cli's cli/command/formatter/container.go: the headers and the
// default table.
var containerHeader = map[string]string{"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
	"RunningFor": "CREATED", "Ports": "PORTS", "Status": "STATUS", "State": "STATE", "Names": "NAMES", "Size": "SIZE",
	"Mounts": "MOUNTS", "Networks": "NETWORKS", "LocalVolumes": "LOCAL VOLUMES", "Labels": "LABELS", "Label": "LABEL"}

const defaultContainerTable = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"

// containerFilter is `docker ps --filter` for the keys a swarm container
// can match (moby's daemon/list.go: acceptedPsFilterTags).
type containerFilter map[string][]string

var psFilterKeys = []string{"ancestor", "before", "expose", "exited", "health", "id", "isolation", "is-task", "label",
	"name", "network", "publish", "since", "status", "volume"}

func newContainerFilter(values []string) (containerFilter, error) {
	f := containerFilter{}
	for _, v := range values {
		k, val, _ := strings.Cut(v, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !slices.Contains(psFilterKeys, k) {
			return nil, fmt.Errorf("Error response from daemon: invalid filter '%s'", k)
		}
		if k == "status" && !slices.Contains([]string{"created", "restarting", "running", "removing", "paused", "exited", "dead"}, val) {
			return nil, fmt.Errorf("Error response from daemon: invalid filter 'status=%s'", val)
		}
		f[k] = append(f[k], val)
	}
	return f, nil
}

func (f containerFilter) any(key string, ok func(string) bool) bool {
	vs, set := f[key]
	if !set {
		return true
	}
	return slices.ContainsFunc(vs, ok)
}

func (f containerFilter) match(c *ctr) bool {
	return f.any("id", func(v string) bool { return strings.HasPrefix(c.id, v) }) &&
		f.any("name", func(v string) bool { return strings.Contains(c.name, strings.TrimPrefix(v, "/")) }) &&
		f.any("status", func(v string) bool { return v == c.state }) &&
		f.any("ancestor", func(v string) bool { return v == c.t.Image || strings.HasPrefix(c.t.Image, v+":") }) &&
		f.any("is-task", func(v string) bool { return v == "true" || v == "1" }) &&
		f.any("exited", func(v string) bool { return c.state == "exited" && strconv.Itoa(c.exit) == v }) &&
		f.any("label", func(v string) bool {
			k, val, hasVal := strings.Cut(v, "=")
			got, ok := c.labels[k]
			return ok && (!hasVal || got == val)
		})
}

func (s *Session) containerLs(c ContainerLs, stdout io.Writer) error {
	f, err := newContainerFilter(c.Filters)
	if err != nil {
		return err
	}
	format := c.Format
	switch {
	case c.Quiet:
		format = "{{.ID}}"
	case format == "" || format == "table":
		format = defaultContainerTable
	}
	fast := format == defaultContainerTable
	var rows []any
	var buf bytes.Buffer
	for _, ct := range s.containers() {
		if !c.All && ct.state != "running" && f["status"] == nil && f["exited"] == nil {
			continue
		}
		if !f.match(ct) {
			continue
		}
		ct.noTrunc = c.NoTrunc
		if fast {
			ct.writeDefault(&buf)
			continue
		}
		rows = append(rows, ct)
	}
	if fast {
		return writeTable(stdout, listFormat(format), containerHeader, &buf)
	}
	return writeList(stdout, listFormat(format), containerHeader, rows)
}

// writeDefault writes the row as defaultContainerTable's template does,
// without the template's reflection.
func (c *ctr) writeDefault(b *bytes.Buffer) {
	for i, f := range [...]string{c.ID(), c.Image(), c.Command(), c.RunningFor(), c.Status(), c.Ports(), c.Names()} {
		if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(f)
	}
	b.WriteByte('\n')
}

// ---- docker inspect ----

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// apiContainer is the Engine API's container.InspectResponse for a
// container.
func apiContainer(c *ctr) container.InspectResponse {
	img := sha256.Sum256([]byte("image " + c.t.Image))
	st := &container.State{Status: container.ContainerState(c.state), Running: c.state == "running", ExitCode: c.exit,
		StartedAt: rfc3339(c.started), FinishedAt: rfc3339(c.finished)}
	if c.state == "running" {
		st.Pid = 1000 + int(c.id[0])
	}
	path, args := "", []string{}
	if len(c.cmd) > 0 {
		path, args = c.cmd[0], c.cmd[1:]
	}
	return container.InspectResponse{
		ID: c.id, Created: rfc3339(c.created), Path: path, Args: args, State: st,
		Image:           "sha256:" + hex.EncodeToString(img[:]),
		ResolvConfPath:  "/var/lib/docker/containers/" + c.id + "/resolv.conf",
		HostnamePath:    "/var/lib/docker/containers/" + c.id + "/hostname",
		HostsPath:       "/var/lib/docker/containers/" + c.id + "/hosts",
		LogPath:         "/var/lib/docker/containers/" + c.id + "/" + c.id + "-json.log",
		Name:            "/" + c.name,
		Driver:          "overlay2",
		Platform:        "linux",
		HostConfig:      &container.HostConfig{NetworkMode: "default", LogConfig: container.LogConfig{Type: "json-file"}},
		Mounts:          []container.MountPoint{},
		Config:          &container.Config{Hostname: c.id[:12], Image: c.t.Image, Env: c.env, Cmd: c.cmd, Labels: c.labels},
		NetworkSettings: &container.NetworkSettings{},
	}
}

func (s *Session) containerInspect(c ContainerInspect, stdout io.Writer) error {
	var elems []any
	var errs []error
	for _, ref := range c.Refs {
		ct, err := s.findContainer(ref)
		if err == nil {
			elems = append(elems, apiContainer(ct))
			continue
		}
		if c.Any && s.c != nil {
			if n := s.selfNode(); n != nil && n.ManagerStatus != nil {
				if sv, err := s.c.Service(ref); err == nil {
					elems = append(elems, apiService(sv))
					continue
				}
				if n, err := s.lookupNode(ref); err == nil {
					elems = append(elems, apiNode(n))
					continue
				}
			}
			errs = append(errs, fmt.Errorf("Error: No such object: %s", ref))
			continue
		}
		errs = append(errs, err)
	}
	return inspectOut(stdout, c.Format, elems, errs)
}

// ---- docker stop, kill, rm ----

func (s *Session) containerStop(c ContainerStop, stdout io.Writer) error {
	if c.Kill && c.Signal != "" {
		if _, err := parseSignal(c.Signal); err != nil {
			return err
		}
	}
	var errs []error
	for _, ref := range c.Refs {
		ct, err := s.findContainer(ref)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case c.Kill:
			code := swarmsim.KillExitCode
			if c.Signal != "" {
				sig, _ := parseSignal(c.Signal)
				code = 128 + sig
			}
			err = s.c.ExitTask(ct.t.ID, code)
		case ct.state == "running":
			err = s.c.StopTask(ct.t.ID)
		}
		if err != nil {
			errs = append(errs, daemon(err))
			continue
		}
		fmt.Fprintln(stdout, ref)
	}
	return errors.Join(errs...)
}

// parseSignal reads a signal name or number as moby's signal.ParseSignal
// does, for the signals that end a program.
func parseSignal(s string) (int, error) {
	names := map[string]int{"HUP": 1, "INT": 2, "QUIT": 3, "KILL": 9, "USR1": 10, "USR2": 12, "TERM": 15}
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 65 {
		return n, nil
	}
	if n, ok := names[strings.TrimPrefix(strings.ToUpper(s), "SIG")]; ok {
		return n, nil
	}
	return 0, fmt.Errorf("Error response from daemon: Invalid signal: %s", s)
}

func (s *Session) containerRm(c ContainerRm, stdout io.Writer) error {
	var errs []error
	for _, ref := range c.Refs {
		ct, err := s.findContainer(ref)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ct.state == "running" {
			if !c.Force {
				// moby's daemon/delete.go: cleanupContainer
				errs = append(errs, fmt.Errorf("Error response from daemon: cannot remove container %q: container is running: stop the container before removing or force remove", ref))
				continue
			}
			if err := s.c.KillTask(ct.t.ID); err != nil {
				errs = append(errs, daemon(err))
				continue
			}
		}
		if s.eng.removed == nil {
			s.eng.removed = map[string]bool{}
		}
		s.eng.removed[ct.t.ID] = true
		fmt.Fprintln(stdout, ref)
	}
	return errors.Join(errs...)
}

// ---- parsing ----

// engineCmds are the engine's own commands: info, ps, inspect, stop, kill,
// rm and the `docker container` group.
func engineCmds(res *result) []*cobra.Command {
	ps := func(use string, aliases ...string) *cobra.Command {
		var l ContainerLs
		c := leaf(use, "List containers", noArgs, func(_ *cobra.Command, _ []string) error {
			res.cmd = l
			return nil
		}, aliases...)
		fs := c.Flags()
		BoolFlag(fs, &l.All, "all", "a", "Show all containers (default shows just running)")
		BoolFlag(fs, &l.Quiet, "quiet", "q", "Only display container IDs")
		BoolFlag(fs, &l.NoTrunc, "no-trunc", "", "Don't truncate output")
		fs.VarP(filterValue{&l.Filters}, "filter", "f", "Filter output based on conditions provided")
		fs.StringVar(&l.Format, "format", "", formatHelp)
		return c
	}
	inspect := func(use, short string, any bool) *cobra.Command {
		var i ContainerInspect
		c := leaf(use, short, minArgs(1), func(_ *cobra.Command, a []string) error {
			i.Refs, i.Any = a, any
			res.cmd = i
			return nil
		})
		c.Flags().StringVarP(&i.Format, "format", "f", "", inspectFormatHelp)
		return c
	}
	stop := func(kill bool) *cobra.Command {
		var st ContainerStop
		use, short := "stop [OPTIONS] CONTAINER [CONTAINER...]", "Stop one or more running containers"
		if kill {
			use, short = "kill [OPTIONS] CONTAINER [CONTAINER...]", "Kill one or more running containers"
		}
		c := leaf(use, short, minArgs(1), func(_ *cobra.Command, a []string) error {
			st.Refs, st.Kill = a, kill
			res.cmd = st
			return nil
		})
		c.Flags().StringVarP(&st.Signal, "signal", "s", "", "Signal to send to the container")
		if !kill {
			var t int
			c.Flags().IntVarP(&t, "timeout", "t", 0, "Seconds to wait before killing the container")
		}
		return c
	}
	rm := func(use string, aliases ...string) *cobra.Command {
		var r ContainerRm
		c := leaf(use, "Remove one or more containers", minArgs(1), func(_ *cobra.Command, a []string) error {
			r.Refs = a
			res.cmd = r
			return nil
		}, aliases...)
		BoolFlag(c.Flags(), &r.Force, "force", "f", "Force the removal of a running container (uses SIGKILL)")
		return c
	}
	ctrGroup := group(res, "container", "Manage containers")
	ctrGroup.AddCommand(ps("ls [OPTIONS]", "list", "ps"), inspect("inspect [OPTIONS] CONTAINER [CONTAINER...]", "Display detailed information on one or more containers", false),
		stop(false), stop(true), rm("rm [OPTIONS] CONTAINER [CONTAINER...]", "remove"))
	var in Info
	info := leaf("info [OPTIONS]", "Display system-wide information", noArgs, func(_ *cobra.Command, _ []string) error {
		res.cmd = in
		return nil
	})
	info.Flags().StringVarP(&in.Format, "format", "f", "", inspectFormatHelp)
	return []*cobra.Command{ctrGroup, info, eventsCmd(res), ps("ps [OPTIONS]"),
		inspect("inspect [OPTIONS] NAME|ID [NAME|ID...]", "Return low-level information on Docker objects", true),
		stop(false), stop(true), rm("rm [OPTIONS] CONTAINER [CONTAINER...]")}
}
