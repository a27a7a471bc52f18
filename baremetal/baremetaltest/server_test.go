package baremetaltest_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal/baremetaltest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// rawReply is a response as it came over the wire.
type rawReply struct {
	status int
	header http.Header
	body   []byte
}

// rawDo sends a request signed with the server's credentials, with the header pairs
// given, and returns the raw reply, so tests see the wire format rather than the
// client's decoding.
func rawDo(t *testing.T, srv *baremetaltest.Server, now time.Time, method, path, body string, header ...string) rawReply {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-Project-Id", srv.ProjectID)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	require.NoError(t, signer.Sign(req, []byte(body), srv.Credentials, now))
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawReply{status: resp.StatusCode, header: resp.Header, body: b}
}

func exportsPath(srv *baremetaltest.Server, serverID string) string {
	return "/v1/" + srv.ProjectID + "/physicalservers/" + serverID + "/logs/exports"
}

// wireExport is the export JSON with every value kept as raw JSON.
type wireExport map[string]json.RawMessage

func decodeWire(t *testing.T, b []byte) wireExport {
	t.Helper()
	var w wireExport
	require.NoError(t, json.Unmarshal(b, &w), "body %s", b)
	return w
}

func TestServerExportLifecycle(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC))
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithExportDuration(4*time.Second))
	defer srv.Close()
	path := exportsPath(srv, "srv-1")

	r := rawDo(t, srv, clock.Now(), http.MethodPost, path, "")
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	assert.Equal(t, "application/json;charset=UTF-8", r.header.Get("Content-Type"))
	assert.Len(t, r.header.Get("X-Request-Id"), 32)
	assert.JSONEq(t, `{"export_id":"1","status":"processing","percentage":"0%","created_at":"2025-03-20T02:48:06Z"}`, string(r.body))

	steps := []struct {
		advance time.Duration
		want    string
	}{
		{time.Second, `{"export_id":"1","status":"processing","percentage":"25%","created_at":"2025-03-20T02:48:06Z"}`},
		{1500 * time.Millisecond, `{"export_id":"1","status":"processing","percentage":"62%","created_at":"2025-03-20T02:48:06Z"}`},
		{1499 * time.Millisecond, `{"export_id":"1","status":"processing","percentage":"99%","created_at":"2025-03-20T02:48:06Z"}`},
		{time.Millisecond, `{"export_id":"1","status":"completed","percentage":"100%","created_at":"2025-03-20T02:48:06Z"}`},
		{time.Hour, `{"export_id":"1","status":"completed","percentage":"100%","created_at":"2025-03-20T02:48:06Z"}`},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		r := rawDo(t, srv, clock.Now(), http.MethodGet, path+"/1", "")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		assert.JSONEq(t, s.want, string(r.body))
	}

	r = rawDo(t, srv, clock.Now(), http.MethodPost, path, "{ }")
	require.Equal(t, http.StatusAccepted, r.status, "the documented { } body is accepted: %s", r.body)
	assert.Equal(t, `"2"`, string(decodeWire(t, r.body)["export_id"]), "IDs count up")
	assert.Equal(t, 2, srv.Requests(baremetaltest.RouteExportLogs))
	assert.Equal(t, 5, srv.Requests(baremetaltest.RouteGetLogExport))
}

func TestServerExportCompletesAtOnce(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC))
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithExportDuration(0))
	defer srv.Close()
	r := rawDo(t, srv, clock.Now(), http.MethodPost, exportsPath(srv, "srv-1"), "")
	require.Equal(t, http.StatusAccepted, r.status)
	w := decodeWire(t, r.body)
	assert.Equal(t, `"completed"`, string(w["status"]))
	assert.Equal(t, `"100%"`, string(w["percentage"]))
}

