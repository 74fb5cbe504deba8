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
// table keeps its own position. The zero Mesh is empty and ready to use, like
// New's: its maps are made on first write.
type Mesh struct {
	nodes     map[string]*meshNode
	nodeSlots int32 // slots handed out so far; never reused
	services  map[string]*meshService
	listeners map[portKey]*listener
	// lpages mirrors listeners for ports below 65536 of protocols below 4
	// (all real ones), so that Resolve finds a listener with two loads
	// instead of hashing: lpages[protocol<<8|port>>8][port&255].
	lpages [4 << 8]*[256]*listener
	// Number of nodes blocking gossip (7946 tcp or udp) and the VXLAN data
	// path (4789/udp). While both are 0, Resolve never filters.
	gossipCut int
	vxlanCut  int
	// parted: a network partition splits the nodes into groups
	// (meshNode.group); partSettled: gossip has noticed, and each node has
	// dropped the backends across the cut from its tables.
	parted, partSettled bool
	// dead counts the nodes whose machine is down: while it and vxlanCut
	// are 0 and there is no partition, Resolve never checks the path.
	dead int
	// filter (gossipCut != 0 || partSettled) and checkPath (dead != 0 ||
	// parted || vxlanCut != 0), kept up to date by refresh so that Resolve
	// reads one flag for each
	filter, checkPath bool
	// recent remembers the nodes Resolve looked up last, by a cheap hash of
	// the ID: clients hit a few entry nodes, and this spares the map's
	// hashing and probing. Only RemoveNode makes an entry stale.
	recent [recentSize]recentNode
	// lastSvc is the service looked up last by ID (the root adds and
	// removes backends of one service at a time); only RemoveService makes
	// it stale.
	lastSvc *meshService
	// spareNB holds emptied nodeBackends for reuse (nothing points to one
	// once it has left its service's byNode).
	spareNB []*nodeBackends
	// stamps is the last BackendRef stamp handed out (see backend).
	stamps uint32
}

// backendChunk is the capacity a service's backend slab starts with (element
// 0 included); it grows by doubling and recycles freed elements, so a
// rolling update allocates nothing once the slab has reached its size.
const backendChunk = 8

// recentSize is how many nodes Mesh.recent remembers (a power of two): as
// many as a rolling update typically places tasks on, for AddBackend's node
// lookups.
const recentSize = 256

type recentNode struct {
	id string
	n  *meshNode
}

