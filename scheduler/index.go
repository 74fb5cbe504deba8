package scheduler

import (
	"slices"

	"github.com/swarmsim/swarmsim/node"
)

// bitset is a set of node slots (positions in Set.slots, which is join
// order), one bit per slot. Ascending bit order is join order, so walking a
// bitset visits nodes in the tie-break order.
type bitset []uint64

func (b *bitset) set(i int) {
	w := i >> 6
	if w >= len(*b) {
		*b = append(*b, make([]uint64, w+1-len(*b))...)
	}
	(*b)[w] |= 1 << uint(i&63)
}

func (b bitset) clear(i int) {
	if w := i >> 6; w < len(b) {
		b[w] &^= 1 << uint(i&63)
	}
}

func (b bitset) has(i int) bool {
	w := i >> 6
	return w < len(b) && b[w]&(1<<uint(i&63)) != 0
}

func (b bitset) word(w int) uint64 {
	if w < len(b) {
		return b[w]
	}
	return 0
}

// bucket is the set of slots whose count (tasks of a service, or total
// tasks) has one value. lo and hi bound the words that may hold a set bit
// (every word outside [lo, hi) is zero), so that a search of a bucket with
// few nodes need not walk the whole bitset.
type bucket struct {
	bits   bitset
	pop    int
	lo, hi int
}

// maxDense bounds the counts whose buckets countIndex keeps in a slice
// indexed by the count; other counts (negative, or huge) use a map.
const maxDense = 1 << 12

// countIndex buckets node slots by a count, with the distinct counts kept
// sorted so a search can walk them from the lowest. The per-service index
// holds only slots with a non-zero count of that service (the zero bucket is
// "every other node"); the totals index holds every member slot.
type countIndex struct {
	dense  []*bucket         // dense[c] for 0 <= c < len(dense); nil or empty (pop 0) when no slot has count c
	other  map[int32]*bucket // counts < 0 or >= maxDense, non-empty buckets
	sorted []int32           // distinct counts with pop > 0, ascending
	any    bitset            // union of all buckets
	pop    int
	spare  []*bucket // emptied buckets (all bits clear), reused by add
}

func newCountIndex() *countIndex { return &countIndex{} }

// bucket returns the bucket of count c; nil or empty if no slot has that
// count.
func (ci *countIndex) bucket(c int32) *bucket {
	if uint32(c) < uint32(len(ci.dense)) {
		return ci.dense[c]
	}
	if c >= 0 && c < maxDense {
		return nil
	}
	return ci.other[c]
}

func (ci *countIndex) setBucket(c int32, b *bucket) {
	if c >= 0 && c < maxDense {
		if int(c) >= len(ci.dense) {
			ci.dense = append(ci.dense, make([]*bucket, int(c)+1-len(ci.dense))...)
		}
		ci.dense[c] = b
		return
	}
	if b == nil {
		delete(ci.other, c)
		return
	}
	if ci.other == nil {
		ci.other = make(map[int32]*bucket)
	}
	ci.other[c] = b
}

func (ci *countIndex) add(slot int, c int32) {
	ci.put(slot, c)
	ci.any.set(slot)
	ci.pop++
}

func (ci *countIndex) remove(slot int, c int32) {
	if ci.take(slot, c) {
		ci.any.clear(slot)
		ci.pop--
	}
}

// move moves slot from count old to count c; a slot not at old is added.
func (ci *countIndex) move(slot int, old, c int32) {
	if !ci.take(slot, old) {
		ci.any.set(slot)
		ci.pop++
	}
	ci.put(slot, c)
}

// put sets slot in the bucket of count c, creating the bucket.
func (ci *countIndex) put(slot int, c int32) {
	b := ci.bucket(c)
	if b == nil {
		if n := len(ci.spare); n > 0 {
			b = ci.spare[n-1]
			ci.spare[n-1] = nil
			ci.spare = ci.spare[:n-1]
		} else {
			b = &bucket{}
		}
		ci.setBucket(c, b)
	}
	w := slot >> 6
	if b.pop == 0 {
		i, _ := slices.BinarySearch(ci.sorted, c)
		ci.sorted = append(ci.sorted, 0)
		copy(ci.sorted[i+1:], ci.sorted[i:])
		ci.sorted[i] = c
		b.lo, b.hi = w, w+1
	} else {
		b.lo, b.hi = min(b.lo, w), max(b.hi, w+1)
	}
	b.bits.set(slot)
	b.pop++
}

// take clears slot from the bucket of count c, dropping the bucket when it
// empties; it reports whether the slot was there.
func (ci *countIndex) take(slot int, c int32) bool {
	b := ci.bucket(c)
	if b == nil || !b.bits.has(slot) {
		return false
	}
	b.bits.clear(slot)
	b.pop--
	if b.pop == 0 {
		b.lo, b.hi = 0, 0
		if i, ok := slices.BinarySearch(ci.sorted, c); ok {
			copy(ci.sorted[i:], ci.sorted[i+1:])
			ci.sorted = ci.sorted[:len(ci.sorted)-1]
		}
		// Every bit is clear again: keep the bucket and its bitset for the
		// next time a slot has that count, or (a map bucket) any count
		// (task counts move by one, so the same few buckets come and go on
		// every task change).
		if c < 0 || c >= maxDense {
			ci.setBucket(c, nil)
			ci.spare = append(ci.spare, b)
		}
	}
	return true
}

// staticMask caches, for one placement (constraints and platforms), the
// slots that pass the filters that do not depend on tasks: Ready, Constraint
// and Platform. It is kept up to date on every node change.
type staticMask struct {
	cs        []Constraint
	csOn      bool
	platforms []node.Platform
	bits      bitset
}

// maxStaticMasks bounds the cache; when it is full the whole cache is
// dropped (a deterministic rule) and rebuilt on demand.
const maxStaticMasks = 256
