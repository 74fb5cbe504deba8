package mesh

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// FormatIngressPorts renders the PORTS column of `docker service ls` for a
// service's actual ports (docker/cli cli/command/service/formatter.go:
// serviceContext.Ports). Only ingress ports appear. They are sorted by
// protocol string ("sctp" < "tcp" < "udp"), then published port, and
// consecutive runs collapse into ranges: 80->80, 81->81 gives
// `*:80-81->80-81/tcp`; 80->80, 81->80 gives `*:80-81->80/tcp`; 80->80,
// 81->81, 82->80 gives `*:80-81->80-81/tcp, *:82->80/tcp`. Entries are joined
// with ", ". The CLI's unsigned-arithmetic quirks are kept.
func FormatIngressPorts(ports []PortConfig) string {
	if len(ports) == 0 {
		return ""
	}
	sorted := slices.Clone(ports)
	slices.SortStableFunc(sorted, func(a, b PortConfig) int {
		if a.Protocol == b.Protocol {
			return cmp.Compare(a.PublishedPort, b.PublishedPort)
		}
		return strings.Compare(a.Protocol.String(), b.Protocol.String())
	})

	type portRange struct {
		pStart, pEnd, tStart, tEnd uint32
		proto                      string
	}
	str := func(pr portRange) string {
		pub := strconv.FormatUint(uint64(pr.pStart), 10)
		if pr.pEnd > pr.pStart {
			pub += "-" + strconv.FormatUint(uint64(pr.pEnd), 10)
		}
		tgt := strconv.FormatUint(uint64(pr.tStart), 10)
		if pr.tEnd > pr.tStart {
			tgt += "-" + strconv.FormatUint(uint64(pr.tEnd), 10)
		}
		return "*:" + pub + "->" + tgt + "/" + pr.proto
	}

	var out []string
	var pr portRange // proto "" until the first port, as in the CLI
	for _, p := range sorted {
		if p.PublishMode != Ingress {
			continue
		}
		proto := p.Protocol.String()
		prIsRange := pr.tEnd != pr.tStart
		tOverlaps := p.TargetPort <= pr.tEnd
		if proto != pr.proto || p.PublishedPort-pr.pEnd > 1 || p.TargetPort-pr.tEnd > 1 || prIsRange && tOverlaps {
			if pr.pStart > 0 {
				out = append(out, str(pr))
			}
			pr = portRange{p.PublishedPort, p.PublishedPort, p.TargetPort, p.TargetPort, proto}
			continue
		}
		pr.pEnd = p.PublishedPort
		pr.tEnd = p.TargetPort
	}
	if pr.pStart > 0 {
		out = append(out, str(pr))
	}
	return strings.Join(out, ", ")
}

// FormatHostPorts renders the PORTS column of `docker service ps` for a task's
// ports (docker/cli cli/command/task/formatter.go: taskContext.Ports): its host-mode
// ports, in the given order, as `*:<published>-><target>/<proto>` joined with
// "," and no space. Ingress ports never appear there.
func FormatHostPorts(ports []PortConfig) string {
	var sb strings.Builder
	for _, p := range ports {
		if p.PublishMode != Host {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("*:")
		sb.WriteString(strconv.FormatUint(uint64(p.PublishedPort), 10))
		sb.WriteString("->")
		sb.WriteString(strconv.FormatUint(uint64(p.TargetPort), 10))
		sb.WriteByte('/')
		sb.WriteString(p.Protocol.String())
	}
	return sb.String()
}
