package css_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
)

// job is a record of the scripted job list.
type job struct {
	id      string
	typ     css.JobType
	status  css.LogBackupStatus
	created time.Duration // relative to the client's clock when BackupLogs starts
	msg     string
}

func (j job) json(start time.Time) string {
	created := start.Add(j.created).UnixMilli()
	finished, failed := "null", "null"
	if j.status != css.LogBackupRunning {
		finished = fmt.Sprint(created + 60000)
	}
	if j.msg != "" {
		failed = fmt.Sprintf("%q", j.msg)
	}
	return fmt.Sprintf(`{"id":%q,"clusterId":%q,"createAt":%d,"logPath":"bucket/css/log","status":%q,"finishedAt":%s,"jobTypes":%q,"failedMsg":%s,"jobId":"%032x"}`,
		j.id, testCluster, created, j.status, finished, j.typ, failed, len(j.id))
}

// script answers POST logs/collect with 200 and the n-th GET logs/records with
// lists[n] (the last one repeating).
func script(t *testing.T, start time.Time, lists ...[]job) handler {
	gets := 0
	return func(req *http.Request, _ int) *http.Response {
		switch {
		case req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/logs/collect"):
			return reply(http.StatusOK, "")
		case req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/logs/records"):
			assert.Equal(t, "limit=100&offset=1", req.URL.RawQuery)
			list := lists[min(gets, len(lists)-1)]
			gets++
			recs := make([]string, len(list))
			for i, j := range list {
				recs[i] = j.json(start)
			}
			return reply(http.StatusOK, fmt.Sprintf(`{"clusterLogRecord":[%s],"totalSize":%d}`, strings.Join(recs, ","), len(list)))
		}
		t.Errorf("unexpected request %s %s", req.Method, req.URL)
		return reply(http.StatusNotFound, "")
	}
}

