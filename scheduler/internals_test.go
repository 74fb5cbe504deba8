package scheduler

// Accessors that give the white-box test helpers (dump, checkIndex,
// checkDecisions) the Set's internals by service ID and count, whatever
// their representation (interned service handles, dense count buckets).

// svcCounts returns a node's ActiveTasksCountByService by service ID
// (non-zero entries).
func svcCounts(s *Set, ni *nodeInfo) map[string]int32 {
	m := make(map[string]int32, len(ni.bySvc))
	for _, e := range ni.bySvc {
		m[s.svcs[e.h].id] = e.c
	}
	return m
}

// svcIndexes returns the non-empty per-service indexes by service ID.
func svcIndexes(s *Set) map[string]*countIndex {
	m := make(map[string]*countIndex)
	for _, sv := range s.svcs {
		if sv.idx != nil && sv.idx.pop > 0 {
			m[sv.id] = sv.idx
		}
	}
	return m
}

// buckets returns an index's non-empty buckets by count.
func buckets(ci *countIndex) map[int32]*bucket {
	m := make(map[int32]*bucket)
	for c, b := range ci.dense {
		if b != nil && b.pop > 0 {
			m[int32(c)] = b
		}
	}
	for c, b := range ci.other {
		m[c] = b
	}
	return m
}

// checkInternals verifies the service handles, the per-node counts and the
// count buckets' word bounds against each other.
func checkInternals(t interface {
	Helper()
	Fatalf(string, ...any)
}, s *Set) {
	t.Helper()
	refs := make([]int, len(s.svcs))
	for id, ni := range s.byID {
		if ni.id != id {
			t.Fatalf("byID[%s] holds %s", id, ni.id)
		}
		if ni.ref <= 0 || int(ni.ref) >= len(s.refs) || s.refs[ni.ref] != ni {
			t.Fatalf("node %s: its ref %d does not lead back to it", id, ni.ref)
		}
		for i, e := range ni.bySvc {
			if e.c == 0 || (i > 0 && ni.bySvc[i-1].h >= e.h) {
				t.Fatalf("node %s: bad service counts %v", id, ni.bySvc)
			}
			if int(e.h) >= len(s.svcs) || s.svcs[e.h].id == "" {
				t.Fatalf("node %s: count of released handle %d", id, e.h)
			}
			refs[e.h]++
		}
		for i, e := range ni.ports {
			if e.c <= 0 || (i > 0 && portCmp(ni.ports[i-1].p, e.p) >= 0) {
				t.Fatalf("node %s: bad port counts %v", id, ni.ports)
			}
		}
	}
	for r, ni := range s.refs {
		if ni != nil && (ni.ref != NodeRef(r) || s.byID[ni.id] != ni) {
			t.Fatalf("ref %d holds node %s (ref %d), which the Set forgot", r, ni.id, ni.ref)
		}
	}
	used := 0
	for h, sv := range s.svcs {
		if sv.refs != refs[h] {
			t.Fatalf("handle %d (%q): refs %d, counted %d", h, sv.id, sv.refs, refs[h])
		}
		if sv.id != "" {
			used++
			if got, ok := s.svcByID[sv.id]; !ok || int(got) != h {
				t.Fatalf("handle %d (%q): svcByID gives %d", h, sv.id, got)
			}
		} else if sv.idx != nil && sv.idx.pop != 0 {
			t.Fatalf("released handle %d indexes %d slots", h, sv.idx.pop)
		}
		if sv.idx != nil {
			checkBuckets(t, sv.idx)
		}
	}
	if used != len(s.svcByID) || used+len(s.freeSvc) != len(s.svcs) {
		t.Fatalf("%d handles used, %d interned, %d free of %d", used, len(s.svcByID), len(s.freeSvc), len(s.svcs))
	}
	checkBuckets(t, &s.totals)
	if s.last != nil && s.byID[s.last.id] != s.last {
		t.Fatalf("stale node cache %s", s.last.id)
	}
	if h := s.lastSvc; uint32(h) < uint32(len(s.svcs)) && s.svcs[h].id == "" {
		t.Fatalf("service cache holds released handle %d", s.lastSvc)
	}
}

// checkBuckets verifies each bucket's population and word bounds.
func checkBuckets(t interface {
	Helper()
	Fatalf(string, ...any)
}, ci *countIndex) {
	t.Helper()
	for c, b := range buckets(ci) {
		n := 0
		for w, x := range b.bits {
			n += popcount(x)
			if x != 0 && (w < b.lo || w >= b.hi) {
				t.Fatalf("bucket %d: word %d outside [%d, %d)", c, w, b.lo, b.hi)
			}
		}
		if n != b.pop || n == 0 {
			t.Fatalf("bucket %d: pop %d, %d bits", c, b.pop, n)
		}
	}
	for _, b := range ci.spare {
		if b.pop != 0 || popcount64s(b.bits) != 0 {
			t.Fatalf("spare bucket not empty")
		}
	}
	for c, b := range ci.dense {
		if b != nil && b.pop == 0 && (popcount64s(b.bits) != 0 || b.lo != 0 || b.hi != 0) {
			t.Fatalf("empty bucket %d has bits", c)
		}
	}
}

func popcount(x uint64) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

func popcount64s(b bitset) int {
	n := 0
	for _, x := range b {
		n += popcount(x)
	}
	return n
}

// portCounts returns a node's host-port counts by port.
func portCounts(ni *nodeInfo) map[HostPort]int32 {
	m := make(map[HostPort]int32, len(ni.ports))
	for _, e := range ni.ports {
		m[e.p] = e.c
	}
	return m
}