// recentSlot is where node id is remembered: a hash of its length and last
// three bytes (node IDs differ at the end: names end in numbers, SwarmKit IDs
// are random).
func recentSlot(id string) int {
	h := uint32(len(id))
	for k := max(0, len(id)-3); k < len(id); k++ {
		h = h<<8 ^ uint32(id[k])
	}
	return int(h * 0x9E3779B9 >> (32 - bits.Len32(recentSize-1)))
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

// lookupService is m.services[id], remembered in m.lastSvc.
func (m *Mesh) lookupService(id string) *meshService {
	if s := m.lastSvc; s != nil && s.id == id {
		return s
	}
	s := m.services[id]
	if s != nil {
		m.lastSvc = s
	}
	return s
}

type meshNode struct {
	id      string
	slot    int32
	up      bool
	removed bool // RemoveNode took it out: a NodeRef to it is stale
	blocked map[portKey]struct{}
	gossip  bool  // blocks 7946/tcp or 7946/udp
	vxlan   bool  // blocks 4789/udp
	group   int32 // partition group while Mesh.parted
	// backends on this node, any service, unordered (swap-delete).
	backends []backendRef
}

// backendRef names a backend from outside its service: its service and its
// index in the service's slab.
type backendRef struct {
	s *meshService
	i int32
}

type meshService struct {
	id, name string
	mode     ResolutionMode
	removed  bool // RemoveService took it out: a ServiceRef to it is stale
	ports    []PortConfig
	keys     []listenKey // the listeners this service is registered in
	hostKeys int         // how many of keys are host-mode
	// els is the slab the backend elements live in, addressed by int32
	// index; index 0 is never used and means "none". free heads the list
	// of free elements (linked by next).
	els  []backend
	free int32
	// The live backends, in the order they were added: a doubly linked
	// list from head to tail (see backend for the removed ones).
	head, tail int32
	count      int
	// pending is the placeholder (see backend): the first tail removed
	// since the last AddBackend that something still reaches, which the
	// next AddBackend links to the new backend; 0 when there is none.
	pending int32
	// byTask finds the backends added by task ID (AddBackend); those added
	// by handle (AddBackendRef) are not in it. indexWant is the size
	// Reserve asked for, which the index takes when AddBackend first
	// fills it, so that a service whose backends all come by handle
	// never makes one.
	byTask    taskIndex
	indexWant int
	// byNode: the service's backends per node, for the host-mode rotation
	// (see nodeBackends); nil until needed.
	byNode map[int32]*nodeBackends
	// rr is each entry node's round-robin position: the backend it served
	// last.
	rr rotations
}

type listenKey struct {
	key  portKey
	host bool
}

// backend is one task taking traffic for its service: an element of the
// service's backend list, in the service's slab.
//
// The rotation design. Backends are kept in the order they were added, and
// each entry node remembers, per service, the backend it served last; its
// next connection goes to the live backend after that one, or to the first
// if none follows. Adding appends at the tail and removing unlinks the
// element, both O(1), without renumbering or moving anything. A removed
// element that something still reaches (a position, or another removed
// element) is marked dead but keeps its next link: the element that followed
// it when it left (all later additions go after that one, so nothing live
// can come between). An entry node whose saved position is a dead element
// walks these links to the first live element, which is exactly "the
// backend after the removed one", and the walk compresses the path (every
// dead element visited then links to the end of the walk), so each dead link
// is crossed about once, however many entry nodes point into the chain. The
// walk can end at no live element only when the removed elements were at
// the tail. The first such tail removed since the last AddBackend is the
// service's placeholder (pending): it keeps no next, the tails removed
// after it link to it, and the following AddBackend links it to the new
// backend. So a rotation whose last backend left continues with the first
// backend added since, or, if none was, wraps to the first one.
//
// Elements are reference counted: refs counts the positions, the dead
// elements' next links and the pending mark that lead to it. A backend
// removed while nothing leads to it is freed at once (the common case: the
// entry nodes have moved on), and a dead element is freed when its count
// falls to 0, releasing its own link in turn. Freed elements are reused by
// the next AddBackend, so backend churn allocates nothing. (This replaces
// sequence numbers, a binary search and an order-preserving slice delete,
// O(backends) per removal, and then one garbage-collected element per
// AddBackend.)
type backend struct {
	taskID string
	nodeID string // node.id, kept here so that Resolve reads one element
	node   *meshNode
	// next: while live, the next live backend (0 at the tail); once dead,
	// the element that followed it (possibly dead, or the placeholder; 0
	// for the placeholder); while free, the next free element.
	next    int32
	prev    int32 // the previous live backend while live (0 at the head)
	refs    int32
	nodePos int32 // index in node.backends while live
	// stamp: while live, the backend's BackendRef stamp if AddBackendRef
	// added it, or 0 if AddBackend did (it is then in the task index); 0
	// once it has left, so that its handle no longer matches. (The
	// elements of a removed service keep theirs: RemoveBackendRef finds a
	// removed service's successor by ID, and stamps are unique.)
	stamp uint32
	dead  bool
}

// nodeBackends is one service's backends on one node: how many, and for
// host-mode ports the list in order added with that node's own rotation.
// While the service publishes a host-mode port (hostKeys > 0) every node
// with a backend has one, with the list. Otherwise only those whose host
// rotation has moved (next != 0) are kept, counting, without a list, so
// that the rotation restarts if the node loses its last backend in between:
// a service that never published a host-mode port pays nothing here.
type nodeBackends struct {
	n    int
	list []int32
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
// and the node it runs on. The mesh fills what it knows: the IDs and the
// service's name (as given to SetService). Task and Node are for a caller
// that knows names, as the root package's Cluster.Resolve does (the task's
// name, e.g. myweb.2, and the node's display name); the mesh leaves them
// empty.
type Route struct {
	ServiceID string
	Service   string
	TaskID    string
	Task      string // e.g. myweb.2
	NodeID    string
	Node      string
}

// New returns an empty routing mesh, the same as new(Mesh).
func New() *Mesh {
	return new(Mesh)
}

func (m *Mesh) node(id string) *meshNode {
	n := m.lookupNode(id)
	if n == nil {
		n = &meshNode{id: id, slot: m.nodeSlots, up: true}
		m.nodeSlots++
		if m.nodes == nil {
			m.nodes = make(map[string]*meshNode)
		}
		m.nodes[id] = n
	}
	return n
}

// AddNode adds a node to the mesh, up and blocking nothing, and returns its
// handle for AddBackendRef. Every node of the swarm is part of the mesh,
// whatever its role or availability. Adding a known node changes nothing and
// returns its handle. (AddBackend, SetNodeUp and Block add an unknown node
// implicitly.)
func (m *Mesh) AddNode(nodeID string) NodeRef { return NodeRef{m.node(nodeID)} }

// RemoveNode takes a node out of the mesh (it left the swarm): its backends
// are dropped from their services and its firewall rules forgotten. A node
// added again later starts afresh, with every rotation at the start.
func (m *Mesh) RemoveNode(nodeID string) {
	n := m.nodes[nodeID]
	if n == nil {
		return
	}
	for len(n.backends) > 0 {
		r := n.backends[len(n.backends)-1]
		m.removeBackend(r.s, r.i)
	}
	if n.gossip {
		m.gossipCut--
	}
	if n.vxlan {
		m.vxlanCut--
	}
	if !n.up {
		m.dead--
	}
	m.refresh()
	n.removed = true
	delete(m.nodes, nodeID)
	if r := &m.recent[recentSlot(nodeID)]; r.n == n {
		*r = recentNode{}
	}
}

// SetNodeUp records whether a node's machine is alive. While it is dead it
// accepts no connection, and its backends stay in every other node's
// tables, in rotation, until the caller removes them (RemoveBackend, once
// the news has spread by gossip): a connection sent to one of them times
// out (Reason TimedOut). This is about the machine, not the manager's view
// of it: the root calls it when the machine dies or comes back.
func (m *Mesh) SetNodeUp(nodeID string, up bool) {
	n := m.node(nodeID)
	if n.up == up {
		return
	}
	n.up = up
	if up {
		m.dead--
	} else {
		m.dead++
	}
	m.refresh()
}

// refresh recomputes Resolve's flags.
func (m *Mesh) refresh() {
	m.filter = m.gossipCut != 0 || m.partSettled
	m.checkPath = m.dead != 0 || m.parted || m.vxlanCut != 0
}

// Partition splits the swarm's network: nodes in different groups cannot
// reach each other (gossip, 7946, and the overlay, 4789/udp, are cut between
// them). Nodes named in no group form one more group together. At first
// every node keeps the backends across the cut in its tables, and a
// connection sent to one times out; once SettlePartition is called (gossip
// has noticed the other side is gone) they are forgotten, as a gossip block
// forgets them. A new Partition replaces the previous one.
func (m *Mesh) Partition(groups [][]string) {
	for _, n := range m.nodes {
		n.group = 0
	}
	for i, g := range groups {
		for _, id := range g {
			m.node(id).group = int32(i + 1)
		}
	}
	m.parted, m.partSettled = true, false
	m.refresh()
}

// SettlePartition makes every node forget the backends across the current
// partition. It does nothing without one.
func (m *Mesh) SettlePartition() {
	m.partSettled = m.parted
	m.refresh()
}

// Heal ends a partition: every node reaches every other again.
func (m *Mesh) Heal() {
	m.parted, m.partSettled = false, false
	m.refresh()
}

// Partitioned reports whether a partition separates two nodes.
func (m *Mesh) Partitioned(a, b string) bool {
	na, nb := m.nodes[a], m.nodes[b]
	return m.parted && na != nil && nb != nil && na.group != nb.group
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
	m.refresh()
}

func (m *Mesh) service(id string) *meshService {
	s := m.lookupService(id)
	if s == nil {
		s = &meshService{id: id}
		if m.services == nil {
			m.services = make(map[string]*meshService)
		}
		m.services[id] = s
		m.lastSvc = s
	}
	return s
}

// SetService declares a service's actual ports (Endpoint.Ports, as returned by
// Allocator.Allocate) and endpoint mode, replacing any previous ones. Its
// backends and rotations are kept. Ports with a published port of 0 cannot be
// reached (for a host-mode port the engine picks a port per task, which this
// model does not track). A dnsrr service has no VIP, so its ingress ports (which
// Validate refuses) are ignored. It returns the service's handle for
// AddBackendRef, the same on every call until RemoveService.
func (m *Mesh) SetService(serviceID, serviceName string, mode ResolutionMode, ports []PortConfig) ServiceRef {
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
			m.setListener(lk.key, l)
		}
		if lk.host {
			l.host = append(l.host, s)
		} else {
			l.ingress = append(l.ingress, s)
			l.first = l.ingress[0]
		}
	}
	if hasHost := s.hostKeys > 0; hasHost != hadHost {
		m.switchHostLists(s, hasHost)
	}
	return ServiceRef{s}
}