func TestBackupLogs(t *testing.T) {
	t.Parallel()
	mine := func(s css.LogBackupStatus) job {
		return job{id: "new", typ: css.JobTypeManual, status: s, created: time.Second}
	}
	for _, tc := range []struct {
		name   string
		opts   []css.Option
		lists  [][]job
		sleeps []time.Duration
		want   css.LogBackupStatus
		failed string // the JobFailedError message, when the job fails
	}{
		{
			name: "not listed, RUNNING, RUNNING, SUCCESS",
			lists: [][]job{
				{},
				{},
				{mine(css.LogBackupRunning)},
				{mine(css.LogBackupRunning)},
				{mine(css.LogBackupSucceeded)},
			},
			sleeps: []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second},
			want:   css.LogBackupSucceeded,
		},
		{
			name: "delays follow the options",
			opts: []css.Option{hcloud.WithMinDelay(time.Second), hcloud.WithMaxDelay(3 * time.Second), nil},
			lists: [][]job{
				{},
				{mine(css.LogBackupRunning)},
				{mine(css.LogBackupRunning)},
				{mine(css.LogBackupRunning)},
				{mine(css.LogBackupRunning)},
				{mine(css.LogBackupSucceeded)},
			},
			sleeps: []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second},
			want:   css.LogBackupSucceeded,
		},
		{
			name:   "FAIL gives JobFailedError",
			lists:  [][]job{{}, {mine(css.LogBackupRunning)}, {{id: "new", typ: css.JobTypeManual, status: css.LogBackupFailed, created: time.Second, msg: "OBS bucket not found"}}},
			sleeps: []time.Duration{2 * time.Second},
			failed: "OBS bucket not found",
		},
		{
			name: "a finished Manual job from just before the trigger is not mistaken for the new one",
			lists: [][]job{
				{{id: "old", typ: css.JobTypeManual, status: css.LogBackupFailed, created: -time.Minute, msg: "old failure"}},
				{{id: "old", typ: css.JobTypeManual, status: css.LogBackupFailed, created: -time.Minute, msg: "old failure"}},
				{mine(css.LogBackupSucceeded), {id: "old", typ: css.JobTypeManual, status: css.LogBackupFailed, created: -time.Minute, msg: "old failure"}},
			},
			sleeps: []time.Duration{2 * time.Second},
			want:   css.LogBackupSucceeded,
		},
		{
			name: "a Manual job older than the skew allowance is ignored even if new to the list",
			lists: [][]job{
				{},
				{{id: "stale", typ: css.JobTypeManual, status: css.LogBackupSucceeded, created: -10 * time.Minute}},
				{mine(css.LogBackupSucceeded), {id: "stale", typ: css.JobTypeManual, status: css.LogBackupSucceeded, created: -10 * time.Minute}},
			},
			sleeps: []time.Duration{2 * time.Second},
			want:   css.LogBackupSucceeded,
		},
		{
			name: "Auto jobs are ignored",
			lists: [][]job{
				{},
				{{id: "auto", typ: css.JobTypeAuto, status: css.LogBackupFailed, created: 2 * time.Second, msg: "auto failure"}},
				{{id: "auto", typ: css.JobTypeAuto, status: css.LogBackupFailed, created: 2 * time.Second, msg: "auto failure"}, mine(css.LogBackupSucceeded)},
			},
			sleeps: []time.Duration{2 * time.Second},
			want:   css.LogBackupSucceeded,
		},
		{
			name: "service clock three minutes behind",
			lists: [][]job{
				{},
				{{id: "new", typ: css.JobTypeManual, status: css.LogBackupSucceeded, created: -3 * time.Minute}},
			},
			sleeps: nil,
			want:   css.LogBackupSucceeded,
		},
		{
			name: "follows its job when a newer Manual job appears",
			lists: [][]job{
				{},
				{mine(css.LogBackupRunning)},
				{{id: "newer", typ: css.JobTypeManual, status: css.LogBackupSucceeded, created: 5 * time.Second}, mine(css.LogBackupRunning)},
				{{id: "newer", typ: css.JobTypeManual, status: css.LogBackupSucceeded, created: 5 * time.Second}, {id: "new", typ: css.JobTypeManual, status: css.LogBackupFailed, created: time.Second, msg: "disk full"}},
			},
			sleeps: []time.Duration{2 * time.Second, 4 * time.Second},
			failed: "disk full",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
			start := clock.Now()
			c, m := newClientAt(t, clock, script(t, start, tc.lists...))
			req := &css.CreateLogBackupRequest{ClusterID: testCluster}
			job, err := c.BackupLogs(context.Background(), req, tc.opts...)
			assert.Equal(t, &css.CreateLogBackupRequest{ClusterID: testCluster}, req, "request not modified")
			if tc.failed != "" {
				assert.Nil(t, job)
				var jf *css.JobFailedError
				require.ErrorAs(t, err, &jf)
				assert.Equal(t, "new", jf.Job.ID)
				assert.Equal(t, css.LogBackupFailed, jf.Job.Status)
				assert.Equal(t, tc.failed, jf.Message)
				assert.Equal(t, fmt.Sprintf("css: log backup job new (job id %032x) failed: %s", 3, tc.failed), err.Error())
			} else {
				require.NoError(t, err)
				assert.Equal(t, "new", job.ID)
				assert.Equal(t, css.JobTypeManual, job.JobType)
				assert.Equal(t, tc.want, job.Status)
				assert.False(t, job.FinishedAt.IsZero())
			}
			assert.Equal(t, tc.sleeps, clock.Sleeps())

			reqs := m.requests()
			require.Len(t, reqs, len(tc.sleeps)+3, "snapshot, trigger, one list per poll")
			assert.Equal(t, http.MethodGet, reqs[0].Method, "the snapshot comes first")
			assert.Equal(t, http.MethodPost, reqs[1].Method)
			assert.Equal(t, clusterPath+"/logs/collect", reqs[1].RawPath)
			for _, r := range reqs {
				assert.NoError(t, r.VerifyErr)
			}
		})
	}
}

