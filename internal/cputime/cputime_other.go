//go:build !unix

// Package cputime reads the process's CPU time, for benchmarks that report it
// beside wall time.
package cputime

import "time"

// Process is 0 where the process's CPU time cannot be read.
func Process() time.Duration { return 0 }
