package dockercli

import (
	"encoding/csv"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"unicode/utf8"

	units "github.com/docker/go-units"
	"github.com/spf13/pflag"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/containerspec"
)

// Flag values for the container fields of `docker service create/update`,
// with docker/cli's type names and error texts (cli/command/service/opts.go,
// opts/*.go, opts/swarmopts/*.go).

// normListValue is docker/cli's ListOpts with a validator that may rewrite
// the value (opts.ValidateIPAddress, ValidateDNSSearch, ValidateExtraHost).
type normListValue struct {
	p    *[]string
	norm func(string) (string, error)
}

func (v normListValue) Set(s string) error {
	n, err := v.norm(s)
	if err != nil {
		return err
	}
	*v.p = append(*v.p, n)
	return nil
}
func (v normListValue) Type() string { return "list" }
func (v normListValue) String() string {
	if len(*v.p) == 0 {
		return ""
	}
	return fmt.Sprintf("%v", *v.p)
}

// validateIPAddress is opts.ValidateIPAddress.
func validateIPAddress(val string) (string, error) {
	if ip := net.ParseIP(strings.TrimSpace(val)); ip != nil {
		return ip.String(), nil
	}
	return "", fmt.Errorf("IP address is not correctly formatted: %s", val)
}

var (
	alphaRE  = regexp.MustCompile(`[a-zA-Z]`)
	domainRE = regexp.MustCompile(`^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9]))(:?\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])))*)\.?\s*$`)
)

// validateDNSSearch is opts.ValidateDNSSearch.
func validateDNSSearch(val string) (string, error) {
	if val = strings.Trim(val, " "); val == "." {
		return val, nil
	}
	if alphaRE.FindString(val) == "" {
		return "", fmt.Errorf("%s is not a valid domain", val)
	}
	if ns := domainRE.FindStringSubmatch(val); len(ns) > 0 && len(ns[1]) < 255 {
		return ns[1], nil
	}
	return "", fmt.Errorf("%s is not a valid domain", val)
}

// validateExtraHost is opts.ValidateExtraHost: host:ip or host=ip, the IP
// checked (host-gateway allowed), returned as host:ip.
func validateExtraHost(val string) (string, error) {
	k, v, ok := strings.Cut(val, "=")
	if !ok {
		k, v, ok = strings.Cut(val, ":")
	}
	if !ok || k == "" || strings.Contains(k, ":") {
		return "", fmt.Errorf("bad format for add-host: %q", val)
	}
	if v != "host-gateway" {
		if len(v) > 2 && v[0] == '[' && v[len(v)-1] == ']' {
			v = v[1 : len(v)-1]
		}
		if _, err := validateIPAddress(v); err != nil {
			return "", fmt.Errorf("invalid IP address in add-host: %q", v)
		}
	}
	return k + ":" + v, nil
}

// validateGenericResource is ValidateSingleGenericResource.
func validateGenericResource(val string) (string, error) {
	if strings.Count(val, "=") < 1 {
		return "", fmt.Errorf("invalid generic-resource format `%s` expected `name=value`", val)
	}
	return val, nil
}

// boolPtrValue is a bool flag whose absence is nil (update applies only
// the flags given), shown without "[=true|false]" like BoolFlag.
type boolPtrValue struct{ p **bool }

func (v boolPtrValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*v.p = &b
	return nil
}
func (v boolPtrValue) Type() string { return "bool" }
func (v boolPtrValue) String() string {
	if *v.p != nil {
		return strconv.FormatBool(**v.p)
	}
	return "false"
}

func boolPtrFlag(fs *pflag.FlagSet, p **bool, name, short, usage string) {
	f := fs.VarPF(boolPtrValue{p}, name, short, usage)
	f.NoOptDefVal = "true"
}

// int64DefValue is pflag's Int64Var with a default, nil until set.
type int64DefValue struct {
	p   **int64
	def int64
}

func (v int64DefValue) Set(s string) error {
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return err
	}
	*v.p = &n
	return nil
}
func (v int64DefValue) Type() string { return "int" }
func (v int64DefValue) String() string {
	if *v.p != nil {
		return strconv.FormatInt(**v.p, 10)
	}
	return strconv.FormatInt(v.def, 10)
}

// ulimitValue is opts.UlimitOpt ("ulimit"), parsed by go-units.
type ulimitValue struct{ p *[]containerspec.Ulimit }

func (v ulimitValue) Set(s string) error {
	l, err := units.ParseUlimit(s)
	if err != nil {
		return err
	}
	for i, u := range *v.p {
		if u.Name == l.Name {
			(*v.p)[i] = containerspec.Ulimit{Name: l.Name, Soft: l.Soft, Hard: l.Hard}
			return nil
		}
	}
	*v.p = append(*v.p, containerspec.Ulimit{Name: l.Name, Soft: l.Soft, Hard: l.Hard})
	return nil
}
func (v ulimitValue) Type() string { return "ulimit" }
func (v ulimitValue) String() string {
	var s []string
	for _, u := range *v.p {
		s = append(s, fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard))
	}
	return fmt.Sprintf("%v", s)
}

// credSpecValue is credentialSpecOpt ("credential-spec"); "" removes the
// credential spec on update.
type credSpecValue struct {
	p   **containerspec.CredentialSpec
	set *bool
	raw string
}

