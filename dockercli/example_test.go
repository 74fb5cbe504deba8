package dockercli_test

import (
	"os"
	"strings"

	"github.com/swarmsim/swarmsim/dockercli"
)

func ExampleRunScript() {
	script := `
# a docker command first: the swarm is the seed's (manager, worker1, worker2)
$ docker service create --detach --name web --replicas 2 -p 8080:80 nginx
$ sleep 5s
$ docker service ls --format '{{.Name}} {{.Replicas}} {{.Ports}}'
$ docker node ls --format '{{.Hostname}}:{{.ManagerStatus}}'
$ docker service scale web=x
`
	_ = dockercli.RunScript(strings.NewReader(script), os.Stdout, dockercli.ScriptOptions{Seed: 1})
	// Output:
	// $ docker service create --detach --name web --replicas 2 -p 8080:80 nginx
	// 9eq8md9lmzjav6nzco3smy03p
	// $ sleep 5s
	// $ docker service ls --format '{{.Name}} {{.Replicas}} {{.Ports}}'
	// web 2/2 *:8080->80/tcp
	// $ docker node ls --format '{{.Hostname}}:{{.ManagerStatus}}'
	// manager:Leader
	// worker1:
	// worker2:
	// $ docker service scale web=x
	// web: invalid replicas value x: strconv.ParseUint: parsing "x": invalid syntax
}
