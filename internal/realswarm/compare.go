package realswarm

import (
	"fmt"
	"strings"
)

// Result is the comparison of one step.
type Result struct {
	Step    Step // swarmsim's
	Real    Step
	Sim     string // normalised outputs
	RealOut string
	Same    bool
	// Note says why the step was not compared (a directive, a skipped
	// command).
	Note string
	// Known, for a step that differs, is the documented reason
	// (KnownDiffs): FIDELITY.md's row.
	Known string
}

// Compare compares two transcripts of the same script step by step.
func Compare(sim, real Transcript) ([]Result, error) {
	if len(sim) != len(real) {
		return nil, fmt.Errorf("realswarm: %d steps on swarmsim, %d on the real swarm", len(sim), len(real))
	}
	var out []Result
	for i := range sim {
		r := Result{Step: sim[i], Real: real[i]}
		words := strings.Fields(sim[i].Text)
		switch {
		case real[i].Skipped != "":
			r.Note, r.Same = "skipped: "+real[i].Skipped, true
		case sim[i].Directive && sim[i].Code == 0 && real[i].Code == 0:
			r.Note, r.Same = "directive", true
		default:
			if len(words) > 0 && words[0] == "docker" {
				words = words[1:]
			}
			r.Sim = Normalize(words, sim[i].Out)
			r.RealOut = Normalize(words, real[i].Out)
			if sim[i].Directive {
				r.Sim, r.RealOut = "", ""
			}
			r.Same = r.Sim == r.RealOut && sim[i].Code == real[i].Code
		}
		out = append(out, r)
	}
	return out, nil
}

// Diff is a line diff of the normalised outputs ("-" swarmsim, "+" real)
// with the exit codes when they differ.
func (r Result) Diff() string {
	var b strings.Builder
	if r.Step.Code != r.Real.Code {
		fmt.Fprintf(&b, "exit code: swarmsim %d, real %d\n", r.Step.Code, r.Real.Code)
	}
	for _, l := range lineDiff(splitLines(r.Sim), splitLines(r.RealOut)) {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// lineDiff is a longest-common-subsequence diff.
func lineDiff(a, b []string) []string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out = append(out, "  "+a[i])
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, "- "+a[i])
			i++
		default:
			out = append(out, "+ "+b[j])
			j++
		}
	}
	return out
}
