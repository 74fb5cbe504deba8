// Package trace is the compact in-memory store of a cluster's event trace:
// fixed-size records without pointers, kept in chunks that are never copied
// as the trace grows, with the names they refer to interned once. The root
// package notes an event's subjects (SetService, SetNode, SetTask) and
// appends its record; Store.Event turns a record back into the public
// events.Event it stands for.
package trace

import "unsafe"

// Rec is one event in 24 bytes, with no pointer for the garbage collector
// to scan. Its sequence number is not stored: the store's records are
// consecutive, so it follows from the record's position.
type Rec struct {
	at   [2]uint32 // virtual time, nanoseconds since the epoch, split so the record packs to 4-byte alignment
	Subj int32     // task index + 1; or -(service index + 1) for an event about a service; 0: none
	Node int32     // node index + 1; 0: none
	Text uint32    // the (message, error) pair, interned; 0: none
	bits uint32    // kind (6 bits), from and to (13 bits each)
}

// MaxState is the largest From or To value a record holds; larger values
// are stored as MaxState.
const MaxState = 1<<13 - 1

// MakeRec returns a record of an event at a time, of a kind (below 64),
// between two states.
func MakeRec(at int64, kind uint8, from, to uint16) Rec {
	return Rec{at: [2]uint32{uint32(at), uint32(uint64(at) >> 32)},
		bits: uint32(kind&63) | uint32(min(from, MaxState))<<6 | uint32(min(to, MaxState))<<19}
}

// At is the record's virtual time.
func (r *Rec) At() int64 { return int64(uint64(r.at[0]) | uint64(r.at[1])<<32) }

// Kind is the record's event kind.
func (r *Rec) Kind() uint8 { return uint8(r.bits & 63) }

// From is the state the event left.
func (r *Rec) From() uint16 { return uint16(r.bits >> 6 & MaxState) }

// To is the state the event entered.
func (r *Rec) To() uint16 { return uint16(r.bits >> 19 & MaxState) }

// TaskInfo is what the trace shows of a task: everything an event names,
// kept after the task itself has been freed.
type TaskInfo struct {
	ID     string
	NodeID string // set for global tasks, whose names end with it
	Slot   uint64
	Svc    int32  // service index + 1
	Image  uint32 // interned

	// last is the sequence number of the task's latest record, kept by a
	// bounded store only: once the limit has dropped it, nothing names the
	// task any more and its entry is released.
	last uint64
}

// nodeInfo is what the trace shows of a node.
type nodeInfo struct{ id, name string }

// svcInfo is what the trace shows of a service.
type svcInfo struct{ id, name string }

// taskPage is how many tasks a page of the task table holds.
const taskPage = 1024

// Task returns the entry of the task with index i, creating it (zero) if
// needed. The table grows a page at a time and is never copied.
func (s *Store) Task(i int32) *TaskInfo {
	p := int(i) / taskPage
	for p >= len(s.tasks) {
		s.tasks = append(s.tasks, make([]TaskInfo, taskPage))
		s.taskLive = append(s.taskLive, 0)
	}
	if s.tasks[p] == nil {
		s.tasks[p] = make([]TaskInfo, taskPage) // a released page, needed again
	}
	return &s.tasks[p][int(i)%taskPage]
}

// Released reports whether the entry of the task with index i, noted
// before, has been released because the limit dropped every record that
// named it: its next record must note it again (SetTask). An unbounded
// store releases nothing.
func (s *Store) Released(i int32) bool {
	if s.limit == 0 {
		return false
	}
	p := int(i) / taskPage
	return p >= len(s.tasks) || s.tasks[p] == nil || s.tasks[p][int(i)%taskPage].ID == ""
}

// textCacheBits sets how many pairs of entries the text cache holds.
const textCacheBits = 5

const textCacheSize = 2 << textCacheBits

// textCacheEntry remembers where the strings of an interned text were.
type textCacheEntry struct {
	msg, err uintptr
	lm, le   int
	idx      uint32
}

