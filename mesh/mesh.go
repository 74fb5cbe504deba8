package mesh

import (
	"math/bits"
	"slices"
)

// Mesh is the routing mesh: which node answers which published port, and
// which task a connection reaches. It knows nodes (up or down, and what their
// firewalls block), services (their actual ports and endpoint mode) and
// backends (tasks that take traffic). It does not know node availability
// (active, pause, drain): drained and paused nodes route like any other.
//
// Round robin is kept per entry node and per service, as each node's IPVS
// table keeps its own position. The zero value is not ready; use New.
type Mesh struct {
	nodes     map[string]*meshNode
	nodeSlots int32 // slots handed out so far; never reused
	services  map[string]*meshService
	listeners map[portKey]*listener
	// Number of nodes blocking gossip (7946 tcp or udp) and the VXLAN data
	// path (4789/udp). While both are 0, Resolve never filters.
	gossipCut int
	vxlanCut  int
	// recent remembers the nodes Resolve looked up last, by a cheap hash of
	// the ID: clients hit a few entry nodes, and this spares the map's
	// hashing and probing. Only RemoveNode makes an entry stale.
	recent [64]recentNode
	// slab is where new backend elements come from, backendChunk at a
	// time; spareNB holds emptied nodeBackends for reuse (nothing points
	// to one once it has left its service's byNode).
	slab    []backend
	spareNB []*nodeBackends
}

// backendChunk is how many backend elements AddBackend allocates at once.
// A dead element that positions still reach keeps its chunk alive: at most
// backendChunk-1 elements of memory more per reachable element, against one
// allocation per AddBackend.
const backendChunk = 32

type recentNode struct {
	id string
	n  *meshNode
}

// recentSlot is where node id is remembered: a hash of its length and last
// two bytes (node IDs differ at the end: names end in numbers, SwarmKit IDs
// are random).
func recentSlot(id string) int {
	h := uint(len(id))
	if len(id) >= 2 {
		h ^= uint(id[len(id)-1]) | uint(id[len(id)-2])<<8
	}
	return int(uint32(h)*0x9E3779B9>>26) & 63
}

// lookupNode is m.nodes[id], remembered in m.recent.
func (m *Mesh) lookupNode(id string) *meshNode {
	r := &m.recent[recentSlot(id)]
	if r.n != nil && r.id == id {
		return r.n
	}
	n := m.nodes[id]
	if n != nil {
		r.id, r.n = id, n
	}
	return n
}

type meshNode struct {
	id      string
	slot    int32
	up      bool
	blocked map[portKey]struct{}
	gossip  bool // blocks 7946/tcp or 7946/udp
	vxlan   bool // blocks 4789/udp
	// backends on this node, any service, unordered (swap-delete).
	backends []*backend
}

type meshService struct {
	id, name string
	mode     ResolutionMode
	ports    []PortConfig
	keys     []listenKey // the listeners this service is registered in
	hostKeys int         // how many of keys are host-mode
	// The live backends, in the order they were added: a doubly linked
	// list from head to tail (see backend for the removed ones).
	head, tail *backend
	count      int
	// pending is the placeholder (see backend): the first tail removed
	// since the last AddBackend, which the next AddBackend links to the new
	// backend; nil when no tail was removed since.
	pending *backend
	byTask  map[string]*backend
	// byNode: the service's backends per node (count and host-mode rotation).
	byNode map[int32]*nodeBackends
	down   int // backends on nodes that are not up
	// rr is each entry node's round-robin position: the backend it served
	// last.
	rr rotations
}

type listenKey struct {
	key  portKey
	host bool
}

