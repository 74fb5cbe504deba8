package timeline_test

import (
	"bytes"
	"fmt"
	"regexp"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/timeline"
)

// A rolling update of three replicas, drawn: each slot is a row, and the
// update's status change is a marker above them.
func ExampleRender() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	c.AddNode(swarmsim.NodeConfig{Hostname: "manager", Role: node.Manager})
	spec := swarmsim.ServiceSpec{Name: "redis", Replicas: 3, TaskTemplate: swarmsim.TaskSpec{Image: "redis:3.0.6"}}
	c.CreateService(spec)
	c.RunFor(5 * time.Second)
	spec.TaskTemplate.Image = "redis:3.0.7"
	c.UpdateService("redis", spec)
	c.RunFor(30 * time.Second)

	var svg bytes.Buffer
	err := timeline.Render(&svg, c.Events(), timeline.Options{Epoch: c.Epoch(), To: c.Elapsed(), Title: "redis 3.0.6 to 3.0.7"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range regexp.MustCompile(`class="(?:rl|grp|ml)"[^>]*>([^<]*)<`).FindAllStringSubmatch(svg.String(), -1) {
		fmt.Println(m[1])
	}
	// Output:
	// redis
	// redis.1
	// redis.2
	// redis.3
	// updating
	// completed
}

// The timeline of a run, drawn from the cluster's trace one event at a
// time and written as it is drawn, as `swarmsim run --timeline` does.
// Without Options.To the span ends at the last event: here at 2s, when
// both tasks run.
func ExampleRenderSeq() {
	c := swarmsim.New(swarmsim.Config{Seed: 1})
	c.AddNode(swarmsim.NodeConfig{Hostname: "manager", Role: node.Manager})
	c.CreateService(swarmsim.ServiceSpec{Name: "web", Replicas: 2, TaskTemplate: swarmsim.TaskSpec{Image: "nginx:1"}})
	c.RunFor(10 * time.Second)

	var svg bytes.Buffer
	if err := timeline.RenderSeq(&svg, c.AllEvents(), timeline.Options{Epoch: c.Epoch()}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(regexp.MustCompile(`virtual time [^<]*`).FindString(svg.String()))
	// Output:
	// virtual time 0s to 2s since the epoch · 1 service · 2 tasks
}
