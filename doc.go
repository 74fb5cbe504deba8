// Package swarmsim simulates Docker Swarm orchestration in memory, in
// virtual time: nodes, services, tasks and their history, the scheduler, the
// rolling-update state machine, rollback, the restart policy and the routing
// mesh, overlay networks with their subnets and virtual IPs, secrets and
// configs, with Docker's own state names, messages and errors.
//
// A Cluster is driven by one event loop over a virtual clock. Commands
// (CreateService, UpdateService, RollbackService, UpdateNode, StopNode, ...)
// take effect at the current virtual time; the drivers Step, RunFor,
// RunUntil, RunUntilIdle and RunUntilConverged move the clock from one event
// to the next. Nothing reads the real clock, nothing runs in another
// goroutine, and every random choice comes from Config.Seed: the same seed
// and the same calls give a byte-identical trace (Events, TraceText).
//
// The policies live in their own pure packages, which this package drives:
// scheduler (filters, ranking, spreading, constraints, batches), updater
// (SwarmKit's rolling update as a state machine), orchestrator (replicated,
// global and job reconciliation, the restart policy, the task reaper, the
// agent's steps), mesh (published ports and the routing mesh), raft and
// fault. The records they read live in internal/store. This package holds
// the event loop, the one path by which every task change reaches the
// scheduler, the mesh, the service counters and the updater (tasks.go), the
// application of the packages' plans, and the public API; the agent moves
// each task through ACCEPTED, PREPARING, READY, STARTING and RUNNING as its
// image's ImageBehavior says.
//
// Where real Swarm is random, swarmsim follows a fixed rule; FIDELITY.md in
// the repository lists every such rule and every deliberate deviation.
package swarmsim
