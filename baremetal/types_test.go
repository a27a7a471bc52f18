package baremetal

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLogExportUnreadablePercentage: a percentage that is not one ("N/A", -1, an
// object) does not fail the reply: Percent is -1 and PercentText keeps what was sent.
// The ID and the status stay strict.
func TestLogExportUnreadablePercentage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ percentage, text string }{
		{`"N/A"`, "N/A"},
		{`-1`, "-1"},
		{`"130%"`, "130%"},
		{`{"done":3}`, `{"done":3}`},
	} {
		t.Run(tc.text, func(t *testing.T) {
			t.Parallel()
			c, _ := newMockClient(t, func(int, *seenRequest) *http.Response {
				return reply(http.StatusOK, []byte(`{"export_id":"1","status":"processing","percentage":`+tc.percentage+`}`))
			})
			resp, err := c.GetLogExport(context.Background(), &GetLogExportRequest{ServerID: testServerID, ExportID: "1"})
			require.NoError(t, err)
			assert.Equal(t, LogExport{ID: "1", Status: ExportStatusProcessing, Percent: -1, PercentText: tc.text}, resp.LogExport)
		})
	}
	for name, body := range map[string]string{
		"numeric export_id": `{"export_id":1,"status":"processing","percentage":"N/A"}`,
		"numeric status":    `{"export_id":"1","status":2,"percentage":"30%"}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, _ := newMockClient(t, func(int, *seenRequest) *http.Response { return reply(http.StatusOK, []byte(body)) })
			_, err := c.GetLogExport(context.Background(), &GetLogExportRequest{ServerID: testServerID, ExportID: "1"})
			assert.ErrorContains(t, err, "decode response")
		})
	}
}

// TestExportAndDownloadUnreadablePercentage: an export whose percentage reads "N/A"
// while it runs is waited for and downloaded, not aborted.
func TestExportAndDownloadUnreadablePercentage(t *testing.T) {
	t.Parallel()
	notANumber := `{"export_id":"1","status":"processing","percentage":"N/A"}`
	archive := []byte("\x1f\x8b archive")
	w := &workflow{t: t, export: notANumber, polls: []string{notANumber, pollCompleted}, archive: archive}
	c, _ := newMockClient(t, w.respond)
	var percents []int
	var out bytes.Buffer
	export, n, err := exportAndDownload(c, context.Background(), testServerID, &out, hcloud.WithMinDelay(time.Second),
		hcloud.WithProgress(func(p hcloud.Progress) {
			if p.Phase == hcloud.PhaseWaiting {
				percents = append(percents, p.Percent)
			}
		}))
	require.NoError(t, err)
	assert.True(t, export.Status.Done())
	assert.Equal(t, int64(len(archive)), n)
	assert.Equal(t, archive, out.Bytes())
	assert.Equal(t, []int{-1, -1, 100}, percents)
}
