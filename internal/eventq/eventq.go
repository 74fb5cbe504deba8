// Package eventq is the simulation's event queue: a priority queue of event
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

// Queue is a priority queue of events: a 4-ary min-heap plus a few lanes,
// FIFOs of events pushed in ascending order. A simulation pushes long runs
// of events in ascending order (a burst of tasks at one instant each
// scheduling its next step at the same delay); those go to a lane, where a
// push and a pop cost O(1), and only the rest to the heap. The zero value is
// ready to use.
type Queue struct {
	h     []Event
	lanes [lanes]lane
	n     int
	seq   uint64
	// top caches min()+1 (0: not known), so that a Peek followed by a Pop
	// looks for the earliest event once, and a run of pops from one lane
	// does not look at all.
	top int
	// While top is known, every event of the other lanes and the heap
	// comes at or after (boundAt, boundOrd): a pop from the top leaves
	// the top where it is as long as its next event comes before that.
	boundAt  int64
	boundOrd uint64
	// latest is 1 + the lane whose tail is the latest of all lanes' tails
	// (0: not known, or every lane empty).
	latest int
	// spare is the room of a big lane whose burst is over, kept for the
	// next lane that starts one, so that bursts of the same size do not
	// grow a lane from nothing each time. Only one is kept: memory stays
	// bounded by the largest burst.
	spare []Event
}

// lanes is how many FIFO lanes a Queue keeps besides its heap.
const lanes = 4

// maxIdleLane is the most room (in events) an empty lane keeps.
const maxIdleLane = 1 << 12

// lane is a FIFO of events in ascending order, kept in a ring: the n
// pending events are ev[head], ev[head+1], ... (indices modulo len(ev), a
// power of two). A FIFO that is pushed and popped at the same rate (each
// event of a burst scheduling its successor) stays in the same room: no
// sliding down, and growth by doubling, so a burst of n events allocates
// about 2n events' room in all.
type lane struct {
	ev   []Event
	head int
	n    int
}

// minLane is the room a lane starts with.
const minLane = 64

func (l *lane) empty() bool { return l.n == 0 }

// first is the lane's earliest event; the lane must not be empty.
func (l *lane) first() *Event { return &l.ev[l.head] }

// tail is the lane's latest event; the lane must not be empty.
func (l *lane) tail() *Event { return &l.ev[(l.head+l.n-1)&(len(l.ev)-1)] }

// push appends e, doubling the ring when it is full.
func (l *lane) push(e Event) {
	if l.n == len(l.ev) {
		l.grow()
	}
	l.ev[(l.head+l.n)&(len(l.ev)-1)] = e
	l.n++
}

func (l *lane) grow() {
	ev := make([]Event, max(minLane, 2*len(l.ev)))
	k := copy(ev, l.ev[l.head:])
	copy(ev[k:], l.ev[:l.head])
	l.ev, l.head = ev, 0
}

// arity is the heap's fan-out: a 4-ary heap is half as deep as a binary
// one, and a node's children sit side by side in memory.
const arity = 4

// Len is the number of pending events.
func (q *Queue) Len() int { return q.n }

// Push schedules e, stamping it with the next sequence number, which it
// returns. The event joins the lane whose last event is the latest one not
// after it (an empty lane if none), or else the heap.
func (q *Queue) Push(e Event) uint64 {
	return q.Schedule(e.At, e.Pri, e.Kind, e.A, e.B)
}

// Schedule is Push of the event {At: at, Pri: pri, Kind: kind, A: a, B: b}.
// A caller that has the fields at hand saves building the Event: it has
// too many fields to live in registers, so building one and passing it
// costs a store and a load of each field. In the common case, a run of
// events in ascending order, the fields are written once, into the lane.
func (q *Queue) Schedule(at int64, pri, kind uint8, a int32, b uint32) uint64 {
	q.seq++
	q.n++
	ord := uint64(pri)<<56 | q.seq
	if q.top != 0 {
		if t := q.at(q.top - 1); at < t.At || (at == t.At && ord < t.ord) {
			q.top = 0 // the event is the new earliest; else the earliest stays where it is
		}
	}
	// The lane with the latest tail of all is the best one when the event
	// is not before that tail: the common case, a run of pushes in
	// ascending order. (ord is unique: the event cannot equal the tail.)
	if k := q.latest - 1; k >= 0 {
		l := &q.lanes[k]
		if t := l.tail(); at > t.At || (at == t.At && ord > t.ord) {
			if l.n == len(l.ev) {
				l.grow()
			}
			p := &l.ev[(l.head+l.n)&(len(l.ev)-1)]
			p.At, p.ord, p.A, p.B, p.Pri, p.Kind = at, ord, a, b, pri, kind
			l.n++
			return q.seq
		}
	}
	q.place(Event{At: at, ord: ord, A: a, B: b, Pri: pri, Kind: kind})
	return q.seq
}

// lower notes that e has become the first event of a lane or the heap's
// earliest: the bound on the other sources may move down to it.
func (q *Queue) lower(e *Event) {
	if q.top != 0 && q.beforeBound(e) {
		q.boundAt, q.boundOrd = e.At, e.ord
	}
}

