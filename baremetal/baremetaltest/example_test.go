package baremetaltest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/baremetal/baremetaltest"
)

// A test of code that downloads server logs, against the fake: the first export
// request is throttled once, and the client retries it.
func ExampleNewServer() {
	srv := baremetaltest.NewServer(
		baremetaltest.WithExportDuration(200*time.Millisecond),
		baremetaltest.WithArchiveSize(2<<20),
	)
	defer srv.Close()
	throttled, err := srv.InjectFault(baremetaltest.Fault{
		Route: baremetaltest.RouteExportLogs, Status: http.StatusTooManyRequests, RetryAfter: "0", Times: 1,
	})
	if err != nil {
		log.Fatal(err)
	}

	client, err := baremetal.New(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	export, n, err := exportAndDownload(client, context.Background(), "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", io.Discard,
		hcloud.WithMinDelay(50*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(export.Status, n, "bytes")
	fmt.Println("throttled:", throttled.Hits(), "export requests:", srv.Requests(baremetaltest.RouteExportLogs))

	// A wrong secret key is refused as API Gateway refuses it.
	cfg := srv.Config()
	cfg.Credentials.SecretKey = "wrong-secret-key"
	bad, err := baremetal.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	_, err = bad.ExportLogs(context.Background(), &baremetal.ExportLogsRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001"})
	var apiErr *baremetal.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code)
	}
	// Output:
	// completed 2097152 bytes
	// throttled: 1 export requests: 2
	// 401 APIG.0301
}
