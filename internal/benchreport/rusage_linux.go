package main

import (
	"errors"
	"os"
	"syscall"
)

func maxrss(ps *os.ProcessState) (int64, error) {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss, nil // KiB on Linux
	}
	return 0, errors.New("no rusage")
}
