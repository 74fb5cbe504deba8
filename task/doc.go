// Package task holds Swarm's task model: the ordered task states with
// SwarmKit's numeric values and Docker's names, the status a task reports
// (state, timestamp, message, error), and the Task itself, whose observed
// state only ever moves forward.
//
// A task is one container of a service at one spec version. Replicated
// services give each task a slot (1..N) and global services pin it to a
// node; a slot or node keeps older tasks as history, which
// `docker service ps` shows as ` \_ ` rows.
//
// The desired state is what managers ask for (RUNNING, READY while a
// replacement waits its turn, SHUTDOWN, REMOVE); the observed state is what
// the agent reports. Both use State, and code compares them with < and >,
// exactly as SwarmKit does: anything above RUNNING means the container has
// ended or never will start.
package task
