package dockerfmt

import (
	"testing"
	"time"
)

// TestHumanDuration pins go-units' HumanDuration (docker/go-units
// duration.go).
func TestHumanDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "Less than a second"}, {0, "Less than a second"}, {time.Second, "1 second"},
		{5 * time.Second, "5 seconds"}, {59 * time.Second, "59 seconds"}, {60 * time.Second, "About a minute"},
		{119 * time.Second, "About a minute"}, {2 * time.Minute, "2 minutes"}, {59 * time.Minute, "59 minutes"},
		{60 * time.Minute, "About an hour"}, {89 * time.Minute, "About an hour"}, {90 * time.Minute, "2 hours"},
		{47 * time.Hour, "47 hours"}, {48 * time.Hour, "2 days"}, {14 * 24 * time.Hour, "2 weeks"},
		{60 * 24 * time.Hour, "2 months"}, {2 * 365 * 24 * time.Hour, "2 years"},
	} {
		if got := HumanDuration(tc.d); got != tc.want {
			t.Errorf("HumanDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// TestEllipsis pins formatter.Ellipsis (docker/cli
// cli/command/formatter/displayutils.go): n-1 runes and "…", as the
// ERROR column uses it at 30 columns.
func TestEllipsis(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 30, "short"},
		{"no suitable node (scheduling constraints not satisfied on 3 nodes)", 30, "no suitable node (scheduling …"},
		{"No such image: redis@sha256:6abcdef", 30, "No such image: redis@sha256:6…"},
		{"abc", 1, "…"}, {"abc", 0, ""},
	} {
		if got := Ellipsis(tc.s, tc.n); got != tc.want {
			t.Errorf("Ellipsis(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

// TestProgressBar pins the bars of docker/cli's service progress
// (cli/command/service/progress/progress.go, drawn by jsonmessage's
// RenderTUIProgress) for running, preparing and new, and
// their absence on a narrow terminal.
func TestProgressBar(t *testing.T) {
	for _, tc := range []struct {
		cur   int64
		width int
		want  string
	}{
		{9, 120, "[==================================================>] "},
		{6, 120, "[=================================>                 ] "},
		{1, 120, "[=====>                                             ] "},
		{9, 80, ""},
		{0, 120, "[>                                                  ] "},
	} {
		if got := ProgressBar(tc.cur, 9, tc.width); got != tc.want {
			t.Errorf("ProgressBar(%d, 9, %d) = %q, want %q", tc.cur, tc.width, got, tc.want)
		}
	}
}
