package mesh

import (
	"errors"
	"fmt"
	"math/bits"
)

// Ranges of the ingress port allocator (manager/allocator/portallocator.go).
const (
	// MasterPortStart and MasterPortEnd bound the ports an ingress port may
	// use.
	MasterPortStart uint32 = 1
	MasterPortEnd   uint32 = 65535
	// DynamicPortStart and DynamicPortEnd bound the ports handed out for a
	// published port of 0.
	DynamicPortStart uint32 = 30000
	DynamicPortEnd   uint32 = 32767

	dynamicSize = DynamicPortEnd - DynamicPortStart + 1 // 2768
)

// Allocator-level error texts (libnetwork bitseq/bitmap and SwarmKit idm).
const (
	errTextNoBit        = "no bit available"
	errTextBitAllocated = "requested bit is already allocated"
	errTextNotInSet     = "requested id does not belong to the set"
)

// Allocator is the manager's cluster-wide ingress port allocator (SwarmKit's
// manager/allocator/portallocator.go: portAllocator). It has one port space
// per protocol; each space reserves ports in the master range 1-65535 and
// draws unspecified ones from the dynamic range 30000-32767 with a serial
// cursor.
//
// SwarmKit keeps two bitmaps per protocol (master and dynamic), but every
// port in the dynamic bitmap is also in the master one and vice versa within
// 30000-32767, so one bitmap per protocol plus the cursor is the same state.
//
// The Allocator also remembers, for every service it has allocated, its name,
// its last spec ports and its actual ports, which is what CheckConflicts
// compares against. A failed Allocate changes nothing. The zero Allocator is
// empty and ready to use, like NewAllocator's: its maps are made on first
// write.
type Allocator struct {
	spaces   [numProtocols]portSpace
	services map[string]*allocService
	// uses indexes every non-zero published port of every service's spec and
	// actual ports, for CheckConflicts.
	uses map[portKey][]portUse
}

type portSpace struct {
	used [(MasterPortEnd + 1 + 63) / 64]uint64 // bit p set: port p reserved
	// cursor is the ordinal (0..dynamicSize) in the dynamic range where the
	// next serial search starts: one past the last port it handed out.
	cursor uint32
}

type allocService struct {
	id, name string
	mode     ResolutionMode
	spec     []PortConfig // the spec ports of the last successful Allocate
	ports    []PortConfig // actual ports (Endpoint.Ports)
}

type portUse struct {
	svc  *allocService
	mode PublishMode
	// rank orders the uses of one service the way checkPortConflicts visits
	// them: spec ports first, then actual ports.
	rank int
}

// NewAllocator returns an empty allocator whose cursors are at 30000, the
// same as new(Allocator).
func NewAllocator() *Allocator {
	return new(Allocator)
}

// Ports returns a copy of the service's actual ports (Endpoint.Ports), or nil
// when the allocator does not know the service.
func (a *Allocator) Ports(serviceID string) []PortConfig {
	if s := a.services[serviceID]; s != nil {
		return clonePorts(s.ports)
	}
	return nil
}

// InUse reports whether an ingress port is reserved.
func (a *Allocator) InUse(port uint32, p Protocol) bool {
	if !p.valid() || port > MasterPortEnd {
		return false
	}
	return a.spaces[p].isSet(port)
}

