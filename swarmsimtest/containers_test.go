package swarmsimtest_test

import (
	"testing"

	"github.com/swarmsim/swarmsim/swarmsimtest"
	"pgregory.net/rapid"
)

// TestModelContainerFaults: sequences heavy in `docker kill` and `docker
// stop` of running tasks (Cluster.KillTask, StopTask), mixed with updates,
// scaling and time passing, keep every invariant, and the kills do happen.
func TestModelContainerFaults(t *testing.T) {
	kills := 0
	rapid.Check(t, func(t *rapid.T) {
		m := swarmsimtest.NewMachine(t, swarmsimtest.MachineConfig{})
		acts := m.Actions()
		container := acts["container"]
		acts["container"] = func(t *rapid.T) {
			before := m.C.LastSeq()
			container(t)
			if m.C.LastSeq() != before {
				kills++
			}
		}
		acts["container2"] = acts["container"]
		acts["container3"] = acts["container"]
		for _, k := range []string{"faults", "node", "remove"} {
			delete(acts, k)
		}
		t.Repeat(acts)
	})
	if kills == 0 {
		t.Errorf("no container was ever killed or stopped")
	}
	t.Logf("%d containers killed or stopped", kills)
}
