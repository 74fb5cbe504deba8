package dockercli

import (
	"testing"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/containerspec"
)

// FuzzContainerFlagValues: the --mount, --network, --secret, --ulimit and
// --credential-spec parsers never panic, are deterministic, and a value
// they accept gives a spec that validates or is refused with an error, never
// a panic, and that Clone copies exactly.
func FuzzContainerFlagValues(f *testing.F) {
	for _, s := range []string{
		"type=bind,source=/a,target=/b,readonly,bind-propagation=rslave",
		"source=data,target=/d,volume-driver=local,volume-opt=o=1,volume-label=a=b,volume-nocopy",
		"type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=1770",
		"type=npipe,source=\\\\.\\pipe\\x,target=\\\\.\\pipe\\y", "type=cluster,source=v,target=/c",
		"name=n,alias=a,driver-opt=x=y", "src=s,target=t,uid=1,gid=2,mode=0400", "nofile=1:2",
		"registry://x", "\"a,b", "type=bind,target=/a,bind-recursive=readonly,ro,bind-propagation=rprivate",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m1, err1 := parseMount(s)
		m2, err2 := parseMount(s)
		if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
			t.Fatalf("parseMount(%q) not deterministic", s)
		}
		var nets []swarmsim.NetworkAttachment
		_ = networkValue{&nets}.Set(s)
		var refs []FileRef
		_ = fileRefValue{p: &refs}.Set(s)
		var uls []containerspec.Ulimit
		_ = ulimitValue{&uls}.Set(s)
		var cs *containerspec.CredentialSpec
		var set bool
		_ = (&credSpecValue{p: &cs, set: &set}).Set(s)
		for _, v := range []func(string) (string, error){validateIPAddress, validateDNSSearch, validateExtraHost, validateGenericResource} {
			_, _ = v(s)
		}
		if err1 != nil {
			return
		}
		ts := swarmsim.TaskSpec{Image: "nginx"}
		ts.Mounts = []containerspec.Mount{m1, m2}
		ts.Ulimits = uls
		ts.CredentialSpec = cs
		ts.Networks = nets
		spec := swarmsim.ServiceSpec{Name: "web", Replicas: 1, TaskTemplate: ts}
		_ = spec.TaskTemplate.Spec.Validate()
		c := spec.Clone()
		if eq, _ := c.TaskTemplate.Spec.Diff(&spec.TaskTemplate.Spec); !eq {
			t.Fatalf("Clone differs for %q", s)
		}
		cl := swarmsim.New(swarmsim.Config{})
		if _, err := cl.CreateService(spec); err == nil {
			t.Fatalf("two mounts on one target accepted: %q", s)
		}
	})
}