// backend is one task taking traffic for its service: an element of the
// service's backend list.
//
// The rotation design. Backends are kept in the order they were added, and
// each entry node remembers, per service, the backend it served last; its
// next connection goes to the live backend after that one, or to the first
// if none follows. Adding appends at the tail and removing unlinks the
// element, both O(1), without renumbering or moving anything. A removed
// element is marked dead but keeps its next pointer: the element that
// followed it when it left (all later additions go after that one, so
// nothing live can come between). An entry node whose saved position is a
// dead element walks these pointers to the first live element, which is
// exactly "the backend after the removed one", and the walk compresses the
// path (every dead element visited then points at the end of the walk), so
// each dead link is crossed about once, however many entry nodes point into
// the chain. The walk can end at no live element only when the removed
// elements were at the tail. The first tail removed since the last
// AddBackend is the service's placeholder (pending): it keeps no next, the
// tails removed after it point to it, and the following AddBackend links it
// to the new backend. So a rotation whose last backend left continues with
// the first backend added since, or, if none was, wraps to the first one.
// Dead elements that no position and no dead chain reaches are collected by
// the garbage collector (elements are allocated in chunks of backendChunk,
// so a chunk goes once none of its elements is reached). (This replaces sequence numbers, a binary search
// and an order-preserving slice delete, O(backends) per removal.)
type backend struct {
	// next: while live, the next live backend (nil at the tail); once dead,
	// the element that followed it (possibly dead, or the placeholder).
	next    *backend
	prev    *backend // the previous live backend while live; nil once dead
	dead    bool
	taskID  string
	nodeID  string // node.id, kept here so that Resolve reads one element
	node    *meshNode
	svc     *meshService
	nodePos int // index in node.backends
}

// nodeBackends is one service's backends on one node: how many, and for
// host-mode ports the list in order added with that node's own rotation.
// The list is only kept while the service publishes a host-mode port
// (hostKeys > 0), so that ingress services pay O(1) per backend change.
type nodeBackends struct {
	n    int
	list []*backend
	next uint32
}

// listener is what is bound to one (protocol, published port): the services
// publishing it in ingress mode (normally one; the first declared wins) and
// in host mode (several services may share a host port on different nodes).
type listener struct {
	first   *meshService // ingress[0], or nil
	ingress []*meshService
	host    []*meshService
}

// Route is the answer to one connection: the task that answers, its service
// and the node it runs on.
type Route struct {
	ServiceID, TaskID, NodeID string
}

// New returns an empty routing mesh.
func New() *Mesh {
	return &Mesh{
		nodes:     make(map[string]*meshNode),
		services:  make(map[string]*meshService),
		listeners: make(map[portKey]*listener),
	}
}

func (m *Mesh) node(id string) *meshNode {
	n := m.nodes[id]
	if n == nil {
		n = &meshNode{id: id, slot: m.nodeSlots, up: true}
		m.nodeSlots++
		m.nodes[id] = n
	}
	return n
}

// AddNode adds a node to the mesh, up and blocking nothing. Every node of the
// swarm is part of the mesh, whatever its role or availability. Adding a known
// node does nothing. (AddBackend, SetNodeUp and Block add an unknown node
// implicitly.)
func (m *Mesh) AddNode(nodeID string) { m.node(nodeID) }

// RemoveNode takes a node out of the mesh (it left the swarm): its backends
// are dropped from their services and its firewall rules forgotten. A node
// added again later starts afresh, with every rotation at the start.
func (m *Mesh) RemoveNode(nodeID string) {
	n := m.nodes[nodeID]
	if n == nil {
		return
	}
	for len(n.backends) > 0 {
		b := n.backends[len(n.backends)-1]
		m.removeBackend(b)
	}
	if n.gossip {
		m.gossipCut--
	}
	if n.vxlan {
		m.vxlanCut--
	}
	delete(m.nodes, nodeID)
	if r := &m.recent[recentSlot(nodeID)]; r.n == n {
		*r = recentNode{}
	}
}

// SetNodeUp records whether a node's engine is alive. While it is down, its
// tasks are not reachable (gossip has dropped them from every other node's
// tables) and it accepts no connection. This is about the machine, not the
// manager's view of it: the root calls it when the engine dies or comes back.
func (m *Mesh) SetNodeUp(nodeID string, up bool) {
	n := m.node(nodeID)
	if n.up == up {
		return
	}
	n.up = up
	d := 1
	if up {
		d = -1
	}
	for _, b := range n.backends {
		b.svc.down += d
	}
}

// Block makes a node's firewall drop a port: one of swarm's own ports
// (SwarmPorts) or a published port. See the package documentation for what
// each block does to routing.
func (m *Mesh) Block(nodeID string, port uint32, p Protocol) {
	n := m.node(nodeID)
	k := keyOf(port, p)
	if _, ok := n.blocked[k]; ok {
		return
	}
	if n.blocked == nil {
		n.blocked = make(map[portKey]struct{})
	}
	n.blocked[k] = struct{}{}
	m.refreshBlocks(n)
}

