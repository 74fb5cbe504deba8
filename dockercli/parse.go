package dockercli

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/swarmsim/swarmsim/mesh"
)

// Parse turns one command's words into a Command. It never touches a
// cluster. Errors are *CLIError with Docker's text and exit code.
func Parse(words []string) (Command, error) {
	if len(words) == 0 {
		return nil, &CLIError{Msg: "empty command", Code: 1}
	}
	switch words[0] {
	case "docker":
		return runCobra(newDockerRoot, words[1:])
	case "swarmsim":
		return runCobra(newSimRoot, words[1:])
	case "sleep":
		return parseSleep(words[1:])
	}
	return nil, &CLIError{Msg: fmt.Sprintf("%s: command not found", words[0]), Code: 127}
}

func parseSleep(args []string) (Command, error) {
	if len(args) != 1 {
		return nil, &CLIError{Msg: "usage: sleep DURATION (a Go duration such as 10s or 1m30s, or a number of seconds)", Code: 1}
	}
	invalid := &CLIError{Msg: fmt.Sprintf("sleep: invalid time interval '%s'", args[0]), Code: 1}
	if f, err := strconv.ParseFloat(args[0], 64); err == nil || errors.Is(err, strconv.ErrRange) {
		// NaN and negative numbers are refused; a number too large for
		// a duration (1e400, 4611686018 twice over) saturates: the clock
		// stops at swarmsim.Horizon.
		if f != f || f < 0 {
			return nil, invalid
		}
		if f*float64(time.Second) >= float64(math.MaxInt64) {
			return Sleep{D: math.MaxInt64}, nil
		}
		return Sleep{D: time.Duration(f * float64(time.Second))}, nil
	}
	d, err := time.ParseDuration(args[0])
	if err != nil || d < 0 {
		return nil, invalid
	}
	return Sleep{D: d}, nil
}

// result is where a command's RunE leaves its parsed form.
type result struct {
	cmd Command
	// rebuild builds anew a command of the tree (with the flag values a
	// new tree has): a parser replaces a command whose flags a line set
	// with it, instead of building the whole tree again. Commands without
	// an entry take a new tree.
	rebuild map[*cobra.Command]func() *cobra.Command
}

// part adds to the tree what build builds (a command, or a group and its
// commands), and records how to build any of its commands anew.
func (r *result) part(build func(*result) *cobra.Command) *cobra.Command {
	return r.parts(func(r *result) []*cobra.Command { return []*cobra.Command{build(r)} })[0]
}

// parts is part for a builder of several commands.
func (r *result) parts(build func(*result) []*cobra.Command) []*cobra.Command {
	cmds := build(r)
	for i, c := range cmds {
		r.index(c, func() *cobra.Command { return build(r)[i] }, nil)
	}
	return cmds
}

// index records how to build c and each command under it anew: mk builds
// the command at the top of c's path, path is the names down to c.
func (r *result) index(c *cobra.Command, mk func() *cobra.Command, path []string) {
	if r.rebuild == nil {
		r.rebuild = make(map[*cobra.Command]func() *cobra.Command)
	}
	r.rebuild[c] = func() *cobra.Command {
		n := mk()
		for _, name := range path {
			for _, sub := range n.Commands() {
				if sub.Name() == name {
					n = sub
					break
				}
			}
		}
		return n
	}
	for _, sub := range c.Commands() {
		r.index(sub, mk, append(path[:len(path):len(path)], sub.Name()))
	}
}

func runCobra(build func(*result) *cobra.Command, args []string) (Command, error) {
	var t cobraTree
	return t.run(build, args)
}

// parser parses the command lines of one session. It keeps its command
// trees from one line to the next, because building a tree costs more than
// running most commands (cobra makes every flag, help text and subcommand
// anew). A tree holds the values of the flags its last line set, so a line
// that set a flag (or asked for help) has its tree built anew for the next
// one; the commands' RunE functions assign every field of what they return.
type parser struct {
	docker, sim cobraTree
}

func (p *parser) parse(words []string) (Command, error) {
	if len(words) > 0 {
		switch words[0] {
		case "docker":
			return p.docker.run(newDockerRoot, words[1:])
		case "swarmsim":
			return p.sim.run(newSimRoot, words[1:])
		}
	}
	return Parse(words)
}

// cobraTree is one command tree and the result its commands write into.
type cobraTree struct {
	res   result
	root  *cobra.Command
	build func(*result) *cobra.Command
}

