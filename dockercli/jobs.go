package dockercli

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/swarm"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/swarmsim/swarmsim"
	"github.com/swarmsim/swarmsim/internal/dockerfmt"
	"github.com/swarmsim/swarmsim/task"
)

// Jobs, health checks and stop timing: the flags of `docker service
// create` and `update` for them (docker/cli cli/command/service/opts.go
// and update.go), and the job columns of `docker service ls`.

// addJobHealthFlags adds --max-concurrent, the --health-* flags,
// --no-healthcheck, --stop-grace-period and --stop-signal.
func addJobHealthFlags(fs *pflag.FlagSet, o *ServiceOptions) {
	h := &o.Health
	fs.Var(uintTyped{newUint64(&o.MaxConcurrent, nil), "uint"}, "max-concurrent", "Number of job tasks to run concurrently (default equal to --replicas)")
	fs.Var(stringPtrValue{&h.Cmd}, "health-cmd", "Command to run to check health")
	fs.Var(positiveDuration{&h.Interval}, "health-interval", "Time between running the check (ms|s|m|h)")
	fs.Var(positiveDuration{&h.Timeout}, "health-timeout", "Maximum time to allow one check to run (ms|s|m|h)")
	fs.Var(int64Value{&h.Retries}, "health-retries", "Consecutive failures needed to report unhealthy")
	fs.Var(positiveDuration{&h.StartPeriod}, "health-start-period", "Start period for the container to initialize before counting retries towards unstable (ms|s|m|h)")
	fs.Var(positiveDuration{&h.StartInterval}, "health-start-interval", "Time between running the check during the start period (ms|s|m|h)")
	BoolFlag(fs, &h.NoHealthcheck, "no-healthcheck", "", "Disable any container-specified HEALTHCHECK")
	fs.Var(durationValue{p: &o.StopGrace}, "stop-grace-period", "Time to wait before force killing a container (ns|us|ms|s|m|h) (default 10s)")
	fs.Var(stringPtrValue{&o.StopSignal}, "stop-signal", "Signal to stop the container")
}

// positiveDuration is docker/cli's opts.PositiveDurationOpt.
type positiveDuration struct{ p **time.Duration }

func (v positiveDuration) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if d < 0 {
		return errors.New("duration cannot be negative")
	}
	*v.p = &d
	return nil
}
func (v positiveDuration) Type() string { return "duration" }
func (v positiveDuration) String() string {
	if *v.p != nil {
		return (**v.p).String()
	}
	return ""
}

// jobMode sets a job's mode from the flags, as docker/cli's
// ToServiceMode does.
func jobMode(spec *swarmsim.ServiceSpec, o *ServiceOptions) error {
	if o.Mode == "global-job" {
		switch {
		case o.MaxReplicas != nil && *o.MaxReplicas != 0:
			return errors.New("replicas-max-per-node can only be used with replicated or replicated-job mode")
		case o.MaxConcurrent != nil:
			return errors.New("max-concurrent can only be used with replicated-job mode")
		case o.Replicas != nil:
			return errors.New("replicas can only be used with replicated or replicated-job mode")
		}
		spec.Mode = swarmsim.GlobalJob
	} else {
		spec.Mode = swarmsim.ReplicatedJob
		switch {
		case o.MaxConcurrent != nil:
			spec.MaxConcurrent = *o.MaxConcurrent
		case o.Replicas != nil:
			spec.MaxConcurrent = *o.Replicas
		}
		if o.Replicas != nil {
			spec.TotalCompletions = *o.Replicas
		}
	}
	if o.Update.any() || o.Rollback.any() {
		return errors.New("update and rollback configuration is not supported for jobs")
	}
	return nil
}

