// Package dockercli is the docker command line of swarmsim: it reads
// `docker service ...`, `docker node ...`, `docker network ...`, `docker
// secret ...`, `docker config ...` and `docker swarm update` command lines
// with Docker's own flags, defaults and error texts, runs them against
// a simulated swarm (github.com/swarmsim/swarmsim) and prints what Docker
// prints: the `service ps` and `service ls` tables, `node ls`, `inspect`
// JSON in the Engine API's shape and `inspect --pretty`, and the progress
// display that `create`, `update`, `rollback` and `scale` show while they
// wait for the service to converge.
//
// In Docker's words, a service is "the definition of the tasks to execute
// on the manager or worker nodes"; `docker service update` rolls a new
// definition out task by task, and `docker service rollback` reverts "a
// service's configuration" to the previous one. The CLI waits for that in
// virtual time: it polls every 200 ms of cluster time as docker's CLI does,
// and waits the update monitor period (5s by default) before it says
// "verify: Service <X> converged".
//
// Scripts are lines of such commands plus `sleep DURATION` and `swarmsim`
// directives for what Docker cannot express (nodes joining and failing,
// firewalls, how images behave, traffic through the routing mesh, and
// `swarmsim timeline FILE.svg [SERVICE...]`, which draws the run so far as a
// picture with package timeline), and two for tests: `swarmsim seed N`
// seeds the cluster and `swarmsim trace on|off [--hide KIND,...]` prints
// after each command the trace events it caused, one per line in
// Cluster.TraceText's form (swarmsimtest's scenario files use both).
// `swarmsim ssh HOST` sends the docker commands that follow to one host's
// engine: `docker swarm init|join|leave`, `docker info`, `docker ps` and the
// container commands answer for that host, and manager-only commands on a
// worker get Docker's error. RunScript turns a script into a
// transcript; Session.Exec runs one line. Parse keeps the command-line
// parsing apart from execution. Session.Logger receives every event of the
// cluster (a slog JSON handler writes the JSONL trace) and Session.Timeline
// draws the whole run.
package dockercli
