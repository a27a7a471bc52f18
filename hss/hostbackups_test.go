package hss

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const hostBackupsPath = "/v5/" + testProject + "/ransomware/backup/"

func TestListHostBackupsFixtures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		fixture string
		req     *ListHostBackupsRequest
		query   string
		region  string
		total   *int
		backups []HostBackup
	}{{
		name:    "example",
		fixture: "listhostbackups_example.json",
		req:     &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632"},
		query:   "limit=10&offset=0",
		total:   ptr(2),
		backups: []HostBackup{
			{BackupID: "0b3e7c55-7f3a-4c39-a0d4-3f0f9c3b8e21", BackupName: "autobk_9", Status: BackupStatusAvailable,
				CreatedAt: mustTime(t, "2025-03-06T05:26:18Z"), Tag: 1, OSImages: []OSImage{{ImageID: "img-1"}}},
			{BackupID: "6f1d2e3c-4b5a-4978-8695-a4b3c2d1e0f9", BackupName: "manual_1", Status: BackupStatusProtecting,
				CreatedAt: mustTime(t, "2025-03-07T05:30:00Z")},
		},
	}, {
		name:    "os_images_data with two images",
		fixture: "listhostbackups_os_images.json",
		req:     &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632"},
		query:   "limit=10&offset=0",
		total:   ptr(2),
		backups: []HostBackup{
			{BackupID: "0b3e7c55-7f3a-4c39-a0d4-3f0f9c3b8e21", BackupName: "autobk_9", Status: BackupStatusAvailable,
				CreatedAt: mustTime(t, "2025-03-06T05:26:18Z"), Tag: 1, OSImages: []OSImage{{ImageID: "img-1"}, {ImageID: "img-2"}}},
			{BackupID: "6f1d2e3c-4b5a-4978-8695-a4b3c2d1e0f9", BackupName: "manual_1", Status: BackupStatusProtecting,
				CreatedAt: mustTime(t, "2025-03-07T05:30:00Z")},
		},
	}, {
		name:    "numeric string create_time, unknown status, every query field",
		fixture: "listhostbackups_variants.json",
		req: &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632", EnterpriseProjectID: "0", Region: "ap-southeast-1",
			Status: BackupStatusWaitingRestore, Name: "autobk 10", LastDays: 7, Offset: 10, Limit: 50},
		query:  "enterprise_project_id=0&last_days=7&limit=50&name=autobk%2010&offset=10&status=waiting_restore",
		region: "ap-southeast-1",
		total:  ptr(1),
		backups: []HostBackup{{BackupID: "7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d", BackupName: "autobk_10",
			Status: BackupStatus("archived"), CreatedAt: mustTime(t, "2025-03-07T05:30:00Z")}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, nil, replies(fixture(t, 200, tc.fixture)))
			orig := *tc.req
			resp, err := c.ListHostBackups(context.Background(), tc.req)
			require.NoError(t, err)
			reqs := m.requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, http.MethodGet, r.method)
			assert.Equal(t, hostBackupsPath+"c882e0-c4c1-4e89-b99a-f632", r.path)
			assert.Equal(t, tc.query, r.query)
			assert.Equal(t, tc.region, r.header.Get("Region"))
			assert.Empty(t, r.body)
			assert.NoError(t, r.verifyErr, "signature")
			assert.Equal(t, orig, *tc.req, "request not mutated")
			assert.Equal(t, tc.total, resp.Total)
			assert.Equal(t, tc.req.Offset+len(tc.backups), resp.NextOffset)
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "req-1", resp.RequestID)
			require.Len(t, resp.Backups, len(tc.backups))
			for i, want := range tc.backups {
				got := resp.Backups[i]
				assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "CreatedAt %v, want %v", got.CreatedAt, want.CreatedAt)
				want.CreatedAt = got.CreatedAt
				assert.Equal(t, want, got)
			}
		})
	}
}

func TestListHostBackupsRefusesPathLikeIDs(t *testing.T) {
	t.Parallel()
	for _, hostID := range []string{"a/b", "../../v3/auth", "host with spaces", "a?b#c", "..."} {
		t.Run(hostID, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, nil, replies(fixture(t, 200, "listhostbackups_example.json")))
			_, err := c.ListHostBackups(context.Background(), &ListHostBackupsRequest{HostID: hostID})
			require.ErrorIs(t, err, ErrInvalidRequest)
			assert.ErrorContains(t, err, "hss: ListHostBackups: HostID "+strconv.Quote(hostID)+" is not an ID")
			assert.Empty(t, m.requests(), "nothing sent")
		})
	}
}

func TestListHostBackupsValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		req  *ListHostBackupsRequest
		err  string
	}{
		{"nil request", nil, "hss: ListHostBackups: request is nil"},
		{"host ID empty", &ListHostBackupsRequest{}, "hss: ListHostBackups: HostID is required"},
		{"host ID spaces only", &ListHostBackupsRequest{HostID: "  "}, "hss: ListHostBackups: HostID is required"},
		{"host ID dot dot", &ListHostBackupsRequest{HostID: ".."}, `hss: ListHostBackups: HostID ".." is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`},
		{"host ID dot", &ListHostBackupsRequest{HostID: "."}, `hss: ListHostBackups: HostID "." is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`},
		{"host ID newline", &ListHostBackupsRequest{HostID: "a\nb"}, `hss: ListHostBackups: HostID "a\nb" is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`},
		{"host ID NUL", &ListHostBackupsRequest{HostID: "a\x00b"}, `hss: ListHostBackups: HostID "a\x00b" is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`},
		{"host ID DEL", &ListHostBackupsRequest{HostID: "a\x7fb"}, `hss: ListHostBackups: HostID "a\x7fb" is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`},
		{"offset -1", &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632", Offset: -1}, "hss: ListHostBackups: Offset -1 must be at least 0"},
		{"limit 9", &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632", Limit: 9}, "hss: ListHostBackups: Limit 9 out of range 10..200"},
		{"limit 201", &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632", Limit: 201}, "hss: ListHostBackups: Limit 201 out of range 10..200"},
		{"last days 0 is unset, -1 is not", &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632", LastDays: -1}, "hss: ListHostBackups: LastDays -1 out of range 1..30"},
		{"last days 31", &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632", LastDays: 31}, "hss: ListHostBackups: LastDays 31 out of range 1..30"},
		{"task status is not a backup status", &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632", Status: "success"},
			`hss: ListHostBackups: Status "success" is not one of available, protecting, deleting, restoring, error, waiting_protect, waiting_delete, waiting_restore`},
		{"region 129 chars", &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632", Region: strings.Repeat("r", 129)},
			"hss: ListHostBackups: Region is 129 characters long, at most 128 allowed"},
		{"region header injection", &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632", Region: "ap\r\nX-Evil: 1"},
			`hss: ListHostBackups: Region "ap\r\nX-Evil: 1" contains a control character`},
		{"enterprise project 257 chars", &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632", EnterpriseProjectID: strings.Repeat("e", 257)},
			"hss: ListHostBackups: EnterpriseProjectID is 257 characters long, at most 256 allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, nil, replies(fixture(t, 200, "listhostbackups_example.json")))
			_, err := c.ListHostBackups(context.Background(), tc.req)
			assert.EqualError(t, err, tc.err)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			assert.Empty(t, m.requests(), "nothing sent")

			var errs []error
			for _, err := range c.HostBackups(context.Background(), tc.req) {
				errs = append(errs, err)
			}
			require.Len(t, errs, 1, "the iterator yields the error once")
			assert.EqualError(t, errs[0], tc.err)
			assert.Empty(t, m.requests(), "nothing sent by the iterator")
		})
	}
}

func TestListHostBackupsBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		req   ListHostBackupsRequest
		query string
	}{
		{ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632", Limit: 10, LastDays: 1}, "last_days=1&limit=10&offset=0"},
		{ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632", Limit: 200, LastDays: 30, Offset: 2000000}, "last_days=30&limit=200&offset=2000000"},
		{ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632", Region: strings.Repeat("r", 128)}, "limit=10&offset=0"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, nil, replies(fixture(t, 200, "listhostbackups_example.json")))
			_, err := c.ListHostBackups(context.Background(), &tc.req)
			require.NoError(t, err)
			reqs := m.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, tc.query, reqs[0].query)
			assert.Equal(t, tc.req.Region, reqs[0].header.Get("Region"))
			assert.NoError(t, reqs[0].verifyErr)
		})
	}
}

// backupPages serves total generated backups of any host, honouring offset and limit
// unless ignoreOffset is set.
func backupPages(total int, ignoreOffset bool) func(int, *http.Request) *http.Response {
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
			list = append(list, map[string]any{"backup_id": fmt.Sprintf("bk-%04d", i), "backup_name": "autobk",
				"backup_status": "available", "create_time": 1741238778000 + int64(i)*1000, "backup_tag": 0})
		}
		b, _ := json.Marshal(map[string]any{"total_num": total, "data_list": list})
		return reply(200, string(b))
	}
}

func TestHostBackupsPages(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, nil, backupPages(2345, false))
	n := 0
	for b, err := range c.HostBackups(context.Background(), &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f001", Limit: 100}) {
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("bk-%04d", n), b.BackupID)
		n++
	}
	assert.Equal(t, 2345, n)
	reqs := m.requests()
	require.Len(t, reqs, 24)
	for i, r := range reqs {
		assert.Equal(t, hostBackupsPath+"c882e0-c4c1-4e89-b99a-f001", r.path)
		assert.Equal(t, "limit=100&offset="+strconv.Itoa(i*100), r.query)
	}
}

func TestHostBackupsDefaultPageSize(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, nil, backupPages(250, false))
	n := 0
	for _, err := range c.HostBackups(context.Background(), &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f001"}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 250, n)
	assert.Equal(t, []string{"limit=200&offset=0", "limit=200&offset=200"}, queries(m))
}

func TestHostBackupsStalled(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, nil, backupPages(2345, true))
	n := 0
	var errs []error
	for _, err := range c.HostBackups(context.Background(), &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f001", Limit: 100}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	assert.Equal(t, 100, n)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrPaginationStalled)
	assert.Len(t, m.requests(), 2)
}

func TestHostBackupsErrorOnPage3(t *testing.T) {
	t.Parallel()
	pages := backupPages(2345, false)
	c, m := newMock(t, nil, func(n int, req *http.Request) *http.Response {
		if n == 2 {
			return status(404, "HSS.0004", "host not found")()
		}
		return pages(n, req)
	})
	n := 0
	var errs []error
	for _, err := range c.HostBackups(context.Background(), &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f001", Limit: 100}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	assert.Equal(t, 200, n)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrNotFound)
	assert.Len(t, m.requests(), 3)
}

func TestHostBackupsBreak(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, nil, backupPages(2345, false))
	n := 0
	for _, err := range c.HostBackups(context.Background(), &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f001", Limit: 10}) {
		require.NoError(t, err)
		n++
		if n == 5 {
			break
		}
	}
	assert.Equal(t, 5, n)
	assert.Len(t, m.requests(), 1)
}
