package recorder_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/baremetal/baremetaltest"
	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/dws/dwstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/recorder"
	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/hss/hsstest"
)

const (
	cssCluster = "4213d908-f5dc-4633-8401-cfd7175fca0c"
	dwsCluster = "a07cb2f7-b17e-4d95-923b-a33d0c884d37"
	bmsServer  = "53206ed0-56de-4d6b-b7ee-ffc62ca26f43"
)

// cssResult is everything the CSS workflow got back.
type cssResult struct {
	Settings     *css.GetLogSettingsResponse
	Updated      *css.UpdateLogSettingsResponse
	Enabled      *css.EnableLogBackupResponse
	Policy       *css.SetAutoBackupPolicyResponse
	PolicyOff    *css.DisableAutoBackupPolicyResponse
	Search       *css.SearchLogsResponse
	Job          *css.LogBackup
	Page         *css.ListLogBackupsResponse
	All          []css.LogBackup
	Created      *css.CreateLogBackupResponse
	SecondCreate string // the 409 of a backup while one runs
	Disabled     *css.DisableLogBackupResponse
}

// cssWorkflow calls every CSS operation once, BackupLogs (a waiter) and LogBackups over
// several pages included.
func cssWorkflow(t testing.TB, cfg css.Config) cssResult {
	ctx := t.Context()
	c, err := css.New(cfg)
	require.NoError(t, err)
	var r cssResult
	r.Settings, err = c.GetLogSettings(ctx, &css.GetLogSettingsRequest{ClusterID: cssCluster})
	require.NoError(t, err)
	r.Updated, err = c.UpdateLogSettings(ctx, &css.UpdateLogSettingsRequest{ClusterID: cssCluster,
		LogBucket: "css-logs", LogBasePath: "nightly", Agency: "css_obs_agency"})
	require.NoError(t, err)
	r.Enabled, err = c.EnableLogBackup(ctx, &css.EnableLogBackupRequest{ClusterID: cssCluster, LogBucket: "css-logs"})
	require.NoError(t, err)
	r.Policy, err = c.SetAutoBackupPolicy(ctx, &css.SetAutoBackupPolicyRequest{ClusterID: cssCluster, Period: "00:00 GMT+08:00"})
	require.NoError(t, err)
	r.PolicyOff, err = c.DisableAutoBackupPolicy(ctx, &css.DisableAutoBackupPolicyRequest{ClusterID: cssCluster})
	require.NoError(t, err)
	r.Search, err = c.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: cssCluster, InstanceName: csstest.NodeName(cssCluster),
		LogType: css.LogTypeInstance, Limit: 50})
	require.NoError(t, err)
	r.Job, err = c.BackupLogs(ctx, &css.CreateLogBackupRequest{ClusterID: cssCluster})
	require.NoError(t, err)
	r.Page, err = c.ListLogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: cssCluster, Limit: 5})
	require.NoError(t, err)
	for b, err := range c.LogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: cssCluster, Limit: 10}) {
		require.NoError(t, err)
		r.All = append(r.All, b)
	}
	r.Created, err = c.CreateLogBackup(ctx, &css.CreateLogBackupRequest{ClusterID: cssCluster})
	require.NoError(t, err)
	_, err = c.CreateLogBackup(ctx, &css.CreateLogBackupRequest{ClusterID: cssCluster})
	require.ErrorIs(t, err, css.ErrConflict)
	r.SecondCreate = err.Error()
	r.Disabled, err = c.DisableLogBackup(ctx, &css.DisableLogBackupRequest{ClusterID: cssCluster})
	require.NoError(t, err)
	return r
}

func TestRecordReplayCSS(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(recordStart)
	srv := csstest.NewServer(csstest.WithClock(clock), csstest.WithJobDuration(5*time.Second))
	defer srv.Close()
	srv.AddCluster(cssCluster)
	require.NoError(t, srv.AddLogBackups(cssCluster, 24))
	path := filepath.Join(t.TempDir(), "css.json")

	var sent int
	recorded, replayed := recordThenReplay(t, path, fromFake(srv.Config()), cssWorkflow, func() {
		srv.Close()
		sent = srv.RequestsTotal()
	})
	assert.Equal(t, recorded, replayed)
	assert.Equal(t, sent, srv.RequestsTotal(), "replay sent requests to the fake")
	assert.Equal(t, css.LogBackupSucceeded, replayed.Job.Status)
	assert.Len(t, replayed.All, 25, "24 seeded jobs and the one BackupLogs started, over 3 pages")
	assert.Greater(t, srv.Requests(csstest.RouteListLogBackups), 5, "BackupLogs polled several times")
	assertNoSecrets(t, path, srv.Credentials.AccessKey, srv.Credentials.SecretKey, srv.ProjectID)
}

