package containerspec

import (
	"net/netip"
	"testing"
)

func full() Spec {
	b, n := true, int64(1)
	return Spec{
		Command: []string{"sh"}, Groups: []string{"g"}, ContainerLabels: map[string]string{"a": "b"}, Init: &b,
		Mounts: []Mount{{Type: MountVolume, Target: "/v", BindOptions: &BindOptions{}, TmpfsOptions: &TmpfsOptions{},
			VolumeOptions: &VolumeOptions{Labels: map[string]string{"l": "1"}, DriverConfig: &Driver{Name: "local", Options: map[string]string{"o": "1"}}}}},
		Hosts: []string{"1.2.3.4 h"}, DNSConfig: DNSConfig{Nameservers: []netip.Addr{netip.MustParseAddr("8.8.8.8")}, Search: []string{"s"}, Options: []string{"o"}},
		Sysctls: map[string]string{"k": "v"}, CapabilityAdd: []string{"CAP_A"}, CapabilityDrop: []string{"CAP_B"},
		Ulimits: []Ulimit{{Name: "nofile", Soft: 1, Hard: 2}}, CredentialSpec: &CredentialSpec{File: "f"},
		LogDriver:        &Driver{Name: "json-file", Options: map[string]string{"max-size": "1m"}},
		GenericResources: []GenericResource{{Kind: "gpu", Discrete: 1}}, SwapBytes: &n, MemorySwappiness: &n,
	}
}

// Clone is deep: changing anything reachable in the copy leaves the
// original as it was.
func TestCloneIsDeep(t *testing.T) {
	a := full()
	c := a.Clone()
	if eq, _ := a.Diff(&c); !eq {
		t.Fatal("clone differs")
	}
	c.Command[0] = "x"
	c.Groups[0] = "x"
	c.ContainerLabels["a"] = "x"
	*c.Init = false
	c.Mounts[0].VolumeOptions.Labels["l"] = "x"
	c.Mounts[0].VolumeOptions.DriverConfig.Options["o"] = "x"
	c.Mounts[0].BindOptions.Propagation = "x"
	c.DNSConfig.Nameservers[0] = netip.MustParseAddr("1.1.1.1")
	c.Mounts[0].TmpfsOptions.SizeBytes = 9
	c.Hosts[0] = "x"
	c.DNSConfig.Search[0] = "x"
	c.Sysctls["k"] = "x"
	c.CapabilityAdd[0] = "x"
	c.Ulimits[0].Soft = 9
	c.CredentialSpec.File = "x"
	c.LogDriver.Options["max-size"] = "x"
	c.GenericResources[0].Discrete = 9
	*c.SwapBytes = 9
	*c.MemorySwappiness = 9
	if f := full(); !equalSpec(&a, &f) {
		t.Fatal("original changed through its clone")
	}
}

func equalSpec(a, b *Spec) bool { eq, _ := a.Diff(b); return eq }
