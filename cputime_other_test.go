//go:build !unix

package swarmsim

import "time"

func cpuTime() time.Duration { return 0 }
