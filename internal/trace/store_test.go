package trace

import (
	"fmt"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/swarmsim/swarmsim/events"
	"github.com/swarmsim/swarmsim/task"
)

// A record is 32 bytes and holds nothing the garbage collector must scan.
func TestRecCompact(t *testing.T) {
	if n := unsafe.Sizeof(Rec{}); n > 24 {
		t.Errorf("Rec is %d bytes; want at most 24", n)
	}
	rt := reflect.TypeOf(Rec{})
	for i := range rt.NumField() {
		switch rt.Field(i).Type.Kind() {
		case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer:
			t.Errorf("Rec.%s is a %s: the GC would scan every record", rt.Field(i).Name, rt.Field(i).Type.Kind())
		}
	}
}

func fill(s *Store, n int) {
	for i := 1; i <= n; i++ {
		s.Append(uint64(i), MakeRec(int64(i), 1, 0, 0))
	}
}

func collect(s *Store, from uint64) []int64 {
	var out []int64
	s.Each(from, func(seq uint64, r *Rec) bool {
		if uint64(r.At()) != seq {
			panic("record out of place")
		}
		out = append(out, r.At())
		return true
	})
	return out
}

// An unbounded store keeps every record, across chunks, and finds any of
// them by its sequence number.
func TestStoreUnbounded(t *testing.T) {
	var s Store
	const n = 3*chunkMax + 17
	fill(&s, n)
	if s.Len() != n || s.FirstSeq() != 1 || s.LastSeq() != n {
		t.Fatalf("Len %d FirstSeq %d LastSeq %d", s.Len(), s.FirstSeq(), s.LastSeq())
	}
	for _, seq := range []uint64{1, chunkMax, chunkMax + 1, n} {
		if got := s.At(seq).At(); got != int64(seq) {
			t.Errorf("At(%d) = record %d", seq, got)
		}
		if got := collect(&s, seq); len(got) != n-int(seq)+1 || got[0] != int64(seq) {
			t.Errorf("Each(%d) gave %d records from %v", seq, len(got), got[:1])
		}
	}
	stop := 0
	s.Each(0, func(uint64, *Rec) bool { stop++; return stop < 5 })
	if stop != 5 {
		t.Errorf("Each went on after false: %d calls", stop)
	}
}

// A bounded store keeps exactly the newest records, in about twice the room.
func TestStoreLimit(t *testing.T) {
	for _, limit := range []int{1, 100, 5000} {
		var s Store
		s.SetLimit(limit)
		fill(&s, 20000)
		if s.Len() != limit || s.FirstSeq() != 20000-uint64(limit)+1 {
			t.Errorf("limit %d: Len %d FirstSeq %d", limit, s.Len(), s.FirstSeq())
		}
		got := collect(&s, 0)
		if len(got) != limit || got[0] != int64(20000-limit+1) {
			t.Errorf("limit %d: Each gave %d records", limit, len(got))
		}
		if fp := s.Footprint(); fp > 2*limit+2*16 {
			t.Errorf("limit %d: room for %d records", limit, fp)
		}
	}
	var empty Store
	if empty.Len() != 0 || empty.FirstSeq() != 0 || len(collect(&empty, 0)) != 0 {
		t.Error("an empty store is not empty")
	}
}

// Interned strings and texts come back as they went in; empty ones are 0.
func TestIntern(t *testing.T) {
	var s Store
	if s.Str("") != 0 || s.Text("", "") != 0 {
		t.Error("empty strings are not 0")
	}
	a, b := s.Str("nginx:1"), s.Str("nginx:2")
	if a == b || s.Str("nginx:1") != a || s.StrOf(b) != "nginx:2" {
		t.Error("Str does not intern")
	}
	x := s.Text("started", "")
	y := s.Text("started", "boom")
	if x == y || s.Text("started", "") != x {
		t.Error("Text does not intern pairs")
	}
	if m, e := s.TextOf(y); m != "started" || e != "boom" {
		t.Errorf("TextOf = %q, %q", m, e)
	}
}