func TestBackupLogsDeadline(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		lists [][]job
		want  string
	}{
		{"job never listed", [][]job{{}}, "css: BackupLogs: backup started, but its job was not listed yet: context deadline exceeded"},
		{"job keeps running", [][]job{{}, {{id: "new", typ: css.JobTypeManual, status: css.LogBackupRunning, created: time.Second}}},
			"css: BackupLogs: backup started as job new (job id 00000000000000000000000000000003, RUNNING when last listed), waiting for it: context deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
			start := clock.Now()
			deadline := start.Add(20 * time.Second)
			ctx, cancel := context.WithDeadline(context.Background(), deadline)
			defer cancel()
			c, m := newClientAt(t, clock, script(t, start, tc.lists...))
			job, err := c.BackupLogs(ctx, &css.CreateLogBackupRequest{ClusterID: testCluster})
			assert.Nil(t, job)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.EqualError(t, err, tc.want)
			assert.False(t, clock.Now().After(deadline), "never slept past the deadline")
			assert.Greater(t, len(m.requests()), 3, "polled until the deadline")
		})
	}
}

func TestBackupLogsErrors(t *testing.T) {
	t.Parallel()
	t.Run("trigger refused", func(t *testing.T) {
		t.Parallel()
		c, m := newClient(t, func(req *http.Request, _ int) *http.Response {
			if req.Method == http.MethodPost {
				return reply(http.StatusPreconditionFailed, fixture(t, "CreateLogBackup_precondition.json"))
			}
			return reply(http.StatusOK, `{"clusterLogRecord":[]}`)
		})
		_, err := c.BackupLogs(context.Background(), &css.CreateLogBackupRequest{ClusterID: testCluster})
		assert.ErrorIs(t, err, css.ErrPreconditionFailed)
		var apiErr *css.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "CreateLogBackup", apiErr.Operation)
		assert.Equal(t, "CSS.0016", apiErr.Code)
		reqs := m.requests()
		assert.Equal(t, http.MethodGet, reqs[0].Method)
		assert.Equal(t, http.MethodPost, reqs[len(reqs)-1].Method, "no polling after a refused trigger")
	})
	t.Run("snapshot fails, nothing triggered", func(t *testing.T) {
		t.Parallel()
		c, m := newClient(t, always(http.StatusNotFound, `{"error_code":"CSS.0004","error_msg":"The cluster does not exist."}`))
		_, err := c.BackupLogs(context.Background(), &css.CreateLogBackupRequest{ClusterID: testCluster})
		assert.ErrorIs(t, err, css.ErrNotFound)
		assert.ErrorContains(t, err, "css: BackupLogs: listing the jobs before the trigger: css: ListLogBackups: 404 CSS.0004")
		assert.Len(t, m.requests(), 1)
	})
	t.Run("polling fails after the trigger", func(t *testing.T) {
		t.Parallel()
		c, m := newClient(t, func(req *http.Request, n int) *http.Response {
			if n < 2 {
				return reply(http.StatusOK, `{"clusterLogRecord":[]}`)
			}
			return reply(http.StatusForbidden, `{"error_code":"APIG.0302","error_msg":"not authorized"}`)
		})
		_, err := c.BackupLogs(context.Background(), &css.CreateLogBackupRequest{ClusterID: testCluster})
		var apiErr *css.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "APIG.0302", apiErr.Code)
		assert.ErrorContains(t, err, "css: BackupLogs: backup started, but its job was not listed yet: css: ListLogBackups: 403")
		assert.Len(t, m.requests(), 3)
	})
	t.Run("cancelled context", func(t *testing.T) {
		t.Parallel()
		c, m := newClient(t, always(http.StatusOK, `{}`))
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.BackupLogs(ctx, &css.CreateLogBackupRequest{ClusterID: testCluster})
		assert.True(t, errors.Is(err, context.Canceled))
		for _, r := range m.requests() {
			assert.NotEqual(t, http.MethodPost, r.Method, "nothing triggered")
		}
	})
}

// within gives a test a deadline an hour ahead on clock, so that a waiter that
// never finds its job fails instead of polling forever.
func within(t *testing.T, clock *fakeclock.Clock) context.Context {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), clock.Now().Add(time.Hour))
	t.Cleanup(cancel)
	return ctx
}

// assertNewJob asserts that job is the one a jobList started at start.
func assertNewJob(t *testing.T, job *css.LogBackup, start time.Time, status css.LogBackupStatus) {
	t.Helper()
	if assert.NotNil(t, job) {
		assert.Equal(t, "new", job.ID)
		assert.Equal(t, newJobID, job.JobID)
		assert.Equal(t, css.JobTypeManual, job.JobType)
		assert.Equal(t, start, job.CreatedAt)
		assert.Equal(t, status, job.Status)
	}
}

