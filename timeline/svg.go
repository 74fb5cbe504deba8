package timeline

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/swarmsim/swarmsim"
)

// Render writes the SVG timeline of the events: one row per slot (per node
// for global services), grouped by service, each task a bar coloured by its
// state, update status changes and node events as markers, a time axis and
// a legend. The events may come in any order: they are taken in sequence
// order. The same events and options always give the same bytes.
func Render(w io.Writer, events []swarmsim.Event, opts Options) error {
	bySeq := func(a, b swarmsim.Event) int { return cmp.Compare(a.Seq, b.Seq) }
	if slices.IsSortedFunc(events, bySeq) {
		return RenderSeq(w, slices.Values(events), opts)
	}
	sorted := make([]*swarmsim.Event, len(events))
	for i := range events {
		sorted[i] = &events[i]
	}
	slices.SortStableFunc(sorted, func(a, b *swarmsim.Event) int { return bySeq(*a, *b) })
	return RenderSeq(w, func(yield func(swarmsim.Event) bool) {
		for _, e := range sorted {
			if !yield(*e) {
				return
			}
		}
	}, opts)
}

// RenderSeq writes the SVG timeline of the events as Render does, reading
// them one at a time in the order given, which must be sequence order
// (Seq never decreasing), as swarmsim.Cluster.AllEvents yields them: it
// never holds the whole trace, only the tasks, nodes and update statuses it
// draws, and writes the picture as it draws it. Events out of sequence
// order are an error, and so is an error of w (the picture is then cut
// short).
func RenderSeq(w io.Writer, events iter.Seq[swarmsim.Event], opts Options) error {
	m, err := build(events, opts)
	if err != nil {
		return err
	}
	width := opts.Width
	if width == 0 {
		width = DefaultWidth
	}
	width = max(width, MinWidth)
	title := opts.Title
	if title == "" {
		title = "swarmsim timeline"
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	m.draw(bw, float64(width), title)
	return bw.Flush()
}

// The colours: the Okabe-Ito palette, safe for the common colour-vision
// deficiencies, with states told apart by lightness as well as hue.

// stateGroup maps a task state to the legend entry it is drawn as.
func stateGroup(s string) string {
	switch s {
	case "new", "pending", "assigned", "accepted":
		return "pending"
	case "preparing", "ready":
		return "preparing"
	case "starting", "running", "complete", "shutdown", "failed", "rejected":
		return s
	}
	return "orphaned"
}

func stateFill(group string) string {
	switch group {
	case "pending":
		return "#F0E442"
	case "preparing":
		return "#56B4E9"
	case "starting":
		return "#0072B2"
	case "running":
		return "#009E73"
	case "complete":
		return "#CC79A7"
	case "shutdown":
		return "#999999"
	case "failed":
		return "#D55E00"
	case "rejected":
		return "#882255"
	}
	return "#000000"
}

func stateLegend(group string) string {
	switch group {
	case "pending":
		return "new/pending/assigned/accepted"
	case "preparing":
		return "preparing/ready"
	case "orphaned":
		return "orphaned/remove"
	}
	return group
}

func markColour(to string) string {
	switch to {
	case "updating":
		return "#0072B2"
	case "paused":
		return "#D55E00"
	case "completed", "rollback_completed":
		return "#009E73"
	case "rollback_started":
		return "#CC79A7"
	case "rollback_paused":
		return "#882255"
	}
	return "#555555"
}

func nodeFill(state string) string {
	switch state {
	case "ready":
		return "#E4E4E4"
	case "pause":
		return "#F0E442"
	case "drain":
		return "#E69F00"
	case "stopped":
		return "#888888"
	}
	return "#222222" // down
}

// Text metrics: the picture asks for DejaVu Sans (or any sans-serif);
// widths are estimated at 0.6em a character, a little more than DejaVu
// Sans' average, so that estimated labels never overflow.
const charEm = 0.6

func textW(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * charEm
}

// fit shortens s with an ellipsis to fit in px at size, or returns "".
func fit(s string, px, size float64) string {
	if textW(s, size) <= px {
		return s
	}
	n := int(px/(size*charEm)) - 1
	if n < 3 {
		return ""
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// num formats a coordinate: rounded to 0.1, no trailing zeros, never -0.
func num(v float64) string {
	return string(appendNum(nil, v))
}

// appendNum appends num(v) to b.
func appendNum(b []byte, v float64) []byte {
	v = math.Round(v*10) / 10
	if v == 0 || math.IsNaN(v) {
		return append(b, '0')
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// esc escapes s as XML character data.
func esc(s string) string {
	if !needsEsc(s) {
		return s
	}
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// needsEsc reports whether xml.EscapeText might change s: whether it has
// a byte that is not printable ASCII, or one of "'&<>.
func needsEsc[S string | []byte](s S) bool {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == '&' || c == '<' || c == '>' {
			return true
		}
	}
	return false
}

// dur formats virtual time since the epoch: 0s, 1.5s, 45s, 2m, 1m30s, 1h2m.
func dur(ns int64) string {
	return string(appendDur(nil, ns))
}

// appendDur appends dur(ns) to b.
func appendDur(b []byte, ns int64) []byte {
	if ns == 0 {
		return append(b, "0s"...)
	}
	if ns < 0 {
		if ns == math.MinInt64 {
			ns++
		}
		return appendDur(append(b, '-'), -ns)
	}
	const sec, minute, hour = int64(1e9), 60 * int64(1e9), 3600 * int64(1e9)
	start := len(b)
	if h := ns / hour; h > 0 {
		b = append(strconv.AppendInt(b, h, 10), 'h')
		ns -= h * hour
	}
	if m := ns / minute; m > 0 {
		b = append(strconv.AppendInt(b, m, 10), 'm')
		ns -= m * minute
	}
	if ns > 0 {
		n := len(b)
		b = strconv.AppendFloat(b, float64(ns)/float64(sec), 'f', 3, 64)
		for len(b) > n && b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
		for len(b) > n && b[len(b)-1] == '.' {
			b = b[:len(b)-1]
		}
		switch {
		case string(b[n:]) != "0":
			b = append(b, 's')
		case n == start:
			b = append(strconv.AppendInt(b[:n], ns, 10), "ns"...)
		default:
			b = b[:n]
		}
	}
	return b
}

// tickStep picks the axis step: the smallest round step that leaves at
// least minGap pixels between ticks.
func tickStep(span int64, plotW float64) int64 {
	const minGap = 64.0
	ms, s, mi, h := int64(1e6), int64(1e9), int64(60e9), int64(3600e9)
	for _, st := range []int64{ms, 2 * ms, 5 * ms, 10 * ms, 20 * ms, 50 * ms, 100 * ms, 200 * ms, 500 * ms,
		s, 2 * s, 5 * s, 10 * s, 15 * s, 30 * s, mi, 2 * mi, 5 * mi, 10 * mi, 15 * mi, 30 * mi,
		h, 2 * h, 3 * h, 6 * h, 12 * h, 24 * h, 48 * h, 168 * h} {
		if float64(st)/float64(span)*plotW >= minGap {
			return st
		}
	}
	return max(span, 1)
}

// labelLines places labels left to right on up to maxLines lines; it
// returns each label's line (-1: no room) and the lines used.
type placer struct {
	ends []float64
	max  int
}

func (p *placer) place(x0, x1 float64) int {
	for i, e := range p.ends {
		if x0 >= e {
			p.ends[i] = x1 + 4
			return i
		}
	}
	if len(p.ends) < p.max {
		p.ends = append(p.ends, x1+4)
		return len(p.ends) - 1
	}
	return -1
}

type placedMark struct {
	mark
	line  int
	x, tx float64
	end   bool
}

// Font sizes.
const (
	rowFont   = 11.0
	groupFont = 12.0
	markFont  = 10.0
	barFont   = 10.0
)

// canvas is the picture laid out: the model, where each row, group and
// node goes (set on them by layout), and the writer the layers go to.
type canvas struct {
	*model
	out                *bufio.Writer
	buf, tip           []byte // scratch for the lines written once a task or row
	W, px0, px1, plotW float64
	span               int64
	// Service rows: a lane's height, the gap between rows, a bar's
	// padding; node rows have their own.
	laneH, gap, pad         float64
	nodeH, nodeGap, nodePad float64
	top, bottom, legendTop  float64
	H                       float64
}

func (c *canvas) f(format string, a ...any) { fmt.Fprintf(c.out, format, a...) }

// rect writes a rectangle (no newline): what fmt would make of
// <rect x="%s" y="%s" width="%s" height="%s" fill="%s"/> with num, without
// its allocations, as it is written several times a task.
func (c *canvas) rect(x, y, w, h float64, fill string) {
	b := append(c.buf[:0], `<rect x="`...)
	b = appendNum(b, x)
	b = append(b, `" y="`...)
	b = appendNum(b, y)
	b = append(b, `" width="`...)
	b = appendNum(b, w)
	b = append(b, `" height="`...)
	b = appendNum(b, h)
	b = append(b, `" fill="`...)
	b = append(append(b, fill...), `"/>`...)
	c.out.Write(b)
	c.buf = b
}

// escape writes s as XML character data.
func (c *canvas) escape(s []byte) {
	if needsEsc(s) {
		_ = xml.EscapeText(c.out, s)
	} else {
		c.out.Write(s)
	}
}

// X is the abscissa of a time, clamped to the span.
func (c *canvas) X(t int64) float64 {
	t = min(max(t, c.from), c.to)
	return c.px0 + float64(t-c.from)/float64(c.span)*c.plotW
}

// draw writes the picture to out: the heading, then its layers one after
// the other, each a pass over the laid-out model (backgrounds, the grid,
// the bars, the markers, the text), so that later layers paint over
// earlier ones and nothing but the model is held.
func (m *model) draw(out *bufio.Writer, W float64, title string) {
	c := &canvas{model: m, out: out, W: W}
	c.layout()
	c.f(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	c.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="DejaVu Sans, Verdana, Geneva, Arial, sans-serif">`+"\n", num(W), num(c.H), num(W), num(c.H))
	c.f("<title>%s</title>\n", esc(title))
	out.WriteString(`<style>
.grp{font-size:12px;font-weight:bold;fill:#222}
.sub{font-size:10px;fill:#666}
.rl{font-size:11px;fill:#222;text-anchor:end}
.ax{font-size:10px;fill:#555;text-anchor:middle}
.lh{font-size:11px;font-weight:bold;fill:#222}
.lg{font-size:11px;fill:#222}
.bl{font-size:10px;fill:#000}
.ml{font-size:10px;font-weight:bold;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.z{fill:#F5F5F5}
.gl{stroke:#E0E0E0;stroke-width:1}
.ax0{stroke:#888;stroke-width:1}
.mk{stroke-width:1.5;stroke-dasharray:5 3}
.ng{stroke:#444;stroke-width:1;stroke-dasharray:1 3}
</style>
<defs><pattern id="stop" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2.5" height="6" fill="#FFFFFF" fill-opacity="0.75"/></pattern></defs>
`)
	c.f(`<rect width="%s" height="%s" fill="#FFFFFF"/>`+"\n", num(W), num(c.H))
	c.f(`<text x="8" y="24" font-size="16" font-weight="bold" fill="#111">%s</text>`+"\n", esc(title))
	svcs := "services"
	if len(m.groups) == 1 {
		svcs = "service"
	}
	tasks := "tasks"
	if m.tasks == 1 {
		tasks = "task"
	}
	c.f(`<text x="8" y="42" class="sub" font-size="11">virtual time %s to %s since the epoch · %d %s · %d %s</text>`+"\n",
		dur(m.from), dur(m.to), len(m.groups), svcs, m.tasks, tasks)
	c.backgrounds()
	c.grid()
	c.bars()
	c.markers()
	c.text()
	out.WriteString("</svg>\n")
}

// layout sizes the picture and places the node rows, the service groups
// with their rows and status labels, and the legend.
func (c *canvas) layout() {
	m := c.model
	// The label column fits the longest row or group label.
	lw := textW("nodes", groupFont)
	for _, g := range m.groups {
		lw = max(lw, textW(g.name, groupFont), textW(fmt.Sprintf("global, %d nodes", len(g.rows)), markFont))
		for _, r := range g.rows {
			lw = max(lw, textW(r.label, rowFont))
		}
	}
	for _, n := range m.nodes {
		lw = max(lw, textW(n.name, rowFont))
	}
	c.px0 = math.Round(min(max(lw+20, 90), 240))
	c.px1 = c.W - 16
	c.plotW = c.px1 - c.px0
	c.span = m.to - m.from

	// Lane height: rows shrink as they multiply.
	lanes := len(m.nodes)
	for _, g := range m.groups {
		for _, r := range g.rows {
			lanes += r.lanes
		}
	}
	c.laneH = 16.0
	if lanes > 0 {
		c.laneH = min(max(math.Floor(560/float64(lanes)), 4), 16)
	}
	c.gap, c.pad = 1.0, 0.5
	if c.laneH >= 8 {
		c.gap, c.pad = 3, 1.5
	}
	c.nodeH, c.nodeGap, c.nodePad = c.laneH, c.gap, c.pad
	if len(m.nodes) <= 12 {
		c.nodeH = max(c.laneH, 12)
	}
	if c.nodeH >= 8 {
		c.nodeGap, c.nodePad = 3, 1.5
	}

	c.top = 72.0
	y := c.top
	if len(m.nodes) > 0 {
		y += 18
		for _, n := range m.nodes {
			n.y = y
			y += c.nodeH + c.nodeGap
		}
		y += 6
	}
	for gi, g := range m.groups {
		// Place the labels of the update status markers above the group.
		p := placer{max: 3}
		g.placed = g.placed[:0]
		for _, mk := range g.marks {
			if mk.at < m.from || mk.at > m.to {
				continue
			}
			label := mk.to
			if label == "" {
				label = "none"
			}
			x := c.X(mk.at)
			w := textW(label, markFont)
			q := placedMark{mark: mk, x: x, tx: x + 3}
			if x+3+w > c.px1 {
				q.end, q.tx = true, x-3
				q.line = p.place(x-3-w, x-3)
			} else {
				q.line = p.place(x+3, x+3+w)
			}
			g.placed = append(g.placed, q)
		}
		lines := max(len(p.ends), 1)
		g.top = y
		y += max(6+12*float64(lines)+2, 34)
		for _, r := range g.rows {
			r.y = y
			y += float64(r.lanes)*c.laneH + c.gap
		}
		g.bottom = y
		if gi < len(m.groups)-1 {
			y += 6
		}
	}
	c.bottom = y + 2
	if len(m.groups) == 0 && len(m.nodes) == 0 {
		c.bottom = c.top + 24
	}
	c.legendTop = c.bottom + 40
	c.H = c.legend(nil) + 14
}

// backgrounds draws the layer of zebra stripes behind every other row.
func (c *canvas) backgrounds() {
	pitch := c.nodeH + c.nodeGap
	for i, n := range c.nodes {
		if i%2 == 1 && pitch >= 6 {
			c.f(`<rect x="0" y="%s" width="%s" height="%s" class="z"/>`+"\n", num(n.y-c.nodeGap/2), num(c.W), num(pitch))
		}
	}
	for _, g := range c.groups {
		for ri, r := range g.rows {
			pitch := float64(r.lanes)*c.laneH + c.gap
			if ri%2 == 1 && pitch >= 6 {
				b := append(c.buf[:0], `<rect x="0" y="`...)
				b = appendNum(b, r.y-c.gap/2)
				b = append(b, `" width="`...)
				b = appendNum(b, c.W)
				b = append(b, `" height="`...)
				b = appendNum(b, pitch)
				b = append(b, "\" class=\"z\"/>\n"...)
				c.out.Write(b)
				c.buf = b
			}
		}
	}
}

// grid draws the layer of the time axis' lines: one a tick, and the axes
// above and below.
func (c *canvas) grid() {
	c.ticks(func(t int64, x float64) {
		c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="gl"/>`+"\n", num(x), num(c.top-6), num(x), num(c.bottom+4))
	})
	c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="ax0"/>`+"\n", num(c.px0), num(c.top-4), num(c.px1), num(c.top-4))
	c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="ax0"/>`+"\n", num(c.px0), num(c.bottom+4), num(c.px1), num(c.bottom+4))
}

// ticks calls fn for each tick of the time axis: the smallest round step
// that leaves room between labels.
func (c *canvas) ticks(fn func(t int64, x float64)) {
	step := tickStep(c.span, c.plotW)
	first := (c.from + step - 1) / step * step
	if c.from < 0 {
		first = c.from / step * step
	}
	for t, n := first, 0; t <= c.to && n < 1000; t, n = t+step, n+1 {
		fn(t, c.X(t))
	}
}

// bars draws the layer of the nodes' states and the tasks.
func (c *canvas) bars() {
	h := c.nodeH - 2*c.nodePad
	for _, n := range c.nodes {
		n.eachSeg(c.model, func(s nodeSeg, se int64) {
			x0, x1 := c.X(s.at), c.X(se)
			c.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s: %s from %s</title></rect>`+"\n",
				num(x0), num(n.y+c.nodePad), num(max(x1-x0, 0.5)), num(h), nodeFill(s.state), esc(n.name), s.state, dur(s.at))
		})
	}
	for _, g := range c.groups {
		for _, r := range g.rows {
			for _, b := range r.bars {
				c.barRects(b, r.y+float64(b.lane)*c.laneH)
			}
		}
	}
}

// eachSeg calls fn for each of the node's states that shows in the span,
// with the time it ends.
func (n *nodeTrack) eachSeg(m *model, fn func(s nodeSeg, end int64)) {
	end := min(n.removed, m.to)
	for j, s := range n.segs {
		se := end
		if j+1 < len(n.segs) {
			se = min(n.segs[j+1].at, end)
		}
		if se < m.from || s.at > m.to || se <= s.at {
			continue
		}
		fn(s, se)
	}
}

// markers draws the layer of the update status changes, a line across
// each service's group, and of the node events, faint lines across the
// whole chart.
func (c *canvas) markers() {
	for _, g := range c.groups {
		for _, q := range g.placed {
			tip := q.to
			if q.from != "" {
				tip = q.from + " -> " + q.to
			}
			if q.msg != "" {
				tip += ": " + q.msg
			}
			c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" class="mk"><title>%s at %s: %s</title></line>`+"\n",
				num(q.x), num(g.top+4), num(q.x), num(g.bottom), markColour(q.to), esc(g.name), dur(q.at), esc(tip))
		}
	}
	for _, n := range c.nodes {
		for _, mk := range n.marks {
			if mk.at < c.from || mk.at > c.to {
				continue
			}
			x := c.X(mk.at)
			c.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="ng"><title>%s %s at %s: %s</title></line>`+"\n",
				num(x), num(c.top), num(x), num(c.bottom), esc(n.name), esc(mk.label), dur(mk.at), esc(mk.msg))
		}
	}
}

// text draws the layer of words: the rows' and groups' labels, the states
// of nodes and the images of tasks where they fit, the status labels, the
// time axis and the legend.
func (c *canvas) text() {
	if len(c.nodes) > 0 {
		c.f(`<text x="8" y="%s" class="grp">nodes</text>`+"\n", num(c.top+13))
		lastLabel := -100.0
		pitch := c.nodeH + c.nodeGap
		h := c.nodeH - 2*c.nodePad
		for _, n := range c.nodes {
			c.rowLabel(n.name, n.y, pitch, &lastLabel)
			if h < 9 {
				continue
			}
			n.eachSeg(c.model, func(s nodeSeg, se int64) {
				x0, x1 := c.X(s.at), c.X(se)
				if l := fit(s.state, x1-x0-6, barFont); l != "" && l == s.state {
					c.f(`<text x="%s" y="%s" class="bl">%s</text>`+"\n", num(x0+3), num(n.y+c.nodeH/2+3.5), l)
				}
			})
		}
	}
	for _, g := range c.groups {
		c.f(`<text x="8" y="%s" class="grp">%s</text>`+"\n", num(g.top+6+11), esc(fit(g.name, c.px0-14, groupFont)))
		kind := fmt.Sprintf("%d slots", len(g.rows))
		if g.global {
			kind = fmt.Sprintf("global, %d nodes", len(g.rows))
		} else if len(g.rows) == 1 {
			kind = "1 slot"
		}
		c.f(`<text x="8" y="%s" class="sub">%s</text>`+"\n", num(g.top+6+11+12), esc(fit(kind, c.px0-14, markFont)))
		lastLabel := -100.0
		for _, r := range g.rows {
			c.rowLabel(r.label, r.y, float64(r.lanes)*c.laneH+c.gap, &lastLabel)
			for _, b := range r.bars {
				c.barLabel(b, r.y+float64(b.lane)*c.laneH)
			}
		}
		for _, q := range g.placed {
			if q.line < 0 {
				continue
			}
			label := q.to
			if label == "" {
				label = "none"
			}
			anchor := ""
			if q.end {
				anchor = ` text-anchor="end"`
			}
			c.f(`<text x="%s" y="%s" fill="%s" class="ml"%s>%s</text>`+"\n",
				num(q.tx), num(g.top+6+9+12*float64(q.line)), markColour(q.to), anchor, esc(label))
		}
	}
	if len(c.groups) == 0 && len(c.nodes) == 0 {
		c.f(`<text x="%s" y="%s" class="sub">no task in this span</text>`+"\n", num(c.px0), num(c.top+14))
	}
	c.ticks(func(t int64, x float64) {
		c.f(`<text x="%s" y="%s" class="ax">%s</text>`+"\n", num(x), num(c.top-10), dur(t))
		c.f(`<text x="%s" y="%s" class="ax">%s</text>`+"\n", num(x), num(c.bottom+16), dur(t))
	})
	c.legend(c.out)
}

// legend writes the legend to out, or only measures it when out is nil,
// and returns the baseline of its last line.
func (c *canvas) legend(out *bufio.Writer) float64 {
	f := func(format string, a ...any) {
		if out != nil {
			fmt.Fprintf(out, format, a...)
		}
	}
	W := c.W
	ly := c.legendTop
	lx := 8.0
	item := func(w float64) {
		if lx+w > W-8 && lx > 8 {
			lx = 8
			ly += 18
		}
	}
	heading := func(s string) {
		w := textW(s, rowFont) + 8
		item(w + 80)
		f(`<text x="%s" y="%s" class="lh">%s</text>`+"\n", num(lx), num(ly), s)
		lx += w
	}
	swatch := func(fill, label, extra string) {
		w := 18 + textW(label, rowFont) + 14
		item(w)
		f(`<rect x="%s" y="%s" width="14" height="10" fill="%s"%s/>`+"\n", num(lx), num(ly-9), fill, extra)
		f(`<text x="%s" y="%s" class="lg">%s</text>`+"\n", num(lx+18), num(ly), esc(label))
		lx += w
	}
	heading("Task state:")
	for _, s := range []string{"pending", "preparing", "starting", "running", "complete", "shutdown", "failed", "rejected", "orphaned"} {
		if s == "orphaned" && !c.states[s] {
			continue
		}
		swatch(stateFill(s), stateLegend(s), "")
	}
	{
		label := "being stopped (desired state shutdown)"
		w := 18 + textW(label, rowFont) + 14
		item(w)
		f(`<rect x="%s" y="%s" width="14" height="10" fill="#009E73"/><rect x="%s" y="%s" width="14" height="10" fill="url(#stop)"/>`+"\n", num(lx), num(ly-9), num(lx), num(ly-9))
		f(`<text x="%s" y="%s" class="lg">%s</text>`+"\n", num(lx+18), num(ly), label)
		lx += w
		label = "final state, until the slot has a newer task"
		w = 18 + textW(label, rowFont) + 14
		item(w)
		f(`<rect x="%s" y="%s" width="14" height="3" fill="#999999"/>`+"\n", num(lx), num(ly-5.5))
		f(`<text x="%s" y="%s" class="lg">%s</text>`+"\n", num(lx+18), num(ly), label)
		lx += w
	}
	lx, ly = 8, ly+22
	heading("Update status:")
	for _, s := range []string{"updating", "paused", "completed", "rollback_started", "rollback_paused", "rollback_completed"} {
		w := 18 + textW(s, rowFont) + 14
		item(w)
		f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" class="mk"/>`+"\n", num(lx+7), num(ly-11), num(lx+7), num(ly+2), markColour(s))
		f(`<text x="%s" y="%s" class="lg">%s</text>`+"\n", num(lx+18), num(ly), s)
		lx += w
	}
	if len(c.nodes) > 0 {
		lx, ly = 8, ly+22
		heading("Node:")
		for _, s := range []string{"ready", "pause", "drain", "stopped", "down"} {
			label := s
			switch s {
			case "stopped":
				label = "stopped (not yet marked down)"
			case "pause", "drain":
				label = "availability " + s
			}
			swatch(nodeFill(s), label, "")
		}
		w := 18 + textW("node event", rowFont) + 14
		item(w)
		f(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="ng"/>`+"\n", num(lx+7), num(ly-11), num(lx+7), num(ly+2))
		f(`<text x="%s" y="%s" class="lg">node event</text>`+"\n", num(lx+18), num(ly))
	}
	return ly
}

// rowLabel writes a row's label, thinning labels out when rows are too
// close to hold one each.
func (c *canvas) rowLabel(label string, y, pitch float64, last *float64) {
	size := 11.0
	if pitch < 11 {
		size = 9
	}
	cy := y + (pitch-1)/2 + size*0.35
	if cy-*last < size+1 {
		return
	}
	*last = cy
	l := fit(label, c.px0-14, size)
	if size == 11 {
		c.f(`<text x="%s" y="%s" class="rl">%s</text>`+"\n", num(c.px0-8), num(cy), esc(l))
	} else {
		c.f(`<text x="%s" y="%s" class="rl" font-size="9">%s</text>`+"\n", num(c.px0-8), num(cy), esc(l))
	}
}

// live is where a task's live part ends in its drawing.
func (b *bar) live() int64 {
	return min(b.liveEnd(), b.drawEnd)
}

// eachLive calls fn for each part of the task's live life drawn in one
// colour (consecutive states of one colour make one part).
func (c *canvas) eachLive(b *bar, fn func(x0, x1 float64, group string)) {
	live := b.live()
	for i := 0; i < len(b.states); {
		s := b.states[i]
		g := stateGroup(s.state)
		if terminal(s.state) {
			break
		}
		j := i + 1
		for j < len(b.states) && stateGroup(b.states[j].state) == g && !terminal(b.states[j].state) {
			j++
		}
		end := live
		if j < len(b.states) {
			end = min(b.states[j].at, live)
		}
		i = j
		if end <= s.at || end < c.from || s.at > c.to {
			continue
		}
		fn(c.X(s.at), c.X(end), g)
	}
}

// barRects draws one task, in lane y: its live states at full height, the
// state it ended in as a thin bar until its drawing ends, and hatching
// while it is being stopped, with a tooltip that tells its life.
func (c *canvas) barRects(b *bar, y float64) {
	h := c.laneH - 2*c.pad
	live := b.live()
	t := append(c.tip[:0], b.name...)
	t = append(append(t, ' '), shortID(b.id)...)
	if b.image != "" {
		t = append(append(t, ' '), b.image...)
	}
	if b.node != "" {
		t = append(append(t, " on "...), b.node...)
	}
	t = append(t, ':')
	for i, s := range b.states {
		if i > 0 && s.state == b.states[i-1].state {
			continue
		}
		t = append(append(append(t, ' '), s.state...), ' ')
		t = append(appendDur(t, s.at), ',')
	}
	if b.deleted != never {
		t = append(appendDur(append(t, " deleted "...), b.deleted), ',')
	}
	c.tip = t
	t, _ = bytes.CutSuffix(t, []byte(","))
	c.out.WriteString("<g><title>")
	c.escape(t)
	c.out.WriteString("</title>")
	c.eachLive(b, func(x0, x1 float64, g string) {
		c.rect(x0, y+c.pad, max(x1-x0, 0.5), h, stateFill(g))
	})
	// Being stopped: running on while the desired state says stop.
	if b.stopAt < live && live > c.from && b.stopAt <= c.to {
		x0, x1 := c.X(max(b.stopAt, b.created)), c.X(live)
		if x1 > x0 {
			c.rect(x0, y+c.pad, x1-x0, h, "url(#stop)")
		}
	}
	// The state it ended in, until its drawing ends.
	if b.end != never && b.end <= c.to && b.drawEnd >= c.from {
		final := b.states[len(b.states)-1].state
		if !terminal(final) {
			final = "shutdown" // deleted while live: shown as its end
		}
		// At least a 3-pixel stub, so that the final state shows even
		// when the task was replaced at once; never into the next task
		// of its lane.
		x0, x1 := c.X(b.end), c.X(b.drawEnd)
		x1 = max(x1, min(x0+3, c.X(b.laneNext)))
		th := max(math.Round(h*0.3), 1.5)
		if x1 > x0 {
			c.rect(x0, y+c.pad+(h-th)/2, x1-x0, th, stateFill(stateGroup(final)))
		}
		// A failure is capped at full height, to be seen among many rows.
		if (final == "failed" || final == "rejected") && x1 > x0 {
			c.rect(x0, y+c.pad, min(x1-x0, 3), h, stateFill(final))
		}
	}
	c.out.WriteString("</g>\n")
}

// barLabel writes a task's image, in lane y: in its longest state
// (running, mostly), else across its whole live part, where there is room.
func (c *canvas) barLabel(b *bar, y float64) {
	h := c.laneH - 2*c.pad
	live := b.live()
	if h < 10 || b.image == "" || live <= c.from || b.created > c.to {
		return
	}
	var widest struct {
		x0, x1 float64
		group  string
	}
	c.eachLive(b, func(x0, x1 float64, g string) {
		if x1-x0 > widest.x1-widest.x0 {
			widest.x0, widest.x1, widest.group = x0, x1, g
		}
	})
	w := textW(b.image, 10) + 8
	x0, x1 := c.X(b.created), c.X(min(live, b.stopAt))
	fill := ""
	switch {
	case widest.x1-widest.x0 >= w:
		x0 = widest.x0
		if widest.group == "starting" || widest.group == "rejected" || widest.group == "orphaned" {
			fill = ` fill="#FFFFFF"`
		}
	case x1-x0 >= w:
	default:
		return
	}
	t := append(c.buf[:0], `<text x="`...)
	t = appendNum(t, x0+4)
	t = append(t, `" y="`...)
	t = appendNum(t, y+c.laneH/2+3.5)
	t = append(append(append(t, `" class="bl"`...), fill...), '>')
	c.out.Write(t)
	c.buf = t
	if needsEsc(b.image) {
		c.out.WriteString(esc(b.image))
	} else {
		c.out.WriteString(b.image)
	}
	c.out.WriteString("</text>\n")
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
