package hss

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListBackupTasksFixtures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		fixture string
		req     *ListBackupTasksRequest
		query   string
		total   *int
		tasks   []BackupTask
	}{{
		name:    "documented example with updated_at",
		fixture: "listbackuptasks_documented.json",
		req:     &ListBackupTasksRequest{},
		query:   "limit=10&offset=0",
		total:   ptr(1),
		tasks: []BackupTask{{
			HostID: "c882e0-c4c1-4e89-b99a-f632", HostName: "ecs-test", BackupName: "autobk_9",
			Progress: 100, Status: TaskStatusSuccess,
			StartedAt: mustTime(t, "2025-03-06T05:26:18Z"), EndedAt: mustTime(t, "2025-03-06T05:27:02Z"),
			UpdatedAt: mustTime(t, "2025-03-06T05:27:02Z"),
		}},
	}, {
		name:    "ended_at, error_info, nulls, offset zone, zone-less time, unknown status",
		fixture: "listbackuptasks_ended_at.json",
		req: &ListBackupTasksRequest{EnterpriseProjectID: "all_granted_eps", Status: TaskStatusFailed,
			ResourceName: "ecs web 01", LastDays: 30, Offset: 20, Limit: 200},
		query: "enterprise_project_id=all_granted_eps&last_days=30&limit=200&offset=20&resource_name=ecs%20web%2001&status=failed",
		total: ptr(23),
		tasks: []BackupTask{{
			HostID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11", HostName: "ecs-web-01", BackupName: "autobk_12",
			Progress: 35, Status: TaskStatusFailed,
			StartedAt: mustTime(t, "2025-03-07T01:00:00Z"), EndedAt: mustTime(t, "2025-03-07T01:03:30Z"),
			UpdatedAt: mustTime(t, "2025-03-07T01:04:00Z"),
			ErrorCode: "HSS.1041", ErrorMessage: "the backup vault is full",
		}, {
			HostID: "9d2c4b6a-1e3f-4a5b-8c7d-6e5f4a3b2c1d", HostName: "ecs-db-02", BackupName: "manual_3",
			Progress: 40, Status: TaskStatusRunning, StartedAt: mustTime(t, "2025-03-07T02:00:00Z"),
		}, {
			HostID: "9d2c4b6a-1e3f-4a5b-8c7d-6e5f4a3b2c1d", HostName: "ecs-db-02", BackupName: "manual_2",
			Status: TaskStatus("paused"), StartedAt: mustTime(t, "2025-03-07T03:00:00Z"),
		}},
	}, {
		name:    "cosmetic progress that is not a percentage",
		fixture: "listbackuptasks_cosmetic.json",
		req:     &ListBackupTasksRequest{},
		query:   "limit=10&offset=0",
		total:   ptr(4),
		tasks: []BackupTask{{
			HostID: "h-1", HostName: "ecs-1", BackupName: "b-1", Progress: -1, ProgressText: "-1", Status: TaskStatusWaiting,
			StartedAt: mustTime(t, "2025-03-07T01:00:00Z"), EndedAt: mustTime(t, "2025-03-07T01:00:05Z"),
			UpdatedAt: mustTime(t, "2025-03-07T01:00:05Z"),
		}, {
			HostID: "h-2", HostName: "ecs-2", BackupName: "b-2", Progress: -1, ProgressText: "N/A", Status: TaskStatusRunning,
			StartedAt: mustTime(t, "2025-03-07T02:00:00Z"),
		}, {
			HostID: "h-3", HostName: "ecs-3", BackupName: "b-3", Progress: 50, Status: TaskStatusRunning,
			StartedAt: mustTime(t, "2025-03-07T03:00:00Z"),
		}, {
			HostID: "h-4", HostName: "ecs-4", BackupName: "b-4", Status: TaskStatusWaiting,
			StartedAt: mustTime(t, "2025-03-07T04:00:00Z"),
		}},
	}, {
		name:    "empty page",
		fixture: "listbackuptasks_empty.json",
		req:     &ListBackupTasksRequest{Limit: 10, Offset: 0},
		query:   "limit=10&offset=0",
		total:   ptr(0),
		tasks:   []BackupTask{},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, nil, replies(fixture(t, 200, tc.fixture)))
			orig := *tc.req
			resp, err := c.ListBackupTasks(context.Background(), tc.req)
			require.NoError(t, err)
			reqs := m.requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, http.MethodGet, r.method)
			assert.Equal(t, taskListPath, r.path)
			assert.Equal(t, tc.query, r.query)
			assert.Empty(t, r.body)
			assert.Equal(t, testHost, r.host)
			assert.NoError(t, r.verifyErr, "signature")
			assert.Equal(t, orig, *tc.req, "request not mutated")
			assert.Equal(t, tc.total, resp.Total)
			assert.Equal(t, tc.req.Offset+len(tc.tasks), resp.NextOffset)
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "req-1", resp.RequestID)
			require.Len(t, resp.Tasks, len(tc.tasks))
			for i := range tc.tasks {
				assertTask(t, tc.tasks[i], resp.Tasks[i])
			}
		})
	}
}