func TestBackupLogsOldestFirst(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
	now := clock.Now()
	jobs := append(history(250, now),
		listJob{id: "old-manual", jobID: strings.Repeat("a", 32), typ: css.JobTypeManual, created: now.Add(-time.Minute),
			finished: now.Add(-30 * time.Second), final: css.LogBackupFailed, msg: "old failure"},
		listJob{id: "old-auto", jobID: strings.Repeat("b", 32), typ: css.JobTypeAuto, created: now.Add(-20 * time.Second),
			finished: now.Add(-10 * time.Second), final: css.LogBackupSucceeded})
	l := &jobList{t: t, clock: clock, oldestFirst: true, runFor: 5 * time.Second, jobs: jobs}
	c, m := newClientAt(t, clock, l.handle)

	job, err := c.BackupLogs(within(t, clock), &css.CreateLogBackupRequest{ClusterID: testCluster})
	require.NoError(t, err)
	assertNewJob(t, job, now, css.LogBackupSucceeded)
	assert.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second}, clock.Sleeps())
	// 252 jobs before the trigger, 253 after: the snapshot and the identifying poll read
	// the first page, see it ascend, and read the last window of 100 (153..252, then
	// 154..253); the next polls read only the page around position 253.
	assert.Equal(t, []int{1, 153, 1, 154, 203, 203}, l.listOffsets())
	assertSigned(t, m)
}

func TestBackupLogsManyPages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		oldestFirst bool
		// wantOffsets are the list requests after the trigger.
		wantOffsets []int
	}{
		// The identifying poll reads the first page, sees the list ascend, and reads
		// the last page (jobs 1902..2001), where the new job is; each later poll one page.
		{"oldest first", true, []int{1, 1902, 1951, 1951}},
		// The new job is first; the history is older than the skew allowance.
		{"newest first", false, []int{1, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
			now := clock.Now()
			l := &jobList{t: t, clock: clock, oldestFirst: tc.oldestFirst, runFor: 5 * time.Second, jobs: history(2000, now)}
			c, m := newClientAt(t, clock, l.handle)

			job, err := c.BackupLogs(within(t, clock), &css.CreateLogBackupRequest{ClusterID: testCluster})
			require.NoError(t, err)
			assertNewJob(t, job, now, css.LogBackupSucceeded)
			offsets := l.listOffsets()
			require.Greater(t, len(offsets), len(tc.wantOffsets))
			assert.Equal(t, tc.wantOffsets, offsets[len(offsets)-len(tc.wantOffsets):])
			if tc.oldestFirst {
				assert.Equal(t, []int{1, 1901, 1, 1902, 1951, 1951}, offsets,
					"a list sorted oldest first is read from its end, down to the skew allowance only")
			} else {
				assert.Equal(t, []int{1, 1, 1, 1}, offsets, "a list sorted newest first is read down to the skew allowance only")
			}
			assertSigned(t, m)
		})
	}
}

