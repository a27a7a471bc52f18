package css_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
)

// newJobID is the JobID of the job a jobList starts on POST logs/collect (the
// documented example's).
const newJobID = "2c9080df7c171342017c5e0884f8011c"

// listJob is one job of a jobList.
type listJob struct {
	id, jobID string
	typ       css.JobType
	created   time.Time
	// finished is when the job ends: it is RUNNING before, final from then on.
	finished time.Time
	final    css.LogBackupStatus
	msg      string
	// listedFrom hides the job from the list before it (zero: always listed).
	listedFrom time.Time
}

// status returns the job's status and end time at now (zero while it runs).
func (j listJob) status(now time.Time) (css.LogBackupStatus, time.Time) {
	if now.Before(j.finished) {
		return css.LogBackupRunning, time.Time{}
	}
	return j.final, j.finished
}

func (j listJob) wire(now time.Time) string {
	status, end := j.status(now)
	finished, failed := "null", "null"
	if !end.IsZero() {
		finished = strconv.FormatInt(end.UnixMilli(), 10)
	}
	if status == css.LogBackupFailed {
		failed = strconv.Quote(j.msg)
	}
	return fmt.Sprintf(`{"id":%q,"clusterId":%q,"createAt":%d,"logPath":"bucket/css/log","status":%q,"finishedAt":%s,"jobTypes":%q,"failedMsg":%s,"jobId":%q}`,
		j.id, testCluster, j.created.UnixMilli(), status, finished, j.typ, failed, j.jobID)
}

// history returns n finished jobs, one an hour, the newest an hour before now: every
// fourth is Manual, the rest Auto, and every tenth failed.
func history(n int, now time.Time) []listJob {
	jobs := make([]listJob, n)
	for i := range jobs {
		created := now.Add(-time.Duration(n-i) * time.Hour)
		j := listJob{id: fmt.Sprintf("hist-%04d", i), jobID: fmt.Sprintf("%032x", i+1), typ: css.JobTypeAuto,
			created: created, finished: created.Add(90 * time.Second), final: css.LogBackupSucceeded}
		if i%4 == 0 {
			j.typ = css.JobTypeManual
		}
		if i%10 == 9 {
			j.final, j.msg = css.LogBackupFailed, "OBS bucket not reachable"
		}
		jobs[i] = j
	}
	return jobs
}

// jobList is a CSS job list behind the mock transport, for what the csstest fake does
// not do: list the jobs oldest first, or list a new job only some time after it
// started. It honours offset and limit, reports totalSize, and starts a Manual job
// "new" (JobID newJobID) on POST logs/collect.
type jobList struct {
	t           *testing.T
	clock       *fakeclock.Clock
	oldestFirst bool
	// runFor is how long the new job runs, final how it ends (SUCCESS when empty), msg
	// its failedMsg, hiddenFor how long after its start the list does not show it.
	runFor, hiddenFor time.Duration
	final             css.LogBackupStatus
	msg               string
	// afterTrigger are jobs that the list shows from the trigger on.
	afterTrigger []listJob

	mu        sync.Mutex
	jobs      []listJob // in creation order
	triggered bool
	offsets   []int // the offset of every list request
}

// handle answers one request of the mock transport.
func (l *jobList) handle(req *http.Request, _ int) *http.Response {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	switch {
	case req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/logs/collect"):
		if l.triggered {
			l.t.Errorf("second trigger")
		}
		l.triggered = true
		final := l.final
		if final == "" {
			final = css.LogBackupSucceeded
		}
		l.jobs = append(l.jobs, l.afterTrigger...)
		l.jobs = append(l.jobs, listJob{id: "new", jobID: newJobID, typ: css.JobTypeManual, created: now,
			finished: now.Add(l.runFor), final: final, msg: l.msg, listedFrom: now.Add(l.hiddenFor)})
		return reply(http.StatusOK, "")
	case req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/logs/records"):
		q := req.URL.Query()
		offset, err1 := strconv.Atoi(q.Get("offset"))
		limit, err2 := strconv.Atoi(q.Get("limit"))
		if err1 != nil || err2 != nil || offset < 1 || limit < 1 {
			l.t.Errorf("bad paging query %q", req.URL.RawQuery)
			return reply(http.StatusBadRequest, `{"error_code":"CSS.0001","error_msg":"bad paging"}`)
		}
		l.offsets = append(l.offsets, offset)
		var listed []listJob
		for _, j := range l.jobs {
			if !now.Before(j.listedFrom) {
				listed = append(listed, j)
			}
		}
		if !l.oldestFirst {
			slices.Reverse(listed)
		}
		page := listed[min(offset-1, len(listed)):min(offset-1+limit, len(listed))]
		recs := make([]string, len(page))
		for i, j := range page {
			recs[i] = j.wire(now)
		}
		return reply(http.StatusOK, fmt.Sprintf(`{"clusterLogRecord":[%s],"totalSize":%d}`, strings.Join(recs, ","), len(listed)))
	}
	l.t.Errorf("unexpected request %s %s", req.Method, req.URL)
	return reply(http.StatusNotFound, "")
}

// listOffsets returns the offset of every list request so far.
func (l *jobList) listOffsets() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.offsets)
}

// assertSigned asserts that every request the mock received carried a valid signature.
func assertSigned(t *testing.T, m *mock) {
	t.Helper()
	for _, r := range m.requests() {
		assert.NoError(t, r.VerifyErr, "%s %s", r.Method, r.RawPath)
	}
}
