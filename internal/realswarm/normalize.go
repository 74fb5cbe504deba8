package realswarm

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Normalisation makes the two transcripts comparable: what is random or
// machine-specific in either (IDs, relative times, digests, the engine
// version, column widths, and the order of what FIDELITY.md lists as random
// in real Swarm) is replaced or sorted; everything else must match exactly.

var (
	reID25   = regexp.MustCompile(`\b[a-z0-9]{25}\b`)
	reID12   = regexp.MustCompile(`\b[a-z0-9]{12}\b`)
	reDigit  = regexp.MustCompile(`[0-9]`)
	reAgo    = regexp.MustCompile(`((?i:less than a second|about an? (second|minute|hour))|\d+ (seconds?|minutes?|hours?|days?|weeks?|months?|years?)) ago`)
	reDigest = regexp.MustCompile(`@sha256:[0-9a-f]{64}`)
	reEngine = regexp.MustCompile(`\b(\d+\.\d+\.\d+\+dfsg\d+|29\.7\.2)\b`)
	reSpaces = regexp.MustCompile(` {2,}`)
	// The create/update warning printed when no registry can resolve the
	// image's digest (none here; swarmsim never prints it: FIDELITY.md).
	reNoRegistry = regexp.MustCompile(`(?s)image \S+ could not be accessed on a registry to record\nits digest\. Each node will access \S+ independently,\npossibly leading to different nodes running different\nversions of the image\.\n\n?`)
	reDuration   = regexp.MustCompile(`converged after \S+`)
	reIDLine     = regexp.MustCompile(`^([a-z0-9]{12}|[a-z0-9]{25})($|: )`)
	// A table row starts with an ID (12 or 25 characters).
	reRow = regexp.MustCompile(`^[a-z0-9]{12}([a-z0-9]{13})? `)
	// A replicated task's name: service.slot.
	reSlot = regexp.MustCompile(`^((?:\\_ )?[^.]+)\.[0-9]+$`)
)

// normID replaces an ID-looking word: 25 base-36 characters, or 12 with a
// digit among them (a truncated ID; a name that long without a digit is
// kept).
func normIDs(s string) string {
	s = reID25.ReplaceAllString(s, "<ID>")
	return reID12.ReplaceAllStringFunc(s, func(w string) string {
		if reDigit.MatchString(w) {
			return "<ID>"
		}
		return w
	})
}

func normText(s string) string {
	s = reDigest.ReplaceAllString(s, "")
	s = normIDs(s)
	s = reAgo.ReplaceAllString(s, "<T> ago")
	s = reEngine.ReplaceAllString(s, "<VERSION>")
	s = reDuration.ReplaceAllString(s, "converged after <D>")
	return s
}

// Normalize returns a command's output in comparable form. words are the
// command's words: `docker service ps` and `docker node ps` tables are
// compared as multisets of slot groups (a task and its " \_ " history rows)
// with the NODE column replaced by how many running tasks each node has,
// sorted, and slot numbers hidden (which node gets which slot is random in
// Swarm).
func Normalize(words []string, out string) string {
	out = reNoRegistry.ReplaceAllString(Screen(out), "")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		lines = nil
	}
	var res []string
	for i := 0; i < len(lines); i++ {
		cols := tableHeader(lines[i])
		if cols == nil {
			res = append(res, normLine(lines[i]))
			continue
		}
		j := i + 1
		for j < len(lines) && reRow.MatchString(lines[j]) {
			j++
		}
		res = append(res, normTable(words, cols, lines[i], lines[i+1:j])...)
		i = j - 1
	}
	return strings.Join(res, "\n")
}

func normLine(l string) string {
	// An ID alone on its line (-q) or before a global service's progress
	// bar is an ID even without a digit.
	l = reIDLine.ReplaceAllString(l, "<ID>$2")
	return strings.TrimRight(reSpaces.ReplaceAllString(normText(strings.TrimRight(l, " ")), "  "), " ")
}

type column struct {
	name  string
	start int
}

// tableHeader recognises the header of a docker table (ID first, columns in
// capitals separated by at least two spaces) and returns its columns.
func tableHeader(l string) []column {
	if !strings.HasPrefix(l, "ID ") || !strings.Contains(l, "NAME") {
		return nil
	}
	var cols []column
	for i := 0; i < len(l); {
		for i < len(l) && l[i] == ' ' {
			i++
		}
		if i >= len(l) {
			break
		}
		start := i
		for i < len(l) && !(l[i] == ' ' && (i+1 >= len(l) || l[i+1] == ' ')) {
			i++
		}
		cols = append(cols, column{strings.TrimSpace(l[start:i]), start})
	}
	return cols
}

func cells(cols []column, row string) []string {
	out := make([]string, len(cols))
	for k, c := range cols {
		end := len(row)
		if k+1 < len(cols) {
			end = min(cols[k+1].start, len(row))
		}
		if c.start < len(row) && c.start < end {
			out[k] = strings.TrimSpace(row[c.start:end])
		}
	}
	return out
}

func normTable(words []string, cols []column, header string, rows []string) []string {
	var names []string
	for _, c := range cols {
		names = append(names, c.name)
	}
	out := []string{strings.Join(names, " | ")}
	isPs := len(words) >= 2 && words[1] == "ps" && (words[0] == "service" || words[0] == "node") ||
		len(words) >= 3 && words[0] == "docker" && words[2] == "ps" && (words[1] == "service" || words[1] == "node")
	nodeCol, desiredCol, nameCol := -1, -1, -1
	for k, c := range cols {
		switch c.name {
		case "NAME":
			nameCol = k
		case "NODE":
			nodeCol = k
		case "DESIRED STATE":
			desiredCol = k
		}
	}
	var body []string
	perNode := map[string]int{}
	for _, r := range rows {
		cs := cells(cols, r)
		if isPs && nodeCol >= 0 {
			if desiredCol >= 0 && cs[desiredCol] == "Running" && cs[nodeCol] != "" {
				perNode[cs[nodeCol]]++
			}
			cs[nodeCol] = "<node>"
		}
		if isPs && nameCol >= 0 {
			// Which slot lands on which node is random: slots compare as
			// a multiset of groups, not by number.
			cs[nameCol] = reSlot.ReplaceAllString(cs[nameCol], "$1.<slot>")
		}
		for k := range cs {
			if k == 0 && cols[0].name == "ID" {
				// The ID column (with node ls's "*" for the current node).
				cs[k] = strings.TrimSpace("<ID> " + strings.TrimLeft(cs[k], "abcdefghijklmnopqrstuvwxyz0123456789"))
				continue
			}
			cs[k] = normText(cs[k])
		}
		body = append(body, strings.TrimRight(strings.Join(cs, " | "), " "))
	}
	if !isPs {
		return append(out, body...)
	}
	// Slot groups: a row, then its history rows (" \_ "), sorted as wholes.
	var groups []string
	for _, r := range body {
		if strings.Contains(r, "| \\_ ") && len(groups) > 0 {
			groups[len(groups)-1] += "\n" + r
			continue
		}
		groups = append(groups, r)
	}
	sort.Strings(groups)
	out = append(out, groups...)
	if nodeCol >= 0 {
		var counts []int
		for _, n := range perNode {
			counts = append(counts, n)
		}
		sort.Sort(sort.Reverse(sort.IntSlice(counts)))
		out = append(out, fmt.Sprintf("(running tasks per node, sorted: %v)", counts))
	}
	return out
}
