package csstest_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
)

// drain collects the IDs and errors an iteration yields.
func drain(t *testing.T, client *css.Client, req css.ListLogBackupsRequest) ([]string, []error) {
	t.Helper()
	var ids []string
	var errs []error
	for job, err := range client.LogBackups(context.Background(), &req) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, job.ID)
	}
	return ids, errs
}

// ids returns the IDs of jobs.
func ids(jobs []css.LogBackup) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

// TestLogBackupsServerBehaviours pages 250 jobs through each way a service may serve
// the list: every job comes back once, in the list's order, with no error, in the
// number of requests the paging rule implies.
func TestLogBackupsServerBehaviours(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		opts     []csstest.Option
		limit    int
		requests int
	}{
		// Asked for 200, sent 100 with totalSize 250: the short pages are not the end.
		{"capped pages", []csstest.Option{csstest.WithPageCap(100)}, 200, 3},
		// Without a total only an empty page ends the list.
		{"capped pages without total", []csstest.Option{csstest.WithPageCap(100), csstest.WithoutTotal()}, 200, 4},
		{"short last page without total", []csstest.Option{csstest.WithoutTotal()}, 100, 4},
		{"offset only", []csstest.Option{csstest.WithPositionParam(csstest.PositionOffset)}, 100, 3},
		// The second page repeats the first, is asked for again with start, and start is
		// kept for the third.
		{"start only", []csstest.Option{csstest.WithPositionParam(csstest.PositionStart)}, 100, 4},
		{"start only, capped, no total", []csstest.Option{csstest.WithPositionParam(csstest.PositionStart), csstest.WithPageCap(100), csstest.WithoutTotal()}, 1000, 5},
		{"oldest first", []csstest.Option{csstest.WithOldestFirst()}, 100, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, client, _ := setup(t, tc.opts...)
			require.NoError(t, srv.AddLogBackups(clusterA, 250))
			got, errs := drain(t, client, css.ListLogBackupsRequest{ClusterID: clusterA, Limit: tc.limit})
			require.Empty(t, errs)
			assert.Equal(t, ids(srv.LogBackups(clusterA)), got)
			assert.Equal(t, tc.requests, srv.Requests(csstest.RouteListLogBackups))
		})
	}
}

// TestLogBackupsCappedPages is the case: asked for 200, the service sends 100
// with a total of 250, and no job may be lost.
func TestLogBackupsCappedPages(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t, csstest.WithPageCap(100))
	require.NoError(t, srv.AddLogBackups(clusterA, 250))
	got, errs := drain(t, client, css.ListLogBackupsRequest{ClusterID: clusterA, Limit: 200})
	require.Empty(t, errs)
	assert.Len(t, got, 250)
}

// TestLogBackupsStartOnlyService checks that a service honouring only start is paged
// through without the caller choosing, and that the client keeps to start afterwards.
func TestLogBackupsStartOnlyService(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t, csstest.WithPositionParam(csstest.PositionStart))
	require.NoError(t, srv.AddLogBackups(clusterA, 250))
	want := ids(srv.LogBackups(clusterA))

	got, errs := drain(t, client, css.ListLogBackupsRequest{ClusterID: clusterA, Limit: 100})
	require.Empty(t, errs)
	assert.Equal(t, want, got)
	assert.Equal(t, 4, srv.Requests(csstest.RouteListLogBackups), "one page asked for twice")

	got, errs = drain(t, client, css.ListLogBackupsRequest{ClusterID: clusterA, Limit: 100})
	require.Empty(t, errs)
	assert.Equal(t, want, got)
	assert.Equal(t, 4+3, srv.Requests(csstest.RouteListLogBackups), "the client keeps to start")

	resp, err := client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: clusterA, Offset: 201, Limit: 100})
	require.NoError(t, err)
	assert.Equal(t, want[200:], ids(resp.Records), "a single page is asked for with start too")
}

// TestLogBackupsOffsetOnlyService checks the documented service: offset is honoured,
// start never sent, no page asked for twice.
func TestLogBackupsOffsetOnlyService(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t, csstest.WithPositionParam(csstest.PositionOffset), csstest.WithPageCap(100))
	require.NoError(t, srv.AddLogBackups(clusterA, 250))
	got, errs := drain(t, client, css.ListLogBackupsRequest{ClusterID: clusterA, Limit: 200})
	require.Empty(t, errs)
	assert.Equal(t, ids(srv.LogBackups(clusterA)), got)
	assert.Equal(t, 3, srv.Requests(csstest.RouteListLogBackups))
}

// TestLogBackupsNeitherStalls checks that a service honouring neither offset nor start
// ends the iteration with ErrPaginationStalled after the first page, having tried both.
func TestLogBackupsNeitherStalls(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t, csstest.WithPositionParam(csstest.PositionNone))
	require.NoError(t, srv.AddLogBackups(clusterA, 250))
	got, errs := drain(t, client, css.ListLogBackupsRequest{ClusterID: clusterA, Limit: 100})
	assert.Equal(t, ids(srv.LogBackups(clusterA))[:100], got, "the first page is yielded")
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], css.ErrPaginationStalled)
	assert.ErrorContains(t, errs[0], "css: ListLogBackups")
	assert.Equal(t, 3, srv.Requests(csstest.RouteListLogBackups), "first page, second page, second page with the other parameter")
}

// TestLogBackupsStartOnlyConcurrent pages a start-only service from many goroutines
// sharing one client: each gets every job, whichever of them teaches the client.
func TestLogBackupsStartOnlyConcurrent(t *testing.T) {
	t.Parallel()
	srv, client, _ := setup(t, csstest.WithPositionParam(csstest.PositionStart))
	require.NoError(t, srv.AddLogBackups(clusterA, 120))
	want := ids(srv.LogBackups(clusterA))
	var wg sync.WaitGroup
	results := make([][]string, 8)
	failures := make([][]error, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], failures[i] = drain(t, client, css.ListLogBackupsRequest{ClusterID: clusterA, Limit: 50})
		}()
	}
	wg.Wait()
	for i := range results {
		assert.Empty(t, failures[i], "goroutine %d", i)
		assert.Equal(t, want, results[i], "goroutine %d", i)
	}
}
