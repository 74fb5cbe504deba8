package trace

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/events"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
	"github.com/swarmsim/swarmsim/updater"
)

// A record expands back into the event it was made from: its subjects'
// names, a global task's name from its node, and From and To named as its
// kind's states.
func TestEvent(t *testing.T) {
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	var s Store
	web := s.SetService(0, "svc-web", "web")
	agent := s.SetService(1, "svc-agent", "agent")
	if again := s.SetService(0, "other", "other"); again != web {
		t.Errorf("SetService again = %d, want %d", again, web)
	}
	mgr := s.SetNode(3, &node.Node{ID: "node-m", Description: node.Description{Hostname: "manager"}})
	rep := s.SetTask(0, &task.Task{ID: "task-1", Slot: 2, Image: "web:1"}, web)
	// A global task is created on its node, whose ID ends its name.
	glob := s.SetTask(5000, &task.Task{ID: "task-g", NodeID: "node-m", Image: "agent:1"}, agent)

	rec := func(kind events.Kind, from, to uint16, subj, nd int32, msg, err string) Rec {
		r := MakeRec(int64(1500*time.Millisecond), uint8(kind), from, to)
		r.Subj, r.Node, r.Text = subj, nd, s.Text(msg, err)
		return r
	}
	at := epoch.Add(1500 * time.Millisecond)
	for _, tc := range []struct {
		name string
		r    Rec
		want events.Event
	}{
		{"task state", rec(events.TaskState, uint16(task.Starting), uint16(task.Running), rep, mgr, "started", ""),
			events.Event{Seq: 7, Time: at, Kind: events.TaskState, ServiceID: "svc-web", Service: "web", TaskID: "task-1", Task: "web.2", Slot: 2,
				Image: "web:1", NodeID: "node-m", Node: "manager", From: "starting", To: "running", Message: "started"}},
		{"global task created", rec(events.TaskCreated, 0, uint16(task.Running), glob, 0, "", ""),
			events.Event{Seq: 7, Time: at, Kind: events.TaskCreated, ServiceID: "svc-agent", Service: "agent", TaskID: "task-g", Task: "agent.node-m",
				Image: "agent:1", To: "running"}},
		{"task desired", rec(events.TaskDesired, uint16(task.Running), uint16(task.Shutdown), rep, 0, "", "boom"),
			events.Event{Seq: 7, Time: at, Kind: events.TaskDesired, ServiceID: "svc-web", Service: "web", TaskID: "task-1", Task: "web.2", Slot: 2,
				Image: "web:1", From: "running", To: "shutdown", Err: "boom"}},
		{"node availability", rec(events.NodeAvailability, uint16(node.Active), uint16(node.Drain), 0, mgr, "", ""),
			events.Event{Seq: 7, Time: at, Kind: events.NodeAvailability, NodeID: "node-m", Node: "manager", From: "active", To: "drain"}},
		{"node added", rec(events.NodeAdded, 0, uint16(node.Ready), 0, mgr, "", ""),
			events.Event{Seq: 7, Time: at, Kind: events.NodeAdded, NodeID: "node-m", Node: "manager", To: "ready"}},
		{"node state", rec(events.NodeState, uint16(node.Ready), uint16(node.Down), 0, mgr, "", ""),
			events.Event{Seq: 7, Time: at, Kind: events.NodeState, NodeID: "node-m", Node: "manager", From: "ready", To: "down"}},
		{"update status", rec(events.UpdateStatus, uint16(updater.Updating), uint16(updater.Paused), web, 0, "paused", ""),
			events.Event{Seq: 7, Time: at, Kind: events.UpdateStatus, ServiceID: "svc-web", Service: "web", From: "updating", To: "paused", Message: "paused"}},
		{"service removed: no states", rec(events.ServiceRemoved, 3, 4, web, 0, "", ""),
			events.Event{Seq: 7, Time: at, Kind: events.ServiceRemoved, ServiceID: "svc-web", Service: "web"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, s.Event(7, &tc.r, epoch)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
