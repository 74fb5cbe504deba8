// Package ids draws swarm object IDs from the cluster's seed: 25 lowercase
// base-36 characters, the shape of SwarmKit's identity.NewID.
package ids

import "math/rand/v2"

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

// Length is the number of characters in an ID.
const Length = 25

// Generator draws IDs from a PCG stream.
type Generator struct {
	r *rand.PCG
}

// New returns a generator seeded with seed and a stream constant, so that
// IDs do not share a stream with other seeded choices.
func New(seed uint64) *Generator {
	return &Generator{r: rand.NewPCG(seed, 0x1d5_5eed)}
}

// Next returns a new ID. Two draws of 64 bits give 25 base-36 digits (a
// 128-bit number, as SwarmKit's IDs are).
func (g *Generator) Next() string {
	var b [Length]byte
	hi, lo := g.r.Uint64(), g.r.Uint64()
	// Divide the 128-bit number hi:lo by 36⁶ (which fits in 32 bits) four
	// times, in 32-bit halves, and write each remainder's six digits;
	// the last quotient is below 36 (2¹²⁸ < 36²⁵): the first digit.
	i := Length
	for range 4 {
		qh, rh := hi/chunk, hi%chunk
		x := rh<<32 | lo>>32
		q1, r1 := x/chunk, x%chunk
		y := r1<<32 | lo&0xffffffff
		q2, r := y/chunk, uint32(y%chunk)
		hi, lo = qh, q1<<32|q2
		for range chunkDigits {
			i--
			b[i] = alphabet[r%36]
			r /= 36
		}
	}
	b[0] = alphabet[lo]
	return string(b[:])
}

// chunk is 36⁶, the largest power of 36 below 2³².
const (
	chunkDigits = 6
	chunk       = 36 * 36 * 36 * 36 * 36 * 36
)

// Mark is a generator's position, to go back to when a drawn ID was not
// used after all.
type Mark struct{ pcg rand.PCG }

// Mark returns the generator's current position.
func (g *Generator) Mark() Mark { return Mark{*g.r} }

// Reset takes the generator back to m: the IDs drawn since are drawn again.
func (g *Generator) Reset(m Mark) { *g.r = m.pcg }
