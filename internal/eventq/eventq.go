// Package eventq is the simulation's event queue: a 4-ary min-heap of event
// values ordered by (time, priority, sequence number), so that events due at
// the same virtual time run in the order they were scheduled unless a
// priority says otherwise.
package eventq

// Event is one scheduled wake-up. At is nanoseconds since the cluster's
// epoch; among events due at the same time, a lower Pri runs first, then the
// one scheduled first. Kind and the payload fields are the caller's.
//
// The fields are laid out so that an Event takes 32 bytes: two fit in a
// cache line, which is most of the heap's cost.
type Event struct {
	At   int64
	ord  uint64 // Pri<<56 | sequence number, set by Push: the tie-break as one comparison
	A    int32
	B    uint32
	Pri  uint8
	Kind uint8
}

// Seq is the sequence number Push gave the event.
func (e *Event) Seq() uint64 { return e.ord & (1<<56 - 1) }

func less(a, b *Event) bool {
	return a.At < b.At || (a.At == b.At && a.ord < b.ord)
}

// Queue is a min-heap of events. The zero value is ready to use.
type Queue struct {
	h   []Event
	seq uint64
}

// arity is the heap's fan-out: a 4-ary heap is half as deep as a binary
// one, and a node's children sit side by side in memory.
const arity = 4

// Len is the number of pending events.
func (q *Queue) Len() int { return len(q.h) }

// Push schedules e, stamping it with the next sequence number, which it
// returns.
func (q *Queue) Push(e Event) uint64 {
	q.seq++
	e.ord = uint64(e.Pri)<<56 | q.seq
	q.h = append(q.h, e)
	q.up(len(q.h) - 1)
	return q.seq
}

// Peek returns the earliest event without removing it.
func (q *Queue) Peek() (Event, bool) {
	if len(q.h) == 0 {
		return Event{}, false
	}
	return q.h[0], true
}

// Pop removes and returns the earliest event.
func (q *Queue) Pop() (Event, bool) {
	n := len(q.h)
	if n == 0 {
		return Event{}, false
	}
	e := q.h[0]
	q.h[0] = q.h[n-1]
	q.h = q.h[:n-1]
	if n > 2 {
		q.down(0)
	}
	return e, true
}

func (q *Queue) up(i int) {
	h := q.h
	e := h[i]
	for i > 0 {
		p := (i - 1) / arity
		if !less(&e, &h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = e
}

func (q *Queue) down(i int) {
	h := q.h
	n := len(h)
	e := h[i]
	for {
		first := arity*i + 1
		if first >= n {
			break
		}
		m := first
		last := min(first+arity, n)
		for c := first + 1; c < last; c++ {
			if less(&h[c], &h[m]) {
				m = c
			}
		}
		if !less(&h[m], &e) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = e
}
