package containerspec_test

import (
	"fmt"

	"github.com/swarmsim/swarmsim/containerspec"
)

// Diff tells what SwarmKit's IsTaskDirty needs to know: whether two
// container specs are the same, or differ only in the registry credential
// (which a task that has pulled its image ignores).
func ExampleSpec_Diff() {
	a := containerspec.Spec{Hostname: "web"}
	b := a.Clone()
	b.RegistryAuth = "e30="
	fmt.Println(a.Diff(&b))
	b.Mounts = []containerspec.Mount{{Type: containerspec.MountTmpfs, Target: "/tmp"}}
	fmt.Println(a.Diff(&b))
	// Output:
	// false true
	// false false
}

// Validate returns the daemon's and SwarmKit's errors.
func ExampleSpec_Validate() {
	s := containerspec.Spec{Mounts: []containerspec.Mount{{Target: "/data"}, {Type: containerspec.MountTmpfs, Target: "/data"}}}
	err := s.Validate()
	fmt.Println(err, err.(*containerspec.Error).RPC)
	// Output:
	// ContainerSpec: duplicate mount point: /data true
}
