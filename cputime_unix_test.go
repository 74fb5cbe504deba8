//go:build unix

package swarmsim

import (
	"syscall"
	"time"
)

// cpuTime is the process's CPU time (user and system) so far: on a shared
// machine it measures the work where wall time measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
