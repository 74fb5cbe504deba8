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
// tasks) has one value.
type bucket struct {
	bits bitset
	pop  int
}

// countIndex buckets node slots by a count, with the distinct counts kept
// sorted so a search can walk them from the lowest. The per-service index
// holds only slots with a non-zero count of that service (the zero bucket is
// "every other node"); the totals index holds every member slot.
type countIndex struct {
	buckets map[int32]*bucket
	sorted  []int32 // distinct counts with pop > 0, ascending
	any     bitset  // union of all buckets
	pop     int
	spare   []*bucket // emptied buckets (all bits clear), reused by add
}

func newCountIndex() *countIndex { return &countIndex{buckets: make(map[int32]*bucket)} }

func (ci *countIndex) add(slot int, c int32) {
	b := ci.buckets[c]
	if b == nil {
		if n := len(ci.spare); n > 0 {
			b = ci.spare[n-1]
			ci.spare[n-1] = nil
			ci.spare = ci.spare[:n-1]
		} else {
			b = &bucket{}
		}
		ci.buckets[c] = b
		i, _ := slices.BinarySearch(ci.sorted, c)
		ci.sorted = slices.Insert(ci.sorted, i, c)
	}
	b.bits.set(slot)
	b.pop++
	ci.any.set(slot)
	ci.pop++
}

func (ci *countIndex) remove(slot int, c int32) {
	b := ci.buckets[c]
	if b == nil || !b.bits.has(slot) {
		return
	}
	b.bits.clear(slot)
	b.pop--
	ci.any.clear(slot)
	ci.pop--
	if b.pop == 0 {
		delete(ci.buckets, c)
		// Every bit is clear again: keep the bucket and its bitset for the
		// next count that needs one (task counts move by one, so the same
		// few buckets come and go on every task change).
		ci.spare = append(ci.spare, b)
		if i, ok := slices.BinarySearch(ci.sorted, c); ok {
			ci.sorted = slices.Delete(ci.sorted, i, i+1)
		}
	}
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
