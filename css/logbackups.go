package css

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/internal/page"
	"github.com/hcloudlogs/hcloudlogs-go/internal/wire"
)

// Paging bounds of ListLogBackups.
const (
	// DefaultListLimit is the page size ListLogBackups asks for when Limit is 0.
	DefaultListLimit = 10
	// MaxListLimit is the largest page ListLogBackups accepts, and the page size of
	// LogBackups when Limit is 0.
	MaxListLimit = 1000
)

// LogBackup is one log backup job of a cluster.
type LogBackup struct {
	// ID identifies the job record (a UUID).
	ID string
	// ClusterID is the cluster whose logs were backed up.
	ClusterID string
	// JobID is the ID of the job that created the record (32 hex digits).
	JobID string
	// CreatedAt is when the job started.
	CreatedAt time.Time
	// FinishedAt is when the job ended; the zero time while it runs.
	FinishedAt time.Time
	// LogPath is where the logs went in the OBS bucket, e.g. "css-backup-1610678043608/css/log".
	LogPath string
	// Status is RUNNING, SUCCESS or FAIL.
	Status LogBackupStatus
	// JobType says whether the job was started by hand (Manual) or by the policy (Auto).
	JobType JobType
	// FailedMessage is the service's error text when Status is FAIL.
	FailedMessage string
}

// logBackupJSON is a LogBackup as the service sends it: createAt arrives as Unix
// milliseconds, a JSON number in the documented example and a string in the SDK model.
type logBackupJSON struct {
	ID         string          `json:"id"`
	ClusterID  string          `json:"clusterId"`
	CreateAt   wire.Time       `json:"createAt"`
	LogPath    string          `json:"logPath"`
	Status     LogBackupStatus `json:"status"`
	FinishedAt wire.Time       `json:"finishedAt"`
	JobTypes   JobType         `json:"jobTypes"`
	FailedMsg  *string         `json:"failedMsg"`
	JobID      string          `json:"jobId"`
}

func (j *logBackupJSON) logBackup() LogBackup {
	b := LogBackup{
		ID:         j.ID,
		ClusterID:  j.ClusterID,
		JobID:      j.JobID,
		CreatedAt:  j.CreateAt.Time,
		FinishedAt: j.FinishedAt.Time,
		LogPath:    j.LogPath,
		Status:     j.Status,
		JobType:    j.JobTypes,
	}
	if j.FailedMsg != nil {
		b.FailedMessage = *j.FailedMsg
	}
	return b
}

// CreateLogBackupRequest names the cluster whose logs CreateLogBackup backs up.
type CreateLogBackupRequest struct {
	// ClusterID is the cluster; it must have log backup enabled (see EnableLogBackup).
	ClusterID string
}

