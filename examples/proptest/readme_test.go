package proptest_test

import (
	"testing"

	"github.com/swarmsim/swarmsim/swarmsimtest"
	"pgregory.net/rapid"
)

// TestConvergedRunsAll is README's "Property-based tests in ten lines",
// exactly as printed there (TestReadmeSnippet checks that they agree).
func TestConvergedRunsAll(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := swarmsimtest.NewMachine(t, swarmsimtest.MachineConfig{})
		m.Checker.Add("converged-runs-all", func(s *swarmsimtest.Snapshot) []swarmsimtest.Violation {
			for _, v := range s.Services {
				if v.Converged && v.Status.RunningTasks < v.Status.DesiredTasks {
					return []swarmsimtest.Violation{{Message: v.Spec.Name + " converged with tasks missing"}}
				}
			}
			return nil
		})
		t.Repeat(m.Actions()) // add your own actions to the map
	})
}
