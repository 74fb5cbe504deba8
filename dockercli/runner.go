package dockercli

import (
	"errors"
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
	// AfterLine, when set, is called after each command line; an error
	// stops the script with a *ScriptError wrapping it (exit status
	// ExitInterrupted for ErrInterrupted, 1 otherwise). The command line
	// flushes the trace file and checks for Ctrl-C here.
	AfterLine func() error
}

// ErrInterrupted is the error AfterLine returns when the user interrupted
// the run.
var ErrInterrupted = errors.New("interrupted")

// ScriptError is RunScript's error: in strict mode the command that failed;
// in any mode an internal error (a panic, recovered) or a script that ends
// inside a command (Err is then set).
type ScriptError struct {
	Line     int
	Text     string
	ExitCode int
	// Err is why the script stopped when it is not a command's exit
	// status: an *InternalError, an *EndOfInputError or AfterLine's error.
	Err error
}

func (e *ScriptError) Error() string {
	var eoi *EndOfInputError
	switch {
	case errors.As(e.Err, &eoi):
		return eoi.Error()
	case e.Err != nil:
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: %q exited with status %d", e.Line, e.Text, e.ExitCode)
}

func (e *ScriptError) Unwrap() error { return e.Err }

// RunScript runs a script and writes its transcript to w: each command as
// "$ <command>", then everything it printed (stdout and stderr, in order).
// A failing command prints its error and the script goes on, unless
// opts.Strict, when RunScript stops and returns a *ScriptError. An internal
// error (a panic in a command) or the end of the script inside quotes or
// after a trailing backslash stops it in any mode, with a *ScriptError.
// A line longer than MaxLineBytes fails like a command (exit status 2).
// RunScript reads the script as it runs it, one command at a time (a
// script of 50,000 lines is never held whole); an error reading it stops
// it there and is returned as it is.
func RunScript(r io.Reader, w io.Writer, opts ScriptOptions) error {
	sr := newScriptReader(r)
	s := opts.Session
	if s == nil {
		s = NewSession(opts.Seed)
	}
	for {
		l, ok, err := sr.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		fmt.Fprintf(w, "$ %s\n", l.Text)
		code := 0
		if l.Err != nil {
			fmt.Fprintf(w, "swarmsim: %v\n", l.Err)
			code = 2
			var eoi *EndOfInputError
			if errors.As(l.Err, &eoi) {
				return &ScriptError{Line: l.Line, Text: l.Text, ExitCode: code, Err: eoi}
			}
		} else if len(l.Words) > 0 {
			var ie *InternalError
			code, ie = s.execWords(l.Words, w, w)
			if ie != nil {
				return &ScriptError{Line: l.Line, Text: l.Text, ExitCode: code, Err: ie}
			}
		}
		if opts.AfterLine != nil {
			if err := opts.AfterLine(); err != nil {
				exit := 1
				if errors.Is(err, ErrInterrupted) {
					exit = ExitInterrupted
				}
				return &ScriptError{Line: l.Line, Text: l.Text, ExitCode: exit, Err: err}
			}
		}
		if code != 0 && opts.Strict {
			return &ScriptError{Line: l.Line, Text: l.Text, ExitCode: code}
		}
	}
}