// assertTask compares tasks field by field, times by instant.
func assertTask(t *testing.T, want, got BackupTask) {
	t.Helper()
	assert.True(t, want.StartedAt.Equal(got.StartedAt), "StartedAt %v, want %v", got.StartedAt, want.StartedAt)
	assert.True(t, want.EndedAt.Equal(got.EndedAt), "EndedAt %v, want %v", got.EndedAt, want.EndedAt)
	assert.True(t, want.UpdatedAt.Equal(got.UpdatedAt), "UpdatedAt %v, want %v", got.UpdatedAt, want.UpdatedAt)
	want.StartedAt, want.EndedAt, want.UpdatedAt = got.StartedAt, got.EndedAt, got.UpdatedAt
	assert.Equal(t, want, got)
}

func TestListBackupTasksErrors(t *testing.T) {
	t.Parallel()
	t.Run("API error is not retried", func(t *testing.T) {
		t.Parallel()
		c, m := newMock(t, nil, replies(status(400, "HSS.0002", "invalid parameter")))
		_, err := c.ListBackupTasks(context.Background(), &ListBackupTasksRequest{})
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 400, apiErr.StatusCode)
		assert.Equal(t, "HSS.0002", apiErr.Code)
		assert.Equal(t, "invalid parameter", apiErr.Message)
		assert.Equal(t, "req-1", apiErr.RequestID)
		assert.Equal(t, "ListBackupTasks", apiErr.Operation)
		assert.Len(t, m.requests(), 1)
	})
	t.Run("429 then success", func(t *testing.T) {
		t.Parallel()
		c, m := newMock(t, nil, replies(status(429, "APIG.0308", "throttled"), fixture(t, 200, "listbackuptasks_documented.json")))
		resp, err := c.ListBackupTasks(context.Background(), &ListBackupTasksRequest{})
		require.NoError(t, err)
		assert.Len(t, resp.Tasks, 1)
		assert.Equal(t, "req-2", resp.RequestID)
		reqs := m.requests()
		require.Len(t, reqs, 2)
		for _, r := range reqs {
			assert.NoError(t, r.verifyErr)
			assert.Equal(t, "limit=10&offset=0", r.query)
		}
	})
	t.Run("identifiers and statuses stay strict", func(t *testing.T) {
		t.Parallel()
		for _, body := range []string{
			`{"total_num":1,"data_list":[{"host_id":7,"status":"running","process":"N/A"}]}`,
			`{"total_num":1,"data_list":[{"host_id":"h-1","status":3,"process":10}]}`,
		} {
			c, _ := newMock(t, nil, replies(func() *http.Response { return reply(200, body) }))
			_, err := c.ListBackupTasks(context.Background(), &ListBackupTasksRequest{})
			assert.ErrorContains(t, err, "decode response", body)
		}
	})
	t.Run("malformed JSON", func(t *testing.T) {
		t.Parallel()
		c, _ := newMock(t, nil, replies(func() *http.Response { return reply(200, `{"total_num":1,"data_list":[{`) }))
		_, err := c.ListBackupTasks(context.Background(), &ListBackupTasksRequest{})
		var reqErr *RequestError
		require.ErrorAs(t, err, &reqErr)
		assert.Equal(t, "ListBackupTasks", reqErr.Operation)
		assert.Equal(t, "req-1", reqErr.RequestID)
	})
}

func TestListBackupTasksValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		req  *ListBackupTasksRequest
		err  string
	}{
		{"nil request", nil, "hss: ListBackupTasks: request is nil"},
		{"offset -1", &ListBackupTasksRequest{Offset: -1}, "hss: ListBackupTasks: Offset -1 must be at least 0"},
		{"limit 9", &ListBackupTasksRequest{Limit: 9}, "hss: ListBackupTasks: Limit 9 out of range 10..200"},
		{"limit 201", &ListBackupTasksRequest{Limit: 201}, "hss: ListBackupTasks: Limit 201 out of range 10..200"},
		{"limit -1", &ListBackupTasksRequest{Limit: -1}, "hss: ListBackupTasks: Limit -1 out of range 10..200"},
		{"last days -1", &ListBackupTasksRequest{LastDays: -1}, "hss: ListBackupTasks: LastDays -1 out of range 1..30"},
		{"last days 31", &ListBackupTasksRequest{LastDays: 31}, "hss: ListBackupTasks: LastDays 31 out of range 1..30"},
		{"status upper case", &ListBackupTasksRequest{Status: "SUCCESS"},
			`hss: ListBackupTasks: Status "SUCCESS" is not one of success, skipped, failed, running, timeout, waiting`},
		{"enterprise project 257 chars", &ListBackupTasksRequest{EnterpriseProjectID: strings.Repeat("e", 257)},
			"hss: ListBackupTasks: EnterpriseProjectID is 257 characters long, at most 256 allowed"},
		{"enterprise project control character", &ListBackupTasksRequest{EnterpriseProjectID: "0\n"},
			`hss: ListBackupTasks: EnterpriseProjectID "0\n" contains a control character`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, nil, replies(fixture(t, 200, "listbackuptasks_empty.json")))
			_, err := c.ListBackupTasks(context.Background(), tc.req)
			assert.EqualError(t, err, tc.err)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			var ve *ValidationError
			assert.ErrorAs(t, err, &ve)
			assert.Empty(t, m.requests(), "nothing sent")
		})
	}
}

func TestListBackupTasksBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		req   ListBackupTasksRequest
		query string
	}{
		{ListBackupTasksRequest{Limit: 10}, "limit=10&offset=0"},
		{ListBackupTasksRequest{Limit: 200, Offset: 2000000}, "limit=200&offset=2000000"},
		{ListBackupTasksRequest{LastDays: 1}, "last_days=1&limit=10&offset=0"},
		{ListBackupTasksRequest{LastDays: 30}, "last_days=30&limit=10&offset=0"},
		{ListBackupTasksRequest{EnterpriseProjectID: strings.Repeat("e", 256)}, "enterprise_project_id=" + strings.Repeat("e", 256) + "&limit=10&offset=0"},
		{ListBackupTasksRequest{Status: TaskStatusWaiting}, "limit=10&offset=0&status=waiting"},
		{ListBackupTasksRequest{ResourceName: "a&b=c/d"}, "limit=10&offset=0&resource_name=a%26b%3Dc%2Fd"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, nil, replies(fixture(t, 200, "listbackuptasks_empty.json")))
			_, err := c.ListBackupTasks(context.Background(), &tc.req)
			require.NoError(t, err)
			reqs := m.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, tc.query, reqs[0].query)
			assert.Equal(t, taskListPath, reqs[0].path)
			assert.NoError(t, reqs[0].verifyErr)
		})
	}
}

