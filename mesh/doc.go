// Package mesh models how a Docker Swarm publishes service ports: the
// endpoint spec a user writes, the manager's cluster-wide ingress port
// allocator, and the routing mesh that answers a published port on every node.
//
// The package is pure: it holds no clock, starts no goroutines and imports only
// the standard library. The root package's event loop tells it about services,
// their ports, nodes and backends, and asks it to Resolve connections.
//
// # Endpoint spec and published ports
//
// A service's EndpointSpec has a resolution mode and a list of PortConfig.
// Each PortConfig maps a TargetPort inside the container to a PublishedPort on
// the swarm's nodes, for one Protocol (tcp, the default, udp or sctp), in one
// PublishMode:
//
//   - ingress (the default): the routing mesh. The port is opened on every node
//     of the swarm, and a connection to any node reaches some task of the
//     service, wherever it runs. `docker service create -p 8080:80` publishes
//     port 8080 this way.
//   - host: a plain container port binding, opened only on the nodes that run
//     a task of the service, and reaching that node's task.
//
// A published port of 0 means "unspecified": for an ingress port the manager
// picks one; for a host port the engine picks an ephemeral port on the node.
// 53/tcp and 53/udp are different ports: `-p 53:53/tcp -p 53:53/udp` publishes
// both, and each protocol has its own port space.
//
// The resolution mode is vip (the default: the service gets a virtual IP that
// load-balances to its tasks) or dnsrr (DNS round robin: a name lookup returns
// the tasks' own addresses, with no VIP). Since the routing mesh is built on
// the VIP, dnsrr cannot be combined with ingress ports; EndpointSpec.Validate
// refuses it with SwarmKit's exact text.
//
// # Ingress port allocation
//
// The manager's Allocator reserves ingress ports cluster-wide. Host-mode ports
// are not reserved anywhere: they are copied into the service's actual ports as
// written, and the scheduler keeps two tasks that publish the same host port
// off the same node. Each protocol has a master range 1-65535 and a dynamic
// range 30000-32767. A published port of 0 takes the next free port of the
// dynamic range after a moving cursor (30000, 30001, ...): freed ports are not
// handed out again until the cursor wraps past 32767. An explicit port inside
// the dynamic range is reserved there too, so the cursor skips it. When the
// range is full the allocator fails with "no bit available".
//
// On an update, a dynamic port keeps its number only if an entry with the same
// (name, protocol, target port) existed before and the number of port entries
// is unchanged; otherwise every dynamic port is drawn again from the cursor.
//
// Before a service is created or its endpoint changed, the manager checks the
// requested published ports against every other service (CheckConflicts):
// an ingress port collides with any other use of the same (protocol, port),
// a host port collides with another service's ingress port, and two services
// may share a host port.
//
// # The routing mesh
//
// Every node of the swarm is part of the mesh, whatever its role or
// availability: a drained or paused node still accepts and forwards mesh
// traffic; it only stops hosting tasks. (This package therefore does not know
// about availability at all; only whether a node's engine is up.)
//
// On each node a published ingress port is redirected into the node's ingress
// sandbox, where IPVS balances connections round robin over the service's
// backends: the task containers of the service, on any node. Each node has its
// own IPVS table and its own round-robin position, so the rotation is per
// entry node, not cluster-wide. A connection that enters node E and is sent to
// a task on node B crosses the ingress overlay network (VXLAN).
//
// # Failures
//
// When a node's machine dies (SetNodeUp false) it accepts no connection, but
// the other nodes do not know at once: its backends stay in their tables and
// in rotation until the caller removes them, and a connection sent to one of
// them times out (Reason TimedOut, not a refusal). The root package removes
// them once the managers have marked the node DOWN and the tasks' new state
// has spread by gossip. A network partition (Partition) cuts gossip and the
// overlay between groups of nodes: a connection across the cut times out
// until SettlePartition, and afterwards the backends across it are unknown
// (as with a gossip block).
//
// A task becomes a backend once its container runs (and is healthy, when it
// has a health check), and stops being one as soon as it is told to shut down,
// before its container stops. Nodes learn each other's backends by gossip. A
// node listens on a published port only while it knows at least one backend of
// the service: a service with no running task does not listen anywhere, and
// connections are refused.
//
// # Ports swarm itself needs
//
// Swarm needs these ports open between its nodes (SwarmPorts):
//
//   - 2377/tcp: cluster management (the manager API and raft). It carries no
//     service traffic, so blocking it has no effect on routing in this model
//     (it cuts a node off from the managers, which is the root package's
//     concern).
//   - 7946/tcp and 7946/udp: gossip, node and overlay-network discovery. If
//     either end of a pair of nodes blocks 7946 (tcp or udp), entry node E never
//     learns node B's backends: they are not in E's rotation at all.
//   - 4789/udp: the VXLAN data path for overlay and ingress traffic. If either
//     end blocks it, E still knows B's backends (gossip works) and keeps them in
//     its rotation, but a connection sent to one of them fails (PathBlocked).
//
// A node's own backends always answer, whatever it blocks. A published port
// blocked on the entry node's firewall is refused there. Traffic reaches a
// backend node through VXLAN, not through the published port, so a backend
// node's block of the published port does not matter.
//
// # Handles
//
// A caller that keeps records of its own, as the root package does, may
// keep the mesh's handles in them: AddNode returns a NodeRef, SetService a
// ServiceRef, and AddBackendRef a BackendRef for RemoveBackendRef. Backends
// added this way skip the look-ups by ID and the service's index of task
// IDs: the caller sees to it that a task is not added twice. They share the
// order and the rotations with those added by AddBackend, but each kind is
// removed only its own way (RemoveBackend by task ID, RemoveBackendRef by
// handle). A handle goes stale when RemoveNode or RemoveService drops what
// it names, and a stale one is harmless: RemoveBackendRef ignores it, even
// once its slab element holds another backend.
//
// # Determinism
//
// Where real Swarm is not deterministic this package fixes a rule:
//
//   - The backend order of a service is the order of AddBackend and
//     AddBackendRef calls (real IPVS lists them in the order each node
//     learned them), and every entry node starts its rotation at the first
//     backend. After a removal the rotation continues with the backend that
//     followed the removed one, as IPVS does.
//   - Dynamic ports come from the sequential cursor, exactly as SwarmKit's
//     allocator does (the documentation says "random", the code is serial).
//   - When several old dynamic ports share one (name, protocol, target) key,
//     the first in endpoint order is reused (SwarmKit takes one in map order).
package mesh
