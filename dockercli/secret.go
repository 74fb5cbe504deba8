package dockercli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/spf13/cobra"
	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/internal/dockerfmt"
)

// SecretCreate is `docker secret create` (Config false) or `docker config
// create` (Config true).
type SecretCreate struct {
	Config         bool
	Name, File     string
	Labels         []string
	Driver         string
	TemplateDriver string
}

// SecretLs is `docker secret ls` or `docker config ls`.
type SecretLs struct {
	Config  bool
	Quiet   bool
	Format  string
	Filters []string
}

// SecretInspect is `docker secret inspect` or `docker config inspect`.
type SecretInspect struct {
	Config bool
	Refs   []string
	Format string
	Pretty bool
}

// SecretRm is `docker secret rm` or `docker config rm`.
type SecretRm struct {
	Config bool
	Refs   []string
}

func kindWord(config bool) string {
	if config {
		return "config"
	}
	return "secret"
}

func (c SecretCreate) commandName() string  { return "docker " + kindWord(c.Config) + " create" }
func (c SecretLs) commandName() string      { return "docker " + kindWord(c.Config) + " ls" }
func (c SecretInspect) commandName() string { return "docker " + kindWord(c.Config) + " inspect" }
func (c SecretRm) commandName() string      { return "docker " + kindWord(c.Config) + " rm" }

func (c SecretCreate) run(s *Session, stdout, _ io.Writer) error  { return s.secretCreate(c, stdout) }
func (c SecretLs) run(s *Session, stdout, _ io.Writer) error      { return s.secretLs(c, stdout) }
func (c SecretInspect) run(s *Session, stdout, _ io.Writer) error { return s.secretInspect(c, stdout) }
func (c SecretRm) run(s *Session, stdout, _ io.Writer) error {
	cl := s.swarm()
	rm := cl.RemoveSecret
	if c.Config {
		rm = cl.RemoveConfig
	}
	return removeEach(c.Refs, stdout, rm)
}

// ---- parsing (docker/cli cli/command/secret, cli/command/config) ----

func secretCmd(res *result, config bool) *cobra.Command {
	word := kindWord(config)
	title := strings.ToUpper(word)
	g := group(res, word, "Manage Swarm "+word+"s")

	var cr SecretCreate
	var create *cobra.Command
	if config {
		create = leaf("create [OPTIONS] CONFIG file|-", "Create a config from a file or STDIN", exactArgs(2), nil)
	} else {
		create = leaf("create [OPTIONS] SECRET [file|-]", "Create a secret from a file or STDIN as content", rangeArgs(1, 2), nil)
	}
	create.RunE = func(_ *cobra.Command, a []string) error {
		cr.Config, cr.Name, cr.File = config, a[0], ""
		if len(a) == 2 {
			cr.File = a[1]
		}
		res.cmd = cr
		return nil
	}
	fs := create.Flags()
	fs.VarP(listValue{&cr.Labels, validateLabel}, "label", "l", strings.ToUpper(word[:1])+word[1:]+" labels")
	if !config {
		fs.StringVarP(&cr.Driver, "driver", "d", "", "Secret driver")
	}
	fs.StringVar(&cr.TemplateDriver, "template-driver", "", "Template driver")

	var ls SecretLs
	list := leaf("ls [OPTIONS]", "List "+word+"s", noArgs, func(_ *cobra.Command, _ []string) error {
		ls.Config = config
		res.cmd = ls
		return nil
	}, "list")
	listFlags(list.Flags(), &ls.Quiet, &ls.Format, &ls.Filters)

	var in SecretInspect
	inspect := leaf("inspect [OPTIONS] "+title+" ["+title+"...]", "Display detailed information on one or more "+word+"s", minArgs(1), func(_ *cobra.Command, a []string) error {
		in.Config, in.Refs = config, a
		res.cmd = in
		return nil
	})
	inspectFlags(inspect.Flags(), &in.Format, &in.Pretty)

	remove := leaf("rm "+title+" ["+title+"...]", "Remove one or more "+word+"s", minArgs(1), func(_ *cobra.Command, a []string) error {
		res.cmd = SecretRm{Config: config, Refs: a}
		return nil
	}, "remove")
	g.AddCommand(create, inspect, list, remove)
	return g
}

// rangeArgs is docker/cli's cli.RequiresRangeArgs.
func rangeArgs(lo, hi int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) >= lo && len(args) <= hi {
			return nil
		}
		return fmt.Errorf("%s: '%s' requires at least %d and at most %d arguments\n\nUsage:  %s\n\nSee '%s --help' for more information", binName(c), c.CommandPath(), lo, hi, c.UseLine(), c.CommandPath())
	}
}

// ---- create ----

// maxReadSize is how much docker/cli reads of a secret or config: twice
// SwarmKit's limit.
const maxReadSize = 2 * swarmsim.MaxConfigSize

