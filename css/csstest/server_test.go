package csstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// raw sends a signed request to srv, bypassing the client's validation, and returns
// the status, the decoded JSON body (nil when empty) and the request ID.
func raw(t *testing.T, srv *csstest.Server, clock *fakeclock.Clock, method, pathAndQuery string, body []byte) (int, map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+pathAndQuery, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Project-Id", srv.ProjectID)
	require.NoError(t, signer.Sign(req, body, srv.Credentials, clock.Now()))
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, &out), "body %s", b)
	}
	return resp.StatusCode, out, resp.Header.Get("X-Request-Id")
}

func logsPath(srv *csstest.Server, cluster string) string {
	return "/v1.0/" + srv.ProjectID + "/clusters/" + cluster + "/logs"
}

func TestWireFormat(t *testing.T) {
	t.Parallel()
	srv, _, clock := setup(t)
	base := logsPath(srv, clusterA)

	status, body, reqID := raw(t, srv, clock, http.MethodPost, base+"/collect", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Nil(t, body, "collect answers an empty body")
	assert.Len(t, reqID, 32)

	status, body, _ = raw(t, srv, clock, http.MethodGet, base+"/records", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, float64(1), body["totalSize"])
	recs := body["clusterLogRecord"].([]any)
	require.Len(t, recs, 1)
	rec := recs[0].(map[string]any)
	assert.Equal(t, float64(clock.Now().UnixMilli()), rec["createAt"], "createAt is a JSON number of milliseconds")
	assert.Equal(t, "RUNNING", rec["status"])
	assert.Equal(t, "Manual", rec["jobTypes"])
	assert.Contains(t, rec, "finishedAt")
	assert.Nil(t, rec["finishedAt"], "null while running")
	assert.Nil(t, rec["failedMsg"])
	assert.Equal(t, clusterA, rec["clusterId"])
	assert.Len(t, rec["id"], 36)
	assert.Len(t, rec["jobId"], 32)
	assert.Regexp(t, `^css-backup-\d+/css/log$`, rec["logPath"])

	clock.Advance(csstest.DefaultJobDuration)
	_, body, _ = raw(t, srv, clock, http.MethodGet, base+"/records", nil)
	rec = body["clusterLogRecord"].([]any)[0].(map[string]any)
	assert.Equal(t, "SUCCESS", rec["status"])
	assert.Equal(t, float64(clock.Now().UnixMilli()), rec["finishedAt"])

	status, body, _ = raw(t, srv, clock, http.MethodGet, base+"/settings", nil)
	require.Equal(t, http.StatusOK, status)
	lc := body["logConfiguration"].(map[string]any)
	assert.Equal(t, true, lc["logSwitch"])
	assert.Equal(t, false, lc["autoEnable"])
	assert.Contains(t, lc, "period")
	assert.Nil(t, lc["period"], "null while the policy is off")
	assert.IsType(t, float64(0), lc["updateAt"])
	assert.NotContains(t, body, "realTimeLogCollectRecord")
}

func TestBadQueries(t *testing.T) {
	t.Parallel()
	srv, _, clock := setup(t)
	base := logsPath(srv, clusterA)
	for _, q := range []string{"offset=0", "offset=-1", "offset=x", "limit=0", "limit=1001", "limit=1.5", "status=RUNNING", "status=fail"} {
		t.Run(q, func(t *testing.T) {
			status, body, _ := raw(t, srv, clock, http.MethodGet, base+"/records?"+q, nil)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, csstest.CodeInvalidParameter, body["error_code"])
			assert.NotEmpty(t, body["error_msg"])
		})
	}
	for _, tc := range []struct{ path, body string }{
		{"/open?action=other", `{}`},
		{"/open", `{"unknown":1}`},
		{"/open", `{"keep_days":0}`},
		{"/open?action=real_time_log_collect", `{"index_prefix":"p"}`},
		{"/settings", `{"auto_enable":true}`},
		{"/settings", ``},
		{"/policy/update", `{}`},
		{"/search", `{"log_type":"instance"}`},
		{"/search", `{"instance_name":"n","log_type":"gc"}`},
		{"/search", `{"instance_name":"n","log_type":"instance","level":"FATAL"}`},
		{"/search", `{"instance_name":"n","log_type":"instance","limit":0}`},
		{"/search", `{"instance_name":"n","log_type":"instance","limit":10001}`},
		{"/search", `{"instance_name":"n","log_type":"instance","time_index":"yesterday"}`},
	} {
		t.Run(tc.path+" "+tc.body, func(t *testing.T) {
			status, body, _ := raw(t, srv, clock, http.MethodPost, base+tc.path, []byte(tc.body))
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, csstest.CodeInvalidParameter, body["error_code"])
			assert.NotEmpty(t, body["error_msg"])
		})
	}
}

