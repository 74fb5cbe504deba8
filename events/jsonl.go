package events

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/swarmsim/swarmsim/errdefs"
)

// Version is the version of the JSONL trace schema that Write writes and
// Read reads. The schema, version 1:
//
// A trace file holds one JSON object per line, one line per Event, in the
// order the cluster recorded them. It is exactly what log/slog's JSON handler
// writes for the records a cluster emits (Event.LogRecord) when its
// Config.Logger is set:
//
//	cfg.Logger = slog.New(slog.NewJSONHandler(w, nil))
//
// and Write writes the same bytes from a slice of events, so a trace
// captured live and one exported afterwards are interchangeable. A line looks
// like
//
//	{"time":"2000-01-01T00:00:07Z","level":"INFO","msg":"task-state","seq":36,"service":"redis","service_id":"529suzv87vcgc92tcsemi5rls","task":"redis.1","task_id":"2lzpl2ezxjqqdbgoualsuz9eg","slot":1,"image":"redis:3.0.7","node":"manager","node_id":"2n6viyeej66csb9skb3ju51vy","from":"accepted","to":"preparing","message":"preparing"}
//
// Fields, in the order they are written:
//
//	time        string, required  the virtual time (RFC 3339 with nanoseconds, as time.RFC3339Nano): Event.Time
//	level       string            always "INFO"; ignored by the reader
//	msg         string, required  the event kind's name (Kind.String, e.g. "task-state"): Event.Kind
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
// had none is "" (the field is absent). Strings are escaped as slog escapes
// them: '"', '\\' and control characters, invalid UTF-8 as \ufffd, and
// U+2028 and U+2029.
//
// Versioning: the field list above is version 1. The cluster does not write
// a version field today; a later version that changes the meaning of a field
// will add "v":2 to every line. Read takes a line without "v", or with
// "v":1, as version 1 and refuses any other version. It is strict about the
// required fields (time, msg, seq) and about the types of the fields it
// knows, and ignores fields it does not know, so a newer writer may add
// fields without breaking older readers.
const Version = 1

// MaxLine bounds one line of a trace file, in bytes: Read refuses a longer
// one.
const MaxLine = 1 << 20

// flushAt is how many bytes Write gathers before it writes them.
const flushAt = 32 << 10

