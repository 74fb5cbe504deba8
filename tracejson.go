package swarmsim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// TraceVersion is the version of the JSONL trace schema that WriteTrace
// writes and ReadTrace reads. The schema, version 1:
//
// A trace file holds one JSON object per line, one line per Event, in the
// order the cluster recorded them. It is exactly what log/slog's JSON handler
// writes for the records the cluster emits when Config.Logger is set:
//
//	cfg.Logger = slog.New(slog.NewJSONHandler(w, nil))
//
// and WriteTrace writes the same bytes from a slice of events, so a trace
// captured live and one exported afterwards are interchangeable. A line looks
// like
//
//	{"time":"2000-01-01T00:00:07Z","level":"INFO","msg":"task-state","seq":36,"service":"redis","service_id":"529suzv87vcgc92tcsemi5rls","task":"redis.1","task_id":"2lzpl2ezxjqqdbgoualsuz9eg","slot":1,"image":"redis:3.0.7","node":"manager","node_id":"2n6viyeej66csb9skb3ju51vy","from":"accepted","to":"preparing","message":"preparing"}
//
// Fields, in the order they are written:
//
//	time        string, required  the virtual time (RFC 3339 with nanoseconds, as time.RFC3339Nano): Event.Time
//	level       string            always "INFO"; ignored by the reader
//	msg         string, required  the event kind's name (EventKind.String, e.g. "task-state"): Event.Kind
//	seq         number, required  the event's sequence number, from 1: Event.Seq
//	service     string            Event.Service (the service's name)
//	service_id  string            Event.ServiceID
//	task        string            Event.Task (the task's name: redis.1, or agent.<node ID> for global services)
//	task_id     string            Event.TaskID
//	slot        number            Event.Slot (absent for 0: global tasks and non-task events)
//	image       string            Event.Image
//	node        string            Event.Node (the node's hostname)
//	node_id     string            Event.NodeID
//	from        string            Event.From (the previous task state, availability, node state or update state)
//	to          string            Event.To (the new one)
//	message     string            Event.Message
//	err         string            Event.Err
//
// Every optional field is left out when it is empty (or 0). Task and node
// states, availabilities and update states use Docker's lower-case names
// ("running", "drain", "down", "rollback_started"); an update status that
// had none is "" (the field is absent).
//
// Versioning: the field list above is version 1. The cluster does not write
// a version field today; a later version that changes the meaning of a field
// will add "v":2 to every line. ReadTrace takes a line without "v", or with
// "v":1, as version 1 and refuses any other version. It is strict about the
// required fields (time, msg, seq) and about the types of the fields it
// knows, and ignores fields it does not know, so a newer writer may add
// fields without breaking older readers.
const TraceVersion = 1

// maxTraceLine bounds one line of a trace file.
const maxTraceLine = 1 << 20

// ParseEventKind returns the kind whose name (EventKind.String) is s, e.g.
// "task-state".
func ParseEventKind(s string) (EventKind, error) {
	for k, name := range eventKindNames() {
		if name != "" && name == s {
			return EventKind(k), nil
		}
	}
	return 0, fmt.Errorf("unknown event kind %q", s)
}

// traceRecord is the slog record of an event: what the cluster hands its
// Logger.
func traceRecord(e Event) slog.Record {
	rec := slog.NewRecord(e.Time, slog.LevelInfo, e.Kind.String(), 0)
	rec.AddAttrs(e.attrs()...)
	return rec
}

// WriteTrace writes events as a JSONL trace (version 1): the very lines that
// slog.NewJSONHandler writes for a cluster whose Config.Logger is
// slog.New(slog.NewJSONHandler(w, nil)). An event of an unknown kind, or
// whose time cannot be written in RFC 3339 (a year outside 0..9999) or is the
// zero time (which slog leaves out), is an
// error, since ReadTrace could not read it back.
func WriteTrace(w io.Writer, events []Event) error {
	bw := bufio.NewWriter(w)
	h := slog.NewJSONHandler(bw, nil)
	for i := range events {
		e := &events[i]
		if _, err := ParseEventKind(e.Kind.String()); err != nil {
			return fmt.Errorf("event %d: %w", e.Seq, err)
		}
		if y := e.Time.Year(); y < 0 || y > 9999 {
			return fmt.Errorf("event %d: time %s has a year outside 0..9999", e.Seq, e.Time)
		}
		if e.Time.IsZero() {
			// slog leaves the time out of a record at the zero time, and a
			// line without one could not be read back.
			return fmt.Errorf("event %d: the zero time cannot be written", e.Seq)
		}
		if err := h.Handle(context.Background(), traceRecord(*e)); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// traceLine is one line of the trace as JSON: pointers tell absent required
// fields from zero values.
type traceLine struct {
	V         *int64  `json:"v"`
	Time      *string `json:"time"`
	Msg       *string `json:"msg"`
	Seq       *uint64 `json:"seq"`
	Service   string  `json:"service"`
	ServiceID string  `json:"service_id"`
	Task      string  `json:"task"`
	TaskID    string  `json:"task_id"`
	Slot      uint64  `json:"slot"`
	Image     string  `json:"image"`
	Node      string  `json:"node"`
	NodeID    string  `json:"node_id"`
	From      string  `json:"from"`
	To        string  `json:"to"`
	Message   string  `json:"message"`
	Err       string  `json:"err"`
}

// ReadTrace reads a JSONL trace (version 1, see the schema in tracejson.go)
// back into events: the inverse of WriteTrace and of a cluster's slog JSON
// output. Blank lines are skipped; unknown fields are ignored; a missing
// required field (time, msg, seq), a field of the wrong type, an unknown
// event kind or another schema version is an error naming the line.
func ReadTrace(r io.Reader) ([]Event, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxTraceLine)
	var out []Event
	n := 0
	for sc.Scan() {
		n++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		e, err := parseTraceLine(b)
		if err != nil {
			return out, fmt.Errorf("trace line %d: %w", n, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return out, fmt.Errorf("trace line %d: longer than %d bytes", n+1, maxTraceLine)
		}
		return out, err
	}
	return out, nil
}

func parseTraceLine(b []byte) (Event, error) {
	if b[0] != '{' {
		return Event{}, errors.New("not a JSON object")
	}
	var l traceLine
	if err := json.Unmarshal(b, &l); err != nil {
		return Event{}, err
	}
	if l.V != nil && *l.V != TraceVersion {
		return Event{}, fmt.Errorf("unsupported trace version %d (this reader knows version %d)", *l.V, TraceVersion)
	}
	switch {
	case l.Time == nil:
		return Event{}, errors.New(`missing required field "time"`)
	case l.Msg == nil:
		return Event{}, errors.New(`missing required field "msg"`)
	case l.Seq == nil:
		return Event{}, errors.New(`missing required field "seq"`)
	}
	t, err := time.Parse(time.RFC3339Nano, *l.Time)
	if err != nil {
		return Event{}, fmt.Errorf(`field "time": %w`, err)
	}
	kind, err := ParseEventKind(*l.Msg)
	if err != nil {
		return Event{}, fmt.Errorf(`field "msg": %w`, err)
	}
	return Event{
		Seq: *l.Seq, Time: t, Kind: kind,
		ServiceID: l.ServiceID, Service: l.Service,
		TaskID: l.TaskID, Task: l.Task, Slot: l.Slot, Image: l.Image,
		NodeID: l.NodeID, Node: l.Node,
		From: l.From, To: l.To, Message: l.Message, Err: l.Err,
	}, nil
}
