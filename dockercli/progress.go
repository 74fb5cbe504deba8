package dockercli

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/internal/dockerfmt"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
)

// progressNumber is docker/cli's numberedStates: the progress of a task
// state out of 9 (running), with the terminal states after it; 0 for states
// the display skips (remove, orphaned).
func progressNumber(s task.State) int {
	switch s {
	case task.New:
		return 1
	case task.Pending:
		return 3
	case task.Assigned:
		return 4
	case task.Accepted:
		return 5
	case task.Preparing:
		return 6
	case task.Ready:
		return 7
	case task.Starting:
		return 8
	case task.Running:
		return 9
	case task.Complete:
		return 10
	case task.Shutdown:
		return 11
	case task.Failed:
		return 12
	case task.Rejected:
		return 13
	}
	return 0
}

func terminalProgress(s task.State) bool { return progressNumber(s) > 9 }

// longestState is the width task states are padded to ("allocated",
// "preparing").
const longestState = 9

// screen is what a terminal shows after jsonmessage has drawn a progress
// stream: one line per progress ID in order of first appearance, each with
// its latest text; messages without a progress bar are printed below and
// reset the ID table.
type screen struct {
	lines []string
	ids   map[string]int
}

func newScreen() *screen { return &screen{ids: map[string]int{}} }

// progress draws an action with an optional bar: "ID: action bar".
func (sc *screen) progress(id, action string, cur, total int64) {
	text := id + ": " + action + " " + dockerfmt.ProgressBar(cur, total, TerminalWidth)
	if id == "" {
		text = action + " " + dockerfmt.ProgressBar(cur, total, TerminalWidth)
	}
	if i, ok := sc.ids[id]; ok && id != "" {
		sc.lines[i] = text
		return
	}
	sc.ids[id] = len(sc.lines)
	sc.lines = append(sc.lines, text)
}

// message prints a status line without a bar.
func (sc *screen) message(id, msg string) {
	if id != "" {
		msg = id + ": " + msg
	}
	sc.lines = append(sc.lines, msg)
	sc.ids = map[string]int{}
}

func (sc *screen) write(w io.Writer) {
	for _, l := range sc.lines {
		io.WriteString(w, l+"\n")
	}
}

func truncProgressError(msg string) string {
	msg = strings.ReplaceAll(msg, "\n", " ")
	if len(msg) > 75 {
		msg = msg[:74] + "…"
	}
	return msg
}

// progressUpdater is the replicated or global progress display.
type progressUpdater struct {
	global      bool
	initialized bool
	done        bool
	slotMap     map[uint64]int
	sc          *screen
}

func (u *progressUpdater) writeOverall(running, total int, rollback bool) {
	if rollback {
		u.sc.progress("overall progress", fmt.Sprintf("rolling back update: %d out of %d tasks", running, total), 0, 0)
		return
	}
	u.sc.progress("overall progress", fmt.Sprintf("%d out of %d tasks", running, total), 0, 0)
}

func (u *progressUpdater) writeTask(id string, t swarmsim.TaskView) {
	st := t.Status()
	if st.Err != "" {
		u.sc.progress(id, truncProgressError(st.Err), 0, 0)
		return
	}
	if !terminalProgress(t.DesiredState) && !terminalProgress(st.State) {
		u.sc.progress(id, fmt.Sprintf("%-*s", longestState, st.State.String()), int64(progressNumber(st.State)), 9)
	}
}

// better reports whether t should replace cur as the task shown for a slot:
// the lowest desired state wins, then the lowest observed state.
func better(t, cur swarmsim.TaskView) bool {
	if progressNumber(cur.DesiredState) < progressNumber(t.DesiredState) {
		return false
	}
	if progressNumber(cur.DesiredState) == progressNumber(t.DesiredState) &&
		progressNumber(cur.Status().State) <= progressNumber(t.Status().State) {
		return false
	}
	return true
}

