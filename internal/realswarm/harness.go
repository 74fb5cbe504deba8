package realswarm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// SeedNodes are the hostnames of the seed's swarm: a manager and two workers.
var SeedNodes = []string{"manager", "worker1", "worker2"}

// Options configure Start.
type Options struct {
	// Nodes are the hostnames to start; the first is the manager (the
	// leader), the others join as workers. Empty means SeedNodes.
	Nodes []string
	// Log receives progress lines (daemon started, swarm formed); nil
	// discards them.
	Log func(format string, args ...any)
}

// Daemon is one node of the real swarm: a dockerd in a network namespace of
// its own.
type Daemon struct {
	Name string
	// Addr is the node's address on the harness's bridge.
	Addr string
	// Socket is the daemon's unix socket.
	Socket string
	dir    string
	netns  string
	cmd    *exec.Cmd
	done   chan struct{}
	logf   *os.File
	index  int
}

// Swarm is a real Docker Swarm started by Start: its daemons, namespaces and
// temporary directory belong to it, and Close removes them all.
type Swarm struct {
	// Dir is the temporary directory holding everything on disk.
	Dir string
	// Prefix starts the name of every namespace and network interface the
	// harness creates.
	Prefix string
	Nodes  []*Daemon
	logf   func(string, ...any)

	mu        sync.Mutex
	closed    bool
	lanNS     string
	created   []string // paths outside Dir that dockerd creates, removed if empty
	stopSig   chan os.Signal
	joinToken string
	nextIndex int
	seedCount int
}

// docker-related paths outside the temporary directory that dockerd creates
// whatever its flags; Close removes them if the harness made them.
var outsidePaths = []string{"/run/docker/plugins", "/run/docker"}

// Available reports why a real swarm cannot be started here, or nil.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("realswarm: needs root (network namespaces and dockerd)")
	}
	for _, p := range []string{"dockerd", "docker", "ip", "nsenter", "unshare"} {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("realswarm: %s not found", p)
		}
	}
	return nil
}

// Install installs Debian's docker.io package with apt-get when dockerd is
// missing.
func Install(log func(string, ...any)) error {
	if _, err := exec.LookPath("dockerd"); err == nil {
		return nil
	}
	if log != nil {
		log("dockerd missing: apt-get install -y docker.io")
	}
	for _, args := range [][]string{{"update", "-qq"}, {"install", "-y", "-qq", "docker.io"}} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("realswarm: apt-get %s: %v\n%s", strings.Join(args, " "), err, lastLines(out, 10))
		}
	}
	return nil
}

// Start forms a real swarm: one dockerd per node, each in a network
// namespace joined to the others by a bridge, the first node initialising
// the swarm and the others joining it. On error, everything started so far
// is removed. SIGINT and SIGTERM make the harness clean up and exit the
// process.
func Start(opts Options) (_ *Swarm, err error) {
	if err := Available(); err != nil {
		return nil, err
	}
	names := opts.Nodes
	if len(names) == 0 {
		names = SeedNodes
	}
	dir, err := os.MkdirTemp("", "realswarm-")
	if err != nil {
		return nil, err
	}
	s := &Swarm{Dir: dir, Prefix: fmt.Sprintf("rs%d", os.Getpid()%100000), logf: opts.Log}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	for _, p := range outsidePaths {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			s.created = append(s.created, p)
		}
	}
	s.stopSig = make(chan os.Signal, 1)
	signal.Notify(s.stopSig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig, ok := <-s.stopSig
		if !ok {
			return
		}
		s.logf("%v: cleaning up", sig)
		_ = s.Close()
		os.Exit(130)
	}()
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	s.lanNS = s.Prefix + "-lan"
	if err := s.run("ip", "netns", "add", s.lanNS); err != nil {
		return nil, err
	}
	for _, c := range [][]string{{"link", "add", "br0", "type", "bridge"}, {"link", "set", "br0", "up"}, {"link", "set", "lo", "up"}} {
		if err := s.run("ip", append([]string{"-n", s.lanNS}, c...)...); err != nil {
			return nil, err
		}
	}
	for i, n := range names {
		d, err := s.newDaemon(n)
		if err != nil {
			return nil, err
		}
		if err := s.startDaemon(d); err != nil {
			return nil, err
		}
		if i == 0 {
			if _, err := s.dockerOut(d, "swarm", "init", "--advertise-addr", d.Addr); err != nil {
				return nil, err
			}
			tok, err := s.dockerOut(d, "swarm", "join-token", "-q", "worker")
			if err != nil {
				return nil, err
			}
			s.joinToken = strings.TrimSpace(tok)
			continue
		}
		if err := s.join(d); err != nil {
			return nil, err
		}
	}
	s.seedCount = len(names)
	s.logf("swarm of %d nodes ready in %s", len(names), dir)
	return s, nil
}

