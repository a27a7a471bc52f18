package hcloudtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest"
)

// This example throttles a fake CSS listing twice, which the client's retries absorb,
// and shows the error InjectFault returns for a fault with two actions.
func ExampleFault() {
	srv := csstest.NewServer()
	defer srv.Close()
	const cluster = "4213d908-f5dc-4633-8401-cfd7175fca0c"
	srv.AddCluster(cluster)

	throttle, err := srv.InjectFault(hcloudtest.Fault{
		Route:      csstest.RouteListLogBackups,
		Status:     429,
		RetryAfter: "0",
		Times:      2,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := css.New(srv.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: cluster},
		hcloud.WithMinDelay(time.Millisecond))
	fmt.Println("error:", err)
	fmt.Println("throttled:", throttle.Hits(), "requests:", srv.Requests(csstest.RouteListLogBackups))

	_, err = srv.InjectFault(hcloudtest.Fault{Status: 503, Reset: hcloudtest.ResetMidBody})
	fmt.Println(err)
	// Output:
	// error: <nil>
	// throttled: 2 requests: 3
	// csstest: InjectFault: several actions (Status 503, ResetMidBody); inject one fault per action
}