// Write writes events as a JSONL trace (version 1): the very lines that
// slog.NewJSONHandler writes for a cluster whose Config.Logger is
// slog.New(slog.NewJSONHandler(w, nil)). It encodes each line itself,
// appending to one buffer, rather than going through slog: the bytes are
// the same, at a fraction of the cost. An event of an unknown kind, or whose
// time cannot be written in RFC 3339 (a year outside 0..9999) or is the zero
// time (which slog leaves out), is an invalid-argument error, since Read
// could not read it back; the events before it may have been written.
func Write(w io.Writer, events []Event) error {
	buf := make([]byte, 0, min(flushAt+4096, 512*(len(events)+1)))
	for i := range events {
		var err error
		if buf, err = appendLine(buf, &events[i]); err != nil {
			return err
		}
		if len(buf) >= flushAt {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// appendLine appends the event's line, as slog's JSON handler writes its
// LogRecord, to b; on an error b is returned as it was.
func appendLine(b []byte, e *Event) ([]byte, error) {
	if !e.Kind.Valid() {
		return b, errdefs.Daemon(errdefs.KindInvalidArgument, "event %d: unknown event kind %q", e.Seq, e.Kind.String())
	}
	if y := e.Time.Year(); y < 0 || y > 9999 {
		return b, errdefs.Daemon(errdefs.KindInvalidArgument, "event %d: time %s has a year outside 0..9999", e.Seq, e.Time)
	}
	if e.Time.IsZero() {
		// slog leaves the time out of a record at the zero time, and a
		// line without one could not be read back.
		return b, errdefs.Daemon(errdefs.KindInvalidArgument, "event %d: the zero time cannot be written", e.Seq)
	}
	b = append(b, `{"time":"`...)
	b = e.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"`...)
	b = append(b, e.Kind.String()...) // kind names need no escaping
	b = append(b, `","seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = appendField(b, `,"service":`, e.Service)
	b = appendField(b, `,"service_id":`, e.ServiceID)
	b = appendField(b, `,"task":`, e.Task)
	b = appendField(b, `,"task_id":`, e.TaskID)
	if e.Slot != 0 {
		b = strconv.AppendUint(append(b, `,"slot":`...), e.Slot, 10)
	}
	b = appendField(b, `,"image":`, e.Image)
	b = appendField(b, `,"node":`, e.Node)
	b = appendField(b, `,"node_id":`, e.NodeID)
	b = appendField(b, `,"from":`, e.From)
	b = appendField(b, `,"to":`, e.To)
	b = appendField(b, `,"message":`, e.Message)
	b = appendField(b, `,"err":`, e.Err)
	return append(b, "}\n"...), nil
}

// appendField appends a key (with its comma and colon) and a string value,
// unless the value is empty.
func appendField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendString(append(b, key...), v)
}

// appendString appends s as a JSON string, escaped as log/slog's JSON
// handler escapes it (log/slog: appendEscapedJSONString): '"' and '\\'
// with a backslash, \n \r \t by name, other control characters as \u00XX,
// each byte of invalid UTF-8 as \ufffd, and U+2028 and U+2029 as \u2028 and
// \u2029. Everything else is copied as it is; HTML characters are not
// escaped.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Read reads a JSONL trace (version 1, see Version) back into events: the
// inverse of Write and of a cluster's slog JSON output. Blank lines are
// skipped; unknown fields are ignored; a missing required field (time, msg,
// seq), a field of the wrong type, an unknown event kind or another schema
// version is an invalid-argument error naming the line, returned with the
// events read before it. An error of r is returned as it is.
func Read(r io.Reader) ([]Event, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), MaxLine)
	var out []Event
	var lines arena
	n := 0
	for sc.Scan() {
		n++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		e, err := parseLine(b, &lines)
		if err != nil {
			return out, errdefs.Daemon(errdefs.KindInvalidArgument, "trace line %d: %v", n, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return out, errdefs.Daemon(errdefs.KindInvalidArgument, "trace line %d: longer than %d bytes", n+1, MaxLine)
		}
		return out, err
	}
	return out, nil
}

// parseLine reads one non-blank line: by parseFast when the line is in the
// form Write writes, else by encoding/json, whose errors it returns. The
// fast path's strings share the line's copy in the arena.
func parseLine(b []byte, a *arena) (Event, error) {
	if b[0] != '{' {
		return Event{}, errors.New("not a JSON object")
	}
	if e, ok := parseFast(a.string(b)); ok {
		return e, nil
	}
	return parseJSON(b)
}

// arenaSize is the room of one arena block: lines are copied into blocks of
// about this size, one allocation for many lines.
const arenaSize = 64 << 10

// arena copies lines into strings that share large blocks. A
// strings.Builder's String shares its buffer, and a Builder only appends,
// so the strings it gave stay unchanged as it grows within its capacity; a
// line that does not fit starts a new Builder.
type arena struct{ b strings.Builder }

func (a *arena) string(line []byte) string {
	if a.b.Cap()-a.b.Len() < len(line) {
		a.b = strings.Builder{}
		a.b.Grow(max(arenaSize, len(line)))
	}
	start := a.b.Len()
	a.b.Write(line)
	return a.b.String()[start:]
}

// traceLine is one line of the trace as JSON: pointers tell absent required
// fields from zero values. (Its name shows in encoding/json's errors.)
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

// parseJSON reads a line with encoding/json: the reader's definition of a
// valid line, and the source of its error messages.
func parseJSON(b []byte) (Event, error) {
	var l traceLine
	if err := json.Unmarshal(b, &l); err != nil {
		return Event{}, err
	}
	if l.V != nil && *l.V != Version {
		return Event{}, fmt.Errorf("unsupported trace version %d (this reader knows version %d)", *l.V, Version)
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
	kind, err := ParseKind(*l.Msg)
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

// The keys parseFast knows, as bits of its set of keys seen.
const (
	keyTime = 1 << iota
	keyLevel
	keyMsg
	keySeq
	keyV
	keyService
	keyServiceID
	keyTask
	keyTaskID
	keySlot
	keyImage
	keyNode
	keyNodeID
	keyFrom
	keyTo
	keyMessage
	keyErr
)

// parseFast reads a line in the plain form Write writes: an object of known
// keys, each at most once, with no space between tokens, string values
// without escapes or invalid UTF-8, unsigned integers without sign,
// fraction or exponent, and a "v" of 1 if any. On such a line it returns
// what parseJSON returns; on any other line, or one parseJSON would refuse,
// it returns false and leaves the line to parseJSON. The strings of the
// event share s's memory: one allocation a line.
func parseFast(s string) (e Event, ok bool) {
	var seen uint32
	var ts, msg string
	i := 1 // past '{'
	for {
		key, j, ok := plainString(s, i)
		if !ok || j >= len(s) || s[j] != ':' {
			return Event{}, false
		}
		i = j + 1
		var bit uint32
		var str *string
		var num *uint64
		var v uint64
		switch key {
		case "time":
			bit, str = keyTime, &ts
		case "level":
			bit, str = keyLevel, new(string)
		case "msg":
			bit, str = keyMsg, &msg
		case "seq":
			bit, num = keySeq, &e.Seq
		case "v":
			bit, num = keyV, &v
		case "service":
			bit, str = keyService, &e.Service
		case "service_id":
			bit, str = keyServiceID, &e.ServiceID
		case "task":
			bit, str = keyTask, &e.Task
		case "task_id":
			bit, str = keyTaskID, &e.TaskID
		case "slot":
			bit, num = keySlot, &e.Slot
		case "image":
			bit, str = keyImage, &e.Image
		case "node":
			bit, str = keyNode, &e.Node
		case "node_id":
			bit, str = keyNodeID, &e.NodeID
		case "from":
			bit, str = keyFrom, &e.From
		case "to":
			bit, str = keyTo, &e.To
		case "message":
			bit, str = keyMessage, &e.Message
		case "err":
			bit, str = keyErr, &e.Err
		default:
			return Event{}, false
		}
		if seen&bit != 0 {
			return Event{}, false
		}
		seen |= bit
		if str != nil {
			*str, i, ok = plainString(s, i)
		} else {
			*num, i, ok = plainUint(s, i)
		}
		if !ok || i >= len(s) {
			return Event{}, false
		}
		if bit == keyV && v != Version {
			return Event{}, false
		}
		if s[i] == '}' {
			if i != len(s)-1 {
				return Event{}, false
			}
			break
		}
		if s[i] != ',' {
			return Event{}, false
		}
		i++
	}
	const required = keyTime | keyMsg | keySeq
	if seen&required != required {
		return Event{}, false
	}
	var err error
	if e.Time, err = time.Parse(time.RFC3339Nano, ts); err != nil {
		return Event{}, false
	}
	if e.Kind, err = ParseKind(msg); err != nil {
		return Event{}, false
	}
	return e, true
}

// plainString reads the JSON string at s[i] if it has no escape, no
// control character and no invalid UTF-8, so that its value is its bytes;
// it returns the value and the index after the closing quote.
func plainString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	ascii := true
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			v := s[i+1 : j]
			if !ascii && !utf8.ValidString(v) {
				return "", i, false
			}
			return v, j + 1, true
		case c < 0x20 || c == '\\':
			return "", i, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", i, false
}

// plainUint reads the JSON number at s[i] if it is an unsigned integer
// (digits only, no leading zero) that fits in a uint64 and a ',' or '}'
// follows it; it returns the value and the index after it.
func plainUint(s string, i int) (uint64, int, bool) {
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i || j >= len(s) || (s[j] != ',' && s[j] != '}') || (s[i] == '0' && j-i > 1) {
		return 0, i, false
	}
	n, err := strconv.ParseUint(s[i:j], 10, 64)
	if err != nil {
		return 0, i, false
	}
	return n, j, true
}