func TestUnknownClusterAnswers404(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t)
	ctx := context.Background()
	calls := map[string]func() error{
		"CreateLogBackup": func() error {
			_, err := client.CreateLogBackup(ctx, &css.CreateLogBackupRequest{ClusterID: clusterB})
			return err
		},
		"ListLogBackups": func() error {
			_, err := client.ListLogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: clusterB})
			return err
		},
		"GetLogSettings": func() error {
			_, err := client.GetLogSettings(ctx, &css.GetLogSettingsRequest{ClusterID: clusterB})
			return err
		},
		"EnableLogBackup": func() error {
			_, err := client.EnableLogBackup(ctx, &css.EnableLogBackupRequest{ClusterID: clusterB})
			return err
		},
		"UpdateLogSettings": func() error {
			_, err := client.UpdateLogSettings(ctx, &css.UpdateLogSettingsRequest{ClusterID: clusterB})
			return err
		},
		"DisableLogBackup": func() error {
			_, err := client.DisableLogBackup(ctx, &css.DisableLogBackupRequest{ClusterID: clusterB})
			return err
		},
		"SetAutoBackupPolicy": func() error {
			_, err := client.SetAutoBackupPolicy(ctx, &css.SetAutoBackupPolicyRequest{ClusterID: clusterB, Period: "00:00 GMT+08:00"})
			return err
		},
		"DisableAutoBackupPolicy": func() error {
			_, err := client.DisableAutoBackupPolicy(ctx, &css.DisableAutoBackupPolicyRequest{ClusterID: clusterB})
			return err
		},
		"SearchLogs": func() error {
			_, err := client.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: clusterB, InstanceName: "n", LogType: css.LogTypeInstance})
			return err
		},
	}
	for op, call := range calls {
		t.Run(op, func(t *testing.T) {
			err := call()
			var apiErr *css.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusNotFound, apiErr.StatusCode)
			assert.Equal(t, csstest.CodeClusterNotFound, apiErr.Code)
			assert.Contains(t, apiErr.Message, clusterB)
			assert.Len(t, apiErr.RequestID, 32)
			assert.Equal(t, 1, apiErr.Attempts)
			assert.ErrorIs(t, err, css.ErrNotFound)
		})
	}
	assert.Nil(t, srv.LogBackups(clusterB))
}

func TestJobLifecycle(t *testing.T) {
	t.Parallel()
	srv, client, clock := setup(t, csstest.WithJobDuration(10*time.Second))
	ctx := context.Background()
	collect := func() error {
		_, err := client.CreateLogBackup(ctx, &css.CreateLogBackupRequest{ClusterID: clusterA})
		return err
	}
	start := clock.Now()
	require.NoError(t, collect())
	jobs := srv.LogBackups(clusterA)
	require.Len(t, jobs, 1)
	assert.Equal(t, css.LogBackupRunning, jobs[0].Status)
	assert.Equal(t, start, jobs[0].CreatedAt)
	assert.True(t, jobs[0].FinishedAt.IsZero())

	// A second backup while the job runs answers 409; the client retries (the fake
	// clock passes the retry waits) and gives up with the last reply.
	err := collect()
	var apiErr *css.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusConflict, apiErr.StatusCode)
	assert.Equal(t, csstest.CodeJobRunning, apiErr.Code)
	assert.Equal(t, 4, apiErr.Attempts)
	assert.Equal(t, 5, srv.Requests(csstest.RouteCreateLogBackup))

	clock.Advance(10 * time.Second)
	jobs = srv.LogBackups(clusterA)
	require.Len(t, jobs, 1, "refused backups create no job")
	assert.Equal(t, css.LogBackupSucceeded, jobs[0].Status)
	assert.Equal(t, start.Add(10*time.Second), jobs[0].FinishedAt)
	assert.Empty(t, jobs[0].FailedMessage)

	require.NoError(t, collect(), "the cluster is free again")
	jobs = srv.LogBackups(clusterA)
	require.Len(t, jobs, 2)
	assert.Equal(t, css.LogBackupRunning, jobs[0].Status, "newest first")
}