// dispatch runs the command that args name as cobra's Command.execute
// would, without ExecuteC's work for every call (ExecuteC removes and adds
// the help and shell-completion commands on the root, walking every
// subcommand's path each time, which costs more than most commands). It
// takes only the ordinary path: a subcommand of the root, found, runnable,
// no help flag, no run hooks. ok is false when it did not run the command:
// ExecuteC must then run it, on a new tree if ran (whose flags dispatch
// parsed) is not nil. Its errors are those ExecuteC returns for the same
// words.
func (t *cobraTree) dispatch(args []string) (ran *cobra.Command, err error, ok bool) {
	c, flags, err := t.find(args)
	if err != nil || c == nil || c == t.root || c.RunE == nil || c.Deprecated != "" {
		return nil, nil, false
	}
	for p := c; p != nil; p = p.Parent() {
		if p.PersistentPreRun != nil || p.PersistentPreRunE != nil || p.PersistentPostRun != nil || p.PersistentPostRunE != nil {
			return nil, nil, false
		}
	}
	if c.PreRun != nil || c.PreRunE != nil || c.PostRun != nil || c.PostRunE != nil {
		return nil, nil, false
	}
	c.InitDefaultHelpFlag()
	if err := c.ParseFlags(flags); err != nil {
		return c, c.FlagErrorFunc()(c, err), true
	}
	if help, err := c.Flags().GetBool("help"); err != nil || help {
		return c, nil, false
	}
	a := c.Flags().Args()
	if c.DisableFlagParsing {
		a = flags
	}
	if err := c.ValidateArgs(a); err != nil {
		return c, err, true
	}
	// No flag of these trees is required or in a group (cobra's flag
	// annotations; TestFlagsHaveNoAnnotations), so cobra's
	// ValidateRequiredFlags and ValidateFlagGroups, which visit every flag
	// in sorted order, have nothing to check.
	return c, c.RunE(c, a), true
}

func (t *cobraTree) run(build func(*result) *cobra.Command, args []string) (Command, error) {
	t.build = build
	if t.root == nil {
		t.root = newTree(build, &t.res)
	}
	t.res.cmd = nil
	ran, err, ok := t.dispatch(args)
	if !ok {
		if ran != nil {
			// the dispatch parsed flags before it gave up
			t.root = newTree(t.build, &t.res)
			t.res.cmd = nil
		}
		t.root.SetArgs(args)
		ran, err = t.root.ExecuteC()
	}
	if ran != nil && flagsSet(ran) && !t.renew(ran) {
		t.root = nil // flag values live in the tree: build it anew
	}
	if ran == nil {
		t.root = nil
	}
	if err != nil {
		if ce, ok := err.(*CLIError); ok {
			return nil, ce
		}
		return nil, &CLIError{Msg: err.Error(), Code: 1}
	}
	if t.res.cmd == nil {
		return nil, &CLIError{Msg: "no command", Code: 1}
	}
	return t.res.cmd, nil
}

// find is cobra's Command.Find for the common line, the names of a path
// from the root to a command without subcommands and then that command's
// arguments: it walks the names without cobra's scan of every argument for
// flags at each level (which merges each level's flags to do so). Any other
// line (a flag before the last name, a name no command has) is cobra's.
func (t *cobraTree) find(args []string) (*cobra.Command, []string, error) {
	c, i := t.root, 0
	for ; i < len(args) && c.HasSubCommands(); i++ {
		next := subcommand(c, args[i])
		if next == nil {
			break
		}
		c = next
	}
	if c == t.root || c.HasSubCommands() {
		return t.root.Find(args)
	}
	return c, args[i:], nil
}

// subcommand is the subcommand of c named or aliased name (cobra's
// findNext without prefix matching, which the trees do not enable).
func subcommand(c *cobra.Command, name string) *cobra.Command {
	for _, sub := range c.Commands() {
		if sub.Name() == name || sub.HasAlias(name) {
			return sub
		}
	}
	return nil
}

// renew replaces ran, whose flags the line set, by a new command with the
// flags' defaults, when only its own flags were set and the tree knows how
// to build it; it reports whether it did.
func (t *cobraTree) renew(ran *cobra.Command) bool {
	mk := t.res.rebuild[ran]
	parent := ran.Parent()
	if mk == nil || parent == nil {
		return false
	}
	own := true
	ran.Flags().Visit(func(f *pflag.Flag) {
		for p := parent; p != nil; p = p.Parent() {
			if p.PersistentFlags().Lookup(f.Name) != nil {
				own = false // --help, the root's
			}
		}
	})
	if !own {
		return false
	}
	fresh := mk()
	parent.RemoveCommand(ran)
	parent.AddCommand(fresh)
	delete(t.res.rebuild, ran)
	t.res.rebuild[fresh] = mk
	return true
}

// flagsSet reports whether a run set any flag of the command it ran (the
// inherited --help included).
func flagsSet(c *cobra.Command) bool {
	set := false
	c.Flags().Visit(func(*pflag.Flag) { set = true })
	return set
}