func TestTaskStatusTerminal(t *testing.T) {
	t.Parallel()
	for s, want := range map[TaskStatus]bool{
		TaskStatusSuccess: true, TaskStatusSkipped: true, TaskStatusFailed: true, TaskStatusTimeout: true,
		TaskStatusRunning: false, TaskStatusWaiting: false, "": false, "SUCCESS": false, "paused": false,
	} {
		assert.Equal(t, want, s.Terminal(), "%q", s)
	}
}

// taskPages serves total generated tasks, honouring offset and limit unless
// ignoreOffset is set; withTotal controls whether total_num is sent.
func taskPages(total int, ignoreOffset, withTotal bool) func(int, *http.Request) *http.Response {
	return func(_ int, req *http.Request) *http.Response {
		q := req.URL.Query()
		offset, _ := strconv.Atoi(q.Get("offset"))
		limit, _ := strconv.Atoi(q.Get("limit"))
		if ignoreOffset {
			offset = 0
		}
		end := min(offset+limit, total)
		list := make([]map[string]any, 0, max(end-offset, 0))
		for i := offset; i < end; i++ {
			list = append(list, map[string]any{
				"host_id": fmt.Sprintf("host-%04d", i), "host_name": fmt.Sprintf("ecs-%04d", i),
				"backup_name": "autobk", "process": 100, "status": "success",
				"started_at": time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
				"ended_at":   time.Date(2025, 3, 1, 0, 0, 30, 0, time.UTC).Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
			})
		}
		body := map[string]any{"data_list": list}
		if withTotal {
			body["total_num"] = total
		}
		b, _ := json.Marshal(body)
		return reply(200, string(b))
	}
}

// queries lists the offset and limit of every request received.
func queries(m *mockService) []string {
	var out []string
	for _, r := range m.requests() {
		out = append(out, r.query)
	}
	return out
}

func TestBackupTasksPages(t *testing.T) {
	t.Parallel()
	for _, withTotal := range []bool{true, false} {
		t.Run("total_num "+strconv.FormatBool(withTotal), func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, nil, taskPages(2345, false, withTotal))
			req := &ListBackupTasksRequest{Limit: 100, Status: TaskStatusSuccess}
			n := 0
			for task, err := range c.BackupTasks(context.Background(), req) {
				require.NoError(t, err)
				require.Equal(t, fmt.Sprintf("host-%04d", n), task.HostID)
				n++
			}
			assert.Equal(t, 2345, n)
			var want []string
			for off := 0; off < 2345; off += 100 {
				want = append(want, "limit=100&offset="+strconv.Itoa(off)+"&status=success")
			}
			if !withTotal {
				// Without a total, the short page is not the end: an empty page is.
				want = append(want, "limit=100&offset=2345&status=success")
			}
			assert.Equal(t, want, queries(m), "24 pages, the last one short")
			assert.Equal(t, ListBackupTasksRequest{Limit: 100, Status: TaskStatusSuccess}, *req, "request not mutated")
			for _, r := range m.requests() {
				assert.NoError(t, r.verifyErr)
			}
		})
	}
}

func TestBackupTasksExactPagesStopAtTotal(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, nil, taskPages(300, false, true))
	n := 0
	for _, err := range c.BackupTasks(context.Background(), &ListBackupTasksRequest{Limit: 100}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 300, n)
	assert.Len(t, m.requests(), 3, "no request for an empty fourth page: total reached")
}

func TestBackupTasksDefaultPageSizeAndOffset(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, nil, taskPages(450, false, true))
	n := 0
	for task, err := range c.BackupTasks(context.Background(), &ListBackupTasksRequest{Offset: 5}) {
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("host-%04d", n+5), task.HostID)
		n++
	}
	assert.Equal(t, 445, n)
	assert.Equal(t, []string{"limit=200&offset=5", "limit=200&offset=205", "limit=200&offset=405"}, queries(m))
}

