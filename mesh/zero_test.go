package mesh_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/mesh"
	"pgregory.net/rapid"
)

// The zero Mesh behaves like New's: the same random sequence of calls,
// starting with reads on the empty mesh, gives the same answers on both.
func TestZeroMeshIsNew(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var zero mesh.Mesh
		ms := [2]*mesh.Mesh{&zero, mesh.New()}
		nodes := []string{"n0", "n1", "n2"}
		svcs := []string{"a", "b"}
		ports := [][]mesh.PortConfig{
			{{TargetPort: 80, PublishedPort: 8080}},
			{{TargetPort: 80, PublishedPort: 8080, PublishMode: mesh.Host}},
			{{Protocol: mesh.UDP, TargetPort: 53, PublishedPort: 53}},
			nil,
		}
		probes := []uint32{8080, 53, mesh.GossipPort, mesh.DataPathPort}
		protos := []mesh.Protocol{mesh.TCP, mesh.UDP}
		var got [2][]string
		do := func(f func(m *mesh.Mesh) any) {
			for i, m := range ms {
				got[i] = append(got[i], fmt.Sprint(f(m)))
			}
		}
		// Reads first, while the zero Mesh has made nothing.
		do(func(m *mesh.Mesh) any { r, err := m.Resolve("n0", 8080, mesh.TCP); return fmt.Sprint(r, err) })
		do(func(m *mesh.Mesh) any { return m.Backends("a") })
		do(func(m *mesh.Mesh) any { return m.Listening("n0", 8080, mesh.TCP) })
		do(func(m *mesh.Mesh) any { return m.Blocked("n0", 8080, mesh.TCP) })
		do(func(m *mesh.Mesh) any {
			m.RemoveBackend("a", "t0")
			m.RemoveService("a")
			m.RemoveNode("n0")
			return nil
		})
		do(func(m *mesh.Mesh) any { m.Unblock("n0", 8080, mesh.TCP); m.SetNodeUp("n0", false); return nil })
		for range rapid.IntRange(0, 60).Draw(rt, "steps") {
			n := rapid.SampledFrom(nodes).Draw(rt, "node")
			s := rapid.SampledFrom(svcs).Draw(rt, "svc")
			port := rapid.SampledFrom(probes).Draw(rt, "port")
			proto := rapid.SampledFrom(protos).Draw(rt, "proto")
			task := fmt.Sprintf("t%d", rapid.IntRange(0, 5).Draw(rt, "task"))
			switch rapid.IntRange(0, 10).Draw(rt, "op") {
			case 0:
				do(func(m *mesh.Mesh) any { m.AddNode(n); return nil })
			case 1:
				do(func(m *mesh.Mesh) any { m.RemoveNode(n); return nil })
			case 2:
				up := rapid.Bool().Draw(rt, "up")
				do(func(m *mesh.Mesh) any { m.SetNodeUp(n, up); return nil })
			case 3:
				do(func(m *mesh.Mesh) any { m.Block(n, port, proto); return nil })
			case 4:
				do(func(m *mesh.Mesh) any { m.Unblock(n, port, proto); return nil })
			case 5:
				ps := rapid.SampledFrom(ports).Draw(rt, "ports")
				do(func(m *mesh.Mesh) any { m.SetService(s, s, mesh.VIP, ps); return nil })
			case 6:
				do(func(m *mesh.Mesh) any { m.RemoveService(s); return nil })
			case 7:
				do(func(m *mesh.Mesh) any { m.AddBackend(s, s+task, n); return nil })
			case 8:
				do(func(m *mesh.Mesh) any { m.RemoveBackend(s, s+task); return nil })
			case 9:
				do(func(m *mesh.Mesh) any { r, err := m.Resolve(n, port, proto); return fmt.Sprint(r, err) })
			case 10:
				do(func(m *mesh.Mesh) any {
					return fmt.Sprint(m.Backends(s), m.Listening(n, port, proto), m.Blocked(n, port, proto))
				})
			}
		}
		if d := cmp.Diff(got[1], got[0]); d != "" {
			rt.Fatalf("zero Mesh differs from New (-New +zero):\n%s", d)
		}
	})
}

// The zero Allocator behaves like NewAllocator's, dynamic cursor included.
func TestZeroAllocatorIsNew(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var zero mesh.Allocator
		as := [2]*mesh.Allocator{&zero, mesh.NewAllocator()}
		specs := []mesh.EndpointSpec{
			{Ports: []mesh.PortConfig{{TargetPort: 80}}},
			{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}},
			{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080, PublishMode: mesh.Host}}},
			{Ports: []mesh.PortConfig{{Protocol: mesh.UDP, TargetPort: 53, PublishedPort: 53}, {TargetPort: 81}}},
			{},
		}
		var got [2][]string
		do := func(f func(a *mesh.Allocator) any) {
			for i, a := range as {
				got[i] = append(got[i], fmt.Sprint(f(a)))
			}
		}
		do(func(a *mesh.Allocator) any { return fmt.Sprint(a.Ports("a"), a.InUse(30000, mesh.TCP)) })
		do(func(a *mesh.Allocator) any { return a.CheckConflicts("a", specs[1]) })
		do(func(a *mesh.Allocator) any { a.Release("a"); return nil })
		for range rapid.IntRange(0, 30).Draw(rt, "steps") {
			s := rapid.SampledFrom([]string{"a", "b", "c"}).Draw(rt, "svc")
			spec := rapid.SampledFrom(specs).Draw(rt, "spec")
			switch rapid.IntRange(0, 3).Draw(rt, "op") {
			case 0:
				do(func(a *mesh.Allocator) any { ps, err := a.Allocate(s, s, spec); return fmt.Sprint(ps, err) })
			case 1:
				do(func(a *mesh.Allocator) any { return a.CheckConflicts(s, spec) })
			case 2:
				do(func(a *mesh.Allocator) any { a.Release(s); return nil })
			case 3:
				do(func(a *mesh.Allocator) any {
					return fmt.Sprint(a.Ports(s), a.InUse(8080, mesh.TCP), a.InUse(30000, mesh.TCP), a.InUse(53, mesh.UDP))
				})
			}
		}
		if d := cmp.Diff(got[1], got[0]); d != "" {
			rt.Fatalf("zero Allocator differs from NewAllocator (-New +zero):\n%s", d)
		}
	})
}
