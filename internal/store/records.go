package store

import (
	"cmp"
	"slices"
	"time"

	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/orchestrator"
	"github.com/swarmsim/swarmsim/scheduler"
	"github.com/swarmsim/swarmsim/spec"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// Node is a node's record: SwarmKit's api.Node, with what the dispatcher
// knows of its liveness and the tasks assigned to it.
type Node struct {
	N   *node.Node
	Ref scheduler.NodeRef // the scheduler's handle for the node
	Idx int32             // join order: the index in the store's node list
	Up  bool              // the machine and its engine are alive
	// MeshRef is the routing mesh's handle for the node (Mesh.AddNode),
	// for its tasks' backends.
	MeshRef mesh.NodeRef
	// BeatGen is the generation of the pending heartbeat-failure event.
	BeatGen uint32
	// Beating: the managers hear the node's heartbeats (up, and no
	// partition between it and the leader).
	Beating bool
	// DownGen counts the node's DOWN spells, for its gossip and orphan
	// events; Gossiped: the node is dead and DOWN, and its tasks' new state
	// has reached every other node.
	DownGen  uint32
	Gossiped bool
	// Tasks are the tasks assigned to the node, in no order (Attach,
	// Detach); TasksInOrder sorts them.
	Tasks   []*Task
	Removed bool
}

// SpecVersion is one version of a service's spec, shared by the tasks made
// from it.
type SpecVersion struct {
	ServiceID   string
	Spec        spec.Service
	Version     uint64
	Tmpl        uint64 // versions with equal task templates and endpoints share it
	HostPorts   []scheduler.HostPort
	Constraints []scheduler.Constraint
	// Image caches how the version's tasks behave (the root's image
	// look-up), valid while ImageGen is the root's generation of images.
	Image    *orchestrator.ImageBehavior
	ImageGen uint64
}

// Matches reports whether a node satisfies the version's placement
// constraints.
func (sv *SpecVersion) Matches(n *Node) bool {
	return len(sv.Constraints) == 0 || scheduler.MatchAll(sv.Constraints, n.N)
}

// Service is a service's record: its spec versions, slots, update status,
// its running updater and the counters the change path keeps.
type Service struct {
	ID        string
	Idx       int32 // creation order: the index in the store's service list
	Version   uint64
	CreatedAt time.Time
	UpdatedAt time.Time
	Spec      *SpecVersion
	Prev      *SpecVersion
	Status    updater.Status
	Endpoint  []mesh.PortConfig
	Slots     Slots
	Removed   bool

	// MeshRef is the routing mesh's handle for the service
	// (Mesh.SetService), for its tasks' backends.
	MeshRef mesh.ServiceRef

	Upd     *updater.Updater
	UpdSpec *SpecVersion
	UpdGen  uint32

	// the earliest updater wake queued for the current updater
	WakeAt     int64
	WakeGen    uint32
	WakeQueued bool

	Restarts map[uint64]*orchestrator.RestartHistory

	diffFor   *SpecVersion // the spec diffCache compares against
	diffCache map[*SpecVersion]spec.Diff

	Running        int // tasks observed RUNNING
	DesiredRunning int // tasks desired RUNNING
	DirtyQueued    bool

	JobIter    uint64 // a job's iteration (JobStatus.JobIteration)
	JobStarted int64  // when it started (JobStatus.LastExecution)
	// Job counts the current iteration's tasks (Count keeps it).
	Job JobCount
}

// JobCount counts a job iteration's tasks: observed RUNNING, observed
// COMPLETE, and desired COMPLETE but not there yet.
type JobCount struct{ Running, Completed, Pending int }

// NewVersion makes the service's next spec version from sp. A version
// whose task template and endpoint equal the current one's shares its Tmpl,
// so that IsDirty compares specs once per spec change, not per task.
func (s *Service) NewVersion(sp spec.Service) *SpecVersion {
	s.Version++
	cs, _ := scheduler.ParseConstraints(sp.TaskTemplate.Placement.Constraints) // validated before
	tmpl := s.Version
	if s.Spec != nil && spec.TemplateDiff(&s.Spec.Spec, &sp) == spec.Same {
		tmpl = s.Spec.Tmpl
	}
	return &SpecVersion{ServiceID: s.ID, Spec: sp, Version: s.Version, Tmpl: tmpl, HostPorts: sp.HostPorts(), Constraints: cs}
}

// DesiredRun is the desired state of a task that is meant to run: COMPLETE
// for jobs, RUNNING otherwise.
func (s *Service) DesiredRun() task.State {
	if s.Spec.Spec.Mode.IsJob() {
		return task.Complete
	}
	return task.Running
}

// IsDirty is SwarmKit's orchestrator.IsTaskDirty (manager/orchestrator/
// task.go): a task is clean when it was made from the service's spec version,
// or from one with the same task template and endpoint (Tmpl, or the diff
// cached per pair of versions); a change of placement alone leaves a task
// clean if its node still satisfies the new constraints; a change of the
// registry credential alone leaves a task clean once it has pulled its image
// (observed READY to RUNNING, desired at most RUNNING).
func (s *Service) IsDirty(ts *Task) bool {
	if ts.Spec == s.Spec || ts.Spec.Tmpl == s.Spec.Tmpl {
		return false
	}
	switch s.specDiff(ts.Spec) {
	case spec.Same:
		return false
	case spec.PlacementOnly:
		if ts.Node != nil {
			return !s.Spec.Matches(ts.Node)
		}
	case spec.PullOnly:
		st := ts.T.State()
		return !(ts.T.DesiredState <= task.Running && st >= task.Ready && st <= task.Running)
	}
	return true
}

// specDiff compares a spec version with the service's current spec, once per
// pair: every task of a version shares the answer.
func (s *Service) specDiff(sv *SpecVersion) spec.Diff {
	if s.diffFor != s.Spec {
		s.diffFor = s.Spec
		clear(s.diffCache)
	}
	if d, ok := s.diffCache[sv]; ok {
		return d
	}
	d := spec.TemplateDiff(&sv.Spec, &s.Spec.Spec)
	if s.diffCache == nil {
		s.diffCache = make(map[*SpecVersion]spec.Diff)
	}
	s.diffCache[sv] = d
	return d
}

// SlotTask finds a task in one of the service's slots by ID: the updater
// only names tasks of the slot it works on, and a slot holds a handful of
// tasks.
func (s *Service) SlotTask(key uint64, id string) *Task {
	if sl := s.Slots.Get(key); sl != nil && id != "" {
		for _, ts := range sl.Tasks {
			if ts.T.ID == id {
				return ts
			}
		}
	}
	return nil
}

// TasksInOrder returns the tasks of every slot, in creation order.
func (s *Service) TasksInOrder() []*Task {
	n := 0
	for _, sl := range s.Slots.byKey {
		if sl != nil {
			n += len(sl.Tasks)
		}
	}
	order := make([]*Task, 0, n)
	for _, sl := range s.Slots.byKey {
		if sl != nil {
			order = append(order, sl.Tasks...)
		}
	}
	slices.SortFunc(order, TaskOrder)
	return order
}

// Count moves the service's counters from what a task was to what it is
// now: tasks observed and desired RUNNING, and a job's current iteration.
func (s *Service) Count(ts *Task, was, now Facts) {
	s.Running += countIf(now.Observed == task.Running && !now.Deleted) - countIf(was.Observed == task.Running && !was.Deleted)
	s.DesiredRunning += countIf(now.Desired == task.Running && !now.Deleted) - countIf(was.Desired == task.Running && !was.Deleted)
	if ts.JobIter == uint32(s.JobIter) && s.Spec.Spec.Mode.IsJob() {
		s.Job.Running += countIf(now.Observed == task.Running && !now.Deleted) - countIf(was.Observed == task.Running && !was.Deleted)
		s.Job.Completed += countIf(now.Observed == task.Complete && !now.Deleted) - countIf(was.Observed == task.Complete && !was.Deleted)
		s.Job.Pending += countIf(now.pendingCompletion()) - countIf(was.pendingCompletion())
	}
}

func countIf(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Slot is one of a service's slots: a replica number, or a node for a
// global service, with the tasks that filled it (the current one last).
type Slot struct {
	Key   uint64 // slot number, or node index+1 for global services
	Tasks []*Task
	// Waiting holds the tasks whose delayed start waits for a task of this
	// slot to stop (Gate.WaitFor), in the order they began to wait.
	Waiting []*Task

	// inline room for the usual contents: a task and its replacement,
	// and the replacement waiting
	tasksBuf   [2]*Task
	waitingBuf [1]*Task
}

// Restart is the restart policy of the service whose tasks fill the slot.
func (sl *Slot) Restart() orchestrator.RestartPolicy {
	if len(sl.Tasks) == 0 {
		return orchestrator.RestartPolicy{}
	}
	return sl.Tasks[0].Svc.Spec.Spec.TaskTemplate.RestartPolicy()
}

// AddTask puts a task in the slot, as its newest.
func (sl *Slot) AddTask(ts *Task) { sl.Tasks = appendOwned(sl.Tasks, ts, sl.tasksBuf[:]) }

// AddWaiting puts a task at the end of the slot's waiting list.
func (sl *Slot) AddWaiting(ts *Task) { sl.Waiting = appendOwned(sl.Waiting, ts, sl.waitingBuf[:]) }

// RemoveWaiting takes a task off the slot's waiting list, if it is there.
func (sl *Slot) RemoveWaiting(ts *Task) {
	if i := slices.Index(sl.Waiting, ts); i >= 0 {
		sl.Waiting = slices.Delete(sl.Waiting, i, i+1)
	}
}

// appendOwned appends ts to s, whose first array is the inline room buf.
// When s outgrows that room, the room is cleared: a pointer left in it would
// keep a deleted task, and the whole slab the task came from, alive for as
// long as the slot lives.
func appendOwned(s []*Task, ts *Task, buf []*Task) []*Task {
	inline := len(s) == cap(s) && cap(s) > 0 && &s[:cap(s)][0] == &buf[0]
	s = append(s, ts)
	if inline {
		clear(buf)
	}
	return s
}

// GlobalSlotKey is the key of a global service's slot on node ns: its join
// index + 1 (slot keys start at 1).
func GlobalSlotKey(ns *Node) uint64 { return uint64(ns.Idx) + 1 }

// Slots holds a service's slots by key. Keys are small and dense (slot
// numbers from 1, or node index + 1 for global services), so a slice indexed
// by key serves: look-ups are O(1) and walking it gives ascending order.
type Slots struct {
	byKey []*Slot
	n     int
}

// Get returns the slot with this key, nil if there is none.
func (t *Slots) Get(key uint64) *Slot {
	if key < uint64(len(t.byKey)) {
		return t.byKey[key]
	}
	return nil
}

// GetOrAdd returns the slot with this key, creating it if needed.
func (t *Slots) GetOrAdd(key uint64) *Slot {
	if sl := t.Get(key); sl != nil {
		return sl
	}
	if key >= uint64(len(t.byKey)) {
		t.byKey = slices.Grow(t.byKey, int(key)+1-len(t.byKey))[:key+1]
	}
	sl := &Slot{Key: key}
	sl.Tasks, sl.Waiting = sl.tasksBuf[:0], sl.waitingBuf[:0]
	t.byKey[key] = sl
	t.n++
	return sl
}

// Remove drops a slot.
func (t *Slots) Remove(sl *Slot) {
	if t.Get(sl.Key) == sl {
		t.byKey[sl.Key] = nil
		t.n--
	}
}

// All returns the slots in ascending key order.
func (t *Slots) All() []*Slot {
	out := make([]*Slot, 0, t.n)
	for _, sl := range t.byKey {
		if sl != nil {
			out = append(out, sl)
		}
	}
	return out
}

// Task is a task's record: SwarmKit's api.Task (T, with its history in
// Hist), and what the simulation keeps beside it.
type Task struct {
	// The fields every agent step reads come first, in one cache line;
	// the task's desired state and its latest statuses follow.
	Svc  *Service
	Spec *SpecVersion
	Node *Node
	Born int64 // T.CreatedAt, in nanoseconds since the epoch

	Idx      int32 // creation order: the index in the store's task list
	NodePos  int32 // position in Node.Tasks; -1 when not on a node
	AgentGen uint32
	// Tracked: the service's updater run UpdGen was told about this task
	// (TaskCreated, or kept by ReuseTask), so its changes go to it.
	Tracked uint32
	// JobIter is the job iteration a job's task was created for.
	JobIter uint32

	Stopping      bool // the agent is stopping the container
	Backend       bool // the routing mesh lists it
	Deleted       bool
	Unschedulable bool

	T    task.Task
	Hist task.HistoryBuf // T's first history entries

	Pre  *Node // the node a global task is preassigned to
	Slot *Slot
	Gate Gate // pending delayed start, when Gate.Active
	// MeshRef is the routing mesh's handle for the task's backend, from
	// its latest Mesh.AddBackendRef, removed with Svc.MeshRef. It is stale
	// once the backend has left the mesh: by Mesh.RemoveBackendRef when
	// Backend turns false, or earlier, when the mesh dropped the task's
	// node or service itself (Mesh.RemoveNode, Mesh.RemoveService);
	// Mesh.RemoveBackendRef ignores a stale handle. (8 bytes, where a task
	// ID would take 16 and a hash look-up.)
	MeshRef mesh.BackendRef
}

// Gate is a replacement task's delayed start (SwarmKit's
// restart.DelayStart): desired RUNNING once the delay has passed and the old
// task has stopped, or OldTaskTimeout after the delay.
type Gate struct {
	Until        int64
	Deadline     int64
	WaitFor      *Task
	Active       bool
	RestartAfter bool // the task failed during its delay: restart it when the delay ends
}

// TaskOrder orders tasks by creation.
func TaskOrder(a, b *Task) int { return cmp.Compare(a.Idx, b.Idx) }

// Facts are the parts of a task that the cluster's indexes mirror: the
// scheduler's view, the service's counters, the routing mesh's backends and
// what the updater hears.
type Facts struct {
	Desired, Observed task.State
	Deleted           bool
}

// Facts returns the task's facts now.
func (ts *Task) Facts() Facts {
	return Facts{Desired: ts.T.DesiredState, Observed: ts.T.State(), Deleted: ts.Deleted}
}

// HoldsNode reports whether the scheduler counts a task with these facts
// against its node.
func (f Facts) HoldsNode() bool { return !f.Deleted && scheduler.CountsOnNode(f.Observed) }

// SchedKey is what the scheduler's view of a task depends on: whether it
// exists, holds its node's resources (ASSIGNED to RUNNING) and is still
// meant to (desired COMPLETE or before).
func (f Facts) SchedKey() [3]bool {
	return [3]bool{f.Deleted, scheduler.CountsOnNode(f.Observed), f.Desired <= task.Complete}
}

// pendingCompletion reports whether a job's task is meant to complete and
// has not yet.
func (f Facts) pendingCompletion() bool {
	return !f.Deleted && f.Desired == task.Complete && f.Observed != task.Complete
}
