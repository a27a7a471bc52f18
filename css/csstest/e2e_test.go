package csstest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

func TestEndToEndBackupLogs(t *testing.T) {
	t.Parallel()
	srv, client, clock := setup(t)
	// A job that finished a minute ago must not be mistaken for the new one.
	old, err := srv.AddLogBackup(clusterA, css.LogBackup{CreatedAt: clock.Now().Add(-time.Minute), Status: css.LogBackupFailed, FailedMessage: "old"})
	require.NoError(t, err)
	start := clock.Now()

	job, err := client.BackupLogs(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
	require.NoError(t, err)
	assert.NotEqual(t, old.ID, job.ID)
	assert.Equal(t, css.LogBackupSucceeded, job.Status)
	assert.Equal(t, css.JobTypeManual, job.JobType)
	assert.Equal(t, clusterA, job.ClusterID)
	assert.Equal(t, start, job.CreatedAt)
	assert.Equal(t, start.Add(csstest.DefaultJobDuration), job.FinishedAt)
	assert.Equal(t, srv.LogBackups(clusterA)[0], *job)
	assert.Equal(t, 1, srv.Requests(csstest.RouteCreateLogBackup))
	// Snapshot, the poll right after the trigger (RUNNING) and one after 2 s (SUCCESS).
	assert.Equal(t, 3, srv.Requests(csstest.RouteListLogBackups))
}

// TestEndToEndBackupLogsListedLate runs BackupLogs against a service that lists a new
// job late (WithListingDelay): a job listed within css.GracePeriod is found, already
// over; one listed later ends the wait with css.ErrJobNotListed.
func TestEndToEndBackupLogsListedLate(t *testing.T) {
	t.Parallel()
	t.Run("within the grace period", func(t *testing.T) {
		t.Parallel()
		srv, client, clock := setup(t, csstest.WithListingDelay(10*time.Second))
		start := clock.Now()
		job, err := client.BackupLogs(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
		require.NoError(t, err)
		assert.Equal(t, css.LogBackupSucceeded, job.Status)
		assert.Equal(t, start, job.CreatedAt)
		assert.Equal(t, srv.LogBackups(clusterA)[0], *job)
		// Polls right after the trigger and after 2, 6 and 14 s: the job is listed from 10 s.
		assert.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second}, clock.Sleeps())
		assert.Equal(t, 5, srv.Requests(csstest.RouteListLogBackups), "the snapshot and four polls")
	})
	t.Run("after the grace period", func(t *testing.T) {
		t.Parallel()
		srv, client, clock := setup(t, csstest.WithListingDelay(5*time.Minute))
		start := clock.Now()
		job, err := client.BackupLogs(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
		assert.Nil(t, job)
		require.ErrorIs(t, err, css.ErrJobNotListed)
		assert.Contains(t, err.Error(), clusterA)
		assert.Contains(t, err.Error(), css.GracePeriod.String())
		assert.Greater(t, clock.Now().Sub(start), css.GracePeriod, "gave up only after the grace period")
		assert.Less(t, clock.Now().Sub(start), 5*time.Minute)
		assert.Empty(t, srv.LogBackups(clusterA))

		clock.Set(start.Add(5 * time.Minute))
		jobs := srv.LogBackups(clusterA)
		require.Len(t, jobs, 1, "the job ran all the same")
		assert.Equal(t, css.LogBackupSucceeded, jobs[0].Status)
	})
}

func TestEndToEndBackupLogsFailure(t *testing.T) {
	t.Parallel()
	_, client, _ := setup(t, csstest.WithJobFailure("OBS bucket css-backup is not reachable"))
	job, err := client.BackupLogs(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA}, hcloud.WithMinDelay(500*time.Millisecond))
	assert.Nil(t, job)
	var failed *css.JobFailedError
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, "OBS bucket css-backup is not reachable", failed.Message)
	assert.Equal(t, css.LogBackupFailed, failed.Job.Status)
	assert.Contains(t, err.Error(), failed.Job.ID)
}

