package csstest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
)

// TestLogBackupsOffsetCeiling checks that a service refusing an offset above 1000
// ends the iteration with an error naming that limit, after every job before it.
func TestLogBackupsOffsetCeiling(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t, csstest.WithOffsetCeiling())
	require.NoError(t, srv.AddLogBackups(clusterA, 1500))
	got, errs := drain(t, client, css.ListLogBackupsRequest{ClusterID: clusterA, Limit: 500})
	assert.Equal(t, ids(srv.LogBackups(clusterA))[:1000], got, "every job before the ceiling")
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], css.ErrOffsetCeiling)
	assert.ErrorContains(t, errs[0], "css: ListLogBackups: offset 1001 refused, beyond the documented offset ceiling of 1000")
	var apiErr *css.APIError
	require.ErrorAs(t, errs[0], &apiErr, "the service's reply stays reachable")
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Equal(t, 3, srv.Requests(csstest.RouteListLogBackups))
}

// TestLogBackupPages checks the page-level iterator: each page's records, total and
// the position to resume from.
func TestLogBackupPages(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t, csstest.WithPageCap(100))
	require.NoError(t, srv.AddLogBackups(clusterA, 250))
	want := ids(srv.LogBackups(clusterA))
	var sizes, next []int
	var got []string
	for page, err := range client.LogBackupPages(context.Background(), &css.ListLogBackupsRequest{ClusterID: clusterA, Limit: 200}) {
		require.NoError(t, err)
		require.NotNil(t, page.Total)
		assert.Equal(t, 250, *page.Total)
		assert.NotEmpty(t, page.RequestID)
		sizes = append(sizes, len(page.Records))
		next = append(next, page.NextOffset)
		got = append(got, ids(page.Records)...)
	}
	assert.Equal(t, []int{100, 100, 50}, sizes)
	assert.Equal(t, []int{101, 201, 251}, next)
	assert.Equal(t, want, got)
}

// TestLogBackupPagesResume checks the documented way to resume after an error: set
// Offset to the NextOffset of the last page received.
func TestLogBackupPagesResume(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t)
	require.NoError(t, srv.AddLogBackups(clusterA, 250))
	req := css.ListLogBackupsRequest{ClusterID: clusterA, Limit: 100}
	var got []string
	var failed error
	for page, err := range client.LogBackupPages(context.Background(), &req) {
		if err != nil {
			failed = err
			break
		}
		got = append(got, ids(page.Records)...)
		req.Offset = page.NextOffset
		if len(got) == 100 {
			_, err := srv.InjectFault(csstest.Fault{Route: csstest.RouteListLogBackups, Status: http.StatusNotFound, Times: 1})
			require.NoError(t, err)
		}
	}
	require.ErrorIs(t, failed, css.ErrNotFound)
	require.Equal(t, 101, req.Offset)
	for page, err := range client.LogBackupPages(context.Background(), &req) {
		require.NoError(t, err)
		got = append(got, ids(page.Records)...)
	}
	assert.Equal(t, ids(srv.LogBackups(clusterA)), got)
}

// TestListLogBackupsTotal checks that an absent totalSize is nil, distinct from 0.
func TestListLogBackupsTotal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []csstest.Option
		jobs int
		want *int
	}{
		{"reported", nil, 3, ptr(3)},
		{"reported as 0", nil, 0, ptr(0)},
		{"absent", []csstest.Option{csstest.WithoutTotal()}, 3, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, client, _ := setup(t, tc.opts...)
			require.NoError(t, srv.AddLogBackups(clusterA, tc.jobs))
			resp, err := client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: clusterA})
			require.NoError(t, err)
			assert.Equal(t, tc.want, resp.Total)
			assert.Equal(t, 1+tc.jobs, resp.NextOffset)
		})
	}
}

func ptr(v int) *int { return &v }

// TestLogBackupPagesResumeOnStartOnlyService resumes at an offset with a new client
// against a service that honours only start: the first page must not be the head of
// the list in disguise, and no job may be skipped or repeated.
func TestLogBackupPagesResumeOnStartOnlyService(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		position csstest.PositionParam
		requests int
	}{
		// Page at 101 (ignored: the head), the head itself to compare, page at 101 with
		// start, then 201.
		{"start only", csstest.PositionStart, 4},
		// Page at 101, the head to compare, then 201.
		{"offset only", csstest.PositionOffset, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, client, _ := setup(t, csstest.WithPositionParam(tc.position))
			require.NoError(t, srv.AddLogBackups(clusterA, 250))
			var got []string
			for page, err := range client.LogBackupPages(context.Background(), &css.ListLogBackupsRequest{ClusterID: clusterA, Offset: 101, Limit: 100}) {
				require.NoError(t, err)
				got = append(got, ids(page.Records)...)
			}
			assert.Equal(t, ids(srv.LogBackups(clusterA))[100:], got)
			assert.Equal(t, tc.requests, srv.Requests(csstest.RouteListLogBackups))
		})
	}
}