// newTree builds a command tree with docker's error and help handling.
func newTree(build func(*result) *cobra.Command, res *result) *cobra.Command {
	res.rebuild = nil // the old tree's
	root := build(res)
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	root.SilenceErrors = true
	root.SilenceUsage = true
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetHelpCommand(&cobra.Command{Use: "no-help-command", Hidden: true})
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &CLIError{Code: 125, Msg: fmt.Sprintf("%s\n\nUsage:  %s\n\nRun '%s --help' for more information", err, c.UseLine(), c.CommandPath())}
	})
	root.SetHelpFunc(func(c *cobra.Command, _ []string) {
		res.cmd = Help{Text: usageText(c)}
	})
	root.PersistentFlags().BoolP("help", "h", false, "Print usage")
	_ = root.PersistentFlags().MarkHidden("help")
	return root
}

// ---- argument-count checks (docker/cli cli/required.go) ----

func binName(c *cobra.Command) string { return c.Root().Name() }

func plural(word string, n int) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func noArgs(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if c.HasSubCommands() {
		if !c.HasParent() {
			return fmt.Errorf("%s: unknown command: %s %s\n\nRun '%s --help' for more information", binName(c), c.CommandPath(), args[0], c.CommandPath())
		}
		return fmt.Errorf("%s: unknown command: %s %s\n\nUsage:  %s\n\nRun '%s --help' for more information", binName(c), c.CommandPath(), args[0], c.UseLine(), c.CommandPath())
	}
	return fmt.Errorf("%s: '%s' accepts no arguments\n\nUsage:  %s\n\nRun '%s --help' for more information", binName(c), c.CommandPath(), c.UseLine(), c.CommandPath())
}

func minArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) >= n {
			return nil
		}
		return fmt.Errorf("%s: '%s' requires at least %d %s\n\nUsage:  %s\n\nSee '%s --help' for more information", binName(c), c.CommandPath(), n, plural("argument", n), c.UseLine(), c.CommandPath())
	}
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		return fmt.Errorf("%s: '%s' requires %d %s\n\nUsage:  %s\n\nRun '%s --help' for more information", binName(c), c.CommandPath(), n, plural("argument", n), c.UseLine(), c.CommandPath())
	}
}

// group is a management command ("docker service"): with no subcommand it
// prints its help to stderr, as docker's ShowHelp does.
func group(res *result, use, short string) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Args: noArgs, DisableFlagsInUseLine: true}
	c.RunE = func(c *cobra.Command, _ []string) error {
		res.cmd = Help{Text: usageText(c), Stderr: true}
		return nil
	}
	return c
}

func leaf(use, short string, args cobra.PositionalArgs, run func(c *cobra.Command, args []string) error, aliases ...string) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Args: args, RunE: run, Aliases: aliases, DisableFlagsInUseLine: true}
}

// ---- the docker tree ----

func newDockerRoot(res *result) *cobra.Command {
	root := &cobra.Command{
		Use:   "docker [OPTIONS] COMMAND",
		Short: "A self-sufficient runtime for containers",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			res.cmd = Help{Text: usageText(c)}
			return nil
		},
		DisableFlagsInUseLine: true,
	}
	// each command or group built by a function of its own, so that a
	// line that set flags has that part built anew, not the whole tree
	svc := group(res, "service", "Manage Swarm services")
	svc.AddCommand(res.part(serviceCreateCmd), res.part(serviceInspectCmd), res.part(serviceLogsCmd), res.part(serviceLsCmd),
		res.part(servicePsCmd), res.part(serviceRmCmd), res.part(serviceRollbackCmd), res.part(serviceScaleCmd), res.part(serviceUpdateCmd))
	nd := group(res, "node", "Manage Swarm nodes")
	nd.AddCommand(res.part(func(r *result) *cobra.Command { return nodeRoleCmd(r, false) }), res.part(nodeInspectCmd),
		res.part(nodeLsCmd), res.part(func(r *result) *cobra.Command { return nodeRoleCmd(r, true) }),
		res.part(nodePsCmd), res.part(nodeRmCmd), res.part(nodeUpdateCmd))
	sw := group(res, "swarm", "Manage Swarm")
	sw.AddCommand(res.parts(swarmCmds)...)
	root.AddCommand(nd, svc, sw, res.part(networkCmd), res.part(func(r *result) *cobra.Command { return secretCmd(r, false) }),
		res.part(func(r *result) *cobra.Command { return secretCmd(r, true) }))
	root.AddCommand(res.parts(engineCmds)...)
	return root
}

