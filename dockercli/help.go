package dockercli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// usageText renders a command's help the way docker/cli's usage template
// does (cli/cobra.go): the Usage line, the short description, aliases,
// options (wrapped at 79 columns, as for a non-terminal) and subcommands.
func usageText(c *cobra.Command) string { return UsageText(c) }

// UsageText renders a cobra command's help in docker/cli's layout.
func UsageText(c *cobra.Command) string {
	var b strings.Builder
	b.WriteString("Usage:")
	if c.HasSubCommands() {
		b.WriteString("  " + c.CommandPath())
		if c.HasAvailableFlags() {
			b.WriteString(" [OPTIONS]")
		}
		b.WriteString(" COMMAND")
	} else {
		b.WriteString("  " + c.UseLine())
	}
	b.WriteString("\n\n")
	b.WriteString(strings.TrimSpace(c.Short))
	if len(c.Aliases) > 0 {
		b.WriteString("\n\nAliases:\n  ")
		parent := ""
		if c.HasParent() {
			parent = c.Parent().CommandPath() + " "
		}
		b.WriteString(c.CommandPath())
		for _, a := range c.Aliases {
			b.WriteString(", " + parent + a)
		}
	}
	if c.HasParent() && c.HasAvailableFlags() {
		b.WriteString("\n\nOptions:\n")
		b.WriteString(strings.TrimRight(c.Flags().FlagUsagesWrapped(79), " \t\n"))
	}
	var subs []*cobra.Command
	for _, s := range c.Commands() {
		if s.IsAvailableCommand() {
			subs = append(subs, s)
		}
	}
	if len(subs) > 0 {
		if c.HasParent() {
			b.WriteString("\n\nCommands:")
		} else {
			b.WriteString("\n\nManagement Commands:")
		}
		pad := 11
		for _, s := range subs {
			pad = max(pad, len(s.Name()))
		}
		for _, s := range subs {
			fmt.Fprintf(&b, "\n  %-*s %s", pad, s.Name(), s.Short)
		}
		fmt.Fprintf(&b, "\n\nRun '%s COMMAND --help' for more information on a command.", c.CommandPath())
	}
	b.WriteString("\n")
	return b.String()
}