// applyHealthStop sets the health check and the stop fields of a task
// template from the flags: for create as docker/cli's toHealthConfig and
// ToStopGracePeriod do, for update as its updateHealthcheck does.
func applyHealthStop(t *swarmsim.TaskSpec, o *ServiceOptions, update bool) error {
	h := &o.Health
	// docker/cli: create looks at the values (a cmd of "" or retries 0
	// count as not given), update at the flags changed, less
	// --health-start-interval.
	timing := h.Interval != nil || h.Timeout != nil || h.StartPeriod != nil
	given := timing || h.Cmd != nil || h.Retries != nil
	if !update {
		given = timing || h.StartInterval != nil || (h.Cmd != nil && *h.Cmd != "") || (h.Retries != nil && *h.Retries != 0)
	}
	switch {
	case h.NoHealthcheck && given:
		return errors.New("--no-healthcheck conflicts with --health-* options")
	case h.NoHealthcheck:
		t.Healthcheck = &swarmsim.HealthConfig{Test: []string{"NONE"}}
	case given && !update:
		hc := &swarmsim.HealthConfig{}
		if h.Cmd != nil && *h.Cmd != "" {
			hc.Test = []string{"CMD-SHELL", *h.Cmd}
		}
		setHealthTiming(hc, h, true)
		t.Healthcheck = hc
	case given:
		hc := &swarmsim.HealthConfig{}
		if t.Healthcheck != nil {
			*hc = *t.Healthcheck
		}
		if len(hc.Test) > 0 && hc.Test[0] == "NONE" {
			hc.Test = nil
		}
		setHealthTiming(hc, h, false)
		if h.Cmd != nil {
			hc.Test = nil
			if *h.Cmd != "" {
				hc.Test = []string{"CMD-SHELL", *h.Cmd}
			}
		}
		t.Healthcheck = hc
	}
	if o.StopGrace != nil {
		g := *o.StopGrace
		t.StopGracePeriod = &g
	}
	if o.StopSignal != nil {
		t.StopSignal = *o.StopSignal
	}
	return nil
}

// setHealthTiming copies the timing flags given; docker/cli's update does
// not read --health-start-interval.
func setHealthTiming(hc *swarmsim.HealthConfig, h *HealthOptions, startInterval bool) {
	if h.Interval != nil {
		hc.Interval = *h.Interval
	}
	if h.Timeout != nil {
		hc.Timeout = *h.Timeout
	}
	if h.StartPeriod != nil {
		hc.StartPeriod = *h.StartPeriod
	}
	if h.StartInterval != nil && startInterval {
		hc.StartInterval = *h.StartInterval
	}
	if h.Retries != nil {
		hc.Retries = int(*h.Retries)
	}
}

// modeColumn is the MODE column of `docker service ls` (docker/cli's
// service formatter: Mode).
func modeColumn(m swarmsim.Mode) string {
	switch m {
	case swarmsim.ReplicatedJob:
		return "replicated job"
	case swarmsim.GlobalJob:
		return "global job"
	}
	return m.String()
}

// jobReplicas is the REPLICAS column of a job (docker/cli's service
// formatter: Replicas): running/desired, then completed out of the total.
func jobReplicas(svc *swarmsim.Service, st swarmsim.ServiceStatus) (string, bool) {
	switch svc.Spec.Mode {
	case swarmsim.ReplicatedJob:
		return fmt.Sprintf("%d/%d (%d/%d completed)", st.RunningTasks, st.DesiredTasks, st.CompletedTasks, svc.Spec.TotalCompletions), true
	case swarmsim.GlobalJob:
		return fmt.Sprintf("%d/%d (%d/%d completed)", st.RunningTasks, st.DesiredTasks, st.CompletedTasks, st.DesiredTasks+st.CompletedTasks), true
	}
	return "", false
}

// apiJobMode sets the Engine API's mode of a job and reports whether the
// spec is one.
func apiJobMode(m *swarm.ServiceMode, s *swarmsim.ServiceSpec) bool {
	switch s.Mode {
	case swarmsim.ReplicatedJob:
		mc, tc := s.MaxConcurrent, s.TotalCompletions
		m.ReplicatedJob = &swarm.ReplicatedJob{MaxConcurrent: &mc, TotalCompletions: &tc}
	case swarmsim.GlobalJob:
		m.GlobalJob = &swarm.GlobalJob{}
	default:
		return false
	}
	return true
}

// apiHealthStop sets the container spec's health check and stop fields.
func apiHealthStop(cs *swarm.ContainerSpec, t *swarmsim.TaskSpec) {
	if h := t.Healthcheck; h != nil {
		cs.Healthcheck = &container.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout,
			StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries}
	}
	if g := t.StopGracePeriod; g != nil {
		d := *g
		cs.StopGracePeriod = &d
	}
	cs.StopSignal = t.StopSignal
}

