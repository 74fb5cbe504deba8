package swarmsim

import (
	"math"
	"time"

	"github.com/swarmsim/swarmsim/fault"
	"github.com/swarmsim/swarmsim/internal/eventq"
	"github.com/swarmsim/swarmsim/internal/ids"
	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/internal/trace"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/raft"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/task"
)

// Cluster is a simulated swarm: its nodes, services and tasks, the
// orchestrator, scheduler, updater, agents and routing mesh, all driven by
// one event loop over a virtual clock.
//
// A Cluster is not safe for concurrent use; one goroutine owns it. Nothing in
// it reads the real clock or starts a goroutine, and every random choice
// comes from Config.Seed, so the same seed and the same calls give the same
// event trace, byte for byte.
type Cluster struct {
	cfg   Config
	epoch time.Time
	now   int64 // nanoseconds since epoch

	// Now's answer for the instant nowFor, computed once per instant
	nowT   time.Time
	nowFor int64
	nowSet bool
	q      eventq.Queue
	ids    *ids.Generator

	// st holds the nodes, services and tasks, and finds them (package
	// store); the change path (tasks.go) keeps what mirrors them current.
	st *store.Store

	// the managers' Raft group (raft.go), and the control-plane events held
	// until a leader is elected
	raft raft.Managers
	held []eventq.Event

	sched *scheduler.Set
	alloc *mesh.Allocator
	mesh  *mesh.Mesh

	images       map[string]ImageBehavior
	imagesGen    uint64 // bumped by SetImage
	defaultImage ImageBehavior
	historyLimit int
	heartbeat    time.Duration // SetHeartbeatPeriod's period; 0 means HeartbeatPeriod

	// work for the end of the current step (SwarmKit's commit-boundary tick)
	dirty         []*store.Service
	rollingBack   []*store.Service // rolled back by their updater; reconciled after the scheduler's pass
	unassigned    []*store.Task    // PENDING tasks waiting for the scheduler
	unschedulable []*store.Task    // tasks the scheduler could not place
	retry         bool             // something changed that may let unschedulable tasks fit
	notes         []updNote        // task changes to hand to updaters

	// scratch space reused by the scheduler pass
	groups    scheduler.Groups[*store.SpecVersion, *store.Task]
	idBuf     []string
	decisions []scheduler.Decision
	spare     []*store.Task
	// and by the replicated orchestrator: a service's live slots
	liveBuf []liveSlot

	probes []*probeState
	faults fault.Plan
	net    fault.Network // the network partition in force (faults.go)
	trace  trace.Store
	seq    uint64

	objs *objectStore // networks, secrets and configs (networks.go)
}

// updNote is a message for a service's updater: a task change (ts, with
// the states it changed to) or the answer to a CreateTask (created).
type updNote struct {
	svc               *store.Service
	ts                *store.Task
	desired, observed task.State
	created           bool
	gen               uint32 // created: the updater run that asked
	slot              uint64
	id                string // created: the new task's ID, "" when aborted
}

// event kinds on the queue
const (
	evAgent uint8 = iota + 1
	evGate
	evHeartbeat
	evUpdater
	evProbe
	evGossip    // a dead DOWN node's tasks' new state has spread (faults.go)
	evOrphan    // a DOWN node's tasks become ORPHANED (faults.go)
	evFault     // a fault of the plan fires (faults.go)
	evPartition // gossip has noticed a partition (faults.go)
	evElection  // the managers elect a leader (raft.go)
	evRegister  // an UNKNOWN node's agent registers with a new leader (raft.go)
	evUnhealthy // a running container's health check starts failing (agent.go)
)

// New returns an empty cluster with its clock at cfg.Epoch (or DefaultEpoch).
func New(cfg Config) *Cluster {
	c := &Cluster{
		cfg:          cfg,
		epoch:        cfg.Epoch,
		ids:          ids.New(cfg.Seed),
		st:           store.New(),
		sched:        scheduler.NewSet(),
		alloc:        mesh.NewAllocator(),
		mesh:         mesh.New(),
		images:       make(map[string]ImageBehavior),
		historyLimit: cfg.historyLimit(),
	}
	if c.epoch.IsZero() {
		c.epoch = DefaultEpoch()
	}
	c.trace.SetLimit(cfg.TraceLimit)
	c.objs = newObjectStore(cfg.Seed, c.epoch)
	c.defaultImage = DefaultImageBehavior()
	if cfg.DefaultImage != nil {
		c.defaultImage = *cfg.DefaultImage
	}
	return c
}

// Now is the cluster's virtual time.
func (c *Cluster) Now() time.Time {
	c.lazyInit()
	if !c.nowSet || c.nowFor != c.now {
		c.nowT, c.nowFor, c.nowSet = c.at(c.now), c.now, true
	}
	return c.nowT
}