// CheckConflicts implements controlapi's checkPortConflicts
// (manager/controlapi/service.go: Server.checkPortConflicts):
// the request's non-zero published ports are compared, by (protocol, port),
// with every OTHER service's spec ports and actual ports (so a port another
// service got dynamically counts too):
//
//   - requested ingress or host port vs. another service's ingress port:
//     `port '<N>' is already in use by service '<name>' (<id>) as an ingress port`;
//   - requested ingress port vs. another service's host port:
//     `port '<N>' is already in use by service '<name>' (<id>) as a host-published port`;
//   - host vs. host is allowed (the scheduler keeps such tasks apart per node).
//
// serviceID is the service being created or updated; it is never compared
// with itself. Like SwarmKit (which reads services from its store in ID
// order) the error names the conflicting service with the smallest ID, and
// within it the first conflicting port, spec ports before actual ports. The
// request is not validated here (see EndpointSpec.Validate). SwarmKit runs the
// check on update only when the endpoint spec changed (EndpointSpec.Equal).
func (a *Allocator) CheckConflicts(serviceID string, spec EndpointSpec) error {
	var reqIngress map[portKey]struct{}
	anyPort := false
	for _, p := range spec.Ports {
		if p.PublishedPort == 0 {
			continue
		}
		switch p.PublishMode {
		case Ingress:
			if reqIngress == nil {
				reqIngress = make(map[portKey]struct{}, len(spec.Ports))
			}
			reqIngress[keyOf(p.PublishedPort, p.Protocol)] = struct{}{}
			anyPort = true
		case Host:
			anyPort = true
		}
	}
	if !anyPort {
		return nil
	}
	var best *portUse
	var bestPort uint32
	for _, p := range spec.Ports {
		if p.PublishedPort == 0 || p.PublishMode > Host {
			continue
		}
		k := keyOf(p.PublishedPort, p.Protocol)
		for i := range a.uses[k] {
			u := &a.uses[k][i]
			if u.svc.id == serviceID {
				continue
			}
			conflict := false
			switch u.mode {
			case Ingress:
				conflict = true
			case Host:
				_, conflict = reqIngress[k]
			}
			if conflict && (best == nil || u.svc.id < best.svc.id || (u.svc.id == best.svc.id && u.rank < best.rank)) {
				best, bestPort = u, p.PublishedPort
			}
		}
	}
	if best == nil {
		return nil
	}
	as := "an ingress port"
	if best.mode == Host {
		as = "a host-published port"
	}
	return fmt.Errorf("port '%d' is already in use by service '%s' (%s) as %s", bestPort, best.svc.name, best.svc.id, as)
}

// Allocate (re)allocates a service's ports for spec and returns its actual
// ports (SwarmKit's Endpoint.Ports), following the allocator
// (portallocator.go: portAllocator.serviceAllocatePorts and
// reconcilePortConfigs):
//
//   - If the service's current ports already satisfy spec (same resolution
//     mode, same number of entries, every explicit ingress port and every
//     dynamic (name, protocol, target) entry present, every host target port
//     present), nothing is reallocated. If only host ports changed, the host
//     entries are replaced by spec's (ingress entries first, then spec's host
//     entries).
//   - Otherwise all the service's old ingress ports are freed and the ports
//     are allocated again. When the service had actual ports and the number
//     of entries is unchanged, the list is reconciled first: host entries and
//     explicit ingress ports in spec order, then dynamic ingress entries,
//     each keeping its old number if an old entry with the same (name,
//     protocol, target) exists (stickiness). When the number of entries
//     changed, spec's order is kept and every dynamic port is drawn again.
//   - An explicit ingress port is reserved (`requested bit is already
//     allocated` if taken, `requested id does not belong to the set` above
//     65535); a dynamic one takes the next free port after the cursor (`no
//     bit available` when the range is full). Host ports are copied as they
//     are; they are not reserved.
//
// On error nothing changes, the cursors included (SwarmKit leaves the service
// unallocated and retries later; the root decides what to do). The allocator
// does not validate spec: the controlapi checks (Validate, CheckConflicts)
// come first in Swarm.
func (a *Allocator) Allocate(serviceID, serviceName string, spec EndpointSpec) ([]PortConfig, error) {
	old := a.services[serviceID]
	if old != nil && old.mode == spec.Mode && portsAllocated(old.ports, spec.Ports) {
		ports := old.ports
		if hostPortsNeedUpdate(old.ports, spec.Ports) {
			ports = nil
			for _, p := range old.ports {
				if p.PublishMode == Ingress {
					ports = append(ports, p)
				}
			}
			for _, p := range spec.Ports {
				if p.PublishMode != Ingress {
					ports = append(ports, p)
				}
			}
		}
		a.commit(old, serviceName, spec, ports)
		return clonePorts(ports), nil
	}

	var oldPorts []PortConfig
	if old != nil {
		oldPorts = old.ports
	}
	configs := reconcile(old != nil, oldPorts, spec.Ports)

	cursors := [numProtocols]uint32{}
	for i := range a.spaces {
		cursors[i] = a.spaces[i].cursor
	}
	for _, p := range oldPorts {
		if p.PublishMode == Ingress && p.Protocol.valid() {
			a.spaces[p.Protocol].free(p.PublishedPort)
		}
	}
	var out []PortConfig
	if len(configs) > 0 {
		out = make([]PortConfig, 0, len(configs))
	}
	for _, pc := range configs {
		if pc.PublishMode == Ingress {
			var err error
			if !pc.Protocol.valid() {
				err = fmt.Errorf("unknown protocol %s", pc.Protocol)
			} else {
				pc.PublishedPort, err = a.spaces[pc.Protocol].allocate(pc.PublishedPort)
			}
			if err != nil {
				// Roll back: free what this attempt took, take the old
				// ports back (they were ours a moment ago, so they are
				// free), and put the cursors back.
				for _, p := range out {
					if p.PublishMode == Ingress {
						a.spaces[p.Protocol].free(p.PublishedPort)
					}
				}
				for _, p := range oldPorts {
					if p.PublishMode == Ingress && p.Protocol.valid() {
						a.spaces[p.Protocol].set(p.PublishedPort)
					}
				}
				for i := range a.spaces {
					a.spaces[i].cursor = cursors[i]
				}
				return nil, err
			}
		}
		out = append(out, pc)
	}
	if old == nil {
		old = &allocService{id: serviceID}
		if a.services == nil {
			a.services = make(map[string]*allocService)
		}
		a.services[serviceID] = old
	}
	a.commit(old, serviceName, spec, out)
	return clonePorts(out), nil
}

