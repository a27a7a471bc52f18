// Package baremetal is a client for the log export API of CloudDC physical servers
// (bare-metal "imetal" servers, API v1): start an asynchronous export of a server's
// logs, poll it, and stream the resulting tar.gz archive.
//
// ExportAndDownload runs the whole workflow into an io.Writer with constant memory
// and a progress callback. The fake server in package baremetaltest answers the same
// routes on loopback, for tests and examples.
package baremetal

import (
	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
)

// Client calls the CloudDC log export API. It is safe for concurrent use.
type Client struct {
	c *core.Client
}

// New returns a Client for cfg. The endpoint is https://clouddc.{Region}.myhuaweicloud.com
// unless cfg.Endpoint overrides it.
func New(cfg Config) (*Client, error) {
	c, err := core.NewClient(core.ServiceBareMetal, cfg)
	if err != nil {
		return nil, err
	}
	return &Client{c: c}, nil
}
