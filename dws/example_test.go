package dws_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// This example lists the audit-log dumps of a cluster. A mock transport stands in for
// the service and answers with the documented example reply; a real program would use
// dws.ConfigFromEnv() and no HTTPClient.
func ExampleClient_ListAuditLogRecords() {
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet,
		"https://dws.ap-southeast-1.myhuaweicloud.com/v1.0/0a1b2c3d4e5f60718293a4b5c6d7e8f9/clusters/a07cb2f7-b17e-4d95-923b-a33d0c884d37/audit-log-records",
		httpmock.NewStringResponder(200, `{"records":[{"result":"RUNNING","cluster_id":"a07cb2f7-b17e-4d95-923b-a33d0c884d37",`+
			`"executor_time":"2022-10-31T09:11:31","begin_time":"2022-10-31T09:09:55","end_time":"2022-10-31T09:19:55",`+
			`"bucket_name":"testbucket","location_prefix":"test"}],"count":1,"cluster_id":"a07cb2f7-b17e-4d95-923b-a33d0c884d37"}`))

	client, err := dws.New(dws.Config{
		Region:      "ap-southeast-1",
		ProjectID:   "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
		Credentials: signer.Credentials{AccessKey: "EXAMPLEAK", SecretKey: "example-sk"},
		HTTPClient:  &http.Client{Transport: mt},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, err := client.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{
		ClusterID: "a07cb2f7-b17e-4d95-923b-a33d0c884d37",
	})
	var apiErr *dws.APIError
	switch {
	case errors.Is(err, dws.ErrNotFound):
		fmt.Println("no such cluster")
		return
	case errors.As(err, &apiErr):
		fmt.Println(apiErr.Code, apiErr.Message, apiErr.RequestID)
		return
	case err != nil:
		fmt.Println(err)
		return
	}
	fmt.Println("records:", len(resp.Records))
	for _, r := range resp.Records {
		fmt.Printf("%s %s..%s %s obs://%s/%s\n", r.ExecutedAt.Format(time.RFC3339),
			r.BeginTime.Format(time.TimeOnly), r.EndTime.Format(time.TimeOnly), r.Result, r.BucketName, r.LocationPrefix)
	}
	// Output:
	// records: 1
	// 2022-10-31T09:11:31Z 09:09:55..09:19:55 RUNNING obs://testbucket/test
}
