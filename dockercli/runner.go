package dockercli

import (
	"fmt"
	"io"
)

// ScriptOptions configure RunScript.
type ScriptOptions struct {
	// Seed is the cluster's seed.
	Seed uint64
	// Strict stops at the first command that fails.
	Strict bool
	// Session, when set, runs the script (Seed is then ignored).
	Session *Session
}

// ScriptError is RunScript's error in strict mode: the command that failed.
type ScriptError struct {
	Line     int
	Text     string
	ExitCode int
}

func (e *ScriptError) Error() string {
	return fmt.Sprintf("line %d: %q exited with status %d", e.Line, e.Text, e.ExitCode)
}

// RunScript runs a script and writes its transcript to w: each command as
// "$ <command>", then everything it printed (stdout and stderr, in order).
// A failing command prints its error and the script goes on, unless
// opts.Strict, when RunScript stops and returns a *ScriptError.
func RunScript(r io.Reader, w io.Writer, opts ScriptOptions) error {
	lines, err := ReadScript(r)
	if err != nil {
		return err
	}
	s := opts.Session
	if s == nil {
		s = NewSession(opts.Seed)
	}
	for _, l := range lines {
		fmt.Fprintf(w, "$ %s\n", l.Text)
		code := 0
		if l.Err != nil {
			fmt.Fprintf(w, "swarmsim: %v\n", l.Err)
			code = 2
		} else if len(l.Words) > 0 {
			code = s.ExecWords(l.Words, w, w)
		}
		if code != 0 && opts.Strict {
			return &ScriptError{Line: l.Line, Text: l.Text, ExitCode: code}
		}
	}
	return nil
}