// readData reads a secret's or config's data from a file (relative to the
// session's Dir) or, for "-", from the session's Stdin (docker/cli
// readSecretData, readConfigData).
func (s *Session) readData(file string) ([]byte, error) {
	switch file {
	case "-":
		var data []byte
		if in := s.input(); in != nil {
			var err error
			data, err = io.ReadAll(io.LimitReader(in, maxReadSize))
			if err != nil {
				return nil, fmt.Errorf("error reading from STDIN: %w", err)
			}
		}
		if len(data) == 0 {
			return nil, errors.New("error reading from STDIN: data is empty")
		}
		return data, nil
	case "":
		return nil, errors.New("secret file is required")
	}
	path := file
	if s.Dir != "" && !filepath.IsAbs(path) {
		path = filepath.Join(s.Dir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("error reading from %s: open %s: %v", file, file, pe.Err)
		}
		return nil, fmt.Errorf("error reading from %s: %w", file, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxReadSize))
	if err != nil {
		return nil, fmt.Errorf("error reading from %s: %w", file, err)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("error reading from %s: data is empty", file)
	}
	return data, nil
}

func (s *Session) secretCreate(c SecretCreate, stdout io.Writer) error {
	cl := s.swarm()
	if c.Driver != "" {
		if c.File != "" {
			return errors.New("when using secret driver secret data must be empty")
		}
		return errors.New("swarmsim: secret drivers are not simulated")
	}
	if c.TemplateDriver != "" {
		return errors.New("swarmsim: template drivers are not simulated")
	}
	data, err := s.readData(c.File)
	if err != nil {
		if c.Config {
			// docker/cli cli/command/config/create.go RunConfigCreate
			return fmt.Errorf("error reading content from %q: %v", c.File, err)
		}
		return err
	}
	labels := kvToMap(c.Labels)
	var id string
	if c.Config {
		x, err := cl.CreateConfig(swarmsim.SwarmConfigSpec{Name: c.Name, Labels: labels, Data: data})
		if err != nil {
			return daemon(err)
		}
		id = x.ID
	} else {
		x, err := cl.CreateSecret(swarmsim.SecretSpec{Name: c.Name, Labels: labels, Data: data})
		if err != nil {
			return daemon(err)
		}
		id = x.ID
	}
	fmt.Fprintln(stdout, id)
	return nil
}

// confirm reads a line of the session's input and reports whether it is
// y or Y (docker/cli internal/prompt Confirm).
func (s *Session) confirm() bool {
	in := s.input()
	if in == nil {
		return false
	}
	line, _ := in.ReadString('\n')
	return strings.EqualFold(strings.TrimSpace(line), "y")
}

// input is the session's Stdin, buffered once for all the commands that
// read it (a new Stdin gets a new buffer).
func (s *Session) input() *bufio.Reader {
	if s.Stdin == nil {
		return nil
	}
	if s.stdinFor != s.Stdin {
		s.stdinLines, s.stdinFor = bufio.NewReader(s.Stdin), s.Stdin
	}
	return s.stdinLines
}

// ---- ls ----

// secretRow is a row of `docker secret ls` and `docker config ls`
// (docker/cli secret/formatter.go secretContext, config/formatter.go).
type secretRow struct {
	id, name string
	labels   map[string]string
	created  time.Time
	updated  time.Time
	now      time.Time
	config   bool
}

func (r *secretRow) ID() string        { return r.id }
func (r *secretRow) Name() string      { return r.name }
func (r *secretRow) Driver() string    { return "" }
func (r *secretRow) CreatedAt() string { return dockerfmt.HumanDuration(r.now.Sub(r.created)) + " ago" }
func (r *secretRow) UpdatedAt() string { return dockerfmt.HumanDuration(r.now.Sub(r.updated)) + " ago" }
func (r *secretRow) Labels() string    { return joinLabels(r.labels) }
func (r *secretRow) Label(name string) string {
	return r.labels[name]
}
func (r *secretRow) MarshalJSON() ([]byte, error) {
	m := map[string]any{"ID": r.ID(), "Name": r.Name(), "CreatedAt": r.CreatedAt(), "UpdatedAt": r.UpdatedAt(), "Labels": r.Labels()}
	if !r.config {
		m["Driver"] = r.Driver()
	}
	return marshalMethods(m)
}

var secretHeader = map[string]string{"ID": "ID", "Name": "NAME", "Driver": "DRIVER", "CreatedAt": "CREATED", "UpdatedAt": "UPDATED", "Labels": "LABELS"}

const (
	defaultSecretTable = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}"
	defaultConfigTable = "table {{.ID}}\t{{.Name}}\t{{.CreatedAt}}\t{{.UpdatedAt}}"
)

