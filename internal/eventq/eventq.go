// Package eventq is the simulation's event queue: a binary heap of event
// values ordered by (time, sequence number), so that events due at the same
// virtual time run in the order they were scheduled.
package eventq

// Event is one scheduled wake-up. At is nanoseconds since the cluster's
// epoch; among events due at the same time, a lower Pri runs first, then the
// one scheduled first. Kind and the payload fields are the caller's.
type Event struct {
	At   int64
	Seq  uint64
	Pri  uint8
	Kind uint8
	A    int32
	B    uint32
	C    uint64
}

func less(a, b *Event) bool {
	if a.At != b.At {
		return a.At < b.At
	}
	if a.Pri != b.Pri {
		return a.Pri < b.Pri
	}
	return a.Seq < b.Seq
}

// Queue is a min-heap of events. The zero value is ready to use.
type Queue struct {
	h   []Event
	seq uint64
}

// Len is the number of pending events.
func (q *Queue) Len() int { return len(q.h) }

// Push schedules e, stamping it with the next sequence number, which it
// returns.
func (q *Queue) Push(e Event) uint64 {
	q.seq++
	e.Seq = q.seq
	q.h = append(q.h, e)
	q.up(len(q.h) - 1)
	return e.Seq
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
	if n > 1 {
		q.down(0)
	}
	return e, true
}

func (q *Queue) up(i int) {
	h := q.h
	for i > 0 {
		p := (i - 1) / 2
		if !less(&h[i], &h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *Queue) down(i int) {
	h := q.h
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && less(&h[r], &h[l]) {
			m = r
		}
		if !less(&h[m], &h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