func TestEndToEndBackupLogsWhileBusy(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t)
	_, err := srv.AddLogBackup(clusterA, css.LogBackup{Status: css.LogBackupRunning})
	require.NoError(t, err)
	_, err = client.BackupLogs(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
	var apiErr *css.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, csstest.CodeJobRunning, apiErr.Code)
	assert.Equal(t, 4, apiErr.Attempts)
}

func TestEndToEndLogSettings(t *testing.T) {
	t.Parallel()
	srv, client, clock := setup(t)
	srv.AddCluster(clusterB)
	ctx := context.Background()
	get := func() *css.GetLogSettingsResponse {
		t.Helper()
		resp, err := client.GetLogSettings(ctx, &css.GetLogSettingsRequest{ClusterID: clusterA})
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Len(t, resp.RequestID, 32)
		return resp
	}

	s := get()
	want, ok := srv.LogSettings(clusterA)
	require.True(t, ok)
	assert.Equal(t, want, s.LogSettings)
	assert.True(t, s.Enabled)
	assert.Equal(t, clusterA, s.ClusterID)
	assert.Equal(t, "css_obs_agency", s.Agency)
	assert.Equal(t, "css/log", s.BasePath)
	assert.Nil(t, s.RealTimeCollection)

	_, err := client.DisableLogBackup(ctx, &css.DisableLogBackupRequest{ClusterID: clusterA})
	require.NoError(t, err)
	assert.False(t, get().Enabled)
	_, err = client.SetAutoBackupPolicy(ctx, &css.SetAutoBackupPolicyRequest{ClusterID: clusterA, Period: "00:00 GMT+08:00"})
	assert.ErrorIs(t, err, css.ErrPreconditionFailed, "no policy while log backup is off")

	clock.Advance(time.Minute)
	_, err = client.EnableLogBackup(ctx, &css.EnableLogBackupRequest{
		ClusterID: clusterA, Agency: "agency2", LogBucket: "bucket2", LogBasePath: "logs",
	})
	require.NoError(t, err)
	s = get()
	assert.True(t, s.Enabled)
	assert.Equal(t, "bucket2", s.Bucket)
	assert.Equal(t, "agency2", s.Agency)
	assert.Equal(t, "logs", s.BasePath)
	assert.Equal(t, clock.Now().Truncate(time.Millisecond), s.UpdatedAt)

	_, err = client.SetAutoBackupPolicy(ctx, &css.SetAutoBackupPolicyRequest{ClusterID: clusterA, Period: "00:00 GMT+08:00"})
	require.NoError(t, err)
	s = get()
	assert.True(t, s.AutoBackup)
	assert.Equal(t, "00:00 GMT+08:00", s.Period)

	on := true
	_, err = client.UpdateLogSettings(ctx, &css.UpdateLogSettingsRequest{ClusterID: clusterA, AutoEnable: &on, Period: "03:00 GMT+08:00", LogBasePath: "logs2"})
	require.NoError(t, err)
	s = get()
	assert.Equal(t, "03:00 GMT+08:00", s.Period)
	assert.Equal(t, "logs2", s.BasePath)

	_, err = client.DisableAutoBackupPolicy(ctx, &css.DisableAutoBackupPolicyRequest{ClusterID: clusterA})
	require.NoError(t, err)
	s = get()
	assert.False(t, s.AutoBackup)
	assert.Empty(t, s.Period)
	assert.True(t, s.Enabled)

	clock.Advance(time.Minute)
	_, err = client.EnableLogBackup(ctx, &css.EnableLogBackupRequest{
		ClusterID: clusterA, Action: css.ActionRealTimeLogCollect, IndexPrefix: "css-log-", KeepDays: 7, TargetClusterID: clusterB,
	})
	require.NoError(t, err)
	rt := get().RealTimeCollection
	require.NotNil(t, rt)
	assert.Equal(t, css.RealTimeLogCollection{
		ID: rt.ID, ClusterID: clusterA, IndexPrefix: "css-log-", KeepDays: 7, TargetClusterID: clusterB, Status: "ON",
		CreatedAt: clock.Now().Truncate(time.Millisecond), UpdatedAt: clock.Now().Truncate(time.Millisecond),
	}, *rt)
	assert.Len(t, rt.ID, 36)

	_, err = client.EnableLogBackup(ctx, &css.EnableLogBackupRequest{
		ClusterID: clusterA, Action: css.ActionRealTimeLogCollect, IndexPrefix: "p", KeepDays: 1, TargetClusterID: "missing",
	})
	assert.ErrorIs(t, err, css.ErrNotFound)
}

