package updater

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/swarmsim/swarmsim/task"
)

// With no failures, for any config, slot mix and task timings: every run
// completes; never more than parallelism slots are in flight; every dirty
// slot is handled exactly once and clean slots never; stop-first never has
// two tasks of one slot RUNNING at once; and with parallelism 1 and plain
// slots the run takes sum(stop + start + delay) + final window (the end of
// Updater.Run).
func TestPropertyRunsComplete(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		c := drawConfig(rt)
		n := rapid.IntRange(1, 15).Draw(rt, "slots")
		stop := time.Duration(rapid.IntRange(0, 50).Draw(rt, "stopSeconds")) * time.Second
		slots := make([]Slot, n)
		starts := map[uint64]time.Duration{}
		dirty := map[uint64]bool{}
		plain := true
		for i := range slots {
			id := uint64(i + 1)
			old := Task{ID: fmt.Sprintf("o%d", id), Dirty: true, Desired: task.Running, Observed: task.Running}
			switch rapid.IntRange(0, 5).Draw(rt, "kind") {
			case 0: // clean: not touched
				old.Dirty = false
				slots[i] = Slot{ID: id, Tasks: []Task{old}}
				plain = false
			case 1: // mid-replacement, clean task READY: reused
				slots[i] = Slot{ID: id, Tasks: []Task{old, {ID: fmt.Sprintf("c%d", id), Desired: task.Ready, Observed: task.Ready}}}
				plain = false
			case 2: // mid-replacement, both dirty: a new task
				slots[i] = Slot{ID: id, Tasks: []Task{old, {ID: fmt.Sprintf("c%d", id), Dirty: true, Desired: task.Ready, Observed: task.Preparing}}}
				plain = false
			default:
				slots[i] = Slot{ID: id, Tasks: []Task{old}}
			}
			dirty[id] = slots[i].Dirty()
			starts[id] = time.Duration(rapid.IntRange(0, 30000).Draw(rt, "startMillis")) * time.Millisecond
		}
		s := newSim(rt, slots)
		s.quiet = true
		s.stopDur = stop
		s.params.Update = &c
		s.plan = func(slot uint64) plan { return plan{Start: starts[slot]} }
		s.start()
		s.run(24 * time.Hour)

		anyDirty := false
		for id := uint64(1); id <= uint64(n); id++ {
			want := 0
			if dirty[id] {
				want = 1
				anyDirty = true
			}
			if s.handled[id] != want {
				rt.Fatalf("slot %d handled %d times, want %d", id, s.handled[id], want)
			}
		}
		if !s.u.Done() {
			rt.Fatalf("not done; log:\n%s", s.logText())
		}
		st := s.lastStatus()
		if anyDirty && (st.State != Completed || st.Message != MsgCompleted) {
			rt.Fatalf("status %+v, want completed", st)
		}
		if !anyDirty && st.State != None {
			rt.Fatalf("status %+v, want none", st)
		}
		if c.Order == StopFirst && s.maxRunning > 1 {
			rt.Fatalf("stop-first ran %d tasks of one slot at once", s.maxRunning)
		}
		if anyDirty && s.u.Failures() != 0 {
			rt.Fatalf("%d failures without failing tasks", s.u.Failures())
		}
		if anyDirty && plain && s.u.Config().Parallelism == 1 {
			var want time.Duration
			for _, d := range starts {
				want += stop + d + c.Delay
			}
			if c.Order == StartFirst {
				want -= time.Duration(n) * stop
			}
			want += c.FinalWindow()
			if got := st.CompletedAt.Sub(epoch); got != want {
				rt.Fatalf("completed after %v, want %v", got, want)
			}
		}
	})
}

func drawConfig(rt *rapid.T) Config {
	return Config{
		Parallelism:   uint64(rapid.IntRange(0, 4).Draw(rt, "parallelism")),
		Delay:         rapid.SampledFrom([]time.Duration{0, time.Second, 7 * time.Second}).Draw(rt, "delay"),
		Monitor:       rapid.SampledFrom([]time.Duration{0, 3 * time.Second, 10 * time.Second}).Draw(rt, "monitor"),
		FailureAction: FailureAction(rapid.IntRange(0, 2).Draw(rt, "action")),
		Order:         Order(rapid.IntRange(0, 1).Draw(rt, "order")),
	}
}

// Leaving out the calls Updater.Ignores allows changes nothing: for any
// config and any mix of tasks that start, fail to start, fail after
// RUNNING or are rejected, with every started task reporting STARTING
// before RUNNING, a run that skips the ignored reports makes the same
// decisions at the same times as one that makes every call (and each
// ignored call, made, returns no action: sim.reportObserved).
func TestPropertyIgnoredCallsChangeNothing(t *testing.T) {
	ignored := 0
	rapid.Check(t, func(rt *rapid.T) {
		c := drawConfig(rt)
		if rapid.Bool().Draw(rt, "maxFailureRatio") {
			c.MaxFailureRatio = 0.5
		}
		n := rapid.IntRange(1, 12).Draw(rt, "slots")
		plans := map[uint64]plan{}
		for id := uint64(1); id <= uint64(n); id++ {
			p := plan{Start: time.Duration(rapid.IntRange(0, 20).Draw(rt, "startSeconds")) * time.Second}
			switch rapid.IntRange(0, 5).Draw(rt, "fate") {
			case 0:
				p.Fail = task.Failed
			case 1:
				p.FailAfter = time.Duration(rapid.IntRange(1, 15).Draw(rt, "failAfterSeconds")) * time.Second
			case 2:
				p.RejectAt = time.Duration(rapid.IntRange(1, 15).Draw(rt, "rejectAtSeconds")) * time.Second
			}
			plans[id] = p
		}
		run := func(skip bool) *sim {
			s := newSim(rt, oldSlots(n))
			s.steps, s.skipIgnored = true, skip
			s.params.Update = &c
			s.plan = func(slot uint64) plan { return plans[slot] }
			s.start()
			s.runUntil(time.Hour)
			return s
		}
		all, some := run(false), run(true)
		ignored += some.ignored
		if a, b := all.logText(), some.logText(); a != b {
			rt.Fatalf("every call:\n%s\n\nignored calls left out:\n%s", a, b)
		}
		if all.u.Done() != some.u.Done() || all.u.Failures() != some.u.Failures() || (all.rolledBack == nil) != (some.rolledBack == nil) {
			rt.Fatalf("done %v/%v, failures %d/%d, rolled back %v/%v", all.u.Done(), some.u.Done(),
				all.u.Failures(), some.u.Failures(), all.rolledBack != nil, some.rolledBack != nil)
		}
	})
	if ignored == 0 {
		t.Fatal("no call was ignored: the property tested nothing")
	}
}