// maxJobBars is docker/cli's maxProgressBars for jobs: more tasks than this
// and only the overall lines are drawn.
const maxJobBars = 20

// jobProgressLoop is docker/cli's progress display for a job
// (replicatedJobProgressUpdater and globalJobProgressUpdater in
// cli/command/service/progress/progress.go): the job's progress, its
// active tasks and one bar per slot (per node for a global job), until
// the job completes ("job complete": a job needs no verification).
func (s *Session) jobProgressLoop(cl *swarmsim.Cluster, id, shown string, sc *screen) error {
	start := cl.Now()
	var nodes []string // a global job's initial nodes
	for {
		svc, err := cl.Service(id)
		if err != nil {
			return daemon(err)
		}
		all, err := cl.Tasks(svc.ID)
		if err != nil {
			return daemon(err)
		}
		var cur []swarmsim.TaskView
		for _, t := range all {
			if t.JobIteration == svc.JobStatus.JobIteration && progressNumber(t.DesiredState) != 0 && progressNumber(t.Status().State) != 0 {
				cur = append(cur, t)
			}
		}
		var done bool
		if svc.Spec.Mode == swarmsim.ReplicatedJob {
			done = replicatedJobProgress(sc, svc, cur)
		} else {
			nodes, done = globalJobProgress(sc, cur, nodes, cl.NodeCount())
		}
		if done {
			sc.message("", "job complete")
			return nil
		}
		if cl.Now().Sub(start) >= s.WaitLimit || cl.Elapsed() >= swarmsim.Horizon {
			sc.message("", "Operation continuing in background.")
			sc.message("", fmt.Sprintf("Use `docker service ps %s` to check progress.", shown))
			return nil
		}
		if s.runFor(PollInterval, nil) {
			return s.interrupted("wait")
		}
	}
}

func jobTaskBar(sc *screen, id string, t swarmsim.TaskView) {
	st := t.Status()
	if st.Err != "" {
		sc.progress(id, truncProgressError(st.Err), 0, 0)
		return
	}
	name := st.State.String()
	if progressNumber(st.State) == 0 {
		name = ""
	}
	sc.progress(id, fmt.Sprintf("%-*s", longestState, name), int64(progressNumber(st.State)), 10)
}

// lowest keeps, per key, the task with the lowest observed state.
func lowest(m map[string]swarmsim.TaskView, k string, t swarmsim.TaskView) {
	if old, ok := m[k]; !ok || progressNumber(old.Status().State) > progressNumber(t.Status().State) {
		m[k] = t
	}
}

func replicatedJobProgress(sc *screen, svc *swarmsim.Service, tasks []swarmsim.TaskView) bool {
	total, conc := int(svc.Spec.TotalCompletions), int(svc.Spec.MaxConcurrent)
	pd, ad := len(strconv.Itoa(total)), len(strconv.Itoa(conc))
	overall := func(active, completed int) {
		sc.progress("job progress", fmt.Sprintf("%*d out of %d complete", pd, completed, total), int64(completed), int64(total))
		sc.progress("active tasks", fmt.Sprintf("%[1]*[2]d out of %[1]*[3]d tasks", ad, active, min(total-completed, conc)), 0, 0)
	}
	if _, ok := sc.ids["job progress"]; !ok {
		overall(0, 0)
		if total <= maxJobBars {
			for i := 1; i <= total; i++ {
				sc.progress(fmt.Sprintf("%d/%d", i, total), " ", 0, 0)
			}
		}
	}
	bySlot := map[string]swarmsim.TaskView{}
	for _, t := range tasks {
		lowest(bySlot, strconv.FormatUint(t.Slot, 10), t)
	}
	active, completed := 0, 0
	for i := range len(bySlot) {
		t := bySlot[strconv.Itoa(i)] // docker/cli walks 0..len-1: a gap shows as slot 0
		if total <= maxJobBars {
			jobTaskBar(sc, fmt.Sprintf("%d/%d", t.Slot+1, total), t)
		}
		switch n := progressNumber(t.Status().State); {
		case n < progressNumber(task.Complete):
			active++
		case n == progressNumber(task.Complete):
			completed++
		}
	}
	overall(active, completed)
	return completed == total
}

