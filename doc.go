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
// scheduler (filters, ranking, spreading, constraints), updater (SwarmKit's
// rolling update as a state machine) and mesh (published ports and the
// routing mesh). This package is the orchestrator around them: replicated and
// global reconciliation, the restart supervisor and its delayed starts, the
// task reaper, node heartbeats, and the agent, which moves each task through
// ACCEPTED, PREPARING, READY, STARTING and RUNNING as its image's
// ImageBehavior says.
//
// Where real Swarm is random, swarmsim follows a fixed rule; FIDELITY.md in
// the repository lists every such rule and every deliberate deviation.
package swarmsim
