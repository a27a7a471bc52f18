package hsstest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/hss/hsstest"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// newServer starts a server that logs to t and closes with the test.
func newServer(t *testing.T, opts ...hsstest.Option) *hsstest.Server {
	t.Helper()
	srv := hsstest.NewServer(append([]hsstest.Option{hsstest.WithLogf(t.Logf)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// rawResponse is a reply read in full.
type rawResponse struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request signed with the server's credentials at the server's time (or
// with its token config) and reads the whole reply.
func do(t *testing.T, srv *hsstest.Server, method, pathAndQuery, body string, header ...string) rawResponse {
	t.Helper()
	cfg := srv.Config()
	var rt http.RoundTripper = http.DefaultTransport
	if cfg.AuthToken == "" {
		rt = &signer.Transport{Base: http.DefaultTransport, Credentials: srv.Credentials, ProjectID: srv.ProjectID, Now: srv.Now}
	}
	req, err := http.NewRequest(method, srv.URL+pathAndQuery, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if cfg.AuthToken != "" {
		req.Header.Set("X-Auth-Token", cfg.AuthToken)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

// errorOf decodes a Huawei error body.
func errorOf(t *testing.T, r rawResponse) (code, msg string) {
	t.Helper()
	var e struct {
		Code string `json:"error_code"`
		Msg  string `json:"error_msg"`
	}
	require.NoError(t, json.Unmarshal(r.body, &e), string(r.body))
	return e.Code, e.Msg
}

func tasksPath(srv *hsstest.Server) string {
	return "/v5/" + srv.ProjectID + "/ransomware/backup/operation-logs"
}

func backupsPath(srv *hsstest.Server, hostID string) string {
	return "/v5/" + srv.ProjectID + "/ransomware/backup/" + hostID
}

func restorePath(srv *hsstest.Server, backupID string) string {
	return "/v5/" + srv.ProjectID + "/ransomware/duplication/" + backupID + "/restore"
}

// seedTasks adds n tasks started one minute apart from base, cycling through the
// statuses, host names "ecs-<i mod 3>".
func seedTasks(srv *hsstest.Server, base time.Time, n int) {
	statuses := []hss.TaskStatus{hss.TaskStatusSuccess, hss.TaskStatusFailed, hss.TaskStatusRunning, hss.TaskStatusSkipped}
	for i := range n {
		t := hss.BackupTask{
			HostID:     "host-" + strconv.Itoa(i%3),
			HostName:   "ecs-" + strconv.Itoa(i%3),
			BackupName: "autobk_" + strconv.Itoa(i),
			Progress:   100,
			Status:     statuses[i%len(statuses)],
			StartedAt:  base.Add(time.Duration(i) * time.Minute),
		}
		if t.Status.Terminal() {
			t.EndedAt = t.StartedAt.Add(30 * time.Second)
		} else {
			t.Progress = 50
		}
		if t.Status == hss.TaskStatusFailed {
			t.ErrorCode, t.ErrorMessage = "HSS.1041", "vault full"
		}
		srv.AddBackupTask(t)
	}
}

func TestListBackupTasksWire(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	srv := newServer(t, hsstest.WithClock(clock))
	base := clock.Now().Add(-time.Hour)
	seedTasks(srv, base, 4)

	r := do(t, srv, http.MethodGet, tasksPath(srv)+"?offset=0&limit=10", "")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, "application/json;charset=UTF-8", r.header.Get("Content-Type"))
	assert.Len(t, r.header.Get("X-Request-Id"), 32)
	var got struct {
		TotalNum *int                         `json:"total_num"`
		DataList []map[string]json.RawMessage `json:"data_list"`
	}
	require.NoError(t, json.Unmarshal(r.body, &got))
	require.NotNil(t, got.TotalNum)
	assert.Equal(t, 4, *got.TotalNum)
	require.Len(t, got.DataList, 4)

	// Newest first. Tasks added 2nd and 4th carry updated_at, the 1st ended_at, and the
	// running 3rd neither.
	want := []string{
		`{"host_id":"host-0","host_name":"ecs-0","backup_name":"autobk_3","process":100,"status":"skipped","started_at":"2025-03-10T07:03:00Z","updated_at":"2025-03-10T07:03:30Z","error_info":{"code":"","message":""}}`,
		`{"host_id":"host-2","host_name":"ecs-2","backup_name":"autobk_2","process":50,"status":"running","started_at":"2025-03-10T07:02:00Z","error_info":{"code":"","message":""}}`,
		`{"host_id":"host-1","host_name":"ecs-1","backup_name":"autobk_1","process":100,"status":"failed","started_at":"2025-03-10T07:01:00Z","updated_at":"2025-03-10T07:01:30Z","error_info":{"code":"HSS.1041","message":"vault full"}}`,
		`{"host_id":"host-0","host_name":"ecs-0","backup_name":"autobk_0","process":100,"status":"success","started_at":"2025-03-10T07:00:00Z","ended_at":"2025-03-10T07:00:30Z","error_info":{"code":"","message":""}}`,
	}
	for i, w := range want {
		b, err := json.Marshal(got.DataList[i])
		require.NoError(t, err)
		assert.JSONEq(t, w, string(b), "record %d", i)
	}
	assert.Equal(t, 1, srv.Requests(hsstest.RouteListBackupTasks))
	assert.Equal(t, 1, srv.RequestsTotal())
}

func TestListBackupTasksQuery(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	srv := newServer(t, hsstest.WithClock(clock))
	// 30 tasks, one every 12 hours back from now: task i started i*12 h ago.
	for i := range 30 {
		srv.AddBackupTask(hss.BackupTask{
			HostID: "h-" + strconv.Itoa(i%2), HostName: []string{"ecs-web-01", "ecs-db-01"}[i%2],
			BackupName: "bk-" + strconv.Itoa(i), Status: []hss.TaskStatus{hss.TaskStatusSuccess, hss.TaskStatusFailed, hss.TaskStatusTimeout}[i%3],
			StartedAt: clock.Now().Add(-time.Duration(i) * 12 * time.Hour),
		})
	}
	for _, tc := range []struct {
		query string
		total int
		names []string
	}{
		{"offset=0&limit=10", 30, []string{"bk-0", "bk-1", "bk-2", "bk-3", "bk-4", "bk-5", "bk-6", "bk-7", "bk-8", "bk-9"}},
		{"offset=25&limit=10", 30, []string{"bk-25", "bk-26", "bk-27", "bk-28", "bk-29"}},
		{"offset=30&limit=10", 30, nil},
		{"offset=2000000&limit=200", 30, nil},
		{"offset=0&limit=10&status=timeout", 10, []string{"bk-2", "bk-5", "bk-8", "bk-11", "bk-14", "bk-17", "bk-20", "bk-23", "bk-26", "bk-29"}},
		{"offset=3&limit=10&status=timeout&resource_name=web", 5, []string{"bk-20", "bk-26"}},
		{"offset=0&limit=10&resource_name=ecs-db-01", 15, []string{"bk-1", "bk-3", "bk-5", "bk-7", "bk-9", "bk-11", "bk-13", "bk-15", "bk-17", "bk-19"}},
		{"offset=0&limit=10&resource_name=nope", 0, nil},
		{"offset=0&limit=10&last_days=1", 3, []string{"bk-0", "bk-1", "bk-2"}},
		{"offset=0&limit=10&last_days=2&status=success", 2, []string{"bk-0", "bk-3"}},
		{"offset=0&limit=200&last_days=30", 30, names(0, 30)},
		{"offset=0&limit=10&enterprise_project_id=all_granted_eps&status=failed&last_days=3", 2, []string{"bk-1", "bk-4"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			r := do(t, srv, http.MethodGet, tasksPath(srv)+"?"+tc.query, "")
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			var got struct {
				TotalNum int `json:"total_num"`
				DataList []struct {
					BackupName string `json:"backup_name"`
				} `json:"data_list"`
			}
			require.NoError(t, json.Unmarshal(r.body, &got))
			assert.Equal(t, tc.total, got.TotalNum)
			var names []string
			for _, d := range got.DataList {
				names = append(names, d.BackupName)
			}
			assert.Equal(t, tc.names, names)
		})
	}
}

// names returns "bk-<from>" .. "bk-<to-1>".
func names(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, "bk-"+strconv.Itoa(i))
	}
	return out
}

func TestListQueryValidation(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	for _, path := range []string{tasksPath(srv), backupsPath(srv, "host-1")} {
		for _, tc := range []struct{ query, msg string }{
			{"limit=10", "offset is required"},
			{"offset=0", "limit is required"},
			{"offset=&limit=10", "offset is required"},
			{"offset=-1&limit=10", "offset: -1 out of range 0..2000000"},
			{"offset=2000001&limit=10", "offset: 2000001 out of range 0..2000000"},
			{"offset=x&limit=10", `offset: "x" is not an integer`},
			{"offset=0&limit=9", "limit: 9 out of range 10..200"},
			{"offset=0&limit=201", "limit: 201 out of range 10..200"},
			{"offset=0&limit=0", "limit: 0 out of range 10..200"},
			{"offset=0&limit=10&last_days=0", "last_days: 0 out of range 1..30"},
			{"offset=0&limit=10&last_days=31", "last_days: 31 out of range 1..30"},
			{"offset=0&limit=10&status=SUCCESS", `status: "SUCCESS" is not one of`},
			{"offset=0&limit=10&enterprise_project_id=" + strings.Repeat("e", 257), "enterprise_project_id: 257 characters"},
		} {
			t.Run(path+"?"+tc.query, func(t *testing.T) {
				r := do(t, srv, http.MethodGet, path+"?"+tc.query, "")
				assert.Equal(t, http.StatusBadRequest, r.status)
				code, msg := errorOf(t, r)
				assert.Equal(t, hsstest.CodeInvalidParameter, code)
				assert.Contains(t, msg, tc.msg)
			})
		}
		for _, query := range []string{"offset=0&limit=10", "offset=0&limit=200&last_days=1", "offset=2000000&limit=10&last_days=30"} {
			t.Run(path+"?"+query, func(t *testing.T) {
				r := do(t, srv, http.MethodGet, path+"?"+query, "")
				assert.Equal(t, http.StatusOK, r.status, string(r.body))
			})
		}
	}
	t.Run("backup status on the task list", func(t *testing.T) {
		r := do(t, srv, http.MethodGet, tasksPath(srv)+"?offset=0&limit=10&status=available", "")
		assert.Equal(t, http.StatusBadRequest, r.status)
	})
	t.Run("task status on the backup list", func(t *testing.T) {
		r := do(t, srv, http.MethodGet, backupsPath(srv, "h")+"?offset=0&limit=10&status=running", "")
		assert.Equal(t, http.StatusBadRequest, r.status)
	})
}

func TestListHostBackupsWire(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	srv := newServer(t, hsstest.WithClock(clock))
	now := clock.Now()
	srv.AddHostBackup("host-1", hss.HostBackup{BackupID: "bk-old", BackupName: "autobk_1", CreatedAt: now.Add(-48 * time.Hour), Tag: 1})
	srv.AddHostBackup("host-1", hss.HostBackup{BackupName: "manual_1"})
	srv.AddHostBackup("host-1", hss.HostBackup{BackupID: "bk-err", BackupName: "autobk_2", Status: hss.BackupStatusError, CreatedAt: now.Add(-time.Hour)})
	srv.AddHostBackup("host-2", hss.HostBackup{BackupID: "bk-other", BackupName: "autobk_1"})

	r := do(t, srv, http.MethodGet, backupsPath(srv, "host-1")+"?offset=0&limit=10", "")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var got struct {
		TotalNum int                          `json:"total_num"`
		DataList []map[string]json.RawMessage `json:"data_list"`
	}
	require.NoError(t, json.Unmarshal(r.body, &got))
	assert.Equal(t, 3, got.TotalNum)
	require.Len(t, got.DataList, 3)
	first, err := json.Marshal(got.DataList[0])
	require.NoError(t, err)
	var generated struct {
		BackupID string `json:"backup_id"`
	}
	require.NoError(t, json.Unmarshal(first, &generated))
	assert.Len(t, generated.BackupID, 36, "a generated UUID")
	assert.JSONEq(t, `{"backup_id":"`+generated.BackupID+`","backup_name":"manual_1","backup_status":"available","create_time":`+
		strconv.FormatInt(now.UnixMilli(), 10)+`,"os_images_data":[],"backup_tag":0}`, string(first))
	last, err := json.Marshal(got.DataList[2])
	require.NoError(t, err)
	assert.JSONEq(t, `{"backup_id":"bk-old","backup_name":"autobk_1","backup_status":"available","create_time":`+
		strconv.FormatInt(now.Add(-48*time.Hour).UnixMilli(), 10)+`,"os_images_data":[],"backup_tag":1}`, string(last))

	for _, tc := range []struct {
		query string
		ids   []string
	}{
		{"offset=0&limit=10&status=error", []string{"bk-err"}},
		{"offset=0&limit=10&name=autobk_1", []string{"bk-old"}},
		{"offset=0&limit=10&name=autobk", nil},
		{"offset=0&limit=10&last_days=1&status=error", []string{"bk-err"}},
		{"offset=0&limit=10&last_days=1&name=autobk_1", nil},
		{"offset=2&limit=10", []string{"bk-old"}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			r := do(t, srv, http.MethodGet, backupsPath(srv, "host-1")+"?"+tc.query, "")
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			var got struct {
				DataList []struct {
					BackupID string `json:"backup_id"`
				} `json:"data_list"`
			}
			require.NoError(t, json.Unmarshal(r.body, &got))
			var ids []string
			for _, d := range got.DataList {
				ids = append(ids, d.BackupID)
			}
			assert.Equal(t, tc.ids, ids)
		})
	}

	r = do(t, srv, http.MethodGet, backupsPath(srv, "unknown-host")+"?offset=0&limit=10", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"total_num":0,"data_list":[]}`, string(r.body))
}

func TestRestoreBackupWire(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC))
	srv := newServer(t, hsstest.WithClock(clock), hsstest.WithRestoreDuration(10*time.Second))
	srv.AddHostBackup("host-1", hss.HostBackup{BackupID: "bk-1", BackupName: "autobk_9"})
	srv.AddBackupTask(hss.BackupTask{HostID: "srv-1", HostName: "ecs-target", BackupName: "old", Status: hss.TaskStatusSuccess,
		StartedAt: clock.Now().Add(-time.Hour)})

	for _, tc := range []struct {
		name, backupID, body string
		status               int
		code                 string
	}{
		{"unknown field", "bk-1", `{"server_id":"srv-1","powerOn":true}`, 400, hsstest.CodeInvalidParameter},
		{"no server", "bk-1", `{"power_on":true}`, 400, hsstest.CodeInvalidParameter},
		{"empty body", "bk-1", ``, 400, hsstest.CodeInvalidParameter},
		{"not JSON", "bk-1", `server_id=srv-1`, 400, hsstest.CodeInvalidParameter},
		{"unknown backup", "bk-404", `{"server_id":"srv-1"}`, 404, hsstest.CodeBackupNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, http.MethodPost, restorePath(srv, tc.backupID), tc.body)
			assert.Equal(t, tc.status, r.status)
			code, _ := errorOf(t, r)
			assert.Equal(t, tc.code, code)
		})
	}
	require.Len(t, srv.BackupTasks(), 1, "no task from a refused restore")

	r := do(t, srv, http.MethodPost, restorePath(srv, "bk-1")+"?enterprise_project_id=0",
		`{"server_id":"srv-1","power_on":false,"mappings":[{"backup_id":"vb-1","volume_id":"vol-1"}]}`, "Region", "ap-southeast-1")
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Empty(t, r.body)

	r = do(t, srv, http.MethodPost, restorePath(srv, "bk-1"), `{"server_id":"srv-1"}`)
	assert.Equal(t, http.StatusConflict, r.status)
	code, _ := errorOf(t, r)
	assert.Equal(t, hsstest.CodeRestoreRunning, code)
	r = do(t, srv, http.MethodPost, restorePath(srv, "bk-1"), `{"server_id":"srv-2"}`)
	assert.Equal(t, http.StatusOK, r.status, "another server may be restored meanwhile")

	start := clock.Now()
	tasks := srv.BackupTasks()
	require.Len(t, tasks, 3)
	assert.Equal(t, hss.BackupTask{HostID: "srv-1", HostName: "ecs-target", BackupName: "autobk_9", Status: hss.TaskStatusRunning, StartedAt: start}, tasks[0])
	assert.Equal(t, hss.BackupTask{HostID: "srv-2", HostName: "srv-2", BackupName: "autobk_9", Status: hss.TaskStatusRunning, StartedAt: start}, tasks[1])

	clock.Advance(4 * time.Second)
	r = do(t, srv, http.MethodGet, tasksPath(srv)+"?offset=0&limit=10&status=running", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"total_num":2,"data_list":[
		{"host_id":"srv-1","host_name":"ecs-target","backup_name":"autobk_9","process":40,"status":"running","started_at":"2025-03-10T08:00:00Z","error_info":{"code":"","message":""}},
		{"host_id":"srv-2","host_name":"srv-2","backup_name":"autobk_9","process":40,"status":"running","started_at":"2025-03-10T08:00:00Z","error_info":{"code":"","message":""}}]}`, string(r.body))

	clock.Advance(6 * time.Second)
	r = do(t, srv, http.MethodGet, tasksPath(srv)+"?offset=0&limit=10&resource_name=srv-2", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, `{"total_num":1,"data_list":[
		{"host_id":"srv-2","host_name":"srv-2","backup_name":"autobk_9","process":100,"status":"success","started_at":"2025-03-10T08:00:00Z","ended_at":"2025-03-10T08:00:10Z","error_info":{"code":"","message":""}}]}`, string(r.body),
		"the third task added is served with ended_at")
	r = do(t, srv, http.MethodGet, tasksPath(srv)+"?offset=0&limit=10&resource_name=ecs-target&status=success", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, string(r.body), `"updated_at":"2025-03-10T08:00:10Z"`, "the second task added is served with updated_at")

	r = do(t, srv, http.MethodPost, restorePath(srv, "bk-1"), `{"server_id":"srv-1"}`)
	assert.Equal(t, http.StatusOK, r.status, "a finished restore does not block the next")
}

func TestRestoreDurationZero(t *testing.T) {
	t.Parallel()
	srv := newServer(t, hsstest.WithRestoreDuration(0))
	srv.AddHostBackup("h", hss.HostBackup{BackupID: "bk-1", BackupName: "b"})
	r := do(t, srv, http.MethodPost, restorePath(srv, "bk-1"), `{"server_id":"s"}`)
	require.Equal(t, http.StatusOK, r.status)
	tasks := srv.BackupTasks()
	require.Len(t, tasks, 1)
	assert.Equal(t, hss.TaskStatusSuccess, tasks[0].Status)
	assert.Equal(t, 100, tasks[0].Progress)
	assert.Equal(t, tasks[0].StartedAt, tasks[0].EndedAt)
}

func TestGateway(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	t.Run("unknown route", func(t *testing.T) {
		r := do(t, srv, http.MethodGet, "/v5/"+srv.ProjectID+"/ransomware/nothing", "")
		assert.Equal(t, http.StatusNotFound, r.status)
		code, _ := errorOf(t, r)
		assert.Equal(t, hsstest.CodeAPINotFound, code)
	})
	t.Run("wrong method", func(t *testing.T) {
		r := do(t, srv, http.MethodDelete, tasksPath(srv)+"?offset=0&limit=10", "")
		assert.Equal(t, http.StatusNotFound, r.status)
	})
	t.Run("other project", func(t *testing.T) {
		r := do(t, srv, http.MethodGet, "/v5/0123456789abcdef0123456789abcdef/ransomware/backup/operation-logs?offset=0&limit=10", "")
		assert.Equal(t, http.StatusForbidden, r.status)
		code, _ := errorOf(t, r)
		assert.Equal(t, hsstest.CodeForbidden, code)
	})
	t.Run("unsigned", func(t *testing.T) {
		resp, err := http.Get(srv.URL + tasksPath(srv) + "?offset=0&limit=10")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		code, _ := errorOf(t, rawResponse{body: b})
		assert.Equal(t, hsstest.CodeBadSignature, code)
	})
}

func TestTokenMode(t *testing.T) {
	t.Parallel()
	srv := newServer(t, hsstest.WithAuthToken("iam-token-1"))
	cfg := srv.Config()
	assert.Equal(t, "iam-token-1", cfg.AuthToken)
	assert.Equal(t, signer.Credentials{}, cfg.Credentials)
	assert.True(t, cfg.AllowInsecureHTTP)
	assert.Equal(t, map[string][]string{"hss": {srv.URL}}, cfg.ServiceEndpoints)
	assert.Equal(t, srv.ProjectID, cfg.ProjectID)

	r := do(t, srv, http.MethodGet, tasksPath(srv)+"?offset=0&limit=10", "")
	assert.Equal(t, http.StatusOK, r.status)
	r = do(t, srv, http.MethodGet, tasksPath(srv)+"?offset=0&limit=10", "", "X-Auth-Token", "other")
	assert.Equal(t, http.StatusUnauthorized, r.status)
	code, _ := errorOf(t, r)
	assert.Equal(t, hsstest.CodeBadToken, code)
}

func TestInjectFaultValidates(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	_, err := srv.InjectFault(hsstest.Fault{Route: "GET /nope", Status: 500})
	assert.ErrorContains(t, err, "is not registered")
	inj, err := srv.InjectFault(hsstest.Fault{Route: hsstest.RouteRestoreBackup, Status: 503, Times: 1})
	require.NoError(t, err)
	srv.AddHostBackup("h", hss.HostBackup{BackupID: "b"})
	r := do(t, srv, http.MethodPost, restorePath(srv, "b"), `{"server_id":"s"}`)
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Empty(t, srv.BackupTasks(), "a faulted restore has no effect")
	assert.Equal(t, 1, inj.Hits())
	r = do(t, srv, http.MethodPost, restorePath(srv, "b"), `{"server_id":"s"}`)
	assert.Equal(t, http.StatusOK, r.status, "the fault is spent")
	assert.Equal(t, 2, srv.Requests(hsstest.RouteRestoreBackup))
}