func addServiceFlags(fs *pflag.FlagSet, o *ServiceOptions, create bool) {
	one := uint64(1)
	zero := uint64(0)
	// desc is docker/cli's flagDesc: create shows the server's defaults,
	// update (which registers no defaults) does not.
	desc := func(s, def string) string {
		if create {
			return s + " (default " + def + ")"
		}
		return s
	}
	addContainerFlags(fs, &o.C)
	BoolFlag(fs, &o.Detach, "detach", "d", "Exit immediately instead of waiting for the service to converge")
	BoolFlag(fs, &o.Quiet, "quiet", "q", "Suppress progress output")
	fs.Var(uintTyped{newUint64(&o.Replicas, nil), "uint"}, "replicas", "Number of tasks")
	var maxDef *uint64
	if create {
		maxDef = &zero
	}
	fs.Var(uintTyped{newUint64(&o.MaxReplicas, maxDef), "uint64"}, "replicas-max-per-node", "Maximum number of tasks per node (default 0 = unlimited)")
	fs.Var(stringPtrValue{&o.Restart.Condition}, "restart-condition", desc(`Restart when condition is met ("none", "on-failure", "any")`, `"any"`))
	fs.Var(durationValue{p: &o.Restart.Delay}, "restart-delay", desc("Delay between restart attempts (ns|us|ms|s|m|h)", "5s"))
	fs.Var(uintTyped{newUint64(&o.Restart.MaxAttempts, nil), "uint"}, "restart-max-attempts", "Maximum number of restarts before giving up")
	fs.Var(durationValue{p: &o.Restart.Window}, "restart-window", "Window used to evaluate the restart policy (ns|us|ms|s|m|h)")
	var parDef *uint64
	if create {
		parDef = &one
	}
	fs.Var(uintTyped{newUint64(&o.Update.Parallelism, parDef), "uint64"}, "update-parallelism", "Maximum number of tasks updated simultaneously (0 to update all at once)")
	fs.Var(durationValue{p: &o.Update.Delay, showZero: false}, "update-delay", desc("Delay between updates (ns|us|ms|s|m|h)", "0s"))
	fs.Var(durationValue{p: &o.Update.Monitor, showZero: false}, "update-monitor", desc("Duration after each task update to monitor for failure (ns|us|ms|s|m|h)", "5s"))
	fs.Var(stringPtrValue{&o.Update.FailureAction}, "update-failure-action", desc(`Action on update failure ("pause", "continue", "rollback")`, `"pause"`))
	fs.Var(floatValue{&o.Update.MaxFailureRatio}, "update-max-failure-ratio", desc("Failure rate to tolerate during an update", "0"))
	fs.Var(stringPtrValue{&o.Update.Order}, "update-order", desc(`Update order ("start-first", "stop-first")`, `"stop-first"`))
	fs.Var(uintTyped{newUint64(&o.Rollback.Parallelism, parDef), "uint64"}, "rollback-parallelism", "Maximum number of tasks rolled back simultaneously (0 to roll back all at once)")
	fs.Var(durationValue{p: &o.Rollback.Delay, showZero: false}, "rollback-delay", desc("Delay between task rollbacks (ns|us|ms|s|m|h)", "0s"))
	fs.Var(durationValue{p: &o.Rollback.Monitor, showZero: false}, "rollback-monitor", desc("Duration after each task rollback to monitor for failure (ns|us|ms|s|m|h)", "5s"))
	fs.Var(stringPtrValue{&o.Rollback.FailureAction}, "rollback-failure-action", desc(`Action on rollback failure ("pause", "continue")`, `"pause"`))
	fs.Var(floatValue{&o.Rollback.MaxFailureRatio}, "rollback-max-failure-ratio", desc("Failure rate to tolerate during a rollback", "0"))
	fs.Var(stringPtrValue{&o.Rollback.Order}, "rollback-order", desc(`Rollback order ("start-first", "stop-first")`, `"stop-first"`))
	if create {
		vip := "vip"
		o.EndpointMode = nil
		fs.Var(&defaultString{p: &o.EndpointMode, def: vip}, "endpoint-mode", "Endpoint mode (vip or dnsrr)")
	} else {
		fs.Var(stringPtrValue{&o.EndpointMode}, "endpoint-mode", "Endpoint mode (vip or dnsrr)")
	}
	addJobHealthFlags(fs, o)
	fs.Var(nanoCPUValue{&o.LimitCPU}, "limit-cpu", "Limit CPUs")
	fs.Var(memBytesValue{&o.LimitMem}, "limit-memory", "Limit Memory")
	fs.Var(nanoCPUValue{&o.ReserveCPU}, "reserve-cpu", "Reserve CPUs")
	fs.Var(memBytesValue{&o.ReserveMem}, "reserve-memory", "Reserve Memory")
}

// changedFlags lists the flags a command line set.
func changedFlags(c *cobra.Command) map[string]bool {
	set := map[string]bool{}
	c.Flags().Visit(func(f *pflag.Flag) { set[f.Name] = true })
	return set
}

// defaultString is a string flag with a default shown in the help.
type defaultString struct {
	p   **string
	def string
}

func (v *defaultString) Set(s string) error { *v.p = &s; return nil }
func (v *defaultString) Type() string       { return "string" }
func (v *defaultString) String() string {
	if *v.p != nil {
		return **v.p
	}
	return v.def
}

