package realswarm_test

import (
	"fmt"

	"github.com/swarmsim/swarmsim/internal/realswarm"
)

// Two `docker service ps` tables, one from swarmsim and one from a real
// swarm, that differ only in what is random or machine-specific normalise to
// the same text.
func ExampleNormalize() {
	sim := "ID             NAME      IMAGE     NODE      DESIRED STATE   CURRENT STATE           ERROR     PORTS\n" +
		"ar004gpzable   web.1     app:1     manager   Running         Running 5 seconds ago             \n" +
		"8gs68l4hhvte   web.2     app:1     worker1   Running         Running 5 seconds ago             \n"
	real := "ID             NAME      IMAGE     NODE      DESIRED STATE   CURRENT STATE            ERROR     PORTS\n" +
		"k2v8a9d7d7d7   web.1     app:1     worker2   Running         Running 12 seconds ago             \n" +
		"nxbpeqbpbawn   web.2     app:1     manager   Running         Running 11 seconds ago             \n"
	words := []string{"service", "ps", "web"}
	a, b := realswarm.Normalize(words, sim), realswarm.Normalize(words, real)
	fmt.Println(a == b)
	fmt.Println(a)
	// Output:
	// true
	// ID | NAME | IMAGE | NODE | DESIRED STATE | CURRENT STATE | ERROR | PORTS
	// <ID> | web.<slot> | app:1 | <node> | Running | Running <T> ago |  |
	// <ID> | web.<slot> | app:1 | <node> | Running | Running <T> ago |  |
	// (running tasks per node, sorted: [1 1])
}
