package baremetal

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const exportsURLPath = "/v1/" + testProjectID + "/physicalservers/" + testServerID + "/logs/exports"

func TestExportLogs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fixture string
		status  int
		want    LogExport
	}{
		{
			name: "doc example Running 30%", fixture: "exportlogs_doc.json", status: http.StatusAccepted,
			want: LogExport{ID: "1", Status: ExportStatusRunning, Percent: 30, CreatedAt: time.Date(2024, 7, 1, 11, 32, 49, 0, time.UTC)},
		},
		{
			name: "sdk processing 10% +00:00", fixture: "exportlogs_sdk.json", status: http.StatusAccepted,
			want: LogExport{ID: "7", Status: ExportStatusProcessing, Percent: 10, CreatedAt: time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC)},
		},
		{
			name: "numeric percentage, 200", fixture: "exportlogs_numericpercent.json", status: http.StatusOK,
			want: LogExport{ID: "8", Status: ExportStatusProcessing, Percent: 30, CreatedAt: time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC)},
		},
		{
			name: "percentage without %, +08:00", fixture: "exportlogs_stringpercent.json", status: http.StatusAccepted,
			want: LogExport{ID: "9", Status: ExportStatusProcessing, Percent: 30, CreatedAt: time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMockClient(t, func(int, *seenRequest) *http.Response {
				return reply(tt.status, fixture(t, tt.fixture))
			})
			req := &ExportLogsRequest{ServerID: testServerID}
			resp, err := c.ExportLogs(context.Background(), req)
			require.NoError(t, err)

			seen := m.Seen()
			require.Len(t, seen, 1)
			assert.Equal(t, http.MethodPost, seen[0].Method)
			assert.Equal(t, exportsURLPath, seen[0].Path)
			assert.Empty(t, seen[0].Query)
			assert.Empty(t, seen[0].Body, "the SDK sends no body")
			assertSigned(t, seen[0])

			assert.Equal(t, tt.want.ID, resp.ID)
			assert.Equal(t, tt.want.Status, resp.Status)
			assert.Equal(t, tt.want.Percent, resp.Percent)
			assert.True(t, tt.want.CreatedAt.Equal(resp.CreatedAt), "CreatedAt %v, want %v", resp.CreatedAt, tt.want.CreatedAt)
			assert.False(t, resp.Status.Done())
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, "req-"+strconv.Itoa(tt.status), resp.RequestID)
			assert.Equal(t, &ExportLogsRequest{ServerID: testServerID}, req, "request not mutated")
		})
	}
}

func TestExportLogsNoExportID(t *testing.T) {
	t.Parallel()
	c, _ := newMockClient(t, func(int, *seenRequest) *http.Response {
		return reply(http.StatusAccepted, fixture(t, "exportlogs_noexportid.json"))
	})
	resp, err := c.ExportLogs(context.Background(), &ExportLogsRequest{ServerID: testServerID})
	assert.Nil(t, resp)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "ExportLogs", re.Operation)
	assert.Equal(t, http.StatusAccepted, re.StatusCode)
	assert.Equal(t, "req-202", re.RequestID)
	assert.ErrorIs(t, err, errNoExportID)
	assert.Equal(t, "baremetal: ExportLogs: the reply has no export_id (request id req-202)", err.Error())
}

func TestExportLogsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		status       int
		fixture      string
		wantCode     string
		wantMessage  string
		wantAttempts int
		wantIs       error
	}{
		{name: "401 signature rejected", status: http.StatusUnauthorized, fixture: "exportlogs_unauthorized.json",
			wantCode: "APIG.0301", wantMessage: "Incorrect IAM authentication information: verify aksk signature fail",
			wantAttempts: 1, wantIs: ErrUnauthorized},
		{name: "429 plain string, retried", status: http.StatusTooManyRequests, fixture: "exportlogs_throttled.txt",
			wantMessage: "Too Many Requests", wantAttempts: 4, wantIs: ErrThrottled},
		{name: "500 on POST not retried", status: http.StatusInternalServerError, fixture: "exportlogs_servererror.json",
			wantCode: "CLOUDDC.0500", wantMessage: "internal server error", wantAttempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMockClient(t, func(int, *seenRequest) *http.Response {
				return reply(tt.status, fixture(t, tt.fixture))
			})
			resp, err := c.ExportLogs(context.Background(), &ExportLogsRequest{ServerID: testServerID})
			assert.Nil(t, resp)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "baremetal", ae.Service)
			assert.Equal(t, "ExportLogs", ae.Operation)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.Equal(t, tt.wantCode, ae.Code)
			assert.Equal(t, tt.wantMessage, ae.Message)
			assert.Equal(t, "req-"+strconv.Itoa(tt.status), ae.RequestID)
			assert.Equal(t, tt.wantAttempts, ae.Attempts)
			assert.Len(t, m.Seen(), tt.wantAttempts)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
		})
	}
}

func TestExportLogsRetriedThenAccepted(t *testing.T) {
	t.Parallel()
	c, m := newMockClient(t, func(n int, _ *seenRequest) *http.Response {
		if n < 2 {
			return reply(http.StatusTooManyRequests, fixture(t, "exportlogs_throttled.txt"), "Retry-After", "3")
		}
		return reply(http.StatusAccepted, fixture(t, "exportlogs_doc.json"))
	})
	resp, err := c.ExportLogs(context.Background(), &ExportLogsRequest{ServerID: testServerID})
	require.NoError(t, err)
	assert.Equal(t, "1", resp.ID)
	seen := m.Seen()
	require.Len(t, seen, 3)
	for _, r := range seen {
		assertSigned(t, r)
		assert.Equal(t, exportsURLPath, r.Path)
	}
	assert.Equal(t, []time.Duration{3 * time.Second, 3 * time.Second}, m.clock.Sleeps(), "Retry-After honoured")
}

func TestGetLogExport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fixture  string
		want     LogExport
		wantDone bool
	}{
		{name: "completed 100%", fixture: "getlogexport_completed.json", wantDone: true,
			want: LogExport{ID: "1", Status: ExportStatusCompleted, Percent: 100, CreatedAt: time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC)}},
		{name: "processing 60%, unknown field ignored", fixture: "getlogexport_processing.json",
			want: LogExport{ID: "1", Status: ExportStatusProcessing, Percent: 60, CreatedAt: time.Date(2024, 7, 1, 11, 32, 49, 0, time.UTC)}},
		{name: "doc Running 30%", fixture: "getlogexport_running.json",
			want: LogExport{ID: "1", Status: ExportStatusRunning, Percent: 30, CreatedAt: time.Date(2024, 7, 1, 11, 32, 49, 0, time.UTC)}},
		{name: "COMPLETED upper case, numeric 100, null time", fixture: "getlogexport_uppercase.json", wantDone: true,
			want: LogExport{ID: "1", Status: ExportStatus("COMPLETED"), Percent: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMockClient(t, func(int, *seenRequest) *http.Response {
				return reply(http.StatusOK, fixture(t, tt.fixture))
			})
			resp, err := c.GetLogExport(context.Background(), &GetLogExportRequest{ServerID: testServerID, ExportID: "1"})
			require.NoError(t, err)

			seen := m.Seen()
			require.Len(t, seen, 1)
			assert.Equal(t, http.MethodGet, seen[0].Method)
			assert.Equal(t, exportsURLPath+"/1", seen[0].Path)
			assert.Empty(t, seen[0].Query)
			assert.Empty(t, seen[0].Body)
			assertSigned(t, seen[0])

			assert.Equal(t, tt.want.ID, resp.ID)
			assert.Equal(t, tt.want.Status, resp.Status)
			assert.Equal(t, tt.want.Percent, resp.Percent)
			assert.True(t, tt.want.CreatedAt.Equal(resp.CreatedAt), "CreatedAt %v, want %v", resp.CreatedAt, tt.want.CreatedAt)
			assert.Equal(t, tt.wantDone, resp.Status.Done())
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "req-200", resp.RequestID)
		})
	}
}

