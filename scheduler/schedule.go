package scheduler

import (
	"math/bits"
	"slices"
	"time"

	"github.com/swarmsim/swarmsim/node"
)

// Batch is a group of unassigned tasks of one service and spec version,
// placed together (SwarmKit's manager/scheduler/scheduler.go: Scheduler.tick
// groups pending tasks by service
// and spec version and schedules each group as one batch).
type Batch struct {
	ServiceID    string
	SpecVersion  uint64
	Placement    Placement
	Reservations node.Resources
	HostPorts    []HostPort
	// TaskIDs in the order to place them (the caller passes slot order).
	TaskIDs []string
}

// Decision is the outcome for one task of a batch, in TaskIDs order.
type Decision struct {
	TaskID string
	NodeID string // "" when the task could not be placed
	// Node is NodeID's NodeRef (0 when not placed), for a caller that
	// keeps its own node records by ref.
	Node NodeRef
	// Err is "" when placed; else "no suitable node (<explanation>)" or
	// "no suitable node". The task stays PENDING with this error.
	Err string
}

// cand is one node as a scheduling pass sees it: SwarmKit's NodeInfo copy,
// with the tasks the batch has placed on it so far (the overlay). The Set is
// never changed by Schedule.
type cand struct {
	info      *nodeInfo
	slot      int
	fkey      int   // recent failures if >= maxFailures, else 0
	svc       int64 // ActiveTasksCountByService[batch service], with the overlay
	total     int64 // ActiveTasksCount, with the overlay
	cpu, mem  int64 // available resources, with the overlay
	placed    int   // tasks of this batch placed here
	portClash bool  // a task on the node already holds one of the batch's host ports
	staticOK  bool  // passed Ready, Constraint and Platform (they do not change in a batch)
}

// nodeLess is SwarmKit's ranking (the nodeLess closure of scheduler.go:
// Scheduler.scheduleTaskGroup), true when a is a better
// node than b:
//  1. only if either node has >= 5 recent failures of this service and spec
//     version: fewer failures wins (fkey is 0 below the threshold, which is
//     the same comparison);
//  2. fewer active tasks of this service wins;
//  3. fewer active tasks in total wins.
//
// Free resources play no part. Equal nodes are a tie (see orderLess).
func nodeLess(a, b *cand) bool {
	if a.fkey != b.fkey {
		return a.fkey < b.fkey
	}
	if a.svc != b.svc {
		return a.svc < b.svc
	}
	return a.total < b.total
}

// orderLess is nodeLess with swarmsim's tie rule: the node that joined the
// Set first wins (SwarmKit breaks ties by map and heap order, i.e. at
// random; FIDELITY.md). It is a total order.
func orderLess(a, b *cand) bool {
	if nodeLess(a, b) {
		return true
	}
	if nodeLess(b, a) {
		return false
	}
	return a.slot < b.slot
}

// batchCtx is one Schedule call: SwarmKit's Pipeline after SetTask (which
// filters are enabled, and their failure counts) plus the batch's queue.
//
// The Set holds one batchCtx (Set.bc) and reuses it, with its buffers, for
// every call: a Set serves one call at a time.
type batchCtx struct {
	s       *Set
	taskIDs []string       // the batch's TaskIDs (shared with the caller)
	res     node.Resources // the batch's Reservations
	now     time.Time
	svc     int32 // the batch service's handle, -1 if no count names it

	resOn     bool // ResourceFilter: non-zero reservations
	cs        []Constraint
	csOn      bool // ConstraintFilter: constraints present and parsable
	platforms []node.Platform
	ports     []HostPort // the batch's host ports with a non-zero port
	maxRep    uint64     // MaxReplicasFilter when > 0
	pen       map[int]int
	spreads   []spreadLevel // effective spread preferences
	key       []byte        // placementKey of the batch's static filters (reused buffer)
	static    *staticMask   // the cached static-filter mask of key, nil if none yet

	p pipeline

	queue     []int // indexes into b.TaskIDs still to place, in order
	qbuf      []int // the queue's storage (queue is consumed from the front)
	decisions []Decision

	// Buffers reused from call to call (see Set.bc).
	cands  []cand  // indexedCandidates' nodes; out and pen point into it
	out    []*cand // indexedCandidates' result
	counts []int32 // indexedCandidates' service counts
	small  []int   // indexedCandidates' small-bucket slots
	failed []bool  // scheduleNTasksOnNodes' failed nodes
}