// Unblock removes a block set by Block.
func (m *Mesh) Unblock(nodeID string, port uint32, p Protocol) {
	n := m.nodes[nodeID]
	if n == nil {
		return
	}
	k := keyOf(port, p)
	if _, ok := n.blocked[k]; !ok {
		return
	}
	delete(n.blocked, k)
	m.refreshBlocks(n)
}

// Blocked reports whether a node's firewall drops a port.
func (m *Mesh) Blocked(nodeID string, port uint32, p Protocol) bool {
	n := m.nodes[nodeID]
	if n == nil {
		return false
	}
	_, ok := n.blocked[keyOf(port, p)]
	return ok
}

func (m *Mesh) refreshBlocks(n *meshNode) {
	_, gt := n.blocked[keyOf(GossipPort, TCP)]
	_, gu := n.blocked[keyOf(GossipPort, UDP)]
	_, vx := n.blocked[keyOf(DataPathPort, UDP)]
	if g := gt || gu; g != n.gossip {
		n.gossip = g
		if g {
			m.gossipCut++
		} else {
			m.gossipCut--
		}
	}
	if vx != n.vxlan {
		n.vxlan = vx
		if vx {
			m.vxlanCut++
		} else {
			m.vxlanCut--
		}
	}
}

func (m *Mesh) service(id string) *meshService {
	s := m.services[id]
	if s == nil {
		s = &meshService{id: id, byTask: make(map[string]*backend), byNode: make(map[int32]*nodeBackends)}
		m.services[id] = s
	}
	return s
}

// SetService declares a service's actual ports (Endpoint.Ports, as returned by
// Allocator.Allocate) and endpoint mode, replacing any previous ones. Its
// backends and rotations are kept. Ports with a published port of 0 cannot be
// reached (for a host-mode port the engine picks a port per task, which this
// model does not track). A dnsrr service has no VIP, so its ingress ports (which
// Validate refuses) are ignored.
func (m *Mesh) SetService(serviceID, serviceName string, mode ResolutionMode, ports []PortConfig) {
	s := m.service(serviceID)
	hadHost := s.hostKeys > 0
	m.unlisten(s)
	s.name = serviceName
	s.mode = mode
	s.ports = clonePorts(ports)
	for _, p := range s.ports {
		if p.PublishedPort == 0 {
			continue
		}
		lk := listenKey{key: keyOf(p.PublishedPort, p.Protocol), host: p.PublishMode != Ingress}
		if !lk.host && mode == DNSRR {
			continue
		}
		if slices.Contains(s.keys, lk) {
			continue
		}
		s.keys = append(s.keys, lk)
		if lk.host {
			s.hostKeys++
		}
		l := m.listeners[lk.key]
		if l == nil {
			l = &listener{}
			m.listeners[lk.key] = l
		}
		if lk.host {
			l.host = append(l.host, s)
		} else {
			l.ingress = append(l.ingress, s)
			l.first = l.ingress[0]
		}
	}
	if hasHost := s.hostKeys > 0; hasHost != hadHost {
		// Start or stop keeping the per-node host-mode lists (their
		// rotation counters are kept either way).
		for b := s.head; b != nil; b = b.next {
			s.byNode[b.node.slot].list = nil
		}
		if hasHost {
			for b := s.head; b != nil; b = b.next {
				nb := s.byNode[b.node.slot]
				nb.list = append(nb.list, b)
			}
		}
	}
}

func (m *Mesh) unlisten(s *meshService) {
	for _, lk := range s.keys {
		l := m.listeners[lk.key]
		if l == nil {
			continue
		}
		del := func(x *meshService) bool { return x == s }
		if lk.host {
			l.host = slices.DeleteFunc(l.host, del)
		} else {
			l.ingress = slices.DeleteFunc(l.ingress, del)
			l.first = nil
			if len(l.ingress) > 0 {
				l.first = l.ingress[0]
			}
		}
		if len(l.host) == 0 && len(l.ingress) == 0 {
			delete(m.listeners, lk.key)
		}
	}
	s.keys = s.keys[:0]
	s.hostKeys = 0
}

