package scheduler

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/swarmsim/swarmsim/node"
)

// Constraint keys with a prefix (SwarmKit's manager/constraint/constraint.go:
// NodeMatches). The prefix is compared
// case-insensitively; the label key after it is case-sensitive.
const (
	NodeLabelPrefix   = "node.labels."
	EngineLabelPrefix = "engine.labels."
)

// The key and value grammar of SwarmKit's manager/constraint package
// (constraint.go: Parse, with its alphaNumeric and valuePattern): a key needs
// at least two characters, and a value may not contain operator characters
// such as '<', '>', '=' or '~'.
var (
	constraintKeyPattern   = regexp.MustCompile(`^(?i)[a-z_][a-z0-9\-_.]+$`)
	constraintValuePattern = regexp.MustCompile(`^(?i)[a-z0-9:\-_\s\.\*\(\)\?\+\[\]\\\^\$\|\/]+$`)
)

// Operator is a constraint's comparison.
type Operator uint8

// The two operators, in the order the parser searches for them: "==" first,
// then "!=".
const (
	OpEqual    Operator = 0 // ==
	OpNotEqual Operator = 1 // !=
)

func (o Operator) String() string {
	if o == OpNotEqual {
		return "!="
	}
	return "=="
}

// errNoOperator is SwarmKit's text when an expression has neither operator.
var errNoOperator = errors.New("constraint expected one operator from ==, !=")

// Constraint is one parsed placement constraint, "key OP value", as in
// SwarmKit's manager/constraint.
type Constraint struct {
	key string
	op  Operator
	exp string
}

// Key returns the constraint's key as written (trimmed), e.g. "node.labels.zone".
func (c Constraint) Key() string { return c.key }

// Operator returns the constraint's operator.
func (c Constraint) Operator() Operator { return c.op }

// Value returns the constraint's value as written (trimmed).
func (c Constraint) Value() string { return c.exp }

// String renders the constraint as "key==value" or "key!=value".
func (c Constraint) String() string { return c.key + c.op.String() + c.exp }

// ParseConstraints parses placement constraints (SwarmKit's
// manager/constraint/constraint.go: Parse). Each
// expression is split at the first "==" if it has one, else at the first
// "!="; key and value are trimmed and checked against SwarmKit's patterns.
// The errors are SwarmKit's: `constraint expected one operator from ==, !=`,
// `key '<k>' is invalid` and `value '<v>' is invalid`. The result is empty,
// not nil, for no expressions.
func ParseConstraints(exprs []string) ([]Constraint, error) {
	out := make([]Constraint, 0, len(exprs))
	for _, e := range exprs {
		var (
			op    Operator
			parts []string
		)
		switch {
		case strings.Contains(e, "=="):
			op, parts = OpEqual, strings.SplitN(e, "==", 2)
		case strings.Contains(e, "!="):
			op, parts = OpNotEqual, strings.SplitN(e, "!=", 2)
		default:
			return nil, errNoOperator
		}
		key := strings.TrimSpace(parts[0])
		if !constraintKeyPattern.MatchString(key) {
			return nil, fmt.Errorf("key '%s' is invalid", key)
		}
		val := strings.TrimSpace(parts[1])
		if !constraintValuePattern.MatchString(val) {
			return nil, fmt.Errorf("value '%s' is invalid", val)
		}
		out = append(out, Constraint{key: key, op: op, exp: val})
	}
	return out, nil
}

// matchString is SwarmKit's Constraint.Match: a whole-string,
// case-insensitive comparison; "!=" is the negation of "==". No glob or
// regular-expression matching happens.
func (c Constraint) matchString(what string) bool {
	eq := strings.EqualFold(c.exp, what)
	if c.op == OpEqual {
		return eq
	}
	return !eq
}

