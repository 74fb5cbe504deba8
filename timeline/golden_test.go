package timeline_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/dockercli"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/swarmsimtest"
	"github.com/swarmsim/swarmsim/timeline"
	"github.com/swarmsim/swarmsim/updater"
)

var (
	pictures = flag.String("pictures", "", "also write the scenario pictures (3, 20, 100 slots) to this directory")
)

// runExample runs an example script as `swarmsim run --timeline` does and
// returns its timeline: the whole run, titled with the script's name.
func runExample(t *testing.T, path string) []byte {
	t.Helper()
	in, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := dockercli.NewSession(0)
	if err := dockercli.RunScript(bytes.NewReader(in), io.Discard, dockercli.ScriptOptions{Session: s}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := s.Timeline(&out, filepath.Base(path), nil); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// golden compares got with the file, or rewrites it under -rewrite.
func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if swarmsimtest.Rewrite() {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./timeline -rewrite)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", file, diff)
	}
}

// TestGoldenExamples pins, byte for byte, the timeline of every example
// script (examples/timelines/NAME.svg): among them the seed walkthrough
// (seed) and an update that pauses on a failure (update-pause). The seed's
// is also the README's picture, docs/seed-timeline.svg.
func TestGoldenExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "examples", "*.swarm"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples (%v)", err)
	}
	names := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".swarm")
		names[name] = true
		t.Run(name, func(t *testing.T) {
			got := runExample(t, f)
			golden(t, filepath.Join("..", "examples", "timelines", name+".svg"), got)
			if name == "seed" {
				golden(t, filepath.Join("..", "docs", "seed-timeline.svg"), got)
			}
		})
	}
	if !names["seed"] || !names["update-pause"] {
		t.Errorf("the seed walkthrough and the paused update must stay among the examples")
	}
}

// TestSVGParses: every committed picture is well-formed XML whose root is
// an <svg> element.
func TestSVGParses(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "examples", "timelines", "*.svg"))
	docs, _ := filepath.Glob(filepath.Join("..", "docs", "*.svg"))
	files = append(files, docs...)
	if len(files) < 6 {
		t.Fatalf("only %d SVG files", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := parseSVG(b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// parseSVG checks that b is well-formed XML with an <svg> root.
func parseSVG(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	root := ""
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if root != "" {
					return fmt.Errorf("second root element %s", el.Name.Local)
				}
				root = el.Name.Local
				if el.Name.Space != "http://www.w3.org/2000/svg" {
					return fmt.Errorf("root namespace %q", el.Name.Space)
				}
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if root != "svg" {
		return fmt.Errorf("root element %q", root)
	}
	return nil
}

// rollout builds a swarm of nodes and a service of slots replicas, rolls
// out a new image that fails on the third updated slot (so the update
// pauses), rolls back, stops a node and drains another: the pictures that
// are checked by eye at 3, 20 and 100 slots.
func rollout(t testing.TB, slots int) *swarmsim.Cluster {
	t.Helper()
	c := swarmsim.New(swarmsim.Config{Seed: 7})
	nodes := max(3, slots/4)
	for i := range nodes {
		role := node.Worker
		if i == 0 {
			role = node.Manager
		}
		if _, err := c.AddNode(swarmsim.NodeConfig{Hostname: fmt.Sprintf("node%02d", i+1), Role: role}); err != nil {
			t.Fatal(err)
		}
	}
	c.SetImage("app:2", swarmsim.ImageBehavior{Pull: 2 * time.Second, Start: time.Second, Stop: time.Second, ExitAfter: 20 * time.Second, ExitCode: 1})
	par := uint64(max(1, slots/10))
	spec := swarmsim.ServiceSpec{Name: "app", Replicas: uint64(slots), TaskTemplate: swarmsim.TaskSpec{Image: "app:1"},
		Update: &updater.Config{Parallelism: par, Delay: 5 * time.Second, FailureAction: updater.Pause, Monitor: 30 * time.Second, MaxFailureRatio: 0.2, Order: updater.StopFirst}}
	if _, err := c.CreateService(spec); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateService(swarmsim.ServiceSpec{Name: "monitor", Mode: swarmsim.Global, TaskTemplate: swarmsim.TaskSpec{Image: "monitor:1"}}); err != nil {
		t.Fatal(err)
	}
	c.RunFor(10 * time.Second)
	spec.TaskTemplate.Image = "app:2"
	if err := c.UpdateService("app", spec); err != nil {
		t.Fatal(err)
	}
	c.RunFor(90 * time.Second)
	if err := c.StopNode("node02"); err != nil {
		t.Fatal(err)
	}
	c.RunFor(30 * time.Second)
	if err := c.RollbackService("app"); err != nil {
		t.Fatal(err)
	}
	c.RunFor(60 * time.Second)
	drain := node.Drain
	if err := c.UpdateNode("node03", swarmsim.NodeUpdate{Availability: &drain}); err != nil {
		t.Fatal(err)
	}
	if err := c.StartNode("node02"); err != nil {
		t.Fatal(err)
	}
	c.RunFor(60 * time.Second)
	return c
}

// TestRenderSizes renders the rollout at 3, 20 and 100 slots: well-formed,
// deterministic, every slot a row, and the picture's height bounded as rows
// shrink. With -pictures DIR the SVGs are written there to be looked at.
func TestRenderSizes(t *testing.T) {
	for _, slots := range []int{3, 20, 100} {
		t.Run(fmt.Sprint(slots), func(t *testing.T) {
			c := rollout(t, slots)
			opts := timeline.Options{Epoch: c.Epoch(), To: c.Elapsed(), Title: fmt.Sprintf("app: %d slots, a failing update, a rollback", slots)}
			var a, b bytes.Buffer
			if err := timeline.Render(&a, c.Events(), opts); err != nil {
				t.Fatal(err)
			}
			if err := timeline.Render(&b, c.Events(), opts); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("two renderings differ")
			}
			if err := parseSVG(a.Bytes()); err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= slots; i++ {
				if !strings.Contains(a.String(), fmt.Sprintf("<title>app.%d ", i)) {
					t.Errorf("no task of slot %d", i)
				}
			}
			var h float64
			fmt.Sscanf(a.String()[strings.Index(a.String(), `height="`)+8:], "%g", &h)
			if h > 1400 {
				t.Errorf("picture %g px high", h)
			}
			if *pictures != "" {
				if err := os.WriteFile(filepath.Join(*pictures, fmt.Sprintf("rollout-%d.svg", slots)), a.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
