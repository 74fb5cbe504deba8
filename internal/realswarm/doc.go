// Package realswarm measures swarmsim against the real thing: it starts a
// real Docker Swarm on this machine (one dockerd per node, each in a network
// namespace of its own, joined by a bridge; everything under one temporary
// directory), builds test images from a static Go program whose behaviour is
// set by environment variables, runs the same script on the real swarm and on
// swarmsim, normalises both transcripts and compares them.
//
// Nothing here runs unless asked: the tests skip unless REALSWARM=1 (and
// root, and dockerd); `go run ./internal/realswarm/cmd/compare` runs the
// whole suite and writes docs/fidelity-real.md.
package realswarm
