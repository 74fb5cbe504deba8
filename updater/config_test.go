package updater

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// SwarmKit's defaults (api/defaults/service.go: defaults.Service), the same
// for update and rollback.
func TestDefaultConfig(t *testing.T) {
	want := Config{Parallelism: 1, Delay: 0, FailureAction: Pause, Monitor: 5 * time.Second, MaxFailureRatio: 0, Order: StopFirst}
	if d := cmp.Diff(want, DefaultConfig()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if DefaultMonitor != 5*time.Second {
		t.Errorf("DefaultMonitor = %v", DefaultMonitor)
	}
}

// controlapi's validateUpdate (manager/controlapi/service.go): its checks,
// order and texts.
func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Config
		want string
	}{
		{"defaults", DefaultConfig(), ""},
		{"zero value", Config{}, ""},
		{"ratio 1", Config{MaxFailureRatio: 1}, ""},
		{"NaN ratio passes, as in SwarmKit", Config{MaxFailureRatio: float32(math.NaN())}, ""},
		{"negative delay", Config{Delay: -time.Second}, "TaskSpec: update-delay cannot be negative"},
		{"negative monitor", Config{Monitor: -1}, "TaskSpec: update-monitor cannot be negative"},
		{"delay checked first", Config{Delay: -1, Monitor: -1, MaxFailureRatio: 2}, "TaskSpec: update-delay cannot be negative"},
		{"ratio < 0", Config{MaxFailureRatio: -0.1}, "TaskSpec: update-maxfailureratio cannot be less than 0 or bigger than 1"},
		{"ratio > 1", Config{MaxFailureRatio: 1.01}, "TaskSpec: update-maxfailureratio cannot be less than 0 or bigger than 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if err := tc.c.Validate(); err != nil {
				got = err.Error()
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// Monitor 0 means 5s (moby's updateConfigToGRPC, Updater.Run's config
// selection); the final window is delay+1s when
// delay >= monitor.
func TestMonitorAndFinalWindow(t *testing.T) {
	for _, tc := range []struct {
		c                    Config
		monitor, finalWindow time.Duration
	}{
		{Config{}, 5 * time.Second, 5 * time.Second},
		{Config{Monitor: 30 * time.Second, Delay: 10 * time.Second}, 30 * time.Second, 30 * time.Second},
		{Config{Delay: 10 * time.Second}, 5 * time.Second, 11 * time.Second},
		{Config{Delay: 5 * time.Second}, 5 * time.Second, 6 * time.Second},
	} {
		if got := tc.c.MonitorPeriod(); got != tc.monitor {
			t.Errorf("%+v: MonitorPeriod %v, want %v", tc.c, got, tc.monitor)
		}
		if got := tc.c.FinalWindow(); got != tc.finalWindow {
			t.Errorf("%+v: FinalWindow %v, want %v", tc.c, got, tc.finalWindow)
		}
	}
}

// Docker's strings and conversion errors (moby's
// daemon/cluster/convert/service.go: updateConfigToGRPC).
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want FailureAction
		err  string
	}{
		{"", Pause, ""},
		{"pause", Pause, ""},
		{"continue", Continue, ""},
		{"rollback", Rollback, ""},
		{"Pause", Pause, "unrecognized update failure action Pause"},
		{"stop", Pause, "unrecognized update failure action stop"},
	} {
		got, err := ParseFailureAction(tc.in)
		if es := errString(err); es != tc.err || (err == nil && got != tc.want) {
			t.Errorf("ParseFailureAction(%q) = %v, %q; want %v, %q", tc.in, got, es, tc.want, tc.err)
		}
	}
	for _, tc := range []struct {
		in   string
		want Order
		err  string
	}{
		{"", StopFirst, ""},
		{"stop-first", StopFirst, ""},
		{"start-first", StartFirst, ""},
		{"start_first", StopFirst, "unrecognized update order start_first"},
	} {
		got, err := ParseOrder(tc.in)
		if es := errString(err); es != tc.err || (err == nil && got != tc.want) {
			t.Errorf("ParseOrder(%q) = %v, %q; want %v, %q", tc.in, got, es, tc.want, tc.err)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// UpdateStatus state names (api/types.proto) and the messages of
// startUpdate, pauseUpdate, rollbackUpdate and completeUpdate.
func TestStatusTexts(t *testing.T) {
	got := []string{}
	for s := None; s <= RollbackCompleted+1; s++ {
		got = append(got, s.String())
	}
	want := []string{"", "updating", "paused", "completed", "rollback_started", "rollback_paused", "rollback_completed", "State(7)"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("state names (-want +got):\n%s", d)
	}
	msgs := []string{MsgInProgress, MsgCompleted, MsgRollbackCompleted, MsgManualRollback,
		PausedMessage("abc"), RolledBackMessage("abc"), RollbackPausedMessage("abc")}
	wantMsgs := []string{"update in progress", "update completed", "rollback completed", "manually requested rollback",
		"update paused due to failure or early termination of task abc",
		"update rolled back due to failure or early termination of task abc",
		"rollback paused due to failure or early termination of task abc"}
	if d := cmp.Diff(wantMsgs, msgs); d != "" {
		t.Errorf("messages (-want +got):\n%s", d)
	}
	names := []string{Pause.String(), Continue.String(), Rollback.String(), FailureAction(9).String(),
		StopFirst.String(), StartFirst.String(), Order(9).String()}
	wantNames := []string{"pause", "continue", "rollback", "FailureAction(9)", "stop-first", "start-first", "Order(9)"}
	if d := cmp.Diff(wantNames, names); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	if d := cmp.Diff(Status{State: RollbackStarted, Message: MsgManualRollback, StartedAt: epoch}, ManualRollback(epoch)); d != "" {
		t.Errorf("ManualRollback (-want +got):\n%s", d)
	}
}

func FuzzParseFailureAction(f *testing.F) {
	for _, s := range []string{"", "pause", "continue", "rollback", "Rollback", "x\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseFailureAction(s)
		if err != nil {
			if err.Error() != "unrecognized update failure action "+s {
				t.Fatalf("error text %q", err)
			}
			return
		}
		if s != "" && a.String() != s {
			t.Fatalf("%q parsed as %v", s, a)
		}
		if b, err := ParseFailureAction(a.String()); err != nil || b != a {
			t.Fatalf("round trip of %v: %v, %v", a, b, err)
		}
	})
}

func FuzzParseOrder(f *testing.F) {
	for _, s := range []string{"", "stop-first", "start-first", "START-FIRST", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOrder(s)
		if err != nil {
			if err.Error() != "unrecognized update order "+s {
				t.Fatalf("error text %q", err)
			}
			return
		}
		if s != "" && o.String() != s {
			t.Fatalf("%q parsed as %v", s, o)
		}
		if p, err := ParseOrder(o.String()); err != nil || p != o {
			t.Fatalf("round trip of %v: %v, %v", o, p, err)
		}
	})
}
