package css_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
)

func TestCreateLogBackup(t *testing.T) {
	t.Parallel()
	c, m := newClient(t, always(http.StatusOK, ""))
	resp, err := c.CreateLogBackup(context.Background(), &css.CreateLogBackupRequest{ClusterID: testCluster})
	require.NoError(t, err)
	assert.Equal(t, "req-OK", resp.RequestID)
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	got := m.only(t)
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, clusterPath+"/logs/collect", got.RawPath)
	assert.Empty(t, got.Query)
	assert.Empty(t, got.Body, "no body, as the SDK sends")
	assert.Equal(t, testProject, got.Header.Get("X-Project-Id"))
}

func TestCreateLogBackupErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		code     string
		sentinel error
		attempts int
	}{
		{"conflict retried then surfaced", http.StatusConflict, fixture(t, "CreateLogBackup_conflict.json"), "CSS.0015", css.ErrConflict, 4},
		{"precondition retried then surfaced", http.StatusPreconditionFailed, fixture(t, "CreateLogBackup_precondition.json"), "CSS.0016", css.ErrPreconditionFailed, 4},
		{"not found not retried", http.StatusNotFound, `{"error_code":"CSS.0004","error_msg":"The cluster does not exist."}`, "CSS.0004", css.ErrNotFound, 1},
		{"POST 500 not retried", http.StatusInternalServerError, `{"error_code":"CSS.9999","error_msg":"internal error"}`, "CSS.9999", nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newClient(t, always(tc.status, tc.body))
			resp, err := c.CreateLogBackup(context.Background(), &css.CreateLogBackupRequest{ClusterID: testCluster})
			assert.Nil(t, resp)
			var apiErr *css.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, "CreateLogBackup", apiErr.Operation)
			assert.NotEmpty(t, apiErr.Message)
			assert.Equal(t, tc.attempts, apiErr.Attempts)
			assert.Equal(t, "req-"+http.StatusText(tc.status), apiErr.RequestID)
			if tc.sentinel != nil {
				assert.ErrorIs(t, err, tc.sentinel)
			}
			assert.Len(t, m.requests(), tc.attempts)
		})
	}
}

