// Package events is the public model of a swarmsim trace: the kinds of state
// change a simulated swarm records (Kind), one recorded change (Event), its
// stable one-line text form, and the JSON-lines file format (Write, Read)
// that a cluster's log/slog JSON output and a `swarmsim run --trace` file
// share.
//
// Real Swarm publishes the same changes in two places. Inside the manager,
// every write to the store is an event on SwarmKit's watch queue
// (manager/state/store/memory.go: MemoryStore.WatchQueue), typed by object
// and action (manager/state/store/tasks.go: taskEntry.EventCreate,
// taskEntry.EventUpdate, taskEntry.EventDelete), which the orchestrators, the updater and the dispatcher
// follow. Outside, the daemon turns them into the stream `docker events`
// prints, one line per event with its time, type, action and actor
// (docker/cli cli/command/system/events.go: prettyPrintEvent). An Event here
// is the simulator's flat form of both: its virtual time and sequence
// number, its kind, the service, task and node it is about by ID and by
// name, and the states it moved between with Docker's names.
//
// The package knows nothing of a cluster: the root package swarmsim records
// events into a compact store and expands them into Event values, and
// re-exports this package's names (swarmsim.Event, swarmsim.EventKind,
// swarmsim.WriteTrace, swarmsim.ReadTrace).
package events
