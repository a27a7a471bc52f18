package dws_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
)

const auditPath = "/v1.0/" + testProject + "/clusters/" + testCluster + "/audit-log-records"

func TestListAuditLogRecordsFixtures(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		v, err := time.Parse("2006-01-02T15:04:05.999", s)
		require.NoError(t, err)
		return v
	}
	tests := []struct {
		fixture string
		want    *dws.ListAuditLogRecordsResponse
	}{
		{
			fixture: "listauditlogrecords_example.json",
			want: &dws.ListAuditLogRecordsResponse{ClusterID: testCluster, Total: ptr(1), Records: []dws.AuditLogRecord{{
				ClusterID:      testCluster,
				ExecutedAt:     utc("2022-10-31T09:11:31"),
				BeginTime:      utc("2022-10-31T09:09:55"),
				EndTime:        utc("2022-10-31T09:19:55"),
				BucketName:     "testbucket",
				LocationPrefix: "test",
				Result:         dws.AuditResultRunning,
			}}, ResponseMetadata: dws.ResponseMetadata{RequestID: "req-OK", StatusCode: 200}},
		},
		{
			fixture: "listauditlogrecords_failed.json",
			want: &dws.ListAuditLogRecordsResponse{ClusterID: testCluster, Total: ptr(2), Records: []dws.AuditLogRecord{{
				ClusterID:      testCluster,
				ExecutedAt:     utc("2022-11-02T03:00:07"),
				BeginTime:      utc("2022-11-02T02:50:00"),
				EndTime:        utc("2022-11-02T03:00:00"),
				BucketName:     "audit-archive",
				LocationPrefix: "dws/audit",
				Result:         dws.AuditResult("FAILED"),
				FailedReason:   "OBS bucket audit-archive does not exist or is not accessible",
			}, {
				ClusterID:      testCluster,
				ExecutedAt:     utc("2022-11-02T03:10:05"),
				BeginTime:      utc("2022-11-02T03:00:00"),
				EndTime:        utc("2022-11-02T03:10:00"),
				BucketName:     "audit-archive",
				LocationPrefix: "dws/audit",
				Result:         dws.AuditResultRunning,
			}}, ResponseMetadata: dws.ResponseMetadata{RequestID: "req-OK", StatusCode: 200}},
		},
		{
			fixture: "listauditlogrecords_rfc3339.json",
			want: &dws.ListAuditLogRecordsResponse{ClusterID: testCluster, Total: ptr(1), Records: []dws.AuditLogRecord{{
				ClusterID:      testCluster,
				ExecutedAt:     utc("2022-10-31T09:11:31"),
				BeginTime:      time.Date(2022, 10, 31, 17, 9, 55, 0, time.FixedZone("", 8*3600)),
				EndTime:        utc("2022-10-31T09:19:55.250"),
				BucketName:     "testbucket",
				LocationPrefix: "test",
				Result:         dws.AuditResultRunning,
			}}, ResponseMetadata: dws.ResponseMetadata{RequestID: "req-OK", StatusCode: 200}},
		},
		{
			fixture: "listauditlogrecords_empty.json",
			want: &dws.ListAuditLogRecordsResponse{ClusterID: testCluster, Total: ptr(0), Records: []dws.AuditLogRecord{},
				ResponseMetadata: dws.ResponseMetadata{RequestID: "req-OK", StatusCode: 200}},
		},
		{
			fixture: "listauditlogrecords_nocount.json",
			want: &dws.ListAuditLogRecordsResponse{ClusterID: testCluster, Total: nil, Records: []dws.AuditLogRecord{{
				ClusterID:      testCluster,
				ExecutedAt:     utc("2022-10-31T09:11:31"),
				BeginTime:      utc("2022-10-31T09:09:55"),
				EndTime:        utc("2022-10-31T09:19:55"),
				BucketName:     "testbucket",
				LocationPrefix: "test",
				Result:         dws.AuditResultRunning,
			}}, ResponseMetadata: dws.ResponseMetadata{RequestID: "req-OK", StatusCode: 200}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			c, srv := newMock(t, reply(200, fixture(t, tt.fixture)))
			req := &dws.ListAuditLogRecordsRequest{ClusterID: testCluster}
			got, err := c.ListAuditLogRecords(context.Background(), req)
			require.NoError(t, err)

			assert.Equal(t, tt.want.ClusterID, got.ClusterID)
			assert.Equal(t, tt.want.Total, got.Total)
			assert.Equal(t, tt.want.RequestID, got.RequestID)
			assert.Equal(t, tt.want.StatusCode, got.StatusCode)
			assert.NotNil(t, got.Records)
			require.Len(t, got.Records, len(tt.want.Records))
			for i, w := range tt.want.Records {
				g := got.Records[i]
				assert.Equal(t, w.ClusterID, g.ClusterID, "record %d", i)
				assert.True(t, w.ExecutedAt.Equal(g.ExecutedAt), "record %d ExecutedAt %v, want %v", i, g.ExecutedAt, w.ExecutedAt)
				assert.True(t, w.BeginTime.Equal(g.BeginTime), "record %d BeginTime %v, want %v", i, g.BeginTime, w.BeginTime)
				assert.True(t, w.EndTime.Equal(g.EndTime), "record %d EndTime %v, want %v", i, g.EndTime, w.EndTime)
				assert.Equal(t, w.BucketName, g.BucketName, "record %d", i)
				assert.Equal(t, w.LocationPrefix, g.LocationPrefix, "record %d", i)
				assert.Equal(t, w.Result, g.Result, "record %d", i)
				assert.Equal(t, w.FailedReason, g.FailedReason, "record %d", i)
			}
			assert.Equal(t, &dws.ListAuditLogRecordsRequest{ClusterID: testCluster}, req, "request not mutated")

			reqs := srv.requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, http.MethodGet, r.method)
			assert.Equal(t, auditPath, r.path)
			assert.Equal(t, auditPath, r.rawPath)
			assert.Empty(t, r.query)
			assert.Empty(t, r.body)
			assert.NoError(t, r.verifyErr)
			assert.Equal(t, testProject, r.header.Get("X-Project-Id"))
			assert.Equal(t, "application/json", r.header.Get("Accept"))
			assert.Empty(t, r.header.Get("X-Auth-Token"))
		})
	}
}

