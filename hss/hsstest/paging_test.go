package hsstest_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/hss/hsstest"
)

// pagingCase is a way a service may page a listing of 250 records, the page size asked
// for, and the requests the paging rule then needs.
type pagingCase struct {
	name     string
	opts     []hsstest.Option
	limit    int
	requests int
}

// capCases are the cases of a service that caps its pages to 100 records.
var capCases = []pagingCase{
	// Asked for 200, sent 100 with total_num 250: the short pages are not the end.
	{"capped at 100, asked for 200", []hsstest.Option{hsstest.WithPageCap(100)}, 200, 3},
	{"capped at 100, asked for the default 200", []hsstest.Option{hsstest.WithPageCap(100)}, 0, 3},
}

// noTotalCases are the cases of a service that reports no total_num: only an empty
// page ends the listing.
var noTotalCases = []pagingCase{
	{"no total, short last page", []hsstest.Option{hsstest.WithoutTotal()}, 100, 4},
	{"no total, capped at 100, asked for 200", []hsstest.Option{hsstest.WithoutTotal(), hsstest.WithPageCap(100)}, 200, 4},
}

// backupTasks collects every task the iterator yields.
func backupTasks(t *testing.T, c *hss.Client, req hss.ListBackupTasksRequest) []hss.BackupTask {
	t.Helper()
	var got []hss.BackupTask
	for task, err := range c.BackupTasks(context.Background(), &req) {
		require.NoError(t, err)
		got = append(got, task)
	}
	return got
}

// hostBackups collects every backup the iterator yields.
func hostBackups(t *testing.T, c *hss.Client, req hss.ListHostBackupsRequest) []hss.HostBackup {
	t.Helper()
	var got []hss.HostBackup
	for b, err := range c.HostBackups(context.Background(), &req) {
		require.NoError(t, err)
		got = append(got, b)
	}
	return got
}

func runBackupTasks(t *testing.T, cases []pagingCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tc.opts...)
			seedTasks(srv, time.Now().Add(-24*time.Hour), 250)
			got := backupTasks(t, newClient(t, srv), hss.ListBackupTasksRequest{Limit: tc.limit})
			assert.Equal(t, srv.BackupTasks(), got)
			assert.Len(t, got, 250)
			assert.Equal(t, tc.requests, srv.Requests(hsstest.RouteListBackupTasks))
		})
	}
}

func runHostBackups(t *testing.T, cases []pagingCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tc.opts...)
			seedHostBackups(srv, "c882e0-c4c1-4e89-b99a-f001", 250)
			got := hostBackups(t, newClient(t, srv), hss.ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f001", Limit: tc.limit})
			require.Len(t, got, 250)
			for i, b := range got {
				require.Equal(t, "bk-"+strconv.Itoa(i), b.BackupID)
			}
			assert.Equal(t, tc.requests, srv.Requests(hsstest.RouteListHostBackups))
		})
	}
}

// seedHostBackups gives host n backups "bk-0".."bk-(n-1)", newest first.
func seedHostBackups(srv *hsstest.Server, host string, n int) {
	now := time.Now()
	for i := range n {
		srv.AddHostBackup(host, hss.HostBackup{BackupID: "bk-" + strconv.Itoa(i), BackupName: "autobk_" + strconv.Itoa(i),
			CreatedAt: now.Add(-time.Duration(i) * time.Minute)})
	}
}

// TestBackupTasksCappedPages checks that no task is lost when the service sends fewer
// tasks than asked for while total_num says more remain.
func TestBackupTasksCappedPages(t *testing.T) {
	t.Parallel()
	runBackupTasks(t, capCases)
}

// TestBackupTasksNoTotal checks that without total_num the iteration goes on to an
// empty page, whatever the size of the pages before it.
func TestBackupTasksNoTotal(t *testing.T) {
	t.Parallel()
	runBackupTasks(t, noTotalCases)
}

// TestHostBackupsCappedPages is TestBackupTasksCappedPages for the backups of a host.
func TestHostBackupsCappedPages(t *testing.T) {
	t.Parallel()
	runHostBackups(t, capCases)
}

// TestHostBackupsNoTotal is TestBackupTasksNoTotal for the backups of a host.
func TestHostBackupsNoTotal(t *testing.T) {
	t.Parallel()
	runHostBackups(t, noTotalCases)
}
