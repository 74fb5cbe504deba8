package ids

import (
	"strings"

	"github.com/swarmsim/swarmsim/errdefs"
)

// Prefixes finds objects by a prefix of their ID, as Docker's look-ups do
// for a reference that is neither a full ID nor a name, without scanning
// every object: IDs are spread evenly over their first two characters (a
// seeded draw), so the objects sharing those are a 1/1,296 share of all.
// A prefix shorter than that is answered by a scan of the caller's own.
// The zero value is an empty index.
type Prefixes[V comparable] struct {
	byHead map[[HeadLen]byte][]entry[V]
}

// HeadLen is the length of the prefixes the index answers at least.
const HeadLen = 2

type entry[V comparable] struct {
	id string
	v  V
}

// Add indexes v under id.
func (p *Prefixes[V]) Add(id string, v V) {
	if len(id) < HeadLen {
		return
	}
	if p.byHead == nil {
		p.byHead = map[[HeadLen]byte][]entry[V]{}
	}
	h := head(id)
	p.byHead[h] = append(p.byHead[h], entry[V]{id, v})
}

// Remove drops v, indexed under id.
func (p *Prefixes[V]) Remove(id string, v V) {
	if len(id) < HeadLen {
		return
	}
	h := head(id)
	b := p.byHead[h]
	for i := range b {
		if b[i].v == v {
			b[i] = b[len(b)-1]
			b[len(b)-1] = entry[V]{}
			b = b[:len(b)-1]
			break
		}
	}
	if len(b) == 0 {
		delete(p.byHead, h)
	} else {
		p.byHead[h] = b
	}
}

// Match returns how many indexed IDs start with prefix and, when exactly
// one does, its object. ok is false for a prefix shorter than HeadLen,
// which the index cannot answer.
func (p *Prefixes[V]) Match(prefix string) (v V, n int, ok bool) {
	if len(prefix) < HeadLen {
		return v, 0, false
	}
	for _, e := range p.byHead[head(prefix)] {
		if len(prefix) <= len(e.id) && e.id[:len(prefix)] == prefix {
			v = e.v
			n++
		}
	}
	if n != 1 {
		var zero V
		v = zero
	}
	return v, n, true
}

func head(id string) (h [HeadLen]byte) {
	copy(h[:], id)
	return h
}

// Scan finds the objects of all (zero entries are removed ones) whose ID
// starts with prefix, none for "": how many, and the one when there is
// one. It is the look-up of a small collection, or of a prefix too short
// for Prefixes.
func Scan[V comparable](all []V, prefix string, id func(V) string) (found V, n int) {
	var zero V
	if prefix == "" {
		return zero, 0
	}
	for _, v := range all {
		if v != zero && strings.HasPrefix(id(v), prefix) {
			found = v
			n++
		}
	}
	if n != 1 {
		found = zero
	}
	return found, n
}

// Unique answers a reference that n objects matched by ID prefix as
// Docker's daemon does (moby's daemon/cluster/helpers.go: getNode,
// getService ...): the one found, "KIND REF not found" (errdefs.KindNotFound)
// or "KIND REF is ambiguous (N matches found)" (errdefs.KindInvalidArgument).
func Unique[V any](kind, ref string, found V, n int) (V, error) {
	var zero V
	switch n {
	case 1:
		return found, nil
	case 0:
		return zero, errdefs.Daemon(errdefs.KindNotFound, "%s %s not found", kind, ref)
	}
	return zero, errdefs.Daemon(errdefs.KindInvalidArgument, "%s %s is ambiguous (%d matches found)", kind, ref, n)
}