// Texts with equal contents at different addresses intern to the same
// entry, and the cache never confuses different texts.
func TestTextCache(t *testing.T) {
	var s Store
	b := []byte("preparing")
	a1 := s.Text("preparing", "")
	a2 := s.Text(string(b), "")       // same bytes elsewhere
	a3 := s.Text(string(b[:7]), "")   // a prefix: another text
	a4 := s.Text("preparing", "boom") // another error
	if a1 != a2 || a1 == a3 || a1 == a4 || a3 == a4 {
		t.Errorf("Text = %d %d %d %d", a1, a2, a3, a4)
	}
	for i := range 1000 {
		m := string(rune('a'+i%26)) + string(rune('a'+i/26%26))
		if got, _ := s.TextOf(s.Text(m, "")); got != m {
			t.Fatalf("TextOf(Text(%q)) = %q", m, got)
		}
	}
}

// Two texts whose cache entries collide, used in turn (a task shut down,
// its replacement assigned, slot after slot), both stay in the cache.
func TestTextCacheCollision(t *testing.T) {
	cached := func(s *Store, m string) int { // the cache entry holding m, or -1
		p := uintptr(unsafe.Pointer(unsafe.StringData(m)))
		for i, e := range s.textCache {
			if e.msg == p && e.lm == len(m) && e.idx != 0 {
				return i
			}
		}
		return -1
	}
	// More texts than sets: two of them share a set.
	texts := make([]string, textCacheSize)
	set := map[int]string{}
	var a, b string
	for i := range texts {
		texts[i] = fmt.Sprintf("text %d", i)
		var s Store
		s.Text(texts[i], "")
		k := cached(&s, texts[i]) / 2
		if other, ok := set[k]; ok {
			a, b = other, texts[i]
			break
		}
		set[k] = texts[i]
	}
	if a == "" {
		t.Fatal("no two texts share a cache set")
	}
	var s Store
	ia, ib := s.Text(a, ""), s.Text(b, "")
	for range 10 {
		if s.Text(a, "") != ia || s.Text(b, "") != ib {
			t.Fatal("a cached text changed its index")
		}
	}
	if cached(&s, a) < 0 || cached(&s, b) < 0 {
		t.Errorf("%q cached at %d, %q at %d: want both cached", a, cached(&s, a), b, cached(&s, b))
	}
}

func BenchmarkText(b *testing.B) {
	var s Store
	msgs := []string{"preparing", "starting", "started", "shutdown", "assigned", "accepted", "pending"}
	for i := 0; b.Loop(); i++ {
		s.Text(msgs[i%len(msgs)], "")
	}
}

// A record gives back its time, kind and states, whole: times up to the
// end of int64, every kind below 64 and states up to MaxState (task states
// go up to 832).
func TestRecFields(t *testing.T) {
	for _, at := range []int64{0, 1, 1<<32 - 1, 1 << 32, 1<<62 + 12345, 1<<63 - 1} {
		for _, k := range []uint8{0, 1, 16, 63} {
			for _, st := range [][2]uint16{{0, 0}, {832, 800}, {MaxState, 1}, {7, MaxState}} {
				r := MakeRec(at, k, st[0], st[1])
				if r.At() != at || r.Kind() != k || r.From() != st[0] || r.To() != st[1] {
					t.Errorf("MakeRec(%d, %d, %d, %d) gives back %d, %d, %d, %d", at, k, st[0], st[1], r.At(), r.Kind(), r.From(), r.To())
				}
			}
		}
	}
	if r := MakeRec(5, 1, 9000, 65535); r.From() != MaxState || r.To() != MaxState || r.At() != 5 {
		t.Errorf("out-of-range states spill: %d %d", r.From(), r.To())
	}
}

// FuzzStore checks a store against a plain slice: whatever the limit and
// the number of records, it keeps exactly the newest ones, and Each and At
// find them from any sequence number.
func FuzzStore(f *testing.F) {
	f.Add(uint16(0), uint16(100), uint16(0))
	f.Add(uint16(1), uint16(5000), uint16(4990))
	f.Add(uint16(100), uint16(9000), uint16(8950))
	f.Add(uint16(5000), uint16(20000), uint16(1))
	f.Fuzz(func(t *testing.T, limit, n, from uint16) {
		var s Store
		s.SetLimit(int(limit))
		for i := 1; i <= int(n); i++ {
			s.Append(uint64(i), MakeRec(int64(i)*3, uint8(i%64), uint16(i%MaxState), 0))
		}
		keep := int(n)
		if limit > 0 {
			keep = min(keep, int(limit))
		}
		first := uint64(n) - uint64(keep) + 1
		if keep == 0 {
			first = 0
		}
		if s.Len() != keep || s.FirstSeq() != first {
			t.Fatalf("limit %d, %d records: Len %d FirstSeq %d; want %d, %d", limit, n, s.Len(), s.FirstSeq(), keep, first)
		}
		want := uint64(max(uint64(from), first))
		got := 0
		s.Each(uint64(from), func(seq uint64, r *Rec) bool {
			if seq != want || r.At() != int64(seq)*3 || r.Kind() != uint8(seq%64) || r.From() != uint16(seq%MaxState) {
				t.Fatalf("Each gave record %d (at %d) where %d was due", seq, r.At(), want)
			}
			if a := s.At(seq); a.At() != r.At() {
				t.Fatalf("At(%d) = record at %d", seq, a.At())
			}
			want++
			got++
			return true
		})
		start := max(uint64(from), first)
		if keep > 0 && start <= uint64(n) && got != int(uint64(n)-start+1) {
			t.Fatalf("Each from %d gave %d records of %d", from, got, n)
		}
		if limit > 0 && s.Footprint() > 2*int(limit)+2*16 {
			t.Fatalf("limit %d: room for %d records", limit, s.Footprint())
		}
	})
}