func globalJobProgress(sc *screen, tasks []swarmsim.TaskView, nodes []string, activeNodes int) ([]string, bool) {
	if nodes == nil {
		if len(tasks) == 0 && activeNodes != 0 {
			sc.progress("job progress", "waiting for tasks", 0, 0)
			return nil, false
		}
		nodes = []string{}
		for _, t := range tasks {
			if !slices.Contains(nodes, t.NodeID) {
				nodes = append(nodes, t.NodeID)
			}
		}
	}
	total := len(nodes)
	overall := func(complete int) {
		sc.progress("job progress", fmt.Sprintf("%*d out of %d complete", len(strconv.Itoa(total)), complete, total), int64(complete), int64(total))
	}
	if _, ok := sc.ids["job progress"]; !ok || sc.lines[sc.ids["job progress"]] == "job progress: waiting for tasks " {
		overall(0)
	}
	byNode := map[string]swarmsim.TaskView{}
	for _, t := range tasks {
		if slices.Contains(nodes, t.NodeID) {
			lowest(byNode, t.NodeID, t)
		}
	}
	complete := 0
	for _, n := range nodes {
		t, ok := byNode[n]
		if !ok {
			continue
		}
		if total <= maxJobBars {
			jobTaskBar(sc, n, t)
		}
		if t.Status().State == task.Complete {
			complete++
		}
	}
	overall(complete)
	return nodes, complete == total
}

// addImageHealthFlags adds the `swarmsim image` options for health that
// changes and for the stop signal.
func addImageHealthFlags(f *pflag.FlagSet, img *Image) {
	f.Var(durationValue{p: &img.UnhealthyAfter}, "unhealthy-after", "Health check starts failing this long after the start (implies a health check)")
	f.Var(durationValue{p: &img.HealthyAgainAfter}, "healthy-again-after", "Health check passes again this long after the start (after --unhealthy-after)")
	BoolFlag(f, &img.IgnoreSIGTERM, "ignore-sigterm", "", "The container ignores SIGTERM: a stop waits for the grace period and kills it")
}

// imageHealth applies those options.
func imageHealth(b *swarmsim.ImageBehavior, c Image) {
	if c.UnhealthyAfter != nil {
		b.HealthCheck = true
		b.UnhealthyAfter = *c.UnhealthyAfter
	}
	if c.HealthyAgainAfter != nil {
		b.HealthyAgainAfter = *c.HealthyAgainAfter
	}
	b.IgnoreSIGTERM = c.IgnoreSIGTERM
}

// taskUnhealthyCmd is `swarmsim task unhealthy`.
func taskUnhealthyCmd(res *result) *cobra.Command {
	return leaf("unhealthy TASK", "Make a running task's health check start failing: its container is stopped and the task fails", exactArgs(1), func(_ *cobra.Command, a []string) error {
		res.cmd = TaskUnhealthy{Ref: a[0]}
		return nil
	})
}

// taskUnhealthy runs `swarmsim task unhealthy TASK`: TASK is a task ID, a
// unique prefix of one, or the name of a running task (web.1).
func (s *Session) taskUnhealthy(c TaskUnhealthy, stdout io.Writer) error {
	cl := s.swarm()
	var match, named []string
	for _, t := range cl.AllTasks() {
		if c.Ref != "" && strings.HasPrefix(t.ID, c.Ref) {
			match = append(match, t.ID)
		}
		// a name (web.1) stands for the slot's task that runs, as for
		// swarmsim task kill
		if t.Name() == c.Ref && t.Status().State == task.Running && t.DesiredState <= task.Complete {
			named = append(named, t.ID)
		}
	}
	if len(match) == 0 && len(named) == 1 {
		match = named
	}
	switch {
	case len(match) == 0:
		return fmt.Errorf("swarmsim: no such task: %s", c.Ref)
	case len(match) > 1:
		return fmt.Errorf("swarmsim: task %s is ambiguous (%d matches found)", c.Ref, len(match))
	}
	if err := cl.SetTaskUnhealthy(match[0]); err != nil {
		var se *swarmsim.Error
		if errors.As(err, &se) {
			return errors.New("swarmsim: " + se.Msg)
		}
		return err
	}
	fmt.Fprintf(stdout, "task %s: health check failing\n", dockerfmt.TruncateID(match[0]))
	return nil
}