func serviceCreateCmd(res *result) *cobra.Command {
	var o ServiceOptions
	mode := "replicated"
	c := leaf("create [OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new service", minArgs(1), nil)
	c.RunE = func(_ *cobra.Command, args []string) error {
		o.Mode = mode
		cmd := ServiceCreate{Opts: o, Image: args[0]}
		if len(args) > 1 {
			cmd.Args = args[1:]
		}
		res.cmd = cmd
		return nil
	}
	fs := c.Flags()
	fs.StringVar(&mode, "mode", "replicated", `Service mode ("replicated", "global", "replicated-job", "global-job")`)
	fs.StringVar(&o.Name, "name", "", "Service name")
	addServiceFlags(fs, &o, true)
	fs.VarP(listValue{&o.Labels, validateLabel}, "label", "l", "Service labels")
	fs.VarP(listValue{&o.Env, validateEnv}, "env", "e", "Set environment variables")
	fs.Var(listValue{p: &o.Constraints}, "constraint", "Placement constraints")
	fs.Var(prefValue{&o.Prefs}, "placement-pref", "Add a placement preference")
	pub := &portOptValue{}
	fs.VarP(pub, "publish", "p", "Publish a port as a node port")
	addContainerCreateFlags(fs, &o.C)
	fs.SetInterspersed(false)
	prev := c.RunE
	c.RunE = func(cc *cobra.Command, args []string) error {
		o.Publish = pub.ports
		o.C.Set = changedFlags(cc)
		return prev(cc, args)
	}
	return c
}

func serviceUpdateCmd(res *result) *cobra.Command {
	var (
		o        ServiceOptions
		image    *string
		args     *[]string
		force    bool
		rollback bool
	)
	c := leaf("update [OPTIONS] SERVICE", "Update a service", exactArgs(1), nil)
	fs := c.Flags()
	addServiceFlags(fs, &o, false)
	fs.Var(stringPtrValue{&image}, "image", "Service image tag")
	fs.Var(commandValue{&args}, "args", "Service command args")
	BoolFlag(fs, &rollback, "rollback", "", "Rollback to previous specification")
	BoolFlag(fs, &force, "force", "", "Force update even if no changes require it")
	fs.Var(listValue{p: &o.EnvRm}, "env-rm", "Remove an environment variable")
	fs.Var(listValue{p: &o.LabelRm}, "label-rm", "Remove a label by its key")
	pubRm := &portOptValue{}
	fs.Var(pubRm, "publish-rm", "Remove a published port by its target port")
	fs.Var(listValue{p: &o.ConstraintRm}, "constraint-rm", "Remove a constraint")
	fs.Var(listValue{&o.LabelAdd, validateLabel}, "label-add", "Add or update a service label")
	fs.Var(listValue{&o.EnvAdd, validateEnv}, "env-add", "Add or update an environment variable")
	fs.Var(listValue{p: &o.ConstraintAdd}, "constraint-add", "Add or update a placement constraint")
	fs.Var(prefValue{&o.PrefAdd}, "placement-pref-add", "Add a placement preference")
	fs.Var(prefValue{&o.PrefRm}, "placement-pref-rm", "Remove a placement preference")
	pubAdd := &portOptValue{}
	fs.Var(pubAdd, "publish-add", "Add or update a published port")
	addContainerUpdateFlags(fs, &o.C)
	c.RunE = func(cc *cobra.Command, a []string) error {
		o.C.Set = changedFlags(cc)
		o.PublishAdd, o.PublishRm = pubAdd.ports, pubRm.ports
		o.PublishAddSet, o.PublishRmSet = cc.Flags().Changed("publish-add"), cc.Flags().Changed("publish-rm")
		u := ServiceUpdate{Ref: a[0], Opts: o, Image: image, Args: args, Force: force, Rollback: rollback}
		if rollback {
			cc.Flags().Visit(func(f *pflag.Flag) {
				switch f.Name {
				case "rollback", "detach", "quiet":
				default:
					u.OtherFlags = true
				}
			})
		}
		res.cmd = u
		return nil
	}
	return c
}

func serviceRollbackCmd(res *result) *cobra.Command {
	var r ServiceRollback
	c := leaf("rollback [OPTIONS] SERVICE", "Revert changes to a service's configuration", exactArgs(1), func(_ *cobra.Command, a []string) error {
		r.Ref = a[0]
		res.cmd = r
		return nil
	})
	BoolFlag(c.Flags(), &r.Detach, "detach", "d", "Exit immediately instead of waiting for the service to converge")
	BoolFlag(c.Flags(), &r.Quiet, "quiet", "q", "Suppress progress output")
	return c
}

func serviceScaleCmd(res *result) *cobra.Command {
	var s ServiceScale
	c := leaf("scale SERVICE=REPLICAS [SERVICE=REPLICAS...]", "Scale one or multiple replicated services", nil, func(_ *cobra.Command, a []string) error {
		s.Args = a
		res.cmd = s
		return nil
	})
	c.Args = func(c *cobra.Command, args []string) error {
		if err := minArgs(1)(c, args); err != nil {
			return err
		}
		for _, a := range args {
			if k, v, ok := strings.Cut(a, "="); !ok || k == "" || v == "" {
				return fmt.Errorf("invalid scale specifier '%s'.\nSee '%s --help'.\n\nUsage:  %s\n\n%s", a, c.CommandPath(), c.UseLine(), c.Short)
			}
		}
		return nil
	}
	BoolFlag(c.Flags(), &s.Detach, "detach", "d", "Exit immediately instead of waiting for the service to converge")
	return c
}

