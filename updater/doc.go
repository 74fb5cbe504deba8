// Package updater is Docker Swarm's rolling update, as SwarmKit's updater
// (manager/orchestrator/update/updater.go) runs it, written as one pure,
// deterministic state machine: no goroutines, no clock. Time comes in as
// arguments, decisions go out as Actions, and the caller (the simulator's
// orchestrator) applies them and reports what happened, in the style of
// etcd raft's RawNode. Function names in this package's comments (Run,
// worker, updateTask, useExistingTask, the failureTriggersAction closure,
// startUpdate, pauseUpdate, rollbackUpdate, completeUpdate) are those of
// SwarmKit's manager/orchestrator/update/updater.go unless another file is
// named; docs/swarm-behaviour.md tells the same story in prose.
//
// # Slots and dirty tasks
//
// A service's tasks are grouped in slots: one per replica of a replicated
// service (slot numbers 1..N), one per node of a global service. A task is
// dirty when it does not match the service's current spec; a slot is dirty
// when it holds more than one task or its only task is dirty. When the
// orchestrator reconciles a service it hands the updater a snapshot of
// every runnable slot (Params.Slots); the updater replaces the tasks of the
// dirty ones and never looks at the store again.
//
// # Workers, parallelism, delay
//
// An update is not made of synchronised batches. Parallelism workers
// (Config.Parallelism; 0 means one per dirty slot) take the dirty slots one
// at a time, in order. For each slot a worker:
//
//  1. keeps a clean task if the slot has one (ReuseTask), shutting the
//     others down; otherwise creates a new task with desired state READY
//     (CreateTask). Stop-first shuts the old task down in the same batch and
//     starts the new one once the old one stopped (its "delayed start");
//     start-first starts the new one at once;
//  2. waits, with no timeout, until the new task has been started and is
//     observed RUNNING or past it (a task that fails before RUNNING ends
//     the wait too). That moment opens the task's monitoring window.
//     Start-first now shuts the old tasks down, but only if the new task
//     is exactly RUNNING;
//  3. sleeps Config.Delay, after every slot including the last;
//  4. takes the next slot.
//
// Workers drift apart: a fast one does not wait for a slow one.
//
// # Failures, monitor, failure action
//
// A failure is a task this run created whose observed state goes past
// RUNNING (complete, shutdown, failed, rejected, orphaned) before the
// updater saw it RUNNING or within Config.Monitor (default 5s) after. Each
// task counts once; reused tasks, replacements made by the restart policy
// and tasks of earlier runs never count. When failures/dirty slots exceeds
// Config.MaxFailureRatio (strictly, in float32), the failure action fires:
// pause (the update stops and its status becomes "paused"), rollback (the
// previous spec comes back and a rollback run starts, with the rollback
// config and the rollback_* states) or continue (failures are not even
// watched). A rollback is never rolled back: it pauses instead.
//
// Failures are judged when the updater reads them, not when they happen:
// while slots remain to hand out, at once; once the last slot is handed
// out the updater waits for its workers and reads nothing until they are
// done, then judges what piled up against the clock of that moment.
//
// # Completion
//
// Once every worker is done, the updater watches for failures during one
// more window, Monitor (or Delay+1s when Delay >= Monitor), and then sets
// the status to "completed" ("rollback_completed" for a rollback). It does
// not check that the tasks are running.
//
// # Driving it
//
// Start takes the snapshot and returns the first actions. Afterwards the
// caller reports the ID of each task it created (TaskCreated), every change
// of desired or observed state of the service's tasks with the task's slot
// (TaskUpdated; only the tasks of CreateTask and ReuseTask matter, and
// Ignores says which changes of an observed state alone can be left out),
// and calls Wake at NextWake. Each call returns the actions to apply, in
// order.
// Done reports the end of the run. To cancel a run, drop the Updater.
package updater