func TestGetLogExportWithoutID(t *testing.T) {
	t.Parallel()
	c, _ := newMockClient(t, func(int, *seenRequest) *http.Response {
		return reply(http.StatusOK, []byte(`{"status":"processing","percentage":"45%"}`))
	})
	resp, err := c.GetLogExport(context.Background(), &GetLogExportRequest{ServerID: testServerID, ExportID: "12"})
	require.NoError(t, err)
	assert.Equal(t, "12", resp.ID, "the ID asked about")
	assert.Equal(t, 45, resp.Percent)
	assert.True(t, resp.CreatedAt.IsZero())
}

func TestGetLogExportRetriesServerErrors(t *testing.T) {
	t.Parallel()
	c, m := newMockClient(t, func(n int, _ *seenRequest) *http.Response {
		if n == 0 {
			return reply(http.StatusServiceUnavailable, []byte(`{"error_code":"CLOUDDC.0503","error_msg":"busy"}`))
		}
		return reply(http.StatusOK, fixture(t, "getlogexport_completed.json"))
	})
	resp, err := c.GetLogExport(context.Background(), &GetLogExportRequest{ServerID: testServerID, ExportID: "1"})
	require.NoError(t, err)
	assert.True(t, resp.Status.Done())
	assert.Len(t, m.Seen(), 2, "a GET is retried on 503")
}

func TestGetLogExportBadJSON(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"truncated": `{"export_id":"1","status":"proc`,
		"bad time":  `{"export_id":"1","status":"processing","created_at":"yesterday"}`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, _ := newMockClient(t, func(int, *seenRequest) *http.Response {
				return reply(http.StatusOK, []byte(body))
			})
			resp, err := c.GetLogExport(context.Background(), &GetLogExportRequest{ServerID: testServerID, ExportID: "1"})
			assert.Nil(t, resp)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "GetLogExport", re.Operation)
			assert.Equal(t, "req-200", re.RequestID)
			assert.Contains(t, err.Error(), "decode response")
		})
	}
}

func TestExportStatusDone(t *testing.T) {
	t.Parallel()
	tests := map[ExportStatus]bool{
		ExportStatusCompleted:  true,
		"COMPLETED":            true,
		"Completed":            true,
		" completed ":          true,
		ExportStatusProcessing: false,
		ExportStatusRunning:    false,
		"":                     false,
		"failed":               false,
		"complete":             false,
	}
	for status, want := range tests {
		assert.Equal(t, want, status.Done(), "%q.Done()", status)
	}
}