func (u *progressUpdater) update(svc *swarmsim.Service, tasks []swarmsim.TaskView, ni nodeInfo, rollback bool) bool {
	active := ni.active
	if u.global {
		return u.updateGlobal(tasks, active, ni.order, rollback)
	}
	replicas := int(svc.Spec.Replicas)
	if !u.initialized {
		u.slotMap = map[uint64]int{}
		u.writeOverall(0, replicas, rollback)
		if replicas <= 20 {
			for i := 1; i <= replicas; i++ {
				u.sc.progress(fmt.Sprintf("%d/%d", i, replicas), " ", 0, 0)
			}
		}
		u.initialized = true
	}
	bySlot := map[uint64]swarmsim.TaskView{}
	for _, t := range tasks {
		if progressNumber(t.DesiredState) == 0 || progressNumber(t.Status().State) == 0 {
			continue
		}
		if cur, ok := bySlot[t.Slot]; ok && !better(t, cur) {
			continue
		}
		if t.NodeID != "" && !active[t.NodeID] {
			continue
		}
		bySlot[t.Slot] = t
	}
	slots := make([]uint64, 0, len(bySlot))
	for k := range bySlot {
		slots = append(slots, k)
	}
	sort.Slice(slots, func(i, j int) bool { return slots[i] < slots[j] })
	if u.done {
		for _, k := range slots {
			if st(bySlot[k]).State != task.Running {
				u.done = false
				break
			}
		}
	}
	running := 0
	for _, k := range slots {
		t := bySlot[k]
		m := u.slotMap[k]
		if m == 0 {
			m = len(u.slotMap) + 1
			u.slotMap[k] = m
		}
		if !terminalProgress(t.DesiredState) && t.Status().State == task.Running {
			running++
		}
		if !u.done && replicas <= 20 && m <= replicas {
			u.writeTask(fmt.Sprintf("%d/%d", m, replicas), t)
		}
	}
	if !u.done {
		u.writeOverall(running, replicas, rollback)
		if running == replicas {
			u.done = true
		}
	}
	return running == replicas
}

func (u *progressUpdater) updateGlobal(tasks []swarmsim.TaskView, active map[string]bool, nodeOrder map[string]int, rollback bool) bool {
	byNode := map[string]swarmsim.TaskView{}
	for _, t := range tasks {
		if progressNumber(t.DesiredState) == 0 || progressNumber(t.Status().State) == 0 {
			continue
		}
		if cur, ok := byNode[t.NodeID]; ok && !better(t, cur) {
			continue
		}
		byNode[t.NodeID] = t
	}
	nodesSeen := make([]string, 0, len(byNode))
	for k := range byNode {
		nodesSeen = append(nodesSeen, k)
	}
	sort.Slice(nodesSeen, func(i, j int) bool { return nodeOrder[nodesSeen[i]] < nodeOrder[nodesSeen[j]] })
	count := len(byNode)
	if !u.initialized {
		if count == 0 {
			u.sc.progress("overall progress", "waiting for new tasks", 0, 0)
			return false
		}
		u.writeOverall(0, count, rollback)
		u.initialized = true
	}
	if u.done {
		for _, k := range nodesSeen {
			if st(byNode[k]).State != task.Running {
				u.done = false
				break
			}
		}
	}
	running := 0
	for _, k := range nodesSeen {
		t := byNode[k]
		if !active[t.NodeID] {
			continue
		}
		if !terminalProgress(t.DesiredState) && t.Status().State == task.Running {
			running++
		}
		if !u.done && count <= 20 {
			u.writeTask(dockerfmt.TruncateID(t.NodeID), t)
		}
	}
	if !u.done {
		u.writeOverall(running, count, rollback)
		if running == count {
			u.done = true
		}
	}
	return running == count
}

// waitOnService simulates docker/cli's WaitOnService/ServiceProgress in
// virtual time: it polls the service every 200 ms of cluster time, draws the
// progress display and, once every slot runs an up-to-date task, waits the
// update monitor period (default 5s) before "verify: Service <X> converged".
// A wait longer than the session's WaitLimit stops with Docker's
// "Operation continuing in background." lines. The final screen is written
// to out as a terminal wider than 110 columns shows it; with quiet nothing
// is written. errors (a paused update or rollback) are returned.
func (s *Session) waitOnService(id, shown string, quiet bool, out io.Writer) error {
	cl := s.c
	sc := newScreen()
	err := s.progressLoop(cl, id, shown, sc)
	if !quiet {
		sc.write(out)
	}
	return err
}

