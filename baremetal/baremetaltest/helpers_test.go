package baremetaltest_test

import (
	"context"
	"io"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
)

// exportAndDownload runs c.ExportAndDownload into w and returns the export (nil when
// it did not start) and the bytes written, for tests that check those after an error.
func exportAndDownload(c *baremetal.Client, ctx context.Context, serverID string, w io.Writer, opts ...baremetal.Option) (*baremetal.LogExport, int64, error) {
	resp, err := c.ExportAndDownload(ctx, &baremetal.ExportAndDownloadRequest{ServerID: serverID, Destination: w}, opts...)
	if resp == nil {
		return nil, 0, err
	}
	return &resp.Export, resp.Written, err
}
