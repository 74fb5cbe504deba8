package scheduler

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/node"
)

// SwarmKit's manager/constraint/constraint.go: Parse, the constraint grammar.
func TestParseConstraints(t *testing.T) {
	type parsed struct{ Key, Op, Value string }
	for _, tc := range []struct {
		in      []string
		want    []parsed
		wantErr string
	}{
		{in: nil, want: []parsed{}},
		{in: []string{"node.labels.zone==eu"}, want: []parsed{{"node.labels.zone", "==", "eu"}}},
		{in: []string{"  node.role  !=  manager "}, want: []parsed{{"node.role", "!=", "manager"}}},
		{in: []string{"node.hostname==a b*"}, want: []parsed{{"node.hostname", "==", "a b*"}}},
		{in: []string{"node.ip==10.0.0.0/8", "node.ip != 2001:db8::2"},
			want: []parsed{{"node.ip", "==", "10.0.0.0/8"}, {"node.ip", "!=", "2001:db8::2"}}},
		{in: []string{"NODE.LABELS.Zone==EU"}, want: []parsed{{"NODE.LABELS.Zone", "==", "EU"}}},
		{in: []string{"unknown.key==x"}, want: []parsed{{"unknown.key", "==", "x"}}},
		// "==" is searched for first.
		{in: []string{"node.labels.x==a!=b"}, wantErr: "value 'a!=b' is invalid"},
		{in: []string{"node.labels.x!=a==b"}, wantErr: "key 'node.labels.x!=a' is invalid"},
		{in: []string{"node.labels.zone=eu"}, wantErr: "constraint expected one operator from ==, !="},
		{in: []string{"node.labels.zone"}, wantErr: "constraint expected one operator from ==, !="},
		{in: []string{"a==b"}, wantErr: "key 'a' is invalid"},
		{in: []string{"==b"}, wantErr: "key '' is invalid"},
		{in: []string{"1node==b"}, wantErr: "key '1node' is invalid"},
		{in: []string{"node.id=="}, wantErr: "value '' is invalid"},
		{in: []string{"node.id==  "}, wantErr: "value '' is invalid"},
		{in: []string{"node.id==a>b"}, wantErr: "value 'a>b' is invalid"},
		{in: []string{"node.id==~a"}, wantErr: "value '~a' is invalid"},
		{in: []string{"node.id==a", "bad"}, wantErr: "constraint expected one operator from ==, !="},
	} {
		cs, err := ParseConstraints(tc.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if d := cmp.Diff(tc.wantErr, gotErr); d != "" {
			t.Errorf("ParseConstraints(%q) error (-want +got):\n%s", tc.in, d)
			continue
		}
		if err != nil {
			continue
		}
		got := []parsed{}
		for _, c := range cs {
			got = append(got, parsed{c.Key(), c.Operator().String(), c.Value()})
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("ParseConstraints(%q) (-want +got):\n%s", tc.in, d)
		}
	}
}

// constraint.go: NodeMatches, what each key compares with.
func TestConstraintMatch(t *testing.T) {
	n := mkNode("node-1", withLabel("zone", "EU-west"), withLabel("Disk", "ssd"), func(n *node.Node) {
		n.Spec.Name = "spec-name"
		n.Description.Hostname = "host-1"
		n.Role = node.Manager
		n.Spec.DesiredRole = node.Worker
		n.Description.EngineLabels = map[string]string{"gpu": "yes"}
		n.Status.Addr = "10.1.2.3"
	})
	bare := mkNode("bare", func(n *node.Node) {
		n.Spec.Labels = nil
		n.Description = node.Description{}
		n.Status.Addr = ""
	})
	for _, tc := range []struct {
		expr       string
		want, bare bool
	}{
		{"node.id==node-1", true, false},
		{"node.ID==NODE-1", true, false},
		{"node.id!=node-1", false, true},
		{"node.hostname==host-1", true, false},
		{"node.hostname==spec-name", false, false}, // the engine's hostname, not the spec name
		{"node.hostname!=host-1", false, true},     // no hostname counts as ""
		{"node.role==manager", true, false},        // the observed role
		{"node.role==MANAGER", true, false},
		{"node.role==worker", false, true},
		{"node.platform.os==linux", true, false},
		{"node.platform.os!=linux", false, true},
		{"node.platform.arch==x86_64", true, false},
		{"node.platform.arch==amd64", false, false}, // raw, no normalisation
		{"node.labels.zone==eu-west", true, false},  // value compare is case-insensitive
		{"NODE.LABELS.zone==eu-west", true, false},  // prefix is case-insensitive
		{"node.labels.Zone==eu-west", false, false}, // label key is case-sensitive
		{"node.labels.Disk==ssd", true, false},
		{"node.labels.zone==eu*", false, false}, // no globbing
		{"node.labels.x!=foo", true, true},      // missing label is "": != matches
		{"node.labels.x==foo", false, false},
		{"engine.labels.gpu==yes", true, false},
		{"engine.labels.gpu!=yes", false, true},
		{"node.ip==10.1.2.3", true, false},
		{"node.ip!=10.1.2.3", false, true},
		{"node.ip==10.1.0.0/16", true, false},
		{"node.ip!=10.1.0.0/16", false, true},
		{"node.ip==10.1.2", false, false}, // malformed: never matches
		{"node.ip!=10.1.2", false, false},
		{"node.labels.==x", false, false}, // prefix alone is not a label key
		{"node.name==spec-name", false, false},
		{"node.name!=spec-name", false, false}, // unknown keys never match
	} {
		cs, err := ParseConstraints([]string{tc.expr})
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		if got := cs[0].Match(n); got != tc.want {
			t.Errorf("%s on node: got %v, want %v", tc.expr, got, tc.want)
		}
		if got := cs[0].Match(bare); got != tc.bare {
			t.Errorf("%s on bare node: got %v, want %v", tc.expr, got, tc.bare)
		}
	}
	cs, _ := ParseConstraints([]string{"node.role==manager", "node.labels.zone==eu-west"})
	if !MatchAll(cs, n) || MatchAll(cs, bare) || !MatchAll(nil, bare) {
		t.Error("MatchAll")
	}
	if cs[0].Match(nil) {
		t.Error("nil node matched")
	}
}

// docker/cli's placementPrefOpts.Set (cli/command/service/opts.go):
// --placement-pref parsing.
func TestParsePreference(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Preference
		wantErr string
	}{
		{"spread=node.labels.zone", Preference{"node.labels.zone"}, ""},
		{"spread=", Preference{""}, ""},
		{"spread", Preference{}, `placement preference must be of the format "<strategy>=<arg>"`},
		{"spread=a=b", Preference{}, `placement preference must be of the format "<strategy>=<arg>"`},
		{"binpack=node.labels.zone", Preference{}, "unsupported placement preference binpack (only spread is supported)"},
		{"Spread=x", Preference{}, "unsupported placement preference Spread (only spread is supported)"},
	} {
		got, err := ParsePreference(tc.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if d := cmp.Diff(tc.wantErr, gotErr); d != "" {
			t.Errorf("ParsePreference(%q) error (-want +got):\n%s", tc.in, d)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("ParsePreference(%q) (-want +got):\n%s", tc.in, d)
		}
	}
}

func FuzzParseConstraints(f *testing.F) {
	for _, s := range []string{"node.labels.zone==eu", "node.id!=x", "a==b", "node.ip==10.0.0.0/8", "x=y", "node.labels.x!=a==b", "==", "!="} {
		f.Add(s)
	}
	n := mkNode("n", withLabel("zone", "eu"))
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseConstraints([]string{s})
		if err != nil {
			if len(cs) != 0 {
				t.Fatal("constraints with an error")
			}
			return
		}
		if len(cs) != 1 {
			t.Fatalf("got %d constraints", len(cs))
		}
		c := cs[0]
		c.Match(n)
		c.Match(&node.Node{})
		// Re-parsing the rendered constraint gives it back.
		again, err := ParseConstraints([]string{c.String()})
		if err != nil || len(again) != 1 || again[0] != c {
			// A value containing "==" after a "!=" split cannot round-trip;
			// the value pattern forbids '=', so this never happens.
			t.Fatalf("round trip of %q: %v %v", c.String(), again, err)
		}
	})
}

func FuzzParsePreference(f *testing.F) {
	for _, s := range []string{"spread=node.labels.zone", "spread", "x=y", "spread=a=b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePreference(s)
		if err == nil && "spread="+p.Spread != s {
			t.Fatalf("ParsePreference(%q) = %q", s, p.Spread)
		}
		spreadLabel(p.Spread)
	})
}
