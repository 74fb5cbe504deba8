package labels_test

import (
	"fmt"

	"github.com/swarmsim/swarmsim/internal/labels"
)

// Text that is not UTF-8 gets the daemon's error; the first bad label in key
// order is the one named.
func Example() {
	fmt.Println(labels.Validate(map[string]string{"zone": "eu"}))
	fmt.Println(labels.Validate(map[string]string{"zone": "e\xffu", "disk": "\xfe"}))
	fmt.Println(labels.ValidUTF8("hostname", "w\xffrker1"))
	// Output:
	// <nil>
	// invalid label "disk=\xfe": must be valid UTF-8
	// invalid hostname "w\xffrker1": must be valid UTF-8
}
