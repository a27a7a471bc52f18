package hsstest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/hss/hsstest"
)

// The fake serves seeded tasks and runs restores; with a fake clock shared by server
// and client, a test moves time forward instead of sleeping.
func ExampleNewServer() {
	clock := fakeclock.New(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	srv := hsstest.NewServer(hsstest.WithClock(clock), hsstest.WithRestoreDuration(time.Minute))
	defer srv.Close()
	srv.AddHostBackup("c882e0-c4c1-4e89-b99a-f001", hss.HostBackup{BackupID: "bk-1", BackupName: "autobk_9"})
	srv.AddBackupTask(hss.BackupTask{HostID: "c882e0-c4c1-4e89-b99a-f001", HostName: "ecs-web", BackupName: "autobk_8",
		Progress: 100, Status: hss.TaskStatusSuccess, StartedAt: clock.Now().Add(-time.Hour)})

	client, err := hss.New(srv.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	if _, err := client.RestoreBackup(ctx, &hss.RestoreBackupRequest{BackupID: "bk-1", ServerID: "c882e0-c4c1-4e89-b99a-f001"}); err != nil {
		fmt.Println(err)
		return
	}
	show := func() {
		for task, err := range client.BackupTasks(ctx, &hss.ListBackupTasksRequest{}) {
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Println(task.HostName, task.BackupName, task.Status, task.Progress)
		}
	}
	show()
	clock.Advance(30 * time.Second)
	show()
	clock.Advance(30 * time.Second)
	show()
	// Output:
	// ecs-web autobk_9 running 0
	// ecs-web autobk_8 success 100
	// ecs-web autobk_9 running 50
	// ecs-web autobk_8 success 100
	// ecs-web autobk_9 success 100
	// ecs-web autobk_8 success 100
}
