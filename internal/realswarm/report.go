package realswarm

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Versions returns the real docker client's and daemon's versions.
func (s *Swarm) Versions() (client, server string) {
	out, _ := s.dockerOut(s.Manager(), "version", "--format", "{{.Client.Version}} {{.Server.Version}} {{.Server.APIVersion}}")
	f := strings.Fields(out)
	if len(f) == 3 {
		return f[0], f[1] + " (API " + f[2] + ")"
	}
	return "?", "?"
}

// WriteReport writes the comparison as Markdown.
func WriteReport(w io.Writer, outcomes []Outcome, client, server string, date time.Time) {
	same, explained, bugs := 0, 0, 0
	for _, o := range outcomes {
		switch {
		case o.Same():
			same++
		case o.HasBug():
			bugs++
		case o.Explained():
			explained++
		}
	}
	fmt.Fprintf(w, "# swarmsim measured against a real Docker Swarm\n\n")
	fmt.Fprintf(w, "Written by `go run ./internal/realswarm/cmd/compare` on %s: every scenario below ran on\n", date.UTC().Format("2006-01-02"))
	fmt.Fprintf(w, "swarmsim (virtual time, seed %d) and on a real swarm on this machine (docker client %s,\n", Seed, client)
	fmt.Fprintf(w, "daemon %s; `manager`, `worker1`, `worker2`, one dockerd each in its own network\n", server)
	fmt.Fprintf(w, "namespace; single-node scenarios on a swarm of `manager` alone). Both transcripts are\n")
	fmt.Fprintf(w, "normalised (IDs, \"N seconds ago\", digests, the engine version, column widths, the registry\n")
	fmt.Fprintf(w, "digest warning) and `service ps`/`node ps` tables compared as multisets of slot groups with\n")
	fmt.Fprintf(w, "their NODE column replaced by the sorted count of running tasks per node. Directives,\n")
	fmt.Fprintf(w, "`sleep` and the mesh (`swarmsim curl`/`probe`/`node block`: no IPVS in this kernel) are not\n")
	fmt.Fprintf(w, "compared. Pull time cannot be reproduced: test images are built on every node.\n\n")
	fmt.Fprintf(w, "**%d scenarios: %d identical after normalisation, %d with differences documented in\n", len(outcomes), same, explained)
	fmt.Fprintf(w, "`FIDELITY.md` (\"Real swarm comparison\"), %d showing a simulator bug (reported for fixing),\n", bugs)
	fmt.Fprintf(w, "%d with differences not yet explained.**\n\n", len(outcomes)-same-explained-bugs)
	fmt.Fprintf(w, "| Scenario | Script | Commands compared | Result | Real time |\n|---|---|---|---|---|\n")
	for _, o := range outcomes {
		n, diff, nbug := 0, 0, 0
		for _, r := range o.Results {
			if r.Note == "" {
				n++
				if !r.Same {
					diff++
				}
				if !r.Same && strings.HasPrefix(r.Known, "bug: ") {
					nbug++
				}
			}
		}
		res := "identical"
		switch {
		case o.Err != nil:
			res = "error: " + strings.ReplaceAll(o.Err.Error(), "\n", " ")
		case diff > 0 && o.HasBug():
			res = fmt.Sprintf("%d differ, %d of them a simulator bug", diff, nbug)
		case diff > 0 && o.Explained():
			res = fmt.Sprintf("%d differ, documented", diff)
		case diff > 0:
			res = fmt.Sprintf("%d differ", diff)
		}
		fmt.Fprintf(w, "| %s | `%s` | %d | %s | %s |\n", o.Scenario.Name, o.Scenario.File, n, res, o.Took.Round(time.Second))
	}
	for _, o := range outcomes {
		if o.Same() {
			continue
		}
		fmt.Fprintf(w, "\n## %s\n\n", o.Scenario.Name)
		if o.Scenario.Known != "" {
			fmt.Fprintf(w, "%s\n\n", o.Scenario.Known)
		}
		if o.Err != nil {
			fmt.Fprintf(w, "Error: `%v`\n", o.Err)
			continue
		}
		for _, r := range o.Results {
			if r.Same {
				continue
			}
			fmt.Fprintf(w, "Line %d, `%s` (`-` swarmsim, `+` real):\n\n", r.Step.Line, strings.ReplaceAll(r.Step.Text, "\n", " "))
			if b, ok := strings.CutPrefix(r.Known, "bug: "); ok {
				fmt.Fprintf(w, "Simulator bug: %s.\n\n", b)
			} else if r.Known != "" {
				fmt.Fprintf(w, "Documented: %s.\n\n", r.Known)
			}
			fmt.Fprintf(w, "```\n%s```\n\n", r.Diff())
		}
	}
	var skipped []string
	for _, o := range outcomes {
		for _, r := range o.Results {
			if strings.HasPrefix(r.Note, "skipped") {
				skipped = append(skipped, fmt.Sprintf("- %s, line %d `%s`: %s", o.Scenario.Name, r.Step.Line, r.Step.Text, strings.TrimPrefix(r.Note, "skipped: ")))
			}
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "\n## Not run on the real swarm\n\n%s\n", strings.Join(skipped, "\n"))
	}
}
