package timeline

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim"
)

// ev builds a trace by hand: each line is "SECONDS KIND FIELD=VALUE ...".
func ev(t *testing.T, lines ...string) []swarmsim.Event {
	t.Helper()
	var out []swarmsim.Event
	for i, l := range lines {
		f := strings.Fields(l)
		var sec float64
		fmt.Sscanf(f[0], "%g", &sec)
		k, err := swarmsim.ParseEventKind(f[1])
		if err != nil {
			t.Fatal(err)
		}
		e := swarmsim.Event{Seq: uint64(i + 1), Time: swarmsim.DefaultEpoch().Add(time.Duration(sec * 1e9)), Kind: k}
		for _, kv := range f[2:] {
			key, v, _ := strings.Cut(kv, "=")
			switch key {
			case "svc":
				e.Service, e.ServiceID = v, "id-"+v
			case "task":
				e.Task = v
				e.TaskID = "id-" + v
			case "id":
				e.TaskID = v
			case "slot":
				fmt.Sscan(v, &e.Slot)
			case "image":
				e.Image = v
			case "node":
				e.Node, e.NodeID = v, "nid-"+v
			case "from":
				e.From = v
			case "to":
				e.To = v
			case "msg":
				e.Message = v
			}
		}
		out = append(out, e)
	}
	return out
}

