package dockercli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/internal/dockerfmt"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/task"
)

func marshalMethods(m map[string]any) ([]byte, error) { return json.Marshal(m) }

// taskRow is one row of `docker service ps` / `docker node ps`.
type taskRow struct {
	t     swarmsim.TaskView
	name  string
	node  string
	trunc bool
	now   time.Time
}

func (r *taskRow) ID() string {
	if r.trunc {
		return dockerfmt.TruncateID(r.t.ID)
	}
	return r.t.ID
}
func (r *taskRow) Name() string { return r.name }
func (r *taskRow) Image() string {
	if r.trunc {
		return familiarImage(r.t.Image)
	}
	return r.t.Image
}
func (r *taskRow) Node() string         { return r.node }
func (r *taskRow) DesiredState() string { return dockerfmt.PrettyPrint(r.t.DesiredState.String()) }
func (r *taskRow) CurrentState() string {
	st := r.t.Status()
	return dockerfmt.PrettyPrint(st.State.String()) + " " + strings.ToLower(dockerfmt.HumanDuration(r.now.Sub(st.Timestamp))) + " ago"
}
func (r *taskRow) Error() string {
	e := r.t.Status().Err
	if r.trunc {
		e = dockerfmt.Ellipsis(e, 30)
	}
	if e != "" {
		e = `"` + e + `"`
	}
	return e
}
func (r *taskRow) Ports() string {
	if len(r.t.Ports) == 0 || !hasRun(r.t) { // no ports: no history to copy
		return ""
	}
	return mesh.FormatHostPorts(r.t.Ports)
}
func (r *taskRow) MarshalJSON() ([]byte, error) {
	return marshalMethods(map[string]any{"ID": r.ID(), "Name": r.Name(), "Image": r.Image(), "Node": r.Node(),
		"DesiredState": r.DesiredState(), "CurrentState": r.CurrentState(), "Error": r.Error(), "Ports": r.Ports()})
}

// hasRun reports whether the task's container got to RUNNING, when the
// agent reports its host-mode ports.
func hasRun(t swarmsim.TaskView) bool {
	for _, h := range t.History() {
		if h.State == task.Running {
			return true
		}
	}
	return false
}

var taskHeader = map[string]string{"ID": "ID", "Name": "NAME", "Image": "IMAGE", "Node": "NODE", "DesiredState": "DESIRED STATE",
	"CurrentState": "CURRENT STATE", "Error": "ERROR", "Ports": "PORTS"}

const defaultTaskTable = "table {{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Error}}\t{{.Ports}}"

// printTasks renders tasks as docker/cli's task.Print: sorted by name in
// natural order, newest first within a name, history rows prefixed " \_ "
// in table formats.
func (s *Session) printTasks(w io.Writer, tasks []swarmsim.TaskView, format string, noTrunc, noResolve, quiet bool) error {
	cl := s.c
	now := cl.Now()
	type named struct {
		t    *swarmsim.TaskView // a pointer: the sort moves 24 bytes, not a task
		name string
		i    int // position in tasks, which are in creation order
	}
	items := make([]named, 0, len(tasks))
	// docker/cli's IDResolver shows the ID of a service or node that no
	// longer exists (cli/command/idresolver/idresolver.go)
	gone := map[string]bool{}
	removed := func(id string, lookup func(string) error) bool {
		g, ok := gone[id]
		if !ok {
			g = lookup(id) != nil
			gone[id] = g
		}
		return g
	}
	svcGone := func(id string) error { _, err := cl.Service(id); return err }
	nodeGone := func(id string) error { _, err := cl.Node(id); return err }
	for i := range tasks {
		t := &tasks[i]
		svcName := t.ServiceName
		if noResolve || removed(t.ServiceID, svcGone) {
			svcName = t.ServiceID
		}
		n := svcName + "." + strconv.FormatUint(uint64(t.Slot), 10)
		if t.Slot == 0 {
			n = svcName + "." + t.NodeID
		}
		items = append(items, named{t, n, i})
	}
	// One sort, in the order of docker/cli's two stable ones (by ID, then
	// by name in natural order, newest first): names, then creation time.
	// Two tasks of a slot made at the same virtual instant (a restart
	// supervisor's replacement and a rollback's task) were made milliseconds
	// apart in a real swarm: the later one is listed first, where docker/cli
	// would fall back to ID order.
	slices.SortFunc(items, func(a, b named) int {
		if a.name != b.name {
			if dockerfmt.NaturalLess(a.name, b.name) {
				return -1
			}
			if dockerfmt.NaturalLess(b.name, a.name) {
				return 1
			}
		} else if c := b.t.CreatedAt.Compare(a.t.CreatedAt); c != 0 {
			return c
		} else {
			return b.i - a.i
		}
		return strings.Compare(a.t.ID, b.t.ID)
	})
	if quiet {
		noTrunc = true
	}
	if format == "" || format == "table" {
		format = defaultTaskTable
		if quiet {
			format = "{{.ID}}"
		}
	}
	lf := listFormat(format)
	prev := ""
	rows := make([]any, 0, len(items))
	fast := format == defaultTaskTable
	var buf bytes.Buffer
	for _, it := range items {
		name := it.name
		if name == prev && lf.isTable() {
			name = ` \_ ` + name
		}
		prev = it.name
		nodeName := it.t.Node
		if noResolve || (nodeName == "" && it.t.NodeID != "") || (it.t.NodeID != "" && removed(it.t.NodeID, nodeGone)) {
			nodeName = it.t.NodeID
		}
		r := &taskRow{t: *it.t, name: name, node: nodeName, trunc: !noTrunc, now: now}
		if fast {
			r.writeDefault(&buf)
			continue
		}
		rows = append(rows, r)
	}
	if fast {
		return writeTable(w, lf, taskHeader, &buf)
	}
	return writeList(w, lf, taskHeader, rows)
}