// switchHostLists starts or stops keeping the per-node host-mode lists (see
// nodeBackends). The rotation counters that have moved are kept either way.
// It walks the live backends, never the map.
func (m *Mesh) switchHostLists(s *meshService, host bool) {
	if !host {
		for i := s.head; i != 0; i = s.els[i].next {
			slot := s.els[i].node.slot
			nb := s.byNode[slot]
			if nb == nil {
				continue
			}
			nb.list = nil
			if nb.next == 0 {
				m.dropNB(s, slot, nb)
			}
		}
		return
	}
	for i := s.head; i != 0; i = s.els[i].next {
		if nb := s.byNode[s.els[i].node.slot]; nb != nil {
			nb.n = 0
		}
	}
	for i := s.head; i != 0; i = s.els[i].next {
		nb := m.nodeBackends(s, s.els[i].node.slot)
		nb.n++
		nb.list = append(nb.list, i)
	}
}

// nodeBackends returns s's record for node slot, adding an empty one.
func (m *Mesh) nodeBackends(s *meshService, slot int32) *nodeBackends {
	nb := s.byNode[slot]
	if nb == nil {
		if k := len(m.spareNB); k > 0 {
			nb = m.spareNB[k-1]
			m.spareNB[k-1] = nil
			m.spareNB = m.spareNB[:k-1]
		} else {
			nb = &nodeBackends{}
		}
		if s.byNode == nil {
			s.byNode = make(map[int32]*nodeBackends)
		}
		s.byNode[slot] = nb
	}
	return nb
}

