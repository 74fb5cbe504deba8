package proptest_test

import (
	"os"
	"strings"
	"testing"
)

// The property test README shows is this package's TestConvergedRunsAll,
// character for character, so the README's example is known to pass.
func TestReadmeSnippet(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	const start = "func TestConvergedRunsAll("
	i := strings.Index(string(src), start)
	if i < 0 {
		t.Fatal("readme_test.go has no TestConvergedRunsAll")
	}
	fn := string(src[i:])
	if !strings.Contains(string(readme), "```go\n"+fn+"```") {
		t.Errorf("README.md's property test is not readme_test.go's TestConvergedRunsAll; paste it:\n%s", fn)
	}
}