func TestBackupLogsIgnoresAutoAndOlderJobs(t *testing.T) {
	t.Parallel()
	t.Run("csstest fake", func(t *testing.T) {
		t.Parallel()
		clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
		srv := csstest.NewServer(csstest.WithClock(clock))
		t.Cleanup(srv.Close)
		srv.AddCluster(testCluster)
		now := clock.Now()
		older, err := srv.AddLogBackup(testCluster, css.LogBackup{CreatedAt: now.Add(-time.Minute), Status: css.LogBackupFailed, FailedMessage: "old failure"})
		require.NoError(t, err)
		auto, err := srv.AddLogBackup(testCluster, css.LogBackup{CreatedAt: now.Add(-10 * time.Second), JobType: css.JobTypeAuto})
		require.NoError(t, err)
		c, err := css.New(srv.Config())
		require.NoError(t, err)

		job, err := c.BackupLogs(within(t, clock), &css.CreateLogBackupRequest{ClusterID: testCluster})
		require.NoError(t, err)
		assert.NotContains(t, []string{older.ID, auto.ID}, job.ID)
		assert.Equal(t, css.JobTypeManual, job.JobType)
		assert.Equal(t, css.LogBackupSucceeded, job.Status)
		assert.Equal(t, now, job.CreatedAt)
	})
	t.Run("oldest first, a RUNNING Auto job listed before the new one", func(t *testing.T) {
		t.Parallel()
		clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
		now := clock.Now()
		jobs := append(history(150, now),
			listJob{id: "old-manual", jobID: strings.Repeat("a", 32), typ: css.JobTypeManual, created: now.Add(-time.Minute),
				finished: now.Add(-50 * time.Second), final: css.LogBackupSucceeded})
		l := &jobList{t: t, clock: clock, oldestFirst: true, runFor: 3 * time.Second, jobs: jobs,
			afterTrigger: []listJob{
				// Stamped before the new job, so listed before it, and RUNNING: the job a
				// "first RUNNING record" rule would take.
				{id: "auto", jobID: strings.Repeat("c", 32), typ: css.JobTypeAuto, created: now.Add(-time.Second),
					finished: now.Add(time.Hour), final: css.LogBackupSucceeded},
				// New to the list, Manual, but stamped long before the trigger.
				{id: "stale", jobID: strings.Repeat("d", 32), typ: css.JobTypeManual, created: now.Add(-10 * time.Minute),
					finished: now.Add(-9 * time.Minute), final: css.LogBackupFailed, msg: "stale"},
			}}
		c, m := newClientAt(t, clock, l.handle)

		job, err := c.BackupLogs(within(t, clock), &css.CreateLogBackupRequest{ClusterID: testCluster})
		require.NoError(t, err)
		assertNewJob(t, job, now, css.LogBackupSucceeded)
		assertSigned(t, m)
	})
}

func TestBackupLogsShortJob(t *testing.T) {
	t.Parallel()
	t.Run("csstest fake, over by the first poll", func(t *testing.T) {
		t.Parallel()
		clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
		srv := csstest.NewServer(csstest.WithClock(clock), csstest.WithJobDuration(0))
		t.Cleanup(srv.Close)
		srv.AddCluster(testCluster)
		c, err := css.New(srv.Config())
		require.NoError(t, err)
		job, err := c.BackupLogs(within(t, clock), &css.CreateLogBackupRequest{ClusterID: testCluster})
		require.NoError(t, err)
		assert.Equal(t, css.LogBackupSucceeded, job.Status)
		assert.Equal(t, srv.LogBackups(testCluster)[0], *job)
		assert.Empty(t, clock.Sleeps(), "found on the first poll")
	})
	t.Run("oldest first, failed by the first poll", func(t *testing.T) {
		t.Parallel()
		clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
		l := &jobList{t: t, clock: clock, oldestFirst: true, final: css.LogBackupFailed, msg: "disk full", jobs: history(120, clock.Now())}
		c, _ := newClientAt(t, clock, l.handle)
		_, err := c.BackupLogs(within(t, clock), &css.CreateLogBackupRequest{ClusterID: testCluster})
		var failed *css.JobFailedError
		require.ErrorAs(t, err, &failed)
		assert.Equal(t, "new", failed.Job.ID)
		assert.Equal(t, "disk full", failed.Message)
		assert.Empty(t, clock.Sleeps())
	})
}

