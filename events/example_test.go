package events_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/swarmsim/swarmsim/events"
)

// An event in its text form, as a cluster's TraceText prints it, and as a
// line of a JSONL trace.
func ExampleWrite() {
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	e := events.Event{Seq: 36, Time: epoch.Add(7 * time.Second), Kind: events.TaskState,
		ServiceID: "529suzv87vcgc92tcsemi5rls", Service: "redis",
		TaskID: "2lzpl2ezxjqqdbgoualsuz9eg", Task: "redis.1", Slot: 1, Image: "redis:3.0.7",
		NodeID: "2n6viyeej66csb9skb3ju51vy", Node: "manager",
		From: "accepted", To: "preparing", Message: "preparing"}
	fmt.Println(e.Text(epoch))
	if err := events.Write(os.Stdout, []events.Event{e}); err != nil {
		fmt.Println(err)
	}
	// Output:
	//     7.000s task-state        redis.1 2lzpl2ezxjqq @manager accepted -> preparing "preparing"
	// {"time":"2000-01-01T00:00:07Z","level":"INFO","msg":"task-state","seq":36,"service":"redis","service_id":"529suzv87vcgc92tcsemi5rls","task":"redis.1","task_id":"2lzpl2ezxjqqdbgoualsuz9eg","slot":1,"image":"redis:3.0.7","node":"manager","node_id":"2n6viyeej66csb9skb3ju51vy","from":"accepted","to":"preparing","message":"preparing"}
}

// Read takes the lines back; a bad line is an error that names it.
func ExampleRead() {
	trace := `{"time":"2000-01-01T00:00:15Z","level":"INFO","msg":"node-state","seq":40,"node":"worker2","node_id":"x1y2","from":"ready","to":"down"}
{"time":"2000-01-01T00:00:16Z","msg":"task-state","seq":41,"service":"web","task":"web.3","task_id":"t3","slot":3,"node":"worker2","from":"running","to":"orphaned","extra":true}
{"time":"2000-01-01T00:00:17Z","msg":"task-exploded","seq":42}
`
	evs, err := events.Read(strings.NewReader(trace))
	for _, e := range evs {
		fmt.Println(e)
	}
	fmt.Println(err)
	// Output:
	// 00:00:15.000 node-state        worker2 x1y2 ready -> down
	// 00:00:16.000 task-state        web.3 t3 @worker2 running -> orphaned
	// trace line 3: field "msg": unknown event kind "task-exploded"
}

// Kinds have Docker-style names, which ParseKind reads.
func ExampleParseKind() {
	k, err := events.ParseKind("update-status")
	fmt.Println(k == events.UpdateStatus, err)
	_, err = events.ParseKind("update")
	fmt.Println(err)
	// Output:
	// true <nil>
	// unknown event kind "update"
}
