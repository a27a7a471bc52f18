package baremetal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ranged serves an archive through the mock as a server with range support does:
// Accept-Ranges, an ETag and a Last-Modified date, 206 for Range: bytes=N-. Each
// request may be broken off after a number of body bytes (breaks, one per request,
// -1 for none), and its reply rewritten by edit.
type ranged struct {
	archive  []byte
	etag     string
	modified string
	breaks   []int
	edit     func(n int, r *seenRequest, resp *http.Response)
}

var errReset = errors.New("connection reset by peer")

func (a *ranged) respond(n int, r *seenRequest) *http.Response {
	from := 0
	if rg := r.Header.Get("Range"); rg != "" {
		from, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
	}
	h := []string{"Content-Type", "application/octet-stream", "Accept-Ranges", "bytes"}
	if a.etag != "" {
		h = append(h, "ETag", a.etag)
	}
	if a.modified != "" {
		h = append(h, "Last-Modified", a.modified)
	}
	status := http.StatusOK
	if from > 0 {
		status = http.StatusPartialContent
		h = append(h, "Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, len(a.archive)-1, len(a.archive)))
	}
	part := a.archive[from:]
	resp := reply(status, part, h...)
	if n < len(a.breaks) && a.breaks[n] >= 0 {
		resp.Body = io.NopCloser(&failingReader{data: part[:a.breaks[n]], err: errReset})
	}
	if a.edit != nil {
		a.edit(n, r, resp)
	}
	return resp
}

func testArchive(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func download(t *testing.T, c *Client) ([]byte, error) {
	t.Helper()
	resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "1"})
	require.NoError(t, err)
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func TestDownloadLogsResumes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, etag, modified, wantIfRange string
	}{
		{name: "ETag", etag: `"v1"`, modified: "Mon, 01 Jul 2024 11:32:49 GMT", wantIfRange: `"v1"`},
		{name: "weak ETag: the date", etag: `W/"v1"`, modified: "Mon, 01 Jul 2024 11:32:49 GMT", wantIfRange: "Mon, 01 Jul 2024 11:32:49 GMT"},
		{name: "no ETag: the date", modified: "Mon, 01 Jul 2024 11:32:49 GMT", wantIfRange: "Mon, 01 Jul 2024 11:32:49 GMT"},
		{name: "no validator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := &ranged{archive: testArchive(100_000), etag: tt.etag, modified: tt.modified, breaks: []int{30_000, 0, 50_000}}
			c, m := newMockClient(t, a.respond)
			got, err := download(t, c)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(a.archive, got), "every byte once, in order")

			seen := m.Seen()
			require.Len(t, seen, 4, "three breaks, three resumes")
			for i, want := range []string{"", "bytes=30000-", "bytes=30000-", "bytes=80000-"} {
				r := seen[i]
				assertSigned(t, r)
				assert.Equal(t, want, r.Header.Get("Range"), "request %d", i)
				assert.Equal(t, "identity", r.Header.Get("Accept-Encoding"))
				assert.Empty(t, r.Header.Values("Accept"))
				if i > 0 {
					assert.Equal(t, tt.wantIfRange, r.Header.Get("If-Range"), "request %d", i)
				}
			}
			assert.Len(t, m.clock.Sleeps(), 3, "each resume waits the backoff, on the client's clock")
		})
	}
}

func TestDownloadLogsResumesWithinAttempts(t *testing.T) {
	t.Parallel()
	a := &ranged{archive: testArchive(10_000), etag: `"v1"`, breaks: []int{1000, 1000, 1000, 1000, 1000}}
	c, m := newMockClientAttempts(t, 3, a.respond)
	got, err := download(t, c)
	assert.Len(t, got, 3000, "what came before the last break is delivered")
	assert.EqualError(t, err, "baremetal: DownloadLogs: reading the body after 3000 bytes: connection reset by peer (request id req-206, after 3 attempts)")
	assert.ErrorIs(t, err, errReset)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Attempts)
	assert.Len(t, m.Seen(), 3, "MaxAttempts 3: two resumes")
}

