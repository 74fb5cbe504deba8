package scheduler

// Groups gathers the tasks waiting for a node into batches, as SwarmKit's
// scheduler does before it places them (manager/scheduler/scheduler.go:
// Scheduler.tick groups the unassigned tasks by service and spec version,
// and scheduleTaskGroup places each group as one batch). A batch holds the
// tasks of one key (a spec version), batches come in the order their first
// task was added, and tasks within a batch in the order they were added.
//
// The zero value is ready to use. Reset empties it for the next pass and
// keeps its buffers, unless a large pass grew them: placing a new service's
// 100,000 tasks does not keep their scratch alive for good.
type Groups[K comparable, T any] struct {
	keys  []K
	tasks [][]T
	byKey map[K]int // built only once there are more than a few groups
	spare [][]T     // emptied task buffers for the next groups
}

// manyGroups is the number of groups past which Add finds a key's group
// by a map rather than by a walk.
const manyGroups = 8

// maxKept is the capacity past which Reset drops a buffer.
const maxKept = 4096

// Add adds a task to its key's group, which starts a new group at the end
// when the key has none yet.
func (g *Groups[K, T]) Add(k K, t T) {
	i := g.find(k)
	if i < 0 {
		i = len(g.keys)
		g.keys = append(g.keys, k)
		var buf []T
		if n := len(g.spare); n > 0 {
			buf, g.spare = g.spare[n-1], g.spare[:n-1]
		}
		g.tasks = append(g.tasks, buf)
		if g.byKey != nil {
			g.byKey[k] = i
		} else if len(g.keys) > manyGroups {
			g.byKey = make(map[K]int, len(g.keys))
			for j, key := range g.keys {
				g.byKey[key] = j
			}
		}
	}
	g.tasks[i] = append(g.tasks[i], t)
}

func (g *Groups[K, T]) find(k K) int {
	if g.byKey != nil {
		if i, ok := g.byKey[k]; ok {
			return i
		}
		return -1
	}
	for i, key := range g.keys {
		if key == k {
			return i
		}
	}
	return -1
}

// Len is the number of groups.
func (g *Groups[K, T]) Len() int { return len(g.keys) }

// Group returns the i-th group's key and tasks. The caller may reorder the
// tasks; they are the group's until Reset.
func (g *Groups[K, T]) Group(i int) (K, []T) { return g.keys[i], g.tasks[i] }

// Reset empties the groups for the next pass.
func (g *Groups[K, T]) Reset() {
	for i, buf := range g.tasks {
		clear(buf) // drop the references to the tasks
		if cap(buf) <= maxKept {
			g.spare = append(g.spare, buf[:0])
		}
		g.tasks[i] = nil
	}
	clear(g.keys)
	g.keys, g.tasks, g.byKey = g.keys[:0], g.tasks[:0], nil
}
