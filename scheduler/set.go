package scheduler

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
)

// Failure down-weighting (SwarmKit's manager/scheduler/scheduler.go:
// maxFailures, monitorFailures): a node with at least
// maxFailures failures (FAILED or REJECTED) of the same service and spec
// version within monitorFailures ranks behind every node with fewer.
const (
	maxFailures     = 5
	monitorFailures = 5 * time.Minute
)

// HostPort is a host-mode published port (filter.go: HostPortFilter): a task
// holding it
// keeps every other task with the same (protocol, port) off its node.
type HostPort struct {
	Protocol string // "tcp", "udp" or "sctp"
	Port     uint32
}

// Placement is a task's placement spec.
type Placement struct {
	// Constraints, e.g. "node.labels.zone==eu" (manager/constraint). Unparsable
	// constraints disable the Constraint filter, as in SwarmKit (the API
	// validates them earlier).
	Constraints []string
	// Preferences are spread preferences, in order (a hierarchy).
	Preferences []Preference
	// MaxReplicas is --replicas-max-per-node; 0 means unlimited.
	MaxReplicas uint64
	// Platforms the image supports; empty disables the Platform filter.
	Platforms []node.Platform
}

// TaskInfo is what the scheduler needs to know about one task.
type TaskInfo struct {
	ID          string
	ServiceID   string
	SpecVersion uint64
	NodeID      string // "" while unassigned
	// Node is NodeID's NodeRef, when the caller has it: it spares the Set
	// a lookup by ID. Zero means unknown; a stale or wrong ref is ignored
	// (NodeID decides).
	Node         NodeRef
	Desired      task.State
	Observed     task.State
	Reservations node.Resources
	// HostPorts are the host-mode published ports with a non-zero
	// published port.
	HostPorts []HostPort
}

// countsOnNode reports whether the task uses its node's resources and host
// ports: it is on a node and ASSIGNED <= Observed <= RUNNING, whatever its
// desired state (nodeinfo.go: NodeInfo.addTask, and Scheduler.updateTask).
func (t *TaskInfo) countsOnNode() bool { return t.NodeID != "" && CountsOnNode(t.Observed) }

// CountsOnNode reports whether a task in observed state s holds its node's
// resources and host ports, ASSIGNED to RUNNING whatever its desired state
// (nodeinfo.go: NodeInfo.addTask, and Scheduler.updateTask): a caller that
// mirrors tasks into a Set skips UpdateTask for changes that move nothing.
func CountsOnNode(s task.State) bool { return s >= task.Assigned && s <= task.Running }

// active reports whether the task counts in the ranking's task counts
// (SwarmKit's ActiveTasksCount and ActiveTasksCountByService): it counts on
// its node and its desired state is at most COMPLETE.
func (t *TaskInfo) active() bool { return t.countsOnNode() && t.Desired <= task.Complete }

// nodeInfo is SwarmKit's NodeInfo: a node plus what its tasks use. The
// accounting part exists for any node ID that tasks name, even one the Set
// does not (yet, or any more) hold as a member, so that task updates and node
// additions can arrive in any order.
type nodeInfo struct {
	id   string
	n    *node.Node // the Set's own copy; nil when not a member
	slot int        // position in Set.slots; -1 when not a member
	// ready is the ReadyFilter: status READY and availability ACTIVE.
	ready bool
	ref   NodeRef

	reserved node.Resources // sum of reservations of tasks counted on the node
	total    int32          // ActiveTasksCount
	// bySvc is ActiveTasksCountByService: the non-zero counts, by service
	// handle (see Set.svcs), ascending.
	bySvc []svcCount
	// ports counts the tasks holding each host port (positive entries),
	// ordered by portCmp.
	ports   []portCount
	counted int // number of tasks counted on the node
}

// svcCount is one service's active task count on a node.
type svcCount struct {
	h int32 // service handle
	c int32
}

// portCount is the number of tasks on a node holding one host port.
type portCount struct {
	p HostPort
	c int32
}

func portCmp(a, b HostPort) int {
	if a.Port != b.Port {
		return cmp.Compare(a.Port, b.Port)
	}
	return strings.Compare(a.Protocol, b.Protocol)
}