// spreadLevel is one effective spread preference.
type spreadLevel struct {
	engine bool
	key    string
}

// newBatch readies the Set's batchCtx for one call, keeping its buffers.
// The caller calls done when the call is over.
func (s *Set) newBatch(now time.Time, b *Batch) *batchCtx {
	bc := &s.bc
	// Field by field rather than a composite literal: this runs for every
	// one-task batch of a rolling update. Every field is set here.
	bc.s, bc.taskIDs, bc.res, bc.now = s, b.TaskIDs, b.Reservations, now
	bc.svc = s.svcHandle(b.ServiceID)
	bc.resOn = b.Reservations.NanoCPUs != 0 || b.Reservations.MemoryBytes != 0
	bc.cs, bc.csOn = nil, false
	bc.platforms = b.Placement.Platforms
	bc.ports = bc.ports[:0]
	bc.maxRep = b.Placement.MaxReplicas
	bc.pen = s.penalized(b.ServiceID, b.SpecVersion, now)
	bc.spreads = bc.spreads[:0]
	bc.p = pipeline{}
	bc.queue, bc.qbuf = nil, bc.qbuf[:0]
	bc.decisions = nil
	bc.cands, bc.out, bc.counts, bc.small, bc.failed = bc.cands[:0], bc.out[:0], bc.counts[:0], bc.small[:0], bc.failed[:0]
	bc.key = appendPlacementKey(bc.key[:0], b.Placement.Constraints, b.Placement.Platforms)
	bc.static = s.cachedMask(bc.key)
	if m := bc.static; m != nil {
		bc.cs, bc.csOn = m.cs, m.csOn // already parsed
	} else if len(b.Placement.Constraints) > 0 {
		if cs, err := ParseConstraints(b.Placement.Constraints); err == nil {
			bc.cs, bc.csOn = cs, true
		}
	}
	for _, p := range b.HostPorts {
		if p.Port != 0 {
			bc.ports = append(bc.ports, p)
		}
	}
	for _, pref := range b.Placement.Preferences {
		if engine, key, ok := spreadLabel(pref.Spread); ok {
			bc.spreads = append(bc.spreads, spreadLevel{engine, key})
		}
	}
	return bc
}

// done drops the call's references to the caller's batch and results, and
// to the nodes, keeping the buffers.
func (bc *batchCtx) done() {
	bc.taskIDs = nil
	bc.decisions = nil
	bc.cs, bc.platforms = nil, nil
	bc.static, bc.pen = nil, nil
	clear(bc.cands)
	clear(bc.out)
}

// resetQueue fills the queue with every task and resets the decisions
// (bc.decisions, len(TaskIDs) long) to "not placed".
func (bc *batchCtx) resetQueue() {
	bc.p = pipeline{}
	bc.queue = bc.qbuf[:0]
	for i := range bc.taskIDs {
		bc.queue = append(bc.queue, i)
	}
	bc.qbuf = bc.queue
	for i, id := range bc.taskIDs {
		bc.decisions[i] = Decision{TaskID: id}
	}
}

func (bc *batchCtx) newCand(ni *nodeInfo) cand {
	var c cand
	bc.initCand(&c, ni)
	return c
}

