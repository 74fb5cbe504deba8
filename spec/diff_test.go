package spec_test

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/swarmsim/swarmsim/containerspec"
	"github.com/swarmsim/swarmsim/spec"
)

// A variant changes one leaf field of a value: prep readies the value (a
// pointer or list element to hold the field) in both specs compared, set
// then changes the field in one of them.
type variant struct {
	path      string
	prep, set func(reflect.Value)
}

func noop(reflect.Value) {}

// variants lists a change of every leaf field reachable in a type: through
// structs, pointers, list elements and maps.
func variants(t reflect.Type, path string) []variant {
	if t == reflect.TypeFor[netip.Addr]() {
		return []variant{{path, noop, func(x reflect.Value) { x.Set(reflect.ValueOf(netip.MustParseAddr("10.0.0.1"))) }}}
	}
	switch t.Kind() {
	case reflect.Struct:
		var out []variant
		for i := range t.NumField() {
			f := t.Field(i)
			for _, v := range variants(f.Type, path+"."+f.Name) {
				out = append(out, variant{v.path,
					func(x reflect.Value) { v.prep(x.Field(i)) },
					func(x reflect.Value) { v.set(x.Field(i)) }})
			}
		}
		if len(out) == 0 { // struct{}: nothing to change
			return nil
		}
		return out
	case reflect.Pointer:
		out := []variant{{path + "(nil→set)", noop, func(x reflect.Value) { x.Set(reflect.New(t.Elem())) }}}
		for _, v := range variants(t.Elem(), path) {
			out = append(out, variant{v.path,
				func(x reflect.Value) { x.Set(reflect.New(t.Elem())); v.prep(x.Elem()) },
				func(x reflect.Value) { v.set(x.Elem()) }})
		}
		return out
	case reflect.Slice:
		out := []variant{{path + "[](empty→one)", noop, func(x reflect.Value) { x.Set(reflect.MakeSlice(t, 1, 1)) }}}
		for _, v := range variants(t.Elem(), path+"[0]") {
			out = append(out, variant{v.path,
				func(x reflect.Value) { x.Set(reflect.MakeSlice(t, 1, 1)); v.prep(x.Index(0)) },
				func(x reflect.Value) { v.set(x.Index(0)) }})
		}
		return out
	case reflect.Map:
		return []variant{{path + "{}", noop, func(x reflect.Value) {
			m := reflect.MakeMap(t)
			m.SetMapIndex(reflect.ValueOf("k").Convert(t.Key()), reflect.ValueOf("v").Convert(t.Elem()))
			x.Set(m)
		}}}
	case reflect.String:
		return []variant{{path, noop, func(x reflect.Value) { x.SetString("x") }}}
	case reflect.Bool:
		return []variant{{path, noop, func(x reflect.Value) { x.SetBool(true) }}}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return []variant{{path, noop, func(x reflect.Value) { x.SetInt(7) }}}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return []variant{{path, noop, func(x reflect.Value) { x.SetUint(7) }}}
	case reflect.Float32, reflect.Float64:
		return []variant{{path, noop, func(x reflect.Value) { x.SetFloat(0.5) }}}
	}
	panic("variants: unhandled kind " + t.Kind().String() + " at " + path)
}

// TestTaskDiffCoversEveryField changes every field of the task template,
// one at a time, and checks the comparison SwarmKit's IsTaskDirty makes
// (manager/orchestrator/task.go): a change to Placement alone is
// placement-only (the task stays if its node still fits), a change to the
// registry credential alone (PullOptions) is pull-only, and any other change
// makes the task dirty. A field added to Task without a comparison in
// TaskDiff fails here.
func TestTaskDiffCoversEveryField(t *testing.T) {
	vs := variants(reflect.TypeFor[spec.Task](), "")
	if len(vs) < 80 {
		t.Fatalf("only %d variants: the walk missed fields", len(vs))
	}
	for _, v := range vs {
		var a, b spec.Task
		v.prep(reflect.ValueOf(&a).Elem())
		v.prep(reflect.ValueOf(&b).Elem())
		if got := spec.TaskDiff(&a, &b); got != spec.Same {
			t.Errorf("%s: prepared specs compare %d, want the same", v.path, got)
			continue
		}
		v.set(reflect.ValueOf(&b).Elem())
		want := spec.Different
		switch {
		case strings.HasPrefix(v.path, ".Placement."):
			want = spec.PlacementOnly
		case v.path == ".Spec.RegistryAuth":
			want = spec.PullOnly
		}
		if got := spec.TaskDiff(&a, &b); got != want {
			t.Errorf("%s changed: diff %d, want %d", v.path, got, want)
		}
		if got := spec.TaskDiff(&b, &a); got != want {
			t.Errorf("%s changed (reversed): diff %d, want %d", v.path, got, want)
		}
		// Clone keeps every field.
		if c := (spec.Service{TaskTemplate: b}).Clone(); spec.TaskDiff(&c.TaskTemplate, &b) != spec.Same {
			t.Errorf("%s: Clone loses the field", v.path)
		}
	}
}

// A nil and an empty list or map are the same once a spec has crossed the
// Engine API (JSON with omitempty), so they never make a task dirty.
func TestTaskDiffNilEqualsEmpty(t *testing.T) {
	a := spec.Task{Image: "x"}
	b := spec.Task{Image: "x", Args: []string{}, Env: []string{}, Secrets: []spec.SecretReference{}}
	b.ContainerLabels = map[string]string{}
	b.Mounts = []containerspec.Mount{}
	if d := spec.TaskDiff(&a, &b); d != spec.Same {
		t.Fatalf("nil vs empty: %d, want same", d)
	}
}
