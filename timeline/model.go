package timeline

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim"
)

// Options choose the span, the services and the size of the picture.
type Options struct {
	// Epoch is the time the axis counts from: the cluster's epoch
	// (Cluster.Epoch). The zero value means swarmsim.DefaultEpoch().
	Epoch time.Time
	// From and To delimit the span drawn, as virtual time since Epoch. To
	// 0 means the time of the last event. Events after To are ignored;
	// events before From still decide what state the span starts in.
	From, To time.Duration
	// Services, when not empty, keeps only the services of these names,
	// in the order of the trace. A name that no event carries is an error.
	Services []string
	// Title is the picture's heading; "" means "swarmsim timeline".
	Title string
	// Width is the picture's width in pixels; 0 means DefaultWidth. It is
	// at least MinWidth.
	Width int
}

// Picture sizes.
const (
	DefaultWidth = 960
	MinWidth     = 480
)

// never is the end of something that has not ended.
const never = math.MaxInt64

// maxTime is the latest time a span reaches, as nanoseconds since the epoch.
const maxTime = math.MaxInt64 / 2

// terminal reports whether a task state is one a task never leaves.
func terminal(s string) bool {
	switch s {
	case "complete", "shutdown", "failed", "rejected", "remove", "orphaned":
		return true
	}
	return false
}

type stateAt struct {
	at    int64
	state string
}

// bar is one task.
type bar struct {
	id, name, image, node string
	created               int64
	deleted               int64 // never when not deleted
	end                   int64 // time of its terminal state, never while live
	stopAt                int64 // desired state became a stop, never if not
	states                []stateAt
	lane                  int
	drawEnd               int64 // where its drawing ends (set by layout)
	laneNext              int64 // creation of the next task in its lane, or never
}

// liveEnd is when the task stopped occupying its lane.
func (b *bar) liveEnd() int64 {
	return min(b.end, b.deleted)
}

type row struct {
	key   string
	slot  uint64
	label string
	bars  []*bar
	lanes int
	y     float64 // its top in the picture (set by canvas.layout)
}

type mark struct {
	at            int64
	from, to, msg string
}

type group struct {
	id, name string
	global   bool
	removed  int64
	rows     []*row
	bySlot   map[uint64]*row // a replicated service's rows, by slot
	byNode   map[string]*row // a global service's rows, by node ID
	marks    []mark
	// Set by canvas.layout: the status markers shown, with their labels
	// placed, and where the group starts and its rows end in the picture.
	placed      []placedMark
	top, bottom float64
}

type nodeMark struct {
	at    int64
	label string
	msg   string
}

type nodeSeg struct {
	at    int64
	state string // ready, pause, drain, stopped, down, unknown
}

type nodeTrack struct {
	id, name    string
	added       int64
	removed     int64
	ready       bool
	stopped     bool
	avail       string
	segs        []nodeSeg
	marks       []nodeMark
	interesting bool
	y           float64 // its top in the picture (set by canvas.layout)
}

func (n *nodeTrack) state() string {
	switch {
	case !n.ready:
		return "down"
	case n.stopped:
		return "stopped"
	case n.avail == "pause" || n.avail == "drain":
		return n.avail
	}
	return "ready"
}

func (n *nodeTrack) push(at int64) {
	s := n.state()
	if k := len(n.segs); k > 0 && n.segs[k-1].state == s {
		return
	}
	if k := len(n.segs); k > 0 && n.segs[k-1].at == at {
		n.segs[k-1].state = s
		return
	}
	n.segs = append(n.segs, nodeSeg{at, s})
}

// model is the trace digested for drawing.
type model struct {
	from, to int64
	groups   []*group
	nodes    []*nodeTrack
	names    map[string]string // node ID -> hostname
	tasks    int
	states   map[string]bool // task states that appear in the drawing
}