// portPos returns the position of p in ni.ports, or where it would be
// inserted, and whether it is there.
func (ni *nodeInfo) portPos(p HostPort) (int, bool) {
	e := ni.ports
	if len(e) > 8 {
		return slices.BinarySearchFunc(e, p, func(x portCount, p HostPort) int { return portCmp(x.p, p) })
	}
	for i := range e {
		if c := portCmp(e[i].p, p); c >= 0 {
			return i, c == 0
		}
	}
	return len(e), false
}

// portTasks is the number of tasks on the node holding host port p.
func (ni *nodeInfo) portTasks(p HostPort) int32 {
	if i, ok := ni.portPos(p); ok {
		return ni.ports[i].c
	}
	return 0
}

// svcPos returns the position of service handle h in ni.bySvc, or where it
// would be inserted, and whether it is there.
func (ni *nodeInfo) svcPos(h int32) (int, bool) {
	e := ni.bySvc
	if len(e) > 8 {
		return slices.BinarySearchFunc(e, h, func(x svcCount, h int32) int { return int(x.h - h) })
	}
	for i := range e {
		if e[i].h >= h {
			return i, e[i].h == h
		}
	}
	return len(e), false
}

// svcTasks is ActiveTasksCountByService for service handle h (-1: a
// service no task names).
func (ni *nodeInfo) svcTasks(h int32) int32 {
	if h < 0 {
		return 0
	}
	if i, ok := ni.svcPos(h); ok {
		return ni.bySvc[i].c
	}
	return 0
}

// service is one service ID interned by the Set: dense handles replace the
// string in the per-node counts and the per-service indexes.
type service struct {
	id string
	// refs is the number of nodeInfos with a non-zero count of the
	// service; the handle is released when it drops to zero.
	refs int
	// idx holds the member slots by their (non-zero) count of the service;
	// nil when it holds none.
	idx *countIndex
}

// available is the node's total resources minus the reservations of the
// tasks counted on it (nodeinfo.go: NodeInfo.AvailableResources; there is
// no overcommit).
func (ni *nodeInfo) available() node.Resources {
	var r node.Resources
	if ni.n != nil {
		r = ni.n.Description.Resources
	}
	return node.Resources{NanoCPUs: r.NanoCPUs - ni.reserved.NanoCPUs, MemoryBytes: r.MemoryBytes - ni.reserved.MemoryBytes}
}

// NodeRef is a Set's handle for a node, returned by AddNode and given in
// Decisions. A caller that keeps it (and puts it in TaskInfo.Node) spares
// the Set a lookup by node ID on every task change. The zero NodeRef is no
// node.
type NodeRef int32

// versionedService keys the failure records (per service and spec version).
type versionedService struct {
	serviceID   string
	specVersion uint64
}

// Set is the scheduler's view of the cluster's nodes (SwarmKit's nodeSet):
// each node with the resources, host ports and task counts of the tasks on
// it, and the recent failures per service. The caller keeps it current with
// AddNode, UpdateNode, RemoveNode, UpdateTask and RecordFailure; Schedule and
// SchedulePreassigned only read it.
//
// The Set keeps its own deep copy of each node (AddNode and UpdateNode
// clone), so the caller must call UpdateNode after changing a node.
//
// Nodes are kept in a dense slice in the order they joined (were added);
// that order breaks ranking ties. Besides SwarmKit's state the Set keeps
// indexes that let small batches find the best nodes without scanning every
// node: per service, the nodes bucketed by that service's task count; the
// nodes bucketed by total task count; and, per placement, a cached bitset of
// the nodes passing the static filters (Ready, Constraint, Platform),
// updated on every node change. The indexed search gives exactly the result
// of the plain algorithm (TestIndexedMatchesPlain).
//
// Service IDs are interned into dense handles the first time a count names
// them (released when no node counts the service any more), so that the
// per-node counts are a short slice and the per-service indexes a slice,
// and an UpdateTask hashes each string at most once. One-entry caches of the
// last node and service looked up spare even that when consecutive events
// concern the same node or service (as in a rolling update).
//
// A Set is not safe for concurrent use, not even by two Schedule calls (the
// static-filter cache is filled lazily). The zero Set is empty and ready to
// use, like NewSet's.
type Set struct {
	byID  map[string]*nodeInfo
	refs  []*nodeInfo // by NodeRef; nil once forgotten (refs are never reused)
	slots []*nodeInfo // join order; nil marks a removed node
	live  int
	last  *nodeInfo // the nodeInfo byID last gave (a one-entry cache)

	totals countIndex // member slots by ActiveTasksCount

	// Service handles: svcByID interns the service IDs that per-node counts
	// name; svcs[h] is handle h's service (id "" when free); freeSvc holds
	// released handles, reused last-in first-out; lastSvc is the handle
	// last looked up (-1 if none, and 0 in a zero Set, which has no
	// handles yet), a one-entry cache.
	svcByID map[string]int32
	svcs    []service
	freeSvc []int32
	lastSvc int32

	statics map[string]*staticMask // placement key -> static filter mask
	// plainMask is statics[""] (no constraints, no platforms: Ready
	// alone), the common case, kept aside to spare the map lookup.
	plainMask *staticMask

	failures map[versionedService]map[string][]time.Time

	// Scratch reused by every Schedule and SchedulePreassigned call, so
	// that a steady stream of small batches allocates nothing.
	bc  batchCtx
	pen map[int]int // penalized's result, cleared on each call
}