func TestBackupTasksStalled(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, nil, taskPages(2345, true, true))
	n, errs := 0, 0
	var last error
	for _, err := range c.BackupTasks(context.Background(), &ListBackupTasksRequest{Limit: 100}) {
		if err != nil {
			errs++
			last = err
			continue
		}
		n++
	}
	assert.Equal(t, 100, n, "the first page only")
	assert.Equal(t, 1, errs)
	assert.ErrorIs(t, last, ErrPaginationStalled)
	assert.Contains(t, last.Error(), "hss: ListBackupTasks")
	assert.Len(t, m.requests(), 2)
}

func TestBackupTasksErrorOnPage3(t *testing.T) {
	t.Parallel()
	pages := taskPages(2345, false, true)
	c, m := newMock(t, nil, func(n int, req *http.Request) *http.Response {
		if n == 2 {
			return status(403, "HSS.0403", "no permission")()
		}
		return pages(n, req)
	})
	n, errs := 0, 0
	var last error
	for _, err := range c.BackupTasks(context.Background(), &ListBackupTasksRequest{Limit: 100}) {
		if err != nil {
			errs++
			last = err
			continue
		}
		n++
	}
	assert.Equal(t, 200, n)
	assert.Equal(t, 1, errs, "the error is yielded once")
	var apiErr *APIError
	require.ErrorAs(t, last, &apiErr)
	assert.Equal(t, "HSS.0403", apiErr.Code)
	assert.ErrorIs(t, last, ErrForbidden)
	assert.Len(t, m.requests(), 3, "no request after the error")
}

func TestBackupTasksBreak(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, nil, taskPages(2345, false, true))
	n := 0
	for _, err := range c.BackupTasks(context.Background(), &ListBackupTasksRequest{Limit: 10}) {
		require.NoError(t, err)
		n++
		if n == 5 {
			break
		}
	}
	assert.Equal(t, 5, n)
	assert.Equal(t, []string{"limit=10&offset=0"}, queries(m))
}

func TestBackupTasksInvalidRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		req  *ListBackupTasksRequest
		err  string
	}{
		{"nil", nil, "hss: ListBackupTasks: request is nil"},
		{"limit 201", &ListBackupTasksRequest{Limit: 201}, "hss: ListBackupTasks: Limit 201 out of range 10..200"},
		{"bad status", &ListBackupTasksRequest{Status: "done"}, `hss: ListBackupTasks: Status "done" is not one of success, skipped, failed, running, timeout, waiting`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, nil, taskPages(10, false, true))
			var errs []error
			for task, err := range c.BackupTasks(context.Background(), tc.req) {
				assert.Zero(t, task)
				errs = append(errs, err)
			}
			require.Len(t, errs, 1)
			assert.EqualError(t, errs[0], tc.err)
			assert.ErrorIs(t, errs[0], ErrInvalidRequest)
			assert.Empty(t, m.requests())
		})
	}
}

func TestBackupTasksCancelledContext(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, nil, taskPages(2345, false, true))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for _, err := range c.BackupTasks(ctx, &ListBackupTasksRequest{Limit: 10}) {
		if err != nil {
			last = err
			break
		}
		n++
		if n == 10 {
			cancel()
		}
	}
	assert.Equal(t, 10, n)
	assert.ErrorIs(t, last, context.Canceled)
	assert.Len(t, m.requests(), 1)
}

// TestBackupTasksZeroTotal checks that a total_num of 0 sent with tasks is taken as
// unknown, as Terraform's HSS paging takes it: the iteration goes on to an empty page.
func TestBackupTasksZeroTotal(t *testing.T) {
	t.Parallel()
	pages := taskPages(250, false, false)
	c, m := newMock(t, nil, func(n int, req *http.Request) *http.Response {
		b, err := io.ReadAll(pages(n, req).Body)
		require.NoError(t, err)
		return reply(200, `{"total_num":0,`+string(b[1:]))
	})
	n := 0
	for task, err := range c.BackupTasks(context.Background(), &ListBackupTasksRequest{Limit: 100}) {
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("host-%04d", n), task.HostID)
		n++
	}
	assert.Equal(t, 250, n)
	assert.Equal(t, []string{"limit=100&offset=0", "limit=100&offset=100", "limit=100&offset=200", "limit=100&offset=250"}, queries(m))
}