func (s *Session) progressLoop(cl *swarmsim.Cluster, id, shown string, sc *screen) error {
	if svc, err := cl.Service(id); err == nil && svc.JobStatus != nil {
		return s.jobProgressLoop(cl, id, shown, sc)
	}
	var (
		u           *progressUpdater
		tr          *slotTracker
		converged   bool
		convergedAt time.Time
		monitor     = 5 * time.Second
		rollback    bool
		message     string
		start       = cl.Now()
	)
	for {
		svc, err := cl.Service(id)
		if err != nil {
			return daemon(err)
		}
		if svc.Spec.Update != nil && svc.Spec.Update.Monitor != 0 {
			monitor = svc.Spec.Update.Monitor
		}
		if u == nil {
			u = &progressUpdater{global: svc.Spec.Mode == swarmsim.Global, sc: sc}
		}
		if us := svc.UpdateStatus; us != nil {
			switch us.State.String() {
			case "updating":
				rollback = false
			case "completed":
				if !converged {
					return nil
				}
			case "paused":
				return errors.New("service update paused: " + us.Message)
			case "rollback_started":
				if !rollback && us.Message != "" {
					sc.progress("rollback", us.Message, 0, 0)
				}
				rollback = true
			case "rollback_paused":
				return errors.New("service rollback paused: " + us.Message)
			case "rollback_completed":
				if !converged {
					message = us.Message
				}
				rollback = true
			}
		}
		now := cl.Now()
		if converged && now.Sub(convergedAt) >= monitor {
			sc.progress("verify", fmt.Sprintf("Service %s converged", shown), 0, 0)
			if message != "" {
				sc.message("rollback", message)
			}
			return nil
		}
		counted := false
		if !s.fullProgress && (u.global && cl.NodeCount() > maxShownSlots || !u.global && svc.Spec.Replicas > maxShownSlots) {
			// Only the overall line is drawn: count from the slots (nodes)
			// that changed since the last poll instead of every task.
			if tr == nil {
				tr = &slotTracker{svcID: svc.ID, global: u.global}
			}
			if err := tr.refresh(cl); err != nil {
				return daemon(err)
			}
			if !u.global {
				converged, counted = u.updateCounts(int(svc.Spec.Replicas), tr.running, tr.notRunning, rollback), true
			} else if tr.shown > maxShownSlots {
				converged, counted = u.updateCounts(tr.shown, tr.running, tr.notRunning, rollback), true
			}
		}
		if !counted {
			all, err := cl.Tasks(svc.ID)
			if err != nil {
				return daemon(err)
			}
			ni := nodeInfo{}
			switch {
			case u.global && tr != nil:
				// a global service on a few of many nodes: the tracker,
				// refreshed above, holds the nodes as they are now
				ni = tr.nodes
			case u.global || s.fullProgress:
				ni = activeNodes(cl) // 20 nodes at most, but in tests
			default:
				ni.active = taskNodesActive(cl, all)
			}
			converged = u.update(svc, upToDate(all), ni, rollback)
		}
		if converged {
			if convergedAt.IsZero() {
				convergedAt = now
			}
			wait := monitor - now.Sub(convergedAt)
			if wait >= 0 {
				sc.progress("verify", fmt.Sprintf("Waiting %d seconds to verify that tasks are stable...", wait/time.Second+1), 0, 0)
			}
		} else {
			if !convergedAt.IsZero() {
				sc.progress("verify", "Detected task failure", 0, 0)
			}
			convergedAt = time.Time{}
		}
		if now.Sub(start) >= s.WaitLimit || cl.Elapsed() >= swarmsim.Horizon { // the clock goes no further
			if !converged {
				sc.message("", "Operation continuing in background.")
				sc.message("", fmt.Sprintf("Use `docker service ps %s` to check progress.", shown))
			}
			return nil
		}
		if s.runFor(PollInterval, nil) {
			return s.interrupted("wait")
		}
	}
}

// maxShownSlots is docker/cli's limit for drawing one line per slot
// (replicatedProgressUpdater draws them for at most 20 replicas).
const maxShownSlots = 20

// upToDate keeps the tasks of the service's current spec (the daemon's
// _up-to-date filter).
func upToDate(all []swarmsim.TaskView) []swarmsim.TaskView {
	var tasks []swarmsim.TaskView
	for _, t := range all {
		if t.UpToDate {
			tasks = append(tasks, t)
		}
	}
	return tasks
}

