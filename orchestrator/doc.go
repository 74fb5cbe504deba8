// Package orchestrator holds the decisions of SwarmKit's orchestrators as
// pure functions over small value types: no store, no clock, no goroutines.
// The simulator's event loop gathers the facts a decision needs, calls the
// function and applies the plan it returns, as it does with the updater.
// File names follow SwarmKit's manager/orchestrator packages.
//
// # Reconciliation
//
// Swarm is declarative: a service says how many tasks it wants and with
// what spec, and the orchestrators work, event after event, to make the
// store match. Each reconciliation looks at a service's slots: a slot is
// one replica of a replicated service (slot numbers 1..N) or one node of a
// global service, and holds the replica's current task plus its history.
//
// A slot is live when some task in it is meant to run (desired state
// RUNNING or before). A slot whose tasks have all been shut down is dead,
// unless the restart policy has given up on it, in which case its newest
// task stands for it (UpdatableInSlot, SwarmKit's
// manager/orchestrator/replicated/slot.go and
// manager/orchestrator/taskinit: the restart supervisor will not bring it
// back, so the orchestrator must not either).
//
// The replicated orchestrator (replicated.go, SwarmKit's
// manager/orchestrator/replicated/services.go: Orchestrator.reconcile)
// compares the live slots with the replica count:
//
//   - fewer: new tasks go into the lowest slot numbers no live slot holds
//     (NewSlots), and the live slots go to the updater;
//   - more: the slots to keep are chosen (ScaleDown: running tasks first,
//     then slots on the nodes that hold the most copies go first), the
//     others are removed, and the kept ones go to the updater;
//   - as many: the live slots go to the updater, which replaces the dirty
//     ones (package updater).
//
// The global orchestrator (global.go, SwarmKit's
// manager/orchestrator/global/global.go) does the same per node: a node
// that is drained, down, gone or no longer matches the constraints gets
// its task shut down; a paused node is left alone; an eligible node with
// no runnable task gets one (GlobalNode).
//
// # Restarts
//
// When a task that was meant to run ends, the restart supervisor (restart.go,
// SwarmKit's manager/orchestrator/restart/restart.go) decides whether to
// replace it (ShouldRestart: the condition, then MaxAttempts within the
// window, counted per spec version), and after what delay (Delay). The
// replacement goes into the same slot.
//
// # The task reaper
//
// Each slot keeps a bounded history: the task reaper (taskreaper.go,
// SwarmKit's manager/orchestrator/taskreaper/task_reaper.go) deletes the
// oldest tasks that have ended or will never run once a slot holds more
// than the retention limit (RetentionLimit, Reap).
//
// # Jobs
//
// Package jobs (SwarmKit's manager/orchestrator/jobs) decides for
// services whose tasks run to completion: a replicated job keeps at most
// MaxConcurrent tasks under way until TotalCompletions have completed, a
// global job runs one task on every node that existed when its iteration
// started. Completed tasks stay; failed ones go to the restart supervisor,
// which treats "any" as "on-failure" for them.
//
// # The agent
//
// Between ASSIGNED and the container's end, a worker's agent moves the task
// through ACCEPTED, PREPARING, READY, STARTING and RUNNING. The simulator
// models the agent by an ImageBehavior per image: how long each step takes
// and how the container ends (agent.go: StepDuration, Next, StopDuration).
// A service health check puts Docker's probe schedule over the image's
// check (health.go: HealthTimes, after moby's daemon/health.go), and the
// stop grace period bounds a stop (StopTime).
package orchestrator