// dropNB forgets s's record for node slot and keeps it for reuse.
func (m *Mesh) dropNB(s *meshService, slot int32, nb *nodeBackends) {
	delete(s.byNode, slot)
	*nb = nodeBackends{list: nb.list[:0]}
	m.spareNB = append(m.spareNB, nb)
}

// listener returns what is bound to k, or nil.
func (m *Mesh) listener(k portKey) *listener {
	if k < 4<<32 && uint32(k) < 1<<16 {
		if pg := m.lpages[k>>32<<8|k>>8&255]; pg != nil {
			return pg[k&255]
		}
		return nil
	}
	return m.listeners[k]
}

// setListener binds l to k, or unbinds k if l is nil.
func (m *Mesh) setListener(k portKey, l *listener) {
	if l == nil {
		delete(m.listeners, k)
	} else {
		if m.listeners == nil {
			m.listeners = make(map[portKey]*listener)
		}
		m.listeners[k] = l
	}
	if k < 4<<32 && uint32(k) < 1<<16 {
		pg := &m.lpages[k>>32<<8|k>>8&255]
		if *pg == nil {
			if l == nil {
				return
			}
			*pg = new([256]*listener)
		}
		(*pg)[k&255] = l
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
			m.setListener(lk.key, nil)
		}
	}
	s.keys = s.keys[:0]
	s.hostKeys = 0
}

// RemoveService forgets a service, its ports and its backends (their
// BackendRefs become stale).
func (m *Mesh) RemoveService(serviceID string) {
	s := m.services[serviceID]
	if s == nil {
		return
	}
	m.unlisten(s)
	for i := s.head; i != 0; i = s.els[i].next {
		m.detachFromNode(s, i)
	}
	s.removed = true // RemoveBackendRef reads its slab no more
	delete(m.services, serviceID)
	if m.lastSvc == s {
		m.lastSvc = nil
	}
}