func TestDownloadLogsRefusesBadResumes(t *testing.T) {
	t.Parallel()
	const size = 10_000
	tests := []struct {
		name string
		edit func(resp *http.Response)
		want string
	}{
		{name: "range elsewhere", edit: func(resp *http.Response) { resp.Header.Set("Content-Range", "bytes 4000-9999/10000") },
			want: `resuming at byte 4096: the reply's Content-Range "bytes 4000-9999/10000" does not continue the archive`},
		{name: "other total", edit: func(resp *http.Response) {
			resp.Header.Set("Content-Range", "bytes 4096-19999/20000")
			resp.ContentLength = 20000 - 4096
		}, want: `resuming at byte 4096: the reply's Content-Range "bytes 4096-19999/20000" gives another size than the 10000 bytes of the archive`},
		{name: "no Content-Range", edit: func(resp *http.Response) { resp.Header.Del("Content-Range") },
			want: `resuming at byte 4096: the reply's Content-Range "" does not continue the archive`},
		{name: "length mismatch", edit: func(resp *http.Response) { resp.ContentLength = 10 },
			want: `resuming at byte 4096: the reply's Content-Length 10 does not match its Content-Range "bytes 4096-9999/10000"`},
		{name: "other ETag", edit: func(resp *http.Response) { resp.Header.Set("ETag", `"v2"`) },
			want: `resuming at byte 4096: the archive changed: ETag "v2", first "v1"`},
		{name: "range ignored", edit: func(resp *http.Response) {
			resp.StatusCode = http.StatusOK
			resp.Header.Del("Content-Range")
		}, want: "resuming at byte 4096: the service ignored the range and sent the whole archive again (status 200), and the 4096 bytes already delivered cannot be taken back"},
		{name: "other success status", edit: func(resp *http.Response) { resp.StatusCode = http.StatusNoContent },
			want: "resuming at byte 4096: unexpected status 204"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := &ranged{archive: testArchive(size), etag: `"v1"`, breaks: []int{4096},
				edit: func(n int, _ *seenRequest, resp *http.Response) {
					if n == 1 {
						tt.edit(resp)
					}
				}}
			c, m := newMockClient(t, a.respond)
			got, err := download(t, c)
			assert.True(t, bytes.Equal(a.archive[:4096], got), "nothing of the bad reply is appended")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "baremetal: DownloadLogs: reading the body after 4096 bytes: connection reset by peer; "+tt.want)
			assert.Len(t, m.Seen(), 2)
		})
	}
}

func TestDownloadLogsResumeFails(t *testing.T) {
	t.Parallel()
	a := &ranged{archive: testArchive(10_000), breaks: []int{5000},
		edit: func(n int, _ *seenRequest, resp *http.Response) {
			if n > 0 {
				*resp = *reply(http.StatusNotFound, fixture(t, "downloadlogs_notfound.json"))
			}
		}}
	c, _ := newMockClient(t, a.respond)
	got, err := download(t, c)
	assert.Len(t, got, 5000)
	assert.ErrorIs(t, err, ErrNotFound, "the API error of the resumed request")
	assert.ErrorIs(t, err, errReset, "and why it was resumed")
}

// TestDownloadLogsCloseDuringRead checks that closing the body from another goroutine
// ends a read, which neither resumes nor reads on.
func TestDownloadLogsCloseDuringRead(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	c, m := newMockClient(t, func(int, *seenRequest) *http.Response {
		resp := reply(http.StatusOK, nil, "Content-Type", "application/octet-stream")
		resp.Body, resp.ContentLength = pr, 100
		return resp
	})
	resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "1"})
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = pw.Write([]byte("abc"))
		assert.NoError(t, resp.Body.Close())
	}()
	got, err := io.ReadAll(resp.Body)
	wg.Wait()
	assert.Equal(t, "abc", string(got))
	assert.ErrorContains(t, err, "read on a closed archive body")
	assert.Len(t, m.Seen(), 1, "a closed body is not resumed")
}

