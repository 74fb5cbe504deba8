package dockercli

import (
	"bytes"
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
// of the run so far, written to FILE (taken relative to Session.Dir).
func (s *Session) timelineFile(c Timeline, stdout io.Writer) error {
	cl := s.Cluster()
	title := "timeline at " + cl.Elapsed().String()
	if len(c.Services) > 0 {
		title += ": " + strings.Join(c.Services, ", ")
	}
	var b bytes.Buffer
	if err := s.Timeline(&b, title, c.Services); err != nil {
		return fmt.Errorf("swarmsim: %w", err)
	}
	path := c.File
	if s.Dir != "" && !filepath.IsAbs(path) {
		path = filepath.Join(s.Dir, path)
	}
	if s.Script != "" {
		in, err1 := os.Stat(s.Script)
		out, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(in, out) {
			return fmt.Errorf("swarmsim: %s is the script being run; refusing to overwrite it", c.File)
		}
	}
	if err := writeFileAtomic(path, b.Bytes()); err != nil {
		return fmt.Errorf("swarmsim: %w", err)
	}
	if n := cl.DroppedEvents(); n > 0 {
		fmt.Fprintf(stdout, "swarmsim: the oldest %d events were dropped (trace limit %d); the timeline shows the rest\n", n, s.TraceLimit)
	}
	fmt.Fprintf(stdout, "timeline of 0s to %s written to %s\n", cl.Elapsed(), c.File)
	return nil
}

// writeFileAtomic writes data to a temporary file beside path and renames it
// into place, so that path never holds half a file.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.partial")
	if err != nil {
		return DestErr(err, path)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return DestErr(err, path)
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