// AddBackend makes a task a backend of its service: its container is running,
// and healthy if it has a health check. Backends are kept in the order they
// were added. Adding a task that already is a backend (by AddBackend) does
// nothing. An unknown service or node is created implicitly. Cost: O(1)
// amortized, and no allocation once the service's slab has reached its size.
//
// The service keeps an index of the task IDs added this way, for the
// duplicate check and RemoveBackend. AddBackendRef is the same without the
// index, for a caller that keeps handles.
func (m *Mesh) AddBackend(serviceID, taskID, nodeID string) {
	s := m.service(serviceID)
	h := s.byTask.hash(taskID)
	slot := -1
	if s.byTask.n > 0 {
		var found int32
		if found, slot = s.byTask.find(s.els, taskID, h); found != 0 {
			return
		}
	} else if s.indexWant > 0 {
		s.byTask.reserve(s.indexWant)
		s.indexWant = 0
	}
	i := m.link(s, m.node(nodeID), taskID, 0)
	s.byTask.insert(h, i, slot)
}

// AddBackendRef is AddBackend by handles: it makes task taskID, on the node
// of handle n, a backend of the service of handle s, and returns the
// backend's handle for RemoveBackendRef. It neither hashes nor looks up
// anything: it costs a slab element and two list links.
//
// The caller guarantees that the task is not a backend already: there is
// no duplicate check, and the task ID is only recorded (for Resolve's Route
// and Backends). A backend added this way is not known by task ID:
// RemoveBackend ignores it, and AddBackend of the same task adds a second
// one; remove it with RemoveBackendRef. A stale s or n (RemoveService or
// RemoveNode has run since the handle was made) names the service or node
// by its ID, as AddBackend does, creating it again if it is unknown. The
// zero ServiceRef and NodeRef name nothing, and must not be given.
//
// libnetwork finds a backend by service, network and endpoint ID
// (addServiceBinding and rmServiceBinding, libnetwork/service_common.go);
// the handles have no counterpart there. They are a shortcut for a caller
// that holds each task's service and node records and knows whether the
// task is a backend, as the root package does, and change nothing that
// Resolve or Backends answer.
func (m *Mesh) AddBackendRef(s ServiceRef, n NodeRef, taskID string) BackendRef {
	ms, mn := s.s, n.n
	if ms.removed {
		ms = m.service(ms.id)
	}
	if mn.removed {
		mn = m.node(mn.id)
	}
	m.stamps++
	if m.stamps == 0 { // wrapped: 0 is AddBackend's
		m.stamps = 1
	}
	return BackendRef{i: m.link(ms, mn, taskID, m.stamps), stamp: m.stamps}
}

// link appends task taskID on node n, with stamp (see backend), to s's live
// backends and returns its element.
func (m *Mesh) link(s *meshService, n *meshNode, taskID string, stamp uint32) int32 {
	i := s.alloc()
	b := &s.els[i]
	*b = backend{taskID: taskID, nodeID: n.id, node: n, nodePos: int32(len(n.backends)), prev: s.tail, stamp: stamp}
	if s.tail != 0 {
		s.els[s.tail].next = i
	} else {
		s.head = i
	}
	s.tail = i
	s.count++
	if p := s.pending; p != 0 {
		// Rotations whose last backend was a removed tail continue here.
		s.pending = 0
		s.els[p].next = i
		b.refs++
		s.decRef(p) // the pending mark
	}
	if s.hostKeys > 0 {
		nb := m.nodeBackends(s, n.slot)
		nb.n++
		nb.list = append(nb.list, i)
	} else if len(s.byNode) > 0 {
		if nb := s.byNode[n.slot]; nb != nil {
			nb.n++
		}
	}
	if len(n.backends) == cap(n.backends) {
		// A node that runs one task usually runs several: start at
		// nodeBackendsMin rather than growing 1, 2, 4, 8.
		n.backends = slices.Grow(n.backends, max(nodeBackendsMin, len(n.backends)))
	}
	n.backends = append(n.backends, backendRef{s, i})
	return i
}

// nodeBackendsMin is the room a node's list of backends starts with.
const nodeBackendsMin = 16

