package dockercli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The incremental progress count (slots changed since the last poll, from
// the trace) draws exactly what the full scan of every task draws, through
// updates, failures, rollbacks, node failures and scaling of services too
// big for per-slot lines.
func TestProgressIncrementalMatchesFullScan(t *testing.T) {
	scripts := map[string]string{
		"update": `docker service create --replicas 30 --name web nginx:1
docker service update --update-parallelism 4 --image nginx:2 web
docker service rollback web`,
		"failure-rollback": `swarmsim image nginx:bad --exit-after 3s --exit-code 1
docker service create --replicas 24 --name web --update-parallelism 5 --update-failure-action rollback --update-max-failure-ratio 0.1 nginx:1
docker service update --image nginx:bad web`,
		"pause": `swarmsim image nginx:bad --fail-on-start
docker service create --replicas 25 --name web nginx:1
docker service update --update-parallelism 3 --image nginx:bad web`,
		"node-down": `swarmsim node add extra1
swarmsim node add extra2
docker service create --replicas 40 --name web nginx:1
swarmsim node down extra1
docker service update --update-parallelism 2 --image nginx:2 web
swarmsim node up extra1
docker service scale web=60
docker service scale web=21`,
		"start-first": `docker service create --replicas 22 --name web --update-order start-first --update-delay 2s nginx:1
docker service update --image nginx:2 --update-parallelism 0 web
docker node update --availability drain worker1
docker service update --force web`,
		"background": `docker service create --replicas 50 --name web --update-delay 20s nginx:1
docker service update --image nginx:2 web`,
	}
	run := func(script string, fast bool) string {
		old := fastProgress
		fastProgress = fast
		defer func() { fastProgress = old }()
		var out bytes.Buffer
		if err := RunScript(strings.NewReader(script), &out, ScriptOptions{}); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			full, fast := run(script, false), run(script, true)
			if diff := cmp.Diff(full, fast); diff != "" {
				t.Errorf("incremental display differs from the full scan (-full +incremental):\n%s", diff)
			}
			if !strings.Contains(full, "overall progress") {
				t.Errorf("no progress display:\n%s", full)
			}
		})
	}
}
