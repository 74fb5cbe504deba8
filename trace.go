package swarmsim

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// EventKind is the type of a trace event.
type EventKind uint8

// Trace event kinds.
const (
	EventNodeAdded        EventKind = iota + 1 // a node joined
	EventNodeUpdated                           // a node's labels or role changed
	EventNodeAvailability                      // a node's availability changed (From, To)
	EventNodeState                             // the manager's view of a node changed (From, To: ready, down)
	EventNodeStopped                           // a node's machine stopped answering
	EventNodeStarted                           // a stopped node's machine came back
	EventNodeRemoved                           // a node left the swarm
	EventServiceCreated                        // a service was created
	EventServiceUpdated                        // a service's spec changed (update, rollback)
	EventServiceRemoved                        // a service was removed
	EventUpdateStatus                          // a service's UpdateStatus changed (From, To, Message)
	EventTaskCreated                           // a task was created (To: desired state)
	EventTaskState                             // a task's observed state changed (From, To, Message, Err)
	EventTaskDesired                           // a task's desired state changed (From, To)
	EventTaskDeleted                           // a task was deleted from the store
	EventRequest                               // a probe request went through the mesh
)

// eventKindNames returns every kind's name, indexed by kind.
func eventKindNames() [EventRequest + 1]string {
	return [...]string{
		EventNodeAdded:        "node-added",
		EventNodeUpdated:      "node-updated",
		EventNodeAvailability: "node-availability",
		EventNodeState:        "node-state",
		EventNodeStopped:      "node-stopped",
		EventNodeStarted:      "node-started",
		EventNodeRemoved:      "node-removed",
		EventServiceCreated:   "service-created",
		EventServiceUpdated:   "service-updated",
		EventServiceRemoved:   "service-removed",
		EventUpdateStatus:     "update-status",
		EventTaskCreated:      "task-created",
		EventTaskState:        "task-state",
		EventTaskDesired:      "task-desired",
		EventTaskDeleted:      "task-deleted",
		EventRequest:          "request",
	}
}

