package swarmsim

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/swarmsim/swarmsim/fault"
	"github.com/swarmsim/swarmsim/internal/eventq"
	"github.com/swarmsim/swarmsim/internal/ids"
	"github.com/swarmsim/swarmsim/internal/trace"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/orchestrator"
	"github.com/swarmsim/swarmsim/raft"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/spec"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
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

	nodes    []*nodeState // in join order; removed nodes are nil
	nodeByID map[string]*nodeState
	// nodePrefixes and servicePrefixes find nodes and services by a
	// prefix of their ID without a scan (lookupNode, lookupService).
	nodePrefixes    ids.Prefixes[*nodeState]
	servicePrefixes ids.Prefixes[*serviceState]
	// nodeByRef finds a node by the scheduler's NodeRef for it
	nodeByRef []*nodeState
	// the managers' Raft group (raft.go), and the control-plane events held
	// until a leader is elected
	raft raft.Managers
	held []eventq.Event

	services    []*serviceState // in creation order; removed services are nil
	serviceByID map[string]*serviceState
	// serviceByName finds a live service by its exact name; serviceByFold
	// by its name in lower case, for SwarmKit's case-insensitive name
	// conflicts.
	serviceByName map[string]*serviceState
	serviceByFold map[string]*serviceState
	// nodeByName finds the first live node (in join order) with a hostname
	// or spec name; lookups by ID or name cost no scan.
	nodeByName map[string][]*nodeState

	// the tasks the services ask for: replicated replica counts, and the
	// global services and live nodes whose product the global ones ask for
	replicasWanted uint64
	globals        int
	liveNodes      int

	tasks []*taskState // arena in creation order; deleted tasks are &c.dead
	// dead stands in the task arena for every deleted task: the trace keeps
	// what it shows of a task apart from it, so a deleted task is freed once
	// nothing else holds it (queued events name tasks by index and find
	// this). Each cluster has its own: nothing is shared between clusters.
	dead taskState
	// taskIdx indexes tasks[:indexed] by ID. lookupTask extends it on
	// demand, so that creating a task costs no map insert; the hot paths
	// find tasks through their slot (slotTask).
	taskIdx map[string]int32
	indexed int
	slab    []taskState // room for the next tasks, allocated a chunk at a time

	sched *scheduler.Set
	alloc *mesh.Allocator
	mesh  *mesh.Mesh

	images       map[string]ImageBehavior
	imagesGen    uint64 // bumped by SetImage
	defaultImage ImageBehavior
	historyLimit int
	heartbeat    time.Duration // SetHeartbeatPeriod's period; 0 means HeartbeatPeriod

	// work for the end of the current step (SwarmKit's commit-boundary tick)
	dirty         []*serviceState
	rollingBack   []*serviceState // rolled back by their updater; reconciled after the scheduler's pass
	unassigned    []*taskState    // PENDING tasks waiting for the scheduler
	unschedulable []*taskState    // tasks the scheduler could not place
	retry         bool            // something changed that may let unschedulable tasks fit
	notes         []updNote       // task changes to hand to updaters

	// scratch space reused by the scheduler pass
	groups    []schedGroup
	taskBufs  [][]*taskState
	idBuf     []string
	decisions []scheduler.Decision
	spare     []*taskState

	probes []*probeState
	faults fault.Plan
	net    fault.Network // the network partition in force (faults.go)
	trace  trace.Store
	seq    uint64

	objs *objectStore // networks, secrets and configs (networks.go)
}

type nodeState struct {
	n       *node.Node
	ref     scheduler.NodeRef // the scheduler's handle for the node
	idx     int32
	up      bool   // the machine and its engine are alive
	beatGen uint32 // generation of the pending heartbeat-failure event
	// beating: the managers hear the node's heartbeats (up, and no
	// partition between it and the leader)
	beating bool
	// downGen counts the node's DOWN spells, for its gossip and orphan
	// events; gossiped: the node is dead and DOWN, and its tasks' new state
	// has reached every other node (see faults.go)
	downGen  uint32
	gossiped bool
	tasks    []*taskState
	removed  bool
}

type specVersion struct {
	serviceID   string
	spec        ServiceSpec
	version     uint64
	tmpl        uint64 // versions with equal task templates and endpoints share it
	hostPorts   []scheduler.HostPort
	constraints []scheduler.Constraint
	image       *ImageBehavior // cached c.image answer, valid while imageGen == c.imagesGen
	imageGen    uint64
}