// hasPrefixFold reports whether s is longer than prefix and starts with it,
// case-insensitively (SwarmKit's test for label keys: the key must name a
// label after the prefix).
func hasPrefixFold(s, prefix string) bool {
	return len(s) > len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Match reports whether node n satisfies the constraint (constraint.go:
// NodeMatches and Constraint.Match):
//
//	node.id             the node ID
//	node.hostname       the engine-reported hostname (not the spec name)
//	node.role           the observed role ("worker"/"manager", any case)
//	node.platform.os    the reported OS
//	node.platform.arch  the reported architecture, raw (x86_64 != amd64)
//	node.labels.<k>     the node spec label k (k case-sensitive; missing = "")
//	engine.labels.<k>   the engine label k (missing = "")
//	node.ip             Status.Addr against a single IP or a CIDR; a malformed
//	                    value never matches, for either operator
//
// Keys are case-insensitive. Any other key never matches, for "==" or "!=".
// A nil node matches nothing.
func (c Constraint) Match(n *node.Node) bool {
	if n == nil {
		return false
	}
	k := c.key
	switch {
	case strings.EqualFold(k, "node.id"):
		return c.matchString(n.ID)
	case strings.EqualFold(k, "node.hostname"):
		return c.matchString(n.Description.Hostname)
	case strings.EqualFold(k, "node.ip"):
		nodeIP := net.ParseIP(n.Status.Addr)
		if ip := net.ParseIP(c.exp); ip != nil {
			return ip.Equal(nodeIP) == (c.op == OpEqual)
		}
		if _, subnet, err := net.ParseCIDR(c.exp); err == nil {
			return subnet.Contains(nodeIP) == (c.op == OpEqual)
		}
		return false
	case strings.EqualFold(k, "node.role"):
		return c.matchString(n.Role.String())
	case strings.EqualFold(k, "node.platform.os"):
		return c.matchString(n.Description.Platform.OS)
	case strings.EqualFold(k, "node.platform.arch"):
		return c.matchString(n.Description.Platform.Architecture)
	case hasPrefixFold(k, NodeLabelPrefix):
		return c.matchString(n.Spec.Labels[k[len(NodeLabelPrefix):]])
	case hasPrefixFold(k, EngineLabelPrefix):
		return c.matchString(n.Description.EngineLabels[k[len(EngineLabelPrefix):]])
	}
	return false
}

// MatchAll reports whether n satisfies every constraint (they are ANDed).
// An empty list matches every node.
func MatchAll(cs []Constraint, n *node.Node) bool {
	for _, c := range cs {
		if !c.Match(n) {
			return false
		}
	}
	return true
}

// Preference is one placement preference. Only SwarmKit's "spread" strategy
// exists; Spread is its descriptor, e.g. "node.labels.zone".
type Preference struct{ Spread string }

// ParsePreference parses a --placement-pref value as the docker CLI does:
// "spread=<descriptor>". The value is split at every "="; it must give
// exactly two fields, else `placement preference must be of the format
// "<strategy>=<arg>"`; the strategy must be exactly "spread", else
// `unsupported placement preference <strategy> (only spread is supported)`
// (docker/cli cli/command/service/opts.go: placementPrefOpts.Set). The
// descriptor itself is not checked: the scheduler
// ignores descriptors it does not understand.
func ParsePreference(s string) (Preference, error) {
	fields := strings.Split(s, "=")
	if len(fields) != 2 {
		return Preference{}, errors.New(`placement preference must be of the format "<strategy>=<arg>"`)
	}
	if fields[0] != "spread" {
		return Preference{}, fmt.Errorf("unsupported placement preference %s (only spread is supported)", fields[0])
	}
	return Preference{Spread: fields[1]}, nil
}

// spreadLabel returns how a spread descriptor reads a node: from its spec
// labels (node.labels.<k>) or its engine labels (engine.labels.<k>), with
// the prefix compared case-insensitively. ok is false for any other
// descriptor, which the decision tree ignores (SwarmKit's
// manager/scheduler/nodeset.go: nodeSet.tree).
func spreadLabel(descriptor string) (engine bool, key string, ok bool) {
	switch {
	case hasPrefixFold(descriptor, NodeLabelPrefix):
		return false, descriptor[len(NodeLabelPrefix):], true
	case hasPrefixFold(descriptor, EngineLabelPrefix):
		return true, descriptor[len(EngineLabelPrefix):], true
	}
	return false, "", false
}
