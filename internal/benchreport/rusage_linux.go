package main

import (
	"errors"
	"os"
	"syscall"
	"time"
)

func maxrss(ps *os.ProcessState) (int64, error) {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss, nil // KiB on Linux
	}
	return 0, errors.New("no rusage")
}

// selfCPU is the processor time (user and system) this process has used.
func selfCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
