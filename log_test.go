package swarmsim

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// With a logger configured, every trace event becomes a structured record
// stamped with the virtual time, so logs are as deterministic as the trace.
func TestLoggerGetsEventsInVirtualTime(t *testing.T) {
	var buf bytes.Buffer
	c := New(Config{Seed: 1, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	c.AddNode(NodeConfig{Hostname: "manager"})
	c.CreateService(ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: TaskSpec{Image: "nginx"}})
	c.RunFor(time.Minute)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(c.Events()) {
		t.Fatalf("%d log records for %d events", len(lines), len(c.Events()))
	}
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatal(err)
	}
	if last["time"] != "2000-01-01T00:00:02Z" || last["msg"] != "task-state" || last["to"] != "running" || last["task"] != "web.1" || last["image"] != "nginx" {
		t.Fatalf("last record %v", last)
	}
}