func servicePsCmd(res *result) *cobra.Command {
	var p ServicePs
	c := leaf("ps [OPTIONS] SERVICE [SERVICE...]", "List the tasks of one or more services", minArgs(1), func(_ *cobra.Command, a []string) error {
		p.Refs = a
		res.cmd = p
		return nil
	})
	fs := c.Flags()
	BoolFlag(fs, &p.Quiet, "quiet", "q", "Only display task IDs")
	BoolFlag(fs, &p.NoTrunc, "no-trunc", "", "Do not truncate output")
	BoolFlag(fs, &p.NoResolve, "no-resolve", "", "Do not map IDs to Names")
	fs.VarP(filterValue{&p.Filters}, "filter", "f", "Filter output based on conditions provided")
	fs.StringVar(&p.Format, "format", "", formatHelp)
	return c
}

const formatHelp = "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates"

const inspectFormatHelp = "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates"

// filterValue is docker's FilterOpt ("filter"): each value must be name=value.
type filterValue struct{ p *[]string }

func (v filterValue) Set(s string) error {
	k, _, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("bad format of filter (expected name=value)")
	}
	*v.p = append(*v.p, s)
	return nil
}
func (v filterValue) Type() string   { return "filter" }
func (v filterValue) String() string { return "" }

func serviceLsCmd(res *result) *cobra.Command {
	var l ServiceLs
	c := leaf("ls [OPTIONS]", "List services", noArgs, func(_ *cobra.Command, _ []string) error {
		res.cmd = l
		return nil
	}, "list")
	listFlags(c.Flags(), &l.Quiet, &l.Format, &l.Filters)
	return c
}

// listFlags are the flags of `service ls` and `node ls`.
func listFlags(fs *pflag.FlagSet, quiet *bool, format *string, filters *[]string) {
	BoolFlag(fs, quiet, "quiet", "q", "Only display IDs")
	fs.StringVar(format, "format", "", formatHelp)
	fs.VarP(filterValue{filters}, "filter", "f", "Filter output based on conditions provided")
}

// inspectFlags are the flags of `service inspect` and `node inspect`.
func inspectFlags(fs *pflag.FlagSet, format *string, pretty *bool) {
	fs.StringVarP(format, "format", "f", "", inspectFormatHelp)
	BoolFlag(fs, pretty, "pretty", "", "Print the information in a human friendly format")
}

func serviceInspectCmd(res *result) *cobra.Command {
	var i ServiceInspect
	c := leaf("inspect [OPTIONS] SERVICE [SERVICE...]", "Display detailed information on one or more services", minArgs(1), func(_ *cobra.Command, a []string) error {
		i.Refs = a
		res.cmd = i
		return nil
	})
	inspectFlags(c.Flags(), &i.Format, &i.Pretty)
	return c
}

func serviceRmCmd(res *result) *cobra.Command {
	return leaf("rm SERVICE [SERVICE...]", "Remove one or more services", minArgs(1), func(_ *cobra.Command, a []string) error {
		res.cmd = ServiceRm{Refs: a}
		return nil
	}, "remove")
}

func nodeLsCmd(res *result) *cobra.Command {
	var l NodeLs
	c := leaf("ls [OPTIONS]", "List nodes in the swarm", noArgs, func(_ *cobra.Command, _ []string) error {
		res.cmd = l
		return nil
	}, "list")
	listFlags(c.Flags(), &l.Quiet, &l.Format, &l.Filters)
	return c
}

func nodePsCmd(res *result) *cobra.Command {
	var p NodePs
	c := leaf("ps [OPTIONS] [NODE...]", "List tasks running on one or more nodes, defaults to current node", nil, func(_ *cobra.Command, a []string) error {
		p.Refs = a
		if len(a) == 0 {
			p.Refs = []string{"self"}
		}
		res.cmd = p
		return nil
	})
	fs := c.Flags()
	BoolFlag(fs, &p.NoTrunc, "no-trunc", "", "Do not truncate output")
	BoolFlag(fs, &p.NoResolve, "no-resolve", "", "Do not map IDs to Names")
	fs.VarP(filterValue{&p.Filters}, "filter", "f", "Filter output based on conditions provided")
	fs.StringVar(&p.Format, "format", "", formatHelp)
	BoolFlag(fs, &p.Quiet, "quiet", "q", "Only display task IDs")
	return c
}

