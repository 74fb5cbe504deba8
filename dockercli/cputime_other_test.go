//go:build !unix

package dockercli

import "time"

func cpuTime() time.Duration { return 0 }