// nodeInfo is what the progress display needs of the nodes: which are not
// Down, and their order.
type nodeInfo struct {
	active map[string]bool
	order  map[string]int
}

func activeNodes(cl *swarmsim.Cluster) nodeInfo {
	nodes := cl.Nodes()
	ni := nodeInfo{active: make(map[string]bool, len(nodes)), order: make(map[string]int, len(nodes))}
	for i, n := range nodes {
		ni.order[n.ID] = i
		if n.Status.State != node.Down {
			ni.active[n.ID] = true
		}
	}
	return ni
}

// taskNodesActive is activeNodes' active for the nodes of tasks alone,
// looked up one by one: a replicated service of a few replicas on 10,000
// nodes does not copy every node at each poll.
func taskNodesActive(cl *swarmsim.Cluster, tasks []swarmsim.TaskView) map[string]bool {
	active := make(map[string]bool)
	for _, t := range tasks {
		if _, seen := active[t.NodeID]; seen || t.NodeID == "" {
			continue
		}
		n, err := cl.Node(t.NodeID)
		active[t.NodeID] = err == nil && n.ID == t.NodeID && n.Status.State != node.Down
	}
	return active
}

// updateCounts is update (updateGlobal) for a service of more than 20
// replicas (nodes with a task to show), whose display is the overall line
// alone: running is the number of slots (nodes) whose shown task runs,
// notRunning the number whose shown task is in another state.
func (u *progressUpdater) updateCounts(replicas, running, notRunning int, rollback bool) bool {
	if !u.initialized {
		u.writeOverall(0, replicas, rollback)
		u.initialized = true
	}
	if u.done && notRunning > 0 {
		u.done = false
	}
	if !u.done {
		u.writeOverall(running, replicas, rollback)
		if running == replicas {
			u.done = true
		}
	}
	return running == replicas
}

// slotTracker keeps the up-to-date tasks of each slot of a replicated
// service, or of each node of a global one, and what the progress display
// makes of each, and brings them up to date from the trace: only the slots
// (nodes) whose tasks changed since the last poll are looked at again.
// Anything else that changes the picture (a node event, a new spec) or a
// trace it cannot read (off, or dropped past the last poll) makes it start
// over from the whole task list.
type slotTracker struct {
	svcID  string
	global bool
	seq    uint64
	valid  bool
	nodes  nodeInfo
	// slots holds the up-to-date tasks by key: the slot of a replicated
	// task; for a global one, its node's key in nodeKey. keyOf remembers a
	// global task's key, to find it again once the task is deleted.
	slots   map[uint64][]swarmsim.TaskView
	verdict map[uint64]slotVerdict
	nodeKey map[string]uint64
	keyOf   map[string]uint64
	// counts of verdicts: shown is every slot (node) with a task to show
	shown, running, notRunning int
}

type slotVerdict uint8

const (
	slotAbsent     slotVerdict = iota // no task to show
	slotRunning                       // shown task runs and is meant to
	slotNotRunning                    // shown task is in another state
	slotStopping                      // shown task runs but is meant to stop
	slotInactive                      // shown task of a global service runs on a node that is down
)