func TestListLogBackups(t *testing.T) {
	t.Parallel()
	running := css.LogBackup{
		ID:        "d455a541-597e-4846-a6be-baad0ea361b1",
		ClusterID: testCluster,
		JobID:     "2c9080df7c171342017c5e0884f8011c",
		CreatedAt: ms(1656042837000),
		LogPath:   "css-backup-1610678043608/css/log",
		Status:    css.LogBackupRunning,
		JobType:   css.JobTypeManual,
	}
	for _, tc := range []struct {
		name    string
		fixture string
		req     css.ListLogBackupsRequest
		query   string
		want    []css.LogBackup
		total   *int
	}{
		{
			name: "documented example, numeric createAt, finishedAt and totalSize absent", fixture: "ListLogBackups_example.json",
			req: css.ListLogBackupsRequest{ClusterID: testCluster}, query: "limit=10&offset=1",
			want: []css.LogBackup{running},
		},
		{
			name: "SDK form, string createAt and null finishedAt", fixture: "ListLogBackups_string_createat.json",
			req: css.ListLogBackupsRequest{ClusterID: testCluster, Offset: 1, Limit: 1}, query: "limit=1&offset=1",
			want: []css.LogBackup{running}, total: ptr(1),
		},
		{
			name: "null finishedAt and failedMsg", fixture: "ListLogBackups_null_finishedat.json",
			req: css.ListLogBackupsRequest{ClusterID: testCluster, Status: css.StatusFilterNotFailed}, query: "limit=10&offset=1&status=NOT_FAIL",
			want: []css.LogBackup{running},
		},
		{
			name: "finished jobs, failedMsg, totalSize, unknown fields", fixture: "ListLogBackups_finished.json",
			req: css.ListLogBackupsRequest{ClusterID: testCluster, Offset: 11, Limit: 1000, Status: css.StatusFilterFailed}, query: "limit=1000&offset=11&status=FAIL",
			want: []css.LogBackup{
				{
					ID: "0b3f7c52-1e4d-4a8b-9c6e-5d2f1a7b8c90", ClusterID: testCluster, JobID: "2c9080df7c171342017c5e0884f8022d",
					CreatedAt: ms(1656129237000), FinishedAt: ms(1656129297000), LogPath: "css-backup-1610678043608/css/log",
					Status: css.LogBackupFailed, JobType: css.JobTypeAuto, FailedMessage: "The OBS bucket css-backup-1610678043608 does not exist.",
				},
				{
					ID: "d455a541-597e-4846-a6be-baad0ea361b1", ClusterID: testCluster, JobID: "2c9080df7c171342017c5e0884f8011c",
					CreatedAt: ms(1656042837000), FinishedAt: ms(1656042899000), LogPath: "css-backup-1610678043608/css/log",
					Status: css.LogBackupSucceeded, JobType: css.JobTypeManual,
				},
			},
			total: ptr(57),
		},
		{
			name: "unknown status and job type kept, RFC 3339 createAt", fixture: "ListLogBackups_unknown_enums.json",
			req: css.ListLogBackupsRequest{ClusterID: testCluster}, query: "limit=10&offset=1",
			want: []css.LogBackup{{
				ID: "d455a541-597e-4846-a6be-baad0ea361b1", ClusterID: testCluster, JobID: "2c9080df7c171342017c5e0884f8011c",
				CreatedAt: time.Date(2022, 6, 24, 3, 53, 57, 0, time.UTC), FinishedAt: ms(1656042899000),
				LogPath: "css-backup-1610678043608/css/log", Status: "CANCELLED", JobType: "Scheduled",
			}},
			total: ptr(1),
		},
		{
			name: "empty object", fixture: "ListLogBackups_empty.json",
			req: css.ListLogBackupsRequest{ClusterID: testCluster}, query: "limit=10&offset=1",
			want: []css.LogBackup{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newClient(t, always(http.StatusOK, fixture(t, tc.fixture)))
			req := tc.req
			resp, err := c.ListLogBackups(context.Background(), &req)
			require.NoError(t, err)
			assert.Equal(t, tc.req, req, "request not modified")
			assert.Equal(t, tc.want, resp.Records)
			assert.Equal(t, tc.total, resp.Total)
			assert.Equal(t, max(tc.req.Offset, 1)+len(tc.want), resp.NextOffset)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "req-OK", resp.RequestID)

			got := m.only(t)
			assert.Equal(t, http.MethodGet, got.Method)
			assert.Equal(t, clusterPath+"/logs/records", got.RawPath)
			assert.Equal(t, tc.query, got.Query)
			assert.Empty(t, got.Body)
		})
	}
}

func TestListLogBackupsErrors(t *testing.T) {
	t.Parallel()
	t.Run("400 from the service", func(t *testing.T) {
		t.Parallel()
		c, m := newClient(t, always(http.StatusBadRequest, fixture(t, "ListLogBackups_badrequest.json")))
		_, err := c.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: testCluster})
		var apiErr *css.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "CSS.0001", apiErr.Code)
		assert.Equal(t, "Invalid parameter: limit must be between 1 and 1000.", apiErr.Message)
		assert.Len(t, m.requests(), 1)
	})
	t.Run("undecodable createAt names the operation", func(t *testing.T) {
		t.Parallel()
		c, _ := newClient(t, always(http.StatusOK, fixture(t, "ListLogBackups_bad_createat.json")))
		_, err := c.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: testCluster})
		var reqErr *css.RequestError
		require.ErrorAs(t, err, &reqErr)
		assert.Equal(t, "ListLogBackups", reqErr.Operation)
		assert.ErrorContains(t, err, "yesterday")
	})
	t.Run("GET 503 retried", func(t *testing.T) {
		t.Parallel()
		c, m := newClient(t, func(_ *http.Request, n int) *http.Response {
			if n < 2 {
				return reply(http.StatusServiceUnavailable, `{"error_code":"APIG.0201","error_msg":"busy"}`)
			}
			return reply(http.StatusOK, fixture(t, "ListLogBackups_example.json"))
		})
		resp, err := c.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: testCluster})
		require.NoError(t, err)
		assert.Len(t, resp.Records, 1)
		reqs := m.requests()
		require.Len(t, reqs, 3)
		for _, r := range reqs {
			assert.NoError(t, r.VerifyErr, "every attempt is signed")
		}
	})
}