// CreateLogBackupResponse is the reply of CreateLogBackup. The service returns no job
// ID: find the job with ListLogBackups, or use BackupLogs, which does that for you.
type CreateLogBackupResponse struct {
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// CreateLogBackup starts a manual log backup job: the cluster's logs are copied to
// its OBS bucket. The service answers 409 while a job runs and 412 when log backup is
// disabled.
//
// API: POST /v1.0/{project_id}/clusters/{cluster_id}/logs/collect
func (c *Client) CreateLogBackup(ctx context.Context, req *CreateLogBackupRequest, opts ...Option) (*CreateLogBackupResponse, error) {
	const op = "CreateLogBackup"
	if req == nil {
		return nil, c.errNilRequest(op)
	}
	meta, err := c.do(ctx, op, http.MethodPost, "/logs/collect", req.ClusterID, nil, nil, nil, opts)
	if err != nil {
		return nil, err
	}
	return &CreateLogBackupResponse{ResponseMetadata: meta}, nil
}

// ListLogBackupsRequest selects a page of a cluster's log backup jobs.
type ListLogBackupsRequest struct {
	// ClusterID is the cluster.
	ClusterID string
	// Offset is the 1-based position of the first job to return; 0 means 1. The service
	// documents a ceiling of 1000; the client leaves that check to the service.
	Offset int
	// Limit is the number of jobs per page, 1..1000; 0 means 10 for ListLogBackups and
	// 1000 for LogBackups.
	Limit int
	// Status filters by outcome; empty lists every job.
	Status StatusFilter
}

// ListLogBackupsResponse is one page of log backup jobs, newest first.
type ListLogBackupsResponse struct {
	// Records are the jobs of the page.
	Records []LogBackup
	// TotalSize is the number of jobs matching the request; 0 when the service does not
	// report it.
	TotalSize int
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// listLogBackupsJSON is the wire form of ListLogBackupsResponse.
type listLogBackupsJSON struct {
	ClusterLogRecord []logBackupJSON `json:"clusterLogRecord"`
	TotalSize        *int            `json:"totalSize"`
}

// ListLogBackups returns one page of a cluster's log backup jobs, manual and automatic.
//
// API: GET /v1.0/{project_id}/clusters/{cluster_id}/logs/records
func (c *Client) ListLogBackups(ctx context.Context, req *ListLogBackupsRequest, opts ...Option) (*ListLogBackupsResponse, error) {
	const op = "ListLogBackups"
	if req == nil {
		return nil, c.errNilRequest(op)
	}
	if err := c.validateList(op, req); err != nil {
		return nil, err
	}
	resp, _, err := c.listPage(ctx, op, req, req.Offset, req.Limit, opts)
	return resp, err
}

// validateList checks the fields of a ListLogBackupsRequest.
func (c *Client) validateList(op string, req *ListLogBackupsRequest) error {
	o := c.c.Op(op)
	if err := o.Required("ClusterID", req.ClusterID); err != nil {
		return err
	}
	if req.Offset != 0 {
		if err := o.Min("Offset", req.Offset, 1); err != nil {
			return err
		}
	}
	if req.Limit != 0 {
		if err := o.Range("Limit", req.Limit, 1, MaxListLimit); err != nil {
			return err
		}
	}
	return o.OneOf("Status", string(req.Status), string(StatusFilterFailed), string(StatusFilterNotFailed))
}

// listPage fetches the page at offset (0: 1) of limit (0: DefaultListLimit) jobs
// matching req, which has been validated. It also returns the reported total, or -1.
func (c *Client) listPage(ctx context.Context, op string, req *ListLogBackupsRequest, offset, limit int, opts []Option) (*ListLogBackupsResponse, int, error) {
	if offset == 0 {
		offset = 1
	}
	if limit == 0 {
		limit = DefaultListLimit
	}
	q := url.Values{
		"offset": {strconv.Itoa(offset)},
		"limit":  {strconv.Itoa(limit)},
	}
	if req.Status != "" {
		q.Set("status", string(req.Status))
	}
	var out listLogBackupsJSON
	meta, err := c.do(ctx, op, http.MethodGet, "/logs/records", req.ClusterID, q, nil, &out, opts)
	if err != nil {
		return nil, 0, err
	}
	resp := &ListLogBackupsResponse{
		Records:          make([]LogBackup, len(out.ClusterLogRecord)),
		ResponseMetadata: meta,
	}
	for i := range out.ClusterLogRecord {
		resp.Records[i] = out.ClusterLogRecord[i].logBackup()
	}
	total := -1
	if out.TotalSize != nil {
		resp.TotalSize = *out.TotalSize
		total = *out.TotalSize
	}
	return resp, total, nil
}

// LogBackups iterates over a cluster's log backup jobs, newest first, starting at
// req.Offset and fetching req.Limit jobs per request (1000 when Limit is 0). Pages are
// fetched lazily, one at a time. The iteration ends after a short or empty page or
// when the reported total is reached; an error is yielded once and ends it, and a page
// that starts with the same job as the one before (a service ignoring the offset)
// yields an error wrapping ErrPaginationStalled. req is not modified.
//
// API: GET /v1.0/{project_id}/clusters/{cluster_id}/logs/records
func (c *Client) LogBackups(ctx context.Context, req *ListLogBackupsRequest, opts ...Option) iter.Seq2[LogBackup, error] {
	const op = "ListLogBackups"
	var err error
	if req == nil {
		err = c.errNilRequest(op)
	} else {
		err = c.validateList(op, req)
	}
	if err != nil {
		return func(yield func(LogBackup, error) bool) { yield(LogBackup{}, err) }
	}
	r := *req
	start := max(r.Offset, 1)
	limit := r.Limit
	if limit == 0 {
		limit = MaxListLimit
	}
	return page.Pager[LogBackup]{
		Start: start,
		Limit: limit,
		Key:   logBackupKey,
		Fetch: func(ctx context.Context, offset, limit int) ([]LogBackup, int, error) {
			resp, total, err := c.listPage(ctx, op, &r, offset, limit, opts)
			if err != nil {
				return nil, 0, err
			}
			if total > 0 {
				// The total counts every matching job; the pager counts from Start.
				total = max(total-(start-1), 0)
			} else {
				total = -1
			}
			return resp.Records, total, nil
		},
		Prefix:  "css: " + op,
		Observe: c.c.Starter("LogBackups", hcloud.KindIterator, hcloud.Apply(opts)),
	}.All(ctx)
}

// logBackupKey identifies a job for stall detection; records without an ID fall back
// to their job ID and creation time.
func logBackupKey(b LogBackup) string {
	if b.ID != "" {
		return b.ID
	}
	return b.JobID + "@" + strconv.FormatInt(b.CreatedAt.UnixMilli(), 10)
}
