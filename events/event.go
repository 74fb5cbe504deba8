package events

import (
	"log/slog"
	"strconv"
	"time"
)

// Event is one state change of the simulation, at its virtual time.
type Event struct {
	Seq       uint64    // the event's sequence number in its cluster, from 1
	Time      time.Time // the virtual time
	Kind      Kind
	ServiceID string
	Service   string // the service's name
	TaskID    string
	Task      string // the task's name, e.g. redis.1
	Slot      uint64 // the task's slot (0 for global tasks)
	Image     string // the task's image
	NodeID    string
	Node      string // the node's name
	From, To  string // states, availabilities or update states, by kind
	Message   string
	Err       string
}

// String renders an event in the trace's stable text form: the virtual time
// of day (15:04:05.000, in UTC), the kind, and the fields that kind carries.
func (e Event) String() string {
	return string(e.AppendText(nil, time.Time{}))
}

// Text renders an event as one line of a cluster's TraceText: the virtual
// time in seconds since epoch, the kind, and the fields that kind carries.
// A zero epoch gives the time of day instead, as String does.
func (e Event) Text(epoch time.Time) string {
	return string(e.AppendText(nil, epoch))
}

// AppendText appends Text(epoch) to b, without its own allocation: what a
// trace of many events is rendered with.
func (e Event) AppendText(b []byte, epoch time.Time) []byte {
	if !epoch.IsZero() {
		// "%9.3fs": the seconds, right-aligned in 9 columns.
		start := len(b)
		b = strconv.AppendFloat(b, e.Time.Sub(epoch).Seconds(), 'f', 3, 64)
		b = padLeft(b, start, 9)
		b = append(b, "s "...)
	} else {
		b = e.Time.UTC().AppendFormat(b, "15:04:05.000")
		b = append(b, ' ')
	}
	// "%-17s": the kind, left-aligned in 17 columns.
	start := len(b)
	b = append(b, e.Kind.String()...)
	for len(b)-start < 17 {
		b = append(b, ' ')
	}
	switch {
	case e.TaskID != "":
		b = append(append(append(b, ' '), e.Task...), ' ')
		b = append(b, short(e.TaskID)...)
		if e.Node != "" {
			b = append(append(b, " @"...), e.Node...)
		}
	case e.Kind.isNode(), e.Kind == Leader && e.NodeID != "":
		b = append(append(append(b, ' '), e.Node...), ' ')
		b = append(b, short(e.NodeID)...)
	case e.ServiceID != "":
		b = append(append(append(b, ' '), e.Service...), ' ')
		b = append(b, short(e.ServiceID)...)
	}
	if e.From != "" || e.To != "" {
		if e.From != "" {
			b = append(append(append(b, ' '), orNone(e.From)...), " ->"...)
		}
		b = append(append(b, ' '), orNone(e.To)...)
	}
	if e.Message != "" {
		b = strconv.AppendQuote(append(b, ' '), e.Message)
	}
	if e.Err != "" {
		b = strconv.AppendQuote(append(b, " err="...), e.Err)
	}
	return b
}

// padLeft right-aligns b[start:] in width columns (bytes), as fmt pads a
// number.
func padLeft(b []byte, start, width int) []byte {
	n := len(b) - start
	if n >= width {
		return b
	}
	pad := width - n
	for range pad {
		b = append(b, ' ')
	}
	copy(b[start+pad:], b[start:start+n])
	for i := start; i < start+pad; i++ {
		b[i] = ' '
	}
	return b
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// short is an ID as Docker's tables show it: its first 12 characters.
func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// LogRecord is the log/slog record of the event, as a cluster hands it to
// its Config.Logger: at the virtual time, level INFO, the kind's name as
// the message, and the event's non-empty fields as attributes, in the order
// the JSONL schema (see Version) lists them.
func (e Event) LogRecord() slog.Record {
	r := slog.NewRecord(e.Time, slog.LevelInfo, e.Kind.String(), 0)
	a := make([]slog.Attr, 1, 13)
	a[0] = slog.Uint64("seq", e.Seq)
	add := func(k, v string) {
		if v != "" {
			a = append(a, slog.String(k, v))
		}
	}
	add("service", e.Service)
	add("service_id", e.ServiceID)
	add("task", e.Task)
	add("task_id", e.TaskID)
	if e.Slot != 0 {
		a = append(a, slog.Uint64("slot", e.Slot))
	}
	add("image", e.Image)
	add("node", e.Node)
	add("node_id", e.NodeID)
	add("from", e.From)
	add("to", e.To)
	add("message", e.Message)
	add("err", e.Err)
	r.AddAttrs(a...)
	return r
}
