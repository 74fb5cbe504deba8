// Package store holds the records of a simulated swarm, as SwarmKit's
// manager/state/store holds the manager's objects: nodes, services with
// their spec versions and slots, tasks with their history, and the indexes
// that find them by ID, name, unique ID prefix, slot and node.
//
// The store decides nothing and tells no one. The root package changes its
// records and, through its one change path, informs what mirrors them (the
// scheduler's view, the routing mesh, the service counters, the updater);
// package store only keeps the records and their indexes consistent with
// each other: a node joins and leaves every index at once, a task is
// attached to and detached from its node in O(1), a deleted task is freed.
//
// Look-ups follow Docker's rules for references (SwarmKit's controlapi and
// docker/cli's resolution): a full ID first, then an exact name, then a
// unique ID prefix, with Docker's "not found" and "ambiguous" errors.
package store

import (
	"slices"
	"strings"

	"github.com/swarmsim/swarmsim/internal/ids"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/spec"
)

// Store holds a swarm's records. Its zero value is not ready; use New.
type Store struct {
	nodes    []*Node // in join order; removed nodes are nil
	nodeByID map[string]*Node
	// nodeByName finds the live nodes (in join order) with a hostname.
	nodeByName   map[string][]*Node
	nodePrefixes ids.Prefixes[*Node]
	nodeByRef    []*Node // by the scheduler's NodeRef
	liveNodes    int

	services    []*Service // in creation order; removed services are nil
	serviceByID map[string]*Service
	// serviceByName finds a live service by its exact name; serviceByFold
	// by its name in lower case, for SwarmKit's case-insensitive name
	// conflicts.
	serviceByName   map[string]*Service
	serviceByFold   map[string]*Service
	servicePrefixes ids.Prefixes[*Service]
	// what the live services ask for: replicated services' replicas, and
	// the global services, each asking for a task per live node
	replicasWanted uint64
	globals        int

	tasks []*Task // in creation order; deleted tasks are &dead
	// dead stands in the task list for every deleted task: the trace keeps
	// what it shows of a task apart from it, so a deleted task is freed once
	// nothing else holds it (queued events name tasks by index and find
	// this). Each store has its own: nothing is shared between stores.
	dead Task
	// taskIdx indexes tasks[:indexed] by ID. LookupTask extends it on
	// demand, so that creating a task costs no map insert; the hot paths
	// find tasks through their slot (Service.SlotTask).
	taskIdx map[string]int32
	indexed int
	slab    []Task // room for the next tasks, allocated a chunk at a time
}

// New returns an empty store.
func New() *Store {
	return &Store{
		nodeByID:      make(map[string]*Node),
		nodeByName:    make(map[string][]*Node),
		serviceByID:   make(map[string]*Service),
		serviceByName: make(map[string]*Service),
		serviceByFold: make(map[string]*Service),
		taskIdx:       make(map[string]int32),
		dead:          Task{Deleted: true, NodePos: -1},
	}
}

// ---- nodes ----

// Joined is how many nodes have ever joined: the index the next one gets.
func (st *Store) Joined() int { return len(st.nodes) }

// LiveNodes is how many nodes are in the swarm.
func (st *Store) LiveNodes() int { return st.liveNodes }

// AddNode gives a node the next Idx (Joined() before the call) and adds
// it to every index.
func (st *Store) AddNode(ns *Node) {
	ns.Idx = int32(len(st.nodes))
	st.nodes = append(st.nodes, ns)
	st.nodeByID[ns.N.ID] = ns
	st.nodePrefixes.Add(ns.N.ID, ns)
	h := ns.N.Description.Hostname
	st.nodeByName[h] = append(st.nodeByName[h], ns)
	st.liveNodes++
}

// SetRef records the scheduler's handle for a node.
func (st *Store) SetRef(ns *Node, ref scheduler.NodeRef) {
	ns.Ref = ref
	if int(ref) >= len(st.nodeByRef) {
		st.nodeByRef = append(st.nodeByRef, make([]*Node, int(ref)+1-len(st.nodeByRef))...)
	}
	st.nodeByRef[ref] = ns
}

// RemoveNode takes a node out of every index and marks it removed; its
// tasks stay attached to it.
func (st *Store) RemoveNode(ns *Node) {
	ns.Removed = true
	st.nodes[ns.Idx] = nil
	delete(st.nodeByID, ns.N.ID)
	st.nodePrefixes.Remove(ns.N.ID, ns)
	h := ns.N.Description.Hostname
	if named := slices.DeleteFunc(st.nodeByName[h], func(x *Node) bool { return x == ns }); len(named) > 0 {
		st.nodeByName[h] = named
	} else {
		delete(st.nodeByName, h)
	}
	st.liveNodes--
	if int(ns.Ref) < len(st.nodeByRef) && st.nodeByRef[ns.Ref] == ns {
		st.nodeByRef[ns.Ref] = nil
	}
}

