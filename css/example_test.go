package css_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
)

// The whole workflow against the built-in fake: check that log backup is on, back the
// logs up and wait for the job, then list the jobs. Against the cloud, build the
// client from css.ConfigFromEnv() instead.
func Example() {
	const clusterID = "4213d908-f5dc-4633-8401-cfd7175fca0c"
	srv := csstest.NewServer(csstest.WithJobDuration(0))
	defer srv.Close()
	srv.AddCluster(clusterID)

	client, err := css.New(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	settings, err := client.GetLogSettings(ctx, &css.GetLogSettingsRequest{ClusterID: clusterID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("log backup enabled:", settings.Enabled)

	job, err := client.BackupLogs(ctx, &css.CreateLogBackupRequest{ClusterID: clusterID})
	var failed *css.JobFailedError
	switch {
	case errors.As(err, &failed):
		log.Fatalf("job %s failed: %s", failed.Job.ID, failed.Message)
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println("backup job:", job.JobType, job.Status)

	n := 0
	for _, err := range client.LogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: clusterID}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println("jobs listed:", n)
	// Output:
	// log backup enabled: true
	// backup job: Manual SUCCESS
	// jobs listed: 1
}

// Page through every failed job; pages are fetched as the loop asks for more.
func ExampleClient_LogBackups() {
	const clusterID = "4213d908-f5dc-4633-8401-cfd7175fca0c"
	srv := csstest.NewServer()
	defer srv.Close()
	srv.AddCluster(clusterID)
	if err := srv.AddLogBackups(clusterID, 250); err != nil {
		log.Fatal(err)
	}
	client, err := css.New(srv.Config())
	if err != nil {
		log.Fatal(err)
	}

	failed := 0
	req := &css.ListLogBackupsRequest{ClusterID: clusterID, Status: css.StatusFilterFailed, Limit: 10}
	for job, err := range client.LogBackups(context.Background(), req) {
		if err != nil {
			log.Fatal(err)
		}
		if job.Status == css.LogBackupFailed {
			failed++
		}
	}
	fmt.Println("failed jobs:", failed)
	// Output:
	// failed jobs: 25
}

// Wait for a job that something else started, here the daily automatic backup, by its
// JobID (not its record ID, the UUID in LogBackup.ID).
func ExampleClient_WaitForLogBackup() {
	const clusterID = "4213d908-f5dc-4633-8401-cfd7175fca0c"
	srv := csstest.NewServer()
	defer srv.Close()
	srv.AddCluster(clusterID)
	auto, err := srv.AddLogBackup(clusterID, css.LogBackup{JobType: css.JobTypeAuto})
	if err != nil {
		log.Fatal(err)
	}
	client, err := css.New(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	job, err := client.WaitForLogBackup(ctx, &css.WaitForLogBackupRequest{ClusterID: clusterID, JobID: auto.JobID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.JobType, job.Status)
	// Output:
	// Auto SUCCESS
}