func TestBackupLogsGracePeriod(t *testing.T) {
	t.Parallel()
	t.Run("listed 10 s after the trigger", func(t *testing.T) {
		t.Parallel()
		clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
		now := clock.Now()
		l := &jobList{t: t, clock: clock, oldestFirst: true, runFor: 12 * time.Second, hiddenFor: 10 * time.Second, jobs: history(150, now)}
		c, m := newClientAt(t, clock, l.handle)
		job, err := c.BackupLogs(within(t, clock), &css.CreateLogBackupRequest{ClusterID: testCluster})
		require.NoError(t, err)
		assertNewJob(t, job, now, css.LogBackupSucceeded)
		// Polls at 0, 2, 6 s miss it; the one at 14 s finds it done.
		assert.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second}, clock.Sleeps())
		assertSigned(t, m)
	})
	t.Run("never listed", func(t *testing.T) {
		t.Parallel()
		clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
		now := clock.Now()
		l := &jobList{t: t, clock: clock, oldestFirst: true, hiddenFor: 24 * time.Hour, jobs: history(150, now)}
		c, _ := newClientAt(t, clock, l.handle)
		job, err := c.BackupLogs(within(t, clock), &css.CreateLogBackupRequest{ClusterID: testCluster})
		assert.Nil(t, job)
		assert.ErrorIs(t, err, css.ErrJobNotListed)
		assert.NotErrorIs(t, err, context.DeadlineExceeded)
		assert.EqualError(t, err, fmt.Sprintf("css: BackupLogs: backup started at %s, but no new manual job of cluster %s was listed within 30s: job not listed",
			now.Format(time.RFC3339), testCluster))
		// Polls at 0, 2, 6, 14 and 30 s are within the grace period; the one at 60 s is not.
		assert.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second}, clock.Sleeps())
		assert.Equal(t, css.GracePeriod, 30*time.Second)
	})
}

func TestWaitForLogBackup(t *testing.T) {
	t.Parallel()
	const target = "feedfacefeedfacefeedfacefeedface"
	// jobAt returns a job with JobID target that started at now+created, ends at
	// now+ends and is listed from now+listed.
	jobAt := func(now time.Time, typ css.JobType, final css.LogBackupStatus, ends, listed time.Duration) listJob {
		return listJob{id: "d455a541-597e-4846-a6be-baad0ea361b1", jobID: target, typ: typ, created: now.Add(-time.Minute),
			finished: now.Add(ends), final: final, msg: "OBS bucket not reachable", listedFrom: now.Add(listed)}
	}
	for _, tc := range []struct {
		name        string
		oldestFirst bool
		job         func(now time.Time) listJob
		want        css.LogBackupStatus
		wantErr     string // {cluster} stands for the cluster
		sleeps      []time.Duration
		// wantOffsets are the list requests, when asserted.
		wantOffsets []int
		// deadline is the context's, from the start; 0 means an hour.
		deadline time.Duration
	}{
		{
			name: "an Auto job already over, on the last page of a list sorted oldest first", oldestFirst: true,
			job: func(now time.Time) listJob {
				return jobAt(now, css.JobTypeAuto, css.LogBackupSucceeded, -time.Second, 0)
			},
			want: css.LogBackupSucceeded, wantOffsets: []int{1, 101, 201},
		},
		{
			name: "a Manual job RUNNING, then SUCCESS, newest first",
			job: func(now time.Time) listJob {
				return jobAt(now, css.JobTypeManual, css.LogBackupSucceeded, 5*time.Second, 0)
			},
			want: css.LogBackupSucceeded, sleeps: []time.Duration{2 * time.Second, 4 * time.Second},
			// Found on the first page (the whole list read once), then the page around it.
			wantOffsets: []int{1, 1, 1},
		},
		{
			name: "a job older than every other, oldest first, listed after 10 s", oldestFirst: true,
			job: func(now time.Time) listJob {
				j := jobAt(now, css.JobTypeManual, css.LogBackupSucceeded, time.Second, 10*time.Second)
				j.created = now.Add(-1000 * time.Hour)
				return j
			},
			want: css.LogBackupSucceeded, sleeps: []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second},
		},
		{
			name: "FAIL",
			job: func(now time.Time) listJob {
				return jobAt(now, css.JobTypeManual, css.LogBackupFailed, 3*time.Second, 0)
			},
			wantErr: "css: log backup job d455a541-597e-4846-a6be-baad0ea361b1 (job id " + target + ") failed: OBS bucket not reachable",
			sleeps:  []time.Duration{2 * time.Second, 4 * time.Second},
		},
		{
			name: "never listed",
			job: func(now time.Time) listJob {
				return jobAt(now, css.JobTypeAuto, css.LogBackupSucceeded, 0, 24*time.Hour)
			},
			wantErr: "css: WaitForLogBackup: job id " + target + " of cluster {cluster} was not listed within 30s: job not listed",
			sleeps:  []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second},
		},
		{
			name: "still running at the deadline",
			job: func(now time.Time) listJob {
				return jobAt(now, css.JobTypeAuto, css.LogBackupSucceeded, 48*time.Hour, 0)
			},
			wantErr:  "css: WaitForLogBackup: waiting for job id " + target + " of cluster {cluster} (RUNNING when last listed): context deadline exceeded",
			deadline: 2 * time.Minute,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
			now := clock.Now()
			l := &jobList{t: t, clock: clock, oldestFirst: tc.oldestFirst, jobs: append(history(250, now), tc.job(now))}
			c, m := newClientAt(t, clock, l.handle)
			req := &css.WaitForLogBackupRequest{ClusterID: testCluster, JobID: target}
			ctx := within(t, clock)
			if tc.deadline != 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, now.Add(tc.deadline))
				defer cancel()
			}
			job, err := c.WaitForLogBackup(ctx, req)
			assert.Equal(t, &css.WaitForLogBackupRequest{ClusterID: testCluster, JobID: target}, req, "request not modified")
			if tc.wantErr != "" {
				assert.Nil(t, job)
				assert.EqualError(t, err, strings.ReplaceAll(tc.wantErr, "{cluster}", testCluster))
				if tc.name == "FAIL" {
					var failed *css.JobFailedError
					require.ErrorAs(t, err, &failed)
					assert.Equal(t, target, failed.Job.JobID)
					assert.Equal(t, css.LogBackupFailed, failed.Job.Status)
				}
			} else {
				require.NoError(t, err)
				assert.Equal(t, target, job.JobID)
				assert.Equal(t, tc.want, job.Status)
				assert.False(t, job.FinishedAt.IsZero())
			}
			if tc.sleeps != nil || tc.wantErr == "" {
				assert.Equal(t, tc.sleeps, clock.Sleeps())
			}
			if tc.wantOffsets != nil {
				assert.Equal(t, tc.wantOffsets, l.listOffsets())
			}
			for _, r := range m.requests() {
				assert.Equal(t, http.MethodGet, r.Method, "nothing triggered")
			}
			assertSigned(t, m)
		})
	}
}

