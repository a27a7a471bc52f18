package baremetal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newLoopbackClient returns a client of an httptest server running handler, with
// HTTPClient.Timeout set to timeout.
func newLoopbackClient(t *testing.T, timeout time.Duration, handler http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := New(Config{
		ServiceEndpoints:  map[string][]string{"baremetal": {srv.URL}},
		AllowInsecureHTTP: true,
		ProjectID:         testProjectID,
		Credentials:       testCreds,
		HTTPClient:        &http.Client{Timeout: timeout},
		Retry:             RetryPolicy{MinWait: time.Millisecond, MaxWait: time.Millisecond},
	})
	require.NoError(t, err)
	return c
}

// TestDownloadLogsOutlivesHTTPClientTimeout checks that HTTPClient.Timeout bounds the
// wait for the archive's headers, not the whole download: a body that takes three
// times the timeout to arrive, a byte at a time, is read in full.
func TestDownloadLogsOutlivesHTTPClientTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	const chunks = 9
	c := newLoopbackClient(t, timeout, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(chunks))
		w.WriteHeader(http.StatusOK)
		for range chunks {
			_, _ = w.Write([]byte{'x'})
			http.NewResponseController(w).Flush()
			select {
			case <-time.After(timeout / 3):
			case <-r.Context().Done():
				return
			}
		}
	})
	resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "1"})
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Len(t, got, chunks)
}

// TestDownloadLogsHeaderTimeout checks that HTTPClient.Timeout still bounds the wait
// for the archive's headers.
func TestDownloadLogsHeaderTimeout(t *testing.T) {
	t.Parallel()
	c := newLoopbackClient(t, 50*time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "1"})
	assert.Nil(t, resp)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "DownloadLogs", re.Operation)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "awaiting headers")
}

// stallServer serves archive: the first request sends the first cut bytes and then
// nothing until the client goes away; a request with Range: bytes=N- gets the rest.
// With cut 0, the first request sends no headers at all.
func stallServer(archive []byte, cut int, requests *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		h := w.Header()
		h.Set("Content-Type", "application/octet-stream")
		h.Set("ETag", `"a1"`)
		from := 0
		if rg := r.Header.Get("Range"); rg != "" {
			from, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, len(archive)-1, len(archive)))
		}
		if n == 1 && cut == 0 {
			<-r.Context().Done()
			return
		}
		h.Set("Content-Length", strconv.Itoa(len(archive)-from))
		if from > 0 {
			w.WriteHeader(http.StatusPartialContent)
		}
		if n > 1 {
			_, _ = w.Write(archive[from:])
			return
		}
		_, _ = w.Write(archive[:cut])
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}
}

func TestDownloadLogsResumesAStall(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		cut  int
	}{{"mid-body", 40_000}, {"before the headers", 0}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			archive := testArchive(100_000)
			var requests atomic.Int32
			c := newLoopbackClient(t, 0, stallServer(archive, tt.cut, &requests))
			resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "1",
				StallTimeout: 100 * time.Millisecond})
			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.True(t, bytes.Equal(archive, got))
			assert.Equal(t, int32(2), requests.Load(), "the stalled request, then the rest")
		})
	}
}

// TestDownloadLogsStallsOutOfAttempts checks that a body that stalls on every reply
// is resumed until the retry policy's attempts run out.
func TestDownloadLogsStallsOutOfAttempts(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	c := newLoopbackClient(t, 0, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		from := 0
		if rg := r.Header.Get("Range"); rg != "" {
			from, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"))
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-999/1000", from))
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(1000-from))
		if from > 0 {
			w.WriteHeader(http.StatusPartialContent)
		}
		_, _ = w.Write([]byte("abc"))
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	})
	resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "1",
		StallTimeout: 20 * time.Millisecond})
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	assert.Equal(t, "abcabcabcabc", string(got), "every byte that came, once")
	require.Error(t, err)
	assert.EqualError(t, err, "baremetal: DownloadLogs: reading the body after 12 bytes: no bytes for 20ms (stall timeout) (after 4 attempts)")
	assert.Equal(t, int32(4), requests.Load())
}

// TestDownloadLogsSlowBodyIsNotCut checks that a body that keeps moving, however
// slowly, is never taken for a stall: it takes six stall timeouts to arrive.
func TestDownloadLogsSlowBodyIsNotCut(t *testing.T) {
	t.Parallel()
	const stall = 250 * time.Millisecond
	const chunks = 30
	var requests atomic.Int32
	c := newLoopbackClient(t, 0, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(chunks))
		w.WriteHeader(http.StatusOK)
		for range chunks {
			_, _ = w.Write([]byte{'x'})
			http.NewResponseController(w).Flush()
			select {
			case <-time.After(stall / 5):
			case <-r.Context().Done():
				return
			}
		}
	})
	resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "1", StallTimeout: stall})
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Len(t, got, chunks)
	assert.Equal(t, int32(1), requests.Load())
}

// TestDownloadLogsCloseEndsAResume checks that closing the body ends a resumed request
// that waits for its headers, rather than leaving it to the stall timeout.
func TestDownloadLogsCloseEndsAResume(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	resumed := make(chan struct{})
	c := newLoopbackClient(t, 0, func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) > 1 {
			close(resumed)
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", "1000")
		_, _ = w.Write([]byte("abc"))
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	})
	resp, err := c.DownloadLogs(context.Background(), &DownloadLogsRequest{ServerID: testServerID, ExportID: "1",
		StallTimeout: 50 * time.Millisecond})
	require.NoError(t, err)
	go func() {
		<-resumed
		resp.Body.Close()
	}()
	got, err := io.ReadAll(resp.Body)
	assert.Equal(t, "abc", string(got))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int32(2), requests.Load(), "the resumed request ended with Close, not resumed again")
}
