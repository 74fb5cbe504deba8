// Package jobs holds the decisions of SwarmKit's jobs orchestrator
// (manager/orchestrator/jobs) as pure functions: which tasks a replicated
// job creates, restarts and removes (replicated.go, after
// jobs/replicated/reconciler.go), and what a global job does on one node
// (global.go, after jobs/global/reconciler.go).
//
// A job's tasks run to completion: they are created with desired state
// COMPLETE, a task that completes stays so and is not restarted, and one that
// fails is handed to the restart supervisor. Every update of a job starts a
// new iteration (SwarmKit's JobStatus.JobIteration): tasks of older
// iterations are stopped and no longer count.
package jobs
