package events

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// seeds adds a cluster's trace, line by line, and lines that take the
// general decoder's path.
func seeds(f *testing.F) {
	b, err := os.ReadFile("testdata/scenario.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range strings.SplitAfter(string(b), "\n")[:60] {
		f.Add(l)
	}
	for _, l := range []string{
		`{"time":"2000-01-01T00:00:00Z","msg":"task-state","seq":1,"v":1,"slot":1e2}`,
		`{"time":"2000-01-01T00:00:00Z","msg":"task-state","seq":1,"seq":2,"SLOT":3,"message":"a\"b"}`,
		`{"time":"2000-01-01T00:00:00+01:00","msg":"leader","seq":01,"node":null}`,
		"{\"time\":\"2000-01-01T00:00:00Z\",\"msg\":\"leader\",\"seq\":1,\"node\":\"\xff\u2028\"}",
		`{"v":2,"time":"2000-01-01T00:00:00Z","msg":"leader","seq":18446744073709551615}`,
	} {
		f.Add(l)
	}
}

// FuzzRead: no input panics; whatever reads writes back to lines that read
// to the same events; and on every line the fast reader accepts, it agrees
// with encoding/json.
func FuzzRead(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, in string) {
		for _, l := range strings.Split(in, "\n") {
			b := bytes.TrimSpace([]byte(l))
			if len(b) == 0 || b[0] != '{' {
				continue
			}
			fast, ok := parseFast(string(b))
			if !ok {
				continue
			}
			slow, err := parseJSON(b)
			if err != nil {
				t.Fatalf("parseFast accepts %q, encoding/json says %v", b, err)
			}
			if diff := cmp.Diff(slow, fast); diff != "" {
				t.Fatalf("parseFast(%q) (-json +fast):\n%s", b, diff)
			}
		}
		events, err := Read(strings.NewReader(in))
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := Write(&b, events); err != nil {
			// Only a year out of RFC 3339's range, or the zero time, cannot
			// be written.
			return
		}
		again, err := Read(&b)
		if err != nil {
			t.Fatalf("rewritten trace does not read: %v\n%s", err, b.String())
		}
		if diff := cmp.Diff(events, again); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
	})
}

// FuzzWrite: Write's bytes are slog's JSON handler's for any strings, and
// its text form is fmt's.
func FuzzWrite(f *testing.F) {
	f.Add(uint64(1), int64(7e9), uint8(TaskState), "redis", "redis.1", uint64(1), "running", `"quoted"\`, "\x00\t\n\u2028\xff")
	f.Add(uint64(0), int64(-1), uint8(0), "", "", uint64(0), "", "", "")
	f.Fuzz(func(t *testing.T, seq uint64, ns int64, kind uint8, svc, task string, slot uint64, to, msg, errText string) {
		e := Event{Seq: seq, Time: time.Unix(0, ns).In(time.FixedZone("", int(ns%50000))), Kind: Kind(kind),
			Service: svc, ServiceID: svc + task, Task: task, TaskID: task + svc, Slot: slot, Image: msg,
			Node: errText, NodeID: to, From: msg, To: to, Message: msg, Err: errText}
		got, err := appendLine(nil, &e)
		if err != nil {
			return
		}
		var want bytes.Buffer
		if err := slog.NewJSONHandler(&want, nil).Handle(context.Background(), e.LogRecord()); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.String(), string(got)); diff != "" {
			t.Fatalf("(-slog +Write):\n%s", diff)
		}
	})
}
