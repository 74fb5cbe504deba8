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
	for i := Length - 1; i >= 0; i-- {
		// divide the 128-bit number hi:lo by 36
		qh := hi / 36
		rh := hi % 36
		// (rh<<64 + lo) / 36, done in two 32-bit halves
		x := rh<<32 | lo>>32
		q1 := x / 36
		r1 := x % 36
		y := r1<<32 | lo&0xffffffff
		q2 := y / 36
		r := y % 36
		hi, lo = qh, q1<<32|q2
		b[i] = alphabet[r]
	}
	return string(b[:])
}

// Mark is a generator's position, to go back to when a drawn ID was not
// used after all.
type Mark struct{ pcg rand.PCG }

// Mark returns the generator's current position.
func (g *Generator) Mark() Mark { return Mark{*g.r} }

// Reset takes the generator back to m: the IDs drawn since are drawn again.
func (g *Generator) Reset(m Mark) { *g.r = m.pcg }