// Elapsed is the virtual time since the cluster's epoch.
func (c *Cluster) Elapsed() time.Duration {
	c.lazyInit()
	return time.Duration(c.now)
}

// Epoch is the virtual time the cluster started at.
func (c *Cluster) Epoch() time.Time {
	c.lazyInit()
	return c.epoch
}

func (c *Cluster) at(ns int64) time.Time { return c.epoch.Add(time.Duration(ns)) }

func (c *Cluster) push(at int64, kind uint8, a int32, b uint32) {
	if at > int64(Horizon) {
		return // it would happen after the end of virtual time: never
	}
	var pri uint8
	if kind == evUpdater {
		// An updater wakes after every task event due at the same instant,
		// so that a failure is judged before a worker takes its next slot
		// (SwarmKit's select has no order; FIDELITY.md).
		pri = 1
	}
	c.q.Schedule(at, pri, kind, a, b)
}

// SetTaskHistoryLimit changes the swarm's task history retention limit, as
// `docker swarm update --task-history-limit N` does. 0 keeps no history
// beyond the current task; a negative value keeps everything, up to
// MaxTaskHistory tasks per slot. A limit above MaxTaskHistory is refused.
func (c *Cluster) SetTaskHistoryLimit(n int) error {
	c.lazyInit()
	if err := c.noLeader(); err != nil {
		return err
	}
	if n > MaxTaskHistory {
		return limitErr("task history retention limit %d exceeds the simulator's limit of %d", n, MaxTaskHistory)
	}
	c.historyLimit = n
	return nil
}

// TaskHistoryLimit is the swarm's task history retention limit.
func (c *Cluster) TaskHistoryLimit() int {
	c.lazyInit()
	return c.historyLimit
}

// SetImage declares how tasks of an image behave from now on. The image is
// matched by the exact reference a service uses (e.g. "redis:3.0.7").
func (c *Cluster) SetImage(ref string, b ImageBehavior) {
	c.lazyInit()
	c.images[ref] = b
	c.imagesGen++
}

// image returns how tasks of a spec version's image behave. The answer is
// cached on the spec version until SetImage changes something.
func (c *Cluster) image(sv *store.SpecVersion) *ImageBehavior {
	if sv.ImageGen != c.imagesGen || sv.Image == nil {
		b, ok := c.images[sv.Spec.TaskTemplate.Image]
		if !ok {
			b = c.defaultImage
		}
		b = sv.Spec.TaskTemplate.Behavior(b)
		sv.Image, sv.ImageGen = &b, c.imagesGen
	}
	return sv.Image
}

// ---- the event loop ----

// Step runs the next pending event and everything it causes at the same
// instant. It returns false when nothing is pending.
func (c *Cluster) Step() bool {
	c.lazyInit()
	return c.step(math.MaxInt64)
}

// step runs the next event due at or before limit (events that turn out to
// be stale are dropped on the way), and reports whether one ran. It never
// takes the clock past limit.
func (c *Cluster) step(limit int64) bool {
	var e eventq.Event
	for {
		if !c.q.PopUntilInto(limit, &e) {
			return false
		}
		if e.At > c.now {
			c.now = e.At
		}
		if c.handle(&e) {
			c.settle()
			return true
		}
	}
}

// Pending reports whether any event is scheduled.
func (c *Cluster) Pending() bool {
	c.lazyInit()
	return c.q.Len() > 0
}

// NextEventAt is the virtual time of the next pending event.
func (c *Cluster) NextEventAt() (time.Time, bool) {
	c.lazyInit()
	e, ok := c.q.Peek()
	if !ok {
		return time.Time{}, false
	}
	return c.at(e.At), true
}

// RunFor runs every event due within d and leaves the clock d later. The
// clock saturates at Horizon: a d that would take it further leaves it there.
func (c *Cluster) RunFor(d time.Duration) {
	c.lazyInit()
	if d < 0 {
		return
	}
	end := c.runEnd(d)
	for c.step(end) {
	}
	c.now = max(c.now, end)
}

// runEnd is the clock reading d from now, saturated at Horizon.
func (c *Cluster) runEnd(d time.Duration) int64 {
	return min(addSat(c.now, d), int64(Horizon))
}

// RunUntil runs events until cond holds (checked before each event) or the
// limit of virtual time has passed; it reports whether cond held. The clock
// stops at the event that made cond true, or at the limit (saturated at
// Horizon). A nil cond never holds: RunUntil(nil, d) runs like RunFor(d) and
// returns false.
func (c *Cluster) RunUntil(cond func(*Cluster) bool, limit time.Duration) bool {
	c.lazyInit()
	if cond == nil {
		cond = func(*Cluster) bool { return false }
	}
	end := c.now
	if limit > 0 {
		end = c.runEnd(limit)
	}
	for {
		if cond(c) {
			return true
		}
		if !c.step(end) {
			c.now = max(c.now, end)
			return cond(c)
		}
	}
}