func (s *Session) secretRows(config bool) []*secretRow {
	cl := s.swarm()
	now := cl.Now()
	var rows []*secretRow
	if config {
		for _, x := range cl.Configs() {
			rows = append(rows, &secretRow{id: x.ID, name: x.Spec.Name, labels: x.Spec.Labels, created: x.CreatedAt, updated: x.UpdatedAt, now: now, config: true})
		}
	} else {
		for _, x := range cl.Secrets() {
			rows = append(rows, &secretRow{id: x.ID, name: x.Spec.Name, labels: x.Spec.Labels, created: x.CreatedAt, updated: x.UpdatedAt, now: now})
		}
	}
	return rows
}

func (s *Session) secretLs(c SecretLs, stdout io.Writer) error {
	// daemon/cluster/filters.go newListSecretsFilters: id and name are
	// prefixes, names exact, label as for services
	allowed := []string{"id", "label", "name", "names"}
	if !c.Config {
		allowed = append(allowed, "driver")
	}
	f, err := parseFilters(c.Filters, allowed...)
	if err != nil {
		return err
	}
	rows := s.secretRows(c.Config)
	sort.SliceStable(rows, func(i, j int) bool { return dockerfmt.NaturalLess(rows[i].name, rows[j].name) })
	var out []any
	for _, r := range rows {
		if !f.matchPrefix("id", r.id) || !f.matchPrefix("name", r.name) || !f.matchExact("names", r.name) || !f.matchLabels(r.labels) ||
			!f.matchExact("driver", "") {
			continue
		}
		out = append(out, r)
	}
	format := c.Format
	switch {
	case c.Quiet:
		format = "{{.ID}}"
	case format == "" || format == "table":
		format = defaultSecretTable
		if c.Config {
			format = defaultConfigTable
		}
	}
	return writeList(stdout, listFormat(format), secretHeader, out)
}

// ---- inspect ----

func apiSecret(x *swarmsim.Secret) swarm.Secret {
	labels := x.Spec.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	return swarm.Secret{ID: x.ID, Meta: swarm.Meta{Version: swarm.Version{Index: x.Version}, CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt},
		Spec: swarm.SecretSpec{Annotations: swarm.Annotations{Name: x.Spec.Name, Labels: labels}}}
}

func apiConfig(x *swarmsim.SwarmConfig) swarm.Config {
	labels := x.Spec.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	return swarm.Config{ID: x.ID, Meta: swarm.Meta{Version: swarm.Version{Index: x.Version}, CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt},
		Spec: swarm.ConfigSpec{Annotations: swarm.Annotations{Name: x.Spec.Name, Labels: labels}, Data: x.Spec.Data}}
}

// The --pretty templates of docker/cli (secret/formatter.go
// secretInspectPrettyTemplate, config/formatter.go
// configInspectPrettyTemplate).
var (
	secretPretty = template.Must(template.New("").Parse(`ID:              {{.ID}}
Name:              {{.Name}}
{{- if .Labels }}
Labels:
{{- range $k, $v := .Labels }}
 - {{ $k }}{{if $v }}={{ $v }}{{ end }}
{{- end }}{{ end }}
Driver:            {{.Driver}}
Created at:        {{.CreatedAt}}
Updated at:        {{.UpdatedAt}}`))
	configPretty = template.Must(template.New("").Parse(`ID:			{{.ID}}
Name:			{{.Name}}
{{- if .Labels }}
Labels:
{{- range $k, $v := .Labels }}
 - {{ $k }}{{if $v }}={{ $v }}{{ end }}
{{- end }}{{ end }}
Created at:            	{{.CreatedAt}}
Updated at:            	{{.UpdatedAt}}
Data:
{{.Data}}`))
)

type prettyObject struct {
	ID, Name, Driver     string
	Labels               map[string]string
	CreatedAt, UpdatedAt string
	Data                 string
}

// prettyTime is formatter.PrettyPrint of a time: its %s form, first
// letter capitalised.
func prettyTime(t time.Time) string { return dockerfmt.PrettyPrint(t.String()) }