func (v *credSpecValue) Set(s string) error {
	if s == "" {
		v.raw, *v.p, *v.set = s, nil, true
		return nil
	}
	scheme, val, ok := strings.Cut(s, "://")
	if !ok {
		scheme = ""
	}
	switch scheme {
	case "config":
		*v.p = &containerspec.CredentialSpec{Config: val}
	case "file":
		*v.p = &containerspec.CredentialSpec{File: val}
	case "registry":
		*v.p = &containerspec.CredentialSpec{Registry: val}
	default:
		return errors.New(`invalid credential spec: value must be prefixed with "config://", "file://", or "registry://"`)
	}
	v.raw, *v.set = s, true
	return nil
}
func (v *credSpecValue) Type() string   { return "credential-spec" }
func (v *credSpecValue) String() string { return v.raw }

// mountValue is opts.MountOpt ("mount"): Docker's --mount syntax.
type mountValue struct {
	p *[]containerspec.Mount
}

func (v mountValue) Type() string { return "mount" }
func (v mountValue) String() string {
	s := make([]string, 0, len(*v.p))
	for _, m := range *v.p {
		s = append(s, fmt.Sprintf("%s %s %s", m.Type, m.Source, m.Target))
	}
	return strings.Join(s, ", ")
}

func (v mountValue) Set(value string) error {
	m, err := parseMount(value)
	if err != nil {
		return err
	}
	*v.p = append(*v.p, m)
	return nil
}

// parseMount is docker/cli's MountOpt.Set (opts/mount.go) with
// validateMountOptions (opts/mount_utils.go). A relative source starting
// with "." becomes absolute against the working directory, as there.
func parseMount(value string) (containerspec.Mount, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return containerspec.Mount{}, errors.New("value is empty")
	}
	fields, err := csv.NewReader(strings.NewReader(value)).Read()
	if err != nil {
		return containerspec.Mount{}, err
	}
	m := containerspec.Mount{Type: containerspec.MountVolume}
	bind := func() *containerspec.BindOptions {
		if m.BindOptions == nil {
			m.BindOptions = &containerspec.BindOptions{}
		}
		return m.BindOptions
	}
	vol := func() *containerspec.VolumeOptions {
		if m.VolumeOptions == nil {
			m.VolumeOptions = &containerspec.VolumeOptions{}
		}
		return m.VolumeOptions
	}
	driver := func() *containerspec.Driver {
		if vol().DriverConfig == nil {
			m.VolumeOptions.DriverConfig = &containerspec.Driver{}
		}
		return m.VolumeOptions.DriverConfig
	}
	tmpfs := func() *containerspec.TmpfsOptions {
		if m.TmpfsOptions == nil {
			m.TmpfsOptions = &containerspec.TmpfsOptions{}
		}
		return m.TmpfsOptions
	}
	imageOpts := false
	for _, field := range fields {
		key, val, hasValue := strings.Cut(field, "=")
		if k := strings.TrimSpace(key); k != key {
			return m, fmt.Errorf("invalid option '%s' in '%s': option should not have whitespace", k, field)
		}
		if hasValue {
			v := strings.TrimSpace(val)
			if v == "" {
				return m, fmt.Errorf("invalid value for '%s': value is empty", key)
			}
			if v != val {
				return m, fmt.Errorf("invalid value for '%s' in '%s': value should not have whitespace", key, field)
			}
		}
		key = strings.ToLower(key)
		if !hasValue {
			switch key {
			case "readonly", "ro", "volume-nocopy", "bind-nonrecursive", "bind-create-src":
			default:
				return m, fmt.Errorf("invalid field '%s' must be a key=value pair", field)
			}
		}
		switch key {
		case "type":
			m.Type = containerspec.MountType(strings.ToLower(val))
		case "source", "src":
			m.Source = val
			if !filepath.IsAbs(val) && strings.HasPrefix(val, ".") {
				if abs, err := filepath.Abs(val); err == nil {
					m.Source = abs
				}
			}
		case "target", "dst", "destination":
			m.Target = val
		case "readonly", "ro":
			if m.ReadOnly, err = parseMountBool(key, val, hasValue); err != nil {
				return m, err
			}
		case "consistency":
			m.Consistency = strings.ToLower(val)
		case "bind-propagation":
			bind().Propagation = strings.ToLower(val)
		case "bind-nonrecursive":
			return m, errors.New("bind-nonrecursive is deprecated, use bind-recursive=disabled instead")
		case "bind-recursive":
			switch val {
			case "enabled":
			case "disabled":
				bind().NonRecursive = true
			case "writable":
				bind().ReadOnlyNonRecursive = true
			case "readonly":
				bind().ReadOnlyForceRecursive = true
			default:
				return m, fmt.Errorf(`invalid value for %s: %s (must be "enabled", "disabled", "writable", or "readonly")`, key, val)
			}
		case "bind-create-src":
			if bind().CreateMountpoint, err = parseMountBool(key, val, hasValue); err != nil {
				return m, err
			}
		case "volume-subpath":
			vol().Subpath = val
		case "volume-nocopy":
			if vol().NoCopy, err = parseMountBool(key, val, hasValue); err != nil {
				return m, err
			}
		case "volume-label":
			vol().Labels = setOnMap(vol().Labels, val)
		case "volume-driver":
			driver().Name = val
		case "volume-opt":
			driver().Options = setOnMap(driver().Options, val)
		case "image-subpath":
			imageOpts = true
		case "tmpfs-size":
			n, err := units.RAMInBytes(val)
			if err != nil {
				return m, fmt.Errorf("invalid value for %s: %s", key, val)
			}
			tmpfs().SizeBytes = n
		case "tmpfs-mode":
			n, err := strconv.ParseUint(val, 8, 32)
			if err != nil {
				return m, fmt.Errorf("invalid value for %s: %s", key, val)
			}
			tmpfs().Mode = os.FileMode(n)
		default:
			return m, fmt.Errorf("unknown option '%s' in '%s'", key, field)
		}
	}
	switch {
	case m.Type == "":
		return m, errors.New("type is required")
	case m.Type != containerspec.MountBind && m.BindOptions != nil:
		return m, fmt.Errorf("cannot mix 'bind-*' options with mount type '%s'", m.Type)
	case m.Type != containerspec.MountVolume && m.VolumeOptions != nil:
		return m, fmt.Errorf("cannot mix 'volume-*' options with mount type '%s'", m.Type)
	case m.Type != "image" && imageOpts:
		return m, fmt.Errorf("cannot mix 'image-*' options with mount type '%s'", m.Type)
	case m.Type != containerspec.MountTmpfs && m.TmpfsOptions != nil:
		return m, fmt.Errorf("cannot mix 'tmpfs-*' options with mount type '%s'", m.Type)
	}
	if b := m.BindOptions; b != nil {
		if b.ReadOnlyNonRecursive && !m.ReadOnly {
			return m, errors.New("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction")
		}
		if b.ReadOnlyForceRecursive {
			if !m.ReadOnly {
				return m, errors.New("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction")
			}
			if b.Propagation != "rprivate" {
				return m, errors.New("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction")
			}
		}
	}
	return m, nil
}