// writeDefault writes the row as defaultTaskTable's template does, without
// the template's reflection: the default table is what `service ps` and
// `node ps` print on every big cluster.
func (r *taskRow) writeDefault(b *bytes.Buffer) {
	for i, f := range [...]string{r.ID(), r.Name(), r.Image(), r.Node(), r.DesiredState(), r.CurrentState(), r.Error(), r.Ports()} {
		if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(f)
	}
	b.WriteByte('\n')
}

// writeTable is writeList's table output for rows already rendered into
// body: the header through the format's template, then the rows, aligned.
func writeTable(w io.Writer, f listFormat, header map[string]string, body *bytes.Buffer) error {
	tmpl, err := parseTemplate(f.templateString())
	if err != nil {
		return fmt.Errorf("template parsing error: %w", err)
	}
	tw := dockerfmt.NewTableWriter(w)
	_ = tmpl.Funcs(headerFuncs()).Execute(tw, header)
	_, _ = tw.Write([]byte{'\n'})
	_, _ = body.WriteTo(tw)
	return tw.Flush()
}

// taskFilter is the daemon's task filter: desired-state, id, name, node,
// label, service.
type taskFilter struct {
	f       *filters
	desired []task.State
	nodeIDs []string
}

func (s *Session) newTaskFilter(values []string) (*taskFilter, error) {
	f, err := parseFilters(values, "desired-state", "id", "name", "node", "label", "service")
	if err != nil {
		return nil, err
	}
	tf := &taskFilter{f: f}
	for _, v := range f.m["desired-state"] {
		st, err := task.ParseState(v)
		if err != nil {
			return nil, fmt.Errorf("Error response from daemon: Invalid desired-state filter: '%s'", v)
		}
		tf.desired = append(tf.desired, st)
	}
	for _, v := range f.m["node"] {
		if v == "self" {
			if l := s.c.Leader(); l != nil {
				tf.nodeIDs = append(tf.nodeIDs, l.ID)
			}
			continue
		}
		if n, err := s.c.Node(v); err == nil {
			tf.nodeIDs = append(tf.nodeIDs, n.ID)
		} else {
			tf.nodeIDs = append(tf.nodeIDs, v)
		}
	}
	return tf, nil
}

func (tf *taskFilter) match(t swarmsim.TaskView) bool {
	if len(tf.desired) > 0 {
		ok := false
		for _, d := range tf.desired {
			if t.DesiredState == d {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if _, has := tf.f.m["node"]; has {
		ok := false
		for _, id := range tf.nodeIDs {
			if t.NodeID == id {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if !tf.f.matchPrefix("id", t.ID) || !tf.f.matchPrefix("name", t.Name()) {
		return false
	}
	return true
}

func (s *Session) servicePs(c ServicePs, stdout io.Writer) error {
	cl := s.swarm()
	tf, err := s.newTaskFilter(c.Filters)
	if err != nil {
		return err
	}
	var notFound []string
	var ids []string
	svcs := cl.Services()
refs:
	for _, ref := range c.Refs {
		for _, sv := range svcs {
			if sv.ID == ref {
				ids = append(ids, sv.ID)
				continue refs
			}
		}
		for _, sv := range svcs {
			if sv.Spec.Name == ref {
				ids = append(ids, sv.ID)
				continue refs
			}
		}
		found := false
		for _, sv := range svcs {
			if strings.HasPrefix(sv.ID, ref) {
				if found {
					return errors.New("multiple services found with provided prefix: " + ref)
				}
				ids = append(ids, sv.ID)
				found = true
			}
		}
		if !found {
			notFound = append(notFound, "no such service: "+ref)
		}
	}
	if len(ids) == 0 {
		return errors.New(strings.Join(notFound, "\n"))
	}
	var tasks []swarmsim.TaskView
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		ts, err := cl.Tasks(id)
		if err != nil {
			return daemon(err)
		}
		if len(ids) == 1 && len(c.Filters) == 0 {
			tasks = ts // nothing to filter: no copy
			continue
		}
		tasks = slices.Grow(tasks, len(ts))
		for _, t := range ts {
			if tf.match(t) {
				tasks = append(tasks, t)
			}
		}
	}
	if err := s.printTasks(stdout, tasks, c.Format, c.NoTrunc, c.NoResolve, c.Quiet); err != nil {
		return err
	}
	if len(notFound) > 0 {
		return errors.New(strings.Join(notFound, "\n"))
	}
	return nil
}