// RemoveService forgets a service, its ports and its backends.
func (m *Mesh) RemoveService(serviceID string) {
	s := m.services[serviceID]
	if s == nil {
		return
	}
	m.unlisten(s)
	for b := s.head; b != nil; b = b.next {
		m.detachFromNode(b)
	}
	delete(m.services, serviceID)
}

// AddBackend makes a task a backend of its service: its container is running,
// and healthy if it has a health check. Backends are kept in the order they
// were added. Adding a task that already is a backend does nothing. An
// unknown service or node is created implicitly. Cost: O(1) amortized.
func (m *Mesh) AddBackend(serviceID, taskID, nodeID string) {
	s := m.service(serviceID)
	if _, ok := s.byTask[taskID]; ok {
		return
	}
	n := m.node(nodeID)
	if len(m.slab) == 0 {
		m.slab = make([]backend, backendChunk)
	}
	b := &m.slab[0]
	m.slab = m.slab[1:]
	*b = backend{svc: s, taskID: taskID, nodeID: n.id, node: n, nodePos: len(n.backends), prev: s.tail}
	if s.tail != nil {
		s.tail.next = b
	} else {
		s.head = b
	}
	s.tail = b
	s.count++
	if s.pending != nil {
		// Rotations whose last backend was a removed tail continue here.
		s.pending.next = b
		s.pending = nil
	}
	s.byTask[taskID] = b
	nb := s.byNode[n.slot]
	if nb == nil {
		if k := len(m.spareNB); k > 0 {
			nb = m.spareNB[k-1]
			m.spareNB[k-1] = nil
			m.spareNB = m.spareNB[:k-1]
		} else {
			nb = &nodeBackends{}
		}
		s.byNode[n.slot] = nb
	}
	nb.n++
	if s.hostKeys > 0 {
		nb.list = append(nb.list, b)
	}
	n.backends = append(n.backends, b)
	if !n.up {
		s.down++
	}
}

// RemoveBackend takes a task out of its service's backends: it is being shut
// down (it leaves before its container stops), or it failed or ended. The
// other backends keep their order, and an entry node whose rotation pointed
// at the removed task continues with the one after it. Unknown tasks are
// ignored. Cost: O(1) (for a service with host-mode ports, plus the
// service's backends on the task's node, which Swarm keeps to one).
func (m *Mesh) RemoveBackend(serviceID, taskID string) {
	s := m.services[serviceID]
	if s == nil {
		return
	}
	if b := s.byTask[taskID]; b != nil {
		m.removeBackend(b)
	}
}

func (m *Mesh) removeBackend(b *backend) {
	s := b.svc
	next := b.next
	if b.prev != nil {
		b.prev.next = next
	} else {
		s.head = next
	}
	if next != nil {
		next.prev = b.prev
	} else {
		// A removed tail: rotations that reach it continue with the next
		// backend added. It becomes the placeholder itself (dead, next nil)
		// unless there is one already.
		s.tail = b.prev
		next = s.pending
		if next == nil {
			s.pending = b
		}
	}
	b.next, b.prev, b.dead = next, nil, true
	s.count--
	delete(s.byTask, b.taskID)
	if !b.node.up {
		s.down--
	}
	m.detachFromNode(b)
}

// detachFromNode removes b from its node's lists.
func (m *Mesh) detachFromNode(b *backend) {
	n := b.node
	last := len(n.backends) - 1
	n.backends[b.nodePos] = n.backends[last]
	n.backends[b.nodePos].nodePos = b.nodePos
	n.backends[last] = nil
	n.backends = n.backends[:last]
	if nb := b.svc.byNode[n.slot]; nb != nil {
		nb.n--
		if nb.list != nil {
			nb.list = slices.DeleteFunc(nb.list, func(x *backend) bool { return x == b })
		}
		if nb.n == 0 {
			delete(b.svc.byNode, n.slot)
			*nb = nodeBackends{}
			m.spareNB = append(m.spareNB, nb)
		}
	}
}