func parseMountBool(key, val string, hasValue bool) (bool, error) {
	if !hasValue {
		return true, nil
	}
	switch val {
	case "1", "true":
		return true, nil
	case "0", "false":
		return false, nil
	}
	return false, fmt.Errorf(`invalid value for '%s': invalid boolean value (%q): must be one of "true", "1", "false", or "0" (default "true")`, key, val)
}

func setOnMap(m map[string]string, kv string) map[string]string {
	k, v, _ := strings.Cut(kv, "=")
	if k == "" {
		return m
	}
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// networkValue is opts.NetworkOpt ("network"): a name, or the long syntax
// name=,alias=,driver-opt= (ip, ip6, mac-address, link-local-ip and
// gw-priority are parsed and dropped: they are `docker run` options).
type networkValue struct{ p *[]swarmsim.NetworkAttachment }

var longSyntaxRE = regexp.MustCompile(`\w+=\w+(,\w+=\w+)*`)

func (v networkValue) Set(value string) error {
	if !longSyntaxRE.MatchString(value) {
		*v.p = append(*v.p, swarmsim.NetworkAttachment{Target: value})
		return nil
	}
	fields, err := csv.NewReader(strings.NewReader(value)).Read()
	if err != nil {
		return err
	}
	n := swarmsim.NetworkAttachment{Aliases: []string{}}
	for _, field := range fields {
		key, val, ok := strings.Cut(strings.ToLower(field), "=")
		if !ok || key == "" {
			return fmt.Errorf("invalid field %s", field)
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch key {
		case "name":
			n.Target = val
		case "alias":
			n.Aliases = append(n.Aliases, val)
		case "ip", "ip6", "link-local-ip":
			if net.ParseIP(val) == nil {
				return fmt.Errorf("ParseAddr(%q): unable to parse IP", val)
			}
		case "mac-address":
		case "driver-opt":
			k, dv, ok := strings.Cut(val, "=")
			if !ok || k == "" {
				return errors.New("invalid key value pair format in driver options")
			}
			if n.DriverOpts == nil {
				n.DriverOpts = map[string]string{}
			}
			n.DriverOpts[strings.TrimSpace(k)] = strings.TrimSpace(dv)
		case "gw-priority":
			if _, err := strconv.Atoi(val); err != nil {
				return fmt.Errorf("invalid gw-priority (%s): %w", val, err.(*strconv.NumError).Err)
			}
		default:
			return errors.New("invalid field key " + key)
		}
	}
	if n.Target == "" {
		return errors.New("network name/id is not specified")
	}
	*v.p = append(*v.p, n)
	return nil
}
func (v networkValue) Type() string   { return "network" }
func (v networkValue) String() string { return "" }

// fileRefValue is swarmopts.SecretOpt ("secret") and ConfigOpt ("config"):
// a name, or source=,target=,uid=,gid=,mode=.
type fileRefValue struct {
	p      *[]FileRef
	config bool
}

// FileRef is a --secret or --config value: the secret's or config's name
// as typed, and where it appears in the container.
type FileRef struct {
	Name string
	File swarmsim.FileTarget
}

func (v fileRefValue) Type() string {
	if v.config {
		return "config"
	}
	return "secret"
}

func (v fileRefValue) String() string {
	s := make([]string, 0, len(*v.p))
	for _, r := range *v.p {
		s = append(s, r.Name+" -> "+r.File.Name)
	}
	return strings.Join(s, ", ")
}

func (v fileRefValue) Set(value string) error {
	fields, err := csv.NewReader(strings.NewReader(value)).Read()
	if err != nil {
		return err
	}
	r := FileRef{File: swarmsim.FileTarget{UID: "0", GID: "0", Mode: 0o444}}
	if len(fields) == 1 && !strings.Contains(fields[0], "=") {
		r.Name, r.File.Name = fields[0], fields[0]
		*v.p = append(*v.p, r)
		return nil
	}
	for _, field := range fields {
		key, val, ok := strings.Cut(field, "=")
		if !ok || key == "" {
			return fmt.Errorf("invalid field '%s' must be a key=value pair", field)
		}
		switch strings.ToLower(key) {
		case "source", "src":
			r.Name = val
		case "target":
			r.File.Name = val
		case "uid":
			r.File.UID = val
		case "gid":
			r.File.GID = val
		case "mode":
			m, err := strconv.ParseUint(val, 0, 32)
			if err != nil {
				return fmt.Errorf("invalid mode specified: %v", err)
			}
			r.File.Mode = os.FileMode(m)
		default:
			if v.config {
				return fmt.Errorf("invalid field in config request: %s", key)
			}
			return errors.New("invalid field in secret request: " + key)
		}
	}
	if r.Name == "" {
		return errors.New("source is required")
	}
	if r.File.Name == "" {
		r.File.Name = r.Name
	}
	*v.p = append(*v.p, r)
	return nil
}

// normalizeCaps is opts.EffectiveCapAddCapDrop: capabilities upper-cased
// with a CAP_ prefix, ALL alone, a capability both added and dropped only
// added, RESET dropped, both lists sorted.
func normalizeCaps(add, drop []string) (capAdd, capDrop []string) {
	addM, dropM := capsMap(add), capsMap(drop)
	if addM["ALL"] {
		addM = map[string]bool{"ALL": true}
	}
	if dropM["ALL"] {
		dropM = map[string]bool{"ALL": true}
	}
	for c := range dropM {
		if !addM[c] && c != "RESET" {
			capDrop = append(capDrop, c)
		}
	}
	for c := range addM {
		if c != "RESET" {
			capAdd = append(capAdd, c)
		}
	}
	sort.Strings(capAdd)
	sort.Strings(capDrop)
	return capAdd, capDrop
}

func normalizeCap(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	if c == "ALL" || c == "RESET" {
		return c
	}
	if !strings.HasPrefix(c, "CAP_") {
		c = "CAP_" + c
	}
	return c
}

func capsMap(caps []string) map[string]bool {
	m := make(map[string]bool, len(caps))
	for _, c := range caps {
		m[normalizeCap(c)] = true
	}
	return m
}

// capsList is docker/cli's capsList (update.go).
func capsList(caps map[string]bool) []string {
	if len(caps) == 0 {
		return nil
	}
	if caps["ALL"] {
		return []string{"ALL"}
	}
	return sortedKeys(caps)
}

// updateCaps is docker/cli's updateCapabilities: adding takes precedence,
// a capability added that was dropped is only un-dropped (and the other way
// round), RESET clears the list it is given to.
func updateCaps(curAdd, curDrop, toAddL, toDropL []string, addSet, dropSet bool) (capAdd, capDrop []string) {
	addM, dropM := capsMap(curAdd), capsMap(curDrop)
	var toAdd, toDrop map[string]bool
	if addSet {
		toAdd = capsMap(toAddL)
		if toAdd["RESET"] {
			addM = map[string]bool{}
			delete(toAdd, "RESET")
		}
	}
	if dropSet {
		toDrop = capsMap(toDropL)
		if toDrop["RESET"] {
			dropM = map[string]bool{}
			delete(toDrop, "RESET")
		}
	}
	for _, c := range sortedKeys(toDrop) {
		if !toAdd[c] {
			if addM[c] {
				delete(addM, c)
			} else {
				dropM[c] = true
			}
		}
	}
	for _, c := range sortedKeys(toAdd) {
		if dropM[c] {
			delete(dropM, c)
		} else {
			addM[c] = true
		}
	}
	return capsList(addM), capsList(dropM)
}

// parseGenericResources is ParseGenericResources with genericresource.Parse:
// kind=count only (named resources are refused for services).
func parseGenericResources(values []string) ([]containerspec.GenericResource, error) {
	var out []containerspec.GenericResource
	for _, v := range values {
		k, val, _ := strings.Cut(v, "=")
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid generic-resource request `%s=%s`, Named Generic Resources is not supported for service create or update", k, val)
		}
		out = append(out, containerspec.GenericResource{Kind: k, Discrete: n})
	}
	return out, nil
}

// readEnvFile is docker/cli's kvfile.Parse without a lookup (the
// simulation has no client environment: a bare NAME line is dropped).
func readEnvFile(name string) ([]string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, raw := range strings.Split(string(data), "\n") {
		raw = strings.TrimSuffix(raw, "\r")
		if i == 0 {
			raw = strings.TrimPrefix(raw, "\uFEFF")
		}
		if !utf8.ValidString(raw) {
			return nil, fmt.Errorf("invalid env file (%s): invalid utf8 bytes at line %d: %v", name, i+1, []byte(raw))
		}
		line := strings.TrimLeft(raw, " \t\n\v\f\r\u0085\u00A0")
		if line == "" || line[0] == '#' {
			continue
		}
		key, _, hasValue := strings.Cut(line, "=")
		if key == "" {
			return nil, fmt.Errorf("invalid env file (%s): no variable name on line '%s'", name, line)
		}
		if strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("invalid env file (%s): variable '%s' contains whitespaces", name, key)
		}
		if hasValue {
			out = append(out, line)
		}
	}
	return out, nil
}

