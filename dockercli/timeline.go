package dockercli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/swarmsim/swarmsim/timeline"
)

// Timeline writes the SVG timeline of everything the session's cluster has
// done so far, from its epoch to the current virtual time, for the services
// named (all when none), under the title.
//
// When the session's TraceLimit has dropped the oldest events, the picture
// starts where the kept trace does and the title says how many were lost.
func (s *Session) Timeline(w io.Writer, title string, services []string) error {
	c := s.Cluster()
	if n := c.DroppedEvents(); n > 0 {
		title += fmt.Sprintf(" (the oldest %d events were dropped: trace limit %d)", n, s.TraceLimit)
	}
	return timeline.RenderSeq(w, c.AllEvents(), timeline.Options{
		Epoch: c.Epoch(), To: c.Elapsed(), Services: services, Title: title,
	})
}

// timelineFile runs `swarmsim timeline FILE.svg [SERVICE...]`: the picture
// of the run so far, written to FILE (taken relative to Session.Dir) as it
// is drawn, through a temporary file renamed into place once whole.
func (s *Session) timelineFile(c Timeline, stdout io.Writer) error {
	cl := s.Cluster()
	title := "timeline at " + cl.Elapsed().String()
	if len(c.Services) > 0 {
		title += ": " + strings.Join(c.Services, ", ")
	}
	path := c.File
	if s.Dir != "" && !filepath.IsAbs(path) {
		path = filepath.Join(s.Dir, path)
	}
	f := &pendingFile{path: path, check: func() error {
		if s.Script != "" {
			in, err1 := os.Stat(s.Script)
			out, err2 := os.Stat(path)
			if err1 == nil && err2 == nil && os.SameFile(in, out) {
				return fmt.Errorf("%s is the script being run; refusing to overwrite it", c.File)
			}
		}
		return nil
	}}
	if err := f.finish(s.Timeline(f, title, c.Services)); err != nil {
		return fmt.Errorf("swarmsim: %w", err)
	}
	if n := cl.DroppedEvents(); n > 0 {
		fmt.Fprintf(stdout, "swarmsim: the oldest %d events were dropped (trace limit %d); the timeline shows the rest\n", n, s.TraceLimit)
	}
	fmt.Fprintf(stdout, "timeline of 0s to %s written to %s\n", cl.Elapsed(), c.File)
	return nil
}

// pendingFile writes a file under a temporary name beside its path,
// created at the first Write once check allows it, and renames it into
// place when finished without an error, so that path never holds half a
// file. A writer that fails before writing (a picture whose options are
// wrong) leaves no file at all, and its error comes first.
type pendingFile struct {
	path  string
	check func() error // run before the file is created, when not nil
	f     *os.File
	err   error
}

func (p *pendingFile) Write(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if p.f == nil {
		if p.check != nil {
			if p.err = p.check(); p.err != nil {
				return 0, p.err
			}
		}
		if p.f, p.err = os.CreateTemp(filepath.Dir(p.path), filepath.Base(p.path)+".*.partial"); p.err != nil {
			p.f, p.err = nil, DestErr(p.err, p.path)
			return 0, p.err
		}
	}
	n, err := p.f.Write(b)
	if err != nil {
		p.err = DestErr(err, p.path)
	}
	return n, p.err
}

// finish renames the file into place when err, what writing it ended
// with, is nil, and removes it otherwise; it returns err, or the error
// that kept the file from its place.
func (p *pendingFile) finish(err error) error {
	if err == nil && p.f == nil {
		_, err = p.Write(nil) // an empty file
	}
	if p.f == nil {
		return err
	}
	if err == nil {
		err = p.f.Chmod(0o644)
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(p.f.Name(), p.path)
	}
	if err != nil {
		os.Remove(p.f.Name())
	}
	return DestErr(err, p.path)
}

// DestErr names the destination, not the temporary file, in a file error:
// the temporary name is random, and transcripts are deterministic.
func DestErr(err error, path string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &fs.PathError{Op: pe.Op, Path: path, Err: pe.Err}
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return &fs.PathError{Op: le.Op, Path: path, Err: le.Err}
	}
	return err
}