// build digests the events, which come in sequence order, into the model.
func build(events iter.Seq[swarmsim.Event], opts Options) (*model, error) {
	epoch := opts.Epoch
	if epoch.IsZero() {
		epoch = swarmsim.DefaultEpoch()
	}
	if opts.From < 0 {
		return nil, fmt.Errorf("timeline: From %s is before the epoch", opts.From)
	}
	if opts.To != 0 && opts.To < opts.From {
		return nil, fmt.Errorf("timeline: To %s is before From %s", opts.To, opts.From)
	}
	// Keep clear of int64 overflow: spans end within about 146 years.
	if int64(opts.From) > maxTime-int64(time.Second) {
		return nil, fmt.Errorf("timeline: From %s is too far from the epoch", opts.From)
	}

	// Without To, the span ends at the last event: every event is in it
	// (up to maxTime), and the end is known once the last one is read.
	m := &model{from: int64(opts.From), to: maxTime, states: map[string]bool{}, names: map[string]string{}}
	if opts.To != 0 {
		m.setTo(int64(opts.To))
	}
	last := m.from
	groups := map[string]*group{}
	tasks := map[string]*bar{}
	nodes := map[string]*nodeTrack{}
	groupOf := func(e *swarmsim.Event) *group {
		key := e.ServiceID
		if key == "" {
			key = "name:" + e.Service
		}
		g := groups[key]
		if g == nil {
			g = &group{id: e.ServiceID, name: e.Service, removed: never, bySlot: map[uint64]*row{}, byNode: map[string]*row{}}
			groups[key] = g
			m.groups = append(m.groups, g)
		}
		return g
	}
	nodeOf := func(e *swarmsim.Event, at int64) *nodeTrack {
		key := e.NodeID
		if key == "" {
			key = "name:" + e.Node
		}
		n := nodes[key]
		if n == nil {
			n = &nodeTrack{id: e.NodeID, name: e.Node, added: at, removed: never, ready: true, avail: "active"}
			nodes[key] = n
			m.nodes = append(m.nodes, n)
			n.push(at)
		}
		return n
	}
	var prev uint64
	for ev := range events {
		if ev.Seq < prev {
			return nil, fmt.Errorf("timeline: event %d comes after event %d: the events are not in sequence order", ev.Seq, prev)
		}
		prev = ev.Seq
		e := &ev
		at := since(e.Time, epoch)
		last = max(last, at)
		if at > m.to {
			continue
		}
		if e.NodeID != "" && e.Node != "" {
			m.names[e.NodeID] = e.Node
		}
		switch e.Kind {
		case swarmsim.EventServiceCreated, swarmsim.EventServiceUpdated:
			groupOf(e)
		case swarmsim.EventServiceRemoved:
			g := groupOf(e)
			g.removed = at
			g.marks = append(g.marks, mark{at: at, to: "removed", msg: "service removed"})
		case swarmsim.EventUpdateStatus:
			g := groupOf(e)
			g.marks = append(g.marks, mark{at: at, from: e.From, to: e.To, msg: e.Message})
		case swarmsim.EventTaskCreated:
			g := groupOf(e)
			b := &bar{id: e.TaskID, name: e.Task, image: e.Image, node: e.Node, created: at,
				deleted: never, end: never, stopAt: never, states: []stateAt{{at, "new"}}}
			tasks[e.TaskID] = b
			r := rowOf(g, e)
			r.bars = append(r.bars, b)
		case swarmsim.EventTaskState:
			b := tasks[e.TaskID]
			if b == nil {
				b = lateTask(m, groupOf(e), tasks, e, at)
			}
			if e.Node != "" {
				b.node = e.Node
			}
			if k := len(b.states); b.states[k-1].at == at {
				b.states[k-1].state = e.To
			} else {
				b.states = append(b.states, stateAt{at, e.To})
			}
			if terminal(e.To) && b.end == never {
				b.end = at
			}
		case swarmsim.EventTaskDesired:
			b := tasks[e.TaskID]
			if b == nil {
				b = lateTask(m, groupOf(e), tasks, e, at)
			}
			if terminal(e.To) && b.stopAt == never {
				b.stopAt = at
			}
		case swarmsim.EventTaskDeleted:
			if b := tasks[e.TaskID]; b != nil && b.deleted == never {
				b.deleted = at
				b.end = min(b.end, at)
			}
		case swarmsim.EventNodeAdded:
			n := nodeOf(e, at)
			n.ready = e.To == "" || e.To == "ready"
			n.push(at)
		case swarmsim.EventNodeState:
			n := nodeOf(e, at)
			n.ready = e.To == "ready"
			n.push(at)
			n.mark(at, e.To, e.Message)
		case swarmsim.EventNodeAvailability:
			n := nodeOf(e, at)
			n.avail = e.To
			n.push(at)
			n.mark(at, e.To, "availability "+e.From+" -> "+e.To)
		case swarmsim.EventNodeStopped:
			n := nodeOf(e, at)
			n.stopped = true
			n.push(at)
			n.mark(at, "stopped", "the node's machine stopped answering")
		case swarmsim.EventNodeStarted:
			n := nodeOf(e, at)
			n.stopped = false
			n.push(at)
			n.mark(at, "started", "the node's machine came back")
		case swarmsim.EventNodeRemoved:
			n := nodeOf(e, at)
			n.removed = at
			n.mark(at, "removed", "the node left the swarm")
		}
	}

	if opts.To == 0 {
		m.setTo(last)
	}

	if len(opts.Services) > 0 {
		var keep []*group
		for _, name := range opts.Services {
			found := false
			for _, g := range m.groups {
				if g.name == name {
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("timeline: no service %s in the trace", name)
			}
		}
		for _, g := range m.groups {
			if slices.Contains(opts.Services, g.name) {
				keep = append(keep, g)
			}
		}
		m.groups = keep
	}
	m.layout()
	return m, nil
}

// setTo ends the span at to, or a second after its start when to is not
// after it.
func (m *model) setTo(to int64) {
	m.to = min(to, maxTime)
	if m.to <= m.from {
		m.to = m.from + int64(time.Second)
	}
}

func (n *nodeTrack) mark(at int64, label, msg string) {
	n.interesting = true
	n.marks = append(n.marks, nodeMark{at, label, msg})
}

// lateTask makes the bar of a task whose creation is not in the trace.
func lateTask(m *model, g *group, tasks map[string]*bar, e *swarmsim.Event, at int64) *bar {
	b := &bar{id: e.TaskID, name: e.Task, image: e.Image, node: e.Node, created: at,
		deleted: never, end: never, stopAt: never, states: []stateAt{{at, orNew(e.From)}}}
	tasks[e.TaskID] = b
	r := rowOf(g, e)
	r.bars = append(r.bars, b)
	return b
}

func orNew(s string) string {
	if s == "" {
		return "new"
	}
	return s
}

// rowOf returns the row of a task event: its slot, or its node for a global
// service's task.
func rowOf(g *group, e *swarmsim.Event) *row {
	if e.Slot > 0 {
		r := g.bySlot[e.Slot]
		if r == nil {
			r = &row{key: fmt.Sprintf("slot %020d", e.Slot), slot: e.Slot, label: fmt.Sprintf("%s.%d", e.Service, e.Slot)}
			g.bySlot[e.Slot] = r
			g.rows = append(g.rows, r)
		}
		return r
	}
	// A global task is named after its node: agent.<node ID>.
	g.global = true
	id, named := e.Task, false
	if rest, ok := strings.CutPrefix(e.Task, e.Service); ok && strings.HasPrefix(rest, ".") {
		id, named = rest[1:], true
	}
	if !named && e.NodeID != "" {
		id = e.NodeID
	}
	r := g.byNode[id]
	if r == nil {
		r = &row{key: "node " + id, label: "@" + id}
		g.byNode[id] = r
		g.rows = append(g.rows, r)
	}
	return r
}

// layout drops what the span does not show, orders the rows and puts each
// task in a lane of its row.
func (m *model) layout() {
	var groups []*group
	for _, g := range m.groups {
		var rows []*row
		for _, r := range g.rows {
			var bars []*bar
			for _, b := range r.bars {
				b.deleted = min(b.deleted, g.removed)
				b.end = min(b.end, b.deleted)
				if b.created <= m.to && b.deleted >= m.from {
					bars = append(bars, b)
				}
			}
			r.bars = bars
			if len(bars) == 0 {
				continue
			}
			var laneEnd []int64
			for _, b := range bars {
				b.lane = -1
				for l, e := range laneEnd {
					if e <= b.created {
						b.lane = l
						break
					}
				}
				if b.lane < 0 {
					b.lane = len(laneEnd)
					laneEnd = append(laneEnd, 0)
				}
				laneEnd[b.lane] = b.liveEnd()
			}
			r.lanes = len(laneEnd)
			if name := m.names[strings.TrimPrefix(r.label, "@")]; g.global && name != "" {
				r.label = name
			}
			// A task's drawing ends where it was deleted, where the span
			// ends, or once it has ended and the slot has a newer task:
			// its final state shows until it is replaced.
			for i, b := range bars {
				b.drawEnd = min(b.deleted, m.to)
				b.laneNext = never
				if i+1 < len(bars) {
					b.drawEnd = min(b.drawEnd, max(bars[i+1].created, b.liveEnd()))
				}
				for _, nb := range bars[i+1:] {
					if nb.lane == b.lane {
						b.laneNext = nb.created
						break
					}
				}
				m.tasks++
				for _, s := range b.states {
					m.states[stateGroup(s.state)] = true
				}
			}
			rows = append(rows, r)
		}
		slices.SortStableFunc(rows, func(a, b *row) int {
			if c := boolCmp(a.slot == 0, b.slot == 0); c != 0 {
				return c
			}
			if a.slot != b.slot {
				return cmp.Compare(a.slot, b.slot)
			}
			if c := cmp.Compare(a.label, b.label); c != 0 {
				return c
			}
			return cmp.Compare(a.key, b.key)
		})
		g.rows = rows
		if len(rows) > 0 {
			groups = append(groups, g)
		}
	}
	m.groups = groups
	var nodes []*nodeTrack
	for _, n := range m.nodes {
		if n.interesting && n.added <= m.to && n.removed >= m.from {
			nodes = append(nodes, n)
		}
	}
	m.nodes = nodes
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

func since(t, epoch time.Time) int64 {
	return int64(t.Sub(epoch))
}