// TestValidation checks that every operation refuses bad input before sending anything.
func TestValidation(t *testing.T) {
	t.Parallel()
	c, m := newMockClient(t, func(int, *seenRequest) *http.Response {
		t.Error("a request was sent")
		return reply(http.StatusOK, nil)
	})
	ctx := context.Background()
	ops := map[string]func(serverID, exportID string) error{
		"ExportLogs": func(s, _ string) error {
			_, err := c.ExportLogs(ctx, &ExportLogsRequest{ServerID: s})
			return err
		},
		"GetLogExport": func(s, e string) error {
			_, err := c.GetLogExport(ctx, &GetLogExportRequest{ServerID: s, ExportID: e})
			return err
		},
		"DownloadLogs": func(s, e string) error {
			_, err := c.DownloadLogs(ctx, &DownloadLogsRequest{ServerID: s, ExportID: e})
			return err
		},
	}
	bad := []struct {
		name, id, reason string
	}{
		{"empty", "", "is required"},
		{"spaces", "   ", "is required"},
		{"dot", ".", "is not a valid ID"},
		{"dot dot", "..", "is not a valid ID"},
		{"NUL", "a\x00b", "contains a control character"},
		{"newline", "srv\n1", "contains a control character"},
		{"tab", "\tsrv", "contains a control character"},
		{"DEL", "srv\x7f", "contains a control character"},
	}
	for op, call := range ops {
		for _, b := range bad {
			t.Run(op+"/ServerID "+b.name, func(t *testing.T) {
				err := call(b.id, "1")
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.ErrorIs(t, err, ErrInvalidRequest)
				assert.Equal(t, op, ve.Operation)
				assert.Equal(t, "ServerID", ve.Field)
				want := b.reason
				if want != "is required" {
					want = "is not an ID" // a server ID is checked like every cluster, server and host ID
				}
				assert.Contains(t, ve.Reason, want)
			})
			if op == "ExportLogs" {
				continue
			}
			t.Run(op+"/ExportID "+b.name, func(t *testing.T) {
				err := call(testServerID, b.id)
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "ExportID", ve.Field)
				assert.Contains(t, ve.Reason, b.reason)
			})
		}
	}
	t.Run("nil requests", func(t *testing.T) {
		_, err := c.ExportLogs(ctx, nil)
		assert.EqualError(t, err, "baremetal: ExportLogs: request is nil")
		_, err = c.GetLogExport(ctx, nil)
		assert.EqualError(t, err, "baremetal: GetLogExport: request is nil")
		_, err = c.DownloadLogs(ctx, nil)
		assert.EqualError(t, err, "baremetal: DownloadLogs: request is nil")
		assert.ErrorIs(t, err, ErrInvalidRequest)
	})
	assert.Empty(t, m.Seen())
}

// TestPathEscaping checks that export IDs with path characters stay inside their
// segment; such server IDs are refused (TestValidation).
func TestPathEscaping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		serverID, exportID, wantPath string
	}{
		{testServerID, "a b", "/v1/" + testProjectID + "/physicalservers/" + testServerID + "/logs/exports/a%20b"},
		{testServerID, "../1", "/v1/" + testProjectID + "/physicalservers/" + testServerID + "/logs/exports/..%2F1"},
		{testServerID, "%2F", "/v1/" + testProjectID + "/physicalservers/" + testServerID + "/logs/exports/%252F"},
		{testServerID, "a/b?x=1#f", "/v1/" + testProjectID + "/physicalservers/" + testServerID + "/logs/exports/a%2Fb%3Fx=1%23f"},
		{testServerID, "экспорт", "/v1/" + testProjectID + "/physicalservers/" + testServerID + "/logs/exports/%D1%8D%D0%BA%D1%81%D0%BF%D0%BE%D1%80%D1%82"},
	}
	for _, tt := range tests {
		t.Run(tt.serverID+" "+tt.exportID, func(t *testing.T) {
			t.Parallel()
			c, m := newMockClient(t, func(int, *seenRequest) *http.Response {
				return reply(http.StatusOK, fixture(t, "getlogexport_completed.json"))
			})
			_, err := c.GetLogExport(context.Background(), &GetLogExportRequest{ServerID: tt.serverID, ExportID: tt.exportID})
			require.NoError(t, err)
			seen := m.Seen()
			require.Len(t, seen, 1)
			assert.Equal(t, tt.wantPath, seen[0].Path)
			assert.Empty(t, seen[0].Query)
			assertSigned(t, seen[0])
		})
	}
}

func TestContextCancelled(t *testing.T) {
	t.Parallel()
	c, _ := newMockClient(t, func(int, *seenRequest) *http.Response {
		return reply(http.StatusAccepted, fixture(t, "exportlogs_doc.json"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	resp, err := c.ExportLogs(ctx, &ExportLogsRequest{ServerID: testServerID})
	assert.Nil(t, resp)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "ExportLogs", re.Operation)
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
}
