// Package swarmkit compares swarmsim with SwarmKit's own rolling updater.
//
// It is a module of its own, so that the swarmsim module never depends on
// SwarmKit. Its benchmarks run, for the same number of replicas N and the
// same update parallelism P, two things side by side:
//
//   - swarmkit: SwarmKit's Updater (manager/orchestrator/update,
//     update.NewUpdater(...).Run) on SwarmKit's in-memory store
//     (manager/state/store.NewMemoryStore), with an instant fake agent that,
//     like the one in SwarmKit's updater_test.go, moves every updated task's
//     observed state to its desired state at once. There is no scheduler,
//     no dispatcher and no network; only Run is timed, not the store's set-up.
//     Run waits out the update's monitor window in real time, so the monitor
//     is set to 1 ns (0 would make it wait delay+1 s, see Run in
//     manager/orchestrator/update/updater.go).
//   - swarmsim: the whole simulation from nothing, all of it timed:
//     swarmsim.New with the default configuration (trace on, default image
//     behaviour), N/10 nodes added, the service created with N replicas and
//     run until converged, updated to a new image and run until converged
//     again (a 5 s monitor, in virtual time).
//
// The swarmsim sub-benchmark of each case reports the ratio of SwarmKit's
// time to its own as "x-faster", and TestMain prints a table of every case
// measured in the run:
//
//	cd bench/swarmkit && go test -run '^$' -bench .
//
// The 10,000-replica case at parallelism 0 takes SwarmKit minutes (one
// goroutine and one store watch per slot, and every store event offered to
// every watch); it runs only with -swarmkit.slow.
package swarmkit