// chunkMax is the most records a chunk holds: 128 KiB.
const chunkMax = 4096

// Store holds the trace. The zero Store keeps every event; SetLimit bounds it.
type Store struct {
	chunks [][]Rec // full chunks then the one being filled
	first  uint64  // sequence number of chunks[0][0]
	total  uint64  // sequence number of the latest record (0: none yet)
	limit  int     // keep the newest limit records; 0 keeps all
	chunk  int     // records per chunk

	texts     [][2]string
	textCache [textCacheSize]textCacheEntry
	textIdx   map[[2]string]uint32
	strs      []string
	strIdx    map[string]uint32

	tasks [][]TaskInfo // pages of taskPage, by task index; nil once released
	// taskLive counts each page's entries not yet released (a bounded
	// store only).
	taskLive []int32
	nodes    []nodeInfo // by node index
	svcs     []svcInfo  // by service index
}

// SetLimit bounds the store to its newest n records (0: no bound). Memory
// holds at most about 2n records.
func (s *Store) SetLimit(n int) {
	s.limit = max(n, 0)
}

func (s *Store) chunkSize() int {
	if s.chunk == 0 {
		s.chunk = chunkMax
		if s.limit > 0 {
			s.chunk = min(chunkMax, max(s.limit, 16))
		}
	}
	return s.chunk
}

// Append adds a record: the next sequence number after the previous one
// (starting at seq, the sequence number of r, when the store is empty).
func (s *Store) Append(seq uint64, r Rec) {
	if s.total == 0 || len(s.chunks) == 0 {
		s.first = seq
	}
	s.total = seq
	last := len(s.chunks) - 1
	if last < 0 || len(s.chunks[last]) == cap(s.chunks[last]) {
		s.chunks = append(s.chunks, make([]Rec, 0, s.chunkSize()))
		last++
	}
	s.chunks[last] = append(s.chunks[last], r)
	if s.limit > 0 {
		if r.Subj > 0 {
			s.Task(r.Subj - 1).last = seq
		}
		// Free whole chunks once every record in them is older than the
		// newest limit: the cost per event stays constant.
		for len(s.chunks) > 1 && s.total-(s.first+uint64(len(s.chunks[0])))+1 >= uint64(s.limit) {
			s.first += uint64(len(s.chunks[0]))
			s.releaseTasks(s.chunks[0])
			s.chunks[0] = nil
			s.chunks = s.chunks[1:]
		}
	}
}

// releaseTasks releases the entries of the tasks that no record kept names
// any more, among those the dropped chunk named, and frees a page of them
// once all of its entries are released and no new task will take one: the
// trace's share of memory stays bounded by its limit, however many tasks
// come and go. The cost is that of the records dropped.
func (s *Store) releaseTasks(dropped []Rec) {
	for k := range dropped {
		subj := dropped[k].Subj
		if subj <= 0 {
			continue
		}
		i := subj - 1
		p := int(i) / taskPage
		page := s.tasks[p]
		if page == nil {
			continue
		}
		ti := &page[int(i)%taskPage]
		if ti.ID == "" || ti.last >= s.first {
			continue // released already, or named by a record kept
		}
		*ti = TaskInfo{}
		s.taskLive[p]--
		if s.taskLive[p] == 0 && p < len(s.tasks)-1 {
			s.tasks[p] = nil
		}
	}
}

// Len is the number of records kept (all of them, or the newest limit).
func (s *Store) Len() int {
	if s.total == 0 || len(s.chunks) == 0 {
		return 0
	}
	n := s.total - s.FirstSeq() + 1
	return int(n)
}

// FirstSeq is the sequence number of the oldest record kept (0: none).
func (s *Store) FirstSeq() uint64 {
	if s.total == 0 || len(s.chunks) == 0 {
		return 0
	}
	if s.limit > 0 && s.total-s.first+1 > uint64(s.limit) {
		return s.total - uint64(s.limit) + 1
	}
	return s.first
}

// LastSeq is the sequence number of the newest record (0: none).
func (s *Store) LastSeq() uint64 { return s.total }