// addContainerFlags registers the container flags common to create and
// update (docker/cli addServiceFlags).
func addContainerFlags(fs *pflag.FlagSet, c *ContainerOptions) {
	fs.VarP(stringPtrValue{&c.Workdir}, "workdir", "w", "Working directory inside the container")
	fs.VarP(stringPtrValue{&c.User}, "user", "u", "Username or UID (format: <name|uid>[:<group|gid>])")
	fs.Var(&credSpecValue{p: &c.CredentialSpec, set: &c.CredentialSpecSet}, "credential-spec", "Credential spec for managed service account (Windows only)")
	fs.Var(stringPtrValue{&c.Hostname}, "hostname", "Container hostname")
	fs.Var(commandValue{&c.Entrypoint}, "entrypoint", "Overwrite the default ENTRYPOINT of the image")
	fs.Var(listValue{p: &c.CapAdd}, "cap-add", "Add Linux capabilities")
	fs.Var(listValue{p: &c.CapDrop}, "cap-drop", "Drop Linux capabilities")
	fs.Var(int64DefValue{p: &c.LimitPids}, "limit-pids", "Limit maximum number of processes (default 0 = unlimited)")
	fs.Var(memBytesValue{&c.SwapBytes}, "memory-swap", "Swap Bytes (-1 for unlimited)")
	fs.Var(int64DefValue{p: &c.Swappiness, def: -1}, "memory-swappiness", "Tune memory swappiness (0-100), -1 to reset to default")
	boolPtrFlag(fs, &c.RegistryAuth, "with-registry-auth", "", "Send registry authentication details to swarm agents")
	boolPtrFlag(fs, &c.NoResolve, "no-resolve-image", "", "Do not query the registry to resolve image digest and supported platforms")
	fs.Var(stringPtrValue{&c.LogDriver}, "log-driver", "Logging driver for service")
	fs.Var(listValue{p: &c.LogOpts}, "log-opt", "Logging driver options")
	boolPtrFlag(fs, &c.TTY, "tty", "t", "Allocate a pseudo-TTY")
	boolPtrFlag(fs, &c.ReadOnly, "read-only", "", "Mount the container's root filesystem as read only")
	fs.Var(stringPtrValue{&c.Isolation}, "isolation", "Service container isolation mode")
	boolPtrFlag(fs, &c.Init, "init", "", "Use an init inside each service container to forward signals and reap processes")
	fs.Var(int64DefValue{p: &c.OomScoreAdj}, "oom-score-adj", "Tune host's OOM preferences (-1000 to 1000) ")
}

