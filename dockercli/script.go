package dockercli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
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
	if !strings.ContainsAny(line, "\\'\"#;&|<>`()") {
		// nothing but words and blanks: the words are the line's own
		// substrings
		return plainWords(line), nil
	}
	return shellWords(line)
}

// shellWords is SplitWords for any line.
func shellWords(line string) ([]string, error) {
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

// plainWords splits a line without quotes, escapes, comments or operators
// at its blanks (as SplitWords does), without copying the words.
func plainWords(line string) []string {
	words := strings.FieldsFunc(line, func(r rune) bool { return r < utf8.RuneSelf && isBlank(byte(r)) })
	if len(words) == 0 {
		return nil
	}
	return words
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// MaxLineBytes is the longest line a script or the prompt accepts (4 MiB):
// a longer line is skipped with an error that names its number.
const MaxLineBytes = 4 << 20

// LineReader reads a script or the prompt's input line by line, each line
// bounded by MaxLineBytes, and counts the lines.
type LineReader struct {
	br  *bufio.Reader
	n   int
	buf []byte
}

// NewLineReader returns a LineReader reading r.
func NewLineReader(r io.Reader) *LineReader {
	return &LineReader{br: bufio.NewReaderSize(r, 64*1024)}
}

// Next returns the next line, without its "\n" or "\r\n", and its 1-based
// number. A line longer than MaxLineBytes is read to its end and dropped:
// Next returns "" and tooLong. At the end of the input err is io.EOF (a
// last line without a newline is returned first, with a nil error).
func (l *LineReader) Next() (line string, no int, tooLong bool, err error) {
	l.buf = l.buf[:0]
	read := false
	for {
		chunk, rerr := l.br.ReadSlice('\n')
		if len(chunk) > 0 {
			read = true
		}
		if !tooLong {
			if len(l.buf)+len(chunk) > MaxLineBytes+2 { // room for "\r\n"
				tooLong = true
				l.buf = l.buf[:0]
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		switch {
		case rerr == bufio.ErrBufferFull:
			continue
		case rerr != nil && rerr != io.EOF:
			return "", l.n, false, rerr
		case rerr == io.EOF && !read:
			return "", l.n, false, io.EOF
		}
		l.n++
		b := l.buf
		if len(b) > 0 && b[len(b)-1] == '\n' {
			b = b[:len(b)-1]
		}
		if len(b) > 0 && b[len(b)-1] == '\r' {
			b = b[:len(b)-1]
		}
		if !tooLong && len(b) > MaxLineBytes {
			tooLong = true
		}
		if tooLong {
			return "", l.n, true, nil
		}
		return string(b), l.n, false, nil
	}
}

// LineTooLongError is the error for a line longer than MaxLineBytes.
type LineTooLongError struct{ Line int }

func (e *LineTooLongError) Error() string {
	return fmt.Sprintf("line %d is longer than %d bytes (the simulator's limit); it was skipped", e.Line, MaxLineBytes)
}

// EndOfInputError is the error for a script or prompt input that ends inside
// a command: within quotes, or after a trailing backslash.
type EndOfInputError struct {
	// Line is the number of the command's first line.
	Line int
	// Backslash is true for a trailing backslash, false for an open quote.
	Backslash bool
}

func (e *EndOfInputError) Error() string {
	if e.Backslash {
		return fmt.Sprintf("trailing backslash at line %d: the input ended inside the command", e.Line)
	}
	return fmt.Sprintf("unterminated quote at line %d: the input ended inside the command", e.Line)
}

// Unwrap lets errors.Is(err, ErrIncomplete) hold.
func (e *EndOfInputError) Unwrap() error { return ErrIncomplete }

// EndOfInput is the error for input that ends with text, a command that
// SplitWords finds incomplete and that began on the line.
func EndOfInput(text string, line int) *EndOfInputError {
	backslash := false
	if t, ok := strings.CutSuffix(text, "\\"); ok {
		_, err := SplitWords(t)
		backslash = err == nil
	}
	return &EndOfInputError{Line: line, Backslash: backslash}
}

// ScriptLine is one command of a script.
type ScriptLine struct {
	// Line is the 1-based number of the command's first physical line.
	Line int
	// Text is the command as written, without its leading "$ ", with
	// continuation lines joined by newlines (for a line too long to read,
	// a note saying so).
	Text string
	// Words are the command's words, or nil when Err is set.
	Words []string
	// Err is a word-splitting error (a shell operator), an
	// *EndOfInputError (the script ended inside quotes or after a trailing
	// backslash) or a *LineTooLongError.
	Err error
}

// ReadScript splits a script into commands: one per line; blank lines and
// lines starting with # are skipped; a leading "$ " is stripped; a line that
// ends inside quotes or with a backslash continues on the next line. A line
// longer than MaxLineBytes becomes a ScriptLine with a *LineTooLongError
// (and ends any command it continued); the error is only for reading.
func ReadScript(r io.Reader) ([]ScriptLine, error) {
	sr := newScriptReader(r)
	var out []ScriptLine
	for {
		l, ok, err := sr.next()
		if err != nil {
			return out, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, l)
	}
}

// scriptReader reads a script's commands one at a time, as ReadScript
// splits them, so that RunScript holds one command at a time rather than the
// whole script.
type scriptReader struct {
	lr  *LineReader
	eof bool
}

func newScriptReader(r io.Reader) *scriptReader {
	return &scriptReader{lr: NewLineReader(r)}
}

// next returns the next command; ok is false at the end of the script.
func (sr *scriptReader) next() (l ScriptLine, ok bool, err error) {
	var (
		pending []string
		start   int
	)
	for !sr.eof {
		raw, lineNo, tooLong, err := sr.lr.Next()
		if err == io.EOF {
			sr.eof = true
			break
		}
		if err != nil {
			return ScriptLine{}, false, err
		}
		if tooLong {
			// a command it continued is dropped with it
			return ScriptLine{Line: lineNo, Text: fmt.Sprintf("<line %d: more than %d bytes>", lineNo, MaxLineBytes), Err: &LineTooLongError{Line: lineNo}}, true, nil
		}
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
		text := raw
		if len(pending) > 1 {
			text = strings.Join(pending, "\n")
		}
		words, err := SplitWords(text)
		if errors.Is(err, ErrIncomplete) {
			continue
		}
		return ScriptLine{Line: start, Text: text, Words: words, Err: err}, true, nil
	}
	if len(pending) > 0 {
		text := strings.Join(pending, "\n")
		return ScriptLine{Line: start, Text: text, Err: EndOfInput(text, start)}, true, nil
	}
	return ScriptLine{}, false, nil
}