// beforeBound reports whether e comes before (boundAt, boundOrd).
func (q *Queue) beforeBound(e *Event) bool {
	return e.At < q.boundAt || (e.At == q.boundAt && e.ord < q.boundOrd)
}

// keepTop leaves the top at source m after a pop from it if its next
// event, e, still comes before every other source's; otherwise the top is
// looked for again on the next pop.
func (q *Queue) keepTop(m int, e *Event) {
	if q.beforeBound(e) {
		q.top = m + 1
	} else {
		q.top = 0
	}
}

// place puts e, stamped, in the lane whose last event is the latest one not
// after it (an empty lane if none), or else in the heap, and notes which
// lane now has the latest tail.
func (q *Queue) place(e Event) {
	best, free, last := -1, -1, -1
	var lastTail *Event
	for i := range q.lanes {
		l := &q.lanes[i]
		if l.empty() {
			if free < 0 {
				free = i
			}
			continue
		}
		tail := l.tail()
		if !less(&e, tail) && (best < 0 || less(q.lanes[best].tail(), tail)) {
			best = i
		}
		if lastTail == nil || less(lastTail, tail) {
			last, lastTail = i, tail
		}
	}
	if best < 0 {
		best = free
	}
	q.latest = last + 1
	if best >= 0 && (lastTail == nil || !less(&e, lastTail)) {
		q.latest = best + 1 // e becomes the latest tail
	}
	if best >= 0 {
		l := &q.lanes[best]
		if l.empty() {
			l.head = 0
			if len(q.spare) > len(l.ev) {
				l.ev, q.spare = q.spare, nil
			}
			q.lower(&e)
		}
		l.push(e)
		return
	}
	q.h = append(q.h, e)
	q.up(len(q.h) - 1)
	q.lower(&e)
}

// min returns where the earliest event is: a lane index, or lanes for the
// heap; -1 when the queue is empty.
func (q *Queue) min() int {
	if q.top != 0 {
		return q.top - 1
	}
	m := -1
	var me, next *Event // the earliest first event, and the one after it
	if len(q.h) > 0 {
		m, me = lanes, &q.h[0]
	}
	for i := range q.lanes {
		l := &q.lanes[i]
		if l.empty() {
			continue
		}
		if f := l.first(); me == nil || less(f, me) {
			m, me, next = i, f, me
		} else if next == nil || less(f, next) {
			next = f
		}
	}
	q.top = m + 1
	q.boundAt, q.boundOrd = 1<<63-1, 1<<64-1
	if next != nil {
		q.boundAt, q.boundOrd = next.At, next.ord
	}
	return m
}

// at is the first event of lane m, or of the heap for m == lanes.
func (q *Queue) at(m int) *Event {
	if m == lanes {
		return &q.h[0]
	}
	return q.lanes[m].first()
}

// Peek returns the earliest event without removing it.
func (q *Queue) Peek() (Event, bool) {
	switch m := q.min(); {
	case m < 0:
		return Event{}, false
	case m == lanes:
		return q.h[0], true
	default:
		return *q.lanes[m].first(), true
	}
}

// Pop removes and returns the earliest event.
func (q *Queue) Pop() (Event, bool) {
	return q.PopUntil(1<<63 - 1)
}

// PopUntil removes and returns the earliest event if it is due at or before
// limit: Peek, the check and Pop in one look for the earliest event.
func (q *Queue) PopUntil(limit int64) (Event, bool) {
	var e Event
	ok := q.PopUntilInto(limit, &e)
	return e, ok
}

// PopUntilInto is PopUntil writing the event to *e (left alone when none
// is due) instead of returning it: an Event has too many fields to live in
// registers, so a caller that handles the event through a pointer has it
// copied once, from where it lies.
func (q *Queue) PopUntilInto(limit int64, e *Event) bool {
	m := q.top - 1
	if m < 0 {
		if m = q.min(); m < 0 {
			return false
		}
	}
	if q.at(m).At > limit {
		return false
	}
	q.n--
	if m == lanes {
		q.popHeap(e)
		return true
	}
	l := &q.lanes[m]
	*e = l.ev[l.head]
	l.head = (l.head + 1) & (len(l.ev) - 1)
	if l.n--; l.n == 0 {
		q.top = 0
		q.drained(m)
	} else {
		q.keepTop(m, &l.ev[l.head])
	}
	return true
}

// drained forgets lane m, which has just become empty. The event popped
// last stays readable: room given back is only dropped, never reused.
func (q *Queue) drained(m int) {
	l := &q.lanes[m]
	if q.latest == m+1 {
		q.latest = 0
	}
	l.head = 0
	if len(l.ev) > maxIdleLane {
		// A burst is over: keep its room as the spare if it is the
		// biggest, and give the rest back.
		if len(l.ev) > len(q.spare) {
			q.spare = l.ev
		}
		l.ev = nil
	}
}

// popHeap moves the heap's earliest event to *e.
func (q *Queue) popHeap(e *Event) {
	n := len(q.h)
	*e = q.h[0]
	q.h[0] = q.h[n-1]
	q.h = q.h[:n-1]
	if n > 2 {
		q.down(0)
	}
	if n > 1 {
		q.keepTop(lanes, &q.h[0])
	} else {
		q.top = 0
	}
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
