package realswarm

// The reasons of the differences found, as FIDELITY.md's "Real swarm
// comparison" states them.
const (
	whyCLIVersion    = "client version: the real client is docker 28.2; swarmsim follows docker/cli 29.7"
	whyDaemonVersion = "daemon version: the real daemon is 20.10; swarmsim follows moby/swarmkit of 2026"
	whyTiming        = "timing: the command looks at the swarm mid-flight (right after a detached change or at the moment of a pause), where real time and virtual time cannot agree"
)

func init() {
	for k, v := range map[string]string{
		"internal/realswarm/testdata/scenarios/quick-errors.swarm:22": whyCLIVersion + " (`Error: ` before `no such service`)",
		"internal/realswarm/testdata/scenarios/quick-errors.swarm:23": whyCLIVersion + " (exit status of a template parsing error; to confirm against docker 29)",
		"internal/realswarm/testdata/scenarios/cli-errors.swarm:32":   whyCLIVersion + " (capitalised message)",
		"internal/realswarm/testdata/scenarios/cli-errors.swarm:46":   whyTiming,
		"internal/realswarm/testdata/scenarios/cli-errors.swarm:49":   whyDaemonVersion + " (capitalised message)",
		"internal/realswarm/testdata/scenarios/cli-errors.swarm:50":   whyCLIVersion + " (`Error: ` before `no such service`)",
		"internal/realswarm/testdata/scenarios/cli-errors.swarm:52":   whyCLIVersion + " (capitalised message)",
		"internal/realswarm/testdata/scenarios/cli-errors.swarm:53":   whyCLIVersion + " (wording of a template execution error; to confirm against docker 29)",
		"internal/realswarm/testdata/scenarios/cli-errors.swarm:54":   whyCLIVersion + " (exit status of a template parsing error; to confirm against docker 29)",
		"examples/auto-rollback.swarm:8":                              whyTiming + " (whether the update had reached the third slot when the first app:2 task failed: one real run had, another had not; swarmsim has not)",
		"examples/update-order.swarm:16":                              whyTiming,
		"examples/update-pause.swarm:7":                               whyTiming,
		"examples/update-pause.swarm:9":                               whyTiming,
		"examples/update-pause.swarm:12":                              whyTiming + " (how many slots the rollback replaces depends on how far the update got, and with it whether `rollback completed` arrives before the command ends)",
	} {
		KnownDiffs[k] = v
	}
}