// TestListingDelay checks WithListingDelay: a started job is left out of the list, its
// total and LogBackups until the delay has passed, while it keeps the cluster busy
// from the start; a seeded job is listed at once.
func TestListingDelay(t *testing.T) {
	t.Parallel()
	srv, client, clock := setup(t, csstest.WithListingDelay(10*time.Second), csstest.WithJobDuration(time.Hour))
	ctx := context.Background()
	seeded, err := srv.AddLogBackup(clusterA, css.LogBackup{CreatedAt: clock.Now().Add(-time.Hour)})
	require.NoError(t, err)
	start := clock.Now()
	_, err = client.CreateLogBackup(ctx, &css.CreateLogBackupRequest{ClusterID: clusterA})
	require.NoError(t, err)

	list := func(filter css.StatusFilter) []css.LogBackup {
		t.Helper()
		resp, err := client.ListLogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: clusterA, Status: filter})
		require.NoError(t, err)
		require.NotNil(t, resp.Total)
		assert.Len(t, resp.Records, *resp.Total, "totalSize counts the listed jobs only")
		return resp.Records
	}
	assert.Equal(t, []css.LogBackup{seeded}, list(""), "not listed yet")
	assert.Equal(t, []css.LogBackup{seeded}, list(css.StatusFilterNotFailed))
	assert.Equal(t, []css.LogBackup{seeded}, srv.LogBackups(clusterA))

	_, err = client.CreateLogBackup(ctx, &css.CreateLogBackupRequest{ClusterID: clusterA},
		hcloud.WithRetry(hcloud.RetryPolicy{MaxAttempts: 1}))
	require.ErrorIs(t, err, css.ErrConflict, "the unlisted job runs all the same")

	clock.Set(start.Add(10*time.Second - time.Millisecond))
	assert.Len(t, list(""), 1)
	clock.Set(start.Add(10 * time.Second))
	jobs := list("")
	require.Len(t, jobs, 2, "listed once the delay has passed")
	assert.Equal(t, css.LogBackupRunning, jobs[0].Status)
	assert.Equal(t, start, jobs[0].CreatedAt)
	assert.Equal(t, seeded, jobs[1])
	assert.Len(t, list(css.StatusFilterNotFailed), 2)
	assert.Equal(t, jobs, srv.LogBackups(clusterA))
}

func TestJobFailure(t *testing.T) {
	t.Parallel()
	srv, client, clock := setup(t, csstest.WithJobFailure("OBS bucket css-backup is not reachable"), csstest.WithJobDuration(time.Second))
	_, err := client.CreateLogBackup(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
	require.NoError(t, err)
	assert.Equal(t, css.LogBackupRunning, srv.LogBackups(clusterA)[0].Status)
	assert.Empty(t, srv.LogBackups(clusterA)[0].FailedMessage, "no message while running")
	clock.Advance(time.Second)
	job := srv.LogBackups(clusterA)[0]
	assert.Equal(t, css.LogBackupFailed, job.Status)
	assert.Equal(t, "OBS bucket css-backup is not reachable", job.FailedMessage)
}

func TestCollectNeedsLogBackupEnabled(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t, csstest.WithJobDuration(0))
	require.NoError(t, srv.SetLogBackupEnabled(clusterA, false))
	_, err := client.CreateLogBackup(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
	var apiErr *css.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusPreconditionFailed, apiErr.StatusCode)
	assert.Equal(t, csstest.CodeLogBackupDisabled, apiErr.Code)
	assert.Empty(t, srv.LogBackups(clusterA))

	require.NoError(t, srv.SetLogBackupEnabled(clusterA, true))
	_, err = client.CreateLogBackup(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
	require.NoError(t, err)
	assert.Error(t, srv.SetLogBackupEnabled(clusterB, true), "unknown cluster")
}

func TestListPaging(t *testing.T) {
	t.Parallel()
	srv, client, clock := setup(t)
	ctx := context.Background()
	require.NoError(t, srv.AddLogBackups(clusterA, 95))
	running, err := srv.AddLogBackup(clusterA, css.LogBackup{Status: css.LogBackupRunning, JobType: css.JobTypeAuto})
	require.NoError(t, err)
	all := srv.LogBackups(clusterA)
	require.Len(t, all, 96)
	assert.Equal(t, running, all[0], "the seeded job is the newest")
	assert.Equal(t, clock.Now(), running.CreatedAt)
	assert.True(t, running.FinishedAt.IsZero())
	for i := 1; i < len(all); i++ {
		assert.True(t, all[i].CreatedAt.Before(all[i-1].CreatedAt), "newest first")
	}

	for _, tc := range []struct {
		name  string
		req   css.ListLogBackupsRequest
		first int // index into want of the first record
		want  []css.LogBackup
		count int
		total int
	}{
		{"first page", css.ListLogBackupsRequest{}, 0, all, 10, 96},
		{"offset and limit", css.ListLogBackupsRequest{Offset: 91, Limit: 10}, 90, all, 6, 96},
		{"offset past the end", css.ListLogBackupsRequest{Offset: 97, Limit: 10}, 0, nil, 0, 96},
		{"failed only", css.ListLogBackupsRequest{Status: css.StatusFilterFailed, Limit: 1000}, 0, filter(all, true), 9, 9},
		{"not failed, second page", css.ListLogBackupsRequest{Status: css.StatusFilterNotFailed, Offset: 51, Limit: 50}, 50, filter(all, false), 37, 87},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.ClusterID = clusterA
			resp, err := client.ListLogBackups(ctx, &req)
			require.NoError(t, err)
			require.NotNil(t, resp.Total)
			assert.Equal(t, tc.total, *resp.Total)
			require.Len(t, resp.Records, tc.count)
			if tc.count > 0 {
				assert.Equal(t, tc.want[tc.first:tc.first+tc.count], resp.Records)
			}
		})
	}

	var ids []string
	for job, err := range client.LogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: clusterA, Limit: 7}) {
		require.NoError(t, err)
		ids = append(ids, job.ID)
	}
	require.Len(t, ids, 96)
	for i, job := range all {
		assert.Equal(t, job.ID, ids[i])
	}
}

