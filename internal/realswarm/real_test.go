package realswarm

import (
	"testing"
)

// TestRealQuick is the CI subset: bad-input texts, one rolling update and
// one rollback on a one-node real swarm, compared with swarmsim.
func TestRealQuick(t *testing.T) {
	s := startSwarm(t, "manager")
	for _, sc := range Suite {
		if !sc.Quick {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			o := s.RunScenario(sc)
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			t.Logf("%s: %s", sc.Name, o.Took.Round(1e9))
			for _, r := range o.Results {
				if !r.Same && r.Known != "" {
					t.Logf("known difference, line %d: $ %s: %s", r.Step.Line, r.Step.Text, r.Known)
				} else if !r.Same {
					t.Errorf("line %d: $ %s\n%s", r.Step.Line, r.Step.Text, r.Diff())
				}
			}
		})
	}
}