// addContainerCreateFlags registers create's container list flags.
func addContainerCreateFlags(fs *pflag.FlagSet, c *ContainerOptions) {
	fs.Var(listValue{&c.ContainerLabels, validateLabel}, "container-label", "Container labels")
	fs.Var(listValue{p: &c.EnvFiles}, "env-file", "Read in a file of environment variables")
	fs.Var(mountValue{&c.Mounts}, "mount", "Attach a filesystem mount to the service")
	fs.Var(networkValue{&c.Networks}, "network", "Network attachments")
	fs.Var(fileRefValue{p: &c.Secrets}, "secret", "Specify secrets to expose to the service")
	fs.Var(fileRefValue{p: &c.Configs, config: true}, "config", "Specify configurations to expose to the service")
	fs.Var(listValue{p: &c.Groups}, "group", "Set one or more supplementary user groups for the container")
	fs.Var(normListValue{&c.DNS, validateIPAddress}, "dns", "Set custom DNS servers")
	fs.Var(listValue{p: &c.DNSOptions}, "dns-option", "Set DNS options")
	fs.Var(normListValue{&c.DNSSearch, validateDNSSearch}, "dns-search", "Set custom DNS search domains")
	fs.Var(normListValue{&c.Hosts, validateExtraHost}, "host", "Set one or more custom host-to-IP mappings (host:ip)")
	fs.Var(listValue{p: &c.Sysctls}, "sysctl", "Sysctl options")
	fs.Var(ulimitValue{&c.Ulimits}, "ulimit", "Ulimit options")
	fs.Var(normListValue{&c.GenericResources, validateGenericResource}, "generic-resource", "User defined resources")
}

// addContainerUpdateFlags registers update's -add and -rm flags.
func addContainerUpdateFlags(fs *pflag.FlagSet, c *ContainerOptions) {
	fs.Var(listValue{p: &c.GroupRm}, "group-rm", "Remove a previously added supplementary user group from the container")
	fs.Var(listValue{p: &c.ContainerLabelRm}, "container-label-rm", "Remove a container label by its key")
	fs.Var(listValue{p: &c.MountRm}, "mount-rm", "Remove a mount by its target path")
	fs.Var(listValue{p: &c.DNSRm}, "dns-rm", "Remove a custom DNS server")
	fs.Var(listValue{p: &c.DNSOptionRm}, "dns-option-rm", "Remove a DNS option")
	fs.Var(listValue{p: &c.DNSSearchRm}, "dns-search-rm", "Remove a DNS search domain")
	fs.Var(listValue{p: &c.HostRm}, "host-rm", `Remove a custom host-to-IP mapping ("host:ip")`)
	fs.Var(listValue{&c.ContainerLabels, validateLabel}, "container-label-add", "Add or update a container label")
	fs.Var(listValue{p: &c.SecretRm}, "secret-rm", "Remove a secret")
	fs.Var(fileRefValue{p: &c.Secrets}, "secret-add", "Add or update a secret on a service")
	fs.Var(listValue{p: &c.ConfigRm}, "config-rm", "Remove a configuration file")
	fs.Var(fileRefValue{p: &c.Configs, config: true}, "config-add", "Add or update a config file on a service")
	fs.Var(mountValue{&c.Mounts}, "mount-add", "Add or update a mount on a service")
	fs.Var(networkValue{&c.Networks}, "network-add", "Add a network")
	fs.Var(listValue{p: &c.NetworkRm}, "network-rm", "Remove a network")
	fs.Var(listValue{p: &c.Groups}, "group-add", "Add an additional supplementary user group to the container")
	fs.Var(normListValue{&c.DNS, validateIPAddress}, "dns-add", "Add or update a custom DNS server")
	fs.Var(listValue{p: &c.DNSOptions}, "dns-option-add", "Add or update a DNS option")
	fs.Var(normListValue{&c.DNSSearch, validateDNSSearch}, "dns-search-add", "Add or update a custom DNS search domain")
	fs.Var(normListValue{&c.Hosts, validateExtraHost}, "host-add", `Add a custom host-to-IP mapping ("host:ip")`)
	fs.Var(listValue{p: &c.Sysctls}, "sysctl-add", "Add or update a Sysctl option")
	fs.Var(listValue{p: &c.SysctlRm}, "sysctl-rm", "Remove a Sysctl option")
	fs.Var(ulimitValue{&c.Ulimits}, "ulimit-add", "Add or update a ulimit option")
	fs.Var(listValue{p: &c.UlimitRm}, "ulimit-rm", "Remove a ulimit option")
	fs.Var(listValue{p: &c.GenericResourceRm}, "generic-resource-rm", "Remove a Generic resource")
	fs.Var(normListValue{&c.GenericResources, validateGenericResource}, "generic-resource-add", "Add a Generic resource")
}

