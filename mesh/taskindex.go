package mesh

// taskIndex finds a service's backends by task ID: an open-addressing hash
// table of slab indices, with linear probing, at most three quarters full,
// and backward-shift deletion. (Task IDs are random, so every insert and
// look-up lands on a cache line of its own: a table half the size, with
// probes a few slots longer on the same line, misses the cache half as
// often: 10,000 backends fit in 128 KiB instead of 256.) A rolling update
// deletes and inserts all the time; unlike a Go map, this leaves no
// tombstones behind to lengthen the probes, and it holds 8 bytes per slot.
// The hash is kept in the slot, so that a probe reads an element only on a
// hash match and growing reads none.
// The hash is fixed, so the table's layout is the same on every run: it
// mixes the ID eight bytes at a time with a multiply and a shift (task IDs
// are random already, which spreads them well; a byte at a time, as FNV-1a
// goes, costs a third of an AddBackend).
type taskIndex struct {
	slots []taskSlot // len 0 or a power of two
	n     int
}

type taskSlot struct {
	hash uint32
	i    int32 // slab index; 0: empty
}

func (t *taskIndex) hash(id string) uint32 {
	const m = 0x9e3779b97f4a7c15
	h := uint64(len(id)) * m
	for ; len(id) >= 8; id = id[8:] {
		w := uint64(id[0]) | uint64(id[1])<<8 | uint64(id[2])<<16 | uint64(id[3])<<24 |
			uint64(id[4])<<32 | uint64(id[5])<<40 | uint64(id[6])<<48 | uint64(id[7])<<56
		h = (h ^ w) * m
		h ^= h >> 29
	}
	for i := 0; i < len(id); i++ {
		h = (h ^ uint64(id[i])) * m
	}
	h ^= h >> 32
	return uint32(h)
}

// find returns task id's slab index in els (0 if absent) and the slot where
// it sits or would go. h is t.hash(id); the table must not be empty.
func (t *taskIndex) find(els []backend, id string, h uint32) (int32, int) {
	mask := len(t.slots) - 1
	for j := int(h) & mask; ; j = (j + 1) & mask {
		e := t.slots[j]
		if e.i == 0 {
			return 0, j
		}
		if e.hash == h && els[e.i].taskID == id {
			return e.i, j
		}
	}
}

// get returns task id's slab index in els, or 0.
func (t *taskIndex) get(els []backend, id string) int32 {
	if t.n == 0 {
		return 0
	}
	i, _ := t.find(els, id, t.hash(id))
	return i
}

// insert adds index i for a task of hash h, known to be absent, at slot j
// found by find (or anywhere, if j < 0).
func (t *taskIndex) insert(h uint32, i int32, j int) {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.reserve(t.n + 1)
		j = -1
	}
	if j < 0 {
		j = t.free(h)
	}
	t.slots[j] = taskSlot{hash: h, i: i}
	t.n++
}

// reserve grows the table so that it holds n entries without growing
// again.
func (t *taskIndex) reserve(n int) {
	size := max(8, len(t.slots))
	for 4*n > 3*size {
		size *= 2
	}
	if size == len(t.slots) {
		return
	}
	old := t.slots
	t.slots = make([]taskSlot, size)
	for _, e := range old {
		if e.i != 0 {
			t.slots[t.free(e.hash)] = e
		}
	}
}

// free returns the first empty slot on hash h's probe path.
func (t *taskIndex) free(h uint32) int {
	mask := len(t.slots) - 1
	j := int(h) & mask
	for t.slots[j].i != 0 {
		j = (j + 1) & mask
	}
	return j
}

// remove deletes index i, whose task has hash h.
func (t *taskIndex) remove(h uint32, i int32) {
	mask := len(t.slots) - 1
	j := int(h) & mask
	for t.slots[j].i != i {
		j = (j + 1) & mask
	}
	t.removeAt(j)
}

// removeAt empties slot j and moves back the entries after it that would
// otherwise no longer be found.
func (t *taskIndex) removeAt(j int) {
	t.n--
	mask := len(t.slots) - 1
	for {
		t.slots[j] = taskSlot{}
		k := j
		for {
			k = (k + 1) & mask
			e := t.slots[k]
			if e.i == 0 {
				return
			}
			// e may move to j unless its home lies cyclically in (j, k].
			home := int(e.hash) & mask
			if (k > j && (home <= j || home > k)) || (k < j && home <= j && home > k) {
				t.slots[j] = e
				j = k
				break
			}
		}
	}
}
