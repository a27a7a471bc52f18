package hsstest_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/hss/hsstest"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// newClient returns a client for srv with fast retries.
func newClient(t *testing.T, srv *hsstest.Server, mutate ...func(*hss.Config)) *hss.Client {
	t.Helper()
	cfg := srv.Config()
	if cfg.Clock == nil {
		cfg.Retry = hss.RetryPolicy{MinWait: time.Millisecond, MaxWait: time.Millisecond}
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := hss.New(cfg)
	require.NoError(t, err)
	return c
}

func TestClientListBackupTasks(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	srv := newServer(t, hsstest.WithClock(clock))
	base := clock.Now().Add(-time.Hour)
	seedTasks(srv, base, 4)
	c := newClient(t, srv)

	resp, err := c.ListBackupTasks(context.Background(), &hss.ListBackupTasksRequest{})
	require.NoError(t, err)
	require.NotNil(t, resp.Total)
	assert.Equal(t, 4, *resp.Total)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Len(t, resp.RequestID, 32)
	// What the fake stores, as the client decodes it: the end times of the 2nd and 4th
	// task travel as updated_at (so UpdatedAt is set), the 1st as ended_at, and all come
	// back in EndedAt.
	assert.Equal(t, srv.BackupTasks(), resp.Tasks)
	require.Len(t, resp.Tasks, 4)
	assert.Equal(t, hss.BackupTask{HostID: "host-0", HostName: "ecs-0", BackupName: "autobk_3", Progress: 100,
		Status: hss.TaskStatusSkipped, StartedAt: base.Add(3 * time.Minute), EndedAt: base.Add(3*time.Minute + 30*time.Second),
		UpdatedAt: base.Add(3*time.Minute + 30*time.Second)}, resp.Tasks[0])
	assert.Equal(t, hss.BackupTask{HostID: "host-1", HostName: "ecs-1", BackupName: "autobk_1", Progress: 100,
		Status: hss.TaskStatusFailed, StartedAt: base.Add(time.Minute), EndedAt: base.Add(time.Minute + 30*time.Second),
		UpdatedAt: base.Add(time.Minute + 30*time.Second), ErrorCode: "HSS.1041", ErrorMessage: "vault full"}, resp.Tasks[2])
	assert.Equal(t, base.Add(30*time.Second), resp.Tasks[3].EndedAt, "from ended_at")
	assert.True(t, resp.Tasks[2].Status.Terminal())
	assert.False(t, resp.Tasks[1].Status.Terminal())

	resp, err = c.ListBackupTasks(context.Background(), &hss.ListBackupTasksRequest{
		Status: hss.TaskStatusFailed, ResourceName: "ecs-1", LastDays: 1, EnterpriseProjectID: "all_granted_eps", Offset: 0, Limit: 200})
	require.NoError(t, err)
	require.NotNil(t, resp.Total)
	assert.Equal(t, 1, *resp.Total)
	require.Len(t, resp.Tasks, 1)
	assert.Equal(t, "autobk_1", resp.Tasks[0].BackupName)
}

func TestClientBackupTasksIterator(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	seedTasks(srv, time.Now().Add(-time.Hour), 25)
	c := newClient(t, srv)

	var got []hss.BackupTask
	for task, err := range c.BackupTasks(context.Background(), &hss.ListBackupTasksRequest{Limit: 10}) {
		require.NoError(t, err)
		got = append(got, task)
	}
	assert.Equal(t, srv.BackupTasks(), got)
	assert.Len(t, got, 25)
	assert.Equal(t, 3, srv.Requests(hsstest.RouteListBackupTasks), "pages of 10, 10 and 5")

	n := 0
	for task, err := range c.BackupTasks(context.Background(), &hss.ListBackupTasksRequest{Status: hss.TaskStatusFailed}) {
		require.NoError(t, err)
		assert.Equal(t, hss.TaskStatusFailed, task.Status)
		n++
	}
	assert.Equal(t, 6, n)
	assert.Equal(t, 4, srv.Requests(hsstest.RouteListBackupTasks), "one page of 200")
}

func TestClientHostBackups(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	srv := newServer(t, hsstest.WithClock(clock))
	now := clock.Now()
	for i := range 23 {
		srv.AddHostBackup("c882e0-c4c1-4e89-b99a-f0f1", hss.HostBackup{BackupID: "bk-" + strconv.Itoa(i), BackupName: "autobk_" + strconv.Itoa(i),
			CreatedAt: now.Add(-time.Duration(i) * time.Hour), Tag: i % 2})
	}
	srv.AddHostBackup("c882e0-c4c1-4e89-b99a-f002", hss.HostBackup{BackupID: "elsewhere", Status: hss.BackupStatusRestoring,
		OSImages: []hss.OSImage{{ImageID: "img-1"}, {ImageID: "img-2"}}})
	c := newClient(t, srv)

	resp, err := c.ListHostBackups(context.Background(), &hss.ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f0f1", Offset: 20, Region: "ap-southeast-1"})
	require.NoError(t, err)
	require.NotNil(t, resp.Total)
	assert.Equal(t, 23, *resp.Total)
	assert.Len(t, resp.RequestID, 32)
	assert.Equal(t, []hss.HostBackup{
		{BackupID: "bk-20", BackupName: "autobk_20", Status: hss.BackupStatusAvailable, CreatedAt: now.Add(-20 * time.Hour)},
		{BackupID: "bk-21", BackupName: "autobk_21", Status: hss.BackupStatusAvailable, CreatedAt: now.Add(-21 * time.Hour), Tag: 1},
		{BackupID: "bk-22", BackupName: "autobk_22", Status: hss.BackupStatusAvailable, CreatedAt: now.Add(-22 * time.Hour)},
	}, resp.Backups)

	var ids []string
	for b, err := range c.HostBackups(context.Background(), &hss.ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f0f1", Limit: 10}) {
		require.NoError(t, err)
		ids = append(ids, b.BackupID)
	}
	assert.Len(t, ids, 23)
	assert.Equal(t, "bk-0", ids[0])
	assert.Equal(t, "bk-22", ids[22])
	assert.Equal(t, 4, srv.Requests(hsstest.RouteListHostBackups))

	resp, err = c.ListHostBackups(context.Background(), &hss.ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f002", Status: hss.BackupStatusRestoring, LastDays: 1})
	require.NoError(t, err)
	require.Len(t, resp.Backups, 1)
	assert.Equal(t, "elsewhere", resp.Backups[0].BackupID)
	assert.Equal(t, []hss.OSImage{{ImageID: "img-1"}, {ImageID: "img-2"}}, resp.Backups[0].OSImages, "os_images_data")
	assert.Equal(t, hss.BackupStatusRestoring, resp.Backups[0].Status)
}

func TestClientRestoreBackup(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	srv := newServer(t, hsstest.WithClock(clock), hsstest.WithRestoreDuration(time.Minute))
	srv.AddHostBackup("c882e0-c4c1-4e89-b99a-f001", hss.HostBackup{BackupID: "bk-1", BackupName: "autobk_9"})
	c := newClient(t, srv)
	off := false

	resp, err := c.RestoreBackup(context.Background(), &hss.RestoreBackupRequest{BackupID: "bk-1", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11",
		EnterpriseProjectID: "0", Region: "ap-southeast-1", PowerOn: &off,
		Mappings: []hss.VolumeMapping{{BackupID: "vb-1", VolumeID: "vol-1"}}})
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Len(t, resp.RequestID, 32)
	start := clock.Now()

	list := func() hss.BackupTask {
		t.Helper()
		resp, err := c.ListBackupTasks(context.Background(), &hss.ListBackupTasksRequest{ResourceName: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"})
		require.NoError(t, err)
		require.Len(t, resp.Tasks, 1)
		return resp.Tasks[0]
	}
	assert.Equal(t, hss.BackupTask{HostID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11", HostName: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11", BackupName: "autobk_9", Status: hss.TaskStatusRunning, StartedAt: start}, list())
	clock.Advance(45 * time.Second)
	task := list()
	assert.Equal(t, hss.TaskStatusRunning, task.Status)
	assert.Equal(t, 75, task.Progress)
	assert.True(t, task.EndedAt.IsZero())

	_, err = c.RestoreBackup(context.Background(), &hss.RestoreBackupRequest{BackupID: "bk-1", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"})
	var apiErr *hss.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, hsstest.CodeRestoreRunning, apiErr.Code)
	assert.ErrorIs(t, err, hss.ErrConflict)
	assert.Equal(t, 4, apiErr.Attempts, "409 is retried, the clock's waits too short to end the restore")

	clock.Advance(15 * time.Second)
	assert.Equal(t, hss.BackupTask{HostID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11", HostName: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11", BackupName: "autobk_9", Progress: 100,
		Status: hss.TaskStatusSuccess, StartedAt: start, EndedAt: start.Add(time.Minute)}, list(),
		"EndedAt from updated_at: the restore is the second task")

	_, err = c.RestoreBackup(context.Background(), &hss.RestoreBackupRequest{BackupID: "bk-missing", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, hsstest.CodeBackupNotFound, apiErr.Code)
	assert.ErrorIs(t, err, hss.ErrNotFound)
	assert.Equal(t, 1, apiErr.Attempts)
}

func TestClientRetriesInjectedFaults(t *testing.T) {
	t.Parallel()
	ops := map[string]func(*hss.Client) error{
		hsstest.RouteListBackupTasks: func(c *hss.Client) error {
			_, err := c.ListBackupTasks(context.Background(), &hss.ListBackupTasksRequest{})
			return err
		},
		hsstest.RouteListHostBackups: func(c *hss.Client) error {
			_, err := c.ListHostBackups(context.Background(), &hss.ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f001"})
			return err
		},
		hsstest.RouteRestoreBackup: func(c *hss.Client) error {
			_, err := c.RestoreBackup(context.Background(), &hss.RestoreBackupRequest{BackupID: "bk-1", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"})
			return err
		},
	}
	for route, op := range ops {
		for _, fault := range []hsstest.Fault{
			{Status: 429, RetryAfter: "2", Times: 2},
			{Status: 409, Code: "HSS.0409", Times: 3},
			{Status: 412, Times: 1},
		} {
			t.Run(route+"/"+strconv.Itoa(fault.Status), func(t *testing.T) {
				t.Parallel()
				clock := fakeclock.New(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
				srv := newServer(t, hsstest.WithClock(clock), hsstest.WithRestoreDuration(0))
				srv.AddHostBackup("c882e0-c4c1-4e89-b99a-f001", hss.HostBackup{BackupID: "bk-1", BackupName: "autobk_1"})
				fault.Route = route
				inj, err := srv.InjectFault(fault)
				require.NoError(t, err)
				c := newClient(t, srv)
				require.NoError(t, op(c))
				assert.Equal(t, fault.Times, inj.Hits())
				assert.Equal(t, fault.Times+1, srv.Requests(route))
				if route == hsstest.RouteRestoreBackup {
					assert.Len(t, srv.BackupTasks(), 1, "the restore ran once")
				}
			})
		}
		t.Run(route+"/exhausted", func(t *testing.T) {
			t.Parallel()
			clock := fakeclock.New(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
			srv := newServer(t, hsstest.WithClock(clock))
			srv.AddHostBackup("c882e0-c4c1-4e89-b99a-f001", hss.HostBackup{BackupID: "bk-1"})
			_, err := srv.InjectFault(hsstest.Fault{Route: route, Status: 429, Code: "APIG.0308", Message: "throttled"})
			require.NoError(t, err)
			err = op(newClient(t, srv))
			var apiErr *hss.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 429, apiErr.StatusCode)
			assert.Equal(t, "APIG.0308", apiErr.Code)
			assert.Equal(t, 4, apiErr.Attempts)
			assert.Len(t, apiErr.RequestID, 32)
			assert.ErrorIs(t, err, hss.ErrThrottled)
			assert.Equal(t, 4, srv.Requests(route))
		})
	}
}

func TestClientIteratorFaultMidway(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	seedTasks(srv, time.Now().Add(-time.Hour), 45)
	c := newClient(t, srv, func(cfg *hss.Config) { cfg.Retry.MaxAttempts = 1 })
	n := 0
	var errs []error
	for _, err := range c.BackupTasks(context.Background(), &hss.ListBackupTasksRequest{Limit: 10}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n++
		if n == 20 {
			_, ierr := srv.InjectFault(hsstest.Fault{Route: hsstest.RouteListBackupTasks, Status: 500})
			require.NoError(t, ierr)
		}
	}
	assert.Equal(t, 20, n)
	require.Len(t, errs, 1)
	var apiErr *hss.APIError
	require.ErrorAs(t, errs[0], &apiErr)
	assert.Equal(t, 500, apiErr.StatusCode)
	assert.Equal(t, 3, srv.Requests(hsstest.RouteListBackupTasks))
}

func TestClientWrongSecret(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv, func(cfg *hss.Config) {
		cfg.Credentials = signer.Credentials{AccessKey: srv.Credentials.AccessKey, SecretKey: "not-the-secret-key"}
	})
	calls := []func() error{
		func() error {
			_, err := c.ListBackupTasks(context.Background(), &hss.ListBackupTasksRequest{})
			return err
		},
		func() error {
			_, err := c.ListHostBackups(context.Background(), &hss.ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632"})
			return err
		},
		func() error {
			_, err := c.RestoreBackup(context.Background(), &hss.RestoreBackupRequest{BackupID: "b", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"})
			return err
		},
	}
	for i, call := range calls {
		err := call()
		var apiErr *hss.APIError
		require.ErrorAs(t, err, &apiErr, "call %d", i)
		assert.Equal(t, 401, apiErr.StatusCode)
		assert.Equal(t, hsstest.CodeBadSignature, apiErr.Code)
		assert.Equal(t, 1, apiErr.Attempts, "401 is not retried")
		assert.Len(t, apiErr.RequestID, 32)
		assert.ErrorIs(t, err, hss.ErrUnauthorized)
		assert.NotContains(t, err.Error(), "not-the-secret-key")
	}
}

func TestClientTokenMode(t *testing.T) {
	t.Parallel()
	srv := newServer(t, hsstest.WithAuthToken("iam-token-1"), hsstest.WithRestoreDuration(0))
	srv.AddHostBackup("c882e0-c4c1-4e89-b99a-f001", hss.HostBackup{BackupID: "bk-1", BackupName: "autobk_1"})
	c := newClient(t, srv)

	_, err := c.RestoreBackup(context.Background(), &hss.RestoreBackupRequest{BackupID: "bk-1", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"})
	require.NoError(t, err)
	tasks, err := c.ListBackupTasks(context.Background(), &hss.ListBackupTasksRequest{})
	require.NoError(t, err)
	require.Len(t, tasks.Tasks, 1)
	assert.Equal(t, hss.TaskStatusSuccess, tasks.Tasks[0].Status)
	backups, err := c.ListHostBackups(context.Background(), &hss.ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f001"})
	require.NoError(t, err)
	assert.Len(t, backups.Backups, 1)

	provided := newClient(t, srv, func(cfg *hss.Config) {
		cfg.AuthToken = ""
		cfg.AuthTokenProvider = func(context.Context) (string, error) { return "iam-token-1", nil }
	})
	_, err = provided.ListBackupTasks(context.Background(), &hss.ListBackupTasksRequest{})
	assert.NoError(t, err)

	wrong := newClient(t, srv, func(cfg *hss.Config) { cfg.AuthToken = "expired" })
	_, err = wrong.ListBackupTasks(context.Background(), &hss.ListBackupTasksRequest{})
	var apiErr *hss.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, hsstest.CodeBadToken, apiErr.Code)
	assert.False(t, errors.Is(err, hss.ErrInvalidRequest))

	signed := newClient(t, srv, func(cfg *hss.Config) {
		cfg.AuthToken = ""
		cfg.Credentials = srv.Credentials
	})
	_, err = signed.ListBackupTasks(context.Background(), &hss.ListBackupTasksRequest{})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, hsstest.CodeBadToken, apiErr.Code, "a token-mode server wants the token")
}
