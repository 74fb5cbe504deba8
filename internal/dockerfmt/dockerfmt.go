// Package dockerfmt holds the docker CLI's formatting rules that the
// command line needs and no user should import: docker/cli's table layout
// (cli/command/formatter), its ID truncation and state names, go-units'
// durations, the natural order of names and jsonmessage's progress bar.
package dockerfmt

import (
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/docker/go-units"
)

// Table layout of docker/cli's formatter (cli/command/formatter/formatter.go: Context.postFormat):
// minwidth 10, tabwidth 1, padding 3, pad with spaces, no flags.
const (
	tableMinWidth = 10
	tableTabWidth = 1
	tablePadding  = 3
)

// NewTableWriter returns a tabwriter with Docker's table settings. The last
// column is never padded; a row whose last cell is empty keeps the previous
// column's padding (trailing spaces).
func NewTableWriter(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, tableMinWidth, tableTabWidth, tablePadding, ' ', 0)
}

// TruncateID shortens an ID as stringid.TruncateID does: any "algo:" prefix
// is dropped and the first 12 characters kept.
func TruncateID(id string) string {
	if i := strings.IndexByte(id, ':'); i >= 0 {
		id = id[i+1:]
	}
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// PrettyPrint capitalises the first letter and lower-cases the rest, as
// docker/cli's formatter.PrettyPrint does ("running" -> "Running").
func PrettyPrint(s string) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}

// Ellipsis truncates s to at most maxDisplayWidth columns: a longer string
// keeps its first maxDisplayWidth-1 runes and gains "…".
func Ellipsis(s string, maxDisplayWidth int) string {
	if maxDisplayWidth <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= maxDisplayWidth {
		return s
	}
	if maxDisplayWidth == 1 {
		return "…"
	}
	rs := []rune(s)
	return string(rs[:maxDisplayWidth-1]) + "…"
}

// HumanDuration is go-units' HumanDuration ("Less than a second",
// "About a minute", "3 hours", ...), the text `ps` lower-cases and `inspect
// --pretty` shows as is.
func HumanDuration(d time.Duration) string { return units.HumanDuration(d) }

// NaturalLess orders strings with runs of digits compared as numbers
// ("web.2" before "web.10"), the order docker/cli sorts names in.
func NaturalLess(a, b string) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		da, db := isDigit(ca), isDigit(cb)
		switch {
		case da != db:
			return da
		case !da:
			if ca != cb {
				return ca < cb
			}
			i++
			j++
		default:
			for i < len(a) && a[i] == '0' {
				i++
			}
			for j < len(b) && b[j] == '0' {
				j++
			}
			sa, sb := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			if la, lb := i-sa, j-sb; la != lb {
				return la < lb
			}
			if na, nb := a[sa:i], b[sb:j]; na != nb {
				return na < nb
			}
			if sa != sb {
				return sa < sb
			}
		}
	}
	return len(a)-i < len(b)-j
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// ProgressBar renders jsonmessage's bar for current out of total on a
// terminal of the given width: "[====>   ] " when the terminal is wider than
// 110 columns, "" otherwise.
func ProgressBar(current, total int64, width int) string {
	if current <= 0 && total <= 0 {
		return ""
	}
	if total <= 0 || width <= 110 {
		return ""
	}
	pct := int(float64(current)/float64(total)*100) / 2
	pct = min(pct, 50)
	spaces := max(50-pct, 0)
	return "[" + strings.Repeat("=", pct) + ">" + strings.Repeat(" ", spaces) + "] "
}