// initCand sets *c to the candidate for node ni.
func (bc *batchCtx) initCand(c *cand, ni *nodeInfo) {
	av := ni.available()
	*c = cand{
		info: ni, slot: ni.slot,
		svc: int64(ni.svcTasks(bc.svc)), total: int64(ni.total),
		cpu: av.NanoCPUs, mem: av.MemoryBytes,
	}
	if bc.pen != nil {
		c.fkey = bc.pen[ni.slot]
	}
	if len(bc.ports) > 0 && len(ni.ports) > 0 {
		for _, p := range bc.ports {
			if ni.portTasks(p) > 0 {
				c.portClash = true
				break
			}
		}
	}
}

// firstFailing runs the enabled filters in pipeline order on a node and
// returns the first that fails (filterNone if it passes every one).
func (bc *batchCtx) firstFailing(c *cand) filter {
	if !c.staticOK && !c.info.ready {
		return filterReady
	}
	if bc.resOn && (bc.res.NanoCPUs > c.cpu || bc.res.MemoryBytes > c.mem) {
		return filterResource
	}
	if !c.staticOK {
		if bc.csOn && !MatchAll(bc.cs, c.info.n) {
			return filterConstraint
		}
		if len(bc.platforms) > 0 && !platformMatches(bc.platforms, c.info.n.Description.Platform) {
			return filterPlatform
		}
	}
	if len(bc.ports) > 0 && (c.placed > 0 || c.portClash) {
		return filterHostPort
	}
	if bc.maxRep > 0 && (c.svc < 0 || uint64(c.svc) >= bc.maxRep) {
		// A task counts if its desired state is <= COMPLETE, like the
		// ranking.
		return filterMaxReplicas
	}
	return filterNone
}

// process is Pipeline.Process: check the node, count a failure against the
// first failing filter, or reset all counts when the node passes.
func (bc *batchCtx) process(c *cand) bool {
	f := bc.firstFailing(c)
	if f == filterNone {
		c.staticOK = true
	}
	return bc.p.record(f)
}

// Schedule places a batch and returns one Decision per task, in TaskIDs
// order. It does not change the Set: within the batch it counts the tasks it
// has already placed, and the caller reports the resulting assignments back
// through UpdateTask. now is the virtual time, for the failure window.
//
// The algorithm is SwarmKit's Scheduler.scheduleTaskGroup
// (manager/scheduler/scheduler.go):
//
//   - Build the decision tree (nodeSet.tree): one level per effective spread
//     preference, branches by label value ("" for nodes without the label).
//     Every node adds its tasks of the service to the branches it falls in,
//     whether or not it passes the filters. Each leaf keeps the best N nodes
//     that pass the filter pipeline (N = batch size), in a bounded max-heap;
//     a node is run through the pipeline only if the heap is not full or it
//     is better than the heap's worst node.
//   - scheduleNTasksOnSubtree splits the tasks over the branches evenly,
//     counting existing tasks, and recurses; scheduleNTasksOnNodes fills a
//     leaf's nodes (the lopsided first pass, then round-robin).
//   - Tasks left over get "no suitable node (<Pipeline.Explain>)".
//
// For a small batch (N*8 <= nodes) with no effective spread preference, the
// best N nodes come from the Set's indexes instead of a scan of every node;
// the decisions are the same. If that leaves tasks unplaced, the plain algorithm runs again so the
// explanation counts exactly the nodes SwarmKit's pass would have counted.
//
// Schedule returns a new slice; ScheduleInto fills one the caller keeps.
func (s *Set) Schedule(now time.Time, b Batch) []Decision {
	return s.ScheduleInto(make([]Decision, 0, len(b.TaskIDs)), now, b)
}