func TestWaitForLogBackupDelays(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
	now := clock.Now()
	l := &jobList{t: t, clock: clock, jobs: []listJob{{id: "r", jobID: newJobID, typ: css.JobTypeManual, created: now,
		finished: now.Add(9 * time.Second), final: css.LogBackupSucceeded}}}
	c, _ := newClientAt(t, clock, l.handle)
	job, err := c.WaitForLogBackup(within(t, clock), &css.WaitForLogBackupRequest{ClusterID: testCluster, JobID: newJobID},
		hcloud.WithMinDelay(time.Second), hcloud.WithMaxDelay(3*time.Second))
	require.NoError(t, err)
	assert.Equal(t, css.LogBackupSucceeded, job.Status)
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}, clock.Sleeps())
}

func TestWaitForLogBackupValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		req  *css.WaitForLogBackupRequest
		opts []css.Option
		want string
	}{
		{"nil request", nil, nil, "css: WaitForLogBackup: request is nil"},
		{"no ClusterID", &css.WaitForLogBackupRequest{JobID: newJobID}, nil, "css: WaitForLogBackup: ClusterID is required"},
		{"no JobID", &css.WaitForLogBackupRequest{ClusterID: testCluster}, nil, "css: WaitForLogBackup: JobID is required"},
		{"ClusterID not an ID", &css.WaitForLogBackupRequest{ClusterID: "nope", JobID: newJobID}, nil,
			`css: WaitForLogBackup: ClusterID "nope" is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`},
		{"record ID instead of JobID", &css.WaitForLogBackupRequest{ClusterID: testCluster, JobID: "d455a541-597e-4846-a6be-baad0ea361b1"}, nil,
			`css: WaitForLogBackup: JobID "d455a541-597e-4846-a6be-baad0ea361b1" has the form of a record ID (LogBackup.ID); pass the job's LogBackup.JobID`},
		{"MinDelay negative", &css.WaitForLogBackupRequest{ClusterID: testCluster, JobID: newJobID}, []css.Option{hcloud.WithMinDelay(-time.Second)},
			"css: WaitForLogBackup: option MinDelay -1s must not be negative"},
		{"MaxDelay below MinDelay", &css.WaitForLogBackupRequest{ClusterID: testCluster, JobID: newJobID},
			[]css.Option{hcloud.WithMinDelay(2 * time.Second), hcloud.WithMaxDelay(time.Second)}, "css: WaitForLogBackup: option MaxDelay 1s is below MinDelay 2s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newClient(t, always(http.StatusOK, `{"clusterLogRecord":[]}`))
			job, err := c.WaitForLogBackup(context.Background(), tc.req, tc.opts...)
			assert.Nil(t, job)
			assert.ErrorIs(t, err, css.ErrInvalidRequest)
			assert.EqualError(t, err, tc.want)
			assert.Empty(t, m.requests(), "nothing sent")
		})
	}
}

