package recorder_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/recorder"
)

// TestNightlyBackup is a test as a user writes it, and the one that records Example's
// cassette, with csstest standing in for the cloud:
//
//	HCLOUDLOGS_RECORD=1 go test -run '^TestNightlyBackup$' ./hcloudtest/recorder
//
// The fake only serves the record run; the default run replays the committed cassette.
func TestNightlyBackup(t *testing.T) {
	srv := csstest.NewServer(csstest.WithClock(fakeclock.New(recordStart)), csstest.WithJobDuration(5*time.Second))
	defer srv.Close()
	srv.AddCluster(cssCluster)
	cfg := recorder.Config(t, "testdata/nightly_backup.json", fromFake(srv.Config()), recorder.WithFailOnUnused())

	client, err := css.New(cfg)
	require.NoError(t, err)
	job, err := client.BackupLogs(t.Context(), &css.CreateLogBackupRequest{ClusterID: cssCluster})
	require.NoError(t, err)
	assert.Equal(t, css.LogBackupSucceeded, job.Status)
	assert.Equal(t, recordStart, job.CreatedAt.UTC())
	var jobs []css.LogBackup
	for b, err := range client.LogBackups(t.Context(), &css.ListLogBackupsRequest{ClusterID: cssCluster}) {
		require.NoError(t, err)
		jobs = append(jobs, b)
	}
	assert.Equal(t, []css.LogBackup{*job}, jobs)
}
