package swarmsimtest

import (
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/mesh"
	"github.com/swarmsim/swarmsim/node"
	"github.com/swarmsim/swarmsim/task"
)

// Snapshot is everything the invariants look at, as plain values: a
// cluster's nodes, services, tasks and routes at one virtual instant, plus
// the events since the previous check. Snap builds one from a cluster;
// tests build broken ones by hand to show that an invariant can fail.
type Snapshot struct {
	// Now is the cluster's virtual time.
	Now time.Time
	// Since and Seq bound Events: the events with Since < Seq <= Seq.
	Since, Seq uint64
	// Events are the trace events since the previous check, in order.
	Events []swarmsim.Event
	// Nodes are the swarm's nodes in join order.
	Nodes []*node.Node
	// Services are the services in creation order.
	Services []ServiceView
	// Tasks are every task in the store, in creation order.
	Tasks []swarmsim.TaskView
	// HistoryLimit is the swarm's task history retention limit.
	HistoryLimit int
	// Routes are what the routing mesh answered (see Snap).
	Routes []RouteSample
	// CutOff are the nodes whose heartbeats the managers do not hear (their
	// machine is dead, or a partition cuts them off): their agents run what
	// they last knew (Cluster.Heard).
	CutOff []string
	// Progress are samples of the services' updaters: one per service with
	// an updater at the snapshot, plus any the Machine took between checks.
	Progress []ProgressSample
}

// ServiceView is a service with what `docker service ls` and the updater
// say about it.
type ServiceView struct {
	swarmsim.Service
	Status    swarmsim.ServiceStatus
	Converged bool
}

// RouteSample is one connection through the routing mesh: entry node,
// published port, and what answered (Route) or why it was refused (Err).
type RouteSample struct {
	NodeID   string
	Port     uint32
	Protocol mesh.Protocol
	Route    swarmsim.Route
	Err      error
}

// ProgressSample is a service's updater progress just after event Seq.
type ProgressSample struct {
	Seq       uint64
	ServiceID string
	Progress  swarmsim.UpdateProgress
}

// PortKey is a published port: number and protocol.
type PortKey struct {
	Port     uint32
	Protocol mesh.Protocol
}

// Snap builds a snapshot of c with the events after seq since.
//
// For the mesh it resolves every published port (ingress and host) of
// every service on every node, as many times as the service has backends,
// so that every backend in each node's rotation is seen. Resolve moves the
// round-robin positions on; after a full turn they are usually back where
// they were, but a test that counts which task answers a probe should not
// interleave Snap with it. The extra ports are resolved too (Checker.Snap
// passes the ports of removed services, which must now be refused).
func Snap(c *swarmsim.Cluster, since uint64, extra ...PortKey) *Snapshot {
	s := &Snapshot{
		Now:          c.Now(),
		Since:        since,
		Seq:          c.LastSeq(),
		Events:       c.EventsSince(since),
		Nodes:        c.Nodes(),
		Tasks:        c.AllTasks(),
		HistoryLimit: c.TaskHistoryLimit(),
	}
	backends := map[string]int{}
	for i := range s.Tasks {
		t := &s.Tasks[i]
		if t.State() == task.Running && t.DesiredState <= task.Running {
			backends[t.ServiceID]++
		}
	}
	published := map[PortKey]bool{}
	var ports []PortKey
	var turns []int
	for _, sv := range c.Services() {
		v := ServiceView{Service: *sv}
		v.Status, _ = c.ServiceStatus(sv.ID)
		v.Converged, _ = c.Converged(sv.ID)
		if p, ok, _ := c.UpdateProgress(sv.ID); ok {
			s.Progress = append(s.Progress, ProgressSample{Seq: s.Seq, ServiceID: sv.ID, Progress: p})
		}
		s.Services = append(s.Services, v)
		for _, p := range sv.Endpoint {
			k := PortKey{p.PublishedPort, p.Protocol}
			if p.PublishedPort == 0 || published[k] {
				continue
			}
			published[k] = true
			ports = append(ports, k)
			turns = append(turns, max(1, backends[sv.ID]))
		}
	}
	for _, k := range extra {
		if !published[k] {
			published[k] = true
			ports = append(ports, k)
			turns = append(turns, 1)
		}
	}
	for _, n := range s.Nodes {
		if heard, _ := c.Heard(n.ID); !heard {
			s.CutOff = append(s.CutOff, n.ID)
		}
		for i, k := range ports {
			for range turns[i] {
				r, err := c.Resolve(n.ID, k.Port, k.Protocol)
				s.Routes = append(s.Routes, RouteSample{NodeID: n.ID, Port: k.Port, Protocol: k.Protocol, Route: r, Err: err})
			}
		}
	}
	return s
}

// Service returns the service named or with ID ref, or nil.
func (s *Snapshot) Service(ref string) *ServiceView {
	for i := range s.Services {
		if v := &s.Services[i]; v.ID == ref || v.Spec.Name == ref {
			return v
		}
	}
	return nil
}

// Node returns the node with ID or hostname ref, or nil.
func (s *Snapshot) Node(ref string) *node.Node {
	for _, n := range s.Nodes {
		if n.ID == ref || n.Description.Hostname == ref {
			return n
		}
	}
	return nil
}

// Task returns the task with ID id, or nil.
func (s *Snapshot) Task(id string) *swarmsim.TaskView {
	for i := range s.Tasks {
		if s.Tasks[i].ID == id {
			return &s.Tasks[i]
		}
	}
	return nil
}

// TasksOf returns the tasks of a service (by name or ID).
func (s *Snapshot) TasksOf(ref string) []swarmsim.TaskView {
	v := s.Service(ref)
	if v == nil {
		return nil
	}
	var out []swarmsim.TaskView
	for _, t := range s.Tasks {
		if t.ServiceID == v.ID {
			out = append(out, t)
		}
	}
	return out
}

// Running counts a service's tasks observed RUNNING now.
func (s *Snapshot) Running(ref string) int {
	n := 0
	for _, t := range s.TasksOf(ref) {
		if t.State() == task.Running {
			n++
		}
	}
	return n
}

// MinRunning is the fewest tasks of a service observed RUNNING at any
// moment since the previous check, and the event that brought it there (nil
// if it is the count now and no event changed it). It replays the
// snapshot's events backwards from the tasks' states now, so it sees dips
// that lasted less than one check interval.
func (s *Snapshot) MinRunning(ref string) (int, *swarmsim.Event) {
	v := s.Service(ref)
	if v == nil {
		return 0, nil
	}
	n := s.Running(ref)
	low, at := n, (*swarmsim.Event)(nil)
	running := task.Running.String()
	for i := len(s.Events) - 1; i >= 0; i-- {
		e := &s.Events[i]
		if e.Kind != swarmsim.EventTaskState || e.ServiceID != v.ID || (e.From == running) == (e.To == running) {
			continue
		}
		// n is the count just after e.
		if n <= low {
			low, at = n, e
		}
		if e.From == running {
			n++
		} else {
			n--
		}
	}
	if n < low { // the count before the first event
		low, at = n, nil
	}
	return low, at
}
