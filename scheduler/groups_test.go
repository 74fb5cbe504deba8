package scheduler_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/scheduler"
)

// Groups come in the order of their first task, tasks in the order added,
// with few keys (walked) and many (mapped), and again after Reset.
func TestGroups(t *testing.T) {
	type group struct {
		Key   string
		Tasks []int
	}
	collect := func(g *scheduler.Groups[string, int]) []group {
		var out []group
		for i := range g.Len() {
			k, ts := g.Group(i)
			out = append(out, group{k, append([]int(nil), ts...)})
		}
		return out
	}
	for _, keys := range []int{1, 3, 8, 9, 40} {
		var g scheduler.Groups[string, int]
		for pass := range 2 {
			var want []group
			for i := range keys {
				want = append(want, group{Key: fmt.Sprint("v", keys-i)})
			}
			// tasks arrive interleaved: task n goes to key n%keys
			for n := range 5 * keys {
				k := n % keys
				g.Add(want[k].Key, n+pass)
				want[k].Tasks = append(want[k].Tasks, n+pass)
			}
			if d := cmp.Diff(want, collect(&g)); d != "" {
				t.Errorf("%d keys, pass %d (-want +got):\n%s", keys, pass, d)
			}
			g.Reset()
			if g.Len() != 0 {
				t.Errorf("%d keys: %d groups after Reset", keys, g.Len())
			}
		}
	}
}

// A group's buffer is reused after Reset, unless a large pass grew it.
func TestGroupsKeepSmallBuffers(t *testing.T) {
	var g scheduler.Groups[int, int]
	g.Add(1, 1)
	_, first := g.Group(0)
	g.Reset()
	g.Add(2, 2)
	if _, again := g.Group(0); &again[0] != &first[0] {
		t.Error("a small buffer was not reused")
	}
	g.Reset()
	for n := range 5000 {
		g.Add(1, n)
	}
	_, big := g.Group(0)
	g.Reset()
	g.Add(1, 1)
	if _, again := g.Group(0); &again[0] == &big[0] {
		t.Error("a large pass's buffer was kept")
	}
}

func ExampleGroups() {
	var g scheduler.Groups[string, string]
	for _, task := range []string{"web.1@v2", "db.1@v1", "web.2@v2", "web.3@v1"} {
		g.Add(task[len(task)-2:], task)
	}
	for i := range g.Len() {
		fmt.Println(g.Group(i))
	}
	// Output:
	// v2 [web.1@v2 web.2@v2]
	// v1 [db.1@v1 web.3@v1]
}
