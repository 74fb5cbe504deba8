// Command compare runs every scenario of the real-swarm suite on swarmsim and
// on a real Docker Swarm started on this machine, and writes the comparison
// (docs/fidelity-real.md by default). It needs root; it installs docker.io
// with apt-get when dockerd is missing. Everything it starts is stopped and
// removed when it ends, also on Ctrl-C.
//
//	go run ./internal/realswarm/cmd/compare [-o FILE] [-run REGEXP] [-quick]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"regexp"
	"time"

	"github.com/swarmsim/swarmsim/internal/realswarm"
)

func main() {
	out := flag.String("o", "docs/fidelity-real.md", "report file (- for stdout)")
	run := flag.String("run", "", "only scenarios whose name matches this regular expression")
	quick := flag.Bool("quick", false, "only the quick (CI) subset")
	flag.Parse()
	re, err := regexp.Compile(*run)
	if err != nil {
		log.Fatal(err)
	}
	logf := func(f string, a ...any) { log.Printf(f, a...) }
	if err := realswarm.Install(logf); err != nil {
		log.Fatal(err)
	}
	var outcomes []realswarm.Outcome
	var client, server string
	failed := false
	for _, single := range []bool{true, false} {
		var todo []realswarm.Scenario
		for _, sc := range realswarm.Suite {
			if sc.Single == single && re.MatchString(sc.Name) && (!*quick || sc.Quick) {
				todo = append(todo, sc)
			}
		}
		if len(todo) == 0 {
			continue
		}
		opts := realswarm.Options{Log: logf}
		if single {
			opts.Nodes = []string{"manager"}
		}
		s, err := realswarm.Start(opts)
		if err != nil {
			log.Fatal(err)
		}
		client, server = s.Versions()
		for _, sc := range todo {
			log.Printf("scenario %s", sc.Name)
			o := s.RunScenario(sc)
			res := "identical"
			if !o.Same() {
				res = "DIFFERS"
				failed = failed || !o.Explained()
			}
			if o.Err != nil {
				res = "ERROR " + o.Err.Error()
			}
			log.Printf("scenario %s: %s (%s)", sc.Name, res, o.Took.Round(time.Second))
			outcomes = append(outcomes, o)
			write(*out, outcomes, client, server)
		}
		if err := s.Close(); err != nil {
			log.Print(err)
		}
	}
	if *out == "-" {
		var b bytes.Buffer
		realswarm.WriteReport(&b, outcomes, client, server, time.Now())
		os.Stdout.Write(b.Bytes())
	}
	if failed {
		fmt.Fprintln(os.Stderr, "compare: scenarios differ that FIDELITY.md does not explain")
		os.Exit(1)
	}
}

// write rewrites the report after every scenario, so that an interrupted run
// keeps what it measured.
func write(file string, outcomes []realswarm.Outcome, client, server string) {
	if file == "-" {
		return
	}
	var b bytes.Buffer
	realswarm.WriteReport(&b, outcomes, client, server, time.Now())
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
