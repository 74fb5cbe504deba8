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
