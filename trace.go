package swarmsim

import (
	"context"
	"iter"
	"log/slog"

	"github.com/swarmsim/swarmsim/events"
	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/internal/trace"
)

// EventKind is the type of a trace event: events.Kind.
type EventKind = events.Kind

// Trace event kinds: the kinds of package events, under their first names.
const (
	EventNodeAdded        = events.NodeAdded        // a node joined
	EventNodeUpdated      = events.NodeUpdated      // a node's labels or role changed
	EventNodeAvailability = events.NodeAvailability // a node's availability changed (From, To)
	EventNodeState        = events.NodeState        // the manager's view of a node changed (From, To: ready, down)
	EventNodeStopped      = events.NodeStopped      // a node's machine stopped answering
	EventNodeStarted      = events.NodeStarted      // a stopped node's machine came back
	EventNodeRemoved      = events.NodeRemoved      // a node left the swarm
	EventServiceCreated   = events.ServiceCreated   // a service was created
	EventServiceUpdated   = events.ServiceUpdated   // a service's spec changed (update, rollback)
	EventServiceRemoved   = events.ServiceRemoved   // a service was removed
	EventUpdateStatus     = events.UpdateStatus     // a service's UpdateStatus changed (From, To, Message)
	EventTaskCreated      = events.TaskCreated      // a task was created (To: desired state)
	EventTaskState        = events.TaskState        // a task's observed state changed (From, To, Message, Err)
	EventTaskDesired      = events.TaskDesired      // a task's desired state changed (From, To)
	EventTaskDeleted      = events.TaskDeleted      // a task was deleted from the store
	EventRequest          = events.Request          // a probe request went through the mesh
	EventLeader           = events.Leader           // the managers elected a leader (Node), or lost theirs (no Node)
)

// Event is one state change of the simulation, at its virtual time:
// events.Event.
type Event = events.Event

// record is what the cluster's code hands the trace: the event's subject
// as pointers, which record turns into a compact trace.Rec (indexes and
// interned strings) at once, so the trace holds no pointer to a task.
type record struct {
	kind     EventKind
	from, to uint16
	ts       *store.Task
	node     *store.Node
	svc      *store.Service
	msg, err string
}

func (c *Cluster) record(r record) {
	c.seq++
	if c.untraced() {
		return
	}
	if r.ts != nil && r.svc == nil {
		r.svc = r.ts.Svc
	}
	if r.ts != nil && r.node == nil {
		r.node = r.ts.Node
	}
	st := &c.trace
	rec := trace.MakeRec(c.now, uint8(r.kind), r.from, r.to)
	rec.Text = st.Text(r.msg, r.err)
	var svc int32
	if s := r.svc; s != nil {
		svc = st.SetService(s.Idx, s.ID, s.Spec.Spec.Name)
		rec.Subj = svc
	}
	if ns := r.node; ns != nil {
		rec.Node = st.SetNode(ns.Idx, ns.N)
	}
	if ts := r.ts; ts != nil {
		// The service follows from the task. What the trace shows of a
		// task is noted when it is created: its ID, slot, image and, for a
		// global task, the node its name ends with never change after. A
		// bounded trace forgets a task none of its records names any more,
		// and notes it again if it has more to say.
		if r.kind == EventTaskCreated || st.Released(ts.Idx) {
			st.SetTask(ts.Idx, &ts.T, svc)
		}
		rec.Subj = trace.TaskSubject(ts.Idx)
	}
	if !c.cfg.NoTrace {
		st.Append(c.seq, rec)
	}
	if l := c.cfg.Logger; l != nil && l.Enabled(context.Background(), slog.LevelInfo) {
		// The record carries the virtual time, never the real clock.
		l.Handler().Handle(context.Background(), c.expand(c.seq, &rec).LogRecord())
	}
}

// untraced reports whether events go nowhere: no trace is kept and no
// logger is set. Only their sequence numbers are counted.
func (c *Cluster) untraced() bool { return c.cfg.NoTrace && c.cfg.Logger == nil }

// expand is the event a trace record stands for.
func (c *Cluster) expand(seq uint64, r *trace.Rec) Event {
	return c.trace.Event(seq, r, c.epoch)
}

// Events returns the trace: every event kept so far, in order (all of them
// unless Config.TraceLimit bounds it). It is empty when Config.NoTrace is set.
func (c *Cluster) Events() []Event {
	c.lazyInit()
	return c.trace.Events(0, c.epoch)
}

// AllEvents yields the kept events in order, the events Events returns,
// without building the slice: each is expanded from the compact trace as it
// is yielded, so ranging over two million events holds one at a time. Each
// range starts at the oldest event kept then and ends at the newest; when
// the loop's body runs the cluster, the events it records are yielded too,
// and those that Config.TraceLimit drops meanwhile are skipped.
func (c *Cluster) AllEvents() iter.Seq[Event] {
	c.lazyInit()
	return c.trace.All(c.epoch)
}

// EventsSince returns the kept events with a sequence number above seq. It
// costs what it returns: the trace's sequence numbers are consecutive, so
// the first one is found by arithmetic, not by a scan.
func (c *Cluster) EventsSince(seq uint64) []Event {
	c.lazyInit()
	if seq >= c.trace.LastSeq() {
		return nil
	}
	return c.trace.Events(seq+1, c.epoch)
}

// DroppedEvents is how many of the oldest events Config.TraceLimit has
// dropped from the trace so far.
func (c *Cluster) DroppedEvents() uint64 {
	c.lazyInit()
	if first := c.trace.FirstSeq(); first > 0 {
		return first - 1
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

// TraceText renders the kept trace, one event per line, with times in
// seconds since the cluster's epoch: the stable form golden tests compare.
func (c *Cluster) TraceText() string {
	c.lazyInit()
	return string(c.trace.AppendText(nil, c.epoch))
}