// pages answers the job list from n records "job-0".."job-(n-1)" at the request's
// offset (or start) and limit, optionally reporting totalSize, ignoring the position,
// or failing the call numbered failAt (1-based).
type pages struct {
	n            int
	withTotal    bool
	ignoreOffset bool
	failAt       int
}

func (p pages) handler(t *testing.T) handler {
	return func(req *http.Request, n int) *http.Response {
		if p.failAt == n+1 {
			return reply(http.StatusNotFound, `{"error_code":"CSS.0004","error_msg":"The cluster does not exist."}`)
		}
		q := req.URL.Query()
		pos := q.Get("offset") + q.Get("start")
		offset, err := strconv.Atoi(pos)
		require.NoError(t, err, "exactly one of offset and start: %s", req.URL.RawQuery)
		limit, err := strconv.Atoi(q.Get("limit"))
		require.NoError(t, err)
		if p.ignoreOffset {
			offset = 1
		}
		body := `{"clusterLogRecord":[`
		for i := offset - 1; i < p.n && i < offset-1+limit; i++ {
			if i >= offset {
				body += ","
			}
			body += fmt.Sprintf(`{"id":"job-%d","clusterId":%q,"createAt":%d,"status":"SUCCESS","jobTypes":"Auto","jobId":"%032x"}`,
				i, testCluster, 1656042837000-int64(i)*3600000, i)
		}
		body += "]"
		if p.withTotal {
			body += fmt.Sprintf(`,"totalSize":%d`, p.n)
		}
		return reply(http.StatusOK, body+"}")
	}
}

// collect drains an iterator.
func collect(t *testing.T, seq func(func(css.LogBackup, error) bool)) (ids []string, errs []error) {
	t.Helper()
	for b, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, b.ID)
	}
	return ids, errs
}

func TestLogBackupsPages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		pages    pages
		req      css.ListLogBackupsRequest
		want     int
		requests int
		first    string // query of the first request
	}{
		{"2,345 records in pages of 100 with totalSize", pages{n: 2345, withTotal: true}, css.ListLogBackupsRequest{Limit: 100}, 2345, 24, "limit=100&offset=1"},
		{"2,345 records in pages of 100 without total: the short last page is not the end", pages{n: 2345}, css.ListLogBackupsRequest{Limit: 100}, 2345, 25, "limit=100&offset=1"},
		{"2,300 records, total stops before an empty page", pages{n: 2300, withTotal: true}, css.ListLogBackupsRequest{Limit: 100}, 2300, 23, "limit=100&offset=1"},
		{"2,300 records without total end on an empty page", pages{n: 2300}, css.ListLogBackupsRequest{Limit: 100}, 2300, 24, "limit=100&offset=1"},
		{"unset Limit pages by 1000", pages{n: 2345, withTotal: true}, css.ListLogBackupsRequest{}, 2345, 3, "limit=1000&offset=1"},
		// Plus one request for the first job, to check that offset is honoured.
		{"Offset starts later, total counted from it", pages{n: 250, withTotal: true}, css.ListLogBackupsRequest{Offset: 101, Limit: 50, Status: css.StatusFilterNotFailed}, 150, 4, "limit=50&offset=101&status=NOT_FAIL"},
		{"no records", pages{n: 0, withTotal: true}, css.ListLogBackupsRequest{Limit: 100}, 0, 1, "limit=100&offset=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newClient(t, tc.pages.handler(t))
			req := tc.req
			req.ClusterID = testCluster
			before := req
			ids, errs := collect(t, c.LogBackups(context.Background(), &req))
			assert.Empty(t, errs)
			assert.Equal(t, before, req, "request not modified")
			require.Len(t, ids, tc.want)
			start := max(tc.req.Offset, 1) - 1
			for i, id := range ids {
				if id != "job-"+strconv.Itoa(start+i) {
					t.Fatalf("record %d is %s, want job-%d", i, id, start+i)
				}
			}
			reqs := m.requests()
			require.Len(t, reqs, tc.requests)
			assert.Equal(t, tc.first, reqs[0].Query)
			for _, r := range reqs {
				assert.NoError(t, r.VerifyErr)
			}
		})
	}
}

