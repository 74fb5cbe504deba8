package dockercli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/swarmsim/swarmsim/internal/dockerfmt"
)

// ---- templates (docker/cli templates package) ----

// Template limits. Go's text/template has no timeout, so a --format is
// bounded by what it can do: the bytes it writes (and the strings its
// functions build), and its steps: one per list it runs, that is per
// template call, per range iteration and per branch taken.
const (
	// MaxTemplateOutput is the most bytes one command's templates write.
	MaxTemplateOutput = 16 << 20
	// MaxTemplateSteps is the most steps one command's templates run,
	// beyond templateStepsPerRun for each row or element they format.
	MaxTemplateSteps = 200_000
	// templateStepsPerRun is the allowance each execution adds to the
	// step budget, so that a plain format over 2,000,000 tasks fits.
	templateStepsPerRun = 16
)

// TemplateLimitError is the error of a template that went past a limit.
type TemplateLimitError struct{ Msg string }

func (e *TemplateLimitError) Error() string { return e.Msg }

var (
	errTemplateOutput = &TemplateLimitError{fmt.Sprintf("swarmsim: the template's output exceeds the simulator's limit of %d bytes (16 MiB)", MaxTemplateOutput)}
	errTemplateSteps  = &TemplateLimitError{fmt.Sprintf("swarmsim: the template ran more than %d steps (the simulator's limit, with 16 more per row): a range or a template call repeats too often", MaxTemplateSteps)}
)

// templateBudget is what one command's templates may still do.
type templateBudget struct {
	steps, bytes int
	err          error
}

func (b *templateBudget) step() (string, error) {
	if b.steps++; b.steps > MaxTemplateSteps {
		b.err = errTemplateSteps
		return "", b.err
	}
	return "", nil
}

// fits returns s, or the output error when s alone is longer than the limit.
func (b *templateBudget) fits(s string) (string, error) {
	if len(s) > MaxTemplateOutput {
		b.err = errTemplateOutput
		return "", b.err
	}
	return s, nil
}

// limitWriter passes writes on while the budget's bytes last.
type limitWriter struct {
	w io.Writer
	b *templateBudget
}

func (l limitWriter) Write(p []byte) (int, error) {
	if l.b.bytes+len(p) > MaxTemplateOutput {
		l.b.err = errTemplateOutput
		return 0, l.b.err
	}
	l.b.bytes += len(p)
	return l.w.Write(p)
}

// boundedTemplate is a parsed --format with its budget: Execute writes
// through the byte limit and fails with a *TemplateLimitError once either
// limit is reached.
type boundedTemplate struct {
	*template.Template
	b *templateBudget
}

// Execute runs the template within the budget.
func (t *boundedTemplate) Execute(w io.Writer, data any) error {
	if t.b.err != nil {
		return t.b.err
	}
	t.b.steps -= templateStepsPerRun
	err := t.Template.Execute(limitWriter{w, t.b}, data)
	if t.b.err != nil {
		return t.b.err
	}
	return err
}

// Option sets options of the template (text/template's Option).
func (t *boundedTemplate) Option(opt ...string) *boundedTemplate {
	t.Template.Option(opt...)
	return t
}

// Funcs adds functions to the template (text/template's Funcs).
func (t *boundedTemplate) Funcs(m template.FuncMap) *boundedTemplate {
	t.Template.Funcs(m)
	return t
}

// stepFunc is the function instrument calls at the start of every list.
const stepFunc = "swarmsimStep"

// instrument makes every list of a parsed template (its body, each range
// iteration, each branch, each defined template) begin with a call to
// stepFunc, which counts the step and stops the template past the limit.
func instrument(tr *parse.Tree) {
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
			id := parse.NewIdentifier(stepFunc).SetTree(tr).SetPos(n.Pos)
			cmd := &parse.CommandNode{NodeType: parse.NodeCommand, Pos: n.Pos, Args: []parse.Node{id}}
			pipe := &parse.PipeNode{NodeType: parse.NodePipe, Pos: n.Pos, Cmds: []*parse.CommandNode{cmd}}
			n.Nodes = append([]parse.Node{&parse.ActionNode{NodeType: parse.NodeAction, Pos: n.Pos, Pipe: pipe}}, n.Nodes...)
		case *parse.IfNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.List)
			walk(n.ElseList)
		}
	}
	if tr != nil {
		walk(tr.Root)
	}
}