type serviceState struct {
	id        string
	idx       int32
	version   uint64
	createdAt time.Time
	updatedAt time.Time
	spec      *specVersion
	prev      *specVersion
	status    updater.Status
	endpoint  []mesh.PortConfig
	slots     slotTable
	removed   bool

	upd     *updater.Updater
	updSpec *specVersion
	updGen  uint32

	// the earliest updater wake queued for the current updater
	wakeAt     int64
	wakeGen    uint32
	wakeQueued bool

	restarts map[uint64]*orchestrator.RestartHistory

	diffFor   *specVersion // the spec diffCache compares against
	diffCache map[*specVersion]spec.Diff

	running        int // tasks observed RUNNING
	desiredRunning int // tasks desired RUNNING
	dirtyQueued    bool

	jobIter    uint64 // a job's iteration (JobStatus.JobIteration)
	jobStarted int64  // when it started (JobStatus.LastExecution)
	// the current iteration's tasks observed RUNNING, COMPLETE, and desired
	// COMPLETE but not there yet, kept by the change path (tasks.go)
	job jobCount
}

// jobCount counts a job iteration's tasks.
type jobCount struct{ running, completed, pending int }

type slotState struct {
	key   uint64 // slot number, or node index+1 for global services
	tasks []*taskState
	// waiting holds the tasks whose delayed start waits for a task of this
	// slot to stop (gate.waitFor), in the order they began waiting.
	waiting []*taskState

	// inline room for the usual contents: a task and its replacement,
	// and the replacement waiting
	tasksBuf   [2]*taskState
	waitingBuf [1]*taskState
}

type taskState struct {
	// The fields every agent step reads come first, in one cache line;
	// the task's desired state and its latest statuses follow.
	svc  *serviceState
	spec *specVersion
	node *nodeState
	born int64 // t.CreatedAt, in nanoseconds since the epoch

	idx      int32
	nodePos  int32 // position in node.tasks; -1 when not on a node
	agentGen uint32
	// tracked: the service's updater run updGen was told about this task
	// (TaskCreated, or kept by ReuseTask), so its changes go to it.
	tracked uint32
	// jobIter is the job iteration a job's task was created for.
	jobIter uint32

	stopping      bool // the agent is stopping the container
	backend       bool
	deleted       bool
	unschedulable bool

	t    task.Task
	hist task.HistoryBuf // t's first history entries

	pre  *nodeState // the node a global task is preassigned to
	slot *slotState
	gate startGate // pending delayed start, when gate.active
}

// startGate is a replacement task's delayed start (SwarmKit's
// restart.DelayStart): desired RUNNING once the delay has passed and the old
// task has stopped, or OldTaskTimeout after the delay.
type startGate struct {
	until        int64
	deadline     int64
	waitFor      *taskState
	active       bool
	restartAfter bool // the task failed during its delay: restart it when the delay ends
}

