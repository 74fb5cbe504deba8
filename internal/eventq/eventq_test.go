package eventq

import (
	"testing"

	"pgregory.net/rapid"
)

// Events come out ordered by (At, Pri, Seq): equal-time events in the order
// they were pushed unless a priority says otherwise.
func TestOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var q Queue
		evs := rapid.SliceOf(rapid.Custom(func(t *rapid.T) Event {
			return Event{At: rapid.Int64Range(0, 20).Draw(t, "at"), Pri: uint8(rapid.IntRange(0, 1).Draw(t, "pri"))}
		})).Draw(t, "events")
		for _, e := range evs {
			q.Push(e)
		}
		var prev Event
		for i := range evs {
			e, ok := q.Pop()
			if !ok {
				t.Fatalf("pop %d: empty", i)
			}
			if i > 0 && less(&e, &prev) {
				t.Fatalf("%+v came out after %+v", e, prev)
			}
			prev = e
		}
		if _, ok := q.Pop(); ok || q.Len() != 0 {
			t.Fatal("queue not empty")
		}
	})
}

func BenchmarkHold(b *testing.B) {
	var q Queue
	for i := range 1000 {
		q.Push(Event{At: int64(i * 7 % 1000)})
	}
	for b.Loop() {
		e, _ := q.Pop()
		e.At += 500
		q.Push(e)
	}
}

// A long run through a deep heap: pops come out in (At, Pri, Seq) order and
// every pushed event comes out once.
func TestDeepHeap(t *testing.T) {
	var q Queue
	x := uint64(1)
	const n = 5000
	for i := range n {
		x = x*6364136223846793005 + 1442695040888963407
		q.Push(Event{At: int64(x >> 54), Pri: uint8(x>>40) & 1, A: int32(i)})
		if i%3 == 0 { // interleave pops with pushes
			q.Pop()
		}
	}
	var prev Event
	seen := 0
	for q.Len() > 0 {
		e, _ := q.Pop()
		if seen > 0 && less(&e, &prev) {
			t.Fatalf("%+v came out after %+v", e, prev)
		}
		if seen > 0 && e.At == prev.At && e.Pri == prev.Pri && e.Seq() <= prev.Seq() {
			t.Fatalf("equal keys out of push order: %d after %d", e.Seq(), prev.Seq())
		}
		prev = e
		seen++
	}
	if want := n - (n+2)/3; seen != want {
		t.Fatalf("popped %d events, want %d", seen, want)
	}
}
