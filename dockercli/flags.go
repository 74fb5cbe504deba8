package dockercli

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	units "github.com/docker/go-units"
	"github.com/mattn/go-shellwords"
	"github.com/spf13/pflag"
	"github.com/swarmsim/swarmsim/scheduler"
)

// pflag values with docker/cli's type names and error texts (pflag v1.1.0's
// own numeric flags word their errors differently from the pflag Docker
// vendors, so every typed flag here returns the raw strconv/time error).

type uint64Value struct {
	p   **uint64
	def *uint64
}

func newUint64(p **uint64, def *uint64) *uint64Value { return &uint64Value{p: p, def: def} }

func (v *uint64Value) Set(s string) error {
	n, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		return err
	}
	*v.p = &n
	return nil
}

func (v *uint64Value) String() string {
	if *v.p != nil {
		return strconv.FormatUint(**v.p, 10)
	}
	if v.def != nil {
		return strconv.FormatUint(*v.def, 10)
	}
	return ""
}

// uintType is "uint" for Docker's Uint64Opt (--replicas, --restart-max-attempts)
// and "uint64" for pflag's Uint64Var (--update-parallelism, ...).
type uintTyped struct {
	*uint64Value
	typ string
}

func (v uintTyped) Type() string { return v.typ }

type int64Value struct{ p **int64 }

func (v int64Value) Set(s string) error {
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return err
	}
	*v.p = &n
	return nil
}
func (v int64Value) Type() string { return "int" }
func (v int64Value) String() string {
	if *v.p != nil {
		return strconv.FormatInt(**v.p, 10)
	}
	return "0"
}

type durationValue struct {
	p        **time.Duration
	showZero bool
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*v.p = &d
	return nil
}
func (v durationValue) Type() string { return "duration" }
func (v durationValue) String() string {
	if *v.p != nil {
		return (**v.p).String()
	}
	if v.showZero {
		return "0s"
	}
	return ""
}

type floatValue struct{ p **float32 }

func (v floatValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 32)
	if err != nil {
		return err
	}
	f32 := float32(f)
	*v.p = &f32
	return nil
}
func (v floatValue) Type() string { return "float" }
func (v floatValue) String() string {
	if *v.p != nil {
		return strconv.FormatFloat(float64(**v.p), 'g', -1, 32)
	}
	return "0"
}

type stringPtrValue struct{ p **string }

func (v stringPtrValue) Set(s string) error { *v.p = &s; return nil }
func (v stringPtrValue) Type() string       { return "string" }
func (v stringPtrValue) String() string {
	if *v.p != nil {
		return **v.p
	}
	return ""
}

// listValue is docker/cli's ListOpts ("list"), with its validator when
// validate is set (opts.ValidateLabel, opts.ValidateEnv).
type listValue struct {
	p        *[]string
	validate func(string) error
}

func (v listValue) Set(s string) error {
	if v.validate != nil {
		if err := v.validate(s); err != nil {
			return err
		}
	}
	*v.p = append(*v.p, s)
	return nil
}
func (v listValue) Type() string { return "list" }
func (v listValue) String() string {
	if len(*v.p) == 0 {
		return ""
	}
	return fmt.Sprintf("%v", *v.p)
}

// validateLabel is docker/cli's opts.ValidateLabel: the key (before any
// "=", leading blanks trimmed) must be non-empty and free of blanks.
func validateLabel(s string) error {
	key, _, _ := strings.Cut(s, "=")
	key = strings.TrimLeft(key, " \t")
	if key == "" {
		return fmt.Errorf("invalid label '%s': empty name", s)
	}
	if strings.ContainsAny(key, " \t") {
		return fmt.Errorf("label '%s' contains whitespaces", key)
	}
	return nil
}

// validateEnv is docker/cli's opts.ValidateEnv: the name before any "="
// must be non-empty. (Docker fills a bare NAME from the client's
// environment; a simulation has none, so NAME stays as written.)
func validateEnv(s string) error {
	if k, _, _ := strings.Cut(s, "="); k == "" {
		return errors.New("invalid environment variable: " + s)
	}
	return nil
}

