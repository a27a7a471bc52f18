package dwstest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/dws/dwstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	clusterA = "a07cb2f7-b17e-4d95-923b-a33d0c884d37"
	clusterB = "5c77b71c-5b35-4f50-8984-76387e42451a"
)

// rawReply is a reply of the fake read without the client.
type rawReply struct {
	status int
	header http.Header
	body   string
}

// rawGet sends a GET for path (appended to the server URL), signed with creds at the
// current time unless creds is the zero value, with the extra headers given as name,
// value pairs.
func rawGet(t *testing.T, srv *dwstest.Server, path string, creds signer.Credentials, header ...string) rawReply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if creds != (signer.Credentials{}) {
		require.NoError(t, signer.Sign(req, nil, creds, time.Now()))
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawReply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func recordsPath(srv *dwstest.Server, id string) string {
	return "/v1.0/" + srv.ProjectID + "/clusters/" + id + "/audit-log-records"
}

// errorBody decodes an error reply.
func errorBody(t *testing.T, body string) (code, msg string) {
	t.Helper()
	var e struct {
		Code string `json:"error_code"`
		Msg  string `json:"error_msg"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	return e.Code, e.Msg
}

// TestServerWireFormat checks the JSON the fake sends byte for byte: zone-less UTC
// times, count, cluster_id, failed_reason only when set, records in insertion order.
func TestServerWireFormat(t *testing.T) {
	t.Parallel()
	srv := dwstest.NewServer()
	t.Cleanup(srv.Close)
	cst := time.FixedZone("CST", 8*3600)
	srv.AddAuditLogRecord(clusterA, dws.AuditLogRecord{
		ExecutedAt:     time.Date(2022, 10, 31, 17, 11, 31, 0, cst),
		BeginTime:      time.Date(2022, 10, 31, 9, 9, 55, 0, time.UTC),
		EndTime:        time.Date(2022, 10, 31, 9, 19, 55, 0, time.UTC),
		BucketName:     "testbucket",
		LocationPrefix: "test",
		Result:         dws.AuditResultRunning,
	})
	srv.AddAuditLogRecord(clusterA, dws.AuditLogRecord{
		ClusterID:      clusterA,
		ExecutedAt:     time.Date(2022, 11, 2, 3, 0, 7, 0, time.UTC),
		BeginTime:      time.Date(2022, 11, 2, 2, 50, 0, 0, time.UTC),
		EndTime:        time.Date(2022, 11, 2, 3, 0, 0, 0, time.UTC),
		BucketName:     "audit-archive",
		LocationPrefix: "dws/audit",
		Result:         "FAILED",
		FailedReason:   "bucket not accessible",
	})

	got := rawGet(t, srv, recordsPath(srv, clusterA), srv.Credentials)
	require.Equal(t, http.StatusOK, got.status, got.body)
	assert.Equal(t, "application/json;charset=UTF-8", got.header.Get("Content-Type"))
	assert.Len(t, got.header.Get("X-Request-Id"), 32)
	want := `{"records":[` +
		`{"result":"RUNNING","cluster_id":"` + clusterA + `","executor_time":"2022-10-31T09:11:31","begin_time":"2022-10-31T09:09:55","end_time":"2022-10-31T09:19:55","bucket_name":"testbucket","location_prefix":"test"},` +
		`{"result":"FAILED","cluster_id":"` + clusterA + `","executor_time":"2022-11-02T03:00:07","begin_time":"2022-11-02T02:50:00","end_time":"2022-11-02T03:00:00","bucket_name":"audit-archive","location_prefix":"dws/audit","failed_reason":"bucket not accessible"}` +
		`],"count":2,"cluster_id":"` + clusterA + `"}`
	assert.JSONEq(t, want, got.body)
	assert.NotContains(t, got.body, "+08:00")
	assert.NotContains(t, got.body, "Z\"")
}

func TestServerEmptyCluster(t *testing.T) {
	t.Parallel()
	srv := dwstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddCluster(clusterB)
	srv.AddCluster(clusterB)
	got := rawGet(t, srv, recordsPath(srv, clusterB), srv.Credentials)
	require.Equal(t, http.StatusOK, got.status, got.body)
	assert.JSONEq(t, `{"records":[],"count":0,"cluster_id":"`+clusterB+`"}`, got.body)
}

// TestServerClusterIDCaseInsensitive checks that a cluster is found whatever the case
// of the hex digits, and reported with the ID it was seeded with.
func TestServerClusterIDCaseInsensitive(t *testing.T) {
	t.Parallel()
	srv := dwstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddCluster(clusterA)
	got := rawGet(t, srv, recordsPath(srv, strings.ToUpper(clusterA)), srv.Credentials)
	require.Equal(t, http.StatusOK, got.status, got.body)
	assert.JSONEq(t, `{"records":[],"count":0,"cluster_id":"`+clusterA+`"}`, got.body)
}

func TestServerErrors(t *testing.T) {
	t.Parallel()
	srv := dwstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddCluster(clusterA)
	wrong := srv.Credentials
	wrong.SecretKey = "not-the-secret-key-of-this-server-000000"
	tests := []struct {
		name     string
		path     string
		creds    signer.Credentials
		header   []string
		status   int
		code     string
		msgParts []string
	}{
		{name: "unknown cluster", path: recordsPath(srv, clusterB), creds: srv.Credentials,
			status: 404, code: dwstest.CodeClusterNotFound, msgParts: []string{clusterB, "does not exist"}},
		{name: "cluster ID not a UUID", path: recordsPath(srv, "not-a-uuid"), creds: srv.Credentials,
			status: 400, code: dwstest.CodeInvalidClusterID, msgParts: []string{`"not-a-uuid"`, "UUID"}},
		{name: "cluster ID 35 characters", path: recordsPath(srv, clusterA[:35]), creds: srv.Credentials,
			status: 400, code: dwstest.CodeInvalidClusterID},
		{name: "cluster ID with escaped slash", path: recordsPath(srv, clusterA[:30]+"%2F"+clusterA[31:]), creds: srv.Credentials,
			status: 400, code: dwstest.CodeInvalidClusterID},
		{name: "unsigned", path: recordsPath(srv, clusterA),
			status: 401, code: dwstest.CodeBadSignature},
		{name: "wrong secret", path: recordsPath(srv, clusterA), creds: wrong,
			status: 401, code: dwstest.CodeBadSignature},
		{name: "wrong project in path", path: "/v1.0/0123456789abcdef0123456789abcdef/clusters/" + clusterA + "/audit-log-records", creds: srv.Credentials,
			status: 403, code: dwstest.CodeForbidden},
		{name: "wrong X-Project-Id", path: recordsPath(srv, clusterA), creds: srv.Credentials, header: []string{"X-Project-Id", "other"},
			status: 403, code: dwstest.CodeForbidden},
		{name: "unknown route", path: "/v1.0/" + srv.ProjectID + "/clusters/" + clusterA + "/audit-logs", creds: srv.Credentials,
			status: 404, code: dwstest.CodeAPINotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := rawGet(t, srv, tt.path, tt.creds, tt.header...)
			assert.Equal(t, tt.status, got.status, got.body)
			code, msg := errorBody(t, got.body)
			assert.Equal(t, tt.code, code)
			assert.NotEmpty(t, msg)
			for _, p := range tt.msgParts {
				assert.Contains(t, msg, p)
			}
			assert.Len(t, got.header.Get("X-Request-Id"), 32)
		})
	}
}

func TestServerTokenMode(t *testing.T) {
	t.Parallel()
	srv := dwstest.NewServer(dwstest.WithAuthToken("the-token"))
	t.Cleanup(srv.Close)
	srv.AddCluster(clusterA)
	tests := []struct {
		name   string
		header []string
		status int
		code   string
	}{
		{"right token", []string{"X-Auth-Token", "the-token"}, 200, ""},
		{"wrong token", []string{"X-Auth-Token", "other-token"}, 401, dwstest.CodeBadToken},
		{"no token", nil, 401, dwstest.CodeBadToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := rawGet(t, srv, recordsPath(srv, clusterA), signer.Credentials{}, tt.header...)
			assert.Equal(t, tt.status, got.status, got.body)
			if tt.code != "" {
				code, _ := errorBody(t, got.body)
				assert.Equal(t, tt.code, code)
			}
		})
	}
	cfg := srv.Config()
	assert.Equal(t, "the-token", cfg.AuthToken)
	assert.Equal(t, signer.Credentials{}, cfg.Credentials)
}

func TestServerConfig(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New(time.Now().UTC().Truncate(time.Second))
	srv := dwstest.NewServer(dwstest.WithClock(clk))
	t.Cleanup(srv.Close)
	cfg := srv.Config()
	assert.Equal(t, map[string][]string{"dws": {srv.URL}}, cfg.ServiceEndpoints)
	assert.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), srv.URL)
	assert.True(t, cfg.AllowInsecureHTTP)
	assert.Equal(t, srv.ProjectID, cfg.ProjectID)
	assert.Len(t, srv.ProjectID, 32)
	assert.Equal(t, srv.Credentials, cfg.Credentials)
	assert.NotEmpty(t, srv.Credentials.AccessKey)
	assert.NotEmpty(t, srv.Credentials.SecretKey)
	assert.Equal(t, dws.Clock(clk), cfg.Clock)
	assert.Equal(t, clk.Now(), srv.Now())

	other := dwstest.NewServer()
	t.Cleanup(other.Close)
	assert.NotEqual(t, srv.Credentials, other.Credentials, "credentials are generated per server")
	assert.NotEqual(t, srv.URL, other.URL)
}

// TestServerClockJudgesSignatures checks that the server judges X-Sdk-Date by its own
// clock: a request signed at the real time is refused by a server whose clock is a day
// ahead.
func TestServerClockJudgesSignatures(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New(time.Now().UTC().Truncate(time.Second))
	clk.Advance(24 * time.Hour)
	srv := dwstest.NewServer(dwstest.WithClock(clk))
	t.Cleanup(srv.Close)
	srv.AddCluster(clusterA)
	got := rawGet(t, srv, recordsPath(srv, clusterA), srv.Credentials)
	assert.Equal(t, http.StatusUnauthorized, got.status)
	code, _ := errorBody(t, got.body)
	assert.Equal(t, dwstest.CodeBadSignature, code)
}

func TestServerInjectFaultValidation(t *testing.T) {
	t.Parallel()
	srv := dwstest.NewServer()
	t.Cleanup(srv.Close)
	_, err := srv.InjectFault(dwstest.Fault{Route: "GET /v1.0/{project_id}/clusters", Status: 500})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not registered")
	_, err = srv.InjectFault(dwstest.Fault{Route: dwstest.RouteListAuditLogRecords})
	require.Error(t, err)
	inj, err := srv.InjectFault(dwstest.Fault{Route: dwstest.RouteListAuditLogRecords, Status: 503, Times: 1})
	require.NoError(t, err)
	assert.Equal(t, 0, inj.Hits())
}

// TestServerFaultThenNormal checks that a fault acts Times times, counts its hits and
// then leaves the route to the handler.
func TestServerFaultThenNormal(t *testing.T) {
	t.Parallel()
	srv := dwstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddCluster(clusterA)
	inj, err := srv.InjectFault(dwstest.Fault{Route: dwstest.RouteListAuditLogRecords, Status: 429, RetryAfter: "3", Code: "APIG.0308", Message: "throttled", Times: 2})
	require.NoError(t, err)
	for range 2 {
		got := rawGet(t, srv, recordsPath(srv, clusterA), srv.Credentials)
		assert.Equal(t, http.StatusTooManyRequests, got.status)
		assert.Equal(t, "3", got.header.Get("Retry-After"))
		code, msg := errorBody(t, got.body)
		assert.Equal(t, "APIG.0308", code)
		assert.Equal(t, "throttled", msg)
	}
	got := rawGet(t, srv, recordsPath(srv, clusterA), srv.Credentials)
	assert.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, 2, inj.Hits())
	assert.Equal(t, 3, srv.Requests(dwstest.RouteListAuditLogRecords))
	assert.Equal(t, 3, srv.RequestsTotal())

	inj2, err := srv.InjectFault(dwstest.Fault{Status: 500})
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, rawGet(t, srv, recordsPath(srv, clusterA), srv.Credentials).status)
	srv.ClearFaults()
	assert.Equal(t, http.StatusOK, rawGet(t, srv, recordsPath(srv, clusterA), srv.Credentials).status)
	assert.Equal(t, 1, inj2.Hits())
}

// TestServerConcurrentSeedAndList exercises the server's lock under -race.
func TestServerConcurrentSeedAndList(t *testing.T) {
	t.Parallel()
	srv := dwstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddCluster(clusterA)
	client, err := dws.New(srv.Config())
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			srv.AddAuditLogRecord(clusterA, dws.AuditLogRecord{Result: dws.AuditResultRunning, BucketName: "b", LocationPrefix: strings.Repeat("p", i)})
		}
	}()
	for range 10 {
		resp, err := client.ListAuditLogRecords(t.Context(), &dws.ListAuditLogRecordsRequest{ClusterID: clusterA})
		require.NoError(t, err)
		require.NotNil(t, resp.Total)
		assert.Equal(t, len(resp.Records), *resp.Total)
	}
	<-done
	resp, err := client.ListAuditLogRecords(t.Context(), &dws.ListAuditLogRecordsRequest{ClusterID: clusterA})
	require.NoError(t, err)
	require.NotNil(t, resp.Total)
	assert.Equal(t, 50, *resp.Total)
	for i, r := range resp.Records {
		assert.Equal(t, strings.Repeat("p", i), r.LocationPrefix, "insertion order")
	}
}