func nodeInspectCmd(res *result) *cobra.Command {
	var i NodeInspect
	c := leaf("inspect [OPTIONS] self|NODE [NODE...]", "Display detailed information on one or more nodes", minArgs(1), func(_ *cobra.Command, a []string) error {
		i.Refs = a
		res.cmd = i
		return nil
	})
	inspectFlags(c.Flags(), &i.Format, &i.Pretty)
	return c
}

func nodeUpdateCmd(res *result) *cobra.Command {
	var u NodeUpdate
	c := leaf("update [OPTIONS] NODE", "Update a node", exactArgs(1), func(_ *cobra.Command, a []string) error {
		u.Ref = a[0]
		res.cmd = u
		return nil
	})
	fs := c.Flags()
	fs.Var(stringPtrValue{&u.Role}, "role", `Role of the node ("worker", "manager")`)
	fs.Var(stringPtrValue{&u.Availability}, "availability", `Availability of the node ("active", "pause", "drain")`)
	fs.Var(listValue{p: &u.LabelAdd}, "label-add", `Add or update a node label ("key=value")`)
	fs.Var(listValue{p: &u.LabelRm}, "label-rm", "Remove a node label if exists")
	return c
}

func nodeRoleCmd(res *result, promote bool) *cobra.Command {
	use, short := "demote NODE [NODE...]", "Demote one or more nodes from manager in the swarm"
	if promote {
		use, short = "promote NODE [NODE...]", "Promote one or more nodes to manager in the swarm"
	}
	return leaf(use, short, minArgs(1), func(_ *cobra.Command, a []string) error {
		res.cmd = NodeRole{Refs: a, Promote: promote}
		return nil
	})
}

func nodeRmCmd(res *result) *cobra.Command {
	var r NodeRm
	c := leaf("rm [OPTIONS] NODE [NODE...]", "Remove one or more nodes from the swarm", minArgs(1), func(_ *cobra.Command, a []string) error {
		r.Refs = a
		res.cmd = r
		return nil
	}, "remove")
	BoolFlag(c.Flags(), &r.Force, "force", "f", "Force remove a node from the swarm")
	return c
}

type defaultInt64 struct {
	p   **int64
	def int64
}

func (v *defaultInt64) Set(s string) error {
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return err
	}
	*v.p = &n
	return nil
}
func (v *defaultInt64) Type() string { return "int" }
func (v *defaultInt64) String() string {
	if *v.p != nil {
		return strconv.FormatInt(**v.p, 10)
	}
	return strconv.FormatInt(v.def, 10)
}

// ---- the swarmsim directives ----

