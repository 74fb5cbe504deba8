package swarmsimtest_test

import (
	"testing"

	"github.com/swarmsim/swarmsim/swarmsimtest"
	"pgregory.net/rapid"
)

// FuzzActions decodes the fuzzer's bytes into a scenario (a cluster and an
// action sequence, through rapid's generators) and plays it with the
// checker after every action: no input panics, no invariant breaks, and a
// call that returns an error leaves the cluster unchanged (LastSeq,
// Services and Nodes compared before and after).
func FuzzActions(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("swarmsim"))
	f.Add(make([]byte, 4096))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(rapid.MakeFuzz(func(t *rapid.T) {
		sc := swarmsimtest.Scenarios(swarmsimtest.ScenarioOptions{}).Draw(t, "scenario")
		r, err := sc.Cluster()
		if err != nil {
			t.Fatalf("scenario cluster: %v", err)
		}
		ck := swarmsimtest.NewChecker()
		ck.ExpectKnownIssues()
		for _, a := range sc.Actions {
			ck.Unchanged(r.C, a.String(), func() error { return r.Apply(a) })
			if vs := ck.CheckCluster(r.C); len(vs) > 0 {
				t.Fatalf("after %s: %s", a, swarmsimtest.Report(r.C, vs))
			}
		}
	}))
}
