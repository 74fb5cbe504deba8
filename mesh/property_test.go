package mesh

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// Property (docs/swarm-behaviour.md, the routing mesh): under random sequences
// of AddBackend, RemoveBackend, SetNodeUp, Block, Unblock and Resolve, Resolve
// never returns a task that is not a current backend or that sits on a down
// node (a connection sent to one times out); an ingress port answers on an up
// entry node exactly when that node knows a backend, and over as many
// connections as it knows backends it visits each of them once (so a
// reachable backend always answers).
func TestPropertyRouting(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		nodes := []string{"n0", "n1", "n2", "n3"}
		type svcDef struct {
			id   string
			port PortConfig
			mode ResolutionMode
		}
		svcs := []svcDef{
			{"ing", ing(80, 8080), VIP},
			{"hst", hostPort(80, 9090), VIP},
			{"dns", PortConfig{Protocol: UDP, TargetPort: 53, PublishedPort: 53, PublishMode: Host}, DNSRR},
		}
		type taskDef struct{ svc, node string }
		tasks := map[string]taskDef{}
		var taskIDs []string
		for i := range 10 {
			id := fmt.Sprintf("t%d", i)
			tasks[id] = taskDef{
				svc:  svcs[rapid.IntRange(0, len(svcs)-1).Draw(rt, "svc"+id)].id,
				node: rapid.SampledFrom(nodes).Draw(rt, "node"+id),
			}
			taskIDs = append(taskIDs, id)
		}
		blockable := []PortConfig{
			{Protocol: UDP, PublishedPort: DataPathPort}, {Protocol: TCP, PublishedPort: GossipPort},
			{Protocol: UDP, PublishedPort: GossipPort}, {Protocol: TCP, PublishedPort: ClusterPort},
			{Protocol: TCP, PublishedPort: 8080}, {Protocol: TCP, PublishedPort: 9090},
		}

		m := New()
		for _, n := range nodes {
			m.AddNode(n)
		}
		for _, s := range svcs {
			m.SetService(s.id, s.id, s.mode, []PortConfig{s.port})
		}
		// The model.
		backends := map[string]bool{}
		var order []string // backend task IDs in order added
		up := map[string]bool{"n0": true, "n1": true, "n2": true, "n3": true}
		blocked := map[string]map[portKey]bool{}
		isBlocked := func(n string, port uint32, p Protocol) bool { return blocked[n][keyOf(port, p)] }
		gossipCut := func(n string) bool { return isBlocked(n, GossipPort, TCP) || isBlocked(n, GossipPort, UDP) }
		group := map[string]int{} // partition group; parted, settled as in Mesh
		parted, settled := false, false
		across := func(a, b string) bool { return parted && group[a] != group[b] }
		vxlanCut := func(n string) bool { return isBlocked(n, DataPathPort, UDP) }
		known := func(entry, svc string) []string { // backends entry knows, in order
			var out []string
			for _, id := range order {
				td := tasks[id]
				if td.svc == svc && (td.node == entry || !(gossipCut(entry) || gossipCut(td.node) || settled && across(entry, td.node))) {
					out = append(out, id)
				}
			}
			return out
		}
		pathOpen := func(entry, node string) bool {
			return entry == node || up[node] && !across(entry, node) && !(vxlanCut(entry) || vxlanCut(node))
		}

		// check verifies one Resolve answer and returns the task it names
		// (served or path-blocked), or "".
		check := func(entry string, port PortConfig, r Route, err error) string {
			if err != nil {
				var re *RefusedError
				if !errors.As(err, &re) {
					rt.Fatalf("untyped error %v", err)
				}
				if re.Reason == PathBlocked {
					td := tasks[re.TaskID]
					if !backends[re.TaskID] || !up[td.node] || across(entry, td.node) || pathOpen(entry, td.node) || !slices.Contains(known(entry, td.svc), re.TaskID) {
						rt.Fatalf("PathBlocked via %s from %s is wrong", re.TaskID, entry)
					}
					return re.TaskID
				}
				if re.Reason == TimedOut {
					td := tasks[re.TaskID]
					if !backends[re.TaskID] || up[td.node] && !across(entry, td.node) || !slices.Contains(known(entry, td.svc), re.TaskID) {
						rt.Fatalf("TimedOut via %s from %s is wrong", re.TaskID, entry)
					}
					return re.TaskID
				}
				return ""
			}
			td, ok := tasks[r.TaskID]
			if !ok || !backends[r.TaskID] {
				rt.Fatalf("Resolve returned %q, not a current backend", r.TaskID)
			}
			if !up[td.node] || td.node != r.NodeID || td.svc != r.ServiceID {
				rt.Fatalf("Resolve returned %+v; task is %+v, node up=%v", r, td, up[td.node])
			}
			if !up[entry] || isBlocked(entry, port.PublishedPort, port.Protocol) {
				rt.Fatalf("entry %s answered though down or blocked", entry)
			}
			if port.PublishMode == Host && td.node != entry {
				rt.Fatalf("host port answered by another node's task")
			}
			if port.PublishMode == Ingress && (!pathOpen(entry, td.node) || !slices.Contains(known(entry, td.svc), r.TaskID)) {
				rt.Fatalf("ingress routed %s -> %s across a blocked path", entry, td.node)
			}
			return r.TaskID
		}

		rt.Repeat(map[string]func(*rapid.T){
			"add": func(rt *rapid.T) {
				id := rapid.SampledFrom(taskIDs).Draw(rt, "task")
				if !backends[id] {
					backends[id] = true
					order = append(order, id)
				}
				m.AddBackend(tasks[id].svc, id, tasks[id].node)
			},
			"remove": func(rt *rapid.T) {
				id := rapid.SampledFrom(taskIDs).Draw(rt, "task")
				delete(backends, id)
				order = slices.DeleteFunc(order, func(x string) bool { return x == id })
				m.RemoveBackend(tasks[id].svc, id)
			},
			"updown": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "node")
				u := rapid.Bool().Draw(rt, "up")
				up[n] = u
				m.SetNodeUp(n, u)
			},
			"partition": func(rt *rapid.T) {
				var groups [][]string
				g := map[int][]string{}
				for _, n := range nodes {
					k := rapid.IntRange(0, 2).Draw(rt, "group-"+n)
					group[n] = k
					g[k] = append(g[k], n)
				}
				// group 0 is the nodes named in no group
				for k := 1; k <= 2; k++ {
					for len(groups) < k-1 {
						groups = append(groups, nil)
					}
					groups = append(groups, g[k])
				}
				parted, settled = true, false
				m.Partition(groups)
			},
			"settle": func(rt *rapid.T) {
				settled = parted
				m.SettlePartition()
			},
			"heal": func(rt *rapid.T) {
				parted, settled = false, false
				m.Heal()
			},
			"block": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "node")
				p := rapid.SampledFrom(blockable).Draw(rt, "port")
				if blocked[n] == nil {
					blocked[n] = map[portKey]bool{}
				}
				blocked[n][keyOf(p.PublishedPort, p.Protocol)] = true
				m.Block(n, p.PublishedPort, p.Protocol)
			},
			"unblock": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "node")
				p := rapid.SampledFrom(blockable).Draw(rt, "port")
				delete(blocked[n], keyOf(p.PublishedPort, p.Protocol))
				m.Unblock(n, p.PublishedPort, p.Protocol)
			},
			"resolve": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "entry")
				s := rapid.SampledFrom(svcs).Draw(rt, "svc")
				r, err := m.Resolve(n, s.port.PublishedPort, s.port.Protocol)
				check(n, s.port, r, err)
			},
			"rotation": func(rt *rapid.T) {
				n := rapid.SampledFrom(nodes).Draw(rt, "entry")
				p := svcs[0].port
				k := known(n, "ing")
				if !up[n] || isBlocked(n, p.PublishedPort, p.Protocol) || len(k) == 0 {
					if m.Listening(n, p.PublishedPort, p.Protocol) {
						rt.Fatalf("%s listens on 8080 while it knows no backend", n)
					}
					_, err := m.Resolve(n, p.PublishedPort, p.Protocol)
					if !errors.Is(err, ErrNoListener) {
						rt.Fatalf("%s: err = %v, want NoListener", n, err)
					}
					return
				}
				var seen []string
				ok := 0
				for range k {
					r, err := m.Resolve(n, p.PublishedPort, p.Protocol)
					if err == nil {
						ok++
					}
					seen = append(seen, check(n, p, r, err))
				}
				slices.Sort(seen)
				want := slices.Clone(k)
				slices.Sort(want)
				if !slices.Equal(want, seen) {
					rt.Fatalf("%s: one rotation visited %v, want each of %v once", n, seen, want)
				}
				reachable := false
				for _, id := range k {
					reachable = reachable || pathOpen(n, tasks[id].node)
				}
				if reachable && ok == 0 {
					rt.Fatalf("%s: a reachable backend exists but no connection succeeded", n)
				}
			},
		})
	})
}