// NewSet returns an empty Set. It is the same as new(Set): the zero Set is
// empty and ready to use, making its maps on first write.
func NewSet() *Set {
	return &Set{lastSvc: -1}
}

// node returns the nodeInfo of a node ID, nil if there is none.
func (s *Set) node(id string) *nodeInfo {
	if ni := s.last; ni != nil && ni.id == id {
		return ni
	}
	ni := s.byID[id]
	if ni != nil {
		s.last = ni
	}
	return ni
}

// forget drops a nodeInfo (not a member, nothing counted on it).
func (s *Set) forget(ni *nodeInfo) {
	delete(s.byID, ni.id)
	s.refs[ni.ref] = nil
	if s.last == ni {
		s.last = nil
	}
	for _, e := range ni.bySvc {
		s.unref(e.h)
	}
	ni.bySvc = nil
}

// svcHandle returns a service ID's handle, -1 if no count names it.
func (s *Set) svcHandle(id string) int32 {
	if h := s.lastSvc; uint32(h) < uint32(len(s.svcs)) && s.svcs[h].id == id {
		return h
	}
	h, ok := s.svcByID[id]
	if !ok {
		return -1
	}
	s.lastSvc = h
	return h
}

// intern returns a service ID's handle, allocating one if needed.
func (s *Set) intern(id string) int32 {
	if h := s.svcHandle(id); h >= 0 {
		return h
	}
	var h int32
	if n := len(s.freeSvc); n > 0 {
		h = s.freeSvc[n-1]
		s.freeSvc = s.freeSvc[:n-1]
	} else {
		h = int32(len(s.svcs))
		s.svcs = append(s.svcs, service{})
	}
	s.svcs[h].id = id
	if s.svcByID == nil {
		s.svcByID = make(map[string]int32)
	}
	s.svcByID[id] = h
	s.lastSvc = h
	return h
}

// unref drops one reference to a handle, releasing it at zero.
func (s *Set) unref(h int32) {
	sv := &s.svcs[h]
	if sv.refs--; sv.refs > 0 {
		return
	}
	delete(s.svcByID, sv.id)
	sv.id = ""
	if s.lastSvc == h {
		s.lastSvc = -1
	}
	s.freeSvc = append(s.freeSvc, h)
}

// svcIndex returns the index of handle h, creating it.
func (s *Set) svcIndex(h int32) *countIndex {
	sv := &s.svcs[h]
	if sv.idx == nil {
		sv.idx = newCountIndex()
	}
	return sv.idx
}

// svcIndexOf returns the index of handle h, nil if it holds no slot.
func (s *Set) svcIndexOf(h int32) *countIndex {
	if h < 0 {
		return nil
	}
	if ci := s.svcs[h].idx; ci != nil && ci.pop > 0 {
		return ci
	}
	return nil
}

// Len returns the number of nodes in the Set.
func (s *Set) Len() int { return s.live }

// NodeIDs returns the IDs of the nodes in the Set, in join order.
func (s *Set) NodeIDs() []string {
	out := make([]string, 0, s.live)
	for _, ni := range s.slots {
		if ni != nil {
			out = append(out, ni.id)
		}
	}
	return out
}

