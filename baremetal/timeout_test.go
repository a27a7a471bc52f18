package baremetal

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
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
		Endpoint:          srv.URL,
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
