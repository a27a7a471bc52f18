package baremetaltest_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/baremetal/baremetaltest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
)

// newClient returns a client for srv that retries quickly and closes its idle
// connections when the test ends.
func newClient(t *testing.T, srv *baremetaltest.Server, edit ...func(*baremetal.Config)) *baremetal.Client {
	t.Helper()
	cfg := srv.Config()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	cfg.HTTPClient = &http.Client{Transport: tr}
	cfg.Retry = baremetal.RetryPolicy{MinWait: time.Millisecond, MaxWait: time.Millisecond}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := baremetal.New(cfg)
	require.NoError(t, err)
	return c
}

// checkArchive reads a tar.gz fully and returns the name and size of its one file.
func checkArchive(t *testing.T, b []byte) (string, int64) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	hdr, err := tr.Next()
	require.NoError(t, err)
	n, err := io.Copy(io.Discard, tr)
	require.NoError(t, err)
	_, err = tr.Next()
	require.ErrorIs(t, err, io.EOF)
	_, err = io.Copy(io.Discard, zr)
	require.NoError(t, err)
	return hdr.Name, n
}

func TestEndToEndOperations(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC))
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithArchiveSize(300_000))
	defer srv.Close()
	serial := srv.AddServer("b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001")
	c := newClient(t, srv)
	ctx := context.Background()

	exp, err := c.ExportLogs(ctx, &baremetal.ExportLogsRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001"})
	require.NoError(t, err)
	assert.Equal(t, "1", exp.ID)
	assert.Equal(t, baremetal.ExportStatusProcessing, exp.Status)
	assert.Equal(t, 0, exp.Percent)
	assert.True(t, clock.Now().Equal(exp.CreatedAt))
	assert.Equal(t, http.StatusAccepted, exp.StatusCode)
	assert.Len(t, exp.RequestID, 32)

	clock.Advance(time.Second)
	got, err := c.GetLogExport(ctx, &baremetal.GetLogExportRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", ExportID: exp.ID})
	require.NoError(t, err)
	assert.Equal(t, baremetal.LogExport{ID: "1", Status: baremetal.ExportStatusProcessing, Percent: 50, CreatedAt: exp.CreatedAt}, got.LogExport)
	assert.False(t, got.Status.Done())
	assert.Equal(t, http.StatusOK, got.StatusCode)
	assert.Len(t, got.RequestID, 32)

	clock.Advance(time.Second)
	got, err = c.GetLogExport(ctx, &baremetal.GetLogExportRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", ExportID: exp.ID})
	require.NoError(t, err)
	assert.True(t, got.Status.Done())
	assert.Equal(t, 100, got.Percent)

	dl, err := c.DownloadLogs(ctx, &baremetal.DownloadLogsRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", ExportID: exp.ID})
	require.NoError(t, err)
	body, err := io.ReadAll(dl.Body)
	require.NoError(t, err)
	require.NoError(t, dl.Body.Close())
	assert.Equal(t, serial+"-dump.tar.gz", dl.Filename)
	assert.Equal(t, "application/octet-stream;charset=UTF-8", dl.ContentType)
	assert.Equal(t, int64(300_000), dl.ContentLength)
	assert.Equal(t, http.StatusOK, dl.StatusCode)
	assert.Len(t, dl.RequestID, 32)
	assert.Len(t, body, 300_000)
	name, _ := checkArchive(t, body)
	assert.Equal(t, "dump/server.log", name)
}

func TestEndToEndExportAndDownload(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC))
	const size = 5<<20 + 3
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithExportDuration(10*time.Second),
		baremetaltest.WithArchiveSize(size))
	defer srv.Close()
	c := newClient(t, srv)

	var exporting []int
	var downloaded []int64
	var out bytes.Buffer
	export, n, err := exportAndDownload(c, context.Background(), "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800007", &out,
		hcloud.WithMinDelay(time.Second), hcloud.WithMaxDelay(4*time.Second),
		hcloud.WithProgress(func(p hcloud.Progress) {
			switch p.Phase {
			case hcloud.PhaseWaiting:
				exporting = append(exporting, p.Percent)
			case hcloud.PhaseDownloading:
				assert.Equal(t, int64(size), p.Total)
				downloaded = append(downloaded, p.Written)
			}
		}))
	require.NoError(t, err)
	assert.Equal(t, int64(size), n)
	assert.Equal(t, "1", export.ID)
	assert.True(t, export.Status.Done())
	// Polls after 1, 2, 4, 4 s of fake time: 0% at the export, then 10, 30, 70, 100.
	assert.Equal(t, []int{0, 10, 30, 70, 100}, exporting)
	require.NotEmpty(t, downloaded)
	assert.Equal(t, int64(0), downloaded[0])
	assert.Equal(t, int64(size), downloaded[len(downloaded)-1])
	assert.LessOrEqual(t, len(downloaded), 7, "start, once per MiB, end")
	for i := 1; i < len(downloaded)-1; i++ {
		assert.Greater(t, downloaded[i]>>20, downloaded[i-1]>>20, "one report per MiB crossed")
	}
	_, fileSize := checkArchive(t, out.Bytes())
	assert.Greater(t, fileSize, int64(size-4096))
	assert.Equal(t, 4, srv.Requests(baremetaltest.RouteGetLogExport))
	assert.Equal(t, 1, srv.Requests(baremetaltest.RouteDownloadLogs))
}

