package dockercli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/containerspec"
)

// updateHosts follows docker/cli's updateHosts (cli/command/service/
// update.go), with the examples of its comment: a bare host name is removed
// from every entry, host:ip only from entries of that address, and emptied
// entries go.
func TestUpdateHosts(t *testing.T) {
	cur := []string{"127.0.0.2 host3 host1 host2 host4", "127.0.0.1 host1 host4", "127.0.0.3 host1", "127.0.0.1 host1"}
	for _, tc := range []struct {
		rm, add, want []string
	}{
		{rm: []string{"host1"}, want: []string{"127.0.0.2 host3 host2 host4", "127.0.0.1 host4"}},
		{rm: []string{"host1:127.0.0.1"}, want: []string{"127.0.0.2 host3 host1 host2 host4", "127.0.0.1 host4", "127.0.0.3 host1"}},
		{add: []string{"db:10.0.0.1", "db:10.0.0.1"}, want: append(cur[:4:4], "10.0.0.1 db")},
	} {
		if diff := cmp.Diff(tc.want, updateHosts(cur, tc.add, tc.rm)); diff != "" {
			t.Errorf("rm %v add %v (-want +got):\n%s", tc.rm, tc.add, diff)
		}
	}
}

// Capabilities follow docker/cli's EffectiveCapAddCapDrop on create and its
// tri-state updateCapabilities on update (opts/capabilities.go, update.go).
func TestCapabilities(t *testing.T) {
	add, drop := normalizeCaps([]string{"net_admin", "CAP_CHOWN", "chown"}, []string{"mknod", "net_admin", "RESET"})
	if diff := cmp.Diff([]string{"CAP_CHOWN", "CAP_NET_ADMIN"}, add); diff != "" {
		t.Errorf("create add (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"CAP_MKNOD"}, drop); diff != "" {
		t.Errorf("create drop (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name                           string
		curAdd, curDrop, toAdd, toDrop []string
		addSet, dropSet                bool
		wantAdd, wantDrop              []string
	}{
		{"add a dropped one un-drops it", nil, []string{"CAP_SOME"}, []string{"some"}, nil, true, false, nil, nil},
		{"add again adds", nil, nil, []string{"some"}, nil, true, false, []string{"CAP_SOME"}, nil},
		{"drop an added one un-adds it", []string{"CAP_SOME"}, nil, nil, []string{"some"}, false, true, nil, nil},
		{"add wins over drop", nil, nil, []string{"a"}, []string{"a"}, true, true, []string{"CAP_A"}, nil},
		{"ALL alone", []string{"CAP_A"}, nil, []string{"all"}, nil, true, false, []string{"ALL"}, nil},
		{"RESET clears", []string{"CAP_A", "CAP_B"}, []string{"CAP_C"}, []string{"reset", "d"}, nil, true, false, []string{"CAP_D"}, []string{"CAP_C"}},
	} {
		a, d := updateCaps(tc.curAdd, tc.curDrop, tc.toAdd, tc.toDrop, tc.addSet, tc.dropSet)
		if diff := cmp.Diff(tc.wantAdd, a); diff != "" {
			t.Errorf("%s: add (-want +got):\n%s", tc.name, diff)
		}
		if diff := cmp.Diff(tc.wantDrop, d); diff != "" {
			t.Errorf("%s: drop (-want +got):\n%s", tc.name, diff)
		}
	}
}

// An --env-file is read as docker/cli's kvfile.Parse reads it (comments,
// blank lines, leading blanks, a BOM; bare names dropped), relative to the
// session's directory, and its errors name the file as the user typed it.
func TestEnvFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ok.env"), []byte("\uFEFFA=1\n# c\n\n  B=2\nBARE\r\nA=3\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "bad.env"), []byte("BAD KEY=1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "noname.env"), []byte("=1\n"), 0o644)
	s := &Session{Dir: dir}
	got, err := s.readEnvFiles([]string{"ok.env"}, []string{"B=9", "C=1"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"A=3", "B=9", "C=1"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for file, want := range map[string]string{
		"bad.env":    "invalid env file (bad.env): variable 'BAD KEY' contains whitespaces",
		"noname.env": "invalid env file (noname.env): no variable name on line '=1'",
		"none.env":   "open none.env: no such file or directory",
	} {
		if _, err := s.readEnvFiles([]string{file}, nil); err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %q", file, err, want)
		}
	}
}

// --credential-spec takes docker/cli's three schemes; config:// keeps the
// config's name (FIDELITY.md: no runtime config reference is added), and
// "" removes the credential spec on update.
func TestCredentialSpecConfig(t *testing.T) {
	s := NewSession(1)
	var out, errb bytes.Buffer
	run := func(line string) *containerspec.CredentialSpec {
		t.Helper()
		if code := s.Exec(line, &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", line, code, errb.String())
		}
		svc, _ := s.Cluster().Service("w")
		return svc.Spec.TaskTemplate.CredentialSpec
	}
	if cs := run("docker service create -d --name w --credential-spec config://gmsa nginx"); cs == nil || cs.Config != "gmsa" {
		t.Fatalf("after create: %+v", cs)
	}
	if cs := run("docker service update -d --credential-spec '' w"); cs != nil {
		t.Fatalf("after update with '': %+v", cs)
	}
}
