package baremetal

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// workflow answers the export, then the given status bodies one per poll (the last
// one repeated), then the archive.
type workflow struct {
	t        *testing.T
	export   string   // body of the export reply
	polls    []string // bodies of the status replies
	archive  []byte
	declared int64 // Content-Length of the archive; 0: its length
	polled   atomic.Int32
}

func (w *workflow) respond(_ int, r *seenRequest) *http.Response {
	switch {
	case r.Method == http.MethodPost && r.Path == exportsURLPath:
		return reply(http.StatusAccepted, []byte(w.export))
	case r.Method == http.MethodGet && r.Path == exportsURLPath+"/1":
		i := int(w.polled.Add(1)) - 1
		return reply(http.StatusOK, []byte(w.polls[min(i, len(w.polls)-1)]))
	case r.Method == http.MethodGet && r.Path == contentURLPath:
		resp := reply(http.StatusOK, w.archive,
			"Content-Type", "application/octet-stream;charset=UTF-8",
			"Content-Disposition", "attachment; filename=SN1-dump.tar.gz")
		if w.declared != 0 {
			resp.ContentLength = w.declared
		}
		return resp
	}
	w.t.Errorf("unexpected request %s %s", r.Method, r.Path)
	return reply(http.StatusNotFound, []byte(`{"error_code":"APIG.0101","error_msg":"no route"}`))
}

const (
	pollRunning    = `{"export_id":"1","status":"Running","percentage":"30%","created_at":"2024-07-01T11:32:49Z"}`
	pollProcessing = `{"export_id":"1","status":"processing","percentage":"60%","created_at":"2024-07-01T11:32:49Z"}`
	pollCompleted  = `{"export_id":"1","status":"completed","percentage":"100%","created_at":"2024-07-01T11:32:49Z"}`
)

func TestExportAndDownload(t *testing.T) {
	t.Parallel()
	archive := bytes.Repeat([]byte{0x1f, 0x8b, 0, 1, 2, 3, 4, 5}, 3<<17) // 3 MiB
	w := &workflow{t: t, export: pollRunning, polls: []string{pollRunning, pollProcessing, pollProcessing, pollCompleted}, archive: archive}
	c, m := newMockClient(t, w.respond)

	var progress []hcloud.Progress
	var out bytes.Buffer
	export, n, err := exportAndDownload(c, context.Background(), testServerID, &out,
		hcloud.WithMinDelay(time.Second), hcloud.WithMaxDelay(3*time.Second),
		hcloud.WithProgress(func(p hcloud.Progress) { progress = append(progress, p) }))
	require.NoError(t, err)

	assert.Equal(t, &LogExport{ID: "1", Status: ExportStatusCompleted, Percent: 100,
		CreatedAt: time.Date(2024, 7, 1, 11, 32, 49, 0, time.UTC)}, export)
	assert.Equal(t, int64(len(archive)), n)
	assert.True(t, bytes.Equal(archive, out.Bytes()), "archive written unchanged")

	seen := m.Seen()
	require.Len(t, seen, 6, "export, 4 polls, download")
	for _, r := range seen {
		assertSigned(t, r)
		assert.Empty(t, r.Body)
	}
	assert.Equal(t, http.MethodPost, seen[0].Method)
	assert.Equal(t, exportsURLPath+"/1", seen[1].Path)
	assert.Equal(t, contentURLPath, seen[5].Path)
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}, m.clock.Sleeps(),
		"exponential between MinDelay and MaxDelay")

	total := int64(len(archive))
	want := []hcloud.Progress{
		{Phase: hcloud.PhaseWaiting, JobID: "1", Status: "Running", Percent: 30},
		{Phase: hcloud.PhaseWaiting, JobID: "1", Status: "Running", Percent: 30},
		{Phase: hcloud.PhaseWaiting, JobID: "1", Status: "processing", Percent: 60},
		{Phase: hcloud.PhaseWaiting, JobID: "1", Status: "processing", Percent: 60},
		{Phase: hcloud.PhaseWaiting, JobID: "1", Status: "completed", Percent: 100},
		{Phase: hcloud.PhaseDownloading, JobID: "1", Status: "completed", Percent: 100, Written: 0, Total: total, Filename: "SN1-dump.tar.gz"},
		{Phase: hcloud.PhaseDownloading, JobID: "1", Status: "completed", Percent: 100, Written: 1 << 20, Total: total, Filename: "SN1-dump.tar.gz"},
		{Phase: hcloud.PhaseDownloading, JobID: "1", Status: "completed", Percent: 100, Written: 2 << 20, Total: total, Filename: "SN1-dump.tar.gz"},
		{Phase: hcloud.PhaseDownloading, JobID: "1", Status: "completed", Percent: 100, Written: 3 << 20, Total: total, Filename: "SN1-dump.tar.gz"},
	}
	assert.Equal(t, want, progress)
}