// TestEndToEndExportAndDownloadVisibleLate runs ExportAndDownload against a service
// that answers 404 for a fresh export (WithExportVisibleAfter): an export visible
// within baremetal.GracePeriod is waited for and downloaded; one visible later ends the
// wait with an error that names the export and wraps baremetal.ErrNotFound.
func TestEndToEndExportAndDownloadVisibleLate(t *testing.T) {
	t.Parallel()
	const serverID = "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800008"
	start := time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC)
	t.Run("within the grace period", func(t *testing.T) {
		t.Parallel()
		clock := fakeclock.New(start)
		srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithExportVisibleAfter(10*time.Second))
		defer srv.Close()
		c := newClient(t, srv)
		var out bytes.Buffer
		export, n, err := exportAndDownload(c, context.Background(), serverID, &out)
		require.NoError(t, err)
		assert.Equal(t, "1", export.ID)
		assert.True(t, export.Status.Done())
		assert.Equal(t, srv.ArchiveSize(), n)
		checkArchive(t, out.Bytes())
		// Polls after 2, 6 and 14 s: 404, 404, then the completed export.
		assert.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second}, clock.Sleeps())
		assert.Equal(t, 3, srv.Requests(baremetaltest.RouteGetLogExport))
		assert.Equal(t, 1, srv.Requests(baremetaltest.RouteDownloadLogs))
	})
	t.Run("after the grace period", func(t *testing.T) {
		t.Parallel()
		clock := fakeclock.New(start)
		srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithExportVisibleAfter(5*time.Minute))
		defer srv.Close()
		c := newClient(t, srv)
		export, n, err := exportAndDownload(c, context.Background(), serverID, io.Discard)
		require.ErrorIs(t, err, baremetal.ErrNotFound)
		var ae *baremetal.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "GetLogExport", ae.Operation)
		assert.Equal(t, baremetaltest.CodeExportNotFound, ae.Code)
		assert.Contains(t, err.Error(), "export 1 of server "+serverID)
		require.NotNil(t, export)
		assert.Equal(t, baremetal.ExportStatusProcessing, export.Status, "the state ExportLogs answered")
		assert.Zero(t, n)
		assert.Greater(t, clock.Now().Sub(start), baremetal.GracePeriod, "gave up only after the grace period")
		assert.Less(t, clock.Now().Sub(start), 5*time.Minute)
		assert.Zero(t, srv.Requests(baremetaltest.RouteDownloadLogs))
	})
}

func TestEndToEndRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		route string
		fault baremetaltest.Fault
	}{
		{"429 with Retry-After on export", baremetaltest.RouteExportLogs,
			baremetaltest.Fault{Route: baremetaltest.RouteExportLogs, Status: http.StatusTooManyRequests, RetryAfter: "2", Times: 2}},
		{"409 on status", baremetaltest.RouteGetLogExport,
			baremetaltest.Fault{Route: baremetaltest.RouteGetLogExport, Status: http.StatusConflict, Times: 2}},
		{"412 on download", baremetaltest.RouteDownloadLogs,
			baremetaltest.Fault{Route: baremetaltest.RouteDownloadLogs, Status: http.StatusPreconditionFailed, Times: 3}},
		{"503 on download", baremetaltest.RouteDownloadLogs,
			baremetaltest.Fault{Route: baremetaltest.RouteDownloadLogs, Status: http.StatusServiceUnavailable, Times: 1}},
		{"reset before headers on status", baremetaltest.RouteGetLogExport,
			baremetaltest.Fault{Route: baremetaltest.RouteGetLogExport, Reset: baremetaltest.ResetBeforeHeaders, Times: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := fakeclock.New(time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC))
			srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithArchiveSize(50_000))
			defer srv.Close()
			inj, err := srv.InjectFault(tt.fault)
			require.NoError(t, err)
			c := newClient(t, srv)
			var out bytes.Buffer
			export, n, err := exportAndDownload(c, context.Background(), "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", &out, hcloud.WithMinDelay(time.Second))
			require.NoError(t, err)
			assert.True(t, export.Status.Done())
			assert.Equal(t, int64(50_000), n)
			checkArchive(t, out.Bytes())
			assert.Equal(t, tt.fault.Times, inj.Hits())
			if tt.fault.Reset == baremetaltest.NoReset {
				assert.Equal(t, tt.fault.Times, srv.Requests(tt.route)-calls(tt.route), "one retry per fault")
			}
		})
	}
}