//lint:file-ignore SA1019 docker/cli's templates package offers strings.Title as "title", as here
func templateFuncs(b *templateBudget) template.FuncMap {
	return template.FuncMap{
		"json":  formatJSON,
		"split": strings.Split,
		"join": func(elems any, sep string) (string, error) {
			s, err := joinElements(elems, sep)
			if err == errTemplateOutput {
				b.err = err
			}
			return s, err
		},
		"title": strings.Title, //nolint:staticcheck // what docker uses
		"lower": strings.ToLower,
		"upper": strings.ToUpper,
		"pad": func(source string, prefix, suffix int) (string, error) {
			if prefix > MaxTemplateOutput || suffix > MaxTemplateOutput {
				b.err = errTemplateOutput
				return "", b.err
			}
			return b.fits(padWithSpace(source, prefix, suffix))
		},
		"truncate": truncateWithLength,
		// text/template's own, with the output limit on what they build
		"print":   func(a ...any) (string, error) { return b.fits(fmt.Sprint(a...)) },
		"printf":  func(f string, a ...any) (string, error) { return b.fits(fmt.Sprintf(f, a...)) },
		"println": func(a ...any) (string, error) { return b.fits(fmt.Sprintln(a...)) },
		stepFunc:  b.step,
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

// parseTemplate parses a --format as docker/cli does, with Docker's
// functions, bounded by MaxTemplateOutput and MaxTemplateSteps.
func parseTemplate(format string) (*boundedTemplate, error) {
	b := &templateBudget{}
	t, err := template.New("").Funcs(templateFuncs(b)).Parse(format)
	if err != nil {
		return nil, err
	}
	for _, d := range t.Templates() {
		instrument(d.Tree)
	}
	return &boundedTemplate{t, b}, nil
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

// joinElements is docker/cli's join: the elements of a slice, or the sorted
// values of a map, printed and joined by sep. It refuses a result longer
// than MaxTemplateOutput before building it.
func joinElements(elems any, sep string) (string, error) {
	if elems == nil {
		return "", nil
	}
	var parts []string
	if ss, ok := elems.([]string); ok {
		parts = ss
	} else {
		switch rv := reflect.ValueOf(elems); rv.Kind() {
		case reflect.Array, reflect.Slice:
			for i := range rv.Len() {
				parts = append(parts, fmt.Sprint(rv.Index(i).Interface()))
				if len(parts) > MaxTemplateOutput {
					return "", errTemplateOutput
				}
			}
		case reflect.Map:
			for _, k := range rv.MapKeys() {
				parts = append(parts, fmt.Sprint(rv.MapIndex(k).Interface()))
			}
			sort.Strings(parts)
		default:
			return "", fmt.Errorf("expected slice, got %T", elems)
		}
	}
	size := 0
	for i, p := range parts {
		if size += len(p); i > 0 {
			size += len(sep)
		}
		if size > MaxTemplateOutput {
			return "", errTemplateOutput
		}
	}
	return strings.Join(parts, sep), nil
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
			if _, ok := err.(*TemplateLimitError); ok {
				return err
			}
			return fmt.Errorf("template parsing error: %w", err)
		}
		buf.WriteString("\n")
	}
	if !f.isTable() {
		_, err := buf.WriteTo(w)
		return err
	}
	tw := dockerfmt.NewTableWriter(w)
	_ = tmpl.Funcs(headerFuncs()).Execute(tw, header)
	_, _ = tw.Write([]byte{'\n'})
	_, _ = buf.WriteTo(tw)
	return tw.Flush()
}