// ScheduleInto is Schedule appending the decisions to dst: it returns dst
// extended by one Decision per task of b, in TaskIDs order, and allocates
// only if dst lacks the room. Passing the previous result sliced to [:0]
// reuses its storage. A small batch for a service already spread over the
// nodes (the indexed search) allocates nothing else once the Set's buffers
// have grown (TestScheduleIntoAllocs).
func (s *Set) ScheduleInto(dst []Decision, now time.Time, b Batch) []Decision {
	n := len(b.TaskIDs)
	dst = slices.Grow(dst, n)
	start := len(dst)
	dst = dst[:start+n]
	bc := s.newBatch(now, &b)
	defer bc.done()
	bc.decisions = dst[start:]
	bc.resetQueue()
	if n == 0 {
		return dst
	}
	if len(bc.spreads) == 0 && n*8 <= s.live {
		nodes := bc.indexedCandidates(n)
		if len(nodes) > 0 {
			bc.scheduleNTasksOnNodes(n, nodes)
		}
		if len(bc.queue) == 0 {
			return dst
		}
		bc.resetQueue()
	}
	bc.schedulePlain()
	return dst
}

// schedulePlain is SwarmKit's algorithm, scanning every node.
func (bc *batchCtx) schedulePlain() []Decision {
	n := len(bc.taskIDs)
	tree := bc.buildTree(n)
	bc.scheduleNTasksOnSubtree(n, tree)
	if len(bc.queue) > 0 {
		msg := noSuitableNode(bc.p.explain())
		for _, i := range bc.queue {
			bc.decisions[i].Err = msg
		}
	}
	return bc.decisions
}

// SchedulePreassigned checks one global-service task whose node is fixed
// (SwarmKit's Scheduler.taskFitNode, from processPreassignedTasks): the full
// filter pipeline
// on that single node. It returns ok, or the bare explanation without the
// "no suitable node" wrapper, e.g. "1 node not available for new tasks" or
// "insufficient resources on 1 node". For a node the Set does not hold it
// returns (false, ""): SwarmKit then leaves the task untouched.
// Only b's ServiceID, SpecVersion, Placement, Reservations and HostPorts
// are used.
func (s *Set) SchedulePreassigned(now time.Time, b Batch, nodeID string) (ok bool, explanation string) {
	ni := s.node(nodeID)
	if ni == nil || ni.n == nil {
		return false, ""
	}
	bc := s.newBatch(now, &b)
	defer bc.done()
	c := bc.newCand(ni)
	if bc.process(&c) {
		return true, ""
	}
	return false, bc.p.explain()
}

// decisionTree is SwarmKit's decisionTree: a non-leaf has one subtree per
// label value of its preference level; a leaf holds the candidate nodes.
type decisionTree struct {
	// tasks is the number of the service's active tasks on every node under
	// this branch, including nodes that fail the filters. It is not updated
	// as the batch places tasks (as in SwarmKit).
	tasks int
	next  map[string]*decisionTree
	keys  []string // branch values, ascending: swarmsim's iteration order

	heap      []*cand // leaf: best N passing nodes (max-heap, then sorted)
	collapsed bool    // the heap has been turned into a sorted list
}

func (bc *batchCtx) label(ni *nodeInfo, l spreadLevel) string {
	if l.engine {
		return ni.n.Description.EngineLabels[l.key]
	}
	return ni.n.Spec.Labels[l.key]
}

// buildTree is nodeSet.tree, visiting nodes in join order.
func (bc *batchCtx) buildTree(maxAssignments int) *decisionTree {
	root := &decisionTree{}
	cands := make([]cand, 0, bc.s.live) // fixed capacity: pointers stay valid
	for _, ni := range bc.s.slots {
		if ni == nil {
			continue
		}
		svcTasks := int(ni.svcTasks(bc.svc))
		t := root
		for _, l := range bc.spreads {
			t.tasks += svcTasks
			if t.next == nil {
				t.next = make(map[string]*decisionTree)
			}
			v := bc.label(ni, l)
			nx := t.next[v]
			if nx == nil {
				nx = &decisionTree{}
				t.next[v] = nx
				t.keys = append(t.keys, v)
			}
			t = nx
		}
		t.tasks += svcTasks
		cands = append(cands, bc.newCand(ni))
		c := &cands[len(cands)-1]
		if len(t.heap) < maxAssignments {
			if bc.process(c) {
				heapPush(&t.heap, c)
			}
		} else if orderLess(c, t.heap[0]) {
			if bc.process(c) {
				t.heap[0] = c
				heapDown(t.heap, 0)
			}
		}
	}
	sortKeys(root)
	return root
}

