package events_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/errdefs"
	"github.com/swarmsim/swarmsim/events"
)

var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// scenario is a cluster's JSONL trace with every kind a cluster records:
// nodes joining, draining, stopping and leaving, a replicated and a global
// service, a failing update, a rollback, a scale-down and removals (the
// root package's traceScenario, logged through slog's JSON handler).
func scenario(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/scenario.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// slogLines is what slog's JSON handler writes for the events' records: the
// definition of the trace's bytes.
func slogLines(t testing.TB, evs []events.Event) string {
	t.Helper()
	var b bytes.Buffer
	h := slog.NewJSONHandler(&b, nil)
	for _, e := range evs {
		if err := h.Handle(context.Background(), e.LogRecord()); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func TestKindNames(t *testing.T) {
	want := []string{"", "node-added", "node-updated", "node-availability", "node-state",
		"node-stopped", "node-started", "node-removed", "service-created", "service-updated",
		"service-removed", "update-status", "task-created", "task-state", "task-desired",
		"task-deleted", "request", "leader"}
	var got []string
	for k := events.Kind(0); k <= events.Leader; k++ {
		if !k.Valid() {
			got = append(got, "")
			continue
		}
		got = append(got, k.String())
		back, err := events.ParseKind(k.String())
		if err != nil || back != k {
			t.Errorf("ParseKind(%q) = %v, %v; want %d", k.String(), back, err, k)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kind names (-want +got):\n%s", diff)
	}
	if got := events.Kind(200).String(); got != "event(200)" {
		t.Errorf("Kind(200) = %q", got)
	}
	for _, s := range []string{"", "event(0)", "Task-State", "task-state ", "leader\x00"} {
		_, err := events.ParseKind(s)
		if !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("ParseKind(%q) = %v, want an invalid-argument error", s, err)
		}
	}
}

func TestText(t *testing.T) {
	at := epoch.Add(7*time.Second + 250*time.Millisecond)
	for _, tc := range []struct {
		name string
		e    events.Event
		want string // Text(epoch)
		str  string // String()
	}{
		{name: "task state",
			e: events.Event{Seq: 36, Time: at, Kind: events.TaskState, ServiceID: "529suzv87vcgc92tcsemi5rls", Service: "redis",
				TaskID: "2lzpl2ezxjqqdbgoualsuz9eg", Task: "redis.1", Slot: 1, Node: "manager", NodeID: "2n6viyeej66csb9skb3ju51vy",
				From: "accepted", To: "preparing", Message: "preparing"},
			want: `    7.250s task-state        redis.1 2lzpl2ezxjqq @manager accepted -> preparing "preparing"`,
			str:  `00:00:07.250 task-state        redis.1 2lzpl2ezxjqq @manager accepted -> preparing "preparing"`},
		{name: "task created, no node, error quoted",
			e:    events.Event{Time: at, Kind: events.TaskCreated, TaskID: "t1", Task: "web.2", To: "running", Err: "no \"suitable\" node\n"},
			want: `    7.250s task-created      web.2 t1 running err="no \"suitable\" node\n"`},
		{name: "node state",
			e:    events.Event{Time: epoch.Add(1234 * time.Second), Kind: events.NodeState, Node: "worker1", NodeID: "abcdefghijklmnop", From: "ready", To: "down"},
			want: ` 1234.000s node-state        worker1 abcdefghijkl ready -> down`},
		{name: "node added: no From",
			e:    events.Event{Time: epoch, Kind: events.NodeAdded, Node: "manager", NodeID: "n1", To: "ready"},
			want: `    0.000s node-added        manager n1 ready`},
		{name: "leader lost: no node",
			e:    events.Event{Time: epoch, Kind: events.Leader},
			want: `    0.000s leader           `},
		{name: "leader elected",
			e:    events.Event{Time: epoch, Kind: events.Leader, Node: "manager", NodeID: "n1"},
			want: `    0.000s leader            manager n1`},
		{name: "update status to none",
			e:    events.Event{Time: epoch.Add(90 * time.Second), Kind: events.UpdateStatus, Service: "web", ServiceID: "s1", From: "updating", Message: "update in progress"},
			want: `   90.000s update-status     web s1 updating -> none "update in progress"`},
		{name: "long kind and huge time",
			e:    events.Event{Time: epoch.Add(123456789 * time.Second), Kind: events.NodeAvailability, Node: "w", NodeID: "n", From: "active", To: "drain"},
			want: `123456789.000s node-availability w n active -> drain`},
		{name: "before the epoch",
			e:    events.Event{Time: epoch.Add(-1500 * time.Millisecond), Kind: 99},
			want: `   -1.500s event(99)        `},
		{name: "unicode message",
			e:    events.Event{Time: epoch, Kind: events.Request, Message: "é\u2028\xff"},
			want: `    0.000s request           "é\u2028\xff"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.e.Text(epoch)); diff != "" {
				t.Errorf("Text (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(fmtText(tc.e, epoch), tc.e.Text(epoch)); diff != "" {
				t.Errorf("Text differs from the fmt form (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(fmtText(tc.e, time.Time{}), tc.e.String()); diff != "" {
				t.Errorf("String differs from the fmt form (-want +got):\n%s", diff)
			}
			if tc.str != "" && tc.e.String() != tc.str {
				t.Errorf("String = %q, want %q", tc.e.String(), tc.str)
			}
		})
	}
}

// fmtText is the text form written with fmt, as the trace's text was first
// defined: AppendText must give the same bytes.
func fmtText(e events.Event, epoch time.Time) string {
	var b strings.Builder
	if !epoch.IsZero() {
		fmt.Fprintf(&b, "%9.3fs ", e.Time.Sub(epoch).Seconds())
	} else {
		b.WriteString(e.Time.UTC().Format("15:04:05.000") + " ")
	}
	fmt.Fprintf(&b, "%-17s", e.Kind)
	short := func(id string) string { return id[:min(len(id), 12)] }
	none := func(s string) string {
		if s == "" {
			return "none"
		}
		return s
	}
	switch {
	case e.TaskID != "":
		fmt.Fprintf(&b, " %s %s", e.Task, short(e.TaskID))
		if e.Node != "" {
			fmt.Fprintf(&b, " @%s", e.Node)
		}
	case e.Kind >= events.NodeAdded && e.Kind <= events.NodeRemoved, e.Kind == events.Leader && e.NodeID != "":
		fmt.Fprintf(&b, " %s %s", e.Node, short(e.NodeID))
	case e.ServiceID != "":
		fmt.Fprintf(&b, " %s %s", e.Service, short(e.ServiceID))
	}
	if e.From != "" || e.To != "" {
		if e.From != "" {
			fmt.Fprintf(&b, " %s ->", none(e.From))
		}
		fmt.Fprintf(&b, " %s", none(e.To))
	}
	if e.Message != "" {
		fmt.Fprintf(&b, " %q", e.Message)
	}
	if e.Err != "" {
		fmt.Fprintf(&b, " err=%q", e.Err)
	}
	return b.String()
}

// Write gives slog's JSON handler's bytes, line for line, and Read gives the
// events back: a cluster's live trace, and events with strings that need
// escaping.
func TestWriteRead(t *testing.T) {
	live, err := events.Read(bytes.NewReader(scenario(t)))
	if err != nil {
		t.Fatal(err)
	}
	odd := []events.Event{
		{Seq: 1, Time: epoch.Add(time.Nanosecond), Kind: events.TaskState, Service: `we"b\`, Task: "web.1", TaskID: "t", Slot: 18446744073709551615,
			Message: "line\nbreak\ttab\rcr\x00\x1f\x7f", Err: "<html> & 'q' é 世界 \u2028\u2029 \xff\xfe end"},
		{Seq: 2, Time: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("X", -3*3600-1800)), Kind: events.Leader},
		{Seq: 0, Time: time.Date(0, 1, 1, 0, 0, 0, 1, time.UTC), Kind: events.Request, Image: "\U0010FFFF", From: "\xed\xa0\x80", To: "\ufffd"},
	}
	for _, tc := range []struct {
		name string
		evs  []events.Event
	}{{"live trace", live}, {"odd strings", odd}, {"none", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			var w bytes.Buffer
			if err := events.Write(&w, tc.evs); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(slogLines(t, tc.evs), w.String()); diff != "" {
				t.Errorf("Write differs from slog's JSON handler (-want +got):\n%s", diff)
			}
			back, err := events.Read(&w)
			if err != nil {
				t.Fatal(err)
			}
			// Invalid UTF-8 is written as U+FFFD, and times come back in
			// the zone of their offset: compare what survives.
			want := append([]events.Event(nil), tc.evs...)
			for i := range want {
				want[i].Err, want[i].From = validUTF8(want[i].Err), validUTF8(want[i].From)
			}
			if diff := cmp.Diff(want, back); diff != "" {
				t.Errorf("read back (-want +got):\n%s", diff)
			}
		})
	}
	var w bytes.Buffer
	if err := events.Write(&w, live); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Bytes(), scenario(t)) {
		t.Errorf("the live trace written again differs from the file")
	}
}