// TestServerExportVisibleAfter checks WithExportVisibleAfter: a new task answers 404
// CodeExportNotFound to status and download requests until the delay has passed, and
// runs from its creation all the same.
func TestServerExportVisibleAfter(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC))
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithExportVisibleAfter(10*time.Second),
		baremetaltest.WithArchiveSize(baremetaltest.MinArchiveSize))
	defer srv.Close()
	path := exportsPath(srv, "srv-1")
	start := clock.Now()

	r := rawDo(t, srv, clock.Now(), http.MethodPost, path, "")
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	assert.JSONEq(t, `{"export_id":"1","status":"processing","percentage":"0%","created_at":"2025-03-20T02:48:06Z"}`, string(r.body))

	for _, at := range []time.Duration{0, 5 * time.Second, 10*time.Second - time.Millisecond} {
		clock.Set(start.Add(at))
		for _, p := range []string{path + "/1", path + "/1/content"} {
			r := rawDo(t, srv, clock.Now(), http.MethodGet, p, "")
			require.Equal(t, http.StatusNotFound, r.status, "GET %s at %v: %s", p, at, r.body)
			assert.Equal(t, `"`+baremetaltest.CodeExportNotFound+`"`, string(decodeWire(t, r.body)["error_code"]))
		}
	}

	clock.Set(start.Add(10 * time.Second))
	r = rawDo(t, srv, clock.Now(), http.MethodGet, path+"/1", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.JSONEq(t, `{"export_id":"1","status":"completed","percentage":"100%","created_at":"2025-03-20T02:48:06Z"}`, string(r.body),
		"the task ran while it was not visible")
	r = rawDo(t, srv, clock.Now(), http.MethodGet, path+"/1/content", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Len(t, r.body, baremetaltest.MinArchiveSize)
}

func TestServerDownload(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC))
	const size = 100_000
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithArchiveSize(size))
	defer srv.Close()
	assert.Equal(t, int64(size), srv.ArchiveSize())
	serial := srv.AddServer("srv-1")
	assert.Regexp(t, `^2102[0-9A-F]{16}$`, serial)
	assert.Equal(t, serial, srv.AddServer("srv-1"), "adding again keeps the serial")

	path := exportsPath(srv, "srv-1")
	require.Equal(t, http.StatusAccepted, rawDo(t, srv, clock.Now(), http.MethodPost, path, "").status)

	r := rawDo(t, srv, clock.Now(), http.MethodGet, path+"/1/content", "")
	assert.Equal(t, http.StatusConflict, r.status)
	assert.JSONEq(t, `{"error_code":"CLOUDDC.0409","error_msg":"export task \"1\" is processing (0%); download it once it is completed"}`, string(r.body))

	clock.Advance(baremetaltest.DefaultExportDuration)
	r = rawDo(t, srv, clock.Now(), http.MethodGet, path+"/1/content", "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, "application/octet-stream;charset=UTF-8", r.header.Get("Content-Type"))
	assert.Equal(t, "attachment; filename="+serial+"-dump.tar.gz", r.header.Get("Content-Disposition"))
	assert.Equal(t, "binary", r.header.Get("Content-Transfer-Encoding"))
	assert.Equal(t, strconv.Itoa(size), r.header.Get("Content-Length"))
	require.Len(t, r.body, size)

	zr, err := gzip.NewReader(bytes.NewReader(r.body))
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	hdr, err := tr.Next()
	require.NoError(t, err)
	assert.Equal(t, "dump/server.log", hdr.Name)
	assert.True(t, hdr.ModTime.Equal(time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC)), "stamped with the export time")
	content, err := io.ReadAll(tr)
	require.NoError(t, err)
	assert.Equal(t, hdr.Size, int64(len(content)))
	_, err = tr.Next()
	assert.ErrorIs(t, err, io.EOF)
	_, err = io.Copy(io.Discard, zr)
	assert.NoError(t, err, "CRC and size check out")
}

func TestServerDownloadUnregisteredServer(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC))
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithExportDuration(0),
		baremetaltest.WithArchiveSize(10))
	defer srv.Close()
	assert.Equal(t, int64(baremetaltest.MinArchiveSize), srv.ArchiveSize(), "raised to the minimum")
	tests := []struct{ id, escaped, disposition string }{
		{"srv-9", "srv-9", "attachment; filename=srv-9-dump.tar.gz"},
		{"my server", "my%20server", `attachment; filename="my server-dump.tar.gz"`},
		{"a/b", "a%2Fb", `attachment; filename="a/b-dump.tar.gz"`},
	}
	for _, tt := range tests {
		path := exportsPath(srv, tt.escaped)
		r := rawDo(t, srv, clock.Now(), http.MethodPost, path, "")
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
		var id string
		require.NoError(t, json.Unmarshal(decodeWire(t, r.body)["export_id"], &id))
		r = rawDo(t, srv, clock.Now(), http.MethodGet, path+"/"+id+"/content", "")
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		assert.Equal(t, tt.disposition, r.header.Get("Content-Disposition"))
		assert.Len(t, r.body, baremetaltest.MinArchiveSize)
	}
}