// Backends returns the task IDs of a service's backends in rotation order.
func (m *Mesh) Backends(serviceID string) []string {
	s := m.services[serviceID]
	if s == nil || s.count == 0 {
		return nil
	}
	out := make([]string, 0, s.count)
	for b := s.head; b != nil; b = b.next {
		out = append(out, b.taskID)
	}
	return out
}

// Listening reports whether node entry accepts connections on a published
// port, without advancing any rotation: whether Resolve would not answer
// NoListener (it may still answer PathBlocked).
func (m *Mesh) Listening(entry string, port uint32, p Protocol) bool {
	_, err := m.resolve(entry, port, p, false)
	return err == nil || err.(*RefusedError).Reason != NoListener
}

// Resolve answers one connection from a client to node entry on a published
// port: which task answers it. It advances entry's round-robin position for
// the service. It costs O(1) and allocates nothing when it succeeds; while a
// node is down or blocks gossip it may walk the service's backends.
//
// An ingress port is answered on every up node while the node knows at least
// one backend of the service: its own, and those of every up node with which
// it can gossip (7946). Among these it takes the next in its rotation; if that
// backend is on another node and either node blocks 4789/udp, the connection
// fails with PathBlocked. A host-mode port (also of a dnsrr service) is
// answered only on a node that runs a backend of the service, by that
// node's own task. Otherwise the error is a *RefusedError with Reason
// NoListener.
func (m *Mesh) Resolve(entry string, port uint32, p Protocol) (Route, error) {
	return m.resolve(entry, port, p, true)
}

func (m *Mesh) resolve(entry string, port uint32, p Protocol, advance bool) (Route, error) {
	n := m.lookupNode(entry)
	if n == nil {
		return Route{}, refuse(NoListener, DetailUnknownNode, entry, port, p, nil)
	}
	if !n.up {
		return Route{}, refuse(NoListener, DetailNodeDown, entry, port, p, nil)
	}
	k := keyOf(port, p)
	if n.blocked != nil {
		if _, ok := n.blocked[k]; ok {
			return Route{}, refuse(NoListener, DetailPortBlocked, entry, port, p, nil)
		}
	}
	l := m.listeners[k]
	if l == nil {
		return Route{}, refuse(NoListener, DetailNoService, entry, port, p, nil)
	}
	var ingressErr *RefusedError
	if s := l.first; s != nil {
		b, err := m.resolveIngress(n, s, port, p, advance)
		if err == nil {
			return Route{ServiceID: s.id, TaskID: b.taskID, NodeID: b.nodeID}, nil
		}
		if err.Reason != NoListener || len(l.host) == 0 {
			return Route{}, err
		}
		ingressErr = err
	}
	for _, s := range l.host {
		nb := s.byNode[n.slot]
		if nb == nil || len(nb.list) == 0 {
			continue
		}
		b := nb.list[nb.next%uint32(len(nb.list))]
		if advance {
			nb.next++
		}
		return Route{ServiceID: s.id, TaskID: b.taskID, NodeID: n.id}, nil
	}
	if ingressErr != nil {
		return Route{}, ingressErr
	}
	return Route{}, refuse(NoListener, DetailHostNoTask, entry, port, p, l.host[0])
}

// resolveIngress returns the backend that answers a connection to entry node
// n on an ingress port of s.
func (m *Mesh) resolveIngress(n *meshNode, s *meshService, port uint32, p Protocol, advance bool) (*backend, *RefusedError) {
	if s.count == 0 {
		return nil, refuse(NoListener, DetailNoBackend, n.id, port, p, s)
	}
	var pos **backend
	var last *backend
	if advance {
		pos = s.rr.ref(n.slot, m.nodeSlots)
		last = *pos
	} else {
		last = s.rr.get(n.slot)
	}
	b := s.after(last)
	if m.gossipCut != 0 || s.down != 0 {
		found := false
		for range s.count {
			if b.node.up && (b.node == n || !(n.gossip || b.node.gossip)) {
				found = true
				break
			}
			if b = b.next; b == nil {
				b = s.head
			}
		}
		if !found {
			return nil, refuse(NoListener, DetailNoKnownBackend, n.id, port, p, s)
		}
	}
	if advance {
		*pos = b
	}
	if m.vxlanCut != 0 && b.node != n && (n.vxlan || b.node.vxlan) {
		e := refuse(PathBlocked, DetailOverlayBlocked, n.id, port, p, s)
		e.TaskID, e.BackendNode = b.taskID, b.node.id
		return nil, e
	}
	return b, nil
}

