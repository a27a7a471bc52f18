package dwstest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/dws/dwstest"
)

// This example tests code that lists audit-log dumps against the fake: seed a cluster,
// point a client at the server, and inject a throttling fault that the client's retries
// absorb.
func Example() {
	srv := dwstest.NewServer()
	defer srv.Close()

	const cluster = "a07cb2f7-b17e-4d95-923b-a33d0c884d37"
	srv.AddAuditLogRecord(cluster, dws.AuditLogRecord{
		ExecutedAt:     time.Date(2022, 10, 31, 9, 11, 31, 0, time.UTC),
		BeginTime:      time.Date(2022, 10, 31, 9, 9, 55, 0, time.UTC),
		EndTime:        time.Date(2022, 10, 31, 9, 19, 55, 0, time.UTC),
		BucketName:     "testbucket",
		LocationPrefix: "test",
		Result:         dws.AuditResultRunning,
	})
	throttle, err := srv.InjectFault(dwstest.Fault{Route: dwstest.RouteListAuditLogRecords, Status: 429, Times: 1})
	if err != nil {
		fmt.Println(err)
		return
	}

	cfg := srv.Config()
	cfg.Retry = dws.RetryPolicy{MinWait: time.Millisecond, MaxWait: time.Millisecond}
	client, err := dws.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := client.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{ClusterID: cluster})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("throttled:", throttle.Hits(), "requests:", srv.Requests(dwstest.RouteListAuditLogRecords))
	for _, r := range resp.Records {
		fmt.Println(r.ExecutedAt.Format(time.DateTime), r.Result, r.BucketName+"/"+r.LocationPrefix)
	}

	_, err = client.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{
		ClusterID: "5c77b71c-5b35-4f50-8984-76387e42451a",
	})
	fmt.Println("unknown cluster is ErrNotFound:", errors.Is(err, dws.ErrNotFound))
	// Output:
	// throttled: 1 requests: 2
	// 2022-10-31 09:11:31 RUNNING testbucket/test
	// unknown cluster is ErrNotFound: true
}
