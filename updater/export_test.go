package updater

// NewScenarioExec gives the external test package the harness's scenario
// language (scenario_exec_test.go).
var NewScenarioExec = newScenarioExec
