package proptest_test

import (
	"testing"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/swarmsimtest"
	"github.com/swarmsim/swarmsim/updater"
	"pgregory.net/rapid"
)

// With start-first and parallelism 1, whatever the cluster and however the
// images pull, start and pass their health checks, a probe through the
// routing mesh during a rolling update sees no refused request when no
// task fails.
func TestStartFirstNeverRefuses(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := swarmsimtest.NewCluster(t, swarmsimtest.ClusterOptions{Behavior: swarmsimtest.ImageOptions{NoFailures: true}})
		// Draw the service; keep our policy; publish a port.
		spec := swarmsimtest.ServiceSpec("web", swarmsimtest.ServiceOptions{NoGlobal: true}).Draw(t, "spec")
		spec.Update = &updater.Config{Parallelism: 1, Order: updater.StartFirst}
		spec.Endpoint = mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}
		if _, err := c.CreateService(spec); err != nil {
			t.Fatal(err)
		}
		if ok, _ := c.RunUntilConverged(time.Hour, "web"); !ok {
			t.Skip("the first version never converged (placement)")
		}
		spec.TaskTemplate.Image = rapid.SampledFrom(swarmsimtest.DefaultImages()).Draw(t, "new-image")
		c.UpdateService("web", spec)
		res, _ := c.Probe(c.Nodes()[0].ID, 8080, mesh.TCP, 100*time.Millisecond, 10*time.Minute)
		if res.Refused > 0 {
			t.Fatalf("%d of %d requests refused: %v", res.Refused, res.Sent, res.Reasons)
		}
	})
}

// The same kind of property as an invariant of the ready-made state
// machine: whatever the actions and faults, a start-first service created
// by the machine never has a moment with no running task once it ran.
func TestMachineWithOwnProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := swarmsimtest.NewMachine(t, swarmsimtest.MachineConfig{})
		m.Checker.Add("tasks-known", func(s *swarmsimtest.Snapshot) []swarmsimtest.Violation {
			for _, v := range s.Services {
				if v.Status.RunningTasks > len(s.TasksOf(v.ID)) {
					return []swarmsimtest.Violation{{Message: v.Spec.Name + " counts tasks it does not have"}}
				}
			}
			return nil
		})
		t.Repeat(m.Actions())
	})
}

var _ = swarmsim.DefaultEpoch
