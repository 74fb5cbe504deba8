package dockercli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	units "github.com/docker/go-units"
	"github.com/moby/moby/api/types/swarm"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/internal/dockerfmt"
	"github.com/swarmsim/swarmsim/node"
)

type nodeRow struct {
	n    *node.Node
	self bool
}

func (r *nodeRow) ID() string       { return r.n.ID }
func (r *nodeRow) Self() bool       { return r.self }
func (r *nodeRow) Hostname() string { return r.n.Description.Hostname }
func (r *nodeRow) Status() string   { return dockerfmt.PrettyPrint(r.n.Status.State.String()) }
func (r *nodeRow) Availability() string {
	return dockerfmt.PrettyPrint(r.n.Spec.Availability.String())
}
func (r *nodeRow) ManagerStatus() string {
	ms := r.n.ManagerStatus
	if ms == nil {
		return ""
	}
	if ms.Leader {
		return "Leader"
	}
	return dockerfmt.PrettyPrint(ms.Reachability.String())
}
func (r *nodeRow) EngineVersion() string { return r.n.Description.EngineVersion }
func (r *nodeRow) TLSStatus() string     { return "Ready" }
func (r *nodeRow) MarshalJSON() ([]byte, error) {
	return marshalMethods(map[string]any{"ID": r.ID(), "Self": r.Self(), "Hostname": r.Hostname(), "Status": r.Status(),
		"Availability": r.Availability(), "ManagerStatus": r.ManagerStatus(), "EngineVersion": r.EngineVersion(), "TLSStatus": r.TLSStatus()})
}

var nodeHeader = map[string]string{"ID": "ID", "Self": "", "Hostname": "HOSTNAME", "Status": "STATUS", "Availability": "AVAILABILITY",
	"ManagerStatus": "MANAGER STATUS", "EngineVersion": "ENGINE VERSION", "TLSStatus": "TLS STATUS"}

const defaultNodeTable = "table {{.ID}} {{if .Self}}*{{else}} {{ end }}\t{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}\t{{.EngineVersion}}"

func (s *Session) nodeLs(c NodeLs, stdout io.Writer) error {
	cl := s.swarm()
	f, err := parseFilters(c.Filters, "id", "label", "node.label", "membership", "name", "role")
	if err != nil {
		return err
	}
	leader := s.selfNode()
	nodes := cl.Nodes()
	sort.SliceStable(nodes, func(i, j int) bool {
		return dockerfmt.NaturalLess(nodes[i].Description.Hostname, nodes[j].Description.Hostname)
	})
	format := c.Format
	switch {
	case c.Quiet:
		format = "{{.ID}}"
	case format == "" || format == "table":
		format = defaultNodeTable
	}
	fast := format == defaultNodeTable
	var rows []any
	var buf bytes.Buffer
	for _, n := range nodes {
		if !f.matchPrefix("id", n.ID) || !f.matchPrefix("name", n.Description.Hostname) || !f.matchExact("role", n.Spec.DesiredRole.String()) ||
			!f.matchExact("membership", "accepted") || !f.matchLabelKey("node.label", n.Spec.Labels) || !f.matchLabelKey("label", n.Description.EngineLabels) {
			continue
		}
		r := &nodeRow{n: n, self: leader != nil && n.ID == leader.ID}
		if fast {
			r.writeDefault(&buf)
			continue
		}
		rows = append(rows, r)
	}
	if fast {
		return writeTable(stdout, listFormat(format), nodeHeader, &buf)
	}
	return writeList(stdout, listFormat(format), nodeHeader, rows)
}

// writeDefault writes the row as defaultNodeTable's template does, without
// the template's reflection.
func (r *nodeRow) writeDefault(b *bytes.Buffer) {
	b.WriteString(r.ID())
	if r.Self() {
		b.WriteString(" *")
	} else {
		b.WriteString("  ")
	}
	for _, f := range [...]string{r.Hostname(), r.Status(), r.Availability(), r.ManagerStatus(), r.EngineVersion()} {
		b.WriteByte('\t')
		b.WriteString(f)
	}
	b.WriteByte('\n')
}

