package mesh

import (
	"fmt"
	"reflect"
	"testing"
)

// allocSnapshot is a deep copy of an Allocator's state.
type allocSnapshot struct {
	Spaces   [numProtocols]portSpace
	Services map[string]allocService
	Uses     map[portKey][]string
}

func snapshot(a *Allocator) allocSnapshot {
	s := allocSnapshot{Spaces: a.spaces, Services: map[string]allocService{}, Uses: map[portKey][]string{}}
	for id, sv := range a.services {
		s.Services[id] = allocService{id: sv.id, name: sv.name, mode: sv.mode, spec: clonePorts(sv.spec), ports: clonePorts(sv.ports)}
	}
	for k, us := range a.uses {
		for _, u := range us {
			s.Uses[k] = append(s.Uses[k], fmt.Sprintf("%s/%d/%d", u.svc.id, u.mode, u.rank))
		}
	}
	return s
}

// checkAllocator verifies that the reserved ports are exactly the union of
// every service's ingress ports, with no port held twice.
func checkAllocator(t *testing.T, a *Allocator) {
	t.Helper()
	var want [numProtocols]portSpace
	for _, s := range a.services {
		for _, p := range s.ports {
			if p.PublishMode != Ingress {
				continue
			}
			if !p.Protocol.valid() || p.PublishedPort == 0 || p.PublishedPort > MasterPortEnd {
				t.Fatalf("service %s holds impossible ingress port %+v", s.id, p)
			}
			if want[p.Protocol].isSet(p.PublishedPort) {
				t.Fatalf("port %d/%s held twice", p.PublishedPort, p.Protocol)
			}
			want[p.Protocol].set(p.PublishedPort)
		}
	}
	for i := range want {
		if want[i].used != a.spaces[i].used {
			t.Fatalf("protocol %d: reserved ports differ from the services' ports", i)
		}
	}
}

// FuzzAllocator drives Allocate, CheckConflicts and Release with arbitrary
// port specs: no panic, a failed Allocate changes nothing, and reservations
// always match the services' actual ports.
func FuzzAllocator(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 0, 80, 0, 0, 0})
	f.Add([]byte{0, 1, 2, 1, 0, 53, 53, 1, 0, 53, 53, 0, 2, 1, 0, 0, 80, 0x75, 0x30})
	f.Add([]byte{0, 0, 3, 0, 1, 80, 0x1f, 0x90, 2, 0, 0, 0, 0, 1, 0, 0})
	f.Add([]byte{0, 0, 1, 7, 0, 80, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		a := NewAllocator()
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return b
		}
		for steps := 0; len(data) > 0 && steps < 200; steps++ {
			op := next() % 3
			id := fmt.Sprintf("s%d", next()%4)
			n := int(next() % 6)
			spec := EndpointSpec{Mode: ResolutionMode(next() % 3)}
			for range n {
				p := PortConfig{
					Protocol:    Protocol(next() % 4),
					PublishMode: PublishMode(next() % 3),
					TargetPort:  uint32(next()),
				}
				if next()%2 == 1 {
					p.Name = "x"
				}
				hi, lo := next(), next()
				switch sel := next() % 4; sel {
				case 0:
					p.PublishedPort = 0
				case 1:
					p.PublishedPort = 30000 + uint32(hi)<<8 | uint32(lo)
				case 2:
					p.PublishedPort = uint32(hi)<<8 | uint32(lo)
				default:
					p.PublishedPort = uint32(hi)<<16 | uint32(lo) | 1
				}
				spec.Ports = append(spec.Ports, p)
			}
			_ = spec.Validate()
			switch op {
			case 0:
				before := snapshot(a)
				ports, err := a.Allocate(id, id, spec)
				if err != nil {
					if !reflect.DeepEqual(before, snapshot(a)) {
						t.Fatalf("failed Allocate(%s, %+v) changed the allocator: %v", id, spec, err)
					}
				} else if len(ports) != len(spec.Ports) {
					t.Fatalf("Allocate returned %d ports for %d", len(ports), len(spec.Ports))
				}
			case 1:
				_ = a.CheckConflicts(id, spec)
			case 2:
				a.Release(id)
			}
			checkAllocator(t, a)
		}
	})
}
