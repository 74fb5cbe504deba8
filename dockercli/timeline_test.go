package dockercli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTimelineDirective: `swarmsim timeline FILE [SERVICE...]` draws the run
// so far, for the services named, into FILE relative to Session.Dir.
func TestTimelineDirective(t *testing.T) {
	dir := t.TempDir()
	s := NewSession(0)
	s.Dir = dir
	script := `docker service create -d --name web --replicas 2 nginx
docker service create -d --name db redis
sleep 10
swarmsim timeline all.svg
swarmsim timeline web.svg web
swarmsim timeline x.svg nosuch
swarmsim timeline
swarmsim timeline ` + filepath.Join(dir, "no", "dir.svg") + `
`
	var out bytes.Buffer
	if err := RunScript(strings.NewReader(script), &out, ScriptOptions{Session: s}); err != nil {
		t.Fatal(err)
	}
	got := strings.SplitN(out.String(), "$ swarmsim timeline all.svg\n", 2)[1]
	want := `timeline of 0s to 10s written to all.svg
$ swarmsim timeline web.svg web
timeline of 0s to 10s written to web.svg
$ swarmsim timeline x.svg nosuch
swarmsim: timeline: no service nosuch in the trace
$ swarmsim timeline
swarmsim: 'swarmsim timeline' requires at least 1 argument

Usage:  swarmsim timeline FILE.svg [SERVICE...]

See 'swarmsim timeline --help' for more information
$ swarmsim timeline ` + filepath.Join(dir, "no", "dir.svg") + `
swarmsim: open ` + filepath.Join(dir, "no", "dir.svg") + `: no such file or directory
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
	all, err := os.ReadFile(filepath.Join(dir, "all.svg"))
	if err != nil {
		t.Fatal(err)
	}
	web, err := os.ReadFile(filepath.Join(dir, "web.svg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		svg   []byte
		title string
		db    bool
	}{{all, "timeline at 10s", true}, {web, "timeline at 10s: web", false}} {
		if !bytes.Contains(c.svg, []byte("<title>"+c.title+"</title>")) || !bytes.Contains(c.svg, []byte("<title>web.2 ")) ||
			bytes.Contains(c.svg, []byte("<title>db.1 ")) != c.db {
			t.Errorf("%s:\n%.300s", c.title, c.svg)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "x.svg")); err == nil {
		t.Errorf("a failed timeline left a file")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.partial")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A pendingFile puts the file in place only when it was written whole: a
// writer that fails, before its first byte or after, or a check that
// refuses, leaves no file under either name, and the first error is the
// one reported.
func TestPendingFile(t *testing.T) {
	errRender, errCheck := errors.New("render failed"), errors.New("refused")
	for _, tc := range []struct {
		name    string
		path    string
		check   error
		writes  []string
		err     error // what the writer ends with
		want    string
		wantErr string
	}{
		{name: "whole", path: "a.svg", writes: []string{"<svg>", "</svg>\n"}, want: "<svg></svg>\n"},
		{name: "empty", path: "a.svg", want: ""},
		{name: "fails before writing", path: "a.svg", err: errRender, wantErr: "render failed"},
		{name: "fails after writing", path: "a.svg", writes: []string{"<svg>"}, err: errRender, wantErr: "render failed"},
		{name: "check refuses", path: "a.svg", check: errCheck, writes: []string{"<svg>"}, err: errCheck, wantErr: "refused"},
		{name: "check not reached", path: "a.svg", check: errCheck, err: errRender, wantErr: "render failed"},
		{name: "no directory", path: filepath.Join("no", "a.svg"), writes: []string{"<svg>"}, wantErr: "open DIR/no/a.svg: no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tc.path)
			p := &pendingFile{path: path}
			if tc.check != nil {
				p.check = func() error { return tc.check }
			}
			var werr error
			for _, w := range tc.writes {
				if _, werr = p.Write([]byte(w)); werr != nil {
					break
				}
			}
			err := tc.err
			if err == nil {
				err = werr
			}
			err = p.finish(err)
			gotErr := ""
			if err != nil {
				gotErr = strings.ReplaceAll(err.Error(), dir, "DIR")
			}
			if gotErr != tc.wantErr {
				t.Errorf("error %q, want %q", gotErr, tc.wantErr)
			}
			b, rerr := os.ReadFile(path)
			if tc.wantErr == "" {
				if diff := cmp.Diff(tc.want, string(b)); rerr != nil || diff != "" {
					t.Errorf("file: %v (-want +got):\n%s", rerr, diff)
				}
			} else if rerr == nil {
				t.Errorf("a failed write left %s", path)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "*.partial")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}
