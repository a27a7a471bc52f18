package hss_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jarcoal/httpmock"

	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// exampleTransport stands in for the HSS service: it answers the task list with the
// documented example response.
func exampleTransport() http.RoundTripper {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://hss.ap-southeast-1.myhuaweicloud.com/v5/0a1b2c3d4e5f60718293a4b5c6d7e8f9/ransomware/backup/operation-logs",
		httpmock.NewStringResponder(200, `{"total_num":1,"data_list":[{"host_id":"c882e0-c4c1-4e89-b99a-f632","host_name":"ecs-test","backup_name":"autobk_9","process":100,"status":"success","started_at":"2025-03-06T05:26:18Z","updated_at":"2025-03-06T05:27:02Z","error_info":{"code":"","message":""}}]}`))
	return mt
}

func ExampleClient_BackupTasks() {
	client, err := hss.New(hss.Config{
		Region:      "ap-southeast-1",
		ProjectID:   "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
		Credentials: signer.Credentials{AccessKey: "HPUAEXAMPLEACCESSKEY", SecretKey: "example-secret-key"},
		// Real programs leave HTTPClient nil; here a mock transport plays the service.
		HTTPClient: &http.Client{Transport: exampleTransport()},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	req := &hss.ListBackupTasksRequest{Status: hss.TaskStatusSuccess, LastDays: 7}
	for task, err := range client.BackupTasks(context.Background(), req) {
		if err != nil {
			var apiErr *hss.APIError
			if errors.As(err, &apiErr) {
				fmt.Println(apiErr.Code, apiErr.Message, apiErr.RequestID)
			}
			return
		}
		fmt.Printf("%s %s %s %d%% %s..%s terminal=%t\n", task.HostName, task.BackupName, task.Status, task.Progress,
			task.StartedAt.Format("15:04:05"), task.EndedAt.Format("15:04:05"), task.Status.Terminal())
	}
	// Output:
	// ecs-test autobk_9 success 100% 05:26:18..05:27:02 terminal=true
}