func TestExportAndDownloadProgressThrottled(t *testing.T) {
	t.Parallel()
	archive := bytes.Repeat([]byte("0123456789abcdef"), (5<<20+12345)/16) // about 5 MiB, not a multiple of the interval
	w := &workflow{t: t, export: pollCompleted, archive: archive}
	c, m := newMockClient(t, w.respond)

	var downloads []hcloud.Progress
	n, err := func() (int64, error) {
		_, n, err := exportAndDownload(c, context.Background(), testServerID, io.Discard,
			hcloud.WithProgress(func(p hcloud.Progress) {
				if p.Phase == hcloud.PhaseDownloading {
					downloads = append(downloads, p)
				}
			}))
		return n, err
	}()
	require.NoError(t, err)
	assert.Equal(t, int64(len(archive)), n)
	assert.Len(t, m.Seen(), 2, "an export completed at once is not polled")
	assert.Empty(t, m.clock.Sleeps())

	require.NotEmpty(t, downloads)
	assert.Equal(t, int64(0), downloads[0].Written, "first report before any byte")
	assert.Equal(t, int64(len(archive)), downloads[len(downloads)-1].Written, "last report at the end")
	assert.Len(t, downloads, 7, "start, every MiB (5), end")
	for i := 1; i < len(downloads); i++ {
		assert.GreaterOrEqual(t, downloads[i].Written-downloads[i-1].Written, int64(1), "progress only grows")
		assert.Equal(t, int64(len(archive)), downloads[i].Total)
	}
}

func TestExportAndDownloadShortBody(t *testing.T) {
	t.Parallel()
	w := &workflow{t: t, export: pollRunning, polls: []string{pollCompleted},
		archive: bytes.Repeat([]byte{7}, 500), declared: 1000}
	c, _ := newMockClientAttempts(t, 1, w.respond)

	var last hcloud.Progress
	var out bytes.Buffer
	export, n, err := exportAndDownload(c, context.Background(), testServerID, &out,
		hcloud.WithProgress(func(p hcloud.Progress) { last = p }))
	require.Error(t, err)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.EqualError(t, err, "baremetal: DownloadLogs: the body ended after 500 of 1000 bytes: unexpected EOF (request id req-200)")
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, int64(500), n, "bytes already written are reported")
	assert.Equal(t, 500, out.Len())
	require.NotNil(t, export)
	assert.Equal(t, "1", export.ID)
	assert.NotEqual(t, last.Total, last.Written, "no progress report claims completion")
}

func TestExportAndDownloadLongBody(t *testing.T) {
	t.Parallel()
	w := &workflow{t: t, export: pollCompleted, archive: bytes.Repeat([]byte{7}, 1000), declared: 600}
	c, _ := newMockClient(t, w.respond)
	_, n, err := exportAndDownload(c, context.Background(), testServerID, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "longer than its Content-Length of 600 bytes")
	assert.Equal(t, int64(600), n)
}

func TestExportAndDownloadErrors(t *testing.T) {
	t.Parallel()
	t.Run("export refused", func(t *testing.T) {
		t.Parallel()
		c, m := newMockClient(t, func(int, *seenRequest) *http.Response {
			return reply(http.StatusUnauthorized, fixture(t, "exportlogs_unauthorized.json"))
		})
		export, n, err := exportAndDownload(c, context.Background(), testServerID, io.Discard)
		assert.Nil(t, export)
		assert.Zero(t, n)
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "ExportLogs", ae.Operation)
		assert.Equal(t, "APIG.0301", ae.Code)
		assert.Len(t, m.Seen(), 1)
	})
	t.Run("poll fails", func(t *testing.T) {
		t.Parallel()
		c, _ := newMockClient(t, func(n int, _ *seenRequest) *http.Response {
			if n == 0 {
				return reply(http.StatusAccepted, []byte(pollRunning))
			}
			return reply(http.StatusNotFound, fixture(t, "downloadlogs_notfound.json"))
		})
		export, n, err := exportAndDownload(c, context.Background(), testServerID, io.Discard, hcloud.WithMinDelay(time.Millisecond))
		require.NotNil(t, export)
		assert.Equal(t, ExportStatusRunning, export.Status, "the last state seen")
		assert.Zero(t, n)
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "GetLogExport", ae.Operation)
		assert.ErrorIs(t, err, ErrNotFound)
	})
	t.Run("writer fails", func(t *testing.T) {
		t.Parallel()
		w := &workflow{t: t, export: pollCompleted, archive: bytes.Repeat([]byte{1}, 100<<10)}
		c, _ := newMockClient(t, w.respond)
		errDiskFull := errors.New("no space left on device")
		_, n, err := exportAndDownload(c, context.Background(), testServerID, &limitedWriter{left: 40 << 10, err: errDiskFull})
		assert.ErrorIs(t, err, errDiskFull)
		assert.EqualError(t, err, "baremetal: ExportAndDownload: writing the archive after 40960 bytes: no space left on device")
		assert.Equal(t, int64(40<<10), n)
	})
}

