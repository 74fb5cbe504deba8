package mesh

import (
	"fmt"
	"math/rand/v2"
	"runtime"
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

// BenchmarkResolve: random entry nodes and services over 10,000 nodes and
// 1,000 published services, nothing blocked (the common case).
func BenchmarkResolve(b *testing.B) {
	m, reqs := benchMesh(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := reqs[i&(len(reqs)-1)]
		if _, err := m.Resolve(r.entry, r.port, TCP); err != nil {
			b.Fatal(err)
		}
	}
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
