package mesh

import "slices"

// ProbeResult is what traffic sent through the mesh saw: each request
// answered by a task, refused, or timed out. Sent = Answered + Refused +
// TimedOut.
type ProbeResult struct {
	Sent, Answered, Refused int
	// TimedOut counts requests sent to a backend that never answered (on a
	// dead node the entry node did not know about yet, or across a
	// partition).
	TimedOut int
	// PerTask counts answers per task, in the order tasks first answered.
	PerTask []TaskCount
	// Reasons counts the failed requests per reason, in the order the
	// reasons first came.
	Reasons []ReasonCount
}

// TaskCount is how many requests one task answered.
type TaskCount struct {
	Task   string
	TaskID string
	Count  int
}

// ReasonCount is how many requests failed for one reason: refused (no
// listener: no service, no backend, port blocked ...; path blocked) or timed
// out (sent to a backend on a dead node, or across a partition).
type ReasonCount struct {
	// Reason is the error's text, naming nodes by hostname.
	Reason string
	// Kind and Detail are the typed reason (see RefusedError).
	Kind   Reason
	Detail Detail
	Count  int
}

// Tally counts the outcomes of requests one at a time. Its zero value is an
// empty tally.
type Tally struct {
	res     ProbeResult
	perTask map[string]int // index into res.PerTask
	reasons map[string]int // index into res.Reasons
}

// Answer counts a request task taskID answered; name gives the task's name
// the first time the task answers.
func (t *Tally) Answer(taskID string, name func() string) {
	t.res.Sent++
	t.res.Answered++
	if i, ok := t.perTask[taskID]; ok {
		t.res.PerTask[i].Count++
		return
	}
	if t.perTask == nil {
		t.perTask = map[string]int{}
	}
	t.perTask[taskID] = len(t.res.PerTask)
	t.res.PerTask = append(t.res.PerTask, TaskCount{Task: name(), TaskID: taskID, Count: 1})
}

// Fail counts a request that failed for reason r (its Count is ignored): a
// time-out when r.Kind is TimedOut, otherwise a refusal.
func (t *Tally) Fail(r ReasonCount) {
	t.res.Sent++
	if r.Kind == TimedOut {
		t.res.TimedOut++
	} else {
		t.res.Refused++
	}
	if i, ok := t.reasons[r.Reason]; ok {
		t.res.Reasons[i].Count++
		return
	}
	if t.reasons == nil {
		t.reasons = map[string]int{}
	}
	t.reasons[r.Reason] = len(t.res.Reasons)
	r.Count = 1
	t.res.Reasons = append(t.res.Reasons, r)
}

// Result is a copy of the counts so far.
func (t *Tally) Result() ProbeResult {
	res := t.res
	res.PerTask = slices.Clone(res.PerTask)
	res.Reasons = slices.Clone(res.Reasons)
	return res
}
