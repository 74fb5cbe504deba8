package updater_test

import (
	"testing"

	"github.com/swarmsim/swarmsim/swarmsimtest"
	"github.com/swarmsim/swarmsim/updater"
)

// TestScenarios runs the updater's scenario files (testdata/*.txt): the
// harness's commands (see scenario_exec_test.go), ----, and the harness log
// and state each one prints. Rewrite them with go test -run TestScenarios
// -rewrite.
func TestScenarios(t *testing.T) {
	swarmsimtest.RunScenariosWith(t, "testdata/*.txt", updater.NewScenarioExec)
}
