// Package labels checks the free text a user attaches to swarm objects: the
// labels of a node, service, network, secret or config, and names such as a
// node's hostname. Docker's Engine API carries them as JSON strings, and Go's
// encoding/json, which the CLI and the daemon use, replaces every byte that
// is not UTF-8 with U+FFFD: the text would not come back as it was sent. The
// simulator refuses such text with the daemon's InvalidArgument error
// instead of changing it.
//
// It sits below package node and package spec so that both can use it (spec
// imports node).
package labels

import (
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/swarmsim/swarmsim/errdefs"
)

// ValidUTF8 returns the daemon's InvalidArgument error for text that is not
// UTF-8; what names the text in the message ("label", "hostname").
func ValidUTF8(what, s string) error {
	if utf8.ValidString(s) {
		return nil
	}
	return errdefs.Daemon(errdefs.KindInvalidArgument, "invalid %s %q: must be valid UTF-8", what, s)
}

// Validate checks the keys and values of a label map with ValidUTF8, in key
// order, so that the first bad label in that order is the one reported.
func Validate(labels map[string]string) error {
	if len(labels) == 0 {
		return nil // no sorted copy of no keys: nodes mostly join without labels
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if err := ValidUTF8("label", k+"="+labels[k]); err != nil {
			return err
		}
	}
	return nil
}