// Nodes is every node that joined, in join order, removed ones nil. The
// slice is the store's: read it, do not keep or change it.
func (st *Store) Nodes() []*Node { return st.nodes }

// Node is the node that joined i-th, nil if it was removed.
func (st *Store) Node(i int32) *Node { return st.nodes[i] }

// GlobalSlotNode is the node of a global service's slot with this key
// (GlobalSlotKey), nil if it was removed.
func (st *Store) GlobalSlotNode(key uint64) *Node { return st.nodes[key-1] }

// NodeByID finds a live node by its full ID.
func (st *Store) NodeByID(id string) *Node { return st.nodeByID[id] }

// NodeNamed finds the first live node (in join order) with hostname h.
func (st *Store) NodeNamed(h string) *Node {
	if named := st.nodeByName[h]; len(named) > 0 {
		return named[0]
	}
	return nil
}

// NodeByRef finds a node by the scheduler's handle and ID (a decision names
// both), or by the ID alone should the handle not be one the store knows.
func (st *Store) NodeByRef(ref scheduler.NodeRef, id string) *Node {
	if r := int(ref); r > 0 && r < len(st.nodeByRef) {
		if ns := st.nodeByRef[r]; ns != nil && ns.N.ID == id {
			return ns
		}
	}
	return st.nodeByID[id]
}

// LookupNode finds a node by ID, hostname or unique ID prefix, with
// Docker's errors.
func (st *Store) LookupNode(ref string) (*Node, error) {
	if ns, ok := st.nodeByID[ref]; ok {
		return ns, nil
	}
	if ns := st.NodeNamed(ref); ns != nil {
		return ns, nil
	}
	ns, n := byPrefix(&st.nodePrefixes, ref, st.nodes, func(ns *Node) string { return ns.N.ID })
	return ids.Unique("node", ref, ns, n)
}

// TasksInOrder returns the tasks on a node in creation order.
func (ns *Node) TasksInOrder() []*Task {
	ts := slices.Clone(ns.Tasks)
	slices.SortFunc(ts, TaskOrder)
	return ts
}

// Attach puts a task on a node.
func Attach(ts *Task, ns *Node) {
	ts.Node = ns
	ts.NodePos = int32(len(ns.Tasks))
	ns.Tasks = append(ns.Tasks, ts)
}

// Detach takes a task off its node's list (it still names the node).
func Detach(ts *Task) {
	ns := ts.Node
	if ns == nil || ts.NodePos < 0 {
		return
	}
	last := len(ns.Tasks) - 1
	moved := ns.Tasks[last]
	ns.Tasks[ts.NodePos] = moved
	moved.NodePos = ts.NodePos
	ns.Tasks[last] = nil // no stale reference keeps a freed task alive
	ns.Tasks = ns.Tasks[:last]
	ts.NodePos = -1
}

// ---- services ----

// Services is every service created, in creation order, removed ones nil.
// The slice is the store's: read it, do not keep or change it.
func (st *Store) Services() []*Service { return st.services }

// Service is the service created i-th, nil if it was removed.
func (st *Store) Service(i int32) *Service { return st.services[i] }

// NameTaken reports whether a live service has this name, compared in
// lower case as SwarmKit's store indexes names
// (manager/state/store/services.go: serviceIndexerByName), so WEB
// conflicts with web.
func (st *Store) NameTaken(name string) bool {
	_, ok := st.serviceByFold[strings.ToLower(name)]
	return ok
}

// AddService gives a service the next Idx and adds it to every index.
func (st *Store) AddService(s *Service) {
	st.want(&s.Spec.Spec, 1)
	s.Idx = int32(len(st.services))
	st.services = append(st.services, s)
	st.serviceByID[s.ID] = s
	st.servicePrefixes.Add(s.ID, s)
	name := s.Spec.Spec.Name
	st.serviceByName[name] = s
	st.serviceByFold[strings.ToLower(name)] = s
}

// RemoveService takes a service out of every index and marks it removed;
// its tasks stay in its slots.
func (st *Store) RemoveService(s *Service) {
	st.want(&s.Spec.Spec, -1)
	s.Removed = true
	st.services[s.Idx] = nil
	delete(st.serviceByID, s.ID)
	st.servicePrefixes.Remove(s.ID, s)
	name := s.Spec.Spec.Name
	delete(st.serviceByName, name)
	delete(st.serviceByFold, strings.ToLower(name))
}

// SetSpec makes sv the current spec of a live service.
func (st *Store) SetSpec(s *Service, sv *SpecVersion) {
	st.want(&s.Spec.Spec, -1)
	s.Spec = sv
	st.want(&sv.Spec, 1)
}

