package dockercli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"
	"unicode/utf8"

	units "github.com/docker/go-units"
)

// Table layout of docker/cli's formatter (reference docker-cli.md §0.5):
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

// ---- templates (docker/cli templates package) ----

//lint:file-ignore SA1019 docker/cli's templates package offers strings.Title as "title", as here
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"json":     formatJSON,
		"split":    strings.Split,
		"join":     joinElements,
		"title":    strings.Title, //nolint:staticcheck // what docker uses
		"lower":    strings.ToLower,
		"upper":    strings.ToUpper,
		"pad":      padWithSpace,
		"truncate": truncateWithLength,
	}
}

func headerFuncs() template.FuncMap {
	id := func(v string) string { return v }
	return template.FuncMap{
		"json":     id,
		"split":    func(v string, _ string) string { return v },
		"join":     func(v string, _ string) string { return v },
		"title":    id,
		"lower":    id,
		"upper":    id,
		"truncate": func(v string, _ int) string { return v },
	}
}

func parseTemplate(format string) (*template.Template, error) {
	return template.New("").Funcs(templateFuncs()).Parse(format)
}

func padWithSpace(source string, prefix, suffix int) string {
	if source == "" {
		return source
	}
	if prefix < 0 || suffix < 0 {
		return source
	}
	return strings.Repeat(" ", prefix) + source + strings.Repeat(" ", suffix)
}

func truncateWithLength(source string, length int) string {
	if length < 0 || len(source) < length {
		return source
	}
	return source[:length]
}

func formatJSON(v any) (string, error) {
	buf := &bytes.Buffer{}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSpace(buf.String()), nil
}

func joinElements(elems any, sep string) (string, error) {
	if elems == nil {
		return "", nil
	}
	if ss, ok := elems.([]string); ok {
		return strings.Join(ss, sep), nil
	}
	switch rv := reflect.ValueOf(elems); rv.Kind() {
	case reflect.Array, reflect.Slice:
		var b strings.Builder
		for i := range rv.Len() {
			if i > 0 {
				b.WriteString(sep)
			}
			fmt.Fprint(&b, rv.Index(i).Interface())
		}
		return b.String(), nil
	case reflect.Map:
		var out []string
		for _, k := range rv.MapKeys() {
			out = append(out, fmt.Sprint(rv.MapIndex(k).Interface()))
		}
		sort.Strings(out)
		return strings.Join(out, sep), nil
	}
	return "", fmt.Errorf("expected slice, got %T", elems)
}

// ---- list formatting (docker/cli formatter.Context) ----

// listFormat is a resolved --format value: "table ..." (with a header), a
// bare template, or "json".
type listFormat string

func (f listFormat) isTable() bool { return strings.HasPrefix(string(f), "table") }

func (f listFormat) templateString() string {
	out := string(f)
	switch out {
	case "table":
		return ""
	case "json":
		return "{{json .}}"
	}
	out = strings.TrimPrefix(out, "table")
	out = strings.Trim(out, " ")
	return strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(out)
}

// writeList renders rows with a format as docker/cli's formatter.Context
// does: each row through the template, then, for table formats, a header
// line and all rows through Docker's tabwriter.
func writeList(w io.Writer, f listFormat, header map[string]string, rows []any) error {
	tmpl, err := parseTemplate(f.templateString())
	if err != nil {
		return fmt.Errorf("template parsing error: %w", err)
	}
	var buf bytes.Buffer
	for _, r := range rows {
		if err := tmpl.Execute(&buf, r); err != nil {
			return fmt.Errorf("template parsing error: %w", err)
		}
		buf.WriteString("\n")
	}
	if !f.isTable() {
		_, err := buf.WriteTo(w)
		return err
	}
	tw := NewTableWriter(w)
	_ = tmpl.Funcs(headerFuncs()).Execute(tw, header)
	_, _ = tw.Write([]byte{'\n'})
	_, _ = buf.WriteTo(tw)
	return tw.Flush()
}
