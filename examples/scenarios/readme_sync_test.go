package scenarios_test

import (
	"os"
	"strings"
	"testing"
)

// README's "Write your own scenario tests" shows this package's
// testdata/drain.txt and TestScenarios character for character, so its
// example is known to pass.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	scn, err := os.ReadFile("testdata/drain.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "blank line. The `#` comment above a command says why. `testdata/drain.txt`:\n\n```\n"+string(scn)+"```\n") {
		t.Errorf("README.md's scenario file is not testdata/drain.txt; paste it:\n%s", scn)
	}
	src, err := os.ReadFile("scenarios_test.go")
	if err != nil {
		t.Fatal(err)
	}
	const start = "func TestScenarios("
	i := strings.Index(string(src), start)
	if i < 0 {
		t.Fatal("scenarios_test.go has no TestScenarios")
	}
	if fn := string(src[i:]); !strings.Contains(string(readme), "```go\n"+fn+"```") {
		t.Errorf("README.md's scenario test is not scenarios_test.go's TestScenarios; paste it:\n%s", fn)
	}
}
