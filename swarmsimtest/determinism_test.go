package swarmsimtest_test

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/swarmsimtest"
	"pgregory.net/rapid"
)

func trace(t interface{ Fatalf(string, ...any) }, sc swarmsimtest.Scenario) string {
	r, err := sc.Play(nil)
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	r.Advance(2 * time.Minute)
	return r.C.TraceText()
}

// The same seed and actions give a byte-identical trace, with one or two
// OS threads for Go code.
func TestDeterminism(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rapid.Check(t, func(t *rapid.T) {
		sc := swarmsimtest.Scenarios(swarmsimtest.ScenarioOptions{}).Draw(t, "scenario")
		runtime.GOMAXPROCS(1)
		a := trace(t, sc)
		b := trace(t, sc)
		runtime.GOMAXPROCS(2)
		c := trace(t, sc)
		if a != b || a != c {
			t.Fatalf("traces differ (-GOMAXPROCS=1 +GOMAXPROCS=2):\n%s", cmp.Diff(a, c))
		}
	})
}

// Clusters run in parallel goroutines do not affect one another: each
// gives the trace it gives alone (run with -race).
func TestParallelClustersIndependent(t *testing.T) {
	g := swarmsimtest.Scenarios(swarmsimtest.ScenarioOptions{MaxActions: 15})
	const n = 4
	var scs [n]swarmsimtest.Scenario
	var want, got [n]string
	for i := range scs {
		scs[i] = g.Example(i)
		want[i] = trace(t, scs[i])
	}
	var wg sync.WaitGroup
	for i := range scs {
		wg.Go(func() { got[i] = trace(t, scs[i]) })
	}
	wg.Wait()
	for i := range scs {
		if got[i] != want[i] {
			t.Errorf("scenario %d in parallel (-alone +parallel):\n%s", i, cmp.Diff(want[i], got[i]))
		}
	}
}

// A trace bounded by Config.TraceLimit holds exactly the newest events of
// the whole trace, named as the whole trace names them, whatever the
// actions: the bounded store forgets the tasks its kept events no longer
// name and notes them again when they have more to say.
func TestBoundedTraceIsTheNewestEvents(t *testing.T) {
	play := func(t *rapid.T, sc swarmsimtest.Scenario, limit int) []swarmsim.Event {
		r, err := sc.ClusterWith(swarmsim.Config{TraceLimit: limit})
		if err != nil {
			t.Fatalf("cluster: %v", err)
		}
		for _, a := range sc.Actions {
			r.Apply(a)
		}
		r.Advance(2 * time.Minute)
		return r.C.Events()
	}
	rapid.Check(t, func(t *rapid.T) {
		sc := swarmsimtest.Scenarios(swarmsimtest.ScenarioOptions{}).Draw(t, "scenario")
		limit := rapid.IntRange(1, 300).Draw(t, "limit")
		all, kept := play(t, sc, 0), play(t, sc, limit)
		want := all[max(0, len(all)-limit):]
		if diff := cmp.Diff(want, kept); diff != "" {
			t.Fatalf("TraceLimit %d of %d events (-newest of the whole trace +bounded):\n%s", limit, len(all), diff)
		}
	})
}
