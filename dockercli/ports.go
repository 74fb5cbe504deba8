package dockercli

import (
	"encoding/csv"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/go-connections/nat"
	"github.com/swarmsim/swarmsim/mesh"
)

var longPortSyntax = regexp.MustCompile(`\w+=\w+(,\w+=\w+)*`)

// ParsePortSpec reads one --publish value the way docker/cli's PortOpt does
// (opts/swarmopts/port.go: PortOpt.Set): long syntax
// (`published=8080,target=80,protocol=udp,mode=host`) when the value
// contains a key=value pair, otherwise short syntax `[published:]target[/proto]`
// (ranges allowed) through go-connections' nat.ParsePortSpecs. The errors are
// Docker's texts. Short-syntax ranges expand in target, then published,
// order.
func ParsePortSpec(value string) ([]mesh.PortConfig, error) {
	if longPortSyntax.MatchString(value) {
		return parseLongPort(value)
	}
	return parseShortPort(value)
}

func parseLongPort(value string) ([]mesh.PortConfig, error) {
	fields, err := csv.NewReader(strings.NewReader(value)).Read()
	if err != nil {
		return nil, err
	}
	p := mesh.PortConfig{Protocol: mesh.TCP, PublishMode: mesh.Ingress}
	for _, field := range fields {
		key, val, ok := strings.Cut(strings.ToLower(field), "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("invalid field: %s", field)
		}
		switch key {
		case "protocol":
			switch val {
			case "tcp":
				p.Protocol = mesh.TCP
			case "udp":
				p.Protocol = mesh.UDP
			case "sctp":
				p.Protocol = mesh.SCTP
			default:
				return nil, fmt.Errorf("invalid protocol value '%s'", val)
			}
		case "mode":
			switch val {
			case "ingress":
				p.PublishMode = mesh.Ingress
			case "host":
				p.PublishMode = mesh.Host
			default:
				return nil, fmt.Errorf("invalid publish mode value (%s): must be either 'ingress' or 'host'", val)
			}
		case "target", "published":
			n, err := strconv.ParseUint(val, 10, 16)
			if err != nil {
				var numErr *strconv.NumError
				if errors.As(err, &numErr) {
					err = numErr.Err
				}
				return nil, fmt.Errorf("invalid %s port (%s): value must be an integer: %w", key, val, err)
			}
			if key == "target" {
				p.TargetPort = uint32(n)
			} else {
				p.PublishedPort = uint32(n)
			}
		default:
			return nil, fmt.Errorf("invalid field key: %s", key)
		}
	}
	if p.TargetPort == 0 {
		return nil, errors.New("missing mandatory field 'target'")
	}
	return []mesh.PortConfig{p}, nil
}

func parseShortPort(value string) ([]mesh.PortConfig, error) {
	ports, bindings, err := nat.ParsePortSpecs([]string{value})
	if err != nil {
		return nil, err
	}
	keys := make([]nat.Port, 0, len(ports))
	for p := range ports {
		keys = append(keys, p)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Int() != keys[j].Int() {
			return keys[i].Int() < keys[j].Int()
		}
		return keys[i].Proto() < keys[j].Proto()
	})
	for _, k := range keys {
		for _, b := range bindings[k] {
			if b.HostIP != "" {
				return nil, errors.New("hostip is not supported")
			}
		}
	}
	var out []mesh.PortConfig
	for _, k := range keys {
		proto, err := mesh.ParseProtocol(k.Proto())
		if err != nil {
			return nil, fmt.Errorf("invalid proto: %s", k.Proto())
		}
		for _, b := range bindings[k] {
			start, end := uint64(0), uint64(0)
			if b.HostPort != "" {
				s, e, err := nat.ParsePortRange(b.HostPort)
				if err != nil {
					return nil, fmt.Errorf("invalid hostport binding (%s) for port (%d)", b.HostPort, k.Int())
				}
				start, end = s, e
			}
			for pp := start; pp <= end; pp++ {
				out = append(out, mesh.PortConfig{Protocol: proto, TargetPort: uint32(k.Int()), PublishedPort: uint32(pp), PublishMode: mesh.Ingress})
				if pp == 65535 {
					break
				}
			}
		}
	}
	return out, nil
}

// portOptValue is a pflag.Value collecting --publish values.
type portOptValue struct{ ports []mesh.PortConfig }

func (p *portOptValue) Set(v string) error {
	ps, err := ParsePortSpec(v)
	if err != nil {
		return err
	}
	p.ports = append(p.ports, ps...)
	return nil
}

func (p *portOptValue) Type() string { return "port" }

func (p *portOptValue) String() string {
	s := make([]string, 0, len(p.ports))
	for _, x := range p.ports {
		s = append(s, x.String())
	}
	return strings.Join(s, ", ")
}
