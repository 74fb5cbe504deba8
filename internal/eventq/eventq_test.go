package eventq

import (
	"testing"

	"github.com/google/go-cmp/cmp"

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

// The queue against a plain model: any interleaving of pushes and pops (with
// runs of ascending pushes, which go to lanes, and others, which go to the
// heap) pops exactly the event with the least (At, Pri, push order).
func TestMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var q Queue
		var model []Event // pending, in push order
		id := int32(0)
		now := int64(0)
		for range rapid.IntRange(0, 400).Draw(t, "ops") {
			if len(model) > 0 && rapid.IntRange(0, 2).Draw(t, "pop") == 0 {
				m := 0
				for i := range model {
					if model[i].At < model[m].At || (model[i].At == model[m].At && model[i].Pri < model[m].Pri) {
						m = i
					}
				}
				want := model[m]
				model = append(model[:m], model[m+1:]...)
				if rapid.Bool().Draw(t, "peek") {
					if p, ok := q.Peek(); !ok || p.A != want.A {
						t.Fatalf("peeked %+v (ok=%v), want event %d %+v", p, ok, want.A, want)
					}
				}
				// PopUntil refuses an earliest event due after its limit
				// and pops it otherwise, as Pop does.
				limit := want.At + rapid.Int64Range(-2, 2).Draw(t, "limit")
				if limit < want.At {
					if e, ok := q.PopUntil(limit); ok || q.Len() != len(model)+1 {
						t.Fatalf("PopUntil(%d) popped %+v (ok=%v, Len %d), want nothing before %d", limit, e, ok, q.Len(), want.At)
					}
					e := Event{A: -1}
					if ok := q.PopUntilInto(limit, &e); ok || e.A != -1 || q.Len() != len(model)+1 {
						t.Fatalf("PopUntilInto(%d) popped %+v (ok=%v, Len %d), want nothing before %d", limit, e, ok, q.Len(), want.At)
					}
				}
				pop := q.Pop
				if limit >= want.At {
					pop = func() (Event, bool) { return q.PopUntil(limit) }
					if rapid.Bool().Draw(t, "into") {
						pop = func() (Event, bool) {
							var e Event
							ok := q.PopUntilInto(limit, &e)
							return e, ok
						}
					}
				}
				got, ok := pop()
				if !ok || got.A != want.A {
					t.Fatalf("popped %+v (ok=%v), want event %d %+v", got, ok, want.A, want)
				}
				now = got.At
				continue
			}
			id++
			e := Event{At: now + rapid.Int64Range(0, 5).Draw(t, "delay"), Pri: uint8(rapid.IntRange(0, 1).Draw(t, "pri")), A: id}
			if rapid.Bool().Draw(t, "schedule") {
				q.Schedule(e.At, e.Pri, e.Kind, e.A, e.B)
			} else {
				q.Push(e)
			}
			model = append(model, e)
			if q.Len() != len(model) {
				t.Fatalf("Len %d, want %d", q.Len(), len(model))
			}
			if rapid.Bool().Draw(t, "peek after push") {
				// Peek caches where the earliest event is; the next Push
				// must keep that cache right.
				m := 0
				for i := range model {
					if model[i].At < model[m].At || (model[i].At == model[m].At && model[i].Pri < model[m].Pri) {
						m = i
					}
				}
				if p, ok := q.Peek(); !ok || p.A != model[m].A {
					t.Fatalf("peeked %+v (ok=%v) after a push, want event %d %+v", p, ok, model[m].A, model[m])
				}
			}
		}
	})
}

// TestBurstReusesRoom checks that a burst of events as big as one before
// reuses the room that burst's lane had instead of growing a lane again,
// and comes out in order.
func TestBurstReusesRoom(t *testing.T) {
	const n = 4 * maxIdleLane
	var q Queue
	burst := func(at int64) {
		for i := range n {
			q.Push(Event{At: at + int64(i), A: int32(i)})
		}
		for i := range n {
			e, ok := q.Pop()
			if !ok || e.At != at+int64(i) || e.A != int32(i) {
				t.Fatalf("pop %d: got %+v, %v; want At %d", i, e, ok, at+int64(i))
			}
		}
	}
	burst(0)
	at := int64(n)
	if got := testing.AllocsPerRun(3, func() { burst(at); at += n }); got != 0 {
		t.Errorf("%v allocations per burst of %d after the first, want 0", got, n)
	}
	if q.Len() != 0 {
		t.Errorf("Len %d after the bursts, want 0", q.Len())
	}
}

