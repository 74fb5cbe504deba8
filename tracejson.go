package swarmsim

import (
	"io"

	"github.com/swarmsim/swarmsim/events"
)

// TraceVersion is the version of the JSONL trace schema that WriteTrace
// writes and ReadTrace reads: events.Version, which documents the schema.
const TraceVersion = events.Version

// ParseEventKind returns the kind whose name (EventKind.String) is s, e.g.
// "task-state": events.ParseKind.
func ParseEventKind(s string) (EventKind, error) { return events.ParseKind(s) }

// WriteTrace writes events as a JSONL trace (version 1): the very lines that
// slog.NewJSONHandler writes for a cluster whose Config.Logger is
// slog.New(slog.NewJSONHandler(w, nil)). See events.Write.
func WriteTrace(w io.Writer, evs []Event) error { return events.Write(w, evs) }

// ReadTrace reads a JSONL trace (version 1) back into events: the inverse of
// WriteTrace and of a cluster's slog JSON output. See events.Read.
func ReadTrace(r io.Reader) ([]Event, error) { return events.Read(r) }