// hssResult is everything the HSS workflow got back.
type hssResult struct {
	Tasks       *hss.ListBackupTasksResponse
	AllTasks    []hss.BackupTask
	Backups     *hss.ListHostBackupsResponse
	AllBackups  []hss.HostBackup
	Restore     *hss.RestoreBackupResponse
	AfterTasks  []hss.BackupTask
	RestoreFail string
}

func hssWorkflow(t testing.TB, cfg css.Config) hssResult {
	ctx := t.Context()
	c, err := hss.New(cfg)
	require.NoError(t, err)
	var r hssResult
	r.Tasks, err = c.ListBackupTasks(ctx, &hss.ListBackupTasksRequest{LastDays: 7, Status: hss.TaskStatusSuccess})
	require.NoError(t, err)
	for task, err := range c.BackupTasks(ctx, &hss.ListBackupTasksRequest{Limit: 10}) {
		require.NoError(t, err)
		r.AllTasks = append(r.AllTasks, task)
	}
	r.Backups, err = c.ListHostBackups(ctx, &hss.ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f001", Limit: 10})
	require.NoError(t, err)
	for b, err := range c.HostBackups(ctx, &hss.ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f001", Limit: 10, Region: "ap-southeast-1"}) {
		require.NoError(t, err)
		r.AllBackups = append(r.AllBackups, b)
	}
	on := true
	r.Restore, err = c.RestoreBackup(ctx, &hss.RestoreBackupRequest{BackupID: r.AllBackups[0].BackupID, ServerID: "c882e0-c4c1-4e89-b99a-f001",
		PowerOn: &on, Mappings: []hss.VolumeMapping{{BackupID: "vb-1", VolumeID: "vol-1"}}})
	require.NoError(t, err)
	_, err = c.RestoreBackup(ctx, &hss.RestoreBackupRequest{BackupID: "no-such-backup", ServerID: "c882e0-c4c1-4e89-b99a-f001"})
	require.ErrorIs(t, err, hss.ErrNotFound)
	r.RestoreFail = err.Error()
	for task, err := range c.BackupTasks(ctx, &hss.ListBackupTasksRequest{Limit: 10, ResourceName: "c882e0-c4c1-4e89-b99a-f001"}) {
		require.NoError(t, err)
		r.AfterTasks = append(r.AfterTasks, task)
	}
	return r
}

func TestRecordReplayHSS(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(recordStart)
	srv := hsstest.NewServer(hsstest.WithClock(clock))
	defer srv.Close()
	for i := range 23 {
		srv.AddBackupTask(hss.BackupTask{HostID: fmt.Sprintf("host-%d", i%3), HostName: fmt.Sprintf("ecs-%d", i%3),
			BackupName: fmt.Sprintf("autobk_%d", i), Progress: 100, Status: hss.TaskStatusSuccess,
			StartedAt: recordStart.Add(-time.Duration(i+1) * time.Hour), EndedAt: recordStart.Add(-time.Duration(i) * time.Hour)})
	}
	for i := range 14 {
		srv.AddHostBackup("c882e0-c4c1-4e89-b99a-f001", hss.HostBackup{BackupName: fmt.Sprintf("autobk_%d", i),
			CreatedAt: recordStart.Add(-time.Duration(i+1) * time.Hour)})
	}
	path := filepath.Join(t.TempDir(), "hss.json")

	var sent int
	recorded, replayed := recordThenReplay(t, path, fromFake(srv.Config()), hssWorkflow, func() {
		srv.Close()
		sent = srv.RequestsTotal()
	})
	assert.Equal(t, recorded, replayed)
	assert.Equal(t, sent, srv.RequestsTotal(), "replay sent requests to the fake")
	assert.Len(t, replayed.AllTasks, 23, "3 pages of tasks")
	assert.Len(t, replayed.AllBackups, 14, "2 pages of backups")
	assertNoSecrets(t, path, srv.Credentials.AccessKey, srv.Credentials.SecretKey, srv.ProjectID)
}

func dwsWorkflow(t testing.TB, cfg css.Config) []*dws.ListAuditLogRecordsResponse {
	c, err := dws.New(cfg)
	require.NoError(t, err)
	resp, err := c.ListAuditLogRecords(t.Context(), &dws.ListAuditLogRecordsRequest{ClusterID: dwsCluster})
	require.NoError(t, err)
	return []*dws.ListAuditLogRecordsResponse{resp}
}

func TestRecordReplayDWS(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(recordStart)
	srv := dwstest.NewServer(dwstest.WithClock(clock))
	defer srv.Close()
	srv.AddAuditLogRecord(dwsCluster, dws.AuditLogRecord{
		ExecutedAt: time.Date(2025, 6, 1, 9, 11, 31, 0, time.UTC), BeginTime: time.Date(2025, 6, 1, 9, 9, 55, 0, time.UTC),
		EndTime: time.Date(2025, 6, 1, 9, 19, 55, 0, time.UTC), BucketName: "audit", LocationPrefix: "dws",
		Result: dws.AuditResultRunning,
	})
	// A throttled first try, answered by a retry after Retry-After: 30, which the fake
	// clock skips in both runs.
	_, err := srv.InjectFault(dwstest.Fault{Route: dwstest.RouteListAuditLogRecords, Status: http.StatusTooManyRequests,
		RetryAfter: "30", Times: 1})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "dws.json")

	var sent int
	recorded, replayed := recordThenReplay(t, path, fromFake(srv.Config()), dwsWorkflow, func() {
		srv.Close()
		sent = srv.RequestsTotal()
	})
	assert.Equal(t, recorded, replayed)
	assert.Equal(t, sent, srv.RequestsTotal(), "replay sent requests to the fake")
	require.Len(t, replayed[0].Records, 1)
	assertNoSecrets(t, path, srv.Credentials.AccessKey, srv.Credentials.SecretKey, srv.ProjectID)
}

