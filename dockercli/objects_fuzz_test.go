package dockercli

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// FuzzObjectCommands: no `docker network|secret|config` line panics, and a
// create that fails leaves every network, secret, config and service as it
// was. Reading `-` takes the fuzzed input's second line as stdin.
func FuzzObjectCommands(f *testing.F) {
	for _, s := range []string{
		"docker network create -d overlay --subnet 10.1.0.0/16 --gateway 10.1.0.9 n",
		"docker network create -d overlay --subnet 10.0.0.0/8 n",
		"docker network create --gateway 1.2.3.4,5.6.7.8 --subnet 1.2.3.0/24 n",
		"docker network create -d overlay --ingress --attachable i",
		"docker network create -d macvlan m",
		"docker network ls --filter name=[ --filter id=a",
		"docker network ls --format '{{.Label \"x\"}} {{json .}}'",
		"docker network inspect --format '{{.IPAM}}' ingress bridge",
		"docker network rm ingress front bridge\ny",
		"docker secret create s -\ndata",
		"docker secret create s -",
		"docker secret create -l a=b s2 -\nx",
		"docker config create c -\nx",
		"docker secret ls --filter names=pw --format json",
		"docker secret inspect --pretty pw",
		"docker config inspect --format '{{.Spec.Data}}' cf",
		"docker secret rm pw cf",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		line, stdin, _ := strings.Cut(in, "\n")
		words, err := SplitWords(line)
		if err != nil || len(words) == 0 || words[0] != "docker" {
			return
		}
		s := NewSession(1)
		var out bytes.Buffer
		for _, l := range []string{"docker network create -d overlay front", "docker secret create pw -", "docker config create cf -"} {
			s.Stdin = strings.NewReader("x")
			if s.Exec(l, &out, &out) != 0 {
				t.Fatalf("%s: %s", l, out.String())
			}
		}
		s.Stdin = strings.NewReader(stdin)
		cl := s.Cluster()
		state := func() []any { return []any{cl.Networks(), cl.Secrets(), cl.Configs(), cl.Services(), len(s.locals)} }
		before := state()
		out.Reset()
		code := s.ExecWords(words, &out, &out)
		if code == ExitInternal {
			t.Fatalf("%q: internal error: %s", line, out.String())
		}
		if code != 0 && len(words) > 2 && words[2] == "create" && !reflect.DeepEqual(before, state()) {
			t.Fatalf("failed create %q changed the cluster:\n%s", line, out.String())
		}
	})
}
