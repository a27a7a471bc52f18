// Package dws is a client for the audit-log dump records of Huawei Cloud DWS (Data
// Warehouse Service, API v1.0).
//
// DWS dumps the audit logs of a cluster to an OBS bucket. ListAuditLogRecords lists
// those dumps for one cluster: when each ran, which interval it covered, where in OBS
// it wrote, and its result.
//
// The listing has no pagination: the service returns every record of the cluster in one
// reply, with their number in Total, so there is no iterator. Nor is there an operation
// that triggers a dump: the service produces them on its own and the API only reads them
// (the official Huawei Cloud SDK, v0.1.207, has none either).
//
// A minimal call:
//
//	cfg, err := config.Load(ctx)
//	if err != nil { ... }
//	client, err := dws.New(cfg)
//	if err != nil { ... }
//	resp, err := client.ListAuditLogRecords(ctx, &dws.ListAuditLogRecordsRequest{
//		ClusterID: "a07cb2f7-b17e-4d95-923b-a33d0c884d37",
//	})
//
// Errors are *APIError (a reply of the service, matched by errors.Is against
// ErrNotFound and the other sentinels), *RequestError (no usable reply) or
// *ValidationError (refused before sending). The package dwstest provides a fake DWS
// server for tests.
package dws

import "github.com/hcloudlogs/hcloudlogs-go/internal/core"

// Client calls the DWS API. It is safe for concurrent use.
type Client struct {
	c *core.Client
}

// New returns a Client for cfg. The endpoint is derived from cfg.Region
// (https://dws.{region}.myhuaweicloud.com, with the .eu and .cn exceptions of the
// official SDK) unless cfg.Endpoint is set.
func New(cfg Config) (*Client, error) {
	c, err := core.NewClient(core.ServiceDWS, cfg)
	if err != nil {
		return nil, err
	}
	return &Client{c: c}, nil
}