// A stop-first replacement: the new task is created while the old one is
// still running (being stopped), so the slot has two lanes; a restart after
// a failure comes after the failed task ended, and takes its lane again.
func TestLanes(t *testing.T) {
	events := ev(t,
		"0 service-created svc=web",
		"0 task-created svc=web task=web.1 id=a slot=1 image=v1 to=running",
		"2 task-state svc=web task=web.1 id=a slot=1 from=starting to=running node=n1",
		"7 task-desired svc=web task=web.1 id=a slot=1 from=running to=shutdown",
		"7 task-created svc=web task=web.1 id=b slot=1 image=v2 to=ready",
		"10 task-state svc=web task=web.1 id=a slot=1 from=running to=shutdown",
		"11 task-state svc=web task=web.1 id=b slot=1 from=starting to=running",
		"14 task-state svc=web task=web.1 id=b slot=1 from=running to=failed",
		"19 task-created svc=web task=web.1 id=c slot=1 image=v2 to=running",
		"25 task-deleted svc=web task=web.1 id=a slot=1",
	)
	m, err := build(slices.Values(events), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := m.groups[0].rows[0]
	type lane struct {
		id                       string
		lane                     int
		created, end, stop, draw int64
	}
	var got []lane
	for _, b := range r.bars {
		got = append(got, lane{b.id, b.lane, b.created / 1e9, b.end / 1e9, b.stopAt / 1e9, b.drawEnd / 1e9})
	}
	n := int64(never) / 1e9
	want := []lane{
		// a ends at 10s, the slot's newer task (b) exists: drawn to 10s.
		{"a", 0, 0, 10, 7, 10},
		// b failed at 14s; c replaces it at 19s: the failure shows 14..19s.
		{"b", 1, 7, 14, n, 19},
		{"c", 0, 19, n, n, 25},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(lane{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if r.lanes != 2 || r.label != "web.1" {
		t.Errorf("row %q has %d lanes", r.label, r.lanes)
	}
	if m.to != 25e9 {
		t.Errorf("span ends at %d, want the last event (25s)", m.to)
	}
}

// Global services have a row per node, named after the node, in name order;
// replicated rows are in slot order whatever the order of creation.
func TestRows(t *testing.T) {
	events := ev(t,
		"0 node-added node=zeta to=ready",
		"0 node-added node=alpha to=ready",
		"0 task-created svc=agent task=agent.nid-zeta to=running image=a",
		"0 task-created svc=agent task=agent.nid-alpha to=running image=a",
		"0 task-created svc=web task=web.10 slot=10 to=running image=w",
		"0 task-created svc=web task=web.2 slot=2 to=running image=w",
		"1 task-created svc=web task=web.1 slot=1 to=running image=w",
	)
	m, err := build(slices.Values(events), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range m.groups {
		got = append(got, fmt.Sprintf("%s global=%v", g.name, g.global))
		for _, r := range g.rows {
			got = append(got, "  "+r.label)
		}
	}
	want := []string{"agent global=true", "  alpha", "  zeta", "web global=false", "  web.1", "  web.2", "  web.10"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(m.nodes) != 0 {
		t.Errorf("nodes that only joined get rows: %d", len(m.nodes))
	}
}

// The span and the service filter: events after To are ignored, tasks gone
// before From are left out, a service named in the filter must exist.
func TestSpanAndFilter(t *testing.T) {
	events := ev(t,
		"0 task-created svc=web task=web.1 id=a slot=1 to=running",
		"0 task-created svc=db task=db.1 id=d slot=1 to=running",
		"5 task-state svc=web task=web.1 id=a slot=1 from=running to=shutdown",
		"6 task-deleted svc=web task=web.1 id=a slot=1",
		"6 task-created svc=web task=web.1 id=b slot=1 to=running",
		"20 task-created svc=web task=web.2 id=c slot=2 to=running",
		"30 node-state node=n1 from=ready to=down",
	)
	for _, tc := range []struct {
		name  string
		opts  Options
		want  []string
		nodes int
		err   string
	}{
		{name: "all", opts: Options{}, want: []string{"web.1 a,b", "web.2 c", "db.1 d"}, nodes: 1},
		{name: "to 10s", opts: Options{To: 10 * time.Second}, want: []string{"web.1 a,b", "db.1 d"}},
		{name: "from 7s", opts: Options{From: 7 * time.Second, To: 25 * time.Second}, want: []string{"web.1 b", "web.2 c", "db.1 d"}},
		{name: "db", opts: Options{Services: []string{"db"}}, want: []string{"db.1 d"}, nodes: 1},
		{name: "unknown", opts: Options{Services: []string{"web", "nosuch"}}, err: "timeline: no service nosuch in the trace"},
		{name: "to before from", opts: Options{From: 5 * time.Second, To: time.Second}, err: "timeline: To 1s is before From 5s"},
		{name: "from before epoch", opts: Options{From: -time.Second}, err: "timeline: From -1s is before the epoch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := build(slices.Values(events), tc.opts)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range m.groups {
				for _, r := range g.rows {
					var ids []string
					for _, b := range r.bars {
						ids = append(ids, b.id)
					}
					got = append(got, r.label+" "+strings.Join(ids, ","))
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(m.nodes) != tc.nodes {
				t.Errorf("%d node rows, want %d", len(m.nodes), tc.nodes)
			}
		})
	}
}

// Node rows: a node's state over time, from what the manager sees (ready,
// down), the machine (stopped) and its availability (pause, drain).
func TestNodeStates(t *testing.T) {
	events := ev(t,
		"0 node-added node=w1 to=ready",
		"10 node-stopped node=w1",
		"25 node-state node=w1 from=ready to=down",
		"30 node-started node=w1",
		"31 node-state node=w1 from=down to=ready",
		"40 node-availability node=w1 from=active to=drain",
		"50 node-availability node=w1 from=drain to=active",
	)
	m, err := build(slices.Values(events), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range m.nodes[0].segs {
		got = append(got, fmt.Sprintf("%s %s", dur(s.at), s.state))
	}
	want := []string{"0s ready", "10s stopped", "25s down", "31s ready", "40s drain", "50s ready"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDur(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"}, {500 * time.Millisecond, "0.5s"}, {time.Second, "1s"}, {45 * time.Second, "45s"},
		{time.Minute, "1m"}, {90 * time.Second, "1m30s"}, {time.Hour + 2*time.Minute, "1h2m"},
		{1500 * time.Millisecond, "1.5s"}, {time.Microsecond, "1000ns"}, {-time.Second, "-1s"},
		{61*time.Second + 250*time.Millisecond, "1m1.25s"},
	} {
		if got := dur(int64(tc.d)); got != tc.want {
			t.Errorf("dur(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// Ticks are round steps at least 64 pixels apart.
func TestTickStep(t *testing.T) {
	for _, tc := range []struct {
		span  time.Duration
		plotW float64
		want  time.Duration
	}{
		{25 * time.Second, 800, 2 * time.Second},
		{75 * time.Second, 850, 10 * time.Second},
		{250 * time.Second, 700, 30 * time.Second},
		{time.Hour, 800, 5 * time.Minute},
		{time.Second, 800, 100 * time.Millisecond},
	} {
		if got := tickStep(int64(tc.span), tc.plotW); got != int64(tc.want) {
			t.Errorf("tickStep(%s, %g) = %s, want %s", tc.span, tc.plotW, time.Duration(got), tc.want)
		}
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", -0.01: "0", 1.25: "1.3", 100: "100", 12.34: "12.3", -3.5: "-3.5"} {
		if got := num(v); got != want {
			t.Errorf("num(%g) = %q, want %q", v, got, want)
		}
	}
}
