package dwstest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/dws/dwstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
)

// seeded is the record the end-to-end tests seed and expect back.
var seeded = dws.AuditLogRecord{
	ClusterID:      clusterA,
	ExecutedAt:     time.Date(2022, 10, 31, 9, 11, 31, 0, time.UTC),
	BeginTime:      time.Date(2022, 10, 31, 9, 9, 55, 0, time.UTC),
	EndTime:        time.Date(2022, 10, 31, 9, 19, 55, 0, time.UTC),
	BucketName:     "testbucket",
	LocationPrefix: "test",
	Result:         dws.AuditResultRunning,
}

// newE2E starts a fake sharing a fake clock with its client, seeded with clusterA and
// its one record, and returns both.
func newE2E(t *testing.T, opts ...dwstest.Option) (*dwstest.Server, *dws.Client) {
	t.Helper()
	clk := fakeclock.New(time.Now().UTC().Truncate(time.Second))
	srv := dwstest.NewServer(append([]dwstest.Option{dwstest.WithClock(clk), dwstest.WithLogf(t.Logf)}, opts...)...)
	t.Cleanup(srv.Close)
	srv.AddAuditLogRecord(clusterA, seeded)
	client, err := dws.New(srv.Config())
	require.NoError(t, err)
	return srv, client
}

func list(ctx context.Context, c *dws.Client, id string) (*dws.ListAuditLogRecordsResponse, error) {
	return c.ListAuditLogRecords(ctx, &dws.ListAuditLogRecordsRequest{ClusterID: id})
}

func TestE2EListAuditLogRecords(t *testing.T) {
	t.Parallel()
	srv, client := newE2E(t)
	failed := dws.AuditLogRecord{
		ExecutedAt:     time.Date(2022, 11, 2, 11, 0, 7, 0, time.FixedZone("CST", 8*3600)),
		BeginTime:      time.Date(2022, 11, 2, 2, 50, 0, 0, time.UTC),
		EndTime:        time.Date(2022, 11, 2, 3, 0, 0, 0, time.UTC),
		BucketName:     "audit-archive",
		LocationPrefix: "dws/audit",
		Result:         "FAILED",
		FailedReason:   "bucket not accessible",
	}
	srv.AddAuditLogRecord(clusterA, failed)
	srv.AddCluster(clusterB)

	resp, err := list(context.Background(), client, clusterA)
	require.NoError(t, err)
	assert.Equal(t, clusterA, resp.ClusterID)
	require.NotNil(t, resp.Total)
	assert.Equal(t, 2, *resp.Total)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, resp.RequestID, 32)
	require.Len(t, resp.Records, 2)
	assert.Equal(t, seeded, resp.Records[0])
	want := failed
	want.ClusterID = clusterA
	want.ExecutedAt = time.Date(2022, 11, 2, 3, 0, 7, 0, time.UTC)
	assert.Equal(t, want, resp.Records[1], "times come back as the same instant in UTC")

	resp, err = list(context.Background(), client, clusterB)
	require.NoError(t, err)
	assert.Equal(t, clusterB, resp.ClusterID)
	require.NotNil(t, resp.Total)
	assert.Equal(t, 0, *resp.Total)
	assert.Empty(t, resp.Records)
	assert.Equal(t, 2, srv.Requests(dwstest.RouteListAuditLogRecords))
}

func TestE2EUnknownCluster(t *testing.T) {
	t.Parallel()
	srv, client := newE2E(t)
	resp, err := list(context.Background(), client, clusterB)
	require.Error(t, err)
	assert.Nil(t, resp)
	assert.True(t, errors.Is(err, dws.ErrNotFound), err.Error())
	var ae *dws.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusNotFound, ae.StatusCode)
	assert.Equal(t, dwstest.CodeClusterNotFound, ae.Code)
	assert.Contains(t, ae.Message, clusterB)
	assert.Len(t, ae.RequestID, 32)
	assert.Equal(t, 1, ae.Attempts, "404 is not retried")
	assert.Equal(t, 1, srv.Requests(dwstest.RouteListAuditLogRecords))
}

// TestE2EInvalidClusterIDNeverSent checks that the client refuses what no service
// takes for an ID, so the fake never sees it.
func TestE2EInvalidClusterIDNeverSent(t *testing.T) {
	t.Parallel()
	srv, client := newE2E(t)
	for _, id := range []string{"", "not-a-uuid", " " + clusterA, "../" + clusterA[3:], clusterA[:35] + "/"} {
		_, err := list(context.Background(), client, id)
		assert.ErrorIs(t, err, dws.ErrInvalidRequest, "%q", id)
	}
	assert.Equal(t, 0, srv.RequestsTotal())
}

// TestE2ERetriedFaults checks every status the policy retries: 409, 412 and 429 for any
// method, 500 and 503 for GET. Each is injected twice, then the call succeeds on the
// third attempt, every attempt freshly signed (the fake verifies each).
func TestE2ERetriedFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault dwstest.Fault
	}{
		{"429 with Retry-After", dwstest.Fault{Status: 429, RetryAfter: "30", Code: "APIG.0308", Message: "The throttling threshold has been reached"}},
		{"429 with a Retry-After over the cap", dwstest.Fault{Status: 429, RetryAfter: "3600"}},
		{"409", dwstest.Fault{Status: 409, Code: "DWS.0003", Message: "cluster busy"}},
		{"412", dwstest.Fault{Status: 412, Code: "DWS.0004", Message: "precondition failed"}},
		{"500 on GET", dwstest.Fault{Status: 500}},
		{"503 on GET", dwstest.Fault{Status: 503, RetryAfter: "1"}},
		{"reset before headers", dwstest.Fault{Reset: dwstest.ResetBeforeHeaders}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, client := newE2E(t)
			f := tt.fault
			f.Route = dwstest.RouteListAuditLogRecords
			f.Times = 2
			inj, err := srv.InjectFault(f)
			require.NoError(t, err)
			resp, err := list(context.Background(), client, clusterA)
			require.NoError(t, err)
			require.NotNil(t, resp.Total)
			assert.Equal(t, 1, *resp.Total)
			assert.Equal(t, []dws.AuditLogRecord{seeded}, resp.Records)
			assert.Equal(t, 2, inj.Hits())
			assert.GreaterOrEqual(t, srv.Requests(dwstest.RouteListAuditLogRecords), 3)
		})
	}
}