func TestEndToEndSearchLogs(t *testing.T) {
	t.Parallel()
	srv, client, clock := setup(t)
	ctx := context.Background()
	node := csstest.NodeName(clusterA)
	assert.Equal(t, "css-4213d908-ess-esn-1-1", node)

	resp, err := client.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: clusterA, InstanceName: node, LogType: css.LogTypeInstance})
	require.NoError(t, err)
	assert.True(t, resp.Completed)
	assert.Equal(t, css.LogTypeInstance, resp.Type)
	require.Len(t, resp.Logs, 4)
	for i := 1; i < len(resp.Logs); i++ {
		assert.True(t, resp.Logs[i].Date.Before(resp.Logs[i-1].Date), "newest first")
	}
	assert.Equal(t, css.LogLevelError, resp.Logs[0].Level)
	assert.Equal(t, resp.Logs[0].Date.Format("2006-01-02 15:04:05"), resp.Logs[0].DateText)

	resp, err = client.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: clusterA, InstanceName: node, LogType: css.LogTypeInstance, Limit: 2})
	require.NoError(t, err)
	assert.False(t, resp.Completed, "more lines than the limit")
	assert.Len(t, resp.Logs, 2)

	resp, err = client.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: clusterA, InstanceName: node, LogType: css.LogTypeInstance, Level: css.LogLevelWarn})
	require.NoError(t, err)
	require.Len(t, resp.Logs, 1)
	assert.Contains(t, resp.Logs[0].Content, "watermark")

	resp, err = client.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: clusterA, InstanceName: node, LogType: css.LogTypeInstance, Keyword: "health"})
	require.NoError(t, err)
	require.Len(t, resp.Logs, 1)

	before := clock.Now().Add(-35 * time.Minute).UTC().Format("2006-01-02 15:04:05")
	resp, err = client.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: clusterA, InstanceName: node, LogType: css.LogTypeInstance, TimeIndex: before})
	require.NoError(t, err)
	assert.Len(t, resp.Logs, 2, "only the lines logged 40 and 50 minutes ago")

	e := css.LogEntry{Content: "[" + node + "] shard started", Level: css.LogLevelDebug}
	require.NoError(t, srv.AddLogEntry(clusterA, node, css.LogTypeInstance, e))
	resp, err = client.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: clusterA, InstanceName: node, LogType: css.LogTypeInstance, Limit: 1})
	require.NoError(t, err)
	require.Len(t, resp.Logs, 1)
	assert.Equal(t, e.Content, resp.Logs[0].Content)
	assert.Equal(t, clock.Now().Truncate(time.Second), resp.Logs[0].Date)
	assert.Error(t, srv.AddLogEntry(clusterB, node, css.LogTypeInstance, e))

	resp, err = client.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: clusterA, InstanceName: "other-node", LogType: css.LogTypeInstance})
	require.NoError(t, err)
	assert.Empty(t, resp.Logs)
	assert.True(t, resp.Completed)
}

func TestRetriesThroughInjectedFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		fault    csstest.Fault
		call     func(*css.Client) error
		hits     int
		requests int
	}{
		{
			name:  "429 with Retry-After on the list",
			fault: csstest.Fault{Route: csstest.RouteListLogBackups, Status: http.StatusTooManyRequests, RetryAfter: "3", Times: 2},
			call: func(c *css.Client) error {
				_, err := c.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: clusterA})
				return err
			},
			hits: 2, requests: 3,
		},
		{
			name:  "409 on collect",
			fault: csstest.Fault{Route: csstest.RouteCreateLogBackup, Status: http.StatusConflict, Code: csstest.CodeJobRunning, Times: 2},
			call: func(c *css.Client) error {
				_, err := c.CreateLogBackup(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
				return err
			},
			hits: 2, requests: 3,
		},
		{
			name:  "412 on collect",
			fault: csstest.Fault{Route: csstest.RouteCreateLogBackup, Status: http.StatusPreconditionFailed, Code: csstest.CodeLogBackupDisabled, Times: 3},
			call: func(c *css.Client) error {
				_, err := c.CreateLogBackup(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
				return err
			},
			hits: 3, requests: 4,
		},
		{
			name:  "503 on a GET",
			fault: csstest.Fault{Route: csstest.RouteGetLogSettings, Status: http.StatusServiceUnavailable, Times: 1},
			call: func(c *css.Client) error {
				_, err := c.GetLogSettings(context.Background(), &css.GetLogSettingsRequest{ClusterID: clusterA})
				return err
			},
			hits: 1, requests: 2,
		},
		{
			name:  "429 on every route during BackupLogs",
			fault: csstest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 2},
			call: func(c *css.Client) error {
				_, err := c.BackupLogs(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
				return err
			},
			hits: 2, requests: 0,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, client, _ := setup(t)
			inj, err := srv.InjectFault(tc.fault)
			require.NoError(t, err)
			require.NoError(t, tc.call(client))
			assert.Equal(t, tc.hits, inj.Hits())
			if tc.requests > 0 {
				assert.Equal(t, tc.requests, srv.Requests(tc.fault.Route))
			}
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t)
	_, err := srv.InjectFault(csstest.Fault{Route: csstest.RouteCreateLogBackup, Status: http.StatusTooManyRequests, Code: "APIG.0308", Message: "throttled", RetryAfter: "2"})
	require.NoError(t, err)
	_, err = client.CreateLogBackup(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
	var apiErr *css.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "APIG.0308", apiErr.Code)
	assert.Equal(t, 4, apiErr.Attempts)
	assert.Len(t, apiErr.RequestID, 32)
	assert.ErrorIs(t, err, css.ErrThrottled)
	assert.Empty(t, srv.LogBackups(clusterA), "the handler never ran")
}

func TestPOST500NotRetried(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t)
	_, err := srv.InjectFault(csstest.Fault{Route: csstest.RouteCreateLogBackup, Status: http.StatusInternalServerError})
	require.NoError(t, err)
	_, err = client.CreateLogBackup(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
	var apiErr *css.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 1, apiErr.Attempts)
	assert.Equal(t, 1, srv.Requests(csstest.RouteCreateLogBackup))
}

func TestIteratorSurvivesThrottledPage(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t)
	require.NoError(t, srv.AddLogBackups(clusterA, 250))
	ctx := context.Background()
	n := 0
	for _, err := range client.LogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: clusterA, Limit: 100}) {
		require.NoError(t, err)
		if n++; n == 150 {
			_, err := srv.InjectFault(csstest.Fault{Route: csstest.RouteListLogBackups, Status: http.StatusTooManyRequests, Times: 1})
			require.NoError(t, err)
		}
	}
	assert.Equal(t, 250, n)
	assert.Equal(t, 4, srv.Requests(csstest.RouteListLogBackups), "three pages, one retried")
}

func TestBrokenResponses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault csstest.Fault
	}{
		{"truncated JSON", csstest.Fault{Route: csstest.RouteListLogBackups, Truncate: true}},
		{"malformed JSON", csstest.Fault{Route: csstest.RouteListLogBackups, Malformed: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, client, _ := setup(t)
			require.NoError(t, srv.AddLogBackups(clusterA, 3))
			_, err := srv.InjectFault(tc.fault)
			require.NoError(t, err)
			_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: clusterA})
			var reqErr *css.RequestError
			require.ErrorAs(t, err, &reqErr)
			assert.Equal(t, "ListLogBackups", reqErr.Operation)
			assert.Equal(t, http.StatusOK, reqErr.StatusCode)
		})
	}
}

