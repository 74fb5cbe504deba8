package labels

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/swarmsim/swarmsim/errdefs"
)

func TestValidUTF8(t *testing.T) {
	for _, tc := range []struct {
		what, s string
		want    string // the error's message; "" for none
	}{
		{"hostname", "worker1", ""},
		{"hostname", "", ""},
		{"hostname", "wörker", ""},
		{"hostname", "w\xffrker", `invalid hostname "w\xffrker": must be valid UTF-8`},
		{"label", "k=\xc3", `invalid label "k=\xc3": must be valid UTF-8`},
	} {
		err := ValidUTF8(tc.what, tc.s)
		if got := msg(err); got != tc.want {
			t.Errorf("ValidUTF8(%q, %q) (-want +got):\n%s", tc.what, tc.s, cmp.Diff(tc.want, got))
		}
		if err != nil && !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("ValidUTF8(%q, %q) = %v, not InvalidArgument", tc.what, tc.s, err)
		}
	}
}

// The first bad label in key order is reported, whatever the map's order.
func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   string
	}{
		{"nil", nil, ""},
		{"good", map[string]string{"zone": "eu", "disk": "ssd", "": ""}, ""},
		{"bad value", map[string]string{"zone": "e\xffu"}, `invalid label "zone=e\xffu": must be valid UTF-8`},
		{"bad key", map[string]string{"z\xffne": "eu"}, `invalid label "z\xffne=eu": must be valid UTF-8`},
		{"first in key order", map[string]string{"b": "\xff", "a": "\xfe", "c": "\xfd"}, `invalid label "a=\xfe": must be valid UTF-8`},
	} {
		if got := msg(Validate(tc.labels)); got != tc.want {
			t.Errorf("%s (-want +got):\n%s", tc.name, cmp.Diff(tc.want, got))
		}
	}
}

func msg(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