// Release frees all of a service's ingress ports at once and forgets the
// service (service removal: the ports can be reused at once, even while its
// tasks are still shutting down). The cursor does not move back.
func (a *Allocator) Release(serviceID string) {
	s := a.services[serviceID]
	if s == nil {
		return
	}
	for _, p := range s.ports {
		if p.PublishMode == Ingress && p.Protocol.valid() {
			a.spaces[p.Protocol].free(p.PublishedPort)
		}
	}
	a.unindex(s)
	delete(a.services, serviceID)
}

// commit records a service's new spec and actual ports and re-indexes them.
func (a *Allocator) commit(s *allocService, name string, spec EndpointSpec, ports []PortConfig) {
	a.unindex(s)
	s.name = name
	s.mode = spec.Mode
	s.spec = clonePorts(spec.Ports)
	s.ports = clonePorts(ports)
	rank := 0
	for _, list := range [2][]PortConfig{s.spec, s.ports} {
		for _, p := range list {
			if p.PublishedPort != 0 {
				k := keyOf(p.PublishedPort, p.Protocol)
				if a.uses == nil {
					a.uses = make(map[portKey][]portUse)
				}
				a.uses[k] = append(a.uses[k], portUse{svc: s, mode: p.PublishMode, rank: rank})
			}
			rank++
		}
	}
}

func (a *Allocator) unindex(s *allocService) {
	for _, list := range [2][]PortConfig{s.spec, s.ports} {
		for _, p := range list {
			if p.PublishedPort == 0 {
				continue
			}
			k := keyOf(p.PublishedPort, p.Protocol)
			us := a.uses[k]
			if us == nil {
				continue // already removed (a port listed twice)
			}
			kept := us[:0]
			for _, u := range us {
				if u.svc != s {
					kept = append(kept, u)
				}
			}
			clear(us[len(kept):])
			if len(kept) == 0 {
				delete(a.uses, k)
			} else {
				a.uses[k] = kept
			}
		}
	}
}

// portStates is SwarmKit's allocatedPorts: old ingress port states grouped by
// (name, protocol, target), in endpoint order.
type portStates map[PortConfig][]PortConfig

func stateKey(p PortConfig) PortConfig {
	return PortConfig{Name: p.Name, Protocol: p.Protocol, TargetPort: p.TargetPort}
}

func (ps portStates) add(p PortConfig) {
	k := stateKey(p)
	ps[k] = append(ps[k], p)
}

// del removes and returns the state matching p: for an explicit port the one
// with the same published port, for a dynamic one the first state with a
// non-zero published port (SwarmKit picks one in map order).
func (ps portStates) del(p PortConfig) (PortConfig, bool) {
	k := stateKey(p)
	list := ps[k]
	for i, s := range list {
		if (p.PublishedPort != 0 && s.PublishedPort == p.PublishedPort) || (p.PublishedPort == 0 && s.PublishedPort != 0) {
			ps[k] = append(list[:i:i], list[i+1:]...)
			return s, true
		}
	}
	return PortConfig{}, false
}

