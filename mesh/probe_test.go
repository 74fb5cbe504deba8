package mesh

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A tally counts each task's answers and each reason's failures in the
// order they first came, time-outs apart from refusals, and asks a task's
// name once; its result is a copy the tally does not change afterwards.
func TestTally(t *testing.T) {
	var tl Tally
	names := 0
	name := func(s string) func() string { return func() string { names++; return s } }
	tl.Answer("t2", name("web.2"))
	tl.Fail(ReasonCount{Reason: "no backend", Kind: NoListener, Detail: DetailNoBackend, Count: 7})
	tl.Answer("t1", name("web.1"))
	tl.Answer("t2", name("web.2"))
	tl.Fail(ReasonCount{Reason: "timed out", Kind: TimedOut})
	tl.Fail(ReasonCount{Reason: "no backend", Kind: NoListener, Detail: DetailNoBackend})
	got := tl.Result()
	want := ProbeResult{Sent: 6, Answered: 3, Refused: 2, TimedOut: 1,
		PerTask: []TaskCount{{"web.2", "t2", 2}, {"web.1", "t1", 1}},
		Reasons: []ReasonCount{{Reason: "no backend", Kind: NoListener, Detail: DetailNoBackend, Count: 2}, {Reason: "timed out", Kind: TimedOut, Count: 1}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Result (-want +got):\n%s", diff)
	}
	if names != 2 {
		t.Errorf("names asked %d times, want once per task (2)", names)
	}
	tl.Answer("t1", name("web.1"))
	if got.PerTask[1].Count != 1 || got.Answered != 3 {
		t.Errorf("an earlier result changed: %+v", got)
	}
}