// Available returns what is left of a node's resources after the
// reservations of the tasks counted on it; ok is false for an unknown node.
func (s *Set) Available(nodeID string) (r node.Resources, ok bool) {
	ni := s.node(nodeID)
	if ni == nil || ni.n == nil {
		return node.Resources{}, false
	}
	return ni.available(), true
}

// TaskCounts returns SwarmKit's ActiveTasksCountByService[serviceID] and
// ActiveTasksCount for a node: the tasks that rank it.
func (s *Set) TaskCounts(nodeID, serviceID string) (service, total int) {
	ni := s.node(nodeID)
	if ni == nil {
		return 0, 0
	}
	return int(ni.svcTasks(s.svcHandle(serviceID))), int(ni.total)
}

func (s *Set) info(id string) *nodeInfo {
	ni := s.node(id)
	if ni == nil {
		if len(s.refs) == 0 {
			s.refs = append(s.refs, nil) // NodeRef 0 is no node
		}
		ni = &nodeInfo{id: id, slot: -1, ref: NodeRef(len(s.refs))}
		s.refs = append(s.refs, ni)
		if s.byID == nil {
			s.byID = make(map[string]*nodeInfo)
		}
		s.byID[id] = ni
		s.last = ni
	}
	return ni
}

// nodeOf returns the nodeInfo a task names (nil if there is none), through
// its NodeRef when that is right.
func (s *Set) nodeOf(t *TaskInfo) *nodeInfo {
	if r := t.Node; r > 0 && int(r) < len(s.refs) {
		if ni := s.refs[r]; ni != nil && ni.id == t.NodeID {
			return ni
		}
	}
	return s.node(t.NodeID)
}

// AddNode adds a node (a copy of it) at the end of the join order and
// returns its NodeRef. Adding a node the Set already holds updates it
// instead. A nil node is ignored (and has no ref).
func (s *Set) AddNode(n *node.Node) NodeRef {
	if n == nil {
		return 0
	}
	ni := s.info(n.ID)
	if ni.n != nil {
		s.UpdateNode(n)
		return ni.ref
	}
	ni.n = n.Clone()
	ni.ready = ni.n.AcceptsNewTasks()
	ni.slot = len(s.slots)
	s.slots = append(s.slots, ni)
	s.live++
	s.totals.add(ni.slot, ni.total)
	for _, e := range ni.bySvc {
		s.svcIndex(e.h).add(ni.slot, e.c)
	}
	for _, m := range s.statics {
		m.update(ni)
	}
	return ni.ref
}

// UpdateNode replaces the Set's copy of a node (labels, availability,
// status, role, resources...). Its place in the join order is kept. A node
// the Set does not hold is added.
func (s *Set) UpdateNode(n *node.Node) {
	if n == nil {
		return
	}
	ni := s.node(n.ID)
	if ni == nil || ni.n == nil {
		s.AddNode(n)
		return
	}
	ni.n = n.Clone()
	ni.ready = ni.n.AcceptsNewTasks()
	for _, m := range s.statics {
		m.update(ni)
	}
}

// RemoveNode removes a node. The accounting of tasks still reported on it is
// kept until UpdateTask moves them off, so adding the node again restores it.
func (s *Set) RemoveNode(id string) {
	ni := s.node(id)
	if ni == nil || ni.n == nil {
		return
	}
	s.totals.remove(ni.slot, ni.total)
	for _, e := range ni.bySvc {
		if ci := s.svcs[e.h].idx; ci != nil {
			ci.remove(ni.slot, e.c)
		}
	}
	for _, m := range s.statics {
		m.bits.clear(ni.slot)
	}
	s.slots[ni.slot] = nil
	s.live--
	ni.slot, ni.n, ni.ready = -1, nil, false
	if ni.counted == 0 {
		s.forget(ni)
	}
	if dead := len(s.slots) - s.live; dead > 64 && dead > s.live {
		s.compact()
	}
}

// compact drops removed slots, keeping join order, and rebuilds the indexes.
func (s *Set) compact() {
	slots := make([]*nodeInfo, 0, s.live)
	for _, ni := range s.slots {
		if ni != nil {
			ni.slot = len(slots)
			slots = append(slots, ni)
		}
	}
	s.slots = slots
	s.totals = countIndex{}
	for h := range s.svcs {
		s.svcs[h].idx = nil
	}
	s.statics, s.plainMask = make(map[string]*staticMask), nil
	for _, ni := range slots {
		s.totals.add(ni.slot, ni.total)
		for _, e := range ni.bySvc {
			s.svcIndex(e.h).add(ni.slot, e.c)
		}
	}
}