func TestServerErrors(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC))
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock))
	defer srv.Close()
	path := exportsPath(srv, "srv-1")
	require.Equal(t, http.StatusAccepted, rawDo(t, srv, clock.Now(), http.MethodPost, path, "").status)

	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"unknown export", http.MethodGet, path + "/7", "", http.StatusNotFound, baremetaltest.CodeExportNotFound},
		{"unknown export download", http.MethodGet, path + "/7/content", "", http.StatusNotFound, baremetaltest.CodeExportNotFound},
		{"export of another server", http.MethodGet, exportsPath(srv, "srv-2") + "/1", "", http.StatusNotFound, baremetaltest.CodeExportNotFound},
		{"download of another server", http.MethodGet, exportsPath(srv, "srv-2") + "/1/content", "", http.StatusNotFound, baremetaltest.CodeExportNotFound},
		{"body with a field", http.MethodPost, path, `{"force":true}`, http.StatusBadRequest, baremetaltest.CodeBadRequest},
		{"body not JSON", http.MethodPost, path, `[`, http.StatusBadRequest, baremetaltest.CodeBadRequest},
		{"other project", http.MethodGet, "/v1/0123456789abcdef0123456789abcdef/physicalservers/srv-1/logs/exports/1", "", http.StatusForbidden, "APIG.0302"},
		{"unknown route", http.MethodGet, path, "", http.StatusNotFound, "APIG.0101"},
		{"wrong method", http.MethodDelete, path + "/1", "", http.StatusNotFound, "APIG.0101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rawDo(t, srv, clock.Now(), tt.method, tt.path, tt.body)
			assert.Equal(t, tt.status, r.status)
			assert.Equal(t, `"`+tt.code+`"`, string(decodeWire(t, r.body)["error_code"]), "%s", r.body)
			assert.NotEmpty(t, r.header.Get("X-Request-Id"))
		})
	}
}

func TestServerConcurrentExports(t *testing.T) {
	t.Parallel()
	srv := baremetaltest.NewServer()
	defer srv.Close()
	const n = 32
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rawDo(t, srv, time.Now(), http.MethodPost, exportsPath(srv, fmt.Sprintf("srv-%d", i%4)), "")
			if assert.Equal(t, http.StatusAccepted, r.status) {
				_ = json.Unmarshal(decodeWire(t, r.body)["export_id"], &ids[i])
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, id := range ids {
		assert.False(t, seen[id], "duplicate export ID %q", id)
		seen[id] = true
	}
	assert.Len(t, seen, n)
	assert.Equal(t, n, srv.RequestsTotal())
}

func TestServerDownloadRanges(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2025, 3, 20, 2, 48, 6, 0, time.UTC))
	const size = 100_000
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithExportDuration(0),
		baremetaltest.WithArchiveSize(size))
	defer srv.Close()
	path := exportsPath(srv, "srv-1")
	require.Equal(t, http.StatusAccepted, rawDo(t, srv, clock.Now(), http.MethodPost, path, "").status)
	content := path + "/1/content"

	whole := rawDo(t, srv, clock.Now(), http.MethodGet, content, "")
	require.Equal(t, http.StatusOK, whole.status)
	require.Len(t, whole.body, size)
	etag := whole.header.Get("ETag")
	assert.Regexp(t, `^"[^"]+"$`, etag, "a strong ETag")
	assert.Equal(t, "bytes", whole.header.Get("Accept-Ranges"))
	assert.Equal(t, "Thu, 20 Mar 2025 02:48:06 GMT", whole.header.Get("Last-Modified"))
	assert.Equal(t, int64(size), srv.BytesServed())

	tests := []struct {
		name, rng, ifRange string
		status             int
		from, to           int // the part of the archive expected
		contentRange       string
	}{
		{name: "open range", rng: "bytes=40000-", status: 206, from: 40000, to: size, contentRange: "bytes 40000-99999/100000"},
		{name: "closed range", rng: "bytes=10-19", status: 206, from: 10, to: 20, contentRange: "bytes 10-19/100000"},
		{name: "range past the end capped", rng: "bytes=99990-200000", status: 206, from: 99990, to: size, contentRange: "bytes 99990-99999/100000"},
		{name: "If-Range with the ETag", rng: "bytes=99000-", ifRange: etag, status: 206, from: 99000, to: size, contentRange: "bytes 99000-99999/100000"},
		{name: "If-Range with the date", rng: "bytes=99000-", ifRange: "Thu, 20 Mar 2025 02:48:06 GMT", status: 206, from: 99000, to: size, contentRange: "bytes 99000-99999/100000"},
		{name: "If-Range with another ETag", rng: "bytes=99000-", ifRange: `"other"`, status: 200, from: 0, to: size},
		{name: "several ranges ignored", rng: "bytes=0-1,5-6", status: 200, from: 0, to: size},
		{name: "suffix range ignored", rng: "bytes=-500", status: 200, from: 0, to: size},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.BytesServed()
			h := []string{"Range", tt.rng}
			if tt.ifRange != "" {
				h = append(h, "If-Range", tt.ifRange)
			}
			r := rawDo(t, srv, clock.Now(), http.MethodGet, content, "", h...)
			require.Equal(t, tt.status, r.status)
			assert.Equal(t, whole.body[tt.from:tt.to], r.body)
			assert.Equal(t, tt.contentRange, r.header.Get("Content-Range"))
			assert.Equal(t, etag, r.header.Get("ETag"), "the same ETag on every reply")
			assert.Equal(t, int64(tt.to-tt.from), srv.BytesServed()-before, "bytes served counted")
		})
	}

	r := rawDo(t, srv, clock.Now(), http.MethodGet, content, "", "Range", "bytes=100000-")
	assert.Equal(t, http.StatusRequestedRangeNotSatisfiable, r.status)
	assert.Equal(t, "bytes */100000", r.header.Get("Content-Range"))
	assert.Contains(t, string(r.body), baremetaltest.CodeRangeNotSatisfiable)
}

