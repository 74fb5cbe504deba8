package swarmsim

import (
	"slices"

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
func (c *Cluster) restart(ts *taskState) {
	if ts.deleted || ts.svc.removed || c.raft.Leaderless() {
		return // without a leader, the next one's start restarts it (raft.go)
	}
	if ts.gate.active {
		// Still inside its own delayed start: restart once that delay ends.
		ts.gate.restartAfter = true
		return
	}
	s := ts.svc
	if s.spec.spec.Mode.IsJob() {
		// The jobs orchestrator reconciles the job whenever one of its
		// tasks ends; a task that completed reached its desired state
		// and stays as it is (restart.go: shouldRestart treats "any" as
		// "on-failure" for jobs).
		c.markDirty(s)
		if ts.t.State() == task.Complete {
			return
		}
	}
	c.setDesired(ts, task.Shutdown)
	if !c.shouldRestart(ts) {
		return
	}
	global := s.spec.spec.Mode.IsGlobal()
	if global && ts.node != nil && !orchestrator.RestartGlobalHere(c.nodeFacts(s, ts.node)) {
		return // the global orchestrator only shuts such tasks down
	}
	var on *nodeState // replicated replacements go wherever the scheduler says
	if global {
		on = ts.node
	}
	repl := c.newTask(s, ts.slot, on, task.Ready)
	c.recordRestart(ts)
	drained := ts.node != nil && ts.node.n.Spec.Availability == node.Drain
	delay := s.spec.spec.TaskTemplate.RestartPolicy().RestartDelay(drained)
	waitStop := !(ts.node != nil && ts.node.n.Status.State == node.Down) && ts.t.State() <= task.Running
	c.delayStart(repl, ts, delay, waitStop, false)
}

// shouldRestart asks the restart supervisor whether a task that ended is
// replaced.
func (c *Cluster) shouldRestart(ts *taskState) bool {
	failTime := c.now
	if st := ts.t.Status(); !st.Timestamp.IsZero() {
		failTime = int64(st.Timestamp.Sub(c.epoch))
	}
	return orchestrator.ShouldRestart(ts.svc.spec.spec.TaskTemplate.RestartPolicy(), ts.svc.restarts[ts.slot.key],
		ts.spec.version, ts.t.State(), failTime)
}

// recordRestart counts a restart of old's slot.
func (c *Cluster) recordRestart(old *taskState) {
	rp := old.svc.spec.spec.TaskTemplate.RestartPolicy()
	if rp.MaxAttempts == 0 {
		return
	}
	s := old.svc
	if s.restarts == nil {
		s.restarts = make(map[uint64]*orchestrator.RestartHistory)
	}
	s.restarts[old.slot.key] = rp.Record(s.restarts[old.slot.key], old.spec.version, c.now)
}

// runnable returns a slot's tasks that the orchestrator treats as occupying
// it (orchestrator.Updatable), or nil for a dead slot.
func (c *Cluster) runnable(s *serviceState, sl *slotState) []*taskState {
	n := 0
	for _, ts := range sl.tasks {
		if ts.t.DesiredState <= task.Running {
			n++
		}
	}
	if n == len(sl.tasks) && n > 0 {
		return sl.tasks[:n:n] // every task is meant to run: no view to build
	}
	views := make([]orchestrator.SlotTask, len(sl.tasks))
	for i, ts := range sl.tasks {
		views[i] = orchestrator.SlotTask{Desired: ts.t.DesiredState, Observed: ts.t.State(),
			Changed: int64(ts.t.Status().Timestamp.Sub(c.epoch)), Order: ts.idx}
	}
	keep := orchestrator.Updatable(views, s.status.State == updater.RollbackStarted,
		func(newest int) bool { return c.shouldRestart(sl.tasks[newest]) })
	if len(keep) == 0 {
		return nil
	}
	r := make([]*taskState, len(keep))
	for i, k := range keep {
		r[i] = sl.tasks[k]
	}
	return r
}

// ---- service reconciliation ----

func (c *Cluster) reconcile(s *serviceState) {
	if s.spec.spec.Mode.IsJob() {
		c.reconcileJob(s)
		return
	}
	if s.spec.spec.Mode == Global {
		c.reconcileGlobal(s)
		return
	}
	c.reconcileReplicated(s)
}

type liveSlot struct {
	sl    *slotState
	tasks []*taskState
}

// reconcileReplicated is SwarmKit's replicated orchestrator
// (manager/orchestrator/replicated/services.go: reconcile).
func (c *Cluster) reconcileReplicated(s *serviceState) {
	var live []liveSlot
	var dead []*slotState
	for _, sl := range s.slots.all() {
		if r := c.runnable(s, sl); len(r) > 0 {
			live = append(live, liveSlot{sl, r})
		} else {
			dead = append(dead, sl)
		}
	}
	replicas := int(s.spec.spec.Replicas)
	switch {
	case replicas > len(live):
		c.runUpdater(s, live)
		// New replicas take the lowest slot numbers no live slot holds; a
		// dead slot whose number is taken again keeps its tasks as history.
		keys := make([]uint64, len(live))
		for i, l := range live {
			keys[i] = l.sl.key
		}
		fresh := orchestrator.NewSlots(keys, replicas-len(live))
		for _, slot := range fresh {
			c.newTask(s, s.slots.getOrAdd(slot), nil, task.Running)
		}
		for _, sl := range dead {
			if _, taken := slices.BinarySearch(fresh, sl.key); !taken {
				c.deleteSlot(s, sl)
			}
		}
	case replicas < len(live):
		keep, remove := c.scaleDownChoice(live, replicas)
		for _, l := range remove {
			// Removing a task that never ran deletes it from the slot at
			// once, so walk a copy.
			for _, ts := range slices.Clone(l.sl.tasks) {
				if ts.t.DesiredState != task.Remove && ts.t.DesiredState <= task.Running {
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

func (c *Cluster) deleteSlot(s *serviceState, sl *slotState) {
	for _, ts := range slices.Clone(sl.tasks) {
		c.deleteTask(ts)
	}
	s.slots.remove(sl)
}

// scaleDownChoice picks the slots to keep when scaling down
// (orchestrator.ScaleDown).
func (c *Cluster) scaleDownChoice(live []liveSlot, replicas int) (keep, remove []liveSlot) {
	facts := make([]orchestrator.LiveSlot, len(live))
	for i, x := range live {
		f := orchestrator.LiveSlot{Key: x.sl.key}
		for _, ts := range x.tasks {
			f.Running = f.Running || ts.t.State() == task.Running
		}
		if len(x.tasks) == 1 && x.tasks[0].node != nil {
			f.Node = int64(x.tasks[0].node.idx) + 1
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
func (c *Cluster) reconcileGlobal(s *serviceState) {
	var live []liveSlot
	for _, ns := range c.nodes {
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
func (c *Cluster) reconcileGlobalNode(s *serviceState, ns *nodeState) {
	sl, r := c.reconcileGlobalSlot(s, ns)
	for _, ts := range r {
		if c.isDirty(s, ts) {
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
func (c *Cluster) reconcileGlobalSlot(s *serviceState, ns *nodeState) (*slotState, []*taskState) {
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
func (c *Cluster) nodeFacts(s *serviceState, ns *nodeState) orchestrator.NodeFacts {
	return orchestrator.NodeFacts{
		Gone:    ns.removed,
		Drained: ns.n.Spec.Availability == node.Drain,
		Paused:  ns.n.Spec.Availability == node.Pause,
		Down:    ns.n.Status.State == node.Down,
		Matches: c.matchesConstraints(s, ns),
	}
}

func (c *Cluster) globalSlot(s *serviceState, ns *nodeState) *slotState {
	return s.slots.getOrAdd(uint64(ns.idx) + 1)
}

func (c *Cluster) shutdownSlot(sl *slotState) {
	for _, ts := range slices.Clone(sl.tasks) {
		if ts.t.DesiredState <= task.Running {
			c.setDesired(ts, task.Shutdown)
		}
	}
}

func (c *Cluster) matchesConstraints(s *serviceState, ns *nodeState) bool {
	return c.constraintsMatch(s.spec, ns)
}