// after returns the live backend that follows last in rotation order: the
// first one if last is nil or nothing live follows it. s must have a
// backend. A dead last is followed through its next pointers, compressing
// the path (see backend).
func (s *meshService) after(last *backend) *backend {
	if last == nil {
		return s.head
	}
	if !last.dead {
		if last.next != nil {
			return last.next
		}
		return s.head
	}
	end := last
	for end.dead && end.next != nil {
		end = end.next
	}
	for d := last; d != end; {
		d, d.next = d.next, end
	}
	if end.dead { // the placeholder: nothing was added after the removed tail
		return s.head
	}
	return end
}

// rotations maps an entry node's slot to the backend it served last in one
// service. Most services are resolved from a few entry nodes (clients, probes
// and tests hit a handful of nodes), so it starts as a small open-addressing
// table, whose entries sit together in a few cache lines; once more than a
// quarter of the nodes have resolved the service, a slice indexed by slot is
// no bigger, and it switches to that.
type rotations struct {
	sparse []rotEntry // len 0 or a power of two; at most half full
	shift  uint8      // 32 - log2(len(sparse))
	used   int
	dense  []*backend // indexed by slot once non-nil
}

type rotEntry struct {
	key  uint32 // slot+1; 0: empty
	last *backend
}

func (r *rotations) home(key uint32) uint32 { return (key * 0x9E3779B9) >> r.shift }

// get returns the backend entry node slot served last, or nil.
func (r *rotations) get(slot int32) *backend {
	if r.dense != nil {
		if int(slot) < len(r.dense) {
			return r.dense[slot]
		}
		return nil
	}
	if len(r.sparse) == 0 {
		return nil
	}
	key := uint32(slot) + 1
	mask := uint32(len(r.sparse) - 1)
	for i := r.home(key); ; i = (i + 1) & mask {
		e := &r.sparse[i]
		if e.key == key {
			return e.last
		}
		if e.key == 0 {
			return nil
		}
	}
}

// ref returns where entry node slot's position is kept, adding it (nil) if
// needed. nodeSlots is the number of node slots handed out so far.
func (r *rotations) ref(slot int32, nodeSlots int32) **backend {
	if r.dense != nil {
		if int(slot) >= len(r.dense) {
			r.dense = slices.Grow(r.dense, max(int(slot)+1, int(nodeSlots))-len(r.dense))
			r.dense = r.dense[:cap(r.dense)]
		}
		return &r.dense[slot]
	}
	key := uint32(slot) + 1
	if len(r.sparse) > 0 {
		mask := uint32(len(r.sparse) - 1)
		for i := r.home(key); ; i = (i + 1) & mask {
			e := &r.sparse[i]
			if e.key == key {
				return &e.last
			}
			if e.key == 0 {
				if 2*(r.used+1) <= len(r.sparse) {
					r.used++
					e.key = key
					return &e.last
				}
				break
			}
		}
	}
	// Grow: double the table, or switch to the slice when that is no bigger
	// (16 bytes per entry at half load against 8 per node slot).
	if 4*(r.used+1) > int(nodeSlots) {
		dense := make([]*backend, max(int(slot)+1, int(nodeSlots)))
		for _, e := range r.sparse {
			if e.key != 0 {
				dense[e.key-1] = e.last
			}
		}
		r.dense, r.sparse, r.used = dense, nil, 0
		return &r.dense[slot]
	}
	old := r.sparse
	r.sparse = make([]rotEntry, max(8, 2*len(old)))
	r.shift = uint8(32 - bits.Len32(uint32(len(r.sparse)-1)))
	r.used = 0
	for _, e := range old {
		if e.key != 0 {
			*r.insert(e.key) = e.last
		}
	}
	return r.insert(key)
}

// insert adds key, known to be absent, to a table with room.
func (r *rotations) insert(key uint32) **backend {
	mask := uint32(len(r.sparse) - 1)
	i := r.home(key)
	for r.sparse[i].key != 0 {
		i = (i + 1) & mask
	}
	r.used++
	r.sparse[i].key = key
	return &r.sparse[i].last
}