func (s *Session) lookupNode(ref string) (*node.Node, error) {
	if ref == "self" {
		if l := s.selfNode(); l != nil {
			return l, nil
		}
	}
	n, err := s.c.Node(ref)
	if err != nil {
		return nil, daemon(err)
	}
	return n, nil
}

func (s *Session) nodePs(c NodePs, stdout io.Writer) error {
	s.swarm()
	tf, err := s.newTaskFilter(c.Filters)
	if err != nil {
		return err
	}
	var errs []string
	var tasks []swarmsim.TaskView
	for _, ref := range c.Refs {
		n, err := s.lookupNode(ref)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		ts, err := s.c.TasksOnNode(n.ID)
		if err != nil {
			errs = append(errs, daemon(err).Error())
			continue
		}
		for _, t := range ts {
			if tf.match(t) {
				tasks = append(tasks, t)
			}
		}
	}
	if len(errs) > 0 && len(tasks) == 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	// docker/cli cli/command/node/ps.go: -q prints truncated IDs unless
	// --no-trunc (only `service ps -q` forces full IDs)
	format, quiet := c.Format, c.Quiet
	if quiet && !c.NoTrunc {
		format, quiet = "{{.ID}}", false
	}
	if err := s.printTasks(stdout, tasks, format, c.NoTrunc, c.NoResolve, quiet); err != nil {
		return err
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

func (s *Session) nodeInspect(c NodeInspect, stdout io.Writer) error {
	s.swarm()
	if c.Pretty && c.Format != "" {
		return errors.New("--format is incompatible with human friendly format")
	}
	// docker/cli cli/command/node/inspect.go: --format=pretty is --pretty
	if strings.HasPrefix(c.Format, "pretty") {
		if c.Format != "pretty" {
			return errors.New("cannot supply extra formatting options to the pretty template")
		}
		c.Pretty, c.Format = true, ""
	}
	var elems []any
	var errs []error
	for _, ref := range c.Refs {
		n, err := s.lookupNode(ref)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if c.Pretty {
			io.WriteString(stdout, prettyNode(apiNode(n), s.c.Now()))
			continue
		}
		elems = append(elems, apiNode(n))
	}
	if c.Pretty {
		return errors.Join(errs...)
	}
	return inspectOut(stdout, c.Format, elems, errs)
}

// prettyNode renders `docker node inspect --pretty` (docker/cli
// nodeInspectPrettyTemplate).
func prettyNode(n swarm.Node, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ID:\t\t\t%s", n.ID)
	if n.Spec.Name != "" {
		fmt.Fprintf(&b, "\nName:\t\t\t%s", n.Spec.Name)
	}
	writeLabels := func(title string, m map[string]string) {
		if len(m) == 0 {
			return
		}
		b.WriteString("\n" + title + ":")
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.WriteString("\n - " + k)
			if v := m[k]; v != "" {
				b.WriteString("=" + v)
			}
		}
	}
	writeLabels("Labels", n.Spec.Labels)
	fmt.Fprintf(&b, "\nHostname:              \t%s\nJoined at:             \t%s\nStatus:\n State:\t\t\t%s", n.Description.Hostname,
		dockerfmt.HumanDuration(now.Sub(n.CreatedAt))+" ago", dockerfmt.PrettyPrint(string(n.Status.State)))
	if n.Status.Message != "" {
		fmt.Fprintf(&b, "\n Message:              \t%s", dockerfmt.PrettyPrint(n.Status.Message))
	}
	fmt.Fprintf(&b, "\n Availability:         \t%s", dockerfmt.PrettyPrint(string(n.Spec.Availability)))
	if n.Status.Addr != "" {
		fmt.Fprintf(&b, "\n Address:\t\t%s", n.Status.Addr)
	}
	if ms := n.ManagerStatus; ms != nil {
		fmt.Fprintf(&b, "\nManager Status:\n Address:\t\t%s\n Raft Status:\t\t%s", ms.Addr, dockerfmt.PrettyPrint(string(ms.Reachability)))
		if ms.Leader {
			b.WriteString("\n Leader:\t\tYes")
		} else {
			b.WriteString("\n Leader:\t\tNo")
		}
	}
	fmt.Fprintf(&b, "\nPlatform:\n Operating System:\t%s\n Architecture:\t\t%s\nResources:\n CPUs:\t\t\t%d\n Memory:\t\t%s\nEngine Version:\t\t%s",
		n.Description.Platform.OS, n.Description.Platform.Architecture, n.Description.Resources.NanoCPUs/1e9,
		units.BytesSize(float64(n.Description.Resources.MemoryBytes)), n.Description.Engine.EngineVersion)
	writeLabels("Engine Labels", n.Description.Engine.Labels)
	b.WriteString("\n")
	return b.String()
}

func (s *Session) nodeUpdate(c NodeUpdate, stdout io.Writer) error {
	s.swarm()
	n, err := s.lookupNode(c.Ref)
	if err != nil {
		return err
	}
	var u swarmsim.NodeUpdate
	if c.Role != nil {
		r, err := node.ParseRole(*c.Role)
		if err != nil {
			return errors.New("Error response from daemon: " + err.Error())
		}
		u.Role = &r
	}
	if c.Availability != nil {
		a, err := node.ParseAvailability(*c.Availability)
		if err != nil {
			return errors.New("Error response from daemon: " + err.Error())
		}
		u.Availability = &a
	}
	labels := map[string]string{}
	for k, v := range n.Spec.Labels {
		labels[k] = v
	}
	if len(c.LabelAdd) > 0 {
		u.LabelAdd = kvToMap(c.LabelAdd)
		for k, v := range u.LabelAdd {
			labels[k] = v
		}
	}
	for _, k := range c.LabelRm {
		if _, ok := labels[k]; !ok {
			return fmt.Errorf("key %s doesn't exist in node's labels", k)
		}
		delete(labels, k)
		u.LabelRm = append(u.LabelRm, k)
	}
	// A key both added and removed: the CLI adds first, then removes.
	for _, k := range u.LabelRm {
		delete(u.LabelAdd, k)
	}
	var rmExisting []string
	for _, k := range u.LabelRm {
		if _, ok := n.Spec.Labels[k]; ok {
			rmExisting = append(rmExisting, k)
		}
	}
	u.LabelRm = rmExisting
	if err := s.c.UpdateNode(n.ID, u); err != nil {
		return daemon(err)
	}
	fmt.Fprintln(stdout, c.Ref)
	return nil
}

func (s *Session) nodeRole(c NodeRole, stdout io.Writer) error {
	s.swarm()
	for _, ref := range c.Refs {
		n, err := s.lookupNode(ref)
		if err != nil {
			return err
		}
		want := node.Worker
		if c.Promote {
			want = node.Manager
		}
		if n.Spec.DesiredRole == want {
			if c.Promote {
				fmt.Fprintf(stdout, "Node %s is already a manager.\n", n.ID)
			} else {
				fmt.Fprintf(stdout, "Node %s is already a worker.\n", n.ID)
			}
			continue
		}
		if err := s.c.UpdateNode(n.ID, swarmsim.NodeUpdate{Role: &want}); err != nil {
			return daemon(err)
		}
		if c.Promote {
			fmt.Fprintf(stdout, "Node %s promoted to a manager in the swarm.\n", ref)
		} else {
			fmt.Fprintf(stdout, "Manager %s demoted in the swarm.\n", ref)
		}
	}
	return nil
}

func (s *Session) nodeRm(c NodeRm, stdout io.Writer) error {
	cl := s.swarm()
	return removeEach(c.Refs, stdout, func(ref string) error { return cl.RemoveNode(ref, c.Force) })
}

// removeEach removes every ref as `docker service rm` and `docker node rm`
// do: each removed ref is printed, and the errors are collected and
// returned together.
func removeEach(refs []string, stdout io.Writer, rm func(ref string) error) error {
	var errs []string
	for _, ref := range refs {
		if err := rm(ref); err != nil {
			errs = append(errs, daemon(err).Error())
			continue
		}
		fmt.Fprintln(stdout, ref)
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}