// readEnvFiles reads --env-file files (relative to the session's
// directory) and returns their variables followed by the --env values,
// deduplicated as docker/cli's makeEnv does (a later NAME=value replaces an
// earlier one).
func (s *Session) readEnvFiles(files, env []string) ([]string, error) {
	var vars []string
	for _, f := range files {
		path := f
		if s.Dir != "" && !filepath.IsAbs(path) {
			path = filepath.Join(s.Dir, path)
		}
		v, err := readEnvFile(path)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				pe.Path = f
				return nil, pe
			}
			return nil, errors.New(strings.Replace(err.Error(), path, f, 1))
		}
		vars = append(vars, v...)
	}
	vars = append(vars, env...)
	var out []string
	for _, e := range vars {
		if slices.Contains(out, e) {
			continue
		}
		k, _, _ := strings.Cut(e, "=")
		out = slices.DeleteFunc(out, func(c string) bool { return strings.HasPrefix(c, k+"=") })
		out = append(out, e)
	}
	return out, nil
}

func sortedUlimits(u []containerspec.Ulimit) []containerspec.Ulimit {
	if len(u) == 0 {
		return nil
	}
	u = slices.Clone(u)
	sort.SliceStable(u, func(i, j int) bool { return u[i].Name < u[j].Name })
	return u
}

// registryAuthToken stands for the credential the docker CLI would read
// from its config file: the base64 of an empty auth config.
const registryAuthToken = "e30="

func fileTargets(refs []FileRef, config bool) ([]FileRef, error) {
	seen := map[string]bool{}
	for _, r := range refs {
		if seen[r.File.Name] {
			if config {
				return nil, fmt.Errorf("duplicate config target for %s not allowed", r.Name)
			}
			return nil, fmt.Errorf("duplicate secret target for %s not allowed", r.Name)
		}
		seen[r.File.Name] = true
	}
	return refs, nil
}

func secretRefs(refs []FileRef) []swarmsim.SecretReference {
	var out []swarmsim.SecretReference
	for _, r := range refs {
		out = append(out, swarmsim.SecretReference{SecretName: r.Name, File: r.File})
	}
	return out
}

func configRefs(refs []FileRef) []swarmsim.ConfigReference {
	var out []swarmsim.ConfigReference
	for _, r := range refs {
		out = append(out, swarmsim.ConfigReference{ConfigName: r.Name, File: r.File})
	}
	return out
}

func sortNetworks(n []swarmsim.NetworkAttachment) {
	sort.SliceStable(n, func(i, j int) bool { return n[i].Target < n[j].Target })
}

// hostsToSwarm is convertExtraHostsToSwarmHosts: host:ip becomes "ip host".
func hostsToSwarm(hosts []string) []string {
	var out []string
	for _, h := range hosts {
		if host, ip, ok := strings.Cut(h, ":"); ok {
			out = append(out, ip+" "+host)
		}
	}
	return out
}

// networkID is a network's ID when the swarm knows it (docker/cli
// resolveNetworkID), else the reference as typed: the daemon then refuses
// it with its own error.
func (s *Session) networkID(ref string) string {
	if n, err := s.swarm().Network(ref); err == nil {
		return n.ID
	}
	return ref
}

// applyContainerCreate fills a new spec's container fields from create's
// flags (docker/cli ToService).
func (s *Session) applyContainerCreate(t *swarmsim.TaskSpec, c *ContainerOptions, env []string) error {
	var err error
	if t.Env, err = s.readEnvFiles(c.EnvFiles, env); err != nil {
		return err
	}
	if len(t.Env) == 0 {
		t.Env = nil
	}
	sp := &t.Spec
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	sp.Hostname, sp.Dir, sp.User, sp.Isolation = str(c.Hostname), str(c.Workdir), str(c.User), isolation(str(c.Isolation))
	if c.Entrypoint != nil {
		sp.Command = *c.Entrypoint
	}
	b := func(p *bool) bool { return p != nil && *p }
	sp.TTY, sp.ReadOnly = b(c.TTY), b(c.ReadOnly)
	init := b(c.Init)
	sp.Init = &init
	if b(c.RegistryAuth) {
		sp.RegistryAuth = registryAuthToken
	}
	if c.LimitPids != nil {
		sp.PidsLimit = *c.LimitPids
	}
	if c.OomScoreAdj != nil {
		sp.OomScoreAdj = *c.OomScoreAdj
	}
	sp.SwapBytes, sp.MemorySwappiness = c.SwapBytes, c.Swappiness
	sp.Groups = c.Groups
	if len(c.ContainerLabels) > 0 {
		sp.ContainerLabels = kvToMap(c.ContainerLabels)
	}
	sp.DNSConfig = containerspec.DNSConfig{Nameservers: parseAddrs(c.DNS), Search: c.DNSSearch, Options: c.DNSOptions}
	sp.Hosts = hostsToSwarm(c.Hosts)
	if len(c.Sysctls) > 0 {
		sp.Sysctls = kvToMap(c.Sysctls)
	}
	sp.CapabilityAdd, sp.CapabilityDrop = normalizeCaps(c.CapAdd, c.CapDrop)
	sp.Ulimits = sortedUlimits(c.Ulimits)
	if c.CredentialSpec != nil {
		cs := *c.CredentialSpec
		sp.CredentialSpec = &cs
	}
	if c.LogDriver != nil && *c.LogDriver != "" {
		sp.LogDriver = &containerspec.Driver{Name: *c.LogDriver}
		if len(c.LogOpts) > 0 {
			sp.LogDriver.Options = kvToMap(c.LogOpts)
		}
	}
	if sp.GenericResources, err = parseGenericResources(c.GenericResources); err != nil {
		return fmt.Errorf("invalid generic resource specification: %w", err)
	}
	sp.Mounts = c.Mounts
	t.Networks = slices.Clone(c.Networks)
	for i := range t.Networks {
		t.Networks[i].Target = s.networkID(t.Networks[i].Target)
	}
	sortNetworks(t.Networks)
	secrets, err := fileTargets(c.Secrets, false)
	if err != nil {
		return err
	}
	configs, err := fileTargets(c.Configs, true)
	if err != nil {
		return err
	}
	t.Secrets, t.Configs = secretRefs(secrets), configRefs(configs)
	return nil
}

