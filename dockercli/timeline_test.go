package dockercli

import (
	"bytes"
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
}