// UpdateTask tells the Set that a task changed from prev to cur; prev is the
// zero TaskInfo for a new task and cur the zero TaskInfo for a deleted one.
// It looks the node and the service up once each, then searches the node's
// short, sorted lists of services and host ports; a change of the desired
// state alone (active() flipping, e.g. desired RUNNING -> SHUTDOWN) only
// moves the task counts.
//
// A task counts against its node (resources, host ports) while NodeID != ""
// and ASSIGNED <= Observed <= RUNNING, whatever its desired state: a task
// being shut down keeps its reservation until it is observed past RUNNING
// (Scheduler.updateTask, NodeInfo.removeTask). It counts in the ranking's
// per-service and total task counts when it counts on the node and Desired <=
// COMPLETE (SwarmKit's ActiveTasksCountByService / ActiveTasksCount). prev
// must be what the previous call reported as cur for the same task.
func (s *Set) UpdateTask(prev, cur TaskInfo) {
	pc, cc := prev.countsOnNode(), cur.countsOnNode()
	if pc && cc && prev.NodeID == cur.NodeID && prev.ServiceID == cur.ServiceID &&
		prev.Reservations == cur.Reservations && slices.Equal(prev.HostPorts, cur.HostPorts) {
		pa, ca := prev.Desired <= task.Complete, cur.Desired <= task.Complete
		if pa == ca {
			return
		}
		// Only active() flips (e.g. desired RUNNING -> SHUTDOWN): removing
		// prev and adding cur would give back the same reservations, host
		// ports and counted tasks, so only the task counts move. The node
		// must outlive the removal (a member, or other tasks counted) for
		// the two to agree.
		if ni := s.nodeOf(&cur); ni != nil && (ni.n != nil || ni.counted > 1) {
			d := int32(1)
			if pa {
				d = -1
			}
			s.countActive(ni, cur.ServiceID, d)
			return
		}
	}
	if pc {
		s.account(&prev, -1)
	}
	if cc {
		s.account(&cur, +1)
	}
}

// account adds (d=+1) or removes (d=-1) a counted task's use of its node.
func (s *Set) account(t *TaskInfo, d int32) {
	ni := s.nodeOf(t)
	if ni == nil {
		if d < 0 {
			return // nothing was recorded for it
		}
		ni = s.info(t.NodeID)
	}
	ni.reserved.NanoCPUs += int64(d) * t.Reservations.NanoCPUs
	ni.reserved.MemoryBytes += int64(d) * t.Reservations.MemoryBytes
	for _, p := range t.HostPorts {
		if p.Port == 0 {
			continue
		}
		i, found := ni.portPos(p)
		switch {
		case !found && d > 0:
			ni.ports = slices.Insert(ni.ports, i, portCount{p, d})
		case !found:
		case ni.ports[i].c+d > 0:
			ni.ports[i].c += d
		default:
			ni.ports = slices.Delete(ni.ports, i, i+1)
		}
	}
	ni.counted += int(d)
	if t.active() {
		s.countActive(ni, t.ServiceID, d)
	}
	if ni.n == nil && ni.counted <= 0 {
		s.forget(ni)
	}
}

// countActive adds d to a node's ActiveTasksCount and
// ActiveTasksCountByService[svc], and moves the node in the indexes.
func (s *Set) countActive(ni *nodeInfo, svc string, d int32) {
	old := ni.total
	ni.total += d
	if ni.slot >= 0 {
		s.totals.move(ni.slot, old, ni.total)
	}
	h := s.intern(svc)
	i, found := ni.svcPos(h)
	var oldSvc int32
	if found {
		oldSvc = ni.bySvc[i].c
	}
	newSvc := oldSvc + d
	switch {
	case newSvc == 0:
		ni.bySvc = slices.Delete(ni.bySvc, i, i+1)
	case found:
		ni.bySvc[i].c = newSvc
	default:
		ni.bySvc = slices.Insert(ni.bySvc, i, svcCount{h, newSvc})
		s.svcs[h].refs++
	}
	if ni.slot >= 0 {
		switch {
		case oldSvc != 0 && newSvc != 0:
			s.svcIndex(h).move(ni.slot, oldSvc, newSvc)
		case oldSvc != 0:
			s.svcIndex(h).remove(ni.slot, oldSvc)
		default:
			s.svcIndex(h).add(ni.slot, newSvc)
		}
	}
	if newSvc == 0 {
		s.unref(h)
	}
}

