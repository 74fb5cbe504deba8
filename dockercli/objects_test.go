package dockercli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/mesh"
)

// objSession runs commands on one session and keeps everything printed.
type objSession struct {
	t   *testing.T
	s   *Session
	all strings.Builder
}

func (o *objSession) run(line string) (string, int) {
	o.t.Helper()
	var out, errOut bytes.Buffer
	code := o.s.Exec(line, &out, &errOut)
	o.all.WriteString(out.String() + errOut.String())
	return out.String() + errOut.String(), code
}

func (o *objSession) want(line, want string) {
	o.t.Helper()
	if got, _ := o.run(line); got != want {
		o.t.Errorf("%s:\n got %q\nwant %q", line, got, want)
	}
}

// Services attached to networks (through the library, until the service
// flags land): `docker service inspect` shows the network IDs in
// Spec.TaskTemplate.Networks and one VIP per network in Endpoint.VirtualIPs
// (the ingress network first, after the three nodes' ingress addresses);
// `docker network rm` of a network in use gets SwarmKit's error
// (manager/controlapi/network.go RemoveNetwork).
func TestServiceNetworksCLI(t *testing.T) {
	o := &objSession{t: t, s: NewSession(1)}
	id, _ := o.run("docker network create -d overlay backend")
	id = strings.TrimSpace(id)
	cl := o.s.Cluster()
	svc, err := cl.CreateService(swarmsim.ServiceSpec{Name: "web", Replicas: 1,
		TaskTemplate: swarmsim.TaskSpec{Image: "nginx", Networks: []swarmsim.NetworkAttachment{{Target: "backend"}}},
		Endpoint:     mesh.EndpointSpec{Ports: []mesh.PortConfig{{TargetPort: 80, PublishedPort: 8080}}}})
	if err != nil {
		t.Fatal(err)
	}
	ingress := cl.Networks()[0].ID
	o.run("docker network create -d overlay spare")
	o.want("docker network ls --filter dangling=true --format '{{.Name}}'", "spare\n")
	o.want("docker network ls --filter dangling=false --filter scope=swarm --format '{{.Name}}'", "backend\ningress\n")
	o.want("docker network ls --filter dangling=maybe", "Error response from daemon: invalid filter 'dangling=maybe'\n")
	o.run("docker network rm spare")
	o.want("docker service inspect --format '{{json .Spec.TaskTemplate.Networks}}' web", `[{"Target":"`+id+`"}]`+"\n")
	o.want("docker service inspect --format '{{json .Endpoint.VirtualIPs}}' web",
		`[{"NetworkID":"`+ingress+`","Addr":"10.0.0.5/24"},{"NetworkID":"`+id+`","Addr":"10.0.1.2/24"}]`+"\n")
	if got, _ := o.run("docker service inspect --pretty web"); !strings.Contains(got, "\nNetworks: backend \nEndpoint Mode:\tvip\n") {
		t.Errorf("service inspect --pretty: no Networks line:\n%s", got)
	}
	o.want("docker network rm backend",
		"Error response from daemon: rpc error: code = FailedPrecondition desc = network "+id+" is in use by service "+svc.ID+"\n")
	// ingress: the prompt is answered from Stdin; a service publishing a
	// port keeps it
	o.s.Stdin = strings.NewReader("y\n")
	o.want("docker network rm ingress", ingressWarning+" [y/N] \n"+
		"Error response from daemon: rpc error: code = FailedPrecondition desc = ingress network cannot be removed because service "+svc.ID+" depends on it\n")
	o.run("docker service rm web")
	o.s.Stdin = strings.NewReader("n\ny\n")
	o.want("docker network rm ingress", ingressWarning+" [y/N] \n")
	o.want("docker network rm ingress backend", ingressWarning+" [y/N] \ningress\nbackend\n")
	o.want("docker network ls --filter driver=overlay -q", "")

	// The daemon refuses local networks other than the predefined ones
	// (daemon/cluster/networks.go populateNetworkID).
	o.run("docker network create mybridge")
	spec := swarmsim.ServiceSpec{Name: "x", Replicas: 1, TaskTemplate: swarmsim.TaskSpec{Image: "x",
		Networks: []swarmsim.NetworkAttachment{{Target: "mybridge"}}}}
	err = o.s.serviceObjects(&spec)
	if want := "Error response from daemon: The network mybridge cannot be used with services. Only networks scoped to the swarm can be used, such as those created with the overlay driver."; err == nil || err.Error() != want {
		t.Errorf("service on mybridge: %v, want %q", err, want)
	}
}

