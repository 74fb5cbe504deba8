package orchestrator

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/swarmsim/swarmsim/task"
)

// BenchmarkNext is the agent's plain steps from ASSIGNED to RUNNING, the
// steps every task that starts goes through.
func BenchmarkNext(b *testing.B) {
	img := DefaultImageBehavior()
	states := [...]task.State{task.Assigned, task.Accepted, task.Preparing, task.Ready, task.Starting}
	n := 0
	for b.Loop() {
		for _, st := range states {
			tr, ok := Next(&img, "web", st)
			if ok {
				n += len(tr.Message)
			}
		}
	}
	if n == 0 {
		b.Fatal("no step")
	}
}

// Next's table of plain steps gives what the full rules give, and NextStep
// what Next gives, for every state value (valid or not) and images that
// fail, exit or check health.
func TestNextTableMatchesRules(t *testing.T) {
	images := map[string]ImageBehavior{
		"default":          DefaultImageBehavior(),
		"fails on start":   {FailOnStart: true},
		"rejects":          {FailOnStart: true, RejectErr: "denied"},
		"unhealthy":        {HealthCheck: true, Unhealthy: true},
		"unhealthy no chk": {Unhealthy: true},
		"exits 3":          {ExitAfter: time.Second, ExitCode: 3},
		"turns unhealthy":  {HealthCheck: true, HealthyAfter: time.Second, UnhealthyAfter: 5 * time.Second},
	}
	for name, b := range images {
		for st := task.State(0); st <= task.Orphaned+64; st++ {
			got, gotOK := Next(&b, "web:1", st)
			want, wantOK := next(&b, "web:1", st)
			if diff := cmp.Diff(want, got); diff != "" || gotOK != wantOK {
				t.Errorf("%s, state %d: ok %v, want %v; (-want +got):\n%s", name, st, gotOK, wantOK, diff)
			}
			to, msg, errText, ok := NextStep(&b, "web:1", st)
			if diff := cmp.Diff(want, Transition{to, msg, errText}); diff != "" || ok != wantOK {
				t.Errorf("NextStep: %s, state %d: ok %v, want %v; (-want +got):\n%s", name, st, ok, wantOK, diff)
			}
		}
	}
	// The table really is used: a plain step out of PREPARING is READY.
	b := DefaultImageBehavior()
	if got, ok := Next(&b, "web:1", task.Preparing); !ok || got != (Transition{State: task.Ready, Message: "prepared"}) {
		t.Errorf("Next(preparing) = %+v, %v", got, ok)
	}
}
