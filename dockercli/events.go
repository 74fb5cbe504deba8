package dockercli

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/spf13/cobra"

	"github.com/swarmsim/swarmsim"
)

// Events is `docker events`: the swarm-scope events of services and nodes
// (moby's daemon/events.go: logServiceEvent, logNodeEvent), read from the
// cluster's trace. Docker streams events until --until; the simulator
// prints those up to --until or the current virtual time and returns.
type Events struct {
	Since, Until string
	Filters      []string
	Format       string
}

func (Events) commandName() string { return "docker events" }

func eventsCmd(res *result) *cobra.Command {
	var e Events
	c := leaf("events [OPTIONS]", "Get real time events from the server", noArgs, func(_ *cobra.Command, _ []string) error {
		res.cmd = e
		return nil
	})
	fs := c.Flags()
	fs.VarP(filterValue{&e.Filters}, "filter", "f", "Filter output based on conditions provided")
	fs.StringVar(&e.Format, "format", "", inspectFormatHelp)
	fs.StringVar(&e.Since, "since", "", "Show all events created since timestamp")
	fs.StringVar(&e.Until, "until", "", "Stream events until this timestamp")
	return c
}

// eventTime reads a --since/--until value as docker/cli's
// timetypes.GetTimestamp does: Unix seconds, a duration before now (10m),
// or an RFC 3339 time or date.
func eventTime(flag, v string, now time.Time) (time.Time, error) {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	// the client's error (moby's client/utils.go via timetypes)
	return time.Time{}, fmt.Errorf(`invalid value for "%s": failed to parse value as time or duration: %q`, flag, v)
}

// swarmEvent turns a trace event into Docker's event, or false for the
// kinds Docker does not publish (tasks, requests).
func swarmEvent(ev swarmsim.Event) (events.Message, bool) {
	m := events.Message{Scope: "swarm", Time: ev.Time.Unix(), TimeNano: ev.Time.UnixNano()}
	attr := map[string]string{}
	switch ev.Kind {
	case swarmsim.EventServiceCreated, swarmsim.EventServiceUpdated, swarmsim.EventServiceRemoved, swarmsim.EventUpdateStatus:
		m.Type = events.ServiceEventType
		m.Actor.ID = ev.ServiceID
		attr["name"] = ev.Service
		switch ev.Kind {
		case swarmsim.EventServiceCreated:
			m.Action = events.ActionCreate
		case swarmsim.EventServiceRemoved:
			m.Action = events.ActionRemove
		default:
			m.Action = events.ActionUpdate
		}
		if ev.Kind == swarmsim.EventUpdateStatus {
			if ev.From != "" {
				attr["updatestate.old"] = ev.From
			}
			attr["updatestate.new"] = ev.To
		}
	case swarmsim.EventNodeAdded, swarmsim.EventNodeUpdated, swarmsim.EventNodeAvailability, swarmsim.EventNodeState, swarmsim.EventNodeRemoved:
		m.Type = events.NodeEventType
		m.Actor.ID = ev.NodeID
		attr["name"] = ev.Node
		switch ev.Kind {
		case swarmsim.EventNodeAdded:
			m.Action = events.ActionCreate
		case swarmsim.EventNodeRemoved:
			m.Action = events.ActionRemove
		default:
			m.Action = events.ActionUpdate
		}
		switch ev.Kind {
		case swarmsim.EventNodeAvailability:
			attr["availability.old"], attr["availability.new"] = ev.From, ev.To
		case swarmsim.EventNodeState:
			attr["state.old"], attr["state.new"] = ev.From, ev.To
		}
	default:
		return m, false
	}
	m.Actor.Attributes = attr
	return m, true
}

// eventFilter is `docker events --filter` for swarm events (moby's
// daemon/events/filter.go).
func eventFilter(values []string) (func(events.Message) bool, error) {
	f := map[string][]string{}
	for _, v := range values {
		k, val, _ := strings.Cut(v, "=")
		switch k {
		case "type", "scope", "event", "service", "node", "label", "container", "image", "network", "volume", "plugin", "daemon", "config", "secret":
		default:
			return nil, fmt.Errorf("Error response from daemon: invalid filter '%s'", k)
		}
		f[k] = append(f[k], val)
	}
	match := func(k string, ok func(string) bool) bool {
		vs, set := f[k]
		return !set || slices.ContainsFunc(vs, ok)
	}
	actor := func(m events.Message) func(string) bool {
		return func(v string) bool { return v == m.Actor.ID || v == m.Actor.Attributes["name"] }
	}
	return func(m events.Message) bool {
		for _, k := range []string{"container", "image", "network", "volume", "plugin", "daemon", "config", "secret", "label"} {
			if _, set := f[k]; set {
				return false
			}
		}
		return match("type", func(v string) bool { return v == string(m.Type) }) &&
			match("scope", func(v string) bool { return v == m.Scope }) &&
			match("event", func(v string) bool { return v == string(m.Action) }) &&
			(m.Type != events.ServiceEventType || match("service", actor(m))) &&
			(m.Type != events.NodeEventType || match("node", actor(m))) &&
			(m.Type == events.ServiceEventType || f["service"] == nil) &&
			(m.Type == events.NodeEventType || f["node"] == nil)
	}, nil
}

func (s *Session) events(c Events, stdout io.Writer) error {
	cl := s.swarm()
	if n := s.selfNode(); n == nil || n.ManagerStatus == nil {
		return nil // swarm events reach managers only
	}
	now := cl.Now()
	since, until := time.Time{}, now
	var err error
	if c.Since != "" {
		if since, err = eventTime("since", c.Since, now); err != nil {
			return err
		}
	}
	if c.Until != "" {
		if until, err = eventTime("until", c.Until, now); err != nil {
			return err
		}
	}
	match, err := eventFilter(c.Filters)
	if err != nil {
		return err
	}
	var tmpl *boundedTemplate
	if c.Format != "" {
		f := c.Format
		if f == "json" {
			f = "{{json .}}"
		}
		if tmpl, err = parseTemplate(f); err != nil {
			return &CLIError{Msg: "template parsing error: " + err.Error(), Code: 64}
		}
	}
	for _, ev := range cl.Events() {
		if ev.Time.Before(since) || ev.Time.After(until) {
			continue
		}
		m, ok := swarmEvent(ev)
		if !ok || !match(m) {
			continue
		}
		if tmpl != nil {
			if err := tmpl.Execute(stdout, m); err != nil {
				return err
			}
			io.WriteString(stdout, "\n")
			continue
		}
		printEvent(stdout, m)
	}
	return nil
}

// printEvent is docker/cli's prettyPrintEvent (cli/command/system/events.go).
func printEvent(w io.Writer, m events.Message) {
	fmt.Fprintf(w, "%s %s %s %s", time.Unix(0, m.TimeNano).UTC().Format("2006-01-02T15:04:05.000000000Z07:00"), m.Type, m.Action, m.Actor.ID)
	if len(m.Actor.Attributes) > 0 {
		var kv []string
		for _, k := range sortedKeys(m.Actor.Attributes) {
			kv = append(kv, k+"="+m.Actor.Attributes[k])
		}
		fmt.Fprintf(w, " (%s)", strings.Join(kv, ", "))
	}
	fmt.Fprint(w, "\n")
}