func TestWrongSecret(t *testing.T) {
	t.Parallel()
	srv, _, _ := setup(t)
	cfg := srv.Config()
	cfg.Credentials = signer.Credentials{AccessKey: srv.Credentials.AccessKey, SecretKey: "not-the-secret-key-of-this-server"}
	client, err := css.New(cfg)
	require.NoError(t, err)
	_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: clusterA})
	var apiErr *css.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	assert.Equal(t, "APIG.0301", apiErr.Code)
	assert.Equal(t, 1, apiErr.Attempts, "401 is not retried")
	assert.ErrorIs(t, err, css.ErrUnauthorized)
	assert.NotContains(t, err.Error(), "not-the-secret-key-of-this-server")
	assert.NotContains(t, err.Error(), srv.Credentials.SecretKey)
}

func TestWrongProject(t *testing.T) {
	t.Parallel()
	srv, _, _ := setup(t)
	cfg := srv.Config()
	cfg.ProjectID = "ffffffffffffffffffffffffffffffff"
	client, err := css.New(cfg)
	require.NoError(t, err)
	_, err = client.GetLogSettings(context.Background(), &css.GetLogSettingsRequest{ClusterID: clusterA})
	var apiErr *css.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.Equal(t, "APIG.0302", apiErr.Code)
}

func TestTokenAuth(t *testing.T) {
	t.Parallel()
	srv := csstest.NewServer(csstest.WithAuthToken("MIIT-token-value"), csstest.WithJobDuration(0))
	defer srv.Close()
	srv.AddCluster(clusterA)
	cfg := srv.Config()
	assert.Equal(t, "MIIT-token-value", cfg.AuthToken)
	client, err := css.New(cfg)
	require.NoError(t, err)
	job, err := client.BackupLogs(context.Background(), &css.CreateLogBackupRequest{ClusterID: clusterA})
	require.NoError(t, err)
	assert.Equal(t, css.LogBackupSucceeded, job.Status)

	cfg.AuthToken = "wrong"
	bad, err := css.New(cfg)
	require.NoError(t, err)
	_, err = bad.GetLogSettings(context.Background(), &css.GetLogSettingsRequest{ClusterID: clusterA})
	var apiErr *css.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "APIG.0307", apiErr.Code)
}

func TestInjectFaultRejectsUnknownRoute(t *testing.T) {
	t.Parallel()
	srv, _, _ := setup(t)
	_, err := srv.InjectFault(csstest.Fault{Route: "GET /nowhere", Status: http.StatusTooManyRequests})
	assert.Error(t, err)
	inj, err := srv.InjectFault(csstest.Fault{Route: csstest.RouteSearchLogs, Reset: csstest.ResetBeforeHeaders})
	require.NoError(t, err)
	inj.Remove()
	srv.ClearFaults()
	assert.Zero(t, srv.RequestsTotal())
}

// TestSecondBackupConflictsWithoutRetries is the README's recipe: with retries off for
// the call, a second backup while one runs gets the 409 at once, and a 412 fault is
// seen as such, where the default retries would wait them out.
func TestSecondBackupConflictsWithoutRetries(t *testing.T) {
	t.Parallel()
	srv := csstest.NewServer(csstest.WithJobDuration(time.Hour))
	defer srv.Close()
	srv.AddCluster(clusterA)
	client, err := css.New(srv.Config())
	require.NoError(t, err)
	once := hcloud.WithRetry(hcloud.RetryPolicy{MaxAttempts: 1})

	_, err = client.CreateLogBackup(t.Context(), &css.CreateLogBackupRequest{ClusterID: clusterA})
	require.NoError(t, err)
	_, err = client.CreateLogBackup(t.Context(), &css.CreateLogBackupRequest{ClusterID: clusterA}, once)
	require.ErrorIs(t, err, css.ErrConflict)
	var ae *css.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 1, ae.Attempts)

	_, err = srv.InjectFault(csstest.Fault{Route: csstest.RouteCreateLogBackup, Status: http.StatusPreconditionFailed})
	require.NoError(t, err)
	_, err = client.CreateLogBackup(t.Context(), &css.CreateLogBackupRequest{ClusterID: clusterA}, once)
	require.ErrorIs(t, err, css.ErrPreconditionFailed)
	assert.Equal(t, 3, srv.Requests(csstest.RouteCreateLogBackup))
}