func TestWaitForLogBackupErrors(t *testing.T) {
	t.Parallel()
	c, m := newClient(t, always(http.StatusForbidden, `{"error_code":"APIG.0302","error_msg":"not authorized"}`))
	_, err := c.WaitForLogBackup(context.Background(), &css.WaitForLogBackupRequest{ClusterID: testCluster, JobID: newJobID})
	var apiErr *css.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "ListLogBackups", apiErr.Operation)
	assert.ErrorIs(t, err, css.ErrForbidden)
	assert.ErrorContains(t, err, "css: WaitForLogBackup: job id "+newJobID+" of cluster "+testCluster+" not listed yet: css: ListLogBackups: 403 APIG.0302")
	assert.Len(t, m.requests(), 1)
}

func TestWaitForLogBackupFake(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
	srv := csstest.NewServer(csstest.WithClock(clock), csstest.WithJobDuration(5*time.Second))
	t.Cleanup(srv.Close)
	srv.AddCluster(testCluster)
	c, err := css.New(srv.Config())
	require.NoError(t, err)
	ctx := within(t, clock)

	auto, err := srv.AddLogBackup(testCluster, css.LogBackup{CreatedAt: clock.Now().Add(-time.Hour), JobType: css.JobTypeAuto})
	require.NoError(t, err)
	job, err := c.WaitForLogBackup(ctx, &css.WaitForLogBackupRequest{ClusterID: testCluster, JobID: auto.JobID})
	require.NoError(t, err)
	assert.Equal(t, auto, *job, "a finished Auto job is returned at once")
	assert.Empty(t, clock.Sleeps())

	// A backup started elsewhere: its job is the RUNNING one.
	_, err = c.CreateLogBackup(ctx, &css.CreateLogBackupRequest{ClusterID: testCluster})
	require.NoError(t, err)
	running := srv.LogBackups(testCluster)[0]
	require.Equal(t, css.LogBackupRunning, running.Status)
	job, err = c.WaitForLogBackup(ctx, &css.WaitForLogBackupRequest{ClusterID: testCluster, JobID: running.JobID})
	require.NoError(t, err)
	assert.Equal(t, running.ID, job.ID)
	assert.Equal(t, css.LogBackupSucceeded, job.Status)
	assert.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second}, clock.Sleeps())
}

// TestBackupLogsOldestFirstStartOnly: on a service that lists oldest first and honours
// only start, reading the list from its end comes back with its head; BackupLogs then
// reads the whole list, through start, and still finds its job.
func TestBackupLogsOldestFirstStartOnly(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
	srv := csstest.NewServer(csstest.WithClock(clock), csstest.WithOldestFirst(),
		csstest.WithPositionParam(csstest.PositionStart), csstest.WithJobDuration(3*time.Second))
	t.Cleanup(srv.Close)
	srv.AddCluster(testCluster)
	require.NoError(t, srv.AddLogBackups(testCluster, 250))
	cfg := srv.Config()
	cfg.Clock = clock
	c, err := css.New(cfg)
	require.NoError(t, err)

	job, err := c.BackupLogs(within(t, clock), &css.CreateLogBackupRequest{ClusterID: testCluster})
	require.NoError(t, err)
	assert.Equal(t, css.LogBackupSucceeded, job.Status)
	assert.Equal(t, css.JobTypeManual, job.JobType)
	assert.False(t, job.CreatedAt.Before(clock.Now().Add(-time.Minute)), "the new job, not one of the 250 older ones")
}