// BenchmarkEachTail reads the newest 10 records of stores of growing
// length: the start is found by arithmetic on the sequence number, so the
// cost stays the same whatever the length.
func BenchmarkEachTail(b *testing.B) {
	for _, n := range []int{1e3, 1e5, 1e7} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			var s Store
			fill(&s, n)
			for b.Loop() {
				k := 0
				s.Each(s.LastSeq()-9, func(uint64, *Rec) bool { k++; return true })
				if k != 10 {
					b.Fatalf("%d records", k)
				}
			}
		})
	}
}

// A bounded store forgets a task once the limit has dropped every record
// that names it, and frees a page of such tasks whole; a task it forgot that
// has more to say is noted again and expands as before. An unbounded store
// forgets nothing.
func TestStoreLimitReleasesTasks(t *testing.T) {
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	const limit, tasks = 100, 5 * taskPage
	var s Store
	s.SetLimit(limit)
	svc := s.SetService(0, "svc-web", "web")
	seq := uint64(0)
	note := func(i int32, kind events.Kind) {
		if kind == events.TaskCreated || s.Released(i) {
			s.SetTask(i, &task.Task{ID: fmt.Sprintf("task-%d", i), Slot: uint64(i) + 1, Image: "web:1"}, svc)
		}
		seq++
		r := MakeRec(int64(seq), uint8(kind), 0, uint16(task.Running))
		r.Subj = TaskSubject(i)
		s.Append(seq, r)
		// The oldest record kept still names its task.
		first := s.FirstSeq()
		if e, want := s.Event(first, s.At(first), epoch), fmt.Sprintf("task-%d", s.At(first).Subj-1); e.TaskID != want {
			t.Fatalf("after record %d, the oldest kept (%d) expands to task %q, want %q", seq, first, e.TaskID, want)
		}
	}
	// Task 0 is created first and lives on, silent; the others come and go.
	note(0, events.TaskCreated)
	for i := int32(1); i < tasks; i++ {
		note(i, events.TaskCreated)
		note(i, events.TaskState)
	}
	if !s.Released(0) || !s.Released(1) || s.Released(tasks-1) {
		t.Errorf("released: task 0 %v, task 1 %v, newest %v; want true, true, false", s.Released(0), s.Released(1), s.Released(tasks-1))
	}
	pages := 0
	for _, p := range s.tasks {
		if p != nil {
			pages++
		}
	}
	if pages > 1 {
		t.Errorf("%d pages of task entries kept for %d records about the newest tasks; want 1", pages, limit)
	}
	// Task 0 speaks again: it is noted again and named as before.
	note(0, events.TaskState)
	if got := s.Event(seq, s.At(seq), epoch); got.TaskID != "task-0" || got.Task != "web.1" || got.Image != "web:1" {
		t.Errorf("task 0 after its entry was released expands to %+v", got)
	}
	// Every record kept still expands to its own task.
	s.Each(0, func(seq uint64, r *Rec) bool {
		if e := s.Event(seq, r, epoch); e.TaskID != fmt.Sprintf("task-%d", r.Subj-1) {
			t.Errorf("record %d (task %d) expands to task %q", seq, r.Subj-1, e.TaskID)
		}
		return true
	})

	var all Store
	all.SetTask(0, &task.Task{ID: "task-0"}, all.SetService(0, "svc-web", "web"))
	fill(&all, 3*chunkMax)
	if all.Released(0) {
		t.Error("an unbounded store released a task")
	}
}
