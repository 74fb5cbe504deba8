package swarmsimtest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/containerspec"
	"github.com/swarmsim/swarmsim/swarmsimtest"
	"github.com/swarmsim/swarmsim/task"
	"pgregory.net/rapid"
)

// storedFields draws the container fields swarmsim stores but does not
// simulate, so that specs carry them through the edits below.
func storedFields(t *rapid.T, ts *swarmsim.TaskSpec) {
	if rapid.Bool().Draw(t, "hostname") {
		ts.Hostname = "h" + rapid.StringMatching(`[a-z]{1,4}`).Draw(t, "host")
	}
	if rapid.Bool().Draw(t, "env") {
		ts.Env = []string{"A=" + rapid.StringMatching(`[a-z]{0,3}`).Draw(t, "env-value")}
	}
	if rapid.Bool().Draw(t, "mount") {
		ts.Mounts = []containerspec.Mount{{Type: containerspec.MountVolume, Source: "data", Target: "/data"}}
	}
	if rapid.Bool().Draw(t, "caps") {
		ts.CapabilityAdd = []string{"CAP_NET_ADMIN"}
	}
}

// A spec change that does not touch the task template or the endpoint
// (service labels, the replica count, the update and rollback configs, the
// registry credential once images are pulled) never replaces a running,
// up-to-date task (SwarmKit's IsTaskDirty, manager/orchestrator/task.go): a
// scale-down removes at most old-new replicas of them, and nothing else
// does.
func TestNonTemplateChangeNeverReplacesTasks(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := swarmsim.New(swarmsim.Config{Seed: rapid.Uint64().Draw(t, "seed")})
		for _, n := range swarmsimtest.NodeConfigs(swarmsimtest.NodeOptions{AllActive: true}).Draw(t, "nodes") {
			if _, err := c.AddNode(n); err != nil {
				t.Fatal(err)
			}
		}
		spec := swarmsimtest.ServiceSpec("svc", swarmsimtest.ServiceOptions{}).Draw(t, "spec")
		storedFields(t, &spec.TaskTemplate)
		if _, err := c.CreateService(spec); err != nil {
			t.Fatal(err)
		}
		c.RunUntilConverged(10*time.Minute, "svc")
		edits := rapid.IntRange(1, 4).Draw(t, "edits")
		for i := range edits {
			running := map[string]bool{}
			ts, _ := c.Tasks("svc")
			for _, x := range ts {
				if x.UpToDate && x.DesiredState == task.Running && x.State() == task.Running {
					running[x.ID] = true
				}
			}
			cur, _ := c.Service("svc")
			s := cur.Spec.Clone()
			allowed := 0 // running tasks the edit may remove
			switch kind := rapid.IntRange(0, 4).Draw(t, fmt.Sprintf("edit%d", i)); kind {
			case 0:
				s.Labels = map[string]string{"edit": fmt.Sprint(i)}
			case 1:
				if s.Mode == swarmsim.Replicated {
					r := uint64(rapid.IntRange(0, 6).Draw(t, "replicas"))
					if r < s.Replicas {
						allowed = int(s.Replicas - r)
					}
					s.Replicas = r
				}
			case 2:
				u := swarmsimtest.UpdateConfig(swarmsimtest.ConfigOptions{}).Draw(t, "update")
				s.Update = &u
			case 3:
				r := swarmsimtest.UpdateConfig(swarmsimtest.ConfigOptions{Rollback: true}).Draw(t, "rollback")
				s.Rollback = &r
			case 4:
				s.TaskTemplate.RegistryAuth = fmt.Sprintf("token%d", i)
			}
			if err := c.UpdateService("svc", s); err != nil {
				t.Fatalf("edit %d: %v", i, err)
			}
			c.RunFor(time.Duration(rapid.IntRange(0, 120).Draw(t, "run")) * time.Second)
			ts, _ = c.Tasks("svc")
			kept := 0
			for _, x := range ts {
				if running[x.ID] && x.DesiredState == task.Running {
					kept++
				}
			}
			if removed := len(running) - kept; removed > allowed {
				t.Fatalf("edit %d removed %d running up-to-date tasks, at most %d allowed", i, removed, allowed)
			}
		}
	})
}