// limitedWriter accepts left bytes, then fails with err.
type limitedWriter struct {
	left int
	err  error
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n := w.left
		w.left = 0
		return n, w.err
	}
	w.left -= len(p)
	return len(p), nil
}

func TestExportAndDownloadDeadline(t *testing.T) {
	t.Parallel()
	w := &workflow{t: t, export: pollRunning, polls: []string{pollProcessing}}
	c, m := newMockClient(t, w.respond)
	// The mock's fake clock sleeps without waiting: the poller measures the deadline on
	// that clock, so the hour passes after a few polls, long before the real deadline.
	ctx, cancel := context.WithDeadline(context.Background(), m.clock.Now().Add(time.Hour))
	defer cancel()
	export, n, err := exportAndDownload(c, ctx, testServerID, io.Discard, hcloud.WithMinDelay(time.Minute), hcloud.WithMaxDelay(10*time.Minute))
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, `baremetal: ExportAndDownload: waiting for export 1 (last status "processing", 60%): context deadline exceeded`, err.Error())
	require.NotNil(t, export)
	assert.Equal(t, 60, export.Percent)
	assert.Zero(t, n)
	var slept time.Duration
	for _, d := range m.clock.Sleeps() {
		slept += d
	}
	assert.LessOrEqual(t, slept, time.Hour, "the last sleep is trimmed to the deadline")
	for _, r := range m.Seen() {
		assert.NotEqual(t, contentURLPath, r.Path, "no download of an unfinished export")
	}
}

func TestExportAndDownloadCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &workflow{t: t, export: pollRunning, polls: []string{pollProcessing}}
	c, _ := newMockClient(t, w.respond)
	polls := 0
	_, _, err := exportAndDownload(c, ctx, testServerID, io.Discard, hcloud.WithProgress(func(hcloud.Progress) {
		polls++
		if polls == 3 {
			cancel()
		}
	}))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 3, polls)
}

func TestExportAndDownloadValidation(t *testing.T) {
	t.Parallel()
	c, m := newMockClient(t, func(int, *seenRequest) *http.Response {
		t.Error("a request was sent")
		return reply(http.StatusOK, nil)
	})
	ctx := context.Background()
	tests := []struct {
		name     string
		serverID string
		w        io.Writer
		opts     []hcloud.Option
		want     string
	}{
		{name: "nil writer", serverID: testServerID, want: "baremetal: ExportAndDownload: Destination is required"},
		{name: "negative MinDelay", serverID: testServerID, w: io.Discard, opts: []hcloud.Option{hcloud.WithMinDelay(-time.Second)},
			want: "baremetal: ExportAndDownload: option MinDelay -1s must not be negative"},
		{name: "negative MaxDelay", serverID: testServerID, w: io.Discard, opts: []hcloud.Option{hcloud.WithMaxDelay(-time.Second)},
			want: "baremetal: ExportAndDownload: option MaxDelay -1s must not be negative"},
		{name: "MaxDelay below MinDelay", serverID: testServerID, w: io.Discard,
			opts: []hcloud.Option{hcloud.WithMinDelay(time.Minute), hcloud.WithMaxDelay(time.Second)},
			want: "baremetal: ExportAndDownload: option MaxDelay 1s is below MinDelay 1m0s"},
		{name: "empty server", serverID: "", w: io.Discard, want: "baremetal: ExportAndDownload: ServerID is required"},
		{name: "dot-dot server", serverID: "..", w: io.Discard, want: `baremetal: ExportAndDownload: ServerID ".." is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`},
		{name: "control character", serverID: "srv\r\n", w: io.Discard, want: `baremetal: ExportAndDownload: ServerID "srv\r\n" is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			export, n, err := exportAndDownload(c, ctx, tt.serverID, tt.w, tt.opts...)
			assert.Nil(t, export)
			assert.Zero(t, n)
			assert.EqualError(t, err, tt.want)
			assert.ErrorIs(t, err, ErrInvalidRequest)
		})
	}
	resp, err := c.ExportAndDownload(ctx, nil)
	assert.Nil(t, resp)
	assert.EqualError(t, err, "baremetal: ExportAndDownload: request is nil")
	assert.Empty(t, m.Seen())
	// A nil option is ignored rather than called.
	_, _, err = exportAndDownload(c, ctx, "", io.Discard, nil)
	assert.True(t, strings.Contains(err.Error(), "ServerID is required"))
}