// Reserve makes room for n live backends of a service already declared
// (SetService or an earlier AddBackend), so that adding them does not grow
// its tables step by step, copying them at each step. It changes nothing a
// caller can see; a service not declared is left alone. A caller that knows
// how many tasks a service will run (its replicas) calls it before they
// start. The index of task IDs is made at that size by the first
// AddBackend: a service whose backends all come by AddBackendRef has none.
func (m *Mesh) Reserve(serviceID string, n int) {
	s := m.lookupService(serviceID)
	if s == nil || n <= 0 {
		return
	}
	if len(s.els) == 0 {
		s.els = make([]backend, 1, max(backendChunk, n+1)) // element 0: none
	} else if free := cap(s.els) - len(s.els); free < n-s.count {
		s.els = slices.Grow(s.els, n-s.count-free)
	}
	if len(s.byTask.slots) > 0 {
		s.byTask.reserve(n)
	} else {
		s.indexWant = max(s.indexWant, n) // made by the first AddBackend
	}
}

// alloc returns a free element of s's slab (its content is stale).
func (s *meshService) alloc() int32 {
	if i := s.free; i != 0 {
		s.free = s.els[i].next
		return i
	}
	if len(s.els) == 0 {
		s.els = make([]backend, 1, backendChunk) // element 0: none
	}
	s.els = append(s.els, backend{})
	return int32(len(s.els) - 1)
}

// release puts element i on the free list. Its links are not followed.
func (s *meshService) release(i int32) {
	s.els[i] = backend{next: s.free}
	s.free = i
}

// decRef drops one reference to element i (0: none), freeing it if it is
// dead and nothing leads to it any more, and then its own link in turn.
func (s *meshService) decRef(i int32) {
	for i != 0 {
		b := &s.els[i]
		b.refs--
		if b.refs != 0 || !b.dead {
			return
		}
		next := b.next
		s.release(i)
		i = next
	}
}

// RemoveBackend takes a task out of its service's backends: it is being shut
// down (it leaves before its container stops), or it failed or ended. The
// other backends keep their order, and an entry node whose rotation pointed
// at the removed task continues with the one after it. Unknown tasks are
// ignored, and so are backends added by AddBackendRef. Cost: O(1) (for a
// service with host-mode ports, plus the service's backends on the task's
// node, which Swarm keeps to one).
func (m *Mesh) RemoveBackend(serviceID, taskID string) {
	s := m.lookupService(serviceID)
	if s == nil {
		return
	}
	if s.byTask.n == 0 {
		return
	}
	h := s.byTask.hash(taskID)
	if i, slot := s.byTask.find(s.els, taskID, h); i != 0 {
		s.byTask.removeAt(slot)
		m.unlinkBackend(s, i)
	}
}

// RemoveBackendRef is RemoveBackend by handles: it takes the backend that
// AddBackendRef returned b for out of the service of handle s (the handle
// given to AddBackendRef, or a later one for the same service), with the
// same effect on the order and the rotations, and neither hashes nor looks
// up anything. A stale b is ignored: its backend has already left, with its
// node (RemoveNode), its service (RemoveService) or an earlier
// RemoveBackendRef, and its slab element may hold another backend since. So
// are the zero BackendRef and the zero ServiceRef. A stale s names the
// service by its ID (a map look-up, the only one here), as AddBackendRef
// does.
func (m *Mesh) RemoveBackendRef(s ServiceRef, b BackendRef) {
	ms := s.s
	if ms == nil || b.stamp == 0 {
		return
	}
	if ms.removed {
		if ms = m.services[ms.id]; ms == nil {
			return
		}
	}
	if int(b.i) < len(ms.els) && ms.els[b.i].stamp == b.stamp {
		m.unlinkBackend(ms, b.i)
	}
}

// removeBackend takes live backend i out of s.
func (m *Mesh) removeBackend(s *meshService, i int32) {
	if s.els[i].stamp == 0 {
		s.byTask.remove(s.byTask.hash(s.els[i].taskID), i)
	}
	m.unlinkBackend(s, i)
}