// TasksWanted is how many tasks the live services ask for: every
// replicated service's replicas, and one per live node for every global
// service.
func (st *Store) TasksWanted() uint64 {
	return st.replicasWanted + uint64(st.globals)*uint64(st.liveNodes)
}

// Globals is how many live global services there are: a node that joins
// makes each ask for one more task.
func (st *Store) Globals() int { return st.globals }

// Wants is how many tasks a spec asks for in this swarm; nil asks for none.
func (st *Store) Wants(sp *spec.Service) uint64 {
	switch {
	case sp == nil:
		return 0
	case sp.Mode.IsGlobal():
		return uint64(st.liveNodes)
	}
	return sp.ReplicasWanted()
}

func (st *Store) want(sp *spec.Service, sign int) {
	if sp.Mode.IsGlobal() {
		st.globals += sign
	} else if sign > 0 {
		st.replicasWanted += sp.ReplicasWanted()
	} else {
		st.replicasWanted -= sp.ReplicasWanted()
	}
}

// LookupService finds a service by ID, name or unique ID prefix, with
// Docker's errors.
func (st *Store) LookupService(ref string) (*Service, error) {
	if s, ok := st.serviceByID[ref]; ok {
		return s, nil
	}
	if s, ok := st.serviceByName[ref]; ok {
		return s, nil
	}
	s, n := byPrefix(&st.servicePrefixes, ref, st.services, func(s *Service) string { return s.ID })
	return ids.Unique("service", ref, s, n)
}

// byPrefix finds the objects whose ID starts with ref through the index,
// or, for a reference shorter than the index answers, by a scan of all.
func byPrefix[V comparable](idx *ids.Prefixes[V], ref string, all []V, id func(V) string) (found V, n int) {
	if found, n, ok := idx.Match(ref); ok {
		return found, n
	}
	return ids.Scan(all, ref, id)
}

// ---- tasks ----

// taskSlab is how many task records NewTask allocates at a time. A slab is
// a large object, which the runtime rounds up to whole 8 KiB pages: 512
// records of 432 bytes fill 27 pages exactly (256 would leave 4 KiB of each
// slab unused, 16 bytes a task).
const taskSlab = 512

// NewTask adds a zeroed task record with the next Idx, on no node. Records
// come from slabs: a task and its history are part of one allocation shared
// with its neighbours, freed once every task of it has been deleted.
func (st *Store) NewTask() *Task {
	if len(st.slab) == 0 {
		st.slab = make([]Task, taskSlab)
	}
	ts := &st.slab[0]
	st.slab = st.slab[1:]
	ts.Idx, ts.NodePos = int32(len(st.tasks)), -1
	st.tasks = append(st.tasks, ts)
	return ts
}

// Created is how many tasks have been created: Task's indexes run below it.
func (st *Store) Created() int { return len(st.tasks) }

// Task is the task created i-th; a deleted task's record has been freed and
// a stand-in with Deleted set is returned.
func (st *Store) Task(i int32) *Task { return st.tasks[i] }

// LiveTasks returns every task not deleted, in creation order.
func (st *Store) LiveTasks() []*Task {
	live := make([]*Task, 0, len(st.tasks))
	for _, ts := range st.tasks {
		if !ts.Deleted {
			live = append(live, ts)
		}
	}
	return live
}

// LookupTask finds a task (not deleted) by its full ID.
func (st *Store) LookupTask(id string) *Task {
	i, ok := st.taskIdx[id]
	for ; !ok && st.indexed < len(st.tasks); st.indexed++ {
		ts := st.tasks[st.indexed]
		if ts.Deleted {
			continue // freed: st.dead
		}
		st.taskIdx[ts.T.ID] = ts.Idx
		i, ok = ts.Idx, ts.T.ID == id
	}
	if !ok || st.tasks[i].Deleted {
		return nil
	}
	return st.tasks[i]
}

// DeleteTask marks a task deleted and takes it off its node and out of its
// slot (dropping the slot once it is empty).
func (st *Store) DeleteTask(ts *Task) {
	ts.Deleted = true
	Detach(ts)
	if sl := ts.Slot; sl != nil {
		if i := slices.Index(sl.Tasks, ts); i >= 0 {
			sl.Tasks = slices.Delete(sl.Tasks, i, i+1)
		}
		if len(sl.Tasks) == 0 {
			ts.Svc.Slots.Remove(sl)
		}
	}
}

// Free drops the store's references to a deleted task.
func (st *Store) Free(ts *Task) {
	if st.tasks[ts.Idx] != ts {
		return
	}
	st.tasks[ts.Idx] = &st.dead
	if int(ts.Idx) < st.indexed {
		delete(st.taskIdx, ts.T.ID)
	}
}
