package swarmsim

import (
	"time"

	"github.com/swarmsim/swarmsim/internal/eventq"
	"github.com/swarmsim/swarmsim/mesh"
)

// Route is the task that answered a request through the routing mesh: the
// mesh's Route, with the task's and the node's names filled in.
type Route = mesh.Route

// Resolve answers "a client connects to node nodeRef on port/proto: which
// task answers?" at the current virtual time. Each entry node keeps its own
// round-robin position, so calling Resolve moves it on. A refused connection
// is a *mesh.RefusedError saying why.
func (c *Cluster) Resolve(nodeRef string, port uint32, proto mesh.Protocol) (Route, error) {
	c.lazyInit()
	ns, err := c.st.LookupNode(nodeRef)
	if err != nil {
		return Route{}, err
	}
	r, err := c.mesh.Resolve(ns.N.ID, port, proto)
	if err != nil {
		return Route{}, err
	}
	return c.route(r), nil
}

func (c *Cluster) route(r mesh.Route) Route {
	out := r
	if ts := c.st.LookupTask(r.TaskID); ts != nil {
		out.Task = ts.T.Name()
		out.Service = ts.T.ServiceName
	}
	if ns := c.st.NodeByID(r.NodeID); ns != nil {
		out.Node = ns.N.DisplayName()
	}
	return out
}

// BlockPort closes a port on a node's firewall, e.g. 4789/udp (the overlay's
// data path) or 7946/tcp and 7946/udp (gossip): requests entering that node
// can then reach only tasks on the node itself. See package mesh.
func (c *Cluster) BlockPort(nodeRef string, port uint32, proto mesh.Protocol) error {
	c.lazyInit()
	ns, err := c.st.LookupNode(nodeRef)
	if err != nil {
		return err
	}
	c.mesh.Block(ns.N.ID, port, proto)
	return nil
}

// UnblockPort opens a port BlockPort closed.
func (c *Cluster) UnblockPort(nodeRef string, port uint32, proto mesh.Protocol) error {
	c.lazyInit()
	ns, err := c.st.LookupNode(nodeRef)
	if err != nil {
		return err
	}
	c.mesh.Unblock(ns.N.ID, port, proto)
	return nil
}

// ProbeResult is what a traffic probe saw (mesh.ProbeResult).
type ProbeResult = mesh.ProbeResult

// TaskCount is how many requests one task answered.
type TaskCount = mesh.TaskCount

// ReasonCount is how many requests failed for one reason.
type ReasonCount = mesh.ReasonCount

type probeState struct {
	node  string
	port  uint32
	proto mesh.Protocol
	every int64
	end   int64
	tally mesh.Tally
}

// Probe sends requests to a node's published port every interval for span
// of virtual time, running the simulation meanwhile (an update, a drain, a
// node failure in progress go on, and faults queued with At fire), and
// reports how many were answered, refused and timed out. The first request
// goes out at once; the clock ends span later. It is StartProbe followed by
// RunFor(span).
func (c *Cluster) Probe(nodeRef string, port uint32, proto mesh.Protocol, every, span time.Duration) (ProbeResult, error) {
	run, err := c.StartProbe(nodeRef, port, proto, every, span)
	if err != nil {
		return ProbeResult{}, err
	}
	c.RunFor(span)
	res := run.Result()
	c.probes[run.idx] = nil
	return res, nil
}

// ProbeRun is traffic started by StartProbe: it goes on while anything runs
// the clock (RunFor, RunUntil, RunUntilConverged, Step, ...), until its span
// has passed.
type ProbeRun struct {
	c   *Cluster
	idx int32
	p   *probeState
}

// StartProbe starts sending requests to a node's published port every
// interval for span of virtual time, the first one now, and returns at
// once: the requests go out while the caller runs the simulation, so that
// one RunUntilConverged of an update with faults queued by At reports what
// the traffic lost meanwhile. Result reads the counts at any time.
func (c *Cluster) StartProbe(nodeRef string, port uint32, proto mesh.Protocol, every, span time.Duration) (*ProbeRun, error) {
	c.lazyInit()
	ns, err := c.st.LookupNode(nodeRef)
	if err != nil {
		return nil, err
	}
	if every <= 0 {
		return nil, daemonErr(KindInvalidArgument, "probe interval must be positive")
	}
	if span < 0 {
		return nil, daemonErr(KindInvalidArgument, "probe span must not be negative")
	}
	if n := span / every; n >= MaxProbeRequests {
		return nil, limitErr("a probe every %s for %s sends %d requests; the simulator's limit is %d", every, span, n+1, MaxProbeRequests)
	}
	p := &probeState{node: ns.N.ID, port: port, proto: proto, every: int64(every), end: c.runEnd(span)}
	c.probes = append(c.probes, p)
	idx := int32(len(c.probes) - 1)
	c.push(c.now, evProbe, idx, 0)
	return &ProbeRun{c: c, idx: idx, p: p}, nil
}

// Result is what the traffic saw so far.
func (r *ProbeRun) Result() ProbeResult {
	return r.p.tally.Result()
}

// Done reports whether the traffic's span has passed.
func (r *ProbeRun) Done() bool { return r.c.now >= r.p.end }

// refusalText is a refusal's text with its nodes named by hostname.
func (c *Cluster) refusalText(re *mesh.RefusedError) string {
	cp := *re
	if ns := c.st.NodeByID(cp.Node); ns != nil {
		cp.Node = ns.N.DisplayName()
	}
	if ns := c.st.NodeByID(cp.BackendNode); ns != nil {
		cp.BackendNode = ns.N.DisplayName()
	}
	if ts := c.st.LookupTask(cp.TaskID); ts != nil {
		cp.TaskID = ts.T.Name()
	}
	return cp.Error()
}

func (c *Cluster) probeFire(e eventq.Event) {
	p := c.probes[e.A]
	if p == nil || c.now >= p.end {
		return
	}
	r, err := c.mesh.Resolve(p.node, p.port, p.proto)
	if err != nil {
		rc := ReasonCount{Reason: err.Error()}
		if re, ok := err.(*mesh.RefusedError); ok {
			rc.Reason, rc.Kind, rc.Detail = c.refusalText(re), re.Reason, re.Detail
		}
		p.tally.Fail(rc)
	} else {
		p.tally.Answer(r.TaskID, func() string { return c.route(r).Task })
	}
	if next := addSat(c.now, time.Duration(p.every)); next < p.end {
		c.push(next, evProbe, e.A, 0)
	}
}