// calls is how many requests ExportAndDownload makes to route with a 1 s MinDelay and
// the default 2 s export: one export, polls at 0, 1 and 3 s, one download.
func calls(route string) int {
	if route == baremetaltest.RouteGetLogExport {
		return 2
	}
	return 1
}

func TestEndToEndRetriesExhausted(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC))
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock))
	defer srv.Close()
	_, err := srv.InjectFault(baremetaltest.Fault{Route: baremetaltest.RouteExportLogs, Status: http.StatusTooManyRequests,
		Code: "APIG.0308", Message: "The request is throttled", RetryAfter: "1"})
	require.NoError(t, err)
	c := newClient(t, srv)
	_, err = c.ExportLogs(context.Background(), &baremetal.ExportLogsRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001"})
	var ae *baremetal.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusTooManyRequests, ae.StatusCode)
	assert.Equal(t, "APIG.0308", ae.Code)
	assert.Equal(t, 4, ae.Attempts)
	assert.Len(t, ae.RequestID, 32)
	assert.ErrorIs(t, err, baremetal.ErrThrottled)
	assert.Equal(t, 4, srv.Requests(baremetaltest.RouteExportLogs))
}

func TestEndToEndDownloadNotReady(t *testing.T) {
	t.Parallel()
	srv := baremetaltest.NewServer(baremetaltest.WithExportDuration(time.Hour))
	defer srv.Close()
	c := newClient(t, srv)
	ctx := context.Background()
	exp, err := c.ExportLogs(ctx, &baremetal.ExportLogsRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001"})
	require.NoError(t, err)
	_, err = c.DownloadLogs(ctx, &baremetal.DownloadLogsRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", ExportID: exp.ID})
	var ae *baremetal.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusConflict, ae.StatusCode)
	assert.Equal(t, baremetaltest.CodeExportNotReady, ae.Code)
	assert.Equal(t, 4, ae.Attempts, "409 is retried")

	_, err = c.GetLogExport(ctx, &baremetal.GetLogExportRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", ExportID: "99"})
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, baremetaltest.CodeExportNotFound, ae.Code)
	assert.ErrorIs(t, err, baremetal.ErrNotFound)
}

func TestEndToEndTruncatedDownload(t *testing.T) {
	t.Parallel()
	srv := baremetaltest.NewServer(baremetaltest.WithExportDuration(0), baremetaltest.WithArchiveSize(40_000))
	defer srv.Close()
	// Every reply is cut in half: the resumed ones too, until the attempts run out.
	_, err := srv.InjectFault(baremetaltest.Fault{Route: baremetaltest.RouteDownloadLogs, Reset: baremetaltest.ResetMidBody})
	require.NoError(t, err)
	c := newClient(t, srv)
	var out bytes.Buffer
	export, n, err := exportAndDownload(c, context.Background(), "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", &out)
	require.Error(t, err, "a cut archive is never a success")
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Contains(t, err.Error(), "baremetal: DownloadLogs: the body ended after 37500 of 40000 bytes")
	assert.Contains(t, err.Error(), "after 4 attempts")
	assert.Equal(t, int64(37_500), n, "20,000 bytes, then half of each rest: 10,000, 5,000, 2,500")
	require.NotNil(t, export)
	assert.True(t, export.Status.Done())
	assert.Equal(t, 4, srv.Requests(baremetaltest.RouteDownloadLogs))
}

func TestEndToEndTruncatedDownloadResumes(t *testing.T) {
	t.Parallel()
	srv := baremetaltest.NewServer(baremetaltest.WithExportDuration(0), baremetaltest.WithArchiveSize(40_000))
	defer srv.Close()
	_, err := srv.InjectFault(baremetaltest.Fault{Route: baremetaltest.RouteDownloadLogs, Reset: baremetaltest.ResetMidBody, Times: 1})
	require.NoError(t, err)
	c := newClient(t, srv)
	var out bytes.Buffer
	_, n, err := exportAndDownload(c, context.Background(), "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800002", &out)
	require.NoError(t, err)
	assert.Equal(t, int64(40_000), n)
	assert.Equal(t, 40_000, out.Len())
	assert.Equal(t, 2, srv.Requests(baremetaltest.RouteDownloadLogs))
	// The fault generates the whole reply before it cuts it: 40,000 bytes, then the
	// 20,000 the resumed request asked for.
	assert.Equal(t, int64(60_000), srv.BytesServed(), "the resumed request asked for the rest only")
}

func TestEndToEndDeadline(t *testing.T) {
	t.Parallel()
	srv := baremetaltest.NewServer(baremetaltest.WithExportDuration(time.Hour))
	defer srv.Close()
	c := newClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	export, n, err := exportAndDownload(c, ctx, "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", io.Discard, hcloud.WithMinDelay(10*time.Millisecond))
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
	require.NotNil(t, export)
	assert.False(t, export.Status.Done())
	assert.Zero(t, n)
	assert.Zero(t, srv.Requests(baremetaltest.RouteDownloadLogs))
}

func TestEndToEndWrongSecret(t *testing.T) {
	t.Parallel()
	srv := baremetaltest.NewServer()
	defer srv.Close()
	c := newClient(t, srv, func(cfg *baremetal.Config) { cfg.Credentials.SecretKey = "not-the-secret-key-of-this-server" })
	_, err := c.ExportLogs(context.Background(), &baremetal.ExportLogsRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001"})
	var ae *baremetal.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
	assert.Equal(t, "APIG.0301", ae.Code)
	assert.Contains(t, ae.Message, "Incorrect IAM authentication information")
	assert.Len(t, ae.RequestID, 32)
	assert.Equal(t, 1, ae.Attempts)
	assert.ErrorIs(t, err, baremetal.ErrUnauthorized)
	assert.NotContains(t, err.Error(), "not-the-secret-key-of-this-server")
}

func TestEndToEndToken(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC))
	srv := baremetaltest.NewServer(baremetaltest.WithAuthToken("iam-token-123"), baremetaltest.WithClock(clock),
		baremetaltest.WithArchiveSize(20_000))
	defer srv.Close()
	cfg := srv.Config()
	assert.Equal(t, "iam-token-123", cfg.AuthToken)

	c := newClient(t, srv)
	var out bytes.Buffer
	export, n, err := exportAndDownload(c, context.Background(), "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", &out)
	require.NoError(t, err)
	assert.True(t, export.Status.Done())
	assert.Equal(t, int64(20_000), n)
	checkArchive(t, out.Bytes())

	bad := newClient(t, srv, func(cfg *baremetal.Config) { cfg.AuthToken = "stale-token" })
	_, err = bad.GetLogExport(context.Background(), &baremetal.GetLogExportRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", ExportID: export.ID})
	var ae *baremetal.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
	assert.Equal(t, "APIG.0307", ae.Code)

	signed := newClient(t, srv, func(cfg *baremetal.Config) {
		cfg.AuthToken = ""
		cfg.Credentials = srv.Credentials
	})
	_, err = signed.GetLogExport(context.Background(), &baremetal.GetLogExportRequest{ServerID: "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", ExportID: export.ID})
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "APIG.0307", ae.Code, "a token server wants the token")
}

