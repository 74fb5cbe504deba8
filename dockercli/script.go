package dockercli

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// ErrIncomplete is SplitWords' error for a line that ends inside quotes or
// with a backslash: in a script, the next line continues it.
var ErrIncomplete = errors.New("unexpected end of line: unterminated quote or trailing backslash")

// ErrOperator is SplitWords' error for an unquoted shell operator (`;`, `&`,
// `|`, `<`, `>`, backquote, `$(`): scripts hold one command per line and run
// no shell.
var ErrOperator = errors.New("shell operators (; & | < > ` $( ) are not supported; quote them")

// SplitWords splits a command line into words as a POSIX shell does, without
// expansions: blanks separate words; single quotes keep everything literally;
// in double quotes a backslash escapes only $ ` " \ and newline; outside
// quotes a backslash escapes any character and backslash-newline is removed;
// an unquoted # at the start of a word starts a comment.
func SplitWords(line string) ([]string, error) {
	var (
		words  []string
		buf    strings.Builder
		inWord bool
		i      int
		n      = len(line)
	)
	flush := func() {
		if inWord {
			words = append(words, buf.String())
			buf.Reset()
			inWord = false
		}
	}
	for i < n {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			flush()
			i++
		case c == '#' && !inWord:
			for i < n && line[i] != '\n' {
				i++
			}
		case c == '\\':
			if i+1 >= n {
				return nil, ErrIncomplete
			}
			if line[i+1] == '\n' {
				i += 2
				continue
			}
			buf.WriteByte(line[i+1])
			inWord = true
			i += 2
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, ErrIncomplete
			}
			buf.WriteString(line[i+1 : i+1+j])
			inWord = true
			i += j + 2
		case c == '"':
			inWord = true
			i++
			closed := false
			for i < n {
				d := line[i]
				if d == '"' {
					closed = true
					i++
					break
				}
				if d == '\\' && i+1 < n {
					switch line[i+1] {
					case '$', '`', '"', '\\':
						buf.WriteByte(line[i+1])
						i += 2
						continue
					case '\n':
						i += 2
						continue
					}
				}
				buf.WriteByte(d)
				i++
			}
			if !closed {
				return nil, ErrIncomplete
			}
		case c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '`' || c == '(' || c == ')':
			return nil, ErrOperator
		default:
			buf.WriteByte(c)
			inWord = true
			i++
		}
	}
	flush()
	return words, nil
}

// ScriptLine is one command of a script.
type ScriptLine struct {
	// Line is the 1-based number of the command's first physical line.
	Line int
	// Text is the command as written, without its leading "$ ", with
	// continuation lines joined by newlines.
	Text string
	// Words are the command's words, or nil when Err is set.
	Words []string
	// Err is a word-splitting error (an unterminated quote at the end of
	// the script, a shell operator).
	Err error
}

// ReadScript splits a script into commands: one per line; blank lines and
// lines starting with # are skipped; a leading "$ " is stripped; a line that
// ends inside quotes or with a backslash continues on the next line.
func ReadScript(r io.Reader) ([]ScriptLine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	var (
		out     []ScriptLine
		pending []string
		start   int
		lineNo  int
	)
	for sc.Scan() {
		lineNo++
		raw := strings.TrimRight(sc.Text(), "\r")
		if len(pending) == 0 {
			t := strings.TrimLeft(raw, " \t")
			if t == "$" {
				continue
			}
			t = strings.TrimPrefix(t, "$ ")
			trimmed := strings.TrimSpace(t)
			if trimmed == "" || strings.HasPrefix(trimmed, "#") {
				continue
			}
			start = lineNo
			raw = trimmed
		}
		pending = append(pending, raw)
		text := strings.Join(pending, "\n")
		words, err := SplitWords(text)
		if errors.Is(err, ErrIncomplete) {
			continue
		}
		out = append(out, ScriptLine{Line: start, Text: text, Words: words, Err: err})
		pending = nil
	}
	if err := sc.Err(); err != nil {
		return out, err
	}
	if len(pending) > 0 {
		text := strings.Join(pending, "\n")
		out = append(out, ScriptLine{Line: start, Text: text, Err: ErrIncomplete})
	}
	return out, nil
}
