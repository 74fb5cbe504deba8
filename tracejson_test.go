package swarmsim_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/updater"
)

// traceScenario drives a cluster through every kind of event the cluster
// records: nodes joining, draining, stopping and leaving, a replicated and a
// global service, a failing update that pauses, a rollback, a scale-down and
// a removal. The cluster logs to logger.
func traceScenario(t testing.TB, logger *slog.Logger) *swarmsim.Cluster {
	t.Helper()
	c := swarmsim.New(swarmsim.Config{Seed: 3, Logger: logger})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range []string{"manager", "worker1", "worker2"} {
		role := node.Worker
		if h == "manager" {
			role = node.Manager
		}
		_, err := c.AddNode(swarmsim.NodeConfig{Hostname: h, Role: role})
		must(err)
	}
	c.SetImage("web:broken", swarmsim.ImageBehavior{Pull: time.Second, Start: time.Second, ExitAfter: 3 * time.Second, ExitCode: 1, Stop: time.Second})
	c.SetImage("web:bad-ref", swarmsim.ImageBehavior{Pull: time.Second, FailOnStart: true})
	spec := swarmsim.ServiceSpec{Name: "web", Replicas: 3, TaskTemplate: swarmsim.TaskSpec{Image: "web:1"}}
	_, err := c.CreateService(spec)
	must(err)
	_, err = c.CreateService(swarmsim.ServiceSpec{Name: "agent", Mode: swarmsim.Global, TaskTemplate: swarmsim.TaskSpec{Image: "agent:1"}})
	must(err)
	c.RunFor(10 * time.Second)
	spec.TaskTemplate.Image = "web:broken"
	must(c.UpdateService("web", spec))
	c.RunFor(30 * time.Second)
	must(c.RollbackService("web"))
	c.RunFor(30 * time.Second)
	drain := node.Drain
	must(c.UpdateNode("worker1", swarmsim.NodeUpdate{Availability: &drain}))
	must(c.UpdateNode("manager", swarmsim.NodeUpdate{LabelAdd: map[string]string{"zone": "a"}}))
	c.RunFor(10 * time.Second)
	must(c.StopNode("worker2"))
	c.RunFor(30 * time.Second)
	must(c.StartNode("worker2"))
	c.RunFor(10 * time.Second)
	spec.TaskTemplate.Image = "web:bad-ref"
	spec.Update = &updater.Config{Parallelism: 2, FailureAction: updater.Continue, Monitor: 5 * time.Second, Order: updater.StartFirst}
	must(c.UpdateService("web", spec))
	c.RunFor(20 * time.Second)
	must(c.ScaleService("web", 1))
	c.RunFor(10 * time.Second)
	must(c.RemoveService("agent"))
	c.RunFor(10 * time.Second)
	must(c.RemoveNode("worker2", true))
	c.RunFor(10 * time.Second)
	return c
}

// The JSONL trace is what slog's JSON handler writes for the cluster's
// records: WriteTrace of the events gives the handler's bytes, line for line.
func TestWriteTraceEqualsLogger(t *testing.T) {
	var logged bytes.Buffer
	c := traceScenario(t, slog.New(slog.NewJSONHandler(&logged, nil)))
	events := c.Events()
	kinds := map[swarmsim.EventKind]bool{}
	for _, e := range events {
		kinds[e.Kind] = true
	}
	// Every kind the cluster records appears (EventRequest is not recorded).
	for k := swarmsim.EventNodeAdded; k < swarmsim.EventRequest; k++ {
		if !kinds[k] {
			t.Errorf("scenario has no %s event", k)
		}
	}
	var written bytes.Buffer
	if err := swarmsim.WriteTrace(&written, events); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(logged.String(), written.String()); diff != "" {
		t.Errorf("WriteTrace differs from the slog JSON handler (-want +got):\n%s", diff)
	}
	if n := strings.Count(written.String(), "\n"); n != len(events) {
		t.Errorf("%d lines for %d events", n, len(events))
	}
}

