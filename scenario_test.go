package swarmsim_test

import (
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim/dockercli"
	"github.com/swarmsim/swarmsim/swarmsimtest"
)

// TestScenarios runs the golden scenarios of testdata/scenarios: each file
// drives a cluster with docker commands and swarmsim directives and pins
// the trace events every command causes (`swarmsim trace on`). Rewrite the
// expected outputs with go test -run TestScenarios -rewrite.
func TestScenarios(t *testing.T) {
	swarmsimtest.RunScenarios(t, "testdata/scenarios/*.txt")
}

// busyScript exercises most of the cluster: updates, failures, restarts,
// drains, node failures, scaling and rollbacks.
const busyScript = `
swarmsim image --exit-after 3s --exit-code 1 web:bad
swarmsim node add --role manager manager
swarmsim node add worker1
swarmsim node add worker2
swarmsim node add --label zone=b worker3
docker service create -d --name web --replicas 5 --update-delay 2s --publish 8080:80 web:1
docker service create -d --name cache --mode global cache:1
sleep 30s
docker service update -d --image web:2 --update-parallelism 2 web
sleep 10s
docker node update --availability drain worker1
sleep 20s
swarmsim node down worker2
sleep 40s
docker service scale -d web=3
docker service update -d --image web:bad --update-failure-action rollback web
sleep 1m
swarmsim node up worker2
docker node update --availability active worker1
docker service rollback -d web
sleep 2m
`

// busyTrace runs busyScript with the seed and returns the cluster's trace.
func busyTrace(t *testing.T, seed uint64) string {
	t.Helper()
	s := dockercli.NewSession(seed)
	if err := dockercli.RunScript(strings.NewReader(busyScript), io.Discard, dockercli.ScriptOptions{Session: s}); err != nil {
		t.Fatal(err)
	}
	return s.Cluster().TraceText()
}

func TestSameSeedSameTrace(t *testing.T) {
	a, b := busyTrace(t, 1), busyTrace(t, 1)
	if a != b {
		t.Fatalf("two runs with the same seed differ:\n%s", cmp.Diff(a, b))
	}
	if !strings.Contains(a, "rollback_completed") || !strings.Contains(a, "heartbeat failure") {
		t.Fatalf("busy script did not reach a rollback and a node failure:\n%s", a)
	}
}

// Another seed changes the IDs and nothing else: no choice in this scenario
// depends on randomness.
func TestOtherSeedChangesOnlyIDs(t *testing.T) {
	a, b := busyTrace(t, 1), busyTrace(t, 2)
	if a == b {
		t.Fatal("different seeds gave identical traces, IDs included")
	}
	ids := regexp.MustCompile(`\b[0-9a-z]{25}\b|\b[0-9a-z]{12}\b`)
	if ma, mb := ids.ReplaceAllString(a, "<id>"), ids.ReplaceAllString(b, "<id>"); ma != mb {
		t.Fatalf("traces differ beyond IDs:\n%s", cmp.Diff(ma, mb))
	}
}