// unlinkBackend takes live backend i, already out of the task index, out of
// s.
func (m *Mesh) unlinkBackend(s *meshService, i int32) {
	m.detachFromNode(s, i)
	b := &s.els[i]
	b.stamp = 0
	s.count--
	next, prev := b.next, b.prev
	if prev != 0 {
		s.els[prev].next = next
	} else {
		s.head = next
	}
	if next != 0 {
		s.els[next].prev = prev
	} else {
		s.tail = prev
	}
	if b.refs == 0 {
		// Nothing leads here: no rotation needs to know where it was.
		s.release(i)
		return
	}
	if next == 0 {
		// A removed tail: rotations that reach it continue with the next
		// backend added. It becomes the placeholder itself (dead, next 0)
		// unless there is one already.
		next = s.pending
		if next == 0 {
			s.pending = i
			b.refs++
		}
	}
	b.next, b.prev, b.dead = next, 0, true
	if next != 0 {
		s.els[next].refs++
	}
}

// detachFromNode removes live backend i of s from its node's lists.
func (m *Mesh) detachFromNode(s *meshService, i int32) {
	b := &s.els[i]
	n := b.node
	last := len(n.backends) - 1
	moved := n.backends[last]
	n.backends[b.nodePos] = moved
	moved.s.els[moved.i].nodePos = b.nodePos
	n.backends[last] = backendRef{}
	n.backends = n.backends[:last]
	if len(s.byNode) == 0 {
		return
	}
	if nb := s.byNode[n.slot]; nb != nil {
		nb.n--
		if k := slices.Index(nb.list, i); k >= 0 {
			nb.list = slices.Delete(nb.list, k, k+1)
		}
		if nb.n == 0 {
			m.dropNB(s, n.slot, nb)
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
	for i := s.head; i != 0; i = s.els[i].next {
		out = append(out, s.els[i].taskID)
	}
	return out
}

// Listening reports whether node entry accepts connections on a published
// port, without advancing any rotation: whether Resolve would not answer
// NoListener (it may still answer PathBlocked or TimedOut).
func (m *Mesh) Listening(entry string, port uint32, p Protocol) bool {
	_, err := m.resolve(entry, port, p, false)
	return err == nil || err.(*RefusedError).Reason != NoListener
}

// Resolve answers one connection from a client to node entry on a published
// port: which task answers it. It advances entry's round-robin position for
// the service. It costs O(1) and allocates nothing when it succeeds; while a
// node blocks gossip or a partition has settled it may walk the service's backends.
//
// An ingress port is answered on every up node while the node knows at least
// one backend of the service: its own, and those of every node with which
// it can gossip (7946). Among these it takes the next in its rotation; if that
// backend is on another node and either node blocks 4789/udp, the connection
// fails with PathBlocked. A backend on a dead node (SetNodeUp), or across a
// partition that gossip has not noticed yet, is still in the rotation: a
// connection sent to it fails with TimedOut. A host-mode port (also of a dnsrr service) is
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
	l := m.listener(k)
	if l == nil {
		return Route{}, refuse(NoListener, DetailNoService, entry, port, p, nil)
	}
	var ingressErr *RefusedError
	if s := l.first; s != nil {
		b, err := m.resolveIngress(n, s, port, p, advance)
		if err == nil {
			return Route{ServiceID: s.id, Service: s.name, TaskID: b.taskID, NodeID: b.nodeID}, nil
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
		b := &s.els[nb.list[nb.next%uint32(len(nb.list))]]
		if advance {
			nb.next++
		}
		return Route{ServiceID: s.id, Service: s.name, TaskID: b.taskID, NodeID: n.id}, nil
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
	var pos *int32
	var last int32
	if advance {
		pos = s.rr.ref(n.slot, m.nodeSlots)
		last = *pos
	} else {
		last = s.rr.get(n.slot)
	}
	i := s.after(last)
	b := &s.els[i]
	if m.filter {
		found := false
		for range s.count {
			if b.node == n || !(n.gossip || b.node.gossip || m.partSettled && b.node.group != n.group) {
				found = true
				break
			}
			if i = b.next; i == 0 {
				i = s.head
			}
			b = &s.els[i]
		}
		if !found {
			return nil, refuse(NoListener, DetailNoKnownBackend, n.id, port, p, s)
		}
	}
	if advance && i != last {
		b.refs++
		*pos = i
		s.decRef(last)
	}
	if m.checkPath && b.node != n {
		if !b.node.up {
			e := refuse(TimedOut, DetailBackendDead, n.id, port, p, s)
			e.TaskID, e.BackendNode = b.taskID, b.node.id
			return nil, e
		}
		if m.parted && b.node.group != n.group {
			e := refuse(TimedOut, DetailPartitioned, n.id, port, p, s)
			e.TaskID, e.BackendNode = b.taskID, b.node.id
			return nil, e
		}
		if m.vxlanCut != 0 && (n.vxlan || b.node.vxlan) {
			e := refuse(PathBlocked, DetailOverlayBlocked, n.id, port, p, s)
			e.TaskID, e.BackendNode = b.taskID, b.node.id
			return nil, e
		}
	}
	return b, nil
}

// after returns the live backend that follows last in rotation order: the
// first one if last is 0 or nothing live follows it. s must have a backend.
// A dead last is followed through its next links, compressing the path (see
// backend); the reference counts follow the links.
func (s *meshService) after(last int32) int32 {
	if last == 0 {
		return s.head
	}
	b := &s.els[last]
	if !b.dead {
		if b.next != 0 {
			return b.next
		}
		return s.head
	}
	end := b.next
	for end != 0 && s.els[end].dead && s.els[end].next != 0 {
		end = s.els[end].next
	}
	if end == 0 { // last is the placeholder
		return s.head
	}
	if first := b.next; first != end {
		// last -> d1 -> ... -> dk -> end becomes di -> end for all: each
		// di loses its predecessor's link, and is freed if that was its
		// last reference (dropping its own link to end), or else links to
		// end.
		b.next = end
		s.els[end].refs++
		for d := first; d != end; {
			e := &s.els[d]
			nx := e.next
			e.refs--
			switch {
			case e.refs == 0:
				s.release(d)
				if nx == end {
					s.els[end].refs--
				}
			case nx != end:
				e.next = end
				s.els[end].refs++
			}
			d = nx
		}
	}
	if s.els[end].dead { // the placeholder: nothing was added after the removed tail
		return s.head
	}
	return end
}

// rotations maps an entry node's slot to the backend it served last in one
// service (an index in the service's slab, 0 for none). Most services are
// resolved from a few entry nodes (clients, probes and tests hit a handful
// of nodes), so it starts as a small open-addressing table, whose entries
// sit together in a few cache lines; once more than a quarter of the nodes
// have resolved the service, a slice indexed by slot is no bigger, and it
// switches to that.
type rotations struct {
	sparse []rotEntry // len 0 or a power of two; at most half full
	shift  uint8      // 32 - log2(len(sparse))
	used   int
	dense  []int32 // indexed by slot once non-nil
}

type rotEntry struct {
	key  uint32 // slot+1; 0: empty
	last int32
}

func (r *rotations) home(key uint32) uint32 { return (key * 0x9E3779B9) >> r.shift }

// get returns the backend entry node slot served last, or 0.
func (r *rotations) get(slot int32) int32 {
	if r.dense != nil {
		if int(slot) < len(r.dense) {
			return r.dense[slot]
		}
		return 0
	}
	if len(r.sparse) == 0 {
		return 0
	}
	key := uint32(slot) + 1
	mask := uint32(len(r.sparse) - 1)
	for i := r.home(key); ; i = (i + 1) & mask {
		e := &r.sparse[i]
		if e.key == key {
			return e.last
		}
		if e.key == 0 {
			return 0
		}
	}
}

// ref returns where entry node slot's position is kept, adding it (0) if
// needed. nodeSlots is the number of node slots handed out so far.
func (r *rotations) ref(slot int32, nodeSlots int32) *int32 {
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
	// (8 bytes per entry at half load against 4 per node slot).
	if 4*(r.used+1) > int(nodeSlots) {
		dense := make([]int32, max(int(slot)+1, int(nodeSlots)))
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
func (r *rotations) insert(key uint32) *int32 {
	mask := uint32(len(r.sparse) - 1)
	i := r.home(key)
	for r.sparse[i].key != 0 {
		i = (i + 1) & mask
	}
	r.used++
	r.sparse[i].key = key
	return &r.sparse[i].last
}