func (tr *slotTracker) refresh(cl *swarmsim.Cluster) error {
	last := cl.LastSeq()
	if tr.valid && last > tr.seq {
		evs := cl.EventsSince(tr.seq)
		if len(evs) == 0 || evs[0].Seq != tr.seq+1 {
			tr.valid = false
		} else {
			seen := map[string]bool{}
			var changed []swarmsim.Event // the first event of each task, in order
			for i := range evs {
				e := &evs[i]
				switch e.Kind {
				case swarmsim.EventTaskCreated, swarmsim.EventTaskState, swarmsim.EventTaskDesired, swarmsim.EventTaskDeleted:
					if e.ServiceID != tr.svcID || seen[e.TaskID] {
						continue
					}
					seen[e.TaskID] = true
					changed = append(changed, *e)
				case swarmsim.EventUpdateStatus, swarmsim.EventRequest:
				case swarmsim.EventServiceCreated:
				default:
					// node events change which tasks count; a service
					// event may change which tasks are up to date
					if e.Kind < swarmsim.EventServiceCreated || e.ServiceID == tr.svcID {
						tr.valid = false
					}
				}
				if !tr.valid {
					break
				}
			}
			if tr.valid {
				var keys []uint64
				touched := map[uint64]bool{}
				for i := range changed {
					k := tr.refreshTask(cl, &changed[i])
					if !touched[k] {
						touched[k] = true
						keys = append(keys, k)
					}
				}
				for _, k := range keys {
					tr.judge(k)
				}
			}
		}
	}
	tr.seq = last
	if tr.valid {
		return nil
	}
	all, err := cl.Tasks(tr.svcID)
	if err != nil {
		return err
	}
	tr.nodes = activeNodes(cl)
	tr.slots = map[uint64][]swarmsim.TaskView{}
	tr.verdict = map[uint64]slotVerdict{}
	tr.nodeKey = map[string]uint64{}
	tr.keyOf = map[string]uint64{}
	tr.shown, tr.running, tr.notRunning = 0, 0, 0
	for _, t := range upToDate(all) {
		k := tr.key(t)
		tr.slots[k] = append(tr.slots[k], t)
	}
	for k := range tr.slots {
		tr.judge(k) // counts only: the order does not matter
	}
	tr.valid = true
	return nil
}

// key is the slot a task is counted in: its slot, or for a global task a
// key for its node.
func (tr *slotTracker) key(t swarmsim.TaskView) uint64 {
	if !tr.global {
		return t.Slot
	}
	k, ok := tr.nodeKey[t.NodeID]
	if !ok {
		k = uint64(len(tr.nodeKey))
		tr.nodeKey[t.NodeID] = k
	}
	tr.keyOf[t.ID] = k
	return k
}

// refreshTask reads again the task an event names, and returns its slot.
func (tr *slotTracker) refreshTask(cl *swarmsim.Cluster, e *swarmsim.Event) uint64 {
	t, err := cl.Task(e.TaskID)
	var k uint64
	switch {
	case !tr.global:
		k = e.Slot
	case err == nil:
		k = tr.key(t)
	default:
		k = tr.keyOf[e.TaskID] // deleted: it was counted where it was
		delete(tr.keyOf, e.TaskID)
	}
	ts := tr.slots[k]
	i := slices.IndexFunc(ts, func(t swarmsim.TaskView) bool { return t.ID == e.TaskID })
	switch {
	case err != nil || !t.UpToDate: // deleted, or of another spec
		if i >= 0 {
			ts = slices.Delete(ts, i, i+1)
		}
	case i >= 0:
		ts[i] = t
	default:
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		delete(tr.slots, k)
	} else {
		tr.slots[k] = ts
	}
	return k
}

// judge works out what the display shows for a slot (a node), as update
// and updateGlobal do, and updates the counts.
func (tr *slotTracker) judge(k uint64) {
	var best *swarmsim.TaskView
	ts := tr.slots[k]
	for i := range ts {
		t := &ts[i]
		if progressNumber(t.DesiredState) == 0 || progressNumber(t.Status().State) == 0 {
			continue
		}
		if best != nil && !better(*t, *best) {
			continue
		}
		// a replicated slot skips tasks on nodes that are down; a global
		// service shows them, and does not count them as running
		if !tr.global && t.NodeID != "" && !tr.nodes.active[t.NodeID] {
			continue
		}
		best = t
	}
	v := slotAbsent
	if best != nil {
		switch {
		case best.Status().State != task.Running:
			v = slotNotRunning
		case tr.global && !tr.nodes.active[best.NodeID]:
			v = slotInactive
		case !terminalProgress(best.DesiredState):
			v = slotRunning
		default:
			v = slotStopping
		}
	}
	old := tr.verdict[k]
	tr.count(old, -1)
	tr.count(v, 1)
	if v == slotAbsent {
		delete(tr.verdict, k)
	} else {
		tr.verdict[k] = v
	}
}

func (tr *slotTracker) count(v slotVerdict, d int) {
	if v != slotAbsent {
		tr.shown += d
	}
	switch v {
	case slotRunning:
		tr.running += d
	case slotNotRunning:
		tr.notRunning += d
	}
}

func st(t swarmsim.TaskView) task.Status { return t.Status() }
