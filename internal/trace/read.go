package trace

import (
	"iter"
	"time"

	"github.com/swarmsim/swarmsim/events"
)

// Events expands the kept events with a sequence number of seq or more, in
// order. It costs what it returns: sequence numbers are consecutive, so the
// first one is found by arithmetic. It is empty, not nil, when nothing is
// kept.
func (s *Store) Events(seq uint64, epoch time.Time) []events.Event {
	first := s.FirstSeq()
	if first == 0 || seq > s.LastSeq() {
		return []events.Event{}
	}
	out := make([]events.Event, 0, s.LastSeq()-max(seq, first)+1)
	s.Each(seq, func(seq uint64, r *Rec) bool {
		out = append(out, s.Event(seq, r, epoch))
		return true
	})
	return out
}

// All yields the kept events in order, each expanded as it is yielded. A
// range starts at the oldest event kept then and ends at the newest; events
// appended while it runs are yielded too, and those the limit drops
// meanwhile are skipped.
func (s *Store) All(epoch time.Time) iter.Seq[events.Event] {
	return func(yield func(events.Event) bool) {
		for seq := uint64(1); ; seq++ {
			first := s.FirstSeq()
			if first == 0 {
				return
			}
			seq = max(seq, first)
			if seq > s.LastSeq() || !yield(s.Event(seq, s.At(seq), epoch)) {
				return
			}
		}
	}
}

// AppendText appends every kept event's text form (events.Event.AppendText),
// one a line.
func (s *Store) AppendText(b []byte, epoch time.Time) []byte {
	s.Each(0, func(seq uint64, r *Rec) bool {
		b = append(s.Event(seq, r, epoch).AppendText(b, epoch), '\n')
		return true
	})
	return b
}