// bmsResult is everything the bare metal workflow got back.
type bmsResult struct {
	Export      *baremetal.ExportLogsResponse
	Status      *baremetal.GetLogExportResponse
	Filename    string
	ContentType string
	Length      int64
	Archive     []byte
	Done        *baremetal.LogExport
	Written     int64
	Downloaded  []byte
	Phases      []hcloud.Phase
}

func bmsWorkflow(t testing.TB, cfg css.Config) bmsResult {
	ctx := t.Context()
	c, err := baremetal.New(cfg)
	require.NoError(t, err)
	var r bmsResult
	r.Export, err = c.ExportLogs(ctx, &baremetal.ExportLogsRequest{ServerID: bmsServer})
	require.NoError(t, err)
	r.Status, err = c.GetLogExport(ctx, &baremetal.GetLogExportRequest{ServerID: bmsServer, ExportID: r.Export.ID})
	require.NoError(t, err)
	var buf bytes.Buffer
	res, err := c.ExportAndDownload(ctx, &baremetal.ExportAndDownloadRequest{ServerID: bmsServer, Destination: &buf},
		hcloud.WithProgress(func(p hcloud.Progress) { r.Phases = append(r.Phases, p.Phase) }))
	require.NoError(t, err)
	r.Done, r.Written = &res.Export, res.Written
	r.Downloaded = buf.Bytes()
	dl, err := c.DownloadLogs(ctx, &baremetal.DownloadLogsRequest{ServerID: bmsServer, ExportID: r.Done.ID})
	require.NoError(t, err)
	defer dl.Body.Close()
	r.Archive, err = io.ReadAll(dl.Body)
	require.NoError(t, err)
	r.Filename, r.ContentType, r.Length = dl.Filename, dl.ContentType, dl.ContentLength
	return r
}

func TestRecordReplayBaremetal(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(recordStart)
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithArchiveSize(4<<10),
		baremetaltest.WithExportDuration(5*time.Second))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "baremetal.json")

	var sent int
	recorded, replayed := recordThenReplay(t, path, fromFake(srv.Config()), bmsWorkflow, func() {
		srv.Close()
		sent = srv.RequestsTotal()
	})
	assert.Equal(t, recorded, replayed)
	assert.Equal(t, sent, srv.RequestsTotal(), "replay sent requests to the fake")
	assert.Len(t, replayed.Downloaded, 4<<10)
	assert.Equal(t, replayed.Downloaded, replayed.Archive)
	assertNoSecrets(t, path, srv.Credentials.AccessKey, srv.Credentials.SecretKey, srv.ProjectID)
}

// An archive over the size cap is not written; replay serves a stand-in of the same
// length and content type.
func TestBinaryBodyOverTheCap(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(recordStart)
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithArchiveSize(4<<10))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "capped.json")

	recorded, replayed := recordThenReplay(t, path, fromFake(srv.Config()), bmsWorkflow, srv.Close,
		recorder.WithMaxBinaryBody(1<<10))
	assert.Equal(t, recorded.Written, replayed.Written)
	assert.Equal(t, recorded.Length, replayed.Length)
	assert.Equal(t, recorded.ContentType, replayed.ContentType)
	assert.Equal(t, recorded.Filename, replayed.Filename)
	assert.Len(t, replayed.Downloaded, 4<<10)
	assert.NotEqual(t, recorded.Downloaded, replayed.Downloaded)
	assert.True(t, bytes.HasPrefix(replayed.Downloaded, []byte("hcloudlogs-go recorder: stand-in")), "the stand-in")
	assert.Equal(t, replayed.Downloaded, replayed.Archive, "the stand-in is the same every time")

	data := readFile(t, path)
	assert.Contains(t, data, `"body_omitted": {`)
	assert.Contains(t, data, `"length": 4096`)
	assert.Contains(t, data, "over the 1024-byte cap")
	assert.NotContains(t, data, `"body_base64"`)
}