func (s *Swarm) newDaemon(name string) (*Daemon, error) {
	s.nextIndex++
	i := s.nextIndex
	d := &Daemon{Name: name, index: i, Addr: fmt.Sprintf("10.213.%d.%d", os.Getpid()%200+20, i+1),
		dir: filepath.Join(s.Dir, name), netns: fmt.Sprintf("%s-n%d", s.Prefix, i)}
	d.Socket = filepath.Join(d.dir, "docker.sock")
	s.Nodes = append(s.Nodes, d)
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return nil, err
	}
	veth, peer := fmt.Sprintf("%sv%d", s.Prefix, i), fmt.Sprintf("%sp%d", s.Prefix, i)
	steps := [][]string{
		{"netns", "add", d.netns},
		{"link", "add", veth, "type", "veth", "peer", "name", peer},
		{"link", "set", veth, "netns", d.netns},
		{"link", "set", peer, "netns", s.lanNS},
		{"-n", s.lanNS, "link", "set", peer, "master", "br0"},
		{"-n", s.lanNS, "link", "set", peer, "up"},
		{"-n", d.netns, "link", "set", "lo", "up"},
		{"-n", d.netns, "link", "set", veth, "name", "eth0"},
		{"-n", d.netns, "addr", "add", d.Addr + "/24", "dev", "eth0"},
		{"-n", d.netns, "link", "set", "eth0", "up"},
	}
	for _, st := range steps {
		if err := s.run("ip", st...); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// startDaemon starts d's dockerd (entering only its network namespace, with
// its own hostname) and waits for its socket to answer.
func (s *Swarm) startDaemon(d *Daemon) error {
	lf, err := os.OpenFile(filepath.Join(d.dir, "dockerd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	// dockerd writes its trust key to /etc/docker unless told otherwise;
	// only the configuration file can.
	conf := filepath.Join(d.dir, "daemon.json")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`{"deprecated-key-path": %q}`, filepath.Join(d.dir, "key.json"))), 0o600); err != nil {
		return err
	}
	args := []string{"--net=/run/netns/" + d.netns, "unshare", "--uts", "sh", "-c", `hostname "$0" && exec "$@"`, d.Name,
		"dockerd",
		"--data-root", filepath.Join(d.dir, "data"),
		"--exec-root", filepath.Join(d.dir, "exec"),
		"--pidfile", filepath.Join(d.dir, "dockerd.pid"),
		"--config-file", conf,
		"-H", "unix://" + d.Socket,
	}
	cmd := exec.Command("nsenter", args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = append(os.Environ(), "DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		lf.Close()
		return err
	}
	d.cmd, d.logf, d.done = cmd, lf, make(chan struct{})
	go func() { _ = cmd.Wait(); close(d.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := s.api(d, "GET", "/_ping", nil); err == nil {
			break
		}
		select {
		case <-d.done:
			return fmt.Errorf("realswarm: dockerd of %s exited:\n%s", d.Name, s.daemonLog(d))
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("realswarm: dockerd of %s did not answer in 60s:\n%s", d.Name, s.daemonLog(d))
		}
	}
	s.logf("dockerd %s (pid %d) on %s", d.Name, cmd.Process.Pid, d.Addr)
	return nil
}

func (s *Swarm) daemonLog(d *Daemon) string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "dockerd.log"))
	return lastLines(b, 15)
}

func (s *Swarm) join(d *Daemon) error {
	_, err := s.dockerOut(d, "swarm", "join", "--advertise-addr", d.Addr, "--token", s.joinToken, s.Nodes[0].Addr+":2377")
	return err
}

// AddNode starts a new daemon, runs prepare on it (building the images the
// other nodes have), then joins it to the swarm as a worker.
func (s *Swarm) AddNode(name string, prepare func(*Daemon) error) (*Daemon, error) {
	d, err := s.newDaemon(name)
	if err != nil {
		return nil, err
	}
	if err := s.startDaemon(d); err != nil {
		return nil, err
	}
	if prepare != nil {
		if err := prepare(d); err != nil {
			return nil, err
		}
	}
	return d, s.join(d)
}

