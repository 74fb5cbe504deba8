package swarmsimtest_test

import (
	"testing"

	"github.com/swarmsim/swarmsim/swarmsimtest"
	"pgregory.net/rapid"
)

// BenchmarkModelStep is the model-based test's cost per step: one random
// action on a random cluster (2 to 5 nodes, up to 3 services) and the check
// of every invariant on the snapshot that follows. Each op is one
// rapid.Check of TestModel's machine (-rapid.checks sequences of up to
// -rapid.steps actions).
func BenchmarkModelStep(b *testing.B) {
	steps := 0
	for b.Loop() {
		rapid.Check(b, func(t *rapid.T) {
			m := swarmsimtest.NewMachine(t, swarmsimtest.MachineConfig{})
			t.Repeat(m.Actions())
			steps += m.Checker.Checks
		})
	}
	if steps == 0 {
		b.Fatal("no step was checked")
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(steps), "ns/step")
	b.ReportMetric(float64(steps)/float64(b.N), "steps/op")
}
