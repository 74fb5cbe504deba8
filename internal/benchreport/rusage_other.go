//go:build !linux

package main

import (
	"errors"
	"os"
	"time"
)

func maxrss(*os.ProcessState) (int64, error) {
	return 0, errors.New("peak memory is measured on Linux only")
}

// selfCPU is not measured here: callers fall back to wall-clock time.
func selfCPU() (time.Duration, bool) { return 0, false }

// childCPU is not measured here: callers fall back to wall-clock time.
func childCPU(int) (time.Duration, bool) { return 0, false }