func TestServerWithoutRanges(t *testing.T) {
	t.Parallel()
	const size = 50_000
	srv := baremetaltest.NewServer(baremetaltest.WithExportDuration(0), baremetaltest.WithArchiveSize(size),
		baremetaltest.WithoutRanges())
	defer srv.Close()
	path := exportsPath(srv, "srv-1")
	require.Equal(t, http.StatusAccepted, rawDo(t, srv, time.Now(), http.MethodPost, path, "").status)
	r := rawDo(t, srv, time.Now(), http.MethodGet, path+"/1/content", "", "Range", "bytes=100-")
	assert.Equal(t, http.StatusOK, r.status)
	assert.Len(t, r.body, size)
	assert.Empty(t, r.header.Get("Accept-Ranges"))
	assert.Empty(t, r.header.Get("Content-Range"))
}

func TestServerBreakAtOnRanges(t *testing.T) {
	t.Parallel()
	const size = 300_000
	srv := baremetaltest.NewServer(baremetaltest.WithExportDuration(0), baremetaltest.WithArchiveSize(size))
	defer srv.Close()
	path := exportsPath(srv, "srv-1")
	require.Equal(t, http.StatusAccepted, rawDo(t, srv, time.Now(), http.MethodPost, path, "").status)
	_, err := srv.InjectFault(baremetaltest.Fault{Route: baremetaltest.RouteDownloadLogs, BreakAt: []int64{70_000, 200_000}})
	require.NoError(t, err)

	get := func(from int) (int, []byte, error) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path+"/1/content", nil)
		require.NoError(t, err)
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", from))
		require.NoError(t, signer.Sign(req, nil, srv.Credentials, time.Now()))
		client := &http.Client{Transport: &http.Transport{}}
		defer client.CloseIdleConnections()
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	status, b, err := get(0)
	assert.Equal(t, http.StatusPartialContent, status)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Len(t, b, 70_000)
	_, b, err = get(70_000)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Len(t, b, 130_000, "cut at byte 200,000 of the archive")
	_, b, err = get(200_000)
	require.NoError(t, err)
	assert.Len(t, b, 100_000)
	assert.Equal(t, int64(size), srv.BytesServed(), "each byte served once")
}