// validUTF8 replaces each byte of invalid UTF-8 with U+FFFD.
func validUTF8(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // an invalid byte ranges as one utf8.RuneError
	}
	return b.String()
}

// The reader is strict about the required fields and their types, tolerant
// of unknown fields and blank lines, and knows version 1 only.
func TestReadLines(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []events.Event
		err      string
	}{
		{name: "minimal", in: `{"time":"2000-01-01T00:00:01.5Z","msg":"node-stopped","seq":4}`,
			want: []events.Event{{Seq: 4, Time: epoch.Add(1500 * time.Millisecond), Kind: events.NodeStopped}}},
		{name: "unknown fields and blank lines", in: "\n" + `{"time":"2000-01-01T00:00:00Z","level":"INFO","msg":"task-state","seq":1,"slot":2,"to":"running","extra":{"a":[1]},"v":1}` + "\n\n",
			want: []events.Event{{Seq: 1, Time: epoch, Kind: events.TaskState, Slot: 2, To: "running"}}},
		{name: "nanoseconds", in: `{"time":"2000-01-01T00:01:00.000000001Z","msg":"request","seq":9}`,
			want: []events.Event{{Seq: 9, Time: epoch.Add(time.Minute + 1), Kind: events.Request}}},
		{name: "spaces, escapes, any key order", in: ` { "seq" : 2 , "message":"a\"b\u00e9\n", "msg":"leader","time":"2000-01-01T00:00:00Z" , "v" : 1 }  `,
			want: []events.Event{{Seq: 2, Time: epoch, Kind: events.Leader, Message: "a\"bé\n"}}},
		{name: "keys in another case", in: `{"TIME":"2000-01-01T00:00:00Z","Msg":"leader","seq":3,"Node":"m"}`,
			want: []events.Event{{Seq: 3, Time: epoch, Kind: events.Leader, Node: "m"}}},
		{name: "a repeated key: the last wins", in: `{"time":"2000-01-01T00:00:00Z","msg":"leader","seq":3,"seq":4,"node":"a","node":"b"}`,
			want: []events.Event{{Seq: 4, Time: epoch, Kind: events.Leader, Node: "b"}}},
		{name: "null optional fields", in: `{"time":"2000-01-01T00:00:00Z","msg":"leader","seq":3,"node":null,"slot":null}`,
			want: []events.Event{{Seq: 3, Time: epoch, Kind: events.Leader}}},
		{name: "invalid UTF-8", in: "{\"time\":\"2000-01-01T00:00:00Z\",\"msg\":\"leader\",\"seq\":3,\"node\":\"a\xffb\"}",
			want: []events.Event{{Seq: 3, Time: epoch, Kind: events.Leader, Node: "a\ufffdb"}}},
		{name: "no time", in: `{"msg":"task-state","seq":1}`, err: `trace line 1: missing required field "time"`},
		{name: "no msg", in: `{"time":"2000-01-01T00:00:00Z","seq":1}`, err: `trace line 1: missing required field "msg"`},
		{name: "no seq", in: `{"time":"2000-01-01T00:00:00Z","msg":"task-state"}`, err: `trace line 1: missing required field "seq"`},
		{name: "null seq", in: `{"time":"2000-01-01T00:00:00Z","msg":"task-state","seq":null}`, err: `trace line 1: missing required field "seq"`},
		{name: "unknown kind", in: "\n" + `{"time":"2000-01-01T00:00:00Z","msg":"task-exploded","seq":1}`, err: `trace line 2: field "msg": unknown event kind "task-exploded"`},
		{name: "bad time", in: `{"time":"yesterday","msg":"task-state","seq":1}`, err: `trace line 1: field "time": parsing time "yesterday" as "2006-01-02T15:04:05.999999999Z07:00": cannot parse "yesterday" as "2006"`},
		{name: "seq not a number", in: `{"time":"2000-01-01T00:00:00Z","msg":"task-state","seq":"1"}`, err: `trace line 1: json: cannot unmarshal string into Go struct field traceLine.seq of type uint64`},
		{name: "slot negative", in: `{"time":"2000-01-01T00:00:00Z","msg":"task-state","seq":1,"slot":-1}`, err: `trace line 1: json: cannot unmarshal number -1 into Go struct field traceLine.slot of type uint64`},
		{name: "seq too large", in: `{"time":"2000-01-01T00:00:00Z","msg":"task-state","seq":18446744073709551616}`, err: `trace line 1: json: cannot unmarshal number 18446744073709551616 into Go struct field traceLine.seq of type uint64`},
		{name: "seq with a leading zero", in: `{"time":"2000-01-01T00:00:00Z","msg":"task-state","seq":01}`, err: `trace line 1: invalid character '1' after object key:value pair`},
		{name: "version 2", in: `{"v":2,"time":"2000-01-01T00:00:00Z","msg":"task-state","seq":1}`, err: `trace line 1: unsupported trace version 2 (this reader knows version 1)`},
		{name: "not an object", in: `[1,2]`, err: `trace line 1: not a JSON object`},
		{name: "truncated", in: `{"time":"2000-01-01T00:00:00Z","msg":"task-st`, err: `trace line 1: unexpected end of JSON input`},
		{name: "text after the object", in: `{"time":"2000-01-01T00:00:00Z","msg":"leader","seq":1}x`, err: `trace line 1: invalid character 'x' after top-level value`},
		{name: "control character", in: "{\"time\":\"2000-01-01T00:00:00Z\",\"msg\":\"leader\",\"seq\":1,\"node\":\"a\x01\"}", err: `trace line 1: invalid character '\x01' in string literal`},
		{name: "too long", in: `{"time":"2000-01-01T00:00:00Z","msg":"leader","seq":1}` + "\n" + strings.Repeat(" ", events.MaxLine+1), err: `trace line 2: longer than 1048576 bytes`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := events.Read(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %s", err, tc.err)
				}
				if !errors.Is(err, errdefs.ErrInvalidArgument) {
					t.Errorf("err = %#v, want an invalid-argument error", err)
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

// An error of the reader is returned as it is, with the events read before.
func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	line := `{"time":"2000-01-01T00:00:00Z","msg":"leader","seq":1}` + "\n"
	got, err := events.Read(io.MultiReader(strings.NewReader(line), &failReader{boom}))
	if err != boom {
		t.Errorf("err = %v, want %v", err, boom)
	}
	if diff := cmp.Diff([]events.Event{{Seq: 1, Time: epoch, Kind: events.Leader}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

type failReader struct{ err error }

func (r *failReader) Read([]byte) (int, error) { return 0, r.err }

// Write refuses what Read could not read back, with an invalid-argument
// error, and passes on the writer's error.
func TestWriteRefuses(t *testing.T) {
	for _, tc := range []struct {
		e   events.Event
		err string
	}{
		{events.Event{Seq: 1, Time: epoch, Kind: 0}, `event 1: unknown event kind "event(0)"`},
		{events.Event{Seq: 2, Time: epoch, Kind: 200}, `event 2: unknown event kind "event(200)"`},
		{events.Event{Seq: 3, Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Kind: events.NodeAdded}, `event 3: time 10000-01-01 00:00:00 +0000 UTC has a year outside 0..9999`},
		{events.Event{Seq: 4, Time: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), Kind: events.NodeAdded}, `event 4: time -0001-01-01 00:00:00 +0000 UTC has a year outside 0..9999`},
		{events.Event{Seq: 5, Kind: events.NodeAdded}, `event 5: the zero time cannot be written`},
	} {
		err := events.Write(io.Discard, []events.Event{tc.e})
		if err == nil || err.Error() != tc.err || !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("Write(%v) = %v, want the invalid-argument error %s", tc.e, err, tc.err)
		}
	}
	boom := errors.New("boom")
	if err := events.Write(&failWriter{boom}, []events.Event{{Seq: 1, Time: epoch, Kind: events.Leader}}); err != boom {
		t.Errorf("Write to a failing writer = %v, want %v", err, boom)
	}
}

type failWriter struct{ err error }

func (w *failWriter) Write([]byte) (int, error) { return 0, w.err }

// A trace larger than Write's buffer is written in pieces, all of it.
func TestWriteLarge(t *testing.T) {
	live, err := events.Read(bytes.NewReader(scenario(t)))
	if err != nil {
		t.Fatal(err)
	}
	var many []events.Event
	for range 5 {
		many = append(many, live...)
	}
	var w bytes.Buffer
	if err := events.Write(&w, many); err != nil {
		t.Fatal(err)
	}
	if want := bytes.Repeat(scenario(t), 5); !bytes.Equal(w.Bytes(), want) {
		t.Errorf("wrote %d bytes, want %d", w.Len(), len(want))
	}
}

// BenchmarkWrite writes a cluster's trace: ns/event is the cost of one line.
func BenchmarkWrite(b *testing.B) {
	evs, err := events.Read(bytes.NewReader(scenario(b)))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(scenario(b))))
	b.ReportAllocs()
	for b.Loop() {
		if err := events.Write(io.Discard, evs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

// BenchmarkWriteSlog is BenchmarkWrite through slog's JSON handler, as the
// cluster's Logger writes: the cost Write saves.
func BenchmarkWriteSlog(b *testing.B) {
	evs, err := events.Read(bytes.NewReader(scenario(b)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		h := slog.NewJSONHandler(io.Discard, nil)
		for _, e := range evs {
			h.Handle(context.Background(), e.LogRecord())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}

// BenchmarkRead reads a cluster's trace: ns/event is the cost of one line.
func BenchmarkRead(b *testing.B) {
	trace := scenario(b)
	b.SetBytes(int64(len(trace)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		evs, err := events.Read(bytes.NewReader(trace))
		if err != nil {
			b.Fatal(err)
		}
		n = len(evs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
}

// BenchmarkText renders a cluster's trace as text, as TraceText does.
func BenchmarkText(b *testing.B) {
	evs, err := events.Read(bytes.NewReader(scenario(b)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = buf[:0]
		for _, e := range evs {
			buf = append(e.AppendText(buf, epoch), '\n')
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
}
