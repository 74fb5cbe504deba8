package swarmsim

import (
	"cmp"
	"slices"

	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// ---- the restart supervisor (reference swarm-updates.md §7) ----

// restart is SwarmKit's restart.Supervisor.Restart for a task that ended (or
// whose node went DOWN or was drained) while it was meant to run: shut it
// down and, if the policy says so, replace it with a task of the current spec
// in the same slot (or on the same node, for global services).
func (c *Cluster) restart(ts *taskState) {
	if ts.deleted || ts.svc.removed {
		return
	}
	if ts.gate.active {
		// Still inside its own delayed start: restart once that delay ends.
		ts.gate.restartAfter = true
		return
	}
	s := ts.svc
	c.setDesired(ts, task.Shutdown)
	if !c.shouldRestart(ts) {
		return
	}
	global := s.spec.spec.Mode == Global
	if global && ts.node != nil {
		ns := ts.node
		if ns.removed || ns.n.Spec.Availability != node.Active || ns.n.Status.State == node.Down || !c.matchesConstraints(s, ns) {
			return // the global orchestrator only shuts such tasks down
		}
	}
	var on *nodeState // replicated replacements go wherever the scheduler says
	if global {
		on = ts.node
	}
	repl := c.newTask(s, ts.slot, on, task.Ready)
	c.recordRestart(ts, repl)
	delay := s.spec.spec.TaskTemplate.restartPolicy().delay()
	if ts.node != nil && ts.node.n.Spec.Availability == node.Drain {
		delay = 0
	}
	waitStop := !(ts.node != nil && ts.node.n.Status.State == node.Down) && ts.t.State() <= task.Running
	c.delayStart(repl, ts, delay, waitStop, false)
}

// shouldRestart is SwarmKit's restart policy check (§7.3).
func (c *Cluster) shouldRestart(ts *taskState) bool {
	rp := ts.svc.spec.spec.TaskTemplate.restartPolicy()
	switch rp.Condition {
	case RestartNone:
		return false
	case RestartOnFailure:
		if ts.t.State() == task.Complete {
			return false
		}
	}
	if rp.MaxAttempts == 0 {
		return true
	}
	h := ts.svc.restarts[ts.slot.key]
	if h == nil || h.specVersion != ts.spec.version {
		return true
	}
	if rp.Window == 0 {
		return h.total < rp.MaxAttempts
	}
	failTime := c.now
	if st := ts.t.Status(); !st.Timestamp.IsZero() {
		failTime = int64(st.Timestamp.Sub(c.epoch))
	}
	lo := failTime - int64(rp.Window)
	var n uint64
	for _, at := range h.at {
		if at > lo && at < failTime {
			n++
		}
	}
	return n < rp.MaxAttempts
}

func (c *Cluster) recordRestart(old, repl *taskState) {
	rp := old.svc.spec.spec.TaskTemplate.restartPolicy()
	if rp.MaxAttempts == 0 {
		return
	}
	s := old.svc
	if s.restarts == nil {
		s.restarts = make(map[uint64]*restartHistory)
	}
	h := s.restarts[old.slot.key]
	if h == nil || h.specVersion != old.spec.version {
		h = &restartHistory{specVersion: old.spec.version}
		s.restarts[old.slot.key] = h
	}
	h.total++
	h.at = append(h.at, c.now)
	if rp.Window > 0 {
		// keep only what a window can still see
		lo := c.now - int64(rp.Window)
		i := 0
		for i < len(h.at) && h.at[i] <= lo {
			i++
		}
		h.at = h.at[i:]
	}
}

// runnable returns a slot's tasks that the orchestrator treats as occupying
// it (SwarmKit's UpdatableTasksInSlot, §7.4), or nil for a dead slot.
func (c *Cluster) runnable(s *serviceState, sl *slotState) []*taskState {
	n := 0
	for _, ts := range sl.tasks {
		if ts.t.DesiredState <= task.Running {
			n++
		}
	}
	if n == len(sl.tasks) && n > 0 {
		return sl.tasks[:n:n] // the common case: no history to leave out
	}
	if n > 0 {
		r := make([]*taskState, 0, n)
		for _, ts := range sl.tasks {
			if ts.t.DesiredState <= task.Running {
				r = append(r, ts)
			}
		}
		return r
	}
	if s.status.State == updater.RollbackStarted {
		return nil
	}
	newest := newestTask(sl.tasks)
	if newest == nil || c.shouldRestart(newest) {
		return nil
	}
	return []*taskState{newest}
}

func newestTask(ts []*taskState) *taskState {
	var n *taskState
	for _, t := range ts {
		if n == nil || t.t.Status().Timestamp.After(n.t.Status().Timestamp) ||
			(t.t.Status().Timestamp.Equal(n.t.Status().Timestamp) && t.idx > n.idx) {
			n = t
		}
	}
	return n
}

// ---- service reconciliation ----

func (c *Cluster) reconcile(s *serviceState) {
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

// reconcileReplicated is SwarmKit's replicated orchestrator (§2.2, §8.2).
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
		used := make([]bool, replicas+len(live)+1)
		for _, l := range live {
			if l.sl.key < uint64(len(used)) {
				used[l.sl.key] = true
			}
		}
		var slot uint64 = 1
		for range replicas - len(live) {
			for used[slot] {
				slot++
			}
			used[slot] = true
			c.newTask(s, s.slots.getOrAdd(slot), nil, task.Running)
		}
		for _, sl := range dead {
			if sl.key >= uint64(len(used)) || !used[sl.key] {
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

// scaleDownChoice picks the slots to keep when scaling down (§8.2), with a
// stable sort where SwarmKit's is unstable (FIDELITY.md): running slots
// first, then lower slot numbers; then by how many copies of the service
// come before it on its node, slots with several tasks or no node last.
func (c *Cluster) scaleDownChoice(live []liveSlot, replicas int) (keep, remove []liveSlot) {
	l := slices.Clone(live)
	running := func(x liveSlot) bool {
		for _, ts := range x.tasks {
			if ts.t.State() == task.Running {
				return true
			}
		}
		return false
	}
	slices.SortStableFunc(l, func(a, b liveSlot) int {
		ra, rb := running(a), running(b)
		if ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.sl.key, b.sl.key)
	})
	idx := make([]int, len(l))
	perNode := make(map[*nodeState]int)
	for i, x := range l {
		idx[i] = -1
		if len(x.tasks) == 1 && x.tasks[0].node != nil {
			n := x.tasks[0].node
			idx[i] = perNode[n]
			perNode[n]++
		}
	}
	order := make([]int, len(l))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ia, ib := idx[a], idx[b]
		if ia == ib {
			return 0
		}
		if ia == -1 {
			return 1
		}
		if ib == -1 {
			return -1
		}
		return cmp.Compare(ia, ib)
	})
	for i, o := range order {
		if i < replicas {
			keep = append(keep, l[o])
		} else {
			remove = append(remove, l[o])
		}
	}
	slices.SortFunc(keep, func(a, b liveSlot) int { return cmp.Compare(a.sl.key, b.sl.key) })
	return keep, remove
}

// reconcileGlobal is SwarmKit's global orchestrator on a service event
// (§2.3, reference swarm-mesh-scheduler.md B.6): every node gets its task,
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
	if ns.removed || ns.n.Spec.Availability == node.Drain || ns.n.Status.State == node.Down || !c.matchesConstraints(s, ns) {
		c.shutdownSlot(sl)
		return sl, nil
	}
	if ns.n.Spec.Availability == node.Pause {
		return sl, nil
	}
	r := c.runnable(s, sl)
	if len(r) == 0 {
		c.newTask(s, sl, ns, task.Running)
	}
	return sl, r
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
