package recorder_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/recorder"
)

// Replay a recorded nightly backup: the trigger, the polls that saw the job RUNNING
// then SUCCESS, and the job list, all answered from testdata/nightly_backup.json
// without a network and without waiting for the poll delays. In a test,
// recorder.Config(t, "testdata/nightly_backup.json") does what New and Finish do here,
// and HCLOUDLOGS_RECORD=1 records the cassette against the cloud.
func Example() {
	const clusterID = "4213d908-f5dc-4633-8401-cfd7175fca0c"
	ctx := context.Background()
	rec, err := recorder.New(ctx, "testdata/nightly_backup.json", recorder.WithMode(recorder.Replay))
	if err != nil {
		log.Fatal(err)
	}
	client, err := css.New(rec.Config())
	if err != nil {
		log.Fatal(err)
	}

	job, err := client.BackupLogs(ctx, &css.CreateLogBackupRequest{ClusterID: clusterID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("backup:", job.JobType, job.Status, "started", job.CreatedAt.UTC().Format("2006-01-02 15:04:05"))
	for b, err := range client.LogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: clusterID}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("listed:", b.JobType, b.Status, b.LogPath)
	}
	if err := rec.Finish(true); err != nil {
		log.Fatal(err)
	}
	// Output:
	// backup: Manual SUCCESS started 2025-06-02 08:30:00
	// listed: Manual SUCCESS css-backup-1748853000000/css/log
}
