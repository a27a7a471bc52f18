package dws

import (
	"context"
	"net/http"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/internal/wire"
)

// AuditResult is the result of an audit-log dump as the service reports it.
// Only AuditResultRunning is documented; the service may send other values (a
// finished or failed dump), which are kept as-is.
type AuditResult string

// AuditResultRunning is the documented result of a dump in progress.
const AuditResultRunning AuditResult = "RUNNING"

// AuditLogRecord is one audit-log dump of a cluster.
type AuditLogRecord struct {
	// ClusterID is the cluster whose audit logs were dumped.
	ClusterID string
	// ExecutedAt is when the dump ran (executor_time). The service sends it without a
	// zone; it is read as UTC.
	ExecutedAt time.Time
	// BeginTime is the start of the dumped interval, read as UTC when zone-less.
	BeginTime time.Time
	// EndTime is the end of the dumped interval, read as UTC when zone-less.
	EndTime time.Time
	// BucketName is the OBS bucket the logs were dumped to.
	BucketName string
	// LocationPrefix is the OBS object prefix of the dumped logs.
	LocationPrefix string
	// Result is the dump's result, e.g. AuditResultRunning.
	Result AuditResult
	// FailedReason says why the dump failed; empty otherwise.
	FailedReason string
}

// ListAuditLogRecordsRequest selects the cluster whose audit-log dumps are listed.
type ListAuditLogRecordsRequest struct {
	// ClusterID is the DWS cluster ID, a 36-character UUID such as
	// "a07cb2f7-b17e-4d95-923b-a33d0c884d37". Required.
	ClusterID string
}

// ListAuditLogRecordsResponse holds every audit-log dump record of a cluster.
type ListAuditLogRecordsResponse struct {
	// ClusterID is the cluster the records belong to, as the service reports it.
	ClusterID string
	// Total is the number of records of the cluster as the service reports it, from
	// the reply's count; nil when the reply has none (then len(Records) is all there
	// is). It is the service's figure, not recomputed, even where it disagrees with
	// len(Records).
	Total *int
	// Records are the dump records in the order the service sent them; never nil.
	Records []AuditLogRecord
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// ListAuditLogRecords lists the audit-log dump records of a cluster. The service returns
// them all in one reply (there is no pagination).
//
// API: GET /v1.0/{project_id}/clusters/{cluster_id}/audit-log-records
func (c *Client) ListAuditLogRecords(ctx context.Context, req *ListAuditLogRecordsRequest, opts ...Option) (*ListAuditLogRecordsResponse, error) {
	const name = "ListAuditLogRecords"
	op := c.c.Op(name)
	if req == nil {
		return nil, op.NilRequest()
	}
	if err := op.ID("ClusterID", req.ClusterID); err != nil {
		return nil, err
	}
	var out auditLogRecordsWire
	meta, err := c.c.Do(ctx, &core.Call{
		Options: hcloud.Apply(opts),
		Op:      name,
		Method:  http.MethodGet,
		Path:    "/v1.0/{project_id}/clusters/{ClusterID}/audit-log-records",
		Params:  []string{req.ClusterID},
	}, &out)
	if err != nil {
		return nil, err
	}
	resp := &ListAuditLogRecordsResponse{
		ClusterID:        out.ClusterID,
		Total:            out.Count,
		Records:          make([]AuditLogRecord, len(out.Records)),
		ResponseMetadata: meta,
	}
	for i, r := range out.Records {
		resp.Records[i] = r.record()
	}
	return resp, nil
}

// auditLogRecordsWire is the JSON reply of ListAuditLogRecords.
type auditLogRecordsWire struct {
	Records   []auditLogRecordWire `json:"records"`
	ClusterID string               `json:"cluster_id"`
	Count     *int                 `json:"count"`
}

// auditLogRecordWire is one record as the service sends it.
type auditLogRecordWire struct {
	ClusterID      string    `json:"cluster_id"`
	ExecutorTime   wire.Time `json:"executor_time"`
	BeginTime      wire.Time `json:"begin_time"`
	EndTime        wire.Time `json:"end_time"`
	BucketName     string    `json:"bucket_name"`
	LocationPrefix string    `json:"location_prefix"`
	Result         string    `json:"result"`
	FailedReason   string    `json:"failed_reason"`
}

func (r auditLogRecordWire) record() AuditLogRecord {
	return AuditLogRecord{
		ClusterID:      r.ClusterID,
		ExecutedAt:     r.ExecutorTime.Time,
		BeginTime:      r.BeginTime.Time,
		EndTime:        r.EndTime.Time,
		BucketName:     r.BucketName,
		LocationPrefix: r.LocationPrefix,
		Result:         AuditResult(r.Result),
		FailedReason:   r.FailedReason,
	}
}