func TestExportAndDownloadRestartsAFile(t *testing.T) {
	t.Parallel()
	archive := testArchive(3<<20 + 123)
	w := &workflow{t: t, export: pollCompleted, archive: archive}
	a := &ranged{archive: archive, etag: `"v1"`, breaks: []int{-1, 2 << 20},
		edit: func(_ int, r *seenRequest, resp *http.Response) {
			// The server ignores ranges.
			resp.StatusCode = http.StatusOK
			resp.Header.Del("Content-Range")
			resp.Header.Del("Accept-Ranges")
			if r.Header.Get("Range") != "" {
				resp.Body = io.NopCloser(bytes.NewReader(archive))
				resp.ContentLength = int64(len(archive))
			}
		}}
	downloads := 0
	c, _ := newMockClient(t, func(n int, r *seenRequest) *http.Response {
		if r.Path != contentURLPath {
			return w.respond(n, r)
		}
		downloads++
		return a.respond(downloads, r)
	})

	f, err := os.Create(filepath.Join(t.TempDir(), "logs.tar.gz"))
	require.NoError(t, err)
	defer f.Close()
	_, err = f.WriteString("kept: ")
	require.NoError(t, err)
	var reports []int64
	_, n, err := exportAndDownload(c, context.Background(), testServerID, f, hcloud.WithProgress(func(p hcloud.Progress) {
		if p.Phase == hcloud.PhaseDownloading {
			reports = append(reports, p.Written)
		}
	}))
	require.NoError(t, err)
	assert.Equal(t, int64(len(archive)), n)
	assert.Equal(t, 2, downloads, "the first reply broke off, the second was whole")
	got, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	assert.True(t, bytes.Equal(append([]byte("kept: "), archive...), got), "truncated back to where the download began")
	assert.Equal(t, []int64{0, 1 << 20, 2 << 20, 0, 1 << 20, 2 << 20, 3 << 20, int64(len(archive))}, reports)
}

func TestExportAndDownloadCannotRestartAWriter(t *testing.T) {
	t.Parallel()
	archive := testArchive(100_000)
	w := &workflow{t: t, export: pollCompleted, archive: archive}
	a := &ranged{archive: archive, breaks: []int{-1, 60_000},
		edit: func(_ int, _ *seenRequest, resp *http.Response) {
			resp.StatusCode = http.StatusOK
			resp.Header.Del("Content-Range")
			resp.Body = io.NopCloser(bytes.NewReader(archive))
			resp.ContentLength = int64(len(archive))
		}}
	downloads := 0
	c, _ := newMockClient(t, func(n int, r *seenRequest) *http.Response {
		if r.Path != contentURLPath {
			return w.respond(n, r)
		}
		downloads++
		if downloads == 1 {
			resp := a.respond(0, r)
			resp.Body = io.NopCloser(&failingReader{data: archive[:60_000], err: errReset})
			return resp
		}
		return a.respond(downloads, r)
	})
	var out bytes.Buffer
	_, n, err := exportAndDownload(c, context.Background(), testServerID, &out)
	require.Error(t, err)
	assert.Equal(t, int64(60_000), n)
	assert.Equal(t, 60_000, out.Len())
	assert.Contains(t, err.Error(), "the service ignored the range and sent the whole archive again (status 200), and the 60000 bytes already delivered cannot be taken back")
}

// TestDownloadLogsWaitsWhileTheReaderIsBusy checks that time spent outside Read is
// never taken for a stall.
func TestDownloadLogsWaitsWhileTheReaderIsBusy(t *testing.T) {
	t.Parallel()
	a := &ranged{archive: testArchive(100_000)}
	c, m := newMockClient(t, a.respond)
	resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "1",
		StallTimeout: 20 * time.Millisecond})
	require.NoError(t, err)
	defer resp.Body.Close()
	buf := make([]byte, 1000)
	_, err = io.ReadFull(resp.Body, buf)
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond) // the caller is busy: ten stall timeouts
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Len(t, rest, 99_000)
	assert.Len(t, m.Seen(), 1)
}