// applyContainerUpdate applies update's container flags to a spec
// (docker/cli updateService, getUpdatedSecrets, getUpdatedConfigs).
func (s *Session) applyContainerUpdate(t *swarmsim.TaskSpec, c *ContainerOptions) error {
	set := func(names ...string) bool {
		for _, n := range names {
			if c.Set[n] {
				return true
			}
		}
		return false
	}
	sp := &t.Spec
	if c.Set["container-label-rm"] && sp.ContainerLabels != nil {
		for _, k := range c.ContainerLabelRm {
			delete(sp.ContainerLabels, k)
		}
	}
	if len(c.ContainerLabels) > 0 {
		if sp.ContainerLabels == nil {
			sp.ContainerLabels = map[string]string{}
		}
		maps.Copy(sp.ContainerLabels, kvToMap(c.ContainerLabels))
	}
	if c.Entrypoint != nil {
		sp.Command = *c.Entrypoint
	}
	for _, f := range []struct {
		v   *string
		dst *string
	}{{c.Workdir, &sp.Dir}, {c.User, &sp.User}, {c.Hostname, &sp.Hostname}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if c.Isolation != nil {
		sp.Isolation = isolation(*c.Isolation)
	}
	if c.Init != nil {
		v := *c.Init
		sp.Init = &v
	}
	if set("mount-add", "mount-rm") {
		byTarget := map[string]containerspec.Mount{}
		for _, m := range c.Mounts {
			if _, ok := byTarget[m.Target]; ok {
				return errors.New("duplicate mount target")
			}
			byTarget[m.Target] = m
		}
		for _, m := range sp.Mounts {
			if _, ok := byTarget[m.Target]; !ok {
				byTarget[m.Target] = m
			}
		}
		out := []containerspec.Mount{}
		for _, m := range byTarget {
			if !slices.Contains(c.MountRm, m.Target) {
				out = append(out, m)
			}
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Source == out[j].Source {
				return out[i].Target < out[j].Target
			}
			return out[i].Source < out[j].Source
		})
		sp.Mounts = out
	}
	if set("sysctl-rm") && sp.Sysctls != nil {
		for k := range kvToMap(c.SysctlRm) {
			delete(sp.Sysctls, k)
		}
	}
	if len(c.Sysctls) > 0 {
		if sp.Sysctls == nil {
			sp.Sysctls = map[string]string{}
		}
		maps.Copy(sp.Sysctls, kvToMap(c.Sysctls))
	}
	if set("ulimit-add", "ulimit-rm") || len(sp.Ulimits) > 0 {
		var out []containerspec.Ulimit
		rm := kvToMap(c.UlimitRm)
		for _, u := range sp.Ulimits {
			if _, ok := rm[u.Name]; ok || slices.ContainsFunc(c.Ulimits, func(a containerspec.Ulimit) bool { return a.Name == u.Name }) {
				continue
			}
			out = append(out, u)
		}
		sp.Ulimits = sortedUlimits(append(out, c.Ulimits...))
	}
	if c.LimitPids != nil {
		sp.PidsLimit = *c.LimitPids
	}
	if c.OomScoreAdj != nil {
		sp.OomScoreAdj = *c.OomScoreAdj
	}
	if c.SwapBytes != nil {
		v := *c.SwapBytes
		sp.SwapBytes = &v
	}
	if c.Swappiness != nil {
		v := *c.Swappiness
		sp.MemorySwappiness = &v
	}
	if set("generic-resource-add") {
		add, err := parseGenericResources(c.GenericResources)
		if err != nil {
			return fmt.Errorf("invalid generic resource specification: %w", err)
		}
		for _, a := range add {
			sp.GenericResources = slices.DeleteFunc(sp.GenericResources, func(g containerspec.GenericResource) bool { return g.Kind == a.Kind })
			sp.GenericResources = append(sp.GenericResources, a)
		}
	}
	if set("generic-resource-rm") {
		for _, k := range c.GenericResourceRm {
			i := slices.IndexFunc(sp.GenericResources, func(g containerspec.GenericResource) bool { return g.Kind == k })
			if i < 0 {
				return fmt.Errorf("could not find generic-resource `%s` to remove it", k)
			}
			sp.GenericResources = slices.Delete(sp.GenericResources, i, i+1)
		}
	}
	if set("network-add", "network-rm") {
		// docker/cli updateNetworks: both lists are compared by network ID.
		var rm []string
		for _, r := range c.NetworkRm {
			n, err := s.swarm().Network(r)
			if err != nil {
				return daemon(err)
			}
			rm = append(rm, n.ID)
		}
		var out []swarmsim.NetworkAttachment
		for _, n := range t.Networks {
			if !slices.Contains(rm, n.Target) {
				out = append(out, n)
			}
		}
		for _, n := range c.Networks {
			typed := n.Target
			n.Target = s.networkID(typed)
			if slices.ContainsFunc(out, func(x swarmsim.NetworkAttachment) bool { return x.Target == n.Target }) {
				return fmt.Errorf("service is already attached to network %s", typed)
			}
			out = append(out, n)
		}
		sortNetworks(out)
		t.Networks = out
	}
	if set("group-add", "group-rm") {
		out := []string{}
		for _, g := range append(slices.Clone(sp.Groups), c.Groups...) {
			if !slices.Contains(c.GroupRm, g) {
				out = append(out, g)
			}
		}
		sort.Strings(out)
		sp.Groups = out
	}
	if set("dns-add", "dns-rm", "dns-option-add", "dns-option-rm", "dns-search-add", "dns-search-rm") {
		d := &sp.DNSConfig
		var ns []netip.Addr
		for _, n := range append(slices.Clone(d.Nameservers), parseAddrs(c.DNS)...) {
			if !slices.Contains(ns, n) && !slices.Contains(c.DNSRm, n.String()) {
				ns = append(ns, n)
			}
		}
		slices.SortFunc(ns, netip.Addr.Compare)
		d.Nameservers = ns
		d.Search = addRmSorted(d.Search, c.DNSSearch, c.DNSSearchRm)
		d.Options = addRmSorted(d.Options, c.DNSOptions, c.DNSOptionRm)
	}
	if set("host-add", "host-rm") {
		sp.Hosts = updateHosts(sp.Hosts, c.Hosts, c.HostRm)
	}
	if c.Set["log-driver"] && c.LogDriver != nil && *c.LogDriver != "" {
		sp.LogDriver = &containerspec.Driver{Name: *c.LogDriver}
		if len(c.LogOpts) > 0 {
			sp.LogDriver.Options = kvToMap(c.LogOpts)
		}
	}
	if c.TTY != nil {
		sp.TTY = *c.TTY
	}
	if c.ReadOnly != nil {
		sp.ReadOnly = *c.ReadOnly
	}
	if set("cap-add", "cap-drop") {
		sp.CapabilityAdd, sp.CapabilityDrop = updateCaps(sp.CapabilityAdd, sp.CapabilityDrop, c.CapAdd, c.CapDrop, c.Set["cap-add"], c.Set["cap-drop"])
	}
	// Secrets and configs: remove by name, then add (getUpdatedSecrets).
	secrets := []swarmsim.SecretReference{}
	for _, r := range t.Secrets {
		if !slices.Contains(c.SecretRm, r.SecretName) {
			secrets = append(secrets, r)
		}
	}
	if len(c.Secrets) > 0 {
		add, err := fileTargets(c.Secrets, false)
		if err != nil {
			return err
		}
		secrets = append(secrets, secretRefs(add)...)
	}
	configs := []swarmsim.ConfigReference{}
	for _, r := range t.Configs {
		if !slices.Contains(c.ConfigRm, r.ConfigName) {
			configs = append(configs, r)
		}
	}
	if len(c.Configs) > 0 {
		add, err := fileTargets(c.Configs, true)
		if err != nil {
			return err
		}
		configs = append(configs, configRefs(add)...)
	}
	if len(secrets) > 0 || len(t.Secrets) > 0 {
		t.Secrets = secrets
	}
	if len(configs) > 0 || len(t.Configs) > 0 {
		t.Configs = configs
	}
	if c.CredentialSpecSet {
		sp.CredentialSpec = nil
		if c.CredentialSpec != nil {
			cs := *c.CredentialSpec
			sp.CredentialSpec = &cs
		}
	}
	// --with-registry-auth sends the credential again; without it the
	// daemon keeps the one in the spec (RegistryAuthFromSpec).
	if c.RegistryAuth != nil && *c.RegistryAuth {
		sp.RegistryAuth = registryAuthToken
	}
	return nil
}