// RunUntilIdle runs events until none is pending or limit has passed, and
// reports whether the cluster went idle. A running container that never
// exits schedules nothing, so a settled cluster is idle.
func (c *Cluster) RunUntilIdle(limit time.Duration) bool {
	c.lazyInit()
	return c.RunUntil(func(c *Cluster) bool { return c.q.Len() == 0 }, limit)
}

// RunUntilConverged runs until the named services (all services when none is
// named) have converged — see Converged — or limit has passed.
func (c *Cluster) RunUntilConverged(limit time.Duration, services ...string) (bool, error) {
	c.lazyInit()
	var svcs []*store.Service
	for _, ref := range services {
		s, err := c.st.LookupService(ref)
		if err != nil {
			return false, err
		}
		svcs = append(svcs, s)
	}
	return c.RunUntil(func(c *Cluster) bool {
		if len(services) == 0 {
			for _, s := range c.st.Services() {
				if s != nil && !c.converged(s) {
					return false
				}
			}
			return true
		}
		for _, s := range svcs {
			if !c.converged(s) {
				return false
			}
		}
		return true
	}, limit), nil
}

func (c *Cluster) handle(e *eventq.Event) bool {
	if c.raft.Leaderless() && c.frozen(*e) {
		return false
	}
	switch e.Kind {
	case evAgent:
		ts := c.st.Task(e.A)
		if ts.Deleted || ts.AgentGen != e.B {
			return false
		}
		c.agentFire(ts)
	case evGate:
		ts := c.st.Task(e.A)
		if ts.Deleted || !ts.Gate.Active {
			return false
		}
		c.checkGate(ts)
	case evHeartbeat:
		ns := c.st.Node(e.A)
		if ns == nil || ns.BeatGen != e.B || ns.Beating {
			return false
		}
		c.heartbeatFailure(ns)
	case evUpdater:
		s := c.st.Service(e.A)
		if s == nil || s.Upd == nil || s.UpdGen != e.B {
			return false
		}
		if s.WakeQueued && s.WakeAt == e.At {
			s.WakeQueued = false
		}
		w, ok := s.Upd.NextWake()
		if !ok || c.Now().Before(w) {
			c.scheduleWake(s) // the wake moved: queue it again
			return false
		}
		c.applyUpdater(s, s.Upd.Wake(c.Now()))
	case evProbe:
		c.probeFire(*e)
	case evUnhealthy:
		ts := c.st.Task(e.A)
		if ts.Deleted || ts.AgentGen != e.B {
			return false
		}
		c.unhealthyFire(ts)
	case evElection:
		return c.elect(e.B)
	case evRegister:
		return c.register(*e)
	case evGossip, evOrphan, evFault, evPartition:
		return c.handleFault(*e)
	default:
		return false
	}
	return true
}

// settle does what SwarmKit does at a commit boundary: reconcile the services
// that changed, then schedule the tasks waiting for a node.
func (c *Cluster) settle() {
	if c.raft.Leaderless() {
		return // the managers decide nothing without a leader (raft.go)
	}
	for range 1000 {
		c.drainNotes()
		if len(c.dirty) > 0 {
			d := c.dirty
			c.dirty = nil
			for _, s := range d {
				s.DirtyQueued = false
				if !s.Removed {
					c.reconcile(s)
				}
			}
			continue
		}
		if len(c.unassigned) > 0 || (c.retry && len(c.unschedulable) > 0) {
			c.schedulePending()
			continue
		}
		if len(c.rollingBack) > 0 {
			// SwarmKit's rollback goes through the store and a new updater,
			// slower than the scheduler's commit: a replacement the restart
			// supervisor made for the failure that triggered it is assigned
			// first, then shut down by the rollback.
			for _, s := range c.rollingBack {
				c.markDirty(s)
			}
			c.rollingBack = c.rollingBack[:0]
			continue
		}
		c.retry = false
		return
	}
	// Each round reconciles every dirty service or schedules every waiting
	// task at once; a thousand rounds without a fixed point is a bug (two
	// decisions undoing each other), not a big cluster.
	panic("swarmsim: settle found no fixed point after 1000 rounds at " + c.Now().Format(time.RFC3339Nano) +
		": services and the scheduler keep changing each other; please report this with the calls that led here")
}

func (c *Cluster) markDirty(s *store.Service) {
	if s.DirtyQueued || s.Removed {
		return
	}
	s.DirtyQueued = true
	c.dirty = append(c.dirty, s)
}
