// Package swarmsimtest is swarmsim's property-based testing kit, built on
// pgregory.net/rapid: generators of clusters, service specs, update
// configs, image behaviours, fault plans and action sequences; a Checker
// that holds a cluster to Swarm's invariants; and a ready-made rapid state
// machine (Machine) that users extend with their own actions and
// properties.
//
// # What is checked
//
// Docker Swarm runs a service as tasks in slots: one slot per replica of a
// replicated service, one per node of a global one. Each task's observed
// state only moves forward (NEW, PENDING, ASSIGNED, ... RUNNING, then
// COMPLETE, SHUTDOWN, FAILED, REJECTED or ORPHANED), while the managers set
// its desired state (READY, RUNNING, then SHUTDOWN or REMOVE). A rolling
// update replaces the tasks of dirty slots, at most "parallelism" slots at a
// time, either stop-first (the old task stops before its replacement
// starts) or start-first (the replacement runs before the old task stops);
// a failure can pause the update or roll it back to the previous spec. The
// task reaper keeps a bounded history of tasks per slot, the scheduler never
// overcommits a node's resources, and the routing mesh answers a published
// port on every node with a RUNNING task. The invariants (see Invariants and
// the Inv* constants) state these rules; a Checker evaluates them over a
// Snapshot, a plain value that Snap builds from a *swarmsim.Cluster and that
// tests can build by hand to show an invariant can fail.
//
// The Checker is stateful: it replays the trace events between two checks,
// so a violation that started and ended between them (a transient second
// RUNNING task in a stop-first slot, a desired state set back) is still
// caught, and every violation names the event that caused it.
//
// # A property in ten lines
//
//	func TestNeverBelowOne(t *testing.T) {
//		rapid.Check(t, func(t *rapid.T) {
//			m := swarmsimtest.NewMachine(t, swarmsimtest.MachineConfig{})
//			m.Checker.Add("min-running", func(s *swarmsimtest.Snapshot) []swarmsimtest.Violation {
//				... s.MinRunning(name) ...
//			})
//			t.Repeat(m.Actions())
//		})
//	}
//
// # Replaying a failure
//
// rapid shrinks a failing case and writes it to a fail file under
// testdata/rapid/<TestName>/; rerun exactly that case with
//
//	go test -run TestName -rapid.failfile=testdata/rapid/TestName/<file>.fail
//
// or rerun a seed with -rapid.seed=N (RAPID_SEED=N). The simulator is
// deterministic, so a replay fails the same way, byte for byte. More checks
// and longer runs: -rapid.checks=N and -rapid.steps=N, or the environment
// variables RAPID_CHECKS and RAPID_STEPS, which rapid v1.3 reads as the
// flags' defaults.
//
// # Scenario files
//
// Golden tests are scenario files in the swarmsim command line's language:
// each command (docker commands, `swarmsim` directives, `sleep`), a line
// "----", and what the command prints, with the comment that says why above
// it (ScenarioFile). RunScenarios runs every file a glob matches as a
// subtest; go test -rewrite rewrites the expected outputs of all of them.
// `swarmsim trace on` adds the trace events each command caused.
// RunScenariosWith does the same for a language of the caller's (the
// updater's tests use it).
package swarmsimtest