func (k EventKind) String() string {
	if names := eventKindNames(); int(k) < len(names) && names[k] != "" {
		return names[k]
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Event is one state change of the simulation, at its virtual time.
type Event struct {
	Seq       uint64
	Time      time.Time
	Kind      EventKind
	ServiceID string
	Service   string
	TaskID    string
	Task      string // the task's name, e.g. redis.1
	Slot      uint64 // the task's slot (0 for global tasks)
	Image     string // the task's image
	NodeID    string
	Node      string // the node's name
	From, To  string // states, availabilities or update states, by kind
	Message   string
	Err       string
}

// record is the compact form the cluster keeps; Events expands it.
type record struct {
	seq      uint64
	at       int64
	kind     EventKind
	from, to uint16
	ts       *taskState
	node     *nodeState
	svc      *serviceState
	msg, err string
}

func (c *Cluster) record(r record) {
	c.seq++
	if c.cfg.NoTrace && c.cfg.Logger == nil {
		return
	}
	r.seq = c.seq
	r.at = c.now
	if r.ts != nil && r.svc == nil {
		r.svc = r.ts.svc
	}
	if r.ts != nil && r.node == nil {
		r.node = r.ts.node
	}
	if !c.cfg.NoTrace {
		if lim := c.cfg.TraceLimit; lim > 0 && len(c.trace) >= 2*lim {
			// Keep the newest lim records: one copy every lim events, so
			// the cost per event stays constant and memory at most 2*lim.
			n := copy(c.trace, c.trace[len(c.trace)-lim:])
			clear(c.trace[n:])
			c.trace = c.trace[:n]
		}
		c.trace = append(c.trace, r)
	}
	if l := c.cfg.Logger; l != nil && l.Enabled(context.Background(), slog.LevelInfo) {
		// The record carries the virtual time, never the real clock.
		e := c.expand(&r)
		rec := slog.NewRecord(e.Time, slog.LevelInfo, e.Kind.String(), 0)
		rec.AddAttrs(e.attrs()...)
		l.Handler().Handle(context.Background(), rec)
	}
}

func (c *Cluster) expand(r *record) Event {
	e := Event{Seq: r.seq, Time: c.at(r.at), Kind: r.kind, Message: r.msg, Err: r.err}
	if r.svc != nil {
		e.ServiceID = r.svc.id
		e.Service = r.svc.spec.spec.Name
	}
	if r.ts != nil {
		e.TaskID = r.ts.t.ID
		e.Task = r.ts.t.Name()
		e.Service = r.ts.t.ServiceName
		e.Slot = r.ts.t.Slot
		e.Image = r.ts.t.Image
	}
	if r.node != nil {
		e.NodeID = r.node.n.ID
		e.Node = r.node.n.DisplayName()
	}
	switch r.kind {
	case EventTaskState, EventTaskDesired, EventTaskCreated:
		if r.kind != EventTaskCreated {
			e.From = task.State(r.from).String()
		}
		e.To = task.State(r.to).String()
	case EventNodeAvailability:
		e.From, e.To = node.Availability(r.from).String(), node.Availability(r.to).String()
	case EventNodeState, EventNodeAdded:
		if r.kind == EventNodeState {
			e.From = node.State(r.from).String()
		}
		e.To = node.State(r.to).String()
	case EventUpdateStatus:
		e.From, e.To = updater.State(r.from).String(), updater.State(r.to).String()
	}
	return e
}

// Events returns the trace: every event kept so far, in order (all of them
// unless Config.TraceLimit bounds it). It is empty when Config.NoTrace is set.
func (c *Cluster) Events() []Event {
	c.lazyInit()
	kept := c.kept()
	out := make([]Event, len(kept))
	for i := range kept {
		out[i] = c.expand(&kept[i])
	}
	return out
}

// EventsSince returns the kept events with a sequence number above seq. It
// costs what it returns: the trace's sequence numbers are consecutive, so
// the first one is found by arithmetic, not by a scan.
func (c *Cluster) EventsSince(seq uint64) []Event {
	c.lazyInit()
	kept := c.kept()
	if len(kept) == 0 || seq >= kept[len(kept)-1].seq {
		return nil
	}
	if first := kept[0].seq; seq >= first {
		kept = kept[seq-first+1:]
	}
	out := make([]Event, len(kept))
	for i := range kept {
		out[i] = c.expand(&kept[i])
	}
	return out
}

// kept is the part of the trace that Config.TraceLimit keeps.
func (c *Cluster) kept() []record {
	if lim := c.cfg.TraceLimit; lim > 0 && len(c.trace) > lim {
		return c.trace[len(c.trace)-lim:]
	}
	return c.trace
}

// DroppedEvents is how many of the oldest events Config.TraceLimit has
// dropped from the trace so far.
func (c *Cluster) DroppedEvents() uint64 {
	c.lazyInit()
	if kept := c.kept(); len(kept) > 0 {
		return kept[0].seq - 1
	}
	if c.cfg.NoTrace {
		return 0
	}
	return c.seq
}

// LastSeq is the sequence number of the latest event.
func (c *Cluster) LastSeq() uint64 {
	c.lazyInit()
	return c.seq
}

// String renders an event in the trace's stable text form: the virtual time
// since epoch, the kind, and the fields that kind carries.
func (e Event) String() string {
	return e.format(time.Time{})
}

// Text renders an event as one line of TraceText: the virtual time in
// seconds since epoch, the kind, and the fields that kind carries.
func (e Event) Text(epoch time.Time) string {
	return e.format(epoch)
}

func (e Event) format(epoch time.Time) string {
	var b strings.Builder
	if !epoch.IsZero() {
		fmt.Fprintf(&b, "%9.3fs ", e.Time.Sub(epoch).Seconds())
	} else {
		b.WriteString(e.Time.UTC().Format("15:04:05.000") + " ")
	}
	fmt.Fprintf(&b, "%-17s", e.Kind)
	switch {
	case e.TaskID != "":
		fmt.Fprintf(&b, " %s %s", e.Task, short(e.TaskID))
		if e.Node != "" {
			fmt.Fprintf(&b, " @%s", e.Node)
		}
	case e.Kind >= EventNodeAdded && e.Kind <= EventNodeRemoved:
		fmt.Fprintf(&b, " %s %s", e.Node, short(e.NodeID))
	case e.ServiceID != "":
		fmt.Fprintf(&b, " %s %s", e.Service, short(e.ServiceID))
	}
	switch {
	case e.From != "" || e.To != "":
		if e.From != "" {
			fmt.Fprintf(&b, " %s ->", orNone(e.From))
		}
		fmt.Fprintf(&b, " %s", orNone(e.To))
	}
	if e.Message != "" {
		fmt.Fprintf(&b, " %q", e.Message)
	}
	if e.Err != "" {
		fmt.Fprintf(&b, " err=%q", e.Err)
	}
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// TraceText renders the kept trace, one event per line, with times in
// seconds since the cluster's epoch: the stable form golden tests compare.
func (c *Cluster) TraceText() string {
	c.lazyInit()
	var b strings.Builder
	kept := c.kept()
	for i := range kept {
		b.WriteString(c.expand(&kept[i]).format(c.epoch))
		b.WriteByte('\n')
	}
	return b.String()
}

func (e Event) attrs() []slog.Attr {
	a := []slog.Attr{slog.Uint64("seq", e.Seq)}
	add := func(k, v string) {
		if v != "" {
			a = append(a, slog.String(k, v))
		}
	}
	add("service", e.Service)
	add("service_id", e.ServiceID)
	add("task", e.Task)
	add("task_id", e.TaskID)
	if e.Slot != 0 {
		a = append(a, slog.Uint64("slot", e.Slot))
	}
	add("image", e.Image)
	add("node", e.Node)
	add("node_id", e.NodeID)
	add("from", e.From)
	add("to", e.To)
	add("message", e.Message)
	add("err", e.Err)
	return a
}