// TestE2EExhaustedRetries checks that a fault outlasting the retries surfaces as an
// *APIError with the last status, code and request ID and the number of attempts.
func TestE2EExhaustedRetries(t *testing.T) {
	t.Parallel()
	srv, client := newE2E(t)
	inj, err := srv.InjectFault(dwstest.Fault{Route: dwstest.RouteListAuditLogRecords, Status: 500, Code: "DWS.9999", Message: "internal error"})
	require.NoError(t, err)
	_, err = list(context.Background(), client, clusterA)
	var ae *dws.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 500, ae.StatusCode)
	assert.Equal(t, "DWS.9999", ae.Code)
	assert.Equal(t, "internal error", ae.Message)
	assert.Len(t, ae.RequestID, 32)
	assert.Equal(t, 4, ae.Attempts)
	assert.Equal(t, 4, inj.Hits())
	assert.Equal(t, 4, srv.Requests(dwstest.RouteListAuditLogRecords))
	assert.Contains(t, err.Error(), "4 attempts")
}

func TestE2EWrongSecret(t *testing.T) {
	t.Parallel()
	srv, _ := newE2E(t)
	cfg := srv.Config()
	cfg.Credentials.SecretKey = "wrong-secret-key-0000000000000000000000"
	client, err := dws.New(cfg)
	require.NoError(t, err)
	_, err = list(context.Background(), client, clusterA)
	var ae *dws.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
	assert.Equal(t, "APIG.0301", ae.Code)
	assert.ErrorIs(t, err, dws.ErrUnauthorized)
	assert.Equal(t, 1, ae.Attempts, "401 is not retried")
	assert.NotContains(t, err.Error(), cfg.Credentials.SecretKey)
	assert.NotContains(t, err.Error(), srv.Credentials.SecretKey)
}

func TestE2ETokenAuth(t *testing.T) {
	t.Parallel()
	srv, client := newE2E(t, dwstest.WithAuthToken("iam-token"))
	resp, err := list(context.Background(), client, clusterA)
	require.NoError(t, err)
	assert.Equal(t, []dws.AuditLogRecord{seeded}, resp.Records)

	cfg := srv.Config()
	cfg.AuthToken = "stale-token"
	stale, err := dws.New(cfg)
	require.NoError(t, err)
	_, err = list(context.Background(), stale, clusterA)
	var ae *dws.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, dwstest.CodeBadToken, ae.Code)
	assert.NotContains(t, err.Error(), "stale-token")
}

func TestE2EBrokenReplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault dwstest.Fault
		want  string
	}{
		{"truncated JSON", dwstest.Fault{Truncate: true}, "decode response"},
		{"malformed JSON", dwstest.Fault{Malformed: true}, "decode response"},
		{"HTML instead of JSON", dwstest.Fault{ContentType: "text/html"}, "decode response"},
		{"body over the cap", dwstest.Fault{Oversize: 64 << 10}, "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newE2E(t)
			cfg := srv.Config()
			cfg.MaxResponseBytes = 32 << 10
			client, err := dws.New(cfg)
			require.NoError(t, err)
			f := tt.fault
			f.Route = dwstest.RouteListAuditLogRecords
			_, err = srv.InjectFault(f)
			require.NoError(t, err)
			resp, err := list(context.Background(), client, clusterA)
			require.Error(t, err)
			assert.Nil(t, resp)
			var re *dws.RequestError
			require.ErrorAs(t, err, &re, err.Error())
			assert.Equal(t, "ListAuditLogRecords", re.Operation)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "dws: ListAuditLogRecords: "), err.Error())
		})
	}
}

// TestE2EContextCancelledDuringSlowReply checks that cancelling ctx ends a call whose
// reply is delayed, without waiting for it.
func TestE2EContextCancelledDuringSlowReply(t *testing.T) {
	t.Parallel()
	srv, client := newE2E(t)
	_, err := srv.InjectFault(dwstest.Fault{Route: dwstest.RouteListAuditLogRecords, Delay: time.Minute})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.Requests(dwstest.RouteListAuditLogRecords) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err = list(ctx, client, clusterA)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	var re *dws.RequestError
	assert.ErrorAs(t, err, &re)
}

// TestE2EConcurrent shares one client between goroutines against a fake throttling a
// third of the requests.
func TestE2EConcurrent(t *testing.T) {
	t.Parallel()
	srv, client := newE2E(t)
	_, err := srv.InjectFault(dwstest.Fault{Route: dwstest.RouteListAuditLogRecords, Status: 429, RetryAfter: "1", Probability: 0.3})
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := list(context.Background(), client, clusterA)
			if err == nil && (resp.Total == nil || *resp.Total != 1) {
				err = errors.New("wrong count")
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			var ae *dws.APIError
			require.ErrorAs(t, err, &ae, "every failure is a clear APIError")
			assert.Equal(t, 429, ae.StatusCode)
			assert.Equal(t, 4, ae.Attempts)
		}
	}
}