func addRmSorted(cur, add, rm []string) []string {
	all := slices.Compact(append(slices.Clone(cur), add...))
	var out []string
	for _, v := range all {
		if !slices.Contains(rm, v) {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// isolation is what the daemon keeps of --isolation (daemon/cluster/
// convert/container.go: isolationToGRPC): process or hyperv in any case,
// anything else the default ("").
func isolation(s string) string {
	switch l := strings.ToLower(s); l {
	case "process", "hyperv":
		return l
	}
	return ""
}

// parseAddrs converts --dns values (validated by validateIPAddress) as
// docker/cli's toNetipAddrSlice does.
func parseAddrs(ips []string) []netip.Addr {
	var out []netip.Addr
	for _, ip := range ips {
		if a, err := netip.ParseAddr(ip); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// updateHosts is docker/cli's updateHosts: host or host:ip removes the host
// name from matching entries (dropping emptied ones), then host:ip entries
// are appended in SwarmKit's form, duplicates removed.
func updateHosts(cur, add, rm []string) []string {
	var out []string
	for _, e := range cur {
		parts := strings.Fields(e)
		if len(parts) == 0 {
			continue
		}
		ip, names := parts[0], parts[1:]
		for _, r := range rm {
			host, rip, _ := strings.Cut(r, ":")
			if rip != "" && rip != ip {
				continue
			}
			names = slices.DeleteFunc(names, func(h string) bool { return h == host })
		}
		if len(names) > 0 {
			out = append(out, ip+" "+strings.Join(names, " "))
		}
	}
	out = append(out, hostsToSwarm(add)...)
	var dedup []string
	for _, h := range out {
		if !slices.Contains(dedup, h) {
			dedup = append(dedup, h)
		}
	}
	return dedup
}