// reconcile is SwarmKit's reconcilePortConfigs.
func reconcile(hadEndpoint bool, old, spec []PortConfig) []PortConfig {
	if !hadEndpoint || len(spec) != len(old) {
		return spec
	}
	states := portStates{}
	for _, p := range old {
		if p.PublishMode == Ingress {
			states.add(p)
		}
	}
	out := make([]PortConfig, 0, len(spec))
	for _, p := range spec {
		if p.PublishMode != Ingress {
			out = append(out, p)
		} else if p.PublishedPort != 0 {
			states.del(p)
			out = append(out, p)
		}
	}
	for _, p := range spec {
		if p.PublishMode == Ingress && p.PublishedPort == 0 {
			if s, ok := states.del(p); ok {
				out = append(out, s)
				continue
			}
			out = append(out, p)
		}
	}
	return out
}

// portsAllocated is SwarmKit's isPortsAllocatedOnInit(s, false).
func portsAllocated(actual, spec []PortConfig) bool {
	if len(actual) == 0 && len(spec) == 0 {
		return true
	}
	if len(actual) != len(spec) {
		return false
	}
	states := portStates{}
	hostTargets := map[uint32]struct{}{}
	for _, p := range actual {
		switch p.PublishMode {
		case Ingress:
			states.add(p)
		case Host:
			hostTargets[p.TargetPort] = struct{}{}
		}
	}
	for _, p := range spec {
		if p.PublishMode == Ingress && p.PublishedPort != 0 {
			if _, ok := states.del(p); !ok {
				return false
			}
		}
	}
	for _, p := range spec {
		switch p.PublishMode {
		case Ingress:
			if p.PublishedPort == 0 {
				if _, ok := states.del(p); !ok {
					return false
				}
			}
		case Host:
			if _, ok := hostTargets[p.TargetPort]; !ok {
				return false
			}
		}
	}
	return true
}

// hostPortsNeedUpdate is SwarmKit's hostPublishPortsNeedUpdate: a host port
// of spec with a non-zero published port has no identical actual entry.
func hostPortsNeedUpdate(actual, spec []PortConfig) bool {
	states := portStates{}
	for _, p := range actual {
		if p.PublishMode == Host {
			states.add(p)
		}
	}
	for _, p := range spec {
		if p.PublishMode == Host && p.PublishedPort != 0 {
			if _, ok := states.del(p); !ok {
				return true
			}
		}
	}
	return false
}

func (s *portSpace) isSet(port uint32) bool { return s.used[port/64]&(1<<(port%64)) != 0 }
func (s *portSpace) set(port uint32)        { s.used[port/64] |= 1 << (port % 64) }

func (s *portSpace) free(port uint32) {
	if port >= MasterPortStart && port <= MasterPortEnd {
		s.used[port/64] &^= 1 << (port % 64)
	}
}

// allocate reserves port, or draws one from the dynamic range when port is 0.
func (s *portSpace) allocate(port uint32) (uint32, error) {
	if port != 0 {
		if port < MasterPortStart || port > MasterPortEnd {
			return 0, errors.New(errTextNotInSet)
		}
		if s.isSet(port) {
			return 0, errors.New(errTextBitAllocated)
		}
		s.set(port)
		return port, nil
	}
	// bitseq's serial SetAny: search from the cursor to the end of the
	// range, then from the start; the cursor moves one past the result.
	p, ok := s.firstFree(DynamicPortStart+s.cursor, DynamicPortEnd)
	if !ok {
		p, ok = s.firstFree(DynamicPortStart, DynamicPortEnd)
	}
	if !ok {
		return 0, errors.New(errTextNoBit)
	}
	s.set(p)
	s.cursor = p - DynamicPortStart + 1
	return p, nil
}

// firstFree returns the lowest free port in [from, to].
func (s *portSpace) firstFree(from, to uint32) (uint32, bool) {
	for p := from; p <= to; {
		w := ^s.used[p/64] >> (p % 64)
		if w == 0 {
			p = (p/64 + 1) * 64
			continue
		}
		f := p + uint32(bits.TrailingZeros64(w))
		if f > to {
			return 0, false
		}
		return f, true
	}
	return 0, false
}