// TestListAuditLogRecordsZonelessIsUTC pins down that the zone-less times of the
// documented example are read as UTC, not in the local zone.
func TestListAuditLogRecordsZonelessIsUTC(t *testing.T) {
	t.Parallel()
	c, _ := newMock(t, reply(200, fixture(t, "listauditlogrecords_example.json")))
	got, err := c.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{ClusterID: testCluster})
	require.NoError(t, err)
	require.Len(t, got.Records, 1)
	r := got.Records[0]
	assert.Equal(t, time.UTC, r.ExecutedAt.Location())
	assert.Equal(t, int64(1667207491), r.ExecutedAt.Unix())
	assert.Equal(t, int64(1667207395), r.BeginTime.Unix())
	assert.Equal(t, int64(1667207995), r.EndTime.Unix())
}

// TestListAuditLogRecordsAbsentRecords covers a reply without the records array.
func TestListAuditLogRecordsAbsentRecords(t *testing.T) {
	t.Parallel()
	c, _ := newMock(t, reply(200, `{"cluster_id":"`+testCluster+`"}`))
	got, err := c.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{ClusterID: testCluster})
	require.NoError(t, err)
	assert.Equal(t, testCluster, got.ClusterID)
	assert.Nil(t, got.Total, "no count in the reply")
	assert.NotNil(t, got.Records)
	assert.Empty(t, got.Records)
}

func TestListAuditLogRecordsUpperCaseID(t *testing.T) {
	t.Parallel()
	id := strings.ToUpper(testCluster)
	c, srv := newMock(t, reply(200, fixture(t, "listauditlogrecords_empty.json")))
	_, err := c.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{ClusterID: id})
	require.NoError(t, err)
	reqs := srv.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v1.0/"+testProject+"/clusters/"+id+"/audit-log-records", reqs[0].path)
	assert.NoError(t, reqs[0].verifyErr)
}

func TestListAuditLogRecordsValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		req    *dws.ListAuditLogRecordsRequest
		field  string
		reason string
	}{
		{"nil request", nil, "request", "is nil"},
		{"empty", &dws.ListAuditLogRecordsRequest{}, "ClusterID", "is required"},
		{"spaces only", &dws.ListAuditLogRecordsRequest{ClusterID: "   "}, "ClusterID", "is required"},
		{"non-hex digit", &dws.ListAuditLogRecordsRequest{ClusterID: "g07cb2f7-b17e-4d95-923b-a33d0c884d37"}, "ClusterID", "is not an ID: want hexadecimal digits in groups separated by '-'"},
		{"slash", &dws.ListAuditLogRecordsRequest{ClusterID: "a07cb2f7-b17e-4d95-923b-a33d0c884d3/"}, "ClusterID", "is not an ID: want hexadecimal digits in groups separated by '-'"},
		{"slash path", &dws.ListAuditLogRecordsRequest{ClusterID: "a07cb2f7-b17e-4d95-923b-a33d0c884d37/x"}, "ClusterID", "is not an ID: want hexadecimal digits in groups separated by '-'"},
		{"dot dot", &dws.ListAuditLogRecordsRequest{ClusterID: ".."}, "ClusterID", "is not an ID: want hexadecimal digits in groups separated by '-'"},
		{"dot dot traversal", &dws.ListAuditLogRecordsRequest{ClusterID: "../../../../../../../../../../../../"}, "ClusterID", "is not an ID: want hexadecimal digits in groups separated by '-'"},
		{"space inside", &dws.ListAuditLogRecordsRequest{ClusterID: "a07cb2f7-b17e-4d95-923b-a33d0c884d3 "}, "ClusterID", "is not an ID: want hexadecimal digits in groups separated by '-'"},
		{"leading space", &dws.ListAuditLogRecordsRequest{ClusterID: " " + testCluster}, "ClusterID", "is not an ID: want hexadecimal digits in groups separated by '-'"},
		{"newline", &dws.ListAuditLogRecordsRequest{ClusterID: "a07cb2f7-b17e-4d95-923b-a33d0c884d3\n"}, "ClusterID", "is not an ID: want hexadecimal digits in groups separated by '-'"},
		{"NUL", &dws.ListAuditLogRecordsRequest{ClusterID: "a07cb2f7-b17e-4d95-923b-a33d0c884d3\x00"}, "ClusterID", "is not an ID: want hexadecimal digits in groups separated by '-'"},
		{"DEL", &dws.ListAuditLogRecordsRequest{ClusterID: "a07cb2f7-b17e-4d95-923b-a33d0c884d3\x7f"}, "ClusterID", "is not an ID: want hexadecimal digits in groups separated by '-'"},
		{"query", &dws.ListAuditLogRecordsRequest{ClusterID: "a07cb2f7-b17e-4d95-923b-a33d0c884?x=1"}, "ClusterID", "is not an ID: want hexadecimal digits in groups separated by '-'"},
		{"percent escape", &dws.ListAuditLogRecordsRequest{ClusterID: "a07cb2f7-b17e-4d95-923b-a33d0c88%2F"}, "ClusterID", "is not an ID: want hexadecimal digits in groups separated by '-'"},
		{"non-ASCII", &dws.ListAuditLogRecordsRequest{ClusterID: "a07cb2f7-b17e-4d95-923b-a33d0c884dé"}, "ClusterID", "is not an ID: want hexadecimal digits in groups separated by '-'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, srv := newMock(t, reply(200, fixture(t, "listauditlogrecords_example.json")))
			got, err := c.ListAuditLogRecords(context.Background(), tt.req)
			require.Error(t, err)
			assert.Nil(t, got)
			assert.ErrorIs(t, err, dws.ErrInvalidRequest)
			var ve *dws.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "dws", ve.Service)
			assert.Equal(t, "ListAuditLogRecords", ve.Operation)
			assert.Equal(t, tt.field, ve.Field)
			assert.Contains(t, ve.Reason, tt.reason)
			assert.True(t, strings.HasPrefix(err.Error(), "dws: ListAuditLogRecords: "+tt.field+" "), err.Error())
			assert.Empty(t, srv.requests(), "nothing is sent")
		})
	}
}

func TestListAuditLogRecordsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		wantCode string
		wantMsg  string
		attempts int
		sentinel error
	}{
		{name: "404 unknown cluster", status: 404, body: `{"error_code":"DWS.0001","error_msg":"The cluster does not exist."}`,
			wantCode: "DWS.0001", wantMsg: "The cluster does not exist.", attempts: 1, sentinel: dws.ErrNotFound},
		{name: "401 bad signature", status: 401, body: `{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information"}`,
			wantCode: "APIG.0301", wantMsg: "Incorrect IAM authentication information", attempts: 1, sentinel: dws.ErrUnauthorized},
		{name: "403 forbidden", status: 403, body: `{"error_code":"DWS.0015","error_msg":"no permission"}`,
			wantCode: "DWS.0015", wantMsg: "no permission", attempts: 1, sentinel: dws.ErrForbidden},
		{name: "400 not retried", status: 400, body: `{"error_code":"DWS.0000","error_msg":"bad request"}`,
			wantCode: "DWS.0000", wantMsg: "bad request", attempts: 1},
		{name: "500 on GET retried until exhausted", status: 500, body: `{"error_code":"DWS.9999","error_msg":"internal error"}`,
			wantCode: "DWS.9999", wantMsg: "internal error", attempts: 4},
		{name: "503 plain body retried until exhausted", status: 503, body: `service unavailable`,
			wantMsg: "service unavailable", attempts: 4},
		{name: "429 storm", status: 429, body: `{"error_code":"APIG.0308","error_msg":"throttled"}`,
			wantCode: "APIG.0308", wantMsg: "throttled", attempts: 4, sentinel: dws.ErrThrottled},
		{name: "409 until exhausted", status: 409, body: `{"error_code":"DWS.0002","error_msg":"busy"}`,
			wantCode: "DWS.0002", wantMsg: "busy", attempts: 4, sentinel: dws.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, srv := newMock(t, reply(tt.status, tt.body))
			got, err := c.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{ClusterID: testCluster})
			require.Error(t, err)
			assert.Nil(t, got)
			var ae *dws.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "dws", ae.Service)
			assert.Equal(t, "ListAuditLogRecords", ae.Operation)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.Equal(t, tt.wantCode, ae.Code)
			assert.Equal(t, tt.wantMsg, ae.Message)
			assert.Equal(t, "req-"+http.StatusText(tt.status), ae.RequestID)
			assert.Equal(t, tt.attempts, ae.Attempts)
			assert.Len(t, srv.requests(), tt.attempts)
			if tt.sentinel != nil {
				assert.ErrorIs(t, err, tt.sentinel)
			}
			assert.NotErrorIs(t, err, dws.ErrInvalidRequest)
		})
	}
}

// TestListAuditLogRecordsRetriedThenSuccess checks that the statuses the policy retries
// for every method (409, 412, 429) and the GET-only ones (500, 503) end in success when
// the service recovers, each retry freshly signed.
func TestListAuditLogRecordsRetriedThenSuccess(t *testing.T) {
	t.Parallel()
	for _, status := range []int{409, 412, 429, 500, 502, 503, 504} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			c, srv := newMock(t,
				reply(status, `{"error_code":"DWS.0002","error_msg":"try again"}`, "Retry-After", "2"),
				reply(200, fixture(t, "listauditlogrecords_example.json")))
			got, err := c.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{ClusterID: testCluster})
			require.NoError(t, err)
			assert.Equal(t, ptr(1), got.Total)
			assert.Equal(t, "req-OK", got.RequestID)
			reqs := srv.requests()
			require.Len(t, reqs, 2)
			for i, r := range reqs {
				assert.NoError(t, r.verifyErr, "attempt %d", i+1)
				assert.Equal(t, auditPath, r.path, "attempt %d", i+1)
			}
		})
	}
}

func TestListAuditLogRecordsUndecodable(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body, want string }{
		{"truncated JSON", `{"records":[{"result":"RUNNING"`, "decode response"},
		{"wrong type", `{"records":{},"count":1}`, "decode response"},
		{"bad time", `{"records":[{"executor_time":"yesterday"}],"count":1}`, "yesterday"},
		{"trailing data", `{"records":[],"count":0} {}`, "after top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, srv := newMock(t, reply(200, tt.body))
			got, err := c.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{ClusterID: testCluster})
			require.Error(t, err)
			assert.Nil(t, got)
			var re *dws.RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "ListAuditLogRecords", re.Operation)
			assert.Equal(t, 200, re.StatusCode)
			assert.Equal(t, "req-OK", re.RequestID)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "dws: ListAuditLogRecords: "), err.Error())
			assert.Len(t, srv.requests(), 1)
		})
	}
}