// Reading the trace back gives the same events, and writing those again the
// same bytes.
func TestReadTraceRoundTrip(t *testing.T) {
	var logged bytes.Buffer
	c := traceScenario(t, slog.New(slog.NewJSONHandler(&logged, nil)))
	got, err := swarmsim.ReadTrace(bytes.NewReader(logged.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c.Events(), got); diff != "" {
		t.Errorf("events read back differ (-want +got):\n%s", diff)
	}
	var again bytes.Buffer
	if err := swarmsim.WriteTrace(&again, got); err != nil {
		t.Fatal(err)
	}
	if again.String() != logged.String() {
		t.Errorf("rewritten trace differs from the original")
	}
}

// The reader is strict about the required fields and their types, tolerant
// of unknown fields and blank lines, and knows version 1 only.
func TestReadTraceLines(t *testing.T) {
	epoch := swarmsim.DefaultEpoch()
	for _, tc := range []struct {
		name, in string
		want     []swarmsim.Event
		err      string
	}{
		{name: "minimal", in: `{"time":"2000-01-01T00:00:01.5Z","msg":"node-stopped","seq":4}`,
			want: []swarmsim.Event{{Seq: 4, Time: epoch.Add(1500 * time.Millisecond), Kind: swarmsim.EventNodeStopped}}},
		{name: "unknown fields and blank lines", in: "\n" + `{"time":"2000-01-01T00:00:00Z","level":"INFO","msg":"task-state","seq":1,"slot":2,"to":"running","extra":{"a":[1]},"v":1}` + "\n\n",
			want: []swarmsim.Event{{Seq: 1, Time: epoch, Kind: swarmsim.EventTaskState, Slot: 2, To: "running"}}},
		{name: "nanoseconds", in: `{"time":"2000-01-01T00:01:00.000000001Z","msg":"request","seq":9}`,
			want: []swarmsim.Event{{Seq: 9, Time: epoch.Add(time.Minute + 1), Kind: swarmsim.EventRequest}}},
		{name: "no time", in: `{"msg":"task-state","seq":1}`, err: `trace line 1: missing required field "time"`},
		{name: "no msg", in: `{"time":"2000-01-01T00:00:00Z","seq":1}`, err: `trace line 1: missing required field "msg"`},
		{name: "no seq", in: `{"time":"2000-01-01T00:00:00Z","msg":"task-state"}`, err: `trace line 1: missing required field "seq"`},
		{name: "null seq", in: `{"time":"2000-01-01T00:00:00Z","msg":"task-state","seq":null}`, err: `trace line 1: missing required field "seq"`},
		{name: "unknown kind", in: "\n" + `{"time":"2000-01-01T00:00:00Z","msg":"task-exploded","seq":1}`, err: `trace line 2: field "msg": unknown event kind "task-exploded"`},
		{name: "bad time", in: `{"time":"yesterday","msg":"task-state","seq":1}`, err: `trace line 1: field "time": parsing time "yesterday" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "yesterday" as "2006"`},
		{name: "seq not a number", in: `{"time":"2000-01-01T00:00:00Z","msg":"task-state","seq":"1"}`, err: `trace line 1: json: cannot unmarshal string into Go struct field traceLine.seq of type uint64`},
		{name: "slot negative", in: `{"time":"2000-01-01T00:00:00Z","msg":"task-state","seq":1,"slot":-1}`, err: `trace line 1: json: cannot unmarshal number -1 into Go struct field traceLine.slot of type uint64`},
		{name: "version 2", in: `{"v":2,"time":"2000-01-01T00:00:00Z","msg":"task-state","seq":1}`, err: `trace line 1: unsupported trace version 2 (this reader knows version 1)`},
		{name: "not an object", in: `[1,2]`, err: `trace line 1: not a JSON object`},
		{name: "truncated", in: `{"time":"2000-01-01T00:00:00Z","msg":"task-st`, err: `trace line 1: unexpected end of JSON input`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := swarmsim.ReadTrace(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// WriteTrace refuses what ReadTrace could not read back.
func TestWriteTraceRefuses(t *testing.T) {
	for _, e := range []swarmsim.Event{
		{Seq: 1, Time: swarmsim.DefaultEpoch(), Kind: 0},
		{Seq: 1, Time: swarmsim.DefaultEpoch(), Kind: 200},
		{Seq: 1, Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Kind: swarmsim.EventNodeAdded},
	} {
		if err := swarmsim.WriteTrace(&bytes.Buffer{}, []swarmsim.Event{e}); err == nil {
			t.Errorf("WriteTrace(%v) wrote it", e)
		}
	}
}

// Every kind's name parses back to the kind.
func TestParseEventKind(t *testing.T) {
	for k := swarmsim.EventNodeAdded; k <= swarmsim.EventRequest; k++ {
		got, err := swarmsim.ParseEventKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseEventKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	for _, s := range []string{"", "event(0)", "Task-State", "task-state "} {
		if _, err := swarmsim.ParseEventKind(s); err == nil {
			t.Errorf("ParseEventKind(%q) accepted", s)
		}
	}
}

// FuzzReadTrace: no input panics, and whatever reads writes back to lines
// that read to the same events.
func FuzzReadTrace(f *testing.F) {
	var logged bytes.Buffer
	traceScenario(f, slog.New(slog.NewJSONHandler(&logged, nil)))
	for _, l := range strings.SplitAfter(logged.String(), "\n")[:40] {
		f.Add(l)
	}
	f.Add(`{"time":"2000-01-01T00:00:00Z","msg":"task-state","seq":1,"v":1,"slot":1e2}`)
	f.Fuzz(func(t *testing.T, in string) {
		events, err := swarmsim.ReadTrace(strings.NewReader(in))
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := swarmsim.WriteTrace(&b, events); err != nil {
			// Only a year out of RFC 3339's range, or the zero time, cannot
			// be written.
			return
		}
		again, err := swarmsim.ReadTrace(&b)
		if err != nil {
			t.Fatalf("rewritten trace does not read: %v\n%s", err, b.String())
		}
		if diff := cmp.Diff(events, again); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
	})
}

// A cluster logging through slog's JSON handler writes the JSONL trace as it
// runs; ReadTrace turns it back into events.
func ExampleReadTrace() {
	var trace bytes.Buffer
	c := swarmsim.New(swarmsim.Config{Seed: 1, Logger: slog.New(slog.NewJSONHandler(&trace, nil))})
	c.AddNode(swarmsim.NodeConfig{Hostname: "manager", Role: node.Manager})
	c.CreateService(swarmsim.ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: swarmsim.TaskSpec{Image: "nginx"}})
	c.RunFor(time.Minute)

	last := strings.Split(strings.TrimSpace(trace.String()), "\n")
	fmt.Println(last[len(last)-1][:130])
	events, err := swarmsim.ReadTrace(&trace)
	if err != nil {
		fmt.Println(err)
		return
	}
	e := events[len(events)-1]
	fmt.Println(len(events), e.Time.Sub(c.Epoch()), e.Kind, e.Task, e.From, "->", e.To)
	// Output:
	// {"time":"2000-01-01T00:00:02Z","level":"INFO","msg":"task-state","seq":10,"service":"web","service_id":"30qdbbpbifz4hejdiq0jtd8gy"
	// 10 2s task-state web.1 starting -> running
}