func TestEndToEndPathLikeIDsNeverSent(t *testing.T) {
	t.Parallel()
	srv := baremetaltest.NewServer(baremetaltest.WithExportDuration(0))
	defer srv.Close()
	c := newClient(t, srv)
	for _, id := range []string{"a/b", "../etc", "srv 1", "srv?x=1", "сервер"} {
		_, n, err := exportAndDownload(c, context.Background(), id, io.Discard)
		require.ErrorIs(t, err, baremetal.ErrInvalidRequest, "server ID %q", id)
		assert.Zero(t, n)
	}
	assert.Zero(t, srv.RequestsTotal())
}

// TestEndToEndConstantMemory downloads a 128 MiB archive and checks that the client and
// the fake together allocate a small fraction of it.
func TestEndToEndConstantMemory(t *testing.T) {
	srv := baremetaltest.NewServer(baremetaltest.WithExportDuration(0), baremetaltest.WithArchiveSize(128<<20))
	defer srv.Close()
	c := newClient(t, srv)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, n, err := exportAndDownload(c, context.Background(), "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", io.Discard)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.Equal(t, int64(128<<20), n)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20), "bytes allocated to move 128 MiB")
}

func BenchmarkExportAndDownload(b *testing.B) {
	const size = 256 << 20
	srv := baremetaltest.NewServer(baremetaltest.WithExportDuration(0), baremetaltest.WithArchiveSize(size))
	defer srv.Close()
	cfg := srv.Config()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	cfg.HTTPClient = &http.Client{Transport: tr}
	c, err := baremetal.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := exportAndDownload(c, context.Background(), "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001", io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
