package scenarios_test

import (
	"testing"

	"github.com/swarmsim/swarmsim/swarmsimtest"
)

func TestScenarios(t *testing.T) {
	swarmsimtest.RunScenarios(t, "testdata/*.txt")
}