// BenchmarkBursts is the event loop's pattern: a burst of events at one
// instant, each popped and followed by its task's next step a fixed delay
// later, through five steps (PopUntil, then Push). It reports the cost per
// event.
func BenchmarkBursts(b *testing.B) {
	var q Queue
	for b.Loop() {
		bursts(&q)
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/burstTasks/6, "ns/event")
}

// burstTasks is how many tasks a burst of BenchmarkBursts starts.
const burstTasks = 10000

// bursts runs one burst of BenchmarkBursts on q.
func bursts(q *Queue) {
	delays := [5]int64{0, 0, 1e9, 0, 1e9}
	for i := range burstTasks {
		q.Push(Event{At: 0, A: int32(i)})
	}
	for {
		e, ok := q.PopUntil(1 << 62)
		if !ok {
			return
		}
		if e.B < uint32(len(delays)) {
			e.At += delays[e.B]
			e.B++
			q.Push(e)
		}
	}
}

// A lane is a ring: a FIFO popped and pushed in turns wraps around its
// room, and grows while wrapped. Every event still comes out once, in push
// order (the times only ascend), whatever the lane's shape when it grew.
func TestLaneWrapsAndGrows(t *testing.T) {
	for _, tc := range []struct {
		name                string
		first, rounds, push int
	}{
		{"steady FIFO", minLane / 2, 1000, 1},
		{"grows while wrapped", minLane - 3, 300, 2},
		{"exactly full then wraps", minLane, 200, 1},
		{"grows several times", 10, 2000, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var q Queue
			var want, got []int32
			at, id := int64(0), int32(0)
			push := func() {
				id++
				q.Push(Event{At: at, A: id})
				want = append(want, id)
				at++
			}
			for range tc.first {
				push()
			}
			for range tc.rounds {
				e, ok := q.Pop()
				if !ok {
					t.Fatal("empty")
				}
				got = append(got, e.A)
				for range tc.push {
					push()
				}
			}
			for q.Len() > 0 {
				e, _ := q.Pop()
				got = append(got, e.A)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pop order (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkBurstsFresh is BenchmarkBursts with a new queue each time, as
// each new cluster has: the cost of growing the lanes is included.
func BenchmarkBurstsFresh(b *testing.B) {
	for b.Loop() {
		var q Queue
		bursts(&q)
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/burstTasks/6, "ns/event")
}

// Schedule and PopUntilInto carry every field of the event through, from
// a lane and from the heap alike.
func TestScheduleAndPopUntilIntoKeepFields(t *testing.T) {
	var q Queue
	// Ascending (a lane), then earlier (the heap: all lanes hold later
	// events once four runs are going).
	in := []Event{
		{At: 10, Pri: 1, Kind: 7, A: -3, B: 1 << 31},
		{At: 20, Pri: 0, Kind: 255, A: 1 << 30, B: 5},
		{At: 5, Pri: 1, Kind: 2, A: 9, B: 9},
		{At: 4, Kind: 3, A: 8, B: 8},
		{At: 3, Kind: 4, A: 7, B: 7},
		{At: 2, Kind: 5, A: 6, B: 6},
		{At: 1, Kind: 6, A: 5, B: 5},
	}
	for _, e := range in {
		q.Schedule(e.At, e.Pri, e.Kind, e.A, e.B)
	}
	var got []Event
	var e Event
	for q.PopUntilInto(1<<62, &e) {
		e.ord = 0
		got = append(got, e)
	}
	want := []Event{in[6], in[5], in[4], in[3], in[2], in[0], in[1]}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(Event{})); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// BenchmarkBurstsInto is BenchmarkBursts through Schedule and PopUntilInto,
// the event loop's way when it passes events by pointer.
func BenchmarkBurstsInto(b *testing.B) {
	delays := [5]int64{0, 0, 1e9, 0, 1e9}
	var q Queue
	for b.Loop() {
		for i := range burstTasks {
			q.Schedule(0, 0, 0, int32(i), 0)
		}
		var e Event
		for q.PopUntilInto(1<<62, &e) {
			if e.B < uint32(len(delays)) {
				q.Schedule(e.At+delays[e.B], e.Pri, e.Kind, e.A, e.B+1)
			}
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N)/burstTasks/6, "ns/event")
}
