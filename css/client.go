// Package css is a typed client for the log backup APIs of Huawei Cloud Search Service
// (CSS, API v1): trigger and list log backup jobs, read and change a cluster's log
// settings and automatic backup policy, and search a node's run logs.
//
// Every operation has the shape
//
//	func (c *Client) Op(ctx context.Context, req *OpRequest, opts ...Option) (*OpResponse, error)
//
// Requests are validated before anything is sent; replies that are not 2xx come back as
// *APIError. LogBackups pages through the job list lazily (LogBackupPages page by page,
// with the position to resume from), BackupLogs triggers a backup and waits for the job
// it created, and WaitForLogBackup waits for an existing job by its JobID. The package
// csstest next to this one is an in-memory fake of the service for tests and examples.
package css

import (
	"context"
	"net/url"
	"sync/atomic"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
)

// Client calls the CSS log APIs of one region and project. It is safe for concurrent
// use; create it once and share it.
type Client struct {
	c *core.Client
	// useStart is set once a listing found that the service honours the position
	// parameter start rather than offset.
	useStart atomic.Bool
	// positionChecked is set once a listing saw the service honour the parameter in
	// useStart; until then a listing that starts past the first job checks it.
	positionChecked atomic.Bool
}

// New returns a Client for cfg, or an error naming the first problem with cfg (no
// region or endpoint, not exactly one way to authenticate, ...).
func New(cfg Config) (*Client, error) {
	c, err := core.NewClient(core.ServiceCSS, cfg)
	if err != nil {
		return nil, err
	}
	return &Client{c: c}, nil
}

// errNilRequest is the validation error of an operation called with a nil request.
func (c *Client) errNilRequest(op string) error {
	return c.c.Op(op).NilRequest()
}

// clusterPath is the path prefix of every CSS log operation; {ClusterID} names the
// request field in validation errors.
const clusterPath = "/v1.0/{project_id}/clusters/{ClusterID}"

// do sends one call on a cluster's log resource (suffix, e.g. "/logs/collect") and
// decodes the JSON reply into out (nil: the body is discarded).
func (c *Client) do(ctx context.Context, op, method, suffix, clusterID string, q url.Values, body, out any, opts []Option) (core.Meta, error) {
	return c.c.Do(ctx, &core.Call{
		Options: hcloud.Apply(opts),
		Op:      op,
		Method:  method,
		Path:    clusterPath + suffix,
		Params:  []string{clusterID},
		Query:   q,
		Body:    body,
	}, out)
}
