package main

import (
	"bytes"
	"strings"
	"testing"
)

const sample = `goos: linux
pkg: github.com/swarmsim/swarmsim
BenchmarkEventLoop-2   	       5	  21006924 ns/op	       420.1 ns/transition	   2380168 transitions/s	 1899680 B/op	   10990 allocs/op
BenchmarkEventLoop-2   	       5	  23006924 ns/op	       460.1 ns/transition	   2180168 transitions/s	 1899680 B/op	   10990 allocs/op
BenchmarkEventLoop-2   	       5	  22006924 ns/op	       440.1 ns/transition	   2280168 transitions/s	 1899680 B/op	   10990 allocs/op
pkg: github.com/swarmsim/swarmsim/mesh
BenchmarkResolve/few-2 	100	41.6 ns/op	0 B/op	0 allocs/op
PASS
`

// Medians per benchmark and unit, packages kept apart, the GOMAXPROCS
// suffix dropped.
func TestParseAndRender(t *testing.T) {
	rs := parse(strings.NewReader(sample))
	if len(rs) != 2 || rs[0].name != "EventLoop" || rs[1].name != "Resolve/few" {
		t.Fatalf("parsed %+v", rs)
	}
	if m := median(rs[0].values["ns/transition"]); m != 440.1 {
		t.Fatalf("median %v, want 440.1", m)
	}
	var buf bytes.Buffer
	render(&buf, rs, 3, "")
	for _, want := range []string{
		"| swarmsim | EventLoop | 22.01 ms | 440 ns/transition, 2280168 transitions/s | 1.8 MiB | 10990 |",
		"| mesh | Resolve/few | 41.6 ns |  | 0 | 0 |",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, buf.String())
		}
	}
}