func TestLogBackupsStallsOnIgnoredOffset(t *testing.T) {
	t.Parallel()
	c, m := newClient(t, pages{n: 500, ignoreOffset: true}.handler(t))
	ids, errs := collect(t, c.LogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: testCluster, Limit: 100}))
	assert.Len(t, ids, 100, "the first page only")
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], css.ErrPaginationStalled)
	assert.ErrorContains(t, errs[0], "css: ListLogBackups")
	reqs := m.requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, []string{"limit=100&offset=1", "limit=100&offset=101", "limit=100&start=101"},
		[]string{reqs[0].Query, reqs[1].Query, reqs[2].Query}, "the repeated page is asked for again with start")
}

func TestLogBackupsErrorOnPage3(t *testing.T) {
	t.Parallel()
	c, m := newClient(t, pages{n: 1000, withTotal: true, failAt: 3}.handler(t))
	ids, errs := collect(t, c.LogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: testCluster, Limit: 100}))
	assert.Len(t, ids, 200)
	require.Len(t, errs, 1, "the error is yielded once")
	assert.ErrorIs(t, errs[0], css.ErrNotFound)
	assert.Len(t, m.requests(), 3, "no request after the error")
}

func TestLogBackupsBreak(t *testing.T) {
	t.Parallel()
	c, m := newClient(t, pages{n: 1000, withTotal: true}.handler(t))
	var got []string
	for b, err := range c.LogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: testCluster, Limit: 100}) {
		require.NoError(t, err)
		got = append(got, b.ID)
		if len(got) == 5 {
			break
		}
	}
	assert.Equal(t, []string{"job-0", "job-1", "job-2", "job-3", "job-4"}, got)
	assert.Len(t, m.requests(), 1, "no further request after break")
}

func TestLogBackupsCancelledContext(t *testing.T) {
	t.Parallel()
	c, m := newClient(t, pages{n: 1000, withTotal: true}.handler(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var errs []error
	for _, err := range c.LogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: testCluster, Limit: 100}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if n++; n == 100 {
			cancel()
		}
	}
	assert.Equal(t, 100, n)
	require.Len(t, errs, 1)
	assert.True(t, errors.Is(errs[0], context.Canceled))
	assert.Len(t, m.requests(), 1)
}

func TestLogBackupsInvalidRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		req  *css.ListLogBackupsRequest
		want string
	}{
		{"nil", nil, "css: ListLogBackups: request is nil"},
		{"no cluster", &css.ListLogBackupsRequest{}, "css: ListLogBackups: ClusterID is required"},
		{"limit", &css.ListLogBackupsRequest{ClusterID: testCluster, Limit: 1001}, "css: ListLogBackups: Limit 1001 out of range 1..1000"},
		{"dot-dot cluster", &css.ListLogBackupsRequest{ClusterID: ".."}, `css: ListLogBackups: ClusterID ".." is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newClient(t, always(http.StatusOK, "{}"))
			_, errs := collect(t, c.LogBackups(context.Background(), tc.req))
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], css.ErrInvalidRequest)
			assert.EqualError(t, errs[0], tc.want)
			assert.Empty(t, m.requests())
		})
	}
}