func (s *Session) secretInspect(c SecretInspect, stdout io.Writer) error {
	cl := s.swarm()
	if c.Pretty && c.Format != "" {
		return errors.New("--format is incompatible with human friendly format")
	}
	if strings.HasPrefix(c.Format, "pretty") && c.Format != "pretty" {
		return errors.New("cannot supply extra formatting options to the pretty template")
	}
	var elems []any
	var pretty []prettyObject
	var errs []error
	for _, ref := range c.Refs {
		if c.Config {
			x, err := cl.Config(ref)
			if err != nil {
				errs = append(errs, daemon(err))
				continue
			}
			elems = append(elems, apiConfig(x))
			pretty = append(pretty, prettyObject{ID: x.ID, Name: x.Spec.Name, Labels: x.Spec.Labels,
				CreatedAt: prettyTime(x.CreatedAt), UpdatedAt: prettyTime(x.UpdatedAt), Data: string(x.Spec.Data)})
			continue
		}
		x, err := cl.Secret(ref)
		if err != nil {
			errs = append(errs, daemon(err))
			continue
		}
		elems = append(elems, apiSecret(x))
		pretty = append(pretty, prettyObject{ID: x.ID, Name: x.Spec.Name, Labels: x.Spec.Labels,
			CreatedAt: prettyTime(x.CreatedAt), UpdatedAt: prettyTime(x.UpdatedAt)})
	}
	if c.Pretty || c.Format == "pretty" {
		tmpl := secretPretty
		if c.Config {
			tmpl = configPretty
		}
		for _, p := range pretty {
			_ = tmpl.Execute(stdout, p)
			io.WriteString(stdout, "\n")
		}
		return errors.Join(errs...)
	}
	return inspectOut(stdout, c.Format, elems, errs)
}

// ---- services ----

// resolveSecretRefs resolves the names of the secrets and configs a
// service update adds (the references without an ID) client-side, as
// docker/cli's ParseSecrets and ParseConfigs do: a target used twice and
// an unknown name are refused before the daemon is asked.
func (s *Session) resolveSecretRefs(spec *swarmsim.ServiceSpec) error {
	cl := s.swarm()
	t := &spec.TaskTemplate
	err := resolveRefs("secret", len(t.Secrets), func(i int) (string, *string, string) {
		r := &t.Secrets[i]
		return r.SecretName, &r.SecretID, r.File.Name
	}, func(name string) (string, string, error) {
		x, err := cl.Secret(name)
		if err != nil {
			return "", "", err
		}
		return x.ID, x.Spec.Name, nil
	})
	if err != nil {
		return err
	}
	return resolveRefs("config", len(t.Configs), func(i int) (string, *string, string) {
		r := &t.Configs[i]
		return r.ConfigName, &r.ConfigID, r.File.Name
	}, func(name string) (string, string, error) {
		x, err := cl.Config(name)
		if err != nil {
			return "", "", err
		}
		return x.ID, x.Spec.Name, nil
	})
}

// resolveRefs resolves n references of one kind ("secret" or "config"):
// ref gives the i-th one's name, a pointer to its ID and its target file
// (the name when empty); lookup finds an object by name. References with
// an ID are kept; a target given twice by new ones and an unknown name get
// docker/cli's errors.
func resolveRefs(kind string, n int, ref func(i int) (name string, id *string, target string), lookup func(name string) (id, gotName string, err error)) error {
	seen := map[string]bool{}
	for i := range n {
		name, id, target := ref(i)
		if target == "" {
			target = name
		}
		if *id == "" && seen[target] {
			return fmt.Errorf("duplicate %s target for %s not allowed", kind, name)
		}
		seen[target] = true
		if *id != "" {
			continue
		}
		x, got, err := lookup(name)
		if err != nil || got != name {
			return fmt.Errorf("%s not found: %s", kind, name)
		}
		*id = x
	}
	return nil
}

// prettySecretRefs writes the Configs and Secrets blocks of `docker
// service inspect --pretty` (docker/cli service/formatter.go).
func prettySecretRefs(b *strings.Builder, cs *swarm.ContainerSpec) {
	if len(cs.Configs) > 0 {
		b.WriteString("\nConfigs:")
		for _, c := range cs.Configs {
			fmt.Fprintf(b, "\n Target:\t%s\n  Source:\t%s", c.File.Name, c.ConfigName)
		}
	}
	if len(cs.Secrets) > 0 {
		b.WriteString("\nSecrets:")
		for _, c := range cs.Secrets {
			fmt.Fprintf(b, "\n Target:\t%s\n  Source:\t%s", c.File.Name, c.SecretName)
		}
	}
}

// apiSecretRefs fills a service's secret and config references in the
// Engine API's shape.
func apiSecretRefs(cs *swarm.ContainerSpec, t *swarmsim.TaskSpec) {
	for _, r := range t.Secrets {
		cs.Secrets = append(cs.Secrets, &swarm.SecretReference{SecretID: r.SecretID, SecretName: r.SecretName,
			File: &swarm.SecretReferenceFileTarget{Name: r.File.Name, UID: r.File.UID, GID: r.File.GID, Mode: r.File.Mode}})
	}
	for _, r := range t.Configs {
		cs.Configs = append(cs.Configs, &swarm.ConfigReference{ConfigID: r.ConfigID, ConfigName: r.ConfigName,
			File: &swarm.ConfigReferenceFileTarget{Name: r.File.Name, UID: r.File.UID, GID: r.File.GID, Mode: r.File.Mode}})
	}
}
