package trace

import (
	"slices"
	"strconv"
	"time"

	"github.com/swarmsim/swarmsim/events"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// SetService notes the service with index i (its ID and name, the first
// time the trace sees it) and returns the record subject of an event about
// it, -(i+1); -(the subject) is the Svc of its tasks' TaskInfo.
func (s *Store) SetService(i int32, id, name string) int32 {
	if int(i) >= len(s.svcs) {
		s.svcs = slices.Grow(s.svcs, int(i)+1-len(s.svcs))[:i+1]
	}
	if s.svcs[i].id == "" {
		s.svcs[i] = svcInfo{id: id, name: name}
	}
	return -(i + 1)
}

// SetNode notes the node with index i (its ID and name, the first time the
// trace sees it) and returns the record's Node for it, i+1.
func (s *Store) SetNode(i int32, n *node.Node) int32 {
	if int(i) >= len(s.nodes) {
		s.nodes = slices.Grow(s.nodes, int(i)+1-len(s.nodes))[:i+1]
	}
	if s.nodes[i].id == "" {
		s.nodes[i] = nodeInfo{id: n.ID, name: n.DisplayName()}
	}
	return i + 1
}

// SetTask notes the task with index i, of the service noted with subject
// svc (SetService's result): its ID, slot, image and node (a global task's
// name ends with its node's ID; a global task is created on its node). A
// task is noted once, when it is created: its later events take their
// subject from TaskSubject. It returns TaskSubject(i).
func (s *Store) SetTask(i int32, t *task.Task, svc int32) int32 {
	ti := s.Task(i)
	if ti.ID == "" {
		s.taskLive[int(i)/taskPage]++
	}
	*ti = TaskInfo{ID: t.ID, NodeID: t.NodeID, Slot: t.Slot, Svc: -svc, Image: s.Str(t.Image)}
	return TaskSubject(i)
}

// TaskSubject is the record subject of an event about the task with index
// i, once SetTask has noted it: i+1.
func TaskSubject(i int32) int32 { return i + 1 }

// Event expands a record, with sequence number seq, into the public event
// it stands for: its time from the epoch, its subject's names, and its
// From and To as the names of the states its kind moves between.
func (s *Store) Event(seq uint64, r *Rec, epoch time.Time) events.Event {
	e := events.Event{Seq: seq, Time: epoch.Add(time.Duration(r.At())), Kind: events.Kind(r.Kind())}
	e.Message, e.Err = s.TextOf(r.Text)
	if r.Subj < 0 {
		sv := &s.svcs[-r.Subj-1]
		e.ServiceID, e.Service = sv.id, sv.name
	}
	if r.Subj > 0 {
		ti := s.Task(r.Subj - 1)
		sv := &s.svcs[ti.Svc-1]
		e.ServiceID, e.Service = sv.id, sv.name
		e.TaskID = ti.ID
		e.Task = taskName(e.Service, ti.Slot, ti.NodeID)
		e.Slot = ti.Slot
		e.Image = s.StrOf(ti.Image)
	}
	if r.Node != 0 {
		ni := &s.nodes[r.Node-1]
		e.NodeID, e.Node = ni.id, ni.name
	}
	e.From, e.To = stateNames(e.Kind, r.From(), r.To())
	return e
}

// stateNames names the states an event of kind k moved between: task
// states, node availabilities, node states or update states, by kind; ""
// for a kind that has none, and for the From of a creation.
func stateNames(k events.Kind, from, to uint16) (string, string) {
	switch k {
	case events.TaskCreated:
		return "", task.State(to).String()
	case events.TaskState, events.TaskDesired:
		return task.State(from).String(), task.State(to).String()
	case events.NodeAvailability:
		return node.Availability(from).String(), node.Availability(to).String()
	case events.NodeAdded:
		return "", node.State(to).String()
	case events.NodeState:
		return node.State(from).String(), node.State(to).String()
	case events.UpdateStatus:
		return updater.State(from).String(), updater.State(to).String()
	}
	return "", ""
}

// taskName is task.Task.Name for a task the trace knows.
func taskName(service string, slot uint64, nodeID string) string {
	if slot == 0 {
		return service + "." + nodeID
	}
	return service + "." + strconv.FormatUint(slot, 10)
}