func newSimRoot(res *result) *cobra.Command {
	root := &cobra.Command{
		Use:   "swarmsim COMMAND",
		Short: "Directives for what Docker cannot express: nodes joining and failing, firewalls, image behaviour, traffic and time",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			res.cmd = Help{Text: usageText(c)}
			return nil
		},
		DisableFlagsInUseLine: true,
	}
	nd := group(res, "node", "Add, stop, start and firewall simulated nodes")
	addC := res.part(func(res *result) *cobra.Command {
		add := NodeAdd{}
		var cpus *int64
		addC := leaf("add [OPTIONS] NAME", "Join a new node to the swarm", exactArgs(1), func(_ *cobra.Command, a []string) error {
			add.Name = a[0]
			add.CPUs = cpus
			res.cmd = add
			return nil
		})
		addC.Flags().StringVar(&add.Role, "role", "worker", `Role of the node ("worker", "manager")`)
		addC.Flags().Var(listValue{&add.Labels, validateLabel}, "label", "Node label (key=value)")
		addC.Flags().Var(listValue{&add.EngineLabels, validateLabel}, "engine-label", "Engine label (key=value)")
		addC.Flags().Var(nanoCPUValue{&cpus}, "cpus", "CPUs the node offers")
		addC.Flags().Var(memBytesValue{&add.Memory}, "memory", "Memory the node offers")
		return addC
	})
	down := leaf("down NAME", "Stop a node: it stops answering and is marked Down after 3 missed heartbeats (15s)", exactArgs(1), func(_ *cobra.Command, a []string) error {
		res.cmd = NodePower{Name: a[0]}
		return nil
	})
	up := leaf("up NAME", "Start a stopped node again", exactArgs(1), func(_ *cobra.Command, a []string) error {
		res.cmd = NodePower{Name: a[0], Up: true}
		return nil
	})
	block := leaf("block NAME PORT/PROTO", "Close a port in a node's firewall (e.g. 4789/udp, 7946/tcp)", exactArgs(2), func(_ *cobra.Command, a []string) error {
		p, proto, err := parsePortProto(a[1])
		if err != nil {
			return err
		}
		res.cmd = NodeBlock{Name: a[0], Port: p, Proto: proto}
		return nil
	})
	unblock := leaf("unblock NAME PORT/PROTO", "Open a port closed by block", exactArgs(2), func(_ *cobra.Command, a []string) error {
		p, proto, err := parsePortProto(a[1])
		if err != nil {
			return err
		}
		res.cmd = NodeBlock{Name: a[0], Port: p, Proto: proto, Unblock: true}
		return nil
	})
	nd.AddCommand(addC, down, up, block, unblock)

	imgC := res.part(func(res *result) *cobra.Command {
		img := Image{}
		imgC := leaf("image [OPTIONS] REF", "Declare how tasks of an image behave from now on", exactArgs(1), func(cc *cobra.Command, a []string) error {
			img.Ref = a[0]
			res.cmd = img
			return nil
		})
		f := imgC.Flags()
		f.Var(durationValue{p: &img.Pull}, "pull", "Time spent preparing (pull and create) (default 1s)")
		f.Var(durationValue{p: &img.Start}, "start", "Time spent starting (default 1s)")
		f.Var(durationValue{p: &img.HealthyAfter}, "healthy-after", "Health check passes this long after the start (implies a health check)")
		BoolFlag(f, &img.Unhealthy, "unhealthy", "", "Health check fails (implies a health check)")
		f.Var(durationValue{p: &img.ExitAfter}, "exit-after", "Container exits this long after running")
		f.Var(int64Value{&img.ExitCode}, "exit-code", "Exit code of the container (without --exit-after it exits as soon as it runs)")
		BoolFlag(f, &img.FailOnStart, "fail-on-start", "", "Tasks are rejected while preparing (No such image)")
		f.Var(durationValue{p: &img.Stop}, "stop", "Time the container takes to stop (default 1s)")
		addImageHealthFlags(f, &img)
		return imgC
	})

	curl := leaf("curl NODE PORT[/PROTO]", "Send one request to a published port through a node", exactArgs(2), func(_ *cobra.Command, a []string) error {
		p, proto, err := parsePortProto(a[1])
		if err != nil {
			return err
		}
		res.cmd = Curl{Node: a[0], Port: p, Proto: proto}
		return nil
	})
	probe := res.part(func(res *result) *cobra.Command {
		pr := Probe{}
		var every, span *time.Duration
		probe := leaf("probe [OPTIONS] NODE PORT[/PROTO]", "Send requests while time runs and count the answers", exactArgs(2), func(_ *cobra.Command, a []string) error {
			p, proto, err := parsePortProto(a[1])
			if err != nil {
				return err
			}
			pr.Node, pr.Port, pr.Proto = a[0], p, proto
			pr.Every, pr.For = 100*time.Millisecond, 10*time.Second
			if every != nil {
				pr.Every = *every
			}
			if span != nil {
				pr.For = *span
			}
			if pr.Every <= 0 {
				return fmt.Errorf("--every must be positive")
			}
			if pr.For < 0 {
				return fmt.Errorf("--for cannot be negative")
			}
			res.cmd = pr
			return nil
		})
		probe.Flags().Var(durationValue{p: &every}, "every", "Interval between requests (default 100ms)")
		probe.Flags().Var(durationValue{p: &span}, "for", "How long to send requests (default 10s)")
		return probe
	})
	wait := res.part(func(res *result) *cobra.Command {
		wt := Wait{}
		var limit *time.Duration
		wait := leaf("wait [OPTIONS] [SERVICE...]", "Run until the services (default: all) have converged", nil, func(_ *cobra.Command, a []string) error {
			wt.Services = a
			wt.Limit = DefaultWaitLimit
			if limit != nil {
				wt.Limit = *limit
			}
			res.cmd = wt
			return nil
		})
		wait.Flags().Var(durationValue{p: &limit}, "timeout", "Give up after this much virtual time (default 10m0s)")
		return wait
	})
	tm := leaf("time", "Print the virtual clock (time since the epoch)", noArgs, func(_ *cobra.Command, _ []string) error {
		res.cmd = Time{}
		return nil
	})
	tl := leaf("timeline FILE.svg [SERVICE...]", "Draw the run so far as an SVG timeline (tasks, updates, nodes)", minArgs(1), func(_ *cobra.Command, a []string) error {
		res.cmd = Timeline{File: a[0], Services: a[1:]}
		return nil
	})
	root.AddCommand(nd, imgC, curl, probe, wait, tm, tl)
	root.AddCommand(res.part(sshCmd), res.part(taskCmd))
	root.AddCommand(res.parts(sessionCmds)...)
	root.AddCommand(res.parts(faultCmds)...)
	return root
}

func parsePortProto(s string) (uint32, mesh.Protocol, error) {
	num, proto, _ := strings.Cut(s, "/")
	n, err := strconv.ParseUint(num, 10, 16)
	if err != nil || n == 0 {
		return 0, 0, fmt.Errorf("invalid port: %s", s)
	}
	p := mesh.TCP
	if proto != "" {
		p, err = mesh.ParseProtocol(proto)
		if err != nil {
			return 0, 0, fmt.Errorf("invalid proto: %s", proto)
		}
	}
	return uint32(n), p, nil
}
