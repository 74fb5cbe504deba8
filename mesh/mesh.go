package mesh

import (
	"math"
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
	// backends in the order they were added; seq is strictly increasing.
	backends []*backend
	byTask   map[string]*backend
	byNode   map[int32]*nodeBackends // for host-mode ports
	down     int                     // backends on nodes that are not up
	seq      uint32                  // last seq handed out
	// rr is each entry node's round-robin position, indexed by node slot,
	// grown lazily.
	rr []rrState
}

type listenKey struct {
	key  portKey
	host bool
}

type backend struct {
	svc     *meshService
	taskID  string
	node    *meshNode
	seq     uint32
	nodePos int // index in node.backends
}

// nodeBackends is one service's backends on one node, in order added, with
// that node's own rotation for host-mode ports.
type nodeBackends struct {
	list []*backend
	next uint32
}

// rrState is one entry node's position in one service's rotation: the seq of
// the backend it served last (0: none yet) and where that backend was in the
// list then (a hint that makes the common case O(1)).
type rrState struct {
	last uint32
	hint uint32
}

// listener is what is bound to one (protocol, published port): the services
// publishing it in ingress mode (normally one; the first declared wins) and
// in host mode (several services may share a host port on different nodes).
type listener struct {
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
		l := m.listeners[lk.key]
		if l == nil {
			l = &listener{}
			m.listeners[lk.key] = l
		}
		if lk.host {
			l.host = append(l.host, s)
		} else {
			l.ingress = append(l.ingress, s)
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
		}
		if len(l.host) == 0 && len(l.ingress) == 0 {
			delete(m.listeners, lk.key)
		}
	}
	s.keys = s.keys[:0]
}

// RemoveService forgets a service, its ports and its backends.
func (m *Mesh) RemoveService(serviceID string) {
	s := m.services[serviceID]
	if s == nil {
		return
	}
	m.unlisten(s)
	for _, b := range s.backends {
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
	if s.seq == math.MaxUint32 {
		s.renumber()
	}
	s.seq++
	b := &backend{svc: s, taskID: taskID, node: n, seq: s.seq, nodePos: len(n.backends)}
	s.backends = append(s.backends, b)
	s.byTask[taskID] = b
	nb := s.byNode[n.slot]
	if nb == nil {
		nb = &nodeBackends{}
		s.byNode[n.slot] = nb
	}
	nb.list = append(nb.list, b)
	n.backends = append(n.backends, b)
	if !n.up {
		s.down++
	}
}

// renumber gives the backends seqs 1..n again when the counter would wrap
// (after 4 billion additions to one service); every rotation restarts.
func (s *meshService) renumber() {
	for i, b := range s.backends {
		b.seq = uint32(i + 1)
	}
	s.seq = uint32(len(s.backends))
	clear(s.rr)
}

// RemoveBackend takes a task out of its service's backends: it is being shut
// down (it leaves before its container stops), or it failed or ended. The
// other backends keep their order, and an entry node whose rotation pointed
// at the removed task continues with the one after it. Unknown tasks are
// ignored. Cost: O(backends of the service).
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
	if i, ok := s.find(b.seq); ok {
		s.backends = slices.Delete(s.backends, i, i+1)
	}
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
		nb.list = slices.DeleteFunc(nb.list, func(x *backend) bool { return x == b })
		if len(nb.list) == 0 {
			delete(b.svc.byNode, n.slot)
		}
	}
}

// find returns the index of the first backend whose seq is >= seq.
func (s *meshService) find(seq uint32) (int, bool) {
	lo, hi := 0, len(s.backends)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if s.backends[mid].seq < seq {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(s.backends) && s.backends[lo].seq == seq
}

// Backends returns the task IDs of a service's backends in rotation order.
func (m *Mesh) Backends(serviceID string) []string {
	s := m.services[serviceID]
	if s == nil || len(s.backends) == 0 {
		return nil
	}
	out := make([]string, len(s.backends))
	for i, b := range s.backends {
		out[i] = b.taskID
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
	n := m.nodes[entry]
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
	if len(l.ingress) > 0 {
		r, err := m.resolveIngress(n, l.ingress[0], port, p, advance)
		if err == nil || err.Reason != NoListener || len(l.host) == 0 {
			if err != nil {
				return Route{}, err
			}
			return r, nil
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

func (m *Mesh) resolveIngress(n *meshNode, s *meshService, port uint32, p Protocol, advance bool) (Route, *RefusedError) {
	nb := len(s.backends)
	if nb == 0 {
		return Route{}, refuse(NoListener, DetailNoBackend, n.id, port, p, s)
	}
	var st *rrState
	if int(n.slot) < len(s.rr) {
		st = &s.rr[n.slot]
	} else if advance {
		s.rr = slices.Grow(s.rr, max(int(n.slot)+1, int(m.nodeSlots))-len(s.rr))
		s.rr = s.rr[:cap(s.rr)]
		st = &s.rr[n.slot]
	} else {
		st = &rrState{}
	}
	i := s.next(st)
	b := s.backends[i]
	if m.gossipCut != 0 || s.down != 0 {
		found := false
		for range nb {
			b = s.backends[i]
			if b.node.up && (b.node == n || !(n.gossip || b.node.gossip)) {
				found = true
				break
			}
			if i++; i == nb {
				i = 0
			}
		}
		if !found {
			return Route{}, refuse(NoListener, DetailNoKnownBackend, n.id, port, p, s)
		}
	}
	if advance {
		st.last, st.hint = b.seq, uint32(i)
	}
	if m.vxlanCut != 0 && b.node != n && (n.vxlan || b.node.vxlan) {
		e := refuse(PathBlocked, DetailOverlayBlocked, n.id, port, p, s)
		e.TaskID, e.BackendNode = b.taskID, b.node.id
		return Route{}, e
	}
	return Route{ServiceID: s.id, TaskID: b.taskID, NodeID: b.node.id}, nil
}

// next returns the index of the backend after the one st served last (the
// first backend if none, or if the last one was removed and nothing follows).
func (s *meshService) next(st *rrState) int {
	nb := len(s.backends)
	if st.last == 0 {
		return 0
	}
	if h := int(st.hint); h < nb && s.backends[h].seq == st.last {
		if h+1 == nb {
			return 0
		}
		return h + 1
	}
	i, found := s.find(st.last)
	if found {
		i++
	}
	if i >= nb {
		return 0
	}
	return i
}