// RecordFailure notes that a task of service serviceID at spec version
// specVersion went FAILED or REJECTED on node nodeID at time at. Failures
// older than five minutes are forgotten. The caller skips pre-assigned
// (global) tasks, as SwarmKit does (Scheduler.updateTask).
func (s *Set) RecordFailure(nodeID, serviceID string, specVersion uint64, at time.Time) {
	vs := versionedService{serviceID, specVersion}
	m := s.failures[vs]
	if m == nil {
		m = make(map[string][]time.Time)
		if s.failures == nil {
			s.failures = make(map[versionedService]map[string][]time.Time)
		}
		s.failures[vs] = m
	}
	ts := m[nodeID]
	i := 0
	for i < len(ts) && at.Sub(ts[i]) > monitorFailures {
		i++
	}
	m[nodeID] = append(ts[i:], at)
}

// recentFailures is SwarmKit's countRecentFailures: failures no more than
// five minutes before now.
func recentFailures(ts []time.Time, now time.Time) int {
	n := 0
	for _, t := range ts {
		if now.Sub(t) <= monitorFailures {
			n++
		}
	}
	return n
}

// penalized returns, for a service and spec version, the member slots with
// at least maxFailures recent failures and their failure counts (the first
// rule of nodeLess). Nodes with fewer failures rank as if they had none.
//
// It returns nil when no node is penalized, else s.pen, which it reuses:
// the result is valid until the next call.
func (s *Set) penalized(svc string, ver uint64, now time.Time) map[int]int {
	fs := s.failures[versionedService{svc, ver}]
	if len(fs) == 0 {
		return nil
	}
	out := s.pen
	clear(out)
	for id, ts := range fs { // result is a set: order-independent
		ni := s.byID[id]
		if ni == nil || ni.slot < 0 {
			continue
		}
		if f := recentFailures(ts, now); f >= maxFailures {
			if out == nil {
				out = make(map[int]int)
				s.pen = out
			}
			out[ni.slot] = f
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// appendPlacementKey appends to b the key that identifies the static
// filters of a placement for the cache (length-prefixed strings, so
// distinct placements never share a key); it appends nothing for a
// placement without constraints and platforms.
func appendPlacementKey(b []byte, cs []string, ps []node.Platform) []byte {
	if len(cs) == 0 && len(ps) == 0 {
		return b
	}
	add := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	for _, c := range cs {
		add(c)
	}
	b = append(b, '|')
	for _, p := range ps {
		add(p.Architecture)
		add(p.OS)
	}
	return b
}

// staticFor returns the cached static-filter mask of a placement, building
// it (one pass over the nodes) the first time.
func (s *Set) staticFor(key []byte, cs []Constraint, csOn bool, ps []node.Platform) *staticMask {
	if m := s.cachedMask(key); m != nil {
		return m
	}
	if len(s.statics) >= maxStaticMasks {
		s.statics, s.plainMask = make(map[string]*staticMask), nil
	}
	m := &staticMask{cs: cs, csOn: csOn, platforms: ps}
	for _, ni := range s.slots {
		if ni != nil {
			m.update(ni)
		}
	}
	if s.statics == nil {
		s.statics = make(map[string]*staticMask)
	}
	s.statics[string(key)] = m
	if len(key) == 0 {
		s.plainMask = m
	}
	return m
}

// cachedMask returns the cached static-filter mask of a placement key, nil
// if there is none.
func (s *Set) cachedMask(key []byte) *staticMask {
	if len(key) == 0 {
		return s.plainMask
	}
	return s.statics[string(key)]
}

// passes reports whether the node passes Ready, Constraint and Platform.
func (m *staticMask) passes(ni *nodeInfo) bool {
	return ni.ready && (!m.csOn || MatchAll(m.cs, ni.n)) &&
		(len(m.platforms) == 0 || platformMatches(m.platforms, ni.n.Description.Platform))
}

func (m *staticMask) update(ni *nodeInfo) {
	if m.passes(ni) {
		m.bits.set(ni.slot)
	} else {
		m.bits.clear(ni.slot)
	}
}