// filter returns the jobs that failed (or did not).
func filter(jobs []css.LogBackup, failed bool) []css.LogBackup {
	var out []css.LogBackup
	for _, j := range jobs {
		if (j.Status == css.LogBackupFailed) == failed {
			out = append(out, j)
		}
	}
	return out
}

func TestSeededRunningJobKeepsClusterBusy(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t)
	_, err := srv.AddLogBackup(clusterA, css.LogBackup{ID: "stuck", Status: css.LogBackupRunning})
	require.NoError(t, err)
	_, err = client.CreateLogBackup(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
	assert.ErrorIs(t, err, css.ErrConflict)
	_, err = srv.AddLogBackup(clusterB, css.LogBackup{})
	assert.Error(t, err, "unknown cluster")
	assert.Error(t, srv.AddLogBackups(clusterB, 1))
}

func TestAddLogBackupKeepsGivenFields(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t)
	created := time.Date(2024, 7, 1, 11, 32, 49, 0, time.UTC)
	want := css.LogBackup{
		ID: "d455a541-597e-4846-a6be-baad0ea361b1", ClusterID: clusterA, JobID: "2c9080df7c171342017c5e0884f8011c",
		CreatedAt: created, FinishedAt: created.Add(time.Minute), LogPath: "bucket/path", Status: css.LogBackupFailed,
		JobType: css.JobTypeAuto, FailedMessage: "boom",
	}
	got, err := srv.AddLogBackup(clusterA, want)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	resp, err := client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: clusterA})
	require.NoError(t, err)
	assert.Equal(t, []css.LogBackup{want}, resp.Records, "the client decodes what was seeded")
}

func TestManyRecords(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t)
	const n = 5000
	require.NoError(t, srv.AddLogBackups(clusterA, n))
	count, failed := 0, 0
	var prev time.Time
	for job, err := range client.LogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: clusterA}) {
		require.NoError(t, err)
		if count > 0 && !job.CreatedAt.Before(prev) {
			t.Fatalf("job %d is not older than the one before", count)
		}
		prev = job.CreatedAt
		count++
		if job.Status == css.LogBackupFailed {
			failed++
		}
	}
	assert.Equal(t, n, count)
	assert.Equal(t, n/10, failed)
	assert.Equal(t, n/1000, srv.Requests(csstest.RouteListLogBackups), "pages of 1000, the total stops the iteration")
}

func TestEnableLogBackupNeedsBucket(t *testing.T) {
	t.Parallel()
	srv, client, clock := setup(t)
	require.NoError(t, srv.SetLogBackupEnabled(clusterA, false))
	status, body, _ := raw(t, srv, clock, http.MethodPost, logsPath(srv, clusterA)+"/open", []byte(`{"log_bucket":""}`))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, csstest.CodeInvalidParameter, body["error_code"])
	s, ok := srv.LogSettings(clusterA)
	require.True(t, ok)
	assert.False(t, s.Enabled, "a refused request changes nothing")
	assert.NotEmpty(t, s.Bucket)

	_, err := client.EnableLogBackup(context.Background(), &css.EnableLogBackupRequest{ClusterID: clusterA})
	require.NoError(t, err, "the configured bucket, path and agency are kept")
	s, _ = srv.LogSettings(clusterA)
	assert.True(t, s.Enabled)
	_, ok = srv.LogSettings(clusterB)
	assert.False(t, ok)
}
