//go:build !linux

package main

import (
	"errors"
	"os"
)

func maxrss(*os.ProcessState) (int64, error) {
	return 0, errors.New("peak memory is measured on Linux only")
}