// Secrets through the CLI: created from Stdin, shown by reference in
// `docker service inspect`, never by content; removal of one in use gets
// SwarmKit's error (controlapi/secret.go RemoveSecret); docker/cli resolves
// names client-side (cli/command/service/parse.go ParseSecrets); rotating
// the secret replaces the tasks.
func TestServiceSecretsCLI(t *testing.T) {
	o := &objSession{t: t, s: NewSession(1)}
	o.s.Stdin = strings.NewReader("s3cret-v1")
	v1, _ := o.run("docker secret create pw_v1 -")
	o.s.Stdin = strings.NewReader("s3cret-v2")
	o.run("docker secret create pw_v2 -")
	o.s.Stdin = strings.NewReader("log_level=debug")
	o.run("docker config create app.ini -")
	cl := o.s.Cluster()
	spec := swarmsim.ServiceSpec{Name: "app", Replicas: 2, TaskTemplate: swarmsim.TaskSpec{Image: "app",
		Secrets: []swarmsim.SecretReference{{SecretName: "pw_v1", File: swarmsim.FileTarget{Name: "pw"}}},
		Configs: []swarmsim.ConfigReference{{ConfigName: "app.ini", File: swarmsim.FileTarget{Name: "/etc/app.ini"}}}}}
	if err := o.s.serviceObjects(&spec); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateService(spec); err != nil {
		t.Fatal(err)
	}
	cl.RunFor(time.Minute)
	o.want("docker service inspect --format '{{json .Spec.TaskTemplate.ContainerSpec.Secrets}}' app",
		`[{"File":{"Name":"pw","UID":"0","GID":"0","Mode":292},"SecretID":"`+strings.TrimSpace(v1)+`","SecretName":"pw_v1"}]`+"\n")
	o.want("docker service inspect --format '{{range .Spec.TaskTemplate.ContainerSpec.Configs}}{{.ConfigName}} {{.File.Name}} {{.File.Mode}}{{end}}' app",
		"app.ini /etc/app.ini -r--r--r--\n")
	if got, _ := o.run("docker service inspect --pretty app"); !strings.Contains(got, "\nConfigs:\n Target:\t/etc/app.ini\n  Source:\tapp.ini\nSecrets:\n Target:\tpw\n  Source:\tpw_v1\n") {
		t.Errorf("service inspect --pretty: no Configs and Secrets blocks:\n%s", got)
	}
	o.want("docker secret rm pw_v1",
		"Error response from daemon: rpc error: code = InvalidArgument desc = secret 'pw_v1' is in use by the following service: app\n")
	o.want("docker config rm app.ini",
		"Error response from daemon: rpc error: code = InvalidArgument desc = config 'app.ini' is in use by the following service: app\n")

	for _, tc := range []struct {
		refs []swarmsim.SecretReference
		want string
	}{
		{[]swarmsim.SecretReference{{SecretName: "nope"}}, "secret not found: nope"},
		{[]swarmsim.SecretReference{{SecretName: "pw_v1", File: swarmsim.FileTarget{Name: "a"}}, {SecretName: "pw_v2", File: swarmsim.FileTarget{Name: "a"}}},
			"duplicate secret target for pw_v2 not allowed"},
	} {
		sp := spec.Clone()
		sp.TaskTemplate.Secrets = tc.refs
		if err := o.s.serviceObjects(&sp); err == nil || err.Error() != tc.want {
			t.Errorf("refs %+v: %v, want %q", tc.refs, err, tc.want)
		}
	}

	// --secret-rm pw_v1 --secret-add source=pw_v2,target=pw
	svc, _ := cl.Service("app")
	upd := svc.Spec.Clone()
	upd.TaskTemplate.Secrets = []swarmsim.SecretReference{{SecretName: "pw_v2", File: swarmsim.FileTarget{Name: "pw"}}}
	if err := o.s.serviceObjects(&upd); err != nil {
		t.Fatal(err)
	}
	if err := cl.UpdateService("app", upd); err != nil {
		t.Fatal(err)
	}
	cl.RunFor(time.Minute)
	ps, _ := o.run("docker service ps app --format '{{.Name}} {{.DesiredState}}'")
	if strings.Count(ps, "Shutdown") != 2 || strings.Count(ps, "Running") != 2 {
		t.Errorf("after the rotation, want 2 running and 2 shut down tasks:\n%s", ps)
	}
	o.want("docker secret rm pw_v1", "pw_v1\n")
	o.run("docker secret ls")
	o.run("docker secret inspect pw_v2")
	o.run("docker secret inspect --pretty pw_v2")
	o.run("docker service inspect app")
	if strings.Contains(o.all.String(), "s3cret") {
		t.Errorf("a secret's data was printed:\n%s", o.all.String())
	}
}
