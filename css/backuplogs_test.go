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
	"github.com/hcloudlogs/hcloudlogs-go/fakeclock"
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
			"css: BackupLogs: backup started as job new (RUNNING when last listed), waiting for it: context deadline exceeded"},
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