func TestListAuditLogRecordsContextCancelled(t *testing.T) {
	t.Parallel()
	c, _ := newMock(t, reply(200, fixture(t, "listauditlogrecords_example.json")))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := c.ListAuditLogRecords(ctx, &dws.ListAuditLogRecordsRequest{ClusterID: testCluster})
	require.Error(t, err)
	assert.Nil(t, got)
	assert.True(t, errors.Is(err, context.Canceled), err.Error())
	var re *dws.RequestError
	assert.ErrorAs(t, err, &re)
}

func TestListAuditLogRecordsTokenAuth(t *testing.T) {
	t.Parallel()
	var got http.Header
	mt := newTokenMock(&got)
	c, err := dws.New(dws.Config{Region: "ap-southeast-1", ProjectID: testProject, AuthToken: "iam-token-value",
		HTTPClient: &http.Client{Transport: mt}})
	require.NoError(t, err)
	resp, err := c.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{ClusterID: testCluster})
	require.NoError(t, err)
	assert.Equal(t, ptr(1), resp.Total)
	assert.Equal(t, "iam-token-value", got.Get("X-Auth-Token"))
	assert.Empty(t, got.Get("Authorization"))
	assert.Empty(t, got.Get("X-Sdk-Date"))
	assert.Equal(t, testProject, got.Get("X-Project-Id"))
}

// FuzzListAuditLogRecordsClusterID checks that whatever the ClusterID, the client
// either refuses it before sending or sends exactly the documented path with it as one
// segment.
func FuzzListAuditLogRecordsClusterID(f *testing.F) {
	for _, s := range []string{testCluster, "", "..", "a/b", testCluster[:35] + "/", "%2e%2e", "\x00", strings.ToUpper(testCluster)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		var paths []string
		mt := newPathMock(&paths)
		c, err := dws.New(dws.Config{Region: "ap-southeast-1", ProjectID: testProject, Credentials: testCreds,
			HTTPClient: &http.Client{Transport: mt}, Retry: dws.RetryPolicy{MaxAttempts: 1}})
		require.NoError(t, err)
		_, err = c.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{ClusterID: id})
		if !hcloud.ValidID(id) {
			require.ErrorIs(t, err, dws.ErrInvalidRequest)
			require.Empty(t, paths)
			return
		}
		require.NoError(t, err)
		require.Equal(t, []string{"/v1.0/" + testProject + "/clusters/" + id + "/audit-log-records"}, paths)
	})
}

// TestListAuditLogRecordsLongIDErrorIsBounded checks that a huge ClusterID does not
// end up whole in the error message.
func TestListAuditLogRecordsLongIDErrorIsBounded(t *testing.T) {
	t.Parallel()
	c, srv := newMock(t, reply(200, fixture(t, "listauditlogrecords_example.json")))
	_, err := c.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{ClusterID: strings.Repeat("a", 1<<20)})
	require.ErrorIs(t, err, dws.ErrInvalidRequest)
	assert.Less(t, len(err.Error()), 256, err.Error())
	assert.Contains(t, err.Error(), `ClusterID "`+strings.Repeat("a", 40)+`" is not an ID`)
	assert.Empty(t, srv.requests())
}

// TestListAuditLogRecordsTotalAsReported checks that Total is the service's count, not
// recomputed, when the two disagree.
func TestListAuditLogRecordsTotalAsReported(t *testing.T) {
	t.Parallel()
	c, _ := newMock(t, reply(200, `{"records":[{"result":"RUNNING"}],"count":3,"cluster_id":"`+testCluster+`"}`))
	got, err := c.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{ClusterID: testCluster})
	require.NoError(t, err)
	assert.Equal(t, ptr(3), got.Total)
	assert.Len(t, got.Records, 1)
}

// ptr returns a pointer to v.
func ptr(v int) *int { return &v }
