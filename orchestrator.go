package swarmsim

import (
	"slices"

	"github.com/swarmsim/swarmsim/internal/store"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/orchestrator"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// ---- the restart supervisor (SwarmKit's manager/orchestrator/restart/restart.go) ----

// restart is SwarmKit's restart.Supervisor.Restart for a task that ended (or
// whose node went DOWN or was drained) while it was meant to run: shut it
// down and, if the policy says so, replace it with a task of the current spec
// in the same slot (or on the same node, for global services).
func (c *Cluster) restart(ts *store.Task) {
	if ts.Deleted || ts.Svc.Removed || c.raft.Leaderless() {
		return // without a leader, the next one's start restarts it (raft.go)
	}
	if ts.Gate.Active {
		// Still inside its own delayed start: restart once that delay ends.
		ts.Gate.RestartAfter = true
		return
	}
	s := ts.Svc
	if s.Spec.Spec.Mode.IsJob() {
		// The jobs orchestrator reconciles the job whenever one of its
		// tasks ends; a task that completed reached its desired state
		// and stays as it is (restart.go: shouldRestart treats "any" as
		// "on-failure" for jobs).
		c.markDirty(s)
		if ts.T.State() == task.Complete {
			return
		}
	}
	c.setDesired(ts, task.Shutdown)
	if !c.shouldRestart(ts) {
		return
	}
	global := s.Spec.Spec.Mode.IsGlobal()
	if global && ts.Node != nil && !orchestrator.RestartGlobalHere(c.nodeFacts(s, ts.Node)) {
		return // the global orchestrator only shuts such tasks down
	}
	var on *store.Node // replicated replacements go wherever the scheduler says
	if global {
		on = ts.Node
	}
	repl := c.newTask(s, ts.Slot, on, task.Ready)
	c.recordRestart(ts)
	drained := ts.Node != nil && ts.Node.N.Spec.Availability == node.Drain
	delay := s.Spec.Spec.TaskTemplate.RestartPolicy().RestartDelay(drained)
	waitStop := !(ts.Node != nil && ts.Node.N.Status.State == node.Down) && ts.T.State() <= task.Running
	c.delayStart(repl, ts, delay, waitStop, false)
}

// shouldRestart asks the restart supervisor whether a task that ended is
// replaced.
func (c *Cluster) shouldRestart(ts *store.Task) bool {
	failTime := c.now
	if st := ts.T.Status(); !st.Timestamp.IsZero() {
		failTime = int64(st.Timestamp.Sub(c.epoch))
	}
	return orchestrator.ShouldRestart(ts.Svc.Spec.Spec.TaskTemplate.RestartPolicy(), ts.Svc.Restarts[ts.Slot.Key],
		ts.Spec.Version, ts.T.State(), failTime)
}

// recordRestart counts a restart of old's slot.
func (c *Cluster) recordRestart(old *store.Task) {
	rp := old.Svc.Spec.Spec.TaskTemplate.RestartPolicy()
	if rp.MaxAttempts == 0 {
		return
	}
	s := old.Svc
	if s.Restarts == nil {
		s.Restarts = make(map[uint64]*orchestrator.RestartHistory)
	}
	s.Restarts[old.Slot.Key] = rp.Record(s.Restarts[old.Slot.Key], old.Spec.Version, c.now)
}

// runnable returns a slot's tasks that the orchestrator treats as occupying
// it (orchestrator.Updatable), or nil for a dead slot.
func (c *Cluster) runnable(s *store.Service, sl *store.Slot) []*store.Task {
	n := 0
	for _, ts := range sl.Tasks {
		if ts.T.DesiredState <= task.Running {
			n++
		}
	}
	if n == len(sl.Tasks) && n > 0 {
		return sl.Tasks[:n:n] // every task is meant to run: no view to build
	}
	views := make([]orchestrator.SlotTask, len(sl.Tasks))
	for i, ts := range sl.Tasks {
		views[i] = orchestrator.SlotTask{Desired: ts.T.DesiredState, Observed: ts.T.State(),
			Changed: int64(ts.T.Status().Timestamp.Sub(c.epoch)), Order: ts.Idx}
	}
	keep := orchestrator.Updatable(views, s.Status.State == updater.RollbackStarted,
		func(newest int) bool { return c.shouldRestart(sl.Tasks[newest]) })
	if len(keep) == 0 {
		return nil
	}
	r := make([]*store.Task, len(keep))
	for i, k := range keep {
		r[i] = sl.Tasks[k]
	}
	return r
}

// ---- service reconciliation ----

func (c *Cluster) reconcile(s *store.Service) {
	if s.Spec.Spec.Mode.IsJob() {
		c.reconcileJob(s)
		return
	}
	if s.Spec.Spec.Mode == Global {
		c.reconcileGlobal(s)
		return
	}
	c.reconcileReplicated(s)
}

type liveSlot struct {
	sl    *store.Slot
	tasks []*store.Task
}

// reconcileReplicated is SwarmKit's replicated orchestrator
// (manager/orchestrator/replicated/services.go: reconcile).
func (c *Cluster) reconcileReplicated(s *store.Service) {
	slots := s.Slots.All()
	// The live slots go in the cluster's scratch list, taken for the
	// call: what runs below copies what it keeps, and a reconciliation
	// that it starts (none today) would get a list of its own.
	live := slices.Grow(c.liveBuf[:0], len(slots)) // usually every slot
	c.liveBuf = nil
	defer func() { clear(live); c.liveBuf = live[:0] }()
	var dead []*store.Slot
	for _, sl := range slots {
		if r := c.runnable(s, sl); len(r) > 0 {
			live = append(live, liveSlot{sl, r})
		} else {
			dead = append(dead, sl)
		}
	}
	replicas := int(s.Spec.Spec.Replicas)
	switch {
	case replicas > len(live):
		c.runUpdater(s, live)
		// New replicas take the lowest slot numbers no live slot holds; a
		// dead slot whose number is taken again keeps its tasks as history.
		keys := make([]uint64, len(live))
		for i, l := range live {
			keys[i] = l.sl.Key
		}
		fresh := orchestrator.NewSlots(keys, replicas-len(live))
		for _, slot := range fresh {
			c.newTask(s, s.Slots.GetOrAdd(slot), nil, task.Running)
		}
		for _, sl := range dead {
			if _, taken := slices.BinarySearch(fresh, sl.Key); !taken {
				c.deleteSlot(s, sl)
			}
		}
	case replicas < len(live):
		keep, remove := c.scaleDownChoice(live, replicas)
		for _, l := range remove {
			// Removing a task that never ran deletes it from the slot at
			// once, so walk a copy.
			for _, ts := range slices.Clone(l.sl.Tasks) {
				if ts.T.DesiredState != task.Remove && ts.T.DesiredState <= task.Running {
					c.setDesired(ts, task.Remove)
				}
			}
		}
		for _, sl := range dead {
			c.deleteSlot(s, sl)
		}
		c.runUpdater(s, keep)
	default:
		for _, sl := range dead {
			c.deleteSlot(s, sl)
		}
		c.runUpdater(s, live)
	}
}

func (c *Cluster) deleteSlot(s *store.Service, sl *store.Slot) {
	for _, ts := range slices.Clone(sl.Tasks) {
		c.deleteTask(ts)
	}
	s.Slots.Remove(sl)
}

// scaleDownChoice picks the slots to keep when scaling down
// (orchestrator.ScaleDown).
func (c *Cluster) scaleDownChoice(live []liveSlot, replicas int) (keep, remove []liveSlot) {
	facts := make([]orchestrator.LiveSlot, len(live))
	for i, x := range live {
		f := orchestrator.LiveSlot{Key: x.sl.Key}
		for _, ts := range x.tasks {
			f.Running = f.Running || ts.T.State() == task.Running
		}
		if len(x.tasks) == 1 && x.tasks[0].Node != nil {
			f.Node = int64(x.tasks[0].Node.Idx) + 1
		}
		facts[i] = f
	}
	k, r := orchestrator.ScaleDown(facts, replicas)
	for _, i := range k {
		keep = append(keep, live[i])
	}
	for _, i := range r {
		remove = append(remove, live[i])
	}
	return keep, remove
}

// reconcileGlobal is SwarmKit's global orchestrator on a service event
// (manager/orchestrator/global/global.go: reconcileServices): every node gets its task,
// and nodes that already have one go to the updater.
func (c *Cluster) reconcileGlobal(s *store.Service) {
	var live []liveSlot
	for _, ns := range c.st.Nodes() {
		if ns == nil {
			continue
		}
		if sl, r := c.reconcileGlobalSlot(s, ns); len(r) > 0 {
			live = append(live, liveSlot{sl, r})
		}
	}
	c.runUpdater(s, live)
}

// reconcileGlobalNode is the global orchestrator on a node event: it adds a
// task where one is missing and replaces a dirty one at once, without the
// updater (SwarmKit's reconcileOneNode), so that an update in progress is
// not cancelled.
func (c *Cluster) reconcileGlobalNode(s *store.Service, ns *store.Node) {
	sl, r := c.reconcileGlobalSlot(s, ns)
	for _, ts := range r {
		if s.IsDirty(ts) {
			c.shutdownSlot(sl)
			c.newTask(s, sl, ns, task.Running)
			return
		}
	}
}

// reconcileGlobalSlot does what both global reconciliations share for one
// node: shut the service's tasks down where the node is drained, down or no
// longer matches the constraints; leave a paused node alone; add a task
// where none runs. It returns the node's runnable tasks when they were
// already there.
func (c *Cluster) reconcileGlobalSlot(s *store.Service, ns *store.Node) (*store.Slot, []*store.Task) {
	sl := c.globalSlot(s, ns)
	f := c.nodeFacts(s, ns)
	if !f.Eligible() {
		c.shutdownSlot(sl)
		return sl, nil
	}
	if f.Paused {
		return sl, nil
	}
	r := c.runnable(s, sl)
	if orchestrator.GlobalNode(f, len(r)) == orchestrator.GlobalAdd {
		c.newTask(s, sl, ns, task.Running)
	}
	return sl, r
}

// nodeFacts is what the global orchestrator looks at on a node for s.
func (c *Cluster) nodeFacts(s *store.Service, ns *store.Node) orchestrator.NodeFacts {
	return orchestrator.NodeFacts{
		Gone:    ns.Removed,
		Drained: ns.N.Spec.Availability == node.Drain,
		Paused:  ns.N.Spec.Availability == node.Pause,
		Down:    ns.N.Status.State == node.Down,
		Matches: s.Spec.Matches(ns),
	}
}

func (c *Cluster) globalSlot(s *store.Service, ns *store.Node) *store.Slot {
	return s.Slots.GetOrAdd(store.GlobalSlotKey(ns))
}

func (c *Cluster) shutdownSlot(sl *store.Slot) {
	for _, ts := range slices.Clone(sl.Tasks) {
		if ts.T.DesiredState <= task.Running {
			c.setDesired(ts, task.Shutdown)
		}
	}
}