// updNote is a message for a service's updater: a task change (ts, with
// the states it changed to) or the answer to a CreateTask (created).
type updNote struct {
	svc               *serviceState
	ts                *taskState
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
		cfg:           cfg,
		epoch:         cfg.Epoch,
		ids:           ids.New(cfg.Seed),
		nodeByID:      make(map[string]*nodeState),
		serviceByID:   make(map[string]*serviceState),
		serviceByName: make(map[string]*serviceState),
		serviceByFold: make(map[string]*serviceState),
		nodeByName:    make(map[string][]*nodeState),
		taskIdx:       make(map[string]int32),
		dead:          taskState{deleted: true, nodePos: -1},
		sched:         scheduler.NewSet(),
		alloc:         mesh.NewAllocator(),
		mesh:          mesh.New(),
		images:        make(map[string]ImageBehavior),
		historyLimit:  cfg.historyLimit(),
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
	c.q.Push(eventq.Event{At: at, Pri: pri, Kind: kind, A: a, B: b})
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
func (c *Cluster) image(sv *specVersion) *ImageBehavior {
	if sv.imageGen != c.imagesGen || sv.image == nil {
		b, ok := c.images[sv.spec.TaskTemplate.Image]
		if !ok {
			b = c.defaultImage
		}
		b = sv.spec.TaskTemplate.Behavior(b)
		sv.image, sv.imageGen = &b, c.imagesGen
	}
	return sv.image
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
	for {
		e, ok := c.q.PopUntil(limit)
		if !ok {
			return false
		}
		if e.At > c.now {
			c.now = e.At
		}
		if c.handle(e) {
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
	var svcs []*serviceState
	for _, ref := range services {
		s, err := c.lookupService(ref)
		if err != nil {
			return false, err
		}
		svcs = append(svcs, s)
	}
	return c.RunUntil(func(c *Cluster) bool {
		if len(services) == 0 {
			for _, s := range c.services {
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

func (c *Cluster) handle(e eventq.Event) bool {
	if c.raft.Leaderless() && c.frozen(e) {
		return false
	}
	switch e.Kind {
	case evAgent:
		ts := c.tasks[e.A]
		if ts.deleted || ts.agentGen != e.B {
			return false
		}
		c.agentFire(ts)
	case evGate:
		ts := c.tasks[e.A]
		if ts.deleted || !ts.gate.active {
			return false
		}
		c.checkGate(ts)
	case evHeartbeat:
		ns := c.nodes[e.A]
		if ns == nil || ns.beatGen != e.B || ns.beating {
			return false
		}
		c.heartbeatFailure(ns)
	case evUpdater:
		s := c.services[e.A]
		if s == nil || s.upd == nil || s.updGen != e.B {
			return false
		}
		if s.wakeQueued && s.wakeAt == e.At {
			s.wakeQueued = false
		}
		w, ok := s.upd.NextWake()
		if !ok || c.Now().Before(w) {
			c.scheduleWake(s) // the wake moved: queue it again
			return false
		}
		c.applyUpdater(s, s.upd.Wake(c.Now()))
	case evProbe:
		c.probeFire(e)
	case evUnhealthy:
		ts := c.tasks[e.A]
		if ts.deleted || ts.agentGen != e.B {
			return false
		}
		c.unhealthyFire(ts)
	case evElection:
		return c.elect(e.B)
	case evRegister:
		return c.register(e)
	case evGossip, evOrphan, evFault, evPartition:
		return c.handleFault(e)
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
				s.dirtyQueued = false
				if !s.removed {
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

func (c *Cluster) markDirty(s *serviceState) {
	if s.dirtyQueued || s.removed {
		return
	}
	s.dirtyQueued = true
	c.dirty = append(c.dirty, s)
}

// ---- lookups ----

func (c *Cluster) lookupService(ref string) (*serviceState, error) {
	if s, ok := c.serviceByID[ref]; ok {
		return s, nil
	}
	if s, ok := c.serviceByName[ref]; ok {
		return s, nil
	}
	s, n := byPrefix(&c.servicePrefixes, ref, c.services, func(s *serviceState) string { return s.id })
	return ids.Unique("service", ref, s, n)
}

func (c *Cluster) lookupNode(ref string) (*nodeState, error) {
	if ns, ok := c.nodeByID[ref]; ok {
		return ns, nil
	}
	if named := c.nodeByName[ref]; len(named) > 0 {
		return named[0], nil
	}
	ns, n := byPrefix(&c.nodePrefixes, ref, c.nodes, func(ns *nodeState) string { return ns.n.ID })
	return ids.Unique("node", ref, ns, n)
}

// byPrefix finds the objects whose ID starts with ref through the index,
// or, for a reference shorter than the index answers, by a scan of all.
func byPrefix[V comparable](idx *ids.Prefixes[V], ref string, all []V, id func(V) string) (found V, n int) {
	if found, n, ok := idx.Match(ref); ok {
		return found, n
	}
	return ids.Scan(all, ref, id)
}

// lookupTask finds a task of the store (not deleted) by its full ID.
func (c *Cluster) lookupTask(id string) *taskState {
	i, ok := c.taskIdx[id]
	for ; !ok && c.indexed < len(c.tasks); c.indexed++ {
		ts := c.tasks[c.indexed]
		if ts.deleted {
			continue // freed: c.dead
		}
		c.taskIdx[ts.t.ID] = ts.idx
		i, ok = ts.idx, ts.t.ID == id
	}
	if !ok || c.tasks[i].deleted {
		return nil
	}
	return c.tasks[i]
}

// slotTask finds a task of the store in one of a service's slots by ID: the
// updater only names tasks of the slot it works on, and a slot holds a
// handful of tasks.
func (s *serviceState) slotTask(key uint64, id string) *taskState {
	if sl := s.slots.get(key); sl != nil && id != "" {
		for _, ts := range sl.tasks {
			if ts.t.ID == id {
				return ts
			}
		}
	}
	return nil
}

// slotTable holds a service's slots by key. Keys are small and dense (slot
// numbers from 1, or node index + 1 for global services), so a slice indexed
// by key serves: lookups are O(1) and walking it gives ascending order.
type slotTable struct {
	byKey []*slotState
	n     int
}

func (t *slotTable) get(key uint64) *slotState {
	if key < uint64(len(t.byKey)) {
		return t.byKey[key]
	}
	return nil
}

// getOrAdd returns the slot with this key, creating it if needed.
func (t *slotTable) getOrAdd(key uint64) *slotState {
	if sl := t.get(key); sl != nil {
		return sl
	}
	if key >= uint64(len(t.byKey)) {
		t.byKey = slices.Grow(t.byKey, int(key)+1-len(t.byKey))[:key+1]
	}
	sl := &slotState{key: key}
	sl.tasks, sl.waiting = sl.tasksBuf[:0], sl.waitingBuf[:0]
	t.byKey[key] = sl
	t.n++
	return sl
}

func (t *slotTable) remove(sl *slotState) {
	if t.get(sl.key) == sl {
		t.byKey[sl.key] = nil
		t.n--
	}
}

// all returns the slots in ascending key order.
func (t *slotTable) all() []*slotState {
	out := make([]*slotState, 0, t.n)
	for _, sl := range t.byKey {
		if sl != nil {
			out = append(out, sl)
		}
	}
	return out
}

func taskOrder(a, b *taskState) int { return cmp.Compare(a.idx, b.idx) }
