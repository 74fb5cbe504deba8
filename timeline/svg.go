package timeline

import (
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
	var out bytes.Buffer
	m.draw(&out, float64(width), title)
	_, err = w.Write(out.Bytes())
	return err
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
	v = math.Round(v*10) / 10
	if v == 0 || math.IsNaN(v) {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// dur formats virtual time since the epoch: 0s, 1.5s, 45s, 2m, 1m30s, 1h2m.
func dur(ns int64) string {
	if ns == 0 {
		return "0s"
	}
	if ns < 0 {
		if ns == math.MinInt64 {
			ns++
		}
		return "-" + dur(-ns)
	}
	const sec, minute, hour = int64(1e9), 60 * int64(1e9), 3600 * int64(1e9)
	var b strings.Builder
	if h := ns / hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		ns -= h * hour
	}
	if m := ns / minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
		ns -= m * minute
	}
	if ns > 0 {
		s := strconv.FormatFloat(float64(ns)/float64(sec), 'f', 3, 64)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		if s != "0" {
			b.WriteString(s + "s")
		} else if b.Len() == 0 {
			b.WriteString(strconv.FormatInt(ns, 10) + "ns")
		}
	}
	return b.String()
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

// layer is one drawing layer; the layers are written in order.
type layer struct{ bytes.Buffer }

func (l *layer) f(format string, a ...any) { fmt.Fprintf(&l.Buffer, format, a...) }

type placedMark struct {
	mark
	line  int
	x, tx float64
	end   bool
}

func (m *model) draw(out *bytes.Buffer, W float64, title string) {
	const (
		rowFont   = 11.0
		groupFont = 12.0
		markFont  = 10.0
		barFont   = 10.0
	)
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
	px0 := math.Round(min(max(lw+20, 90), 240))
	px1 := W - 16
	plotW := px1 - px0
	span := m.to - m.from
	X := func(t int64) float64 {
		t = min(max(t, m.from), m.to)
		return px0 + float64(t-m.from)/float64(span)*plotW
	}

	// Lane height: rows shrink as they multiply.
	lanes := len(m.nodes)
	for _, g := range m.groups {
		for _, r := range g.rows {
			lanes += r.lanes
		}
	}
	laneH := 16.0
	if lanes > 0 {
		laneH = min(max(math.Floor(560/float64(lanes)), 4), 16)
	}
	gap := 1.0
	if laneH >= 8 {
		gap = 3
	}
	pad := 0.5
	if laneH >= 8 {
		pad = 1.5
	}

	var bg, grid, bars, marks, text layer
	top := 72.0
	y := top

	// Node rows.
	if len(m.nodes) > 0 {
		text.f(`<text x="8" y="%s" class="grp">nodes</text>`+"\n", num(y+13))
		y += 18
		lastLabel := -100.0
		nodeH := laneH
		if len(m.nodes) <= 12 {
			nodeH = max(laneH, 12)
		}
		for i, n := range m.nodes {
			laneH, pad, gap := nodeH, pad, gap
			if laneH >= 8 {
				pad, gap = 1.5, 3
			}
			pitch := laneH + gap
			if i%2 == 1 && pitch >= 6 {
				bg.f(`<rect x="0" y="%s" width="%s" height="%s" class="z"/>`+"\n", num(y-gap/2), num(W), num(pitch))
			}
			m.rowLabel(&text, n.name, y, pitch, px0, &lastLabel)
			end := min(n.removed, m.to)
			h := laneH - 2*pad
			for j, s := range n.segs {
				se := end
				if j+1 < len(n.segs) {
					se = min(n.segs[j+1].at, end)
				}
				if se < m.from || s.at > m.to || se <= s.at {
					continue
				}
				x0, x1 := X(s.at), X(se)
				bars.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s: %s from %s</title></rect>`+"\n",
					num(x0), num(y+pad), num(max(x1-x0, 0.5)), num(h), nodeFill(s.state), esc(n.name), s.state, dur(s.at))
				if h >= 9 {
					if l := fit(s.state, x1-x0-6, barFont); l != "" && l == s.state {
						text.f(`<text x="%s" y="%s" class="bl">%s</text>`+"\n", num(x0+3), num(y+laneH/2+3.5), l)
					}
				}
			}
			y += pitch
		}
		y += 6
	}

	// Service groups.
	for gi, g := range m.groups {
		// Place the labels of the update status markers above the group.
		p := placer{max: 3}
		var pm []placedMark
		for _, mk := range g.marks {
			if mk.at < m.from || mk.at > m.to {
				continue
			}
			label := mk.to
			if label == "" {
				label = "none"
			}
			x := X(mk.at)
			w := textW(label, markFont)
			q := placedMark{mark: mk, x: x, tx: x + 3}
			if x+3+w > px1 {
				q.end, q.tx = true, x-3
				q.line = p.place(x-3-w, x-3)
			} else {
				q.line = p.place(x+3, x+3+w)
			}
			pm = append(pm, q)
		}
		lines := max(len(p.ends), 1)
		hdr := 6 + 12*float64(lines) + 2
		hdrTop := y
		text.f(`<text x="8" y="%s" class="grp">%s</text>`+"\n", num(hdrTop+6+11), esc(fit(g.name, px0-14, groupFont)))
		kind := fmt.Sprintf("%d slots", len(g.rows))
		if g.global {
			kind = fmt.Sprintf("global, %d nodes", len(g.rows))
		} else if len(g.rows) == 1 {
			kind = "1 slot"
		}
		text.f(`<text x="8" y="%s" class="sub">%s</text>`+"\n", num(hdrTop+6+11+12), esc(fit(kind, px0-14, markFont)))
		hdr = max(hdr, 34)
		y += hdr
		lastLabel := -100.0
		for ri, r := range g.rows {
			pitch := float64(r.lanes)*laneH + gap
			if ri%2 == 1 && pitch >= 6 {
				bg.f(`<rect x="0" y="%s" width="%s" height="%s" class="z"/>`+"\n", num(y-gap/2), num(W), num(pitch))
			}
			m.rowLabel(&text, r.label, y, pitch, px0, &lastLabel)
			for _, b := range r.bars {
				m.drawBar(&bars, &text, b, y+float64(b.lane)*laneH, laneH, pad, X)
			}
			y += pitch
		}
		rowsBottom := y
		for _, q := range pm {
			c := markColour(q.to)
			tip := q.to
			if q.from != "" {
				tip = q.from + " -> " + q.to
			}
			if q.msg != "" {
				tip += ": " + q.msg
			}
			marks.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" class="mk"><title>%s at %s: %s</title></line>`+"\n",
				num(q.x), num(hdrTop+4), num(q.x), num(rowsBottom), c, esc(g.name), dur(q.at), esc(tip))
			if q.line >= 0 {
				label := q.to
				if label == "" {
					label = "none"
				}
				anchor := ""
				if q.end {
					anchor = ` text-anchor="end"`
				}
				text.f(`<text x="%s" y="%s" fill="%s" class="ml"%s>%s</text>`+"\n",
					num(q.tx), num(hdrTop+6+9+12*float64(q.line)), c, anchor, esc(label))
			}
		}
		if gi < len(m.groups)-1 {
			y += 6
		}
	}
	bottom := y + 2
	if len(m.groups) == 0 && len(m.nodes) == 0 {
		text.f(`<text x="%s" y="%s" class="sub">no task in this span</text>`+"\n", num(px0), num(top+14))
		bottom = top + 24
	}

	// Node events as faint guides across the whole chart.
	for _, n := range m.nodes {
		for _, mk := range n.marks {
			if mk.at < m.from || mk.at > m.to {
				continue
			}
			x := X(mk.at)
			marks.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="ng"><title>%s %s at %s: %s</title></line>`+"\n",
				num(x), num(top), num(x), num(bottom), esc(n.name), esc(mk.label), dur(mk.at), esc(mk.msg))
		}
	}

	// Time axis above and below, with grid lines.
	step := tickStep(span, plotW)
	first := (m.from + step - 1) / step * step
	if m.from < 0 {
		first = m.from / step * step
	}
	for t, n := first, 0; t <= m.to && n < 1000; t, n = t+step, n+1 {
		x := X(t)
		grid.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="gl"/>`+"\n", num(x), num(top-6), num(x), num(bottom+4))
		text.f(`<text x="%s" y="%s" class="ax">%s</text>`+"\n", num(x), num(top-10), dur(t))
		text.f(`<text x="%s" y="%s" class="ax">%s</text>`+"\n", num(x), num(bottom+16), dur(t))
	}
	grid.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="ax0"/>`+"\n", num(px0), num(top-4), num(px1), num(top-4))
	grid.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="ax0"/>`+"\n", num(px0), num(bottom+4), num(px1), num(bottom+4))

	// Legend.
	ly := bottom + 40
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
		text.f(`<text x="%s" y="%s" class="lh">%s</text>`+"\n", num(lx), num(ly), s)
		lx += w
	}
	swatch := func(fill, label, extra string) {
		w := 18 + textW(label, rowFont) + 14
		item(w)
		text.f(`<rect x="%s" y="%s" width="14" height="10" fill="%s"%s/>`+"\n", num(lx), num(ly-9), fill, extra)
		text.f(`<text x="%s" y="%s" class="lg">%s</text>`+"\n", num(lx+18), num(ly), esc(label))
		lx += w
	}
	heading("Task state:")
	for _, s := range []string{"pending", "preparing", "starting", "running", "complete", "shutdown", "failed", "rejected", "orphaned"} {
		if s == "orphaned" && !m.states[s] {
			continue
		}
		swatch(stateFill(s), stateLegend(s), "")
	}
	{
		label := "being stopped (desired state shutdown)"
		w := 18 + textW(label, rowFont) + 14
		item(w)
		text.f(`<rect x="%s" y="%s" width="14" height="10" fill="#009E73"/><rect x="%s" y="%s" width="14" height="10" fill="url(#stop)"/>`+"\n", num(lx), num(ly-9), num(lx), num(ly-9))
		text.f(`<text x="%s" y="%s" class="lg">%s</text>`+"\n", num(lx+18), num(ly), label)
		lx += w
		label = "final state, until the slot has a newer task"
		w = 18 + textW(label, rowFont) + 14
		item(w)
		text.f(`<rect x="%s" y="%s" width="14" height="3" fill="#999999"/>`+"\n", num(lx), num(ly-5.5))
		text.f(`<text x="%s" y="%s" class="lg">%s</text>`+"\n", num(lx+18), num(ly), label)
		lx += w
	}
	lx, ly = 8, ly+22
	heading("Update status:")
	for _, s := range []string{"updating", "paused", "completed", "rollback_started", "rollback_paused", "rollback_completed"} {
		w := 18 + textW(s, rowFont) + 14
		item(w)
		text.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" class="mk"/>`+"\n", num(lx+7), num(ly-11), num(lx+7), num(ly+2), markColour(s))
		text.f(`<text x="%s" y="%s" class="lg">%s</text>`+"\n", num(lx+18), num(ly), s)
		lx += w
	}
	if len(m.nodes) > 0 {
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
		text.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" class="ng"/>`+"\n", num(lx+7), num(ly-11), num(lx+7), num(ly+2))
		text.f(`<text x="%s" y="%s" class="lg">node event</text>`+"\n", num(lx+18), num(ly))
	}
	H := ly + 14

	fmt.Fprintf(out, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(out, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="DejaVu Sans, Verdana, Geneva, Arial, sans-serif">`+"\n", num(W), num(H), num(W), num(H))
	fmt.Fprintf(out, "<title>%s</title>\n", esc(title))
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
	fmt.Fprintf(out, `<rect width="%s" height="%s" fill="#FFFFFF"/>`+"\n", num(W), num(H))
	fmt.Fprintf(out, `<text x="8" y="24" font-size="16" font-weight="bold" fill="#111">%s</text>`+"\n", esc(title))
	svcs := "services"
	if len(m.groups) == 1 {
		svcs = "service"
	}
	tasks := "tasks"
	if m.tasks == 1 {
		tasks = "task"
	}
	fmt.Fprintf(out, `<text x="8" y="42" class="sub" font-size="11">virtual time %s to %s since the epoch · %d %s · %d %s</text>`+"\n",
		dur(m.from), dur(m.to), len(m.groups), svcs, m.tasks, tasks)
	out.Write(bg.Bytes())
	out.Write(grid.Bytes())
	out.Write(bars.Bytes())
	out.Write(marks.Bytes())
	out.Write(text.Bytes())
	out.WriteString("</svg>\n")
}

// rowLabel writes a row's label, thinning labels out when rows are too
// close to hold one each.
func (m *model) rowLabel(text *layer, label string, y, pitch, px0 float64, last *float64) {
	size := 11.0
	if pitch < 11 {
		size = 9
	}
	cy := y + (pitch-1)/2 + size*0.35
	if cy-*last < size+1 {
		return
	}
	*last = cy
	l := fit(label, px0-14, size)
	if size == 11 {
		text.f(`<text x="%s" y="%s" class="rl">%s</text>`+"\n", num(px0-8), num(cy), esc(l))
	} else {
		text.f(`<text x="%s" y="%s" class="rl" font-size="9">%s</text>`+"\n", num(px0-8), num(cy), esc(l))
	}
}

// drawBar draws one task: its live states at full height, the state it
// ended in as a thin bar until its drawing ends, hatching while it is being
// stopped, and its image as a label where it fits.
func (m *model) drawBar(bars, text *layer, b *bar, y, laneH, pad float64, X func(int64) float64) {
	h := laneH - 2*pad
	live := min(b.liveEnd(), b.drawEnd)
	var tip strings.Builder
	fmt.Fprintf(&tip, "%s %s", b.name, shortID(b.id))
	if b.image != "" {
		fmt.Fprintf(&tip, " %s", b.image)
	}
	if b.node != "" {
		fmt.Fprintf(&tip, " on %s", b.node)
	}
	tip.WriteString(":")
	for i, s := range b.states {
		if i > 0 && s.state == b.states[i-1].state {
			continue
		}
		fmt.Fprintf(&tip, " %s %s,", s.state, dur(s.at))
	}
	if b.deleted != never {
		fmt.Fprintf(&tip, " deleted %s,", dur(b.deleted))
	}
	bars.f("<g><title>%s</title>", esc(strings.TrimSuffix(tip.String(), ",")))
	// Live part: consecutive states of one colour make one rectangle.
	var widest struct {
		x0, x1 float64
		group  string
	}
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
		if end <= s.at || end < m.from || s.at > m.to {
			continue
		}
		x0, x1 := X(s.at), X(end)
		bars.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(x0), num(y+pad), num(max(x1-x0, 0.5)), num(h), stateFill(g))
		if x1-x0 > widest.x1-widest.x0 {
			widest.x0, widest.x1, widest.group = x0, x1, g
		}
	}
	// Being stopped: running on while the desired state says stop.
	if b.stopAt < live && live > m.from && b.stopAt <= m.to {
		x0, x1 := X(max(b.stopAt, b.created)), X(live)
		if x1 > x0 {
			bars.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="url(#stop)"/>`, num(x0), num(y+pad), num(x1-x0), num(h))
		}
	}
	// The state it ended in, until its drawing ends.
	if b.end != never && b.end <= m.to && b.drawEnd >= m.from {
		final := b.states[len(b.states)-1].state
		if !terminal(final) {
			final = "shutdown" // deleted while live: shown as its end
		}
		// At least a 3-pixel stub, so that the final state shows even
		// when the task was replaced at once; never into the next task
		// of its lane.
		x0, x1 := X(b.end), X(b.drawEnd)
		x1 = max(x1, min(x0+3, X(b.laneNext)))
		th := max(math.Round(h*0.3), 1.5)
		if x1 > x0 {
			bars.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(x0), num(y+pad+(h-th)/2), num(x1-x0), num(th), stateFill(stateGroup(final)))
		}
		// A failure is capped at full height, to be seen among many rows.
		if (final == "failed" || final == "rejected") && x1 > x0 {
			bars.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, num(x0), num(y+pad), num(min(x1-x0, 3)), num(h), stateFill(final))
		}
	}
	bars.f("</g>\n")
	// The image label: in the task's longest state (running, mostly),
	// else across its whole live part, where there is room.
	if h >= 10 && b.image != "" && live > m.from && b.created <= m.to {
		w := textW(b.image, 10) + 8
		x0, x1 := X(b.created), X(min(live, b.stopAt))
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
		text.f(`<text x="%s" y="%s" class="bl"%s>%s</text>`+"\n", num(x0+4), num(y+laneH/2+3.5), fill, esc(b.image))
	}
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