// nanoCPUValue is Docker's NanoCPUs option ("decimal"): a rational number of
// CPUs.
type nanoCPUValue struct{ p **int64 }

func (v nanoCPUValue) Set(s string) error {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return fmt.Errorf("failed to parse %v as a rational number", s)
	}
	nano := r.Mul(r, big.NewRat(1e9, 1))
	if !nano.IsInt() {
		return errors.New("value is too precise")
	}
	if !nano.Num().IsInt64() {
		return errors.New("value is too large")
	}
	n := nano.Num().Int64()
	*v.p = &n
	return nil
}
func (v nanoCPUValue) Type() string { return "decimal" }
func (v nanoCPUValue) String() string {
	if *v.p == nil {
		return ""
	}
	return big.NewRat(**v.p, 1e9).FloatString(3)
}

// memBytesValue is Docker's MemBytes option ("bytes"), parsed by
// go-units' RAMInBytes.
type memBytesValue struct{ p **int64 }

func (v memBytesValue) Set(s string) error {
	n, err := units.RAMInBytes(s)
	if err != nil {
		return err
	}
	// go-units converts a float to int64: a size beyond int64 ("1e30")
	// comes back negative (or saturated, on some platforms).
	if n < 0 || n == math.MaxInt64 {
		return errors.New("value is too large")
	}
	*v.p = &n
	return nil
}
func (v memBytesValue) Type() string { return "bytes" }
func (v memBytesValue) String() string {
	if *v.p == nil {
		return ""
	}
	return units.BytesSize(float64(**v.p))
}

// prefValue is Docker's placement preference option ("pref").
type prefValue struct{ p *[]scheduler.Preference }

func (v prefValue) Set(s string) error {
	pr, err := scheduler.ParsePreference(s)
	if err != nil {
		return err
	}
	*v.p = append(*v.p, pr)
	return nil
}
func (v prefValue) Type() string { return "pref" }
func (v prefValue) String() string {
	s := make([]string, 0, len(*v.p))
	for _, p := range *v.p {
		s = append(s, "spread="+p.Spread)
	}
	return strings.Join(s, ", ")
}

// commandValue is Docker's ShlexOpt ("command"): a shell-split argument list.
type commandValue struct{ p **[]string }

func (v commandValue) Set(s string) error {
	words, err := shellwords.Parse(s)
	if err != nil {
		return err
	}
	*v.p = &words
	return nil
}
func (v commandValue) Type() string { return "command" }
func (v commandValue) String() string {
	if *v.p == nil {
		return ""
	}
	return strings.Join(**v.p, " ")
}

// kvToMap converts key=value strings to a map; a bare key maps to "".
func kvToMap(values []string) map[string]string {
	m := make(map[string]string, len(values))
	for _, v := range values {
		k, val, _ := strings.Cut(v, "=")
		m[k] = val
	}
	return m
}

// nodeLabels is kvToMap for the labels of a node joining: nil when there
// are none, as Docker's API decodes an engine without labels (the JSON
// omits them), rather than an empty map for each of 50,000 nodes.
func nodeLabels(values []string) map[string]string {
	if len(values) == 0 {
		return nil
	}
	return kvToMap(values)
}

// boolValue is a bool flag that pflag v1.1.0 does not decorate with
// "[=true|false]" in the help (Docker's vendored pflag prints plain
// "-d, --detach"): it has no IsBoolFlag method, and BoolFlag sets
// NoOptDefVal so that a bare --flag still means true.
type boolValue struct{ p *bool }

func (v boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*v.p = b
	return nil
}
func (v boolValue) Type() string   { return "bool" }
func (v boolValue) String() string { return strconv.FormatBool(*v.p) }

// BoolFlag defines a boolean flag the way docker's help shows it.
func BoolFlag(fs *pflag.FlagSet, p *bool, name, short, usage string) {
	f := fs.VarPF(boolValue{p}, name, short, usage)
	f.NoOptDefVal = "true"
}
