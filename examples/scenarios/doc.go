// Package scenarios is README's "Write your own scenario tests": a scenario
// file under testdata/ and the one-line test that runs it
// (swarmsimtest.RunScenarios). Run it with go test ./examples/scenarios;
// rewrite the expected outputs with -rewrite.
package scenarios