// At returns the record with sequence number seq, which must be kept.
func (s *Store) At(seq uint64) *Rec {
	i := int(seq - s.first)
	c0 := len(s.chunks[0])
	if i < c0 {
		return &s.chunks[0][i]
	}
	i -= c0
	return &s.chunks[1+i/s.chunk][i%s.chunk]
}

// Each calls fn for every kept record with a sequence number from seq on,
// in order, until fn returns false.
func (s *Store) Each(seq uint64, fn func(seq uint64, r *Rec) bool) {
	first := s.FirstSeq()
	if first == 0 {
		return
	}
	seq = max(seq, first)
	for seq <= s.total {
		i := int(seq - s.first)
		ci, off := 0, i
		if c0 := len(s.chunks[0]); i >= c0 {
			ci, off = 1+(i-c0)/s.chunk, (i-c0)%s.chunk
		}
		c := s.chunks[ci]
		for j := off; j < len(c); j++ {
			if !fn(seq, &c[j]) {
				return
			}
			seq++
		}
	}
}

// Footprint is the room the records take, in records: what SetLimit bounds.
func (s *Store) Footprint() int {
	n := 0
	for _, c := range s.chunks {
		n += cap(c)
	}
	return n
}

// Text interns a (message, error) pair; the empty pair is 0.
func (s *Store) Text(msg, err string) uint32 {
	if msg == "" && err == "" {
		return 0
	}
	// Most texts are the same few constant strings: a small cache keyed by
	// where the strings' bytes are spares hashing them. Two strings with
	// the same bytes at the same address and length are equal, so a hit is
	// always right.
	//
	// The cache is two-way: a pair of entries per hash, the one hit or
	// filled last first, so that two texts that alternate (a task shut
	// down, its replacement assigned, slot after slot) both stay in it
	// even when their hashes collide.
	pm, pe := uintptr(unsafe.Pointer(unsafe.StringData(msg))), uintptr(unsafe.Pointer(unsafe.StringData(err)))
	h := (uint64(pm) ^ uint64(pe)<<7 ^ uint64(len(msg))) * 0x9e3779b97f4a7c15
	set := (*[2]textCacheEntry)(s.textCache[(h>>(64-textCacheBits))*2:])
	slot := &set[0]
	if slot.msg == pm && slot.err == pe && slot.lm == len(msg) && slot.le == len(err) && slot.idx != 0 {
		return slot.idx
	}
	if e := set[1]; e.msg == pm && e.err == pe && e.lm == len(msg) && e.le == len(err) && e.idx != 0 {
		set[1], set[0] = set[0], e
		return e.idx
	}
	set[1] = set[0]
	k := [2]string{msg, err}
	if i, ok := s.textIdx[k]; ok {
		*slot = textCacheEntry{pm, pe, len(msg), len(err), i}
		return i
	}
	if s.textIdx == nil {
		s.textIdx = make(map[[2]string]uint32)
		s.texts = append(s.texts, [2]string{})
	}
	i := uint32(len(s.texts))
	s.texts = append(s.texts, k)
	s.textIdx[k] = i
	*slot = textCacheEntry{pm, pe, len(msg), len(err), i}
	return i
}

// TextOf returns an interned pair.
func (s *Store) TextOf(i uint32) (msg, err string) {
	if i == 0 {
		return "", ""
	}
	t := s.texts[i]
	return t[0], t[1]
}

// Str interns a string; "" is 0.
func (s *Store) Str(v string) uint32 {
	if v == "" {
		return 0
	}
	if i, ok := s.strIdx[v]; ok {
		return i
	}
	if s.strIdx == nil {
		s.strIdx = make(map[string]uint32)
		s.strs = append(s.strs, "")
	}
	i := uint32(len(s.strs))
	s.strs = append(s.strs, v)
	s.strIdx[v] = i
	return i
}

// StrOf returns an interned string.
func (s *Store) StrOf(i uint32) string {
	if i == 0 {
		return ""
	}
	return s.strs[i]
}