// Node returns the daemon of the named node, or nil.
func (s *Swarm) Node(name string) *Daemon {
	for _, d := range s.Nodes {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Manager is the daemon the docker commands talk to.
func (s *Swarm) Manager() *Daemon { return s.Nodes[0] }

// NodeDown stops the node's daemon (SIGTERM, as a machine shutting down
// would): its containers stop and it stops answering the managers.
func (s *Swarm) NodeDown(name string) error {
	d := s.Node(name)
	if d == nil {
		return fmt.Errorf("realswarm: no node %s", name)
	}
	return s.stopDaemon(d)
}

// NodeUp restarts a stopped node's daemon on the same data root: it rejoins
// the swarm by itself.
func (s *Swarm) NodeUp(name string) error {
	d := s.Node(name)
	if d == nil {
		return fmt.Errorf("realswarm: no node %s", name)
	}
	if d.cmd != nil {
		select {
		case <-d.done:
		default:
			return fmt.Errorf("realswarm: node %s is up", name)
		}
	}
	return s.startDaemon(d)
}

func (s *Swarm) stopDaemon(d *Daemon) error {
	if d.cmd == nil || d.cmd.Process == nil {
		return nil
	}
	t0 := time.Now()
	defer func() { s.logf("dockerd %s stopped in %s", d.Name, time.Since(t0).Round(time.Millisecond)) }()
	select {
	case <-d.done:
	default:
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(45 * time.Second):
			_ = syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
			<-d.done
		}
	}
	if d.logf != nil {
		d.logf.Close()
		d.logf = nil
	}
	// containerd and its shims outlive a killed dockerd: end those whose
	// command line names this node's directory, and only those.
	for _, pid := range processesUnder(d.dir) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return nil
}

// Close stops every daemon the harness started, then removes the namespaces,
// the bridge and veths (with them), the mounts under Dir, Dir itself and the
// paths outside Dir that dockerd created. It may be called more than once.
func (s *Swarm) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	signal.Stop(s.stopSig)
	close(s.stopSig) // ends the signal goroutine
	var errs []error
	var wg sync.WaitGroup
	for _, d := range s.Nodes {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.stopDaemon(d) }()
	}
	wg.Wait()
	for _, pid := range processesUnder(s.Dir) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	for _, m := range mountsUnder(s.Dir) {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
			errs = append(errs, fmt.Errorf("umount %s: %w", m, err))
		}
	}
	for _, d := range s.Nodes {
		_ = exec.Command("ip", "netns", "del", d.netns).Run()
	}
	if s.lanNS != "" {
		_ = exec.Command("ip", "netns", "del", s.lanNS).Run()
	}
	if err := os.RemoveAll(s.Dir); err != nil {
		errs = append(errs, err)
	}
	for _, p := range s.created {
		_ = os.Remove(p) // only when empty: another daemon may use it
	}
	s.logf("cleaned up %s", s.Dir)
	return errors.Join(errs...)
}

// Leftovers lists what of a harness with this prefix and directory still
// exists: namespaces, processes, mounts, the directory. Empty after Close.
func Leftovers(prefix, dir string) []string {
	var out []string
	if ents, err := os.ReadDir("/run/netns"); err == nil {
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), prefix+"-") {
				out = append(out, "netns "+e.Name())
			}
		}
	}
	if b, err := exec.Command("ip", "-o", "link").Output(); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 1 && strings.HasPrefix(f[1], prefix) {
				out = append(out, "link "+f[1])
			}
		}
	}
	for _, pid := range processesUnder(dir) {
		out = append(out, "process "+strconv.Itoa(pid))
	}
	for _, m := range mountsUnder(dir) {
		out = append(out, "mount "+m)
	}
	if _, err := os.Stat(dir); err == nil {
		out = append(out, "dir "+dir)
	}
	return out
}

// processesUnder lists the processes whose command line mentions dir.
func processesUnder(dir string) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	self := os.Getpid()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte(dir+"/")) || bytes.Contains(b, []byte(dir+"\x00")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// mountsUnder lists the mount points at or below dir, deepest first.
func mountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var ms []string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		if f[4] == dir || strings.HasPrefix(f[4], dir+"/") {
			ms = append(ms, f[4])
		}
	}
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	return ms
}

func (s *Swarm) run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("realswarm: %s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// DockerEnv is the environment of a docker client talking to d.
func (d *Daemon) DockerEnv() []string {
	env := []string{"DOCKER_HOST=unix://" + d.Socket, "DOCKER_CLI_HINTS=false"}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "DOCKER_") {
			env = append(env, e)
		}
	}
	return env
}

func (s *Swarm) dockerOut(d *Daemon, args ...string) (string, error) {
	cmd := exec.Command("docker", args...)
	cmd.Env = d.DockerEnv()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("realswarm: docker %s on %s: %v: %s", strings.Join(args, " "), d.Name, err, bytes.TrimSpace(errb.Bytes()))
	}
	return out.String(), nil
}

// api calls d's Engine API over its socket.
func (s *Swarm) api(d *Daemon, method, path string, body []byte, header ...string) ([]byte, error) {
	cl := http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var dl net.Dialer
		return dl.DialContext(ctx, "unix", d.Socket)
	}}, Timeout: 2 * time.Minute}
	req, err := http.NewRequest(method, "http://docker"+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := cl.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	if resp.StatusCode/100 != 2 {
		return b.Bytes(), fmt.Errorf("realswarm: %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b.Bytes()))
	}
	return b.Bytes(), err
}

func lastLines(b []byte, n int) string {
	ls := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}