// sortKeys orders every level's branches by label value, ascending ("" first):
// the order in which branches are visited, and so which get the remainder of
// an uneven split (SwarmKit iterates a map: random; FIDELITY.md).
func sortKeys(t *decisionTree) {
	slices.Sort(t.keys)
	for _, k := range t.keys {
		sortKeys(t.next[k])
	}
}

// The leaf heap is a max-heap under orderLess: the root is the worst of the
// best N nodes, the one a better node replaces.
func heapPush(h *[]*cand, c *cand) {
	*h = append(*h, c)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if !orderLess(a[p], a[i]) {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func heapDown(a []*cand, i int) {
	for {
		l := 2*i + 1
		if l >= len(a) {
			return
		}
		m := l
		if r := l + 1; r < len(a) && orderLess(a[l], a[r]) {
			m = r
		}
		if !orderLess(a[i], a[m]) {
			return
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
}

// orderedNodes is decisionTree.orderedNodes: the leaf's nodes best first.
// When the leaf is visited again (spread preferences), its nodes are first
// run through the pipeline again, in SwarmKit's swap-remove order (this
// counts failures), and the ones that no longer pass are dropped.
func (bc *batchCtx) orderedNodes(t *decisionTree) []*cand {
	if t.collapsed {
		h := t.heap
		for i := 0; i < len(h); {
			if bc.process(h[i]) {
				i++
			} else {
				last := len(h) - 1
				h[i] = h[last]
				h = h[:last]
			}
		}
		t.heap = h
	}
	slices.SortFunc(t.heap, func(a, b *cand) int {
		if orderLess(a, b) {
			return -1
		}
		if orderLess(b, a) {
			return 1
		}
		return 0
	})
	t.collapsed = true
	return t.heap
}

// scheduleNTasksOnSubtree splits n tasks over a tree's branches and
// recurses; at a leaf it hands them to scheduleNTasksOnNodes. It returns how
// many tasks it placed.
//
// At each level the target per usable branch is (existing tasks of the
// branch level + tasks still to place) / usable branches; the remainder goes
// one each to the first branches in iteration order (ascending label
// value). A branch that takes fewer than asked is marked "no room" and its
// share is spread over the others in the next round. As in SwarmKit, a
// branch's task count is not updated as tasks are placed.
func (bc *batchCtx) scheduleNTasksOnSubtree(n int, t *decisionTree) int {
	if t.next == nil {
		nodes := bc.orderedNodes(t)
		if len(nodes) == 0 {
			return 0
		}
		return bc.scheduleNTasksOnNodes(n, nodes)
	}
	scheduled := 0
	usable := t.tasks
	noRoom := make([]bool, len(t.keys))
	nNoRoom := 0
	for converging := true; scheduled != n && nNoRoom != len(t.keys) && converging; {
		branches := len(t.keys) - nNoRoom
		desired := (usable + n - scheduled) / branches
		remainder := (usable + n - scheduled) % branches
		converging = false
		for i, k := range t.keys {
			if noRoom[i] {
				continue
			}
			sub := t.next[k]
			if sub.tasks < desired || (sub.tasks == desired && remainder > 0) {
				converging = true
				toAssign := desired - sub.tasks
				if remainder > 0 {
					toAssign++
				}
				res := bc.scheduleNTasksOnSubtree(toAssign, sub)
				if res < toAssign {
					noRoom[i] = true
					nNoRoom++
					usable -= sub.tasks
				} else if remainder > 0 {
					remainder--
				}
				scheduled += res
			}
		}
	}
	return scheduled
}

// scheduleNTasksOnNodes places up to n tasks of the queue on nodes (sorted
// best first) and returns how many it placed.
//
// Each task goes to the current node, whose counts and resources are updated
// at once. First pass: move on to the next node only if that node is now
// strictly better (nodeLess) than the current one, else keep filling the
// current node; it never goes back (so existing imbalance gives lopsided
// results; SwarmKit's Scheduler.scheduleNTasksOnNodes). Once the last node
// is reached the loop
// round-robins. After each task the next node is run through the pipeline;
// nodes that fail (resources used up, host port taken, max replicas) are
// skipped for the rest of the call; when none passes, it stops.
func (bc *batchCtx) scheduleNTasksOnNodes(n int, nodes []*cand) int {
	scheduled := 0
	bc.failed = slices.Grow(bc.failed[:0], len(nodes))[:len(nodes)]
	failed := bc.failed
	clear(failed)
	iter := 0
	count := len(nodes)
	res := bc.res
	for len(bc.queue) > 0 {
		ti := bc.queue[0]
		bc.queue = bc.queue[1:]
		nd := nodes[iter%count]
		bc.decisions[ti].NodeID, bc.decisions[ti].Node = nd.info.id, nd.info.ref
		nd.placed++
		nd.svc++
		nd.total++
		nd.cpu -= res.NanoCPUs
		nd.mem -= res.MemoryBytes
		scheduled++
		if scheduled == n {
			return scheduled
		}
		if iter+1 < count {
			if nodeLess(nodes[iter+1], nd) {
				iter++
			}
		} else {
			iter++
		}
		orig := iter
		for failed[iter%count] || !bc.process(nodes[iter%count]) {
			failed[iter%count] = true
			iter++
			if iter-orig == count {
				return scheduled
			}
		}
	}
	return scheduled
}

// indexedCandidates returns the best n nodes passing every filter, best
// first: exactly the leaf of the plain decision tree when there is no spread
// preference, found from the indexes. It walks the nodes in ranking order:
// service task count ascending (the service's buckets, the zero bucket being
// every node without a task of the service), then total task count
// ascending (the totals buckets), then join order (bit order), intersected
// with the static-filter mask; it skips nodes with >= 5 recent failures and
// appends those at the end, in ranking order.
func (bc *batchCtx) indexedCandidates(n int) []*cand {
	s := bc.s
	m := bc.static
	if m == nil {
		m = s.staticFor(bc.key, bc.cs, bc.csOn, bc.platforms)
		bc.static = m
	}
	static := m.bits
	// The candidates live in bc.cands, whose capacity is fixed here so that
	// the pointers in out stay valid: at most n pass, plus the penalized.
	bc.cands = slices.Grow(bc.cands[:0], n+len(bc.pen))
	bc.out = bc.out[:0]
	si := s.svcIndexOf(bc.svc)
	// The service's counts in ascending order, with the implicit zero
	// bucket in its place.
	counts := append(bc.counts[:0], 0)
	if si != nil {
		counts = counts[:0]
		zero := false
		for _, c := range si.sorted {
			if c > 0 && !zero {
				counts, zero = append(counts, 0), true
			}
			counts = append(counts, c)
		}
		if !zero {
			counts = append(counts, 0)
		}
	}
	bc.counts = counts
	small := bc.small[:0]
	for _, sc := range counts {
		if bc.maxRep > 0 && (sc < 0 || uint64(sc) >= bc.maxRep) {
			continue // MaxReplicas fails on every node of this bucket
		}
		// bucketWord(w) is word w of this bucket's bitset; the zero bucket
		// is the complement of the service's nodes.
		var bk bitset
		pop, lo, nw := s.live, 0, len(static)
		if sc != 0 {
			b := si.bucket(sc)
			bk, pop, lo, nw = b.bits, b.pop, b.lo, min(nw, b.hi)
		} else if si != nil {
			pop = s.live - si.pop
		}
		if pop <= 0 {
			continue
		}
		bucketWord := func(w int) uint64 {
			if sc != 0 {
				return bk[w]
			}
			if si != nil {
				return ^si.any.word(w)
			}
			return ^uint64(0)
		}
		if pop <= smallBucket {
			// Few nodes: gather them and order them by total tasks, then
			// join order.
			small = small[:0]
			for w := lo; w < nw; w++ {
				for x := static[w] & bucketWord(w); x != 0; x &= x - 1 {
					small = append(small, w<<6|bits.TrailingZeros64(x))
				}
			}
			bc.small = small
			slices.SortFunc(small, func(a, b int) int {
				if ta, tb := s.slots[a].total, s.slots[b].total; ta != tb {
					return cmpInt32(ta, tb)
				}
				return a - b
			})
			for _, slot := range small {
				if bc.try(slot, n) {
					return bc.out
				}
			}
			continue
		}
		// Many nodes: walk the totals buckets in ascending order and
		// intersect, a word (64 nodes) at a time.
		for _, tc := range s.totals.sorted {
			tb := s.totals.bucket(tc).bits
			for w := lo; w < min(nw, len(tb)); w++ {
				for x := static[w] & tb[w] & bucketWord(w); x != 0; x &= x - 1 {
					if bc.try(w<<6|bits.TrailingZeros64(x), n) {
						return bc.out
					}
				}
			}
		}
	}
	out := bc.out
	if len(bc.pen) > 0 {
		var pen []*cand
		for slot := range bc.pen { // sorted below: order-independent
			if !static.has(slot) {
				continue
			}
			bc.cands = append(bc.cands, bc.newCand(s.slots[slot]))
			c := &bc.cands[len(bc.cands)-1]
			c.staticOK = true
			if bc.firstFailing(c) == filterNone {
				pen = append(pen, c)
			} else {
				bc.cands = bc.cands[:len(bc.cands)-1]
			}
		}
		slices.SortFunc(pen, func(a, b *cand) int {
			if orderLess(a, b) {
				return -1
			}
			return 1
		})
		for _, c := range pen {
			if len(out) == n {
				break
			}
			out = append(out, c)
		}
	}
	bc.out = out
	return out
}

// try is one step of indexedCandidates' walk: it adds the node at slot to
// bc.out if it is not penalized and passes every filter, and reports
// whether bc.out now holds n nodes.
func (bc *batchCtx) try(slot, n int) bool {
	if bc.pen != nil {
		if _, ok := bc.pen[slot]; ok {
			return false
		}
	}
	bc.cands = bc.cands[:len(bc.cands)+1] // within the capacity fixed by indexedCandidates
	c := &bc.cands[len(bc.cands)-1]
	bc.initCand(c, bc.s.slots[slot])
	c.staticOK = true
	if bc.firstFailing(c) != filterNone {
		bc.cands = bc.cands[:len(bc.cands)-1]
		return false
	}
	bc.out = append(bc.out, c)
	return len(bc.out) == n
}

// schedulePlainOnly is Schedule without the indexed search: SwarmKit's
// algorithm as written, for tests that compare the two.
func (s *Set) schedulePlainOnly(now time.Time, b Batch) []Decision {
	bc := s.newBatch(now, &b)
	defer bc.done()
	bc.decisions = make([]Decision, len(b.TaskIDs))
	bc.resetQueue()
	if len(b.TaskIDs) == 0 {
		return bc.decisions
	}
	return bc.schedulePlain()
}

// smallBucket is the bucket size up to which indexedCandidates gathers a
// bucket's nodes and sorts them rather than walking the totals buckets.
const smallBucket = 32

func cmpInt32(a, b int32) int {
	if a < b {
		return -1
	}
	return 1
}
