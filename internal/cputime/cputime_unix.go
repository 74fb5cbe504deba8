//go:build unix

// Package cputime reads the process's CPU time, for benchmarks that report it
// beside wall time: on a shared machine CPU time measures the work where wall
// time also measures the neighbours.
package cputime

import (
	"syscall"
	"time"
)

// Process is the process's CPU time (user and system) so far.
func Process() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
