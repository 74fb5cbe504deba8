package mesh

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
)

const (
	benchNodes    = 10000
	benchServices = 1000
	benchReplicas = 5
)

type benchReq struct {
	entry string
	port  uint32
}

// benchMesh builds 10,000 nodes and 1,000 services, each with one published
// ingress port and 5 backends spread over the nodes, plus a fixed random
// sequence of (entry node, port) connections.
func benchMesh(b *testing.B) (*Mesh, []benchReq) {
	b.Helper()
	m := New()
	names := make([]string, benchNodes)
	for i := range names {
		names[i] = fmt.Sprintf("node-%05d", i)
		m.AddNode(names[i])
	}
	for s := range benchServices {
		id := fmt.Sprintf("svc-%04d", s)
		m.SetService(id, id, VIP, []PortConfig{ing(80, uint32(10000+s))})
		for r := range benchReplicas {
			m.AddBackend(id, fmt.Sprintf("%s.%d", id, r), names[(s*7+r*1999)%benchNodes])
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	reqs := make([]benchReq, 1<<16)
	for i := range reqs {
		reqs[i] = benchReq{names[rng.IntN(benchNodes)], uint32(10000 + rng.IntN(benchServices))}
	}
	for _, r := range reqs { // warm up: rotations are allocated lazily
		if _, err := m.Resolve(r.entry, r.port, TCP); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	return m, reqs
}

// BenchmarkResolve: 10,000 nodes and 1,000 published services (5 backends
// each), nothing blocked (the common case), under three access patterns:
//
//   - few: a client (a probe, a test) hitting 4 entry nodes and 8 services,
//     the realistic pattern of the simulator;
//   - random64k: a fixed random sequence of 65,536 connections, each to a
//     random entry node and service (at most 65,536 distinct pairs);
//   - randomAll: every one of the 10 million (entry node, service) pairs has
//     resolved once, and each connection picks a fresh random pair: the
//     worst case, bounded by memory latency.
func BenchmarkResolve(b *testing.B) {
	b.Run("few", func(b *testing.B) {
		m, _ := benchMesh(b)
		var reqs [32]benchReq
		for i := range reqs {
			reqs[i] = benchReq{fmt.Sprintf("node-%05d", 1000+(i%4)*2311), uint32(10000 + (i*137)%benchServices)}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			r := reqs[i&(len(reqs)-1)]
			if _, err := m.Resolve(r.entry, r.port, TCP); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("random64k", func(b *testing.B) {
		m, reqs := benchMesh(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			r := reqs[i&(len(reqs)-1)]
			if _, err := m.Resolve(r.entry, r.port, TCP); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("randomAll", func(b *testing.B) {
		if testing.Short() {
			b.Skip("warms 10 million rotations")
		}
		m, _ := benchMesh(b)
		names := make([]string, benchNodes)
		for i := range names {
			names[i] = fmt.Sprintf("node-%05d", i)
		}
		for s := range benchServices {
			for _, n := range names {
				if _, err := m.Resolve(n, uint32(10000+s), TCP); err != nil {
					b.Fatal(err)
				}
			}
		}
		runtime.GC()
		x := uint64(0x9E3779B97F4A7C15)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			x ^= x << 13 // xorshift: a fresh pair per call, no table to read
			x ^= x >> 7
			x ^= x << 17
			n, s := (x>>32)%benchNodes, (x&0xffffffff)%benchServices
			if _, err := m.Resolve(names[n], uint32(10000+s), TCP); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkResolveSameEntry: one client hammering one node and one service.
func BenchmarkResolveSameEntry(b *testing.B) {
	m, _ := benchMesh(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Resolve("node-00042", 10042, TCP); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveGossipBlocked: one node blocks 7946/tcp, so every Resolve
// takes the filtering path (bounded by the service's 5 backends).
func BenchmarkResolveGossipBlocked(b *testing.B) {
	m, reqs := benchMesh(b)
	m.Block("node-09999", GossipPort, TCP)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := reqs[i&(len(reqs)-1)]
		if _, err := m.Resolve(r.entry, r.port, TCP); err != nil && r.entry != "node-09999" {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddRemoveBackend: one task joins and leaves a service with 5
// backends, in a 10,000-node, 1,000-service mesh.
func BenchmarkAddRemoveBackend(b *testing.B) {
	m, _ := benchMesh(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.AddBackend("svc-0007", "extra", "node-00001")
		m.RemoveBackend("svc-0007", "extra")
	}
}

// BenchmarkRollingBackends: a rolling update of one service: each operation
// removes the oldest backend and adds a new one, while 16 entry nodes keep
// resolving (so their rotations point into the churn). The cost per
// operation must not grow with the number of backends (1,000 vs 100,000).
func BenchmarkRollingBackends(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("backends=%d", n), func(b *testing.B) {
			m := New()
			const nodes = 100
			names := make([]string, nodes)
			for i := range names {
				names[i] = fmt.Sprintf("node-%03d", i)
				m.AddNode(names[i])
			}
			m.SetService("svc", "svc", VIP, []PortConfig{ing(80, 8080)})
			task := func(i int) string { return "svc." + strconv.Itoa(i) }
			for i := range n {
				m.AddBackend("svc", task(i), names[i%nodes])
			}
			for i := range 16 { // spread the entry nodes' positions
				for range i * n / 16 % 997 {
					m.Resolve(names[i], 8080, TCP)
				}
			}
			// A ring of task IDs longer than the backend set: the live
			// backends are ids[k..k+n) (mod len), oldest first.
			ids := make([]string, n+1024)
			for i := range ids {
				ids[i] = task(i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for k := 0; k < b.N; k++ {
				m.RemoveBackend("svc", ids[k%len(ids)])
				j := (k + n) % len(ids)
				m.AddBackend("svc", ids[j], names[j%nodes])
				if _, err := m.Resolve(names[k&15], 8080, TCP); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAddRemoveBackendRef is BenchmarkAddRemoveBackend by handles
// (AddBackendRef, RemoveBackendRef), as the root package adds and removes
// backends.
func BenchmarkAddRemoveBackendRef(b *testing.B) {
	m, _ := benchMesh(b)
	s := m.SetService("svc-0007", "svc-0007", VIP, []PortConfig{ing(80, 10007)})
	n := m.AddNode("node-00001")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.RemoveBackendRef(s, m.AddBackendRef(s, n, "extra"))
	}
}

// BenchmarkRollingBackendsRef is BenchmarkRollingBackends by handles: the
// cost per operation must not grow with the number of backends either, and
// there is no task index to miss the cache in.
func BenchmarkRollingBackendsRef(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("backends=%d", n), func(b *testing.B) {
			m := New()
			const nodes = 100
			names := make([]string, nodes)
			refs := make([]NodeRef, nodes)
			for i := range names {
				names[i] = fmt.Sprintf("node-%03d", i)
				refs[i] = m.AddNode(names[i])
			}
			s := m.SetService("svc", "svc", VIP, []PortConfig{ing(80, 8080)})
			ids := make([]string, n+1024)
			for i := range ids {
				ids[i] = "svc." + strconv.Itoa(i)
			}
			backends := make([]BackendRef, len(ids))
			for i := range n {
				backends[i] = m.AddBackendRef(s, refs[i%nodes], ids[i])
			}
			for i := range 16 { // spread the entry nodes' positions
				for range i * n / 16 % 997 {
					m.Resolve(names[i], 8080, TCP)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for k := 0; k < b.N; k++ {
				m.RemoveBackendRef(s, backends[k%len(ids)])
				j := (k + n) % len(ids)
				backends[j] = m.AddBackendRef(s, refs[j%nodes], ids[j])
				if _, err := m.Resolve(names[k&15], 8080, TCP); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAllocate: create and remove a service with one explicit and one
// dynamic port, next to 1,000 allocated services.
func BenchmarkAllocate(b *testing.B) {
	a := NewAllocator()
	for s := range benchServices {
		id := fmt.Sprintf("svc-%04d", s)
		if _, err := a.Allocate(id, id, spec(ing(80, uint32(10000+s)), ing(81, 0))); err != nil {
			b.Fatal(err)
		}
	}
	sp := spec(ing(80, 8080), ing(81, 0))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := a.CheckConflicts("new", sp); err != nil {
			b.Fatal(err)
		}
		if _, err := a.Allocate("new", "new", sp); err != nil {
			b.Fatal(err)
		}
		a.Release("new")
	}
}

// BenchmarkTaskIndexHash is the hash AddBackend and RemoveBackend compute
// for every task ID (25 characters, as the store's IDs).
func BenchmarkTaskIndexHash(b *testing.B) {
	var t taskIndex
	ids := [2]string{"x0r8nzq6w5c2m1v7b3k9j4h5g", "a1b2c3d4e5f6g7h8i9j0k1l2m"}
	var sum uint32
	i := 0
	for b.Loop() {
		sum += t.hash(ids[i&1])
		i++
	}
	if sum == 0 && b.N > 1 {
		b.Log(sum) // keep sum alive
	}
}
