// Package timeline draws a swarmsim event trace as a picture: a standalone
// SVG timeline of a span of virtual time.
//
// In Swarm, a service's tasks fill slots: a replicated service with
// --replicas 3 has slots 1, 2 and 3 (tasks redis.1, redis.2, redis.3), and a
// global service has one slot per node. A task is one container's life: it
// moves forward through NEW, PENDING, ASSIGNED, ACCEPTED, PREPARING, READY,
// STARTING and RUNNING and ends in COMPLETE, SHUTDOWN, FAILED or REJECTED; it
// never comes back. Changing a service (docker service update) does not
// change its tasks: a rolling update replaces them, slot by slot, with new
// tasks of the new spec, --update-parallelism slots at a time, waiting
// --update-delay after each; the task that was replaced stays in the slot's
// history, shut down. When a new task fails, the update pauses (or rolls
// back, or continues) as --update-failure-action says, and a rollback is
// itself a rolling replacement with the previous spec.
//
// The picture shows exactly that. Each service is a group of rows, one row
// per slot (one per node for global services); each task is a bar from its
// creation, coloured by its observed state as it moves on, labelled with its
// image. After the task ends, a thin bar of its final colour (shutdown,
// failed, rejected, complete) continues until the task is deleted, the span
// ends or the next task drawn in its place begins. Where the old and the new
// task of a slot live at the same time (the new one starting while the old
// one stops) the row splits into lanes, one task each. Hatching marks a task
// that is still running while its desired state is already SHUTDOWN: the
// agent is stopping it. Vertical lines mark the service's update status
// changes (updating, paused, completed, rollback_started, ...), labelled
// above the group, and a group of node rows at the top shows the nodes that
// went down, came up, were drained or paused. A time axis in seconds or
// minutes since the cluster's epoch runs above and below, and a legend
// explains the colours, which are the colour-blind-safe Okabe-Ito palette.
//
// Render works from the events alone (swarmsim.Cluster.Events, or a JSONL
// trace read back with swarmsim.ReadTrace), writes no map in iteration order
// and formats every number the same way, so the same events and options give
// byte-identical SVG. RenderSeq draws the same picture from events read one
// at a time (swarmsim.Cluster.AllEvents), so that a run of two million
// events is never held as a slice; either writes the SVG as it draws it, a
// layer at a time, holding only the tasks and nodes it draws.
package timeline
