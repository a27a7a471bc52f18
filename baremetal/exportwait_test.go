package baremetal

import (
	"bytes"
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const notFoundBody = `{"error_code":"CLOUDDC.0404","error_msg":"export task not found"}`

// freshExport answers the export, then a 404 for the status polls until notFor polls
// have missed (for ever when notFor is negative), then pollCompleted, then the archive.
func freshExport(t *testing.T, notFor int, archive []byte) func(int, *seenRequest) *http.Response {
	var polls atomic.Int32
	return func(_ int, r *seenRequest) *http.Response {
		switch {
		case r.Method == http.MethodPost && r.Path == exportsURLPath:
			return reply(http.StatusAccepted, []byte(pollRunning))
		case r.Method == http.MethodGet && r.Path == exportsURLPath+"/1":
			if n := int(polls.Add(1)); notFor < 0 || n <= notFor {
				return reply(http.StatusNotFound, []byte(notFoundBody))
			}
			return reply(http.StatusOK, []byte(pollCompleted))
		case r.Method == http.MethodGet && r.Path == contentURLPath:
			return reply(http.StatusOK, archive, "Content-Type", "application/octet-stream;charset=UTF-8")
		}
		t.Errorf("unexpected request %s %s", r.Method, r.Path)
		return reply(http.StatusBadRequest, nil)
	}
}

func TestExportAndDownloadGrace404(t *testing.T) {
	t.Parallel()
	archive := bytes.Repeat([]byte("tar.gz "), 100)
	opts := []hcloud.Option{hcloud.WithMinDelay(time.Second), hcloud.WithMaxDelay(8 * time.Second)}

	t.Run("404 on the first polls of a fresh export", func(t *testing.T) {
		t.Parallel()
		c, m := newMockClient(t, freshExport(t, 3, archive))
		var out bytes.Buffer
		export, n, err := exportAndDownload(c, context.Background(), testServerID, &out, opts...)
		require.NoError(t, err)
		assert.Equal(t, ExportStatusCompleted, export.Status)
		assert.Equal(t, int64(len(archive)), n)
		assert.Equal(t, archive, out.Bytes())
		// Polls at 1, 3 and 7 s answer 404; the one at 15 s finds the export done.
		assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}, m.clock.Sleeps())
		seen := m.Seen()
		require.Len(t, seen, 6, "export, 4 polls, download")
		for _, r := range seen {
			assertSigned(t, r)
		}
	})

	t.Run("404 after the grace period", func(t *testing.T) {
		t.Parallel()
		c, m := newMockClient(t, freshExport(t, -1, archive))
		var out bytes.Buffer
		export, n, err := exportAndDownload(c, context.Background(), testServerID, &out, opts...)
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrNotFound)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "GetLogExport", apiErr.Operation)
		assert.Equal(t, "CLOUDDC.0404", apiErr.Code)
		var reqErr *RequestError
		require.ErrorAs(t, err, &reqErr)
		assert.Equal(t, "ExportAndDownload", reqErr.Operation)
		// Polls at 1, 3, 7, 15, 23 and 31 s; only the last is past the 30 s.
		assert.EqualError(t, err, "baremetal: ExportAndDownload: export 1 of server "+testServerID+
			" still not found 31s after it started: "+apiErr.Error())
		assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second, 8 * time.Second}, m.clock.Sleeps())
		assert.Equal(t, "1", export.ID, "the export as it started")
		assert.Zero(t, n)
		assert.Zero(t, out.Len())
		assert.Len(t, m.Seen(), 7, "export and 6 polls, no download")
		assert.Equal(t, 30*time.Second, GracePeriod)
	})

	t.Run("other errors end the wait at once", func(t *testing.T) {
		t.Parallel()
		c, m := newMockClient(t, func(_ int, r *seenRequest) *http.Response {
			if r.Method == http.MethodPost {
				return reply(http.StatusAccepted, []byte(pollRunning))
			}
			return reply(http.StatusForbidden, []byte(`{"error_code":"APIG.0302","error_msg":"not authorized"}`))
		})
		_, _, err := exportAndDownload(c, context.Background(), testServerID, &bytes.Buffer{}, opts...)
		assert.ErrorIs(t, err, ErrForbidden)
		assert.Len(t, m.Seen(), 2, "export and one poll")
	})
}
