package realswarm

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/dockercli"
)

func TestScreen(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "a\nb\n", "a\nb\n"},
		{"newline returns the carriage", "abc\ndef", "abc\ndef\n"},
		{"crlf", "abc\r\ndef\r\n", "abc\ndef\n"},
		{"carriage return overwrites", "12345\rab\n", "ab345\n"},
		{"clear line", "12345\r\x1b[2Kab\n", "ab\n"},
		{"erase to end", "12345\r\x1b[Kab\n", "ab\n"},
		{"cursor up redraw", "1/2: new\n2/2: new\n\x1b[2A\x1b[2K1/2: running\n\x1b[2K2/2: running\n", "1/2: running\n2/2: running\n"},
		{"hidden cursor ignored", "\x1b[?25lx\x1b[?25h\n", "x\n"},
		{"tabs", "ID:\t\tx\n", "ID:             x\n"},
		{"truncated escape", "ab\x1b[", "ab\n"},
	} {
		if got := Screen(tc.in); got != tc.want {
			t.Errorf("%s: Screen(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestNormalizeText(t *testing.T) {
	in := "image app:2 could not be accessed on a registry to record\nits digest. Each node will access app:2 independently,\npossibly leading to different nodes running different\nversions of the image.\n\n" +
		"529suzv87vcgc92tcsemi5rls\nStarted:\t37 seconds ago\nEngine Version:\t20.10.24+dfsg1\nimage: app:1@sha256:" + strings.Repeat("ab", 32) + "\nAbout a minute ago\nRunning about a minute ago\nReady less than a second ago\n"
	want := "<ID>\nStarted:  <T> ago\nEngine Version: <VERSION>\nimage: app:1\n<T> ago\nRunning <T> ago\nReady <T> ago"
	if got := Normalize([]string{"service", "inspect"}, in); got != want {
		t.Errorf("Normalize:\n%s", cmp.Diff(want, got))
	}
}

// Two service ps tables that differ only in what is random in Swarm (slot
// order, which node, IDs, column widths, relative times) normalise alike; a
// different state does not.
func TestNormalizeIDsWithoutDigits(t *testing.T) {
	in := "llmpobvykgeo: running   [===>]\nabcdefghijklmnopqrstuvwxy\nabcdefghijkl\nredis: running\n"
	want := "<ID>: running  [===>]\n<ID>\n<ID>\nredis: running"
	if got := Normalize([]string{"service", "create"}, in); got != want {
		t.Errorf("Normalize:\n%s", cmp.Diff(want, got))
	}
}

func TestNormalizePsMultiset(t *testing.T) {
	a := `ID             NAME        IMAGE     NODE      DESIRED STATE   CURRENT STATE             ERROR     PORTS
2lzpl2ezxjqq   web.1       app:2     manager   Running         Running 33 seconds ago
ar004gpzable    \_ web.1   app:1     manager   Shutdown        Shutdown 34 seconds ago
3zrg0gluqvxg   web.2       app:2     worker1   Running         Running 5 seconds ago
`
	b := `ID             NAME        IMAGE     NODE      DESIRED STATE   CURRENT STATE            ERROR     PORTS
nxbpeqbpbawn   web.2       app:2     worker2   Running         Running 3 seconds ago
k2v8a9d7d7d7   web.1       app:2     worker1   Running         Running 9 seconds ago
zzzzzzzzzzzz    \_ web.1   app:1     worker1   Shutdown        Shutdown 9 seconds ago
`
	words := []string{"service", "ps", "web"}
	if na, nb := Normalize(words, a), Normalize(words, b); na != nb {
		t.Errorf("ps tables differ after normalisation:\n%s", cmp.Diff(na, nb))
	}
	// The history sits on another slot: still alike.
	b2 := strings.NewReplacer("web.2 ", "web.9 ", "web.1 ", "web.2 ", "web.9 ", "web.1 ").Replace(b)
	if na, nb := Normalize(words, a), Normalize(words, b2); na != nb {
		t.Errorf("slot numbers compared:\n%s", cmp.Diff(na, nb))
	}
	// A line after the table is not a row of it.
	if got := Normalize(words, a+"no such service: nosuch\n"); !strings.HasSuffix(got, "\nno such service: nosuch") {
		t.Errorf("trailing message folded into the table:\n%s", got)
	}
	c := strings.Replace(b, "Running 3 seconds ago", "Failed 3 seconds ago ", 1)
	if Normalize(words, a) == Normalize(words, c) {
		t.Error("a failed task normalised like a running one")
	}
	// Two running tasks on one node are not one on each.
	d := strings.Replace(b, "web.2       app:2     worker2", "web.2       app:2     worker1", 1)
	if Normalize(words, b) == Normalize(words, d) {
		t.Error("the spread over nodes is lost")
	}
	// Outside ps, row order counts.
	ls := "ID             NAME   MODE\nk2v8a9d7d7d7   a      replicated\nk2v8a9d7d7d8   b      global\n"
	ls2 := "ID             NAME   MODE\nk2v8a9d7d7d8   b      global\nk2v8a9d7d7d7   a      replicated\n"
	if Normalize([]string{"service", "ls"}, ls) == Normalize([]string{"service", "ls"}, ls2) {
		t.Error("service ls rows compared as a multiset")
	}
}

func TestCompareAndDiff(t *testing.T) {
	sim := Transcript{
		{Line: 1, Text: "swarmsim image x --exit-code 1", Directive: true, Out: "anything"},
		{Line: 2, Text: "docker service inspect nosuch", Out: "[]\nno such service: nosuch\n", Code: 1},
		{Line: 3, Text: "swarmsim curl manager 8080", Directive: true, Out: "web.1"},
		{Line: 4, Text: "docker service ls -q", Out: "529suzv87vcg\n"},
	}
	real := Transcript{
		{Line: 1, Text: sim[0].Text, Directive: true},
		{Line: 2, Text: sim[1].Text, Out: "[]\nError: no such service: nosuch\n", Code: 1},
		{Line: 3, Text: sim[2].Text, Directive: true, Skipped: "no IPVS"},
		{Line: 4, Text: sim[3].Text, Out: "k2v8a9d7d7d7\n"},
	}
	res, err := Compare(sim, real)
	if err != nil {
		t.Fatal(err)
	}
	var same []bool
	for _, r := range res {
		same = append(same, r.Same)
	}
	if want := []bool{true, false, true, true}; !cmp.Equal(want, same) {
		t.Fatalf("same = %v, want %v", same, want)
	}
	want := "  []\n- no such service: nosuch\n+ Error: no such service: nosuch\n"
	if got := res[1].Diff(); got != want {
		t.Errorf("Diff:\n%s", cmp.Diff(want, got))
	}
	if _, err := Compare(sim, real[:2]); err == nil {
		t.Error("transcripts of different lengths compared")
	}
}

func TestImagePlanAndSpec(t *testing.T) {
	script := `docker service create --name a app:1
swarmsim image app:2 --exit-after 4s --exit-code 2
docker service update --image app:2 a
swarmsim image gone:1 --fail-on-start
swarmsim image h:1 --healthy-after 3s --stop 15s
docker service create --name b h:1
`
	lines, err := dockercli.ReadScript(strings.NewReader(script))
	if err != nil {
		t.Fatal(err)
	}
	order, specs := imagePlan(lines)
	if want := []string{"app:1", "app:2", "gone:1", "h:1"}; !cmp.Equal(want, order) {
		t.Errorf("order = %v, want %v", order, want)
	}
	if specs["app:1"] != nil || specs["gone:1"] == nil || !specs["gone:1"].FailOnStart {
		t.Errorf("specs = %v", specs)
	}
	df := SpecOf(specs["app:2"]).Dockerfile()
	for _, w := range []string{"FROM scratch", "ENV TI_EXIT_AFTER=4s", "ENV TI_EXIT_CODE=2", `CMD ["/testimage"]`} {
		if !strings.Contains(df, w) {
			t.Errorf("app:2's Dockerfile lacks %q:\n%s", w, df)
		}
	}
	if strings.Contains(df, "HEALTHCHECK") {
		t.Errorf("app:2 has a health check:\n%s", df)
	}
	df = SpecOf(specs["h:1"]).Dockerfile()
	for _, w := range []string{"ENV TI_HEALTHY_AFTER=3s", "HEALTHCHECK --interval=1s --timeout=33s --retries=1", "ENV TI_STOP=ignore"} {
		if !strings.Contains(df, w) {
			t.Errorf("h:1's Dockerfile lacks %q:\n%s", w, df)
		}
	}
	// An unhealthy image's process exits non-zero when Docker stops it.
	sick := SpecOf(&dockercli.Image{Unhealthy: true}).Dockerfile()
	for _, w := range []string{"ENV TI_UNHEALTHY=1", "ENV TI_STOP_CODE=1", "HEALTHCHECK"} {
		if !strings.Contains(sick, w) {
			t.Errorf("unhealthy Dockerfile lacks %q:\n%s", w, sick)
		}
	}
	if strings.Contains(sick, "TI_EXIT_") {
		t.Errorf("unhealthy image exits by itself:\n%s", sick)
	}
	// An exit code alone exits at once, as swarmsim's directive does.
	code := int64(3)
	if sp := SpecOf(&dockercli.Image{ExitCode: &code}); sp.ExitAfter == nil || *sp.ExitAfter != 0 {
		t.Errorf("exit code alone: ExitAfter = %v", sp.ExitAfter)
	}
	if d := SpecOf(nil).Dockerfile(); d != "FROM scratch\nCOPY testimage /testimage\nCMD [\"/testimage\"]\n" {
		t.Errorf("default Dockerfile = %q", d)
	}
	_ = time.Second
}

func TestSuiteFilesExist(t *testing.T) {
	if len(Suite) < 20 {
		t.Errorf("%d scenarios, want at least 20", len(Suite))
	}
	for _, sc := range Suite {
		sim, err := RunSim(readFile(t, sc.File), Seed)
		if err != nil {
			t.Errorf("%s: %v", sc.Name, err)
			continue
		}
		if len(sim) == 0 {
			t.Errorf("%s: empty", sc.Name)
		}
	}
}

// Every documented difference names a command of a scenario of the suite.
func TestKnownDiffsNameCommands(t *testing.T) {
	files := map[string]bool{}
	for _, sc := range Suite {
		files[sc.File] = true
	}
	for key, why := range KnownDiffs {
		i := strings.LastIndexByte(key, ':')
		file, line := key[:i], key[i+1:]
		if !files[file] {
			t.Errorf("%s: %s is not a scenario of the suite", key, file)
			continue
		}
		lines, err := dockercli.ReadScript(strings.NewReader(readFile(t, file)))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, l := range lines {
			if fmt.Sprint(l.Line) == line && len(l.Words) > 0 && l.Words[0] == "docker" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s (%s): no docker command on that line", key, why)
		}
	}
}
