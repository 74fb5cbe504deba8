package realswarm

import (
	"strconv"
	"strings"
)

// Screen replays terminal output (text, carriage returns, and the ANSI
// cursor movements and erasures docker's progress display uses) and returns
// the final screen as text: what a user sees when the command has ended.
// Lines are not wrapped; trailing blanks of each line are kept; a newline
// also returns the carriage, as a terminal's output processing does.
func Screen(out string) string {
	var (
		lines    = [][]rune{nil}
		row, col int
	)
	put := func(r rune) {
		for row >= len(lines) {
			lines = append(lines, nil)
		}
		l := lines[row]
		for len(l) <= col {
			l = append(l, ' ')
		}
		l[col] = r
		lines[row] = l
		col++
	}
	rs := []rune(out)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\r':
			col = 0
		case r == '\n':
			// A terminal's output processing (ONLCR) returns the carriage
			// on a newline.
			row, col = row+1, 0
			for row >= len(lines) {
				lines = append(lines, nil)
			}
		case r == '\b':
			if col > 0 {
				col--
			}
		case r == '\t':
			for {
				put(' ')
				if col%8 == 0 {
					break
				}
			}
		case r == 0x1b:
			if i+1 < len(rs) && rs[i+1] == '[' {
				j := i + 2
				for j < len(rs) && (rs[j] < 0x40 || rs[j] > 0x7e) {
					j++
				}
				if j >= len(rs) {
					i = len(rs)
					break
				}
				params, final := string(rs[i+2:j]), rs[j]
				i = j
				priv := strings.HasPrefix(params, "?")
				n := 1
				if v, err := strconv.Atoi(strings.Split(strings.TrimPrefix(params, "?"), ";")[0]); err == nil {
					n = v
				}
				if priv {
					break
				}
				for row >= len(lines) {
					lines = append(lines, nil)
				}
				switch final {
				case 'A':
					row = max(0, row-max(n, 1))
				case 'B':
					row += max(n, 1)
					for row >= len(lines) {
						lines = append(lines, nil)
					}
				case 'C':
					col += max(n, 1)
				case 'D':
					col = max(0, col-max(n, 1))
				case 'G':
					col = max(0, n-1)
				case 'K':
					switch params {
					case "", "0":
						if col < len(lines[row]) {
							lines[row] = lines[row][:col]
						}
					case "1":
						for k := 0; k < col && k < len(lines[row]); k++ {
							lines[row][k] = ' '
						}
					case "2":
						lines[row] = nil
					}
				case 'J':
					if params == "2" {
						lines, row, col = [][]rune{nil}, 0, 0
					} else if params == "" || params == "0" {
						if col < len(lines[row]) {
							lines[row] = lines[row][:col]
						}
						lines = lines[:row+1]
					}
				}
			} else if i+1 < len(rs) {
				i++ // a two-character escape
			}
		case r < 0x20:
		default:
			put(r)
		}
	}
	for len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(string(l))
		b.WriteByte('\n')
	}
	return b.String()
}
