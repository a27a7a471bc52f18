package css

import (
	"context"
	"errors"
	"fmt"
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
	// LogBackups and LogBackupPages when Limit is 0.
	MaxListLimit = 1000
	// MaxOffset is the largest offset the service documents (offset 1..1000). The
	// client sends larger ones; a service that refuses one answers 400, and the error
	// then wraps ErrOffsetCeiling.
	MaxOffset = 1000
)

// ErrOffsetCeiling is wrapped by the error of a listing whose offset, above MaxOffset,
// the service refused (400): the jobs from there on cannot be listed with this filter.
// The error also wraps the service's *APIError.
var ErrOffsetCeiling = errors.New("beyond the documented offset ceiling of 1000")

// LogBackup is one log backup job of a cluster.
type LogBackup struct {
	// ID identifies the job record (a UUID).
	ID string
	// ClusterID is the cluster whose logs were backed up.
	ClusterID string
	// JobID is the ID of the job that created the record (32 hex digits); it is what
	// WaitForLogBackup takes.
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
	// documents a ceiling of MaxOffset; the client leaves that check to the service. To
	// resume an iteration after an error, set it to the NextOffset of the last page
	// received.
	Offset int
	// Limit is the number of jobs per page, 1..1000; 0 means 10 for ListLogBackups and
	// 1000 for LogBackups and LogBackupPages. The service may send fewer.
	Limit int
	// Status filters by outcome; empty lists every job.
	Status StatusFilter
}

// ListLogBackupsResponse is one page of log backup jobs, in the service's order
// (newest first as observed; the documentation does not say).
type ListLogBackupsResponse struct {
	// Records are the jobs of the page.
	Records []LogBackup
	// Total is the number of jobs matching the request across all pages, from the
	// reply's totalSize; nil when the reply has none (the documented example has none).
	Total *int
	// NextOffset is the position of the job after this page: the request's offset
	// plus len(Records). Set ListLogBackupsRequest.Offset to it to fetch the next page,
	// or to resume LogBackupPages or LogBackups after an error.
	NextOffset int
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// listLogBackupsJSON is the wire form of ListLogBackupsResponse.
type listLogBackupsJSON struct {
	ClusterLogRecord []logBackupJSON `json:"clusterLogRecord"`
	TotalSize        *int            `json:"totalSize"`
}

// ListLogBackups returns one page of a cluster's log backup jobs, manual and automatic.
// The position is sent as offset, as documented, or as start once an iterator of this
// Client found that the service honours only start. A 400 for an offset above
// MaxOffset is an error wrapping ErrOffsetCeiling.
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
	return c.listPageWith(ctx, op, req, req.Offset, req.Limit, c.positionParam(), opts)
}

// validateList checks the fields of a ListLogBackupsRequest.
func (c *Client) validateList(op string, req *ListLogBackupsRequest) error {
	o := c.c.Op(op)
	if err := o.ID("ClusterID", req.ClusterID); err != nil {
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

// Query parameters that carry the position of a page's first job: the documented one,
// and the one Huawei's Terraform provider sends.
const (
	paramOffset = "offset"
	paramStart  = "start"
)

// positionParam is the parameter the client sends the position in.
func (c *Client) positionParam() string {
	if c.useStart.Load() {
		return paramStart
	}
	return paramOffset
}

// otherParam is the position parameter that is not p.
func otherParam(p string) string {
	if p == paramStart {
		return paramOffset
	}
	return paramStart
}

// listPageWith fetches the page at offset (0: 1) of limit (0: DefaultListLimit) jobs
// matching req, which has been validated, sending the position in param.
func (c *Client) listPageWith(ctx context.Context, op string, req *ListLogBackupsRequest, offset, limit int, param string, opts []Option) (*ListLogBackupsResponse, error) {
	offset = max(offset, 1)
	if limit == 0 {
		limit = DefaultListLimit
	}
	q := url.Values{
		param:   {strconv.Itoa(offset)},
		"limit": {strconv.Itoa(limit)},
	}
	if req.Status != "" {
		q.Set("status", string(req.Status))
	}
	var out listLogBackupsJSON
	meta, err := c.do(ctx, op, http.MethodGet, "/logs/records", req.ClusterID, q, nil, &out, opts)
	if err != nil {
		var apiErr *APIError
		if offset > MaxOffset && errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest {
			return nil, fmt.Errorf("css: %s: offset %d refused, %w: %w", op, offset, ErrOffsetCeiling, err)
		}
		return nil, err
	}
	resp := &ListLogBackupsResponse{
		Records:          make([]LogBackup, len(out.ClusterLogRecord)),
		Total:            out.TotalSize,
		NextOffset:       offset + len(out.ClusterLogRecord),
		ResponseMetadata: meta,
	}
	for i := range out.ClusterLogRecord {
		resp.Records[i] = out.ClusterLogRecord[i].logBackup()
	}
	return resp, nil
}

// LogBackupPages iterates over the pages of a cluster's log backup jobs, starting at
// req.Offset and asking for req.Limit jobs per page (1000 when Limit is 0). Pages are
// fetched lazily, one at a time, and each has at least one job. req is not modified.
//
// A page shorter than asked for is not the end while the reported total says more
// jobs remain (the service may cap its pages); the iteration ends on an empty page or
// when the total is reached, and, when the total is absent or 0, only on an empty page.
//
// The documentation and the official SDKs send the position as offset; Huawei's
// Terraform provider sends it as start. When a page repeats the page before it, the
// page is asked for once more with the other parameter, and the Client keeps to the
// one that worked for its later calls. Until the Client has seen its parameter
// honoured, an iteration that starts past the first job (a resumed one) also reads
// the first job once, so that a service ignoring the parameter cannot pass the head of
// the list off as the page asked for. A service that honours neither yields an error
// wrapping ErrPaginationStalled. A service that refuses an offset above MaxOffset
// (400) yields an error wrapping ErrOffsetCeiling after every job before it.
//
// An error is yielded once and ends the iteration. To resume after it, set req.Offset
// to the NextOffset of the last page received (or keep req.Offset when none was) and
// call LogBackupPages again.
//
// API: GET /v1.0/{project_id}/clusters/{cluster_id}/logs/records
func (c *Client) LogBackupPages(ctx context.Context, req *ListLogBackupsRequest, opts ...Option) iter.Seq2[*ListLogBackupsResponse, error] {
	const op = "ListLogBackups"
	r, err := c.validatedCopy(op, req)
	if err != nil {
		return func(yield func(*ListLogBackupsResponse, error) bool) { yield(nil, err) }
	}
	return func(yield func(*ListLogBackupsResponse, error) bool) {
		c.logBackupPager(op, "LogBackupPages", r, opts).Pages(ctx)(yield)
	}
}

// LogBackups iterates over a cluster's log backup jobs, in the service's order,
// starting at req.Offset and fetching req.Limit jobs per request (1000 when Limit is
// 0). It yields the jobs of the pages of LogBackupPages, and ends as that does: on an
// empty page or the reported total reached, never on a merely short page; an error
// (ErrPaginationStalled for a service that ignores the position, ErrOffsetCeiling for
// one that refuses an offset above MaxOffset) is yielded once and ends it. To resume
// after an error, use LogBackupPages, whose pages carry the position to resume from.
// req is not modified.
//
// API: GET /v1.0/{project_id}/clusters/{cluster_id}/logs/records
func (c *Client) LogBackups(ctx context.Context, req *ListLogBackupsRequest, opts ...Option) iter.Seq2[LogBackup, error] {
	const op = "ListLogBackups"
	r, err := c.validatedCopy(op, req)
	if err != nil {
		return func(yield func(LogBackup, error) bool) { yield(LogBackup{}, err) }
	}
	return func(yield func(LogBackup, error) bool) {
		c.logBackupPager(op, "LogBackups", r, opts).All(ctx)(yield)
	}
}

// validatedCopy validates req and returns a copy of it, so that a caller changing req
// later does not change an iteration.
func (c *Client) validatedCopy(op string, req *ListLogBackupsRequest) (*ListLogBackupsRequest, error) {
	if req == nil {
		return nil, c.errNilRequest(op)
	}
	if err := c.validateList(op, req); err != nil {
		return nil, err
	}
	r := *req
	return &r, nil
}

// logBackupPager returns the pager of one walk through the jobs of r, which has been
// validated. walk names the iterator an Observer sees; "" observes only the pages.
func (c *Client) logBackupPager(op, walk string, r *ListLogBackupsRequest, opts []Option) page.Pager[*ListLogBackupsResponse, LogBackup] {
	limit := r.Limit
	if limit == 0 {
		limit = MaxListLimit
	}
	// used is the parameter the last Fetch sent: Fetch sends the one the client has
	// settled on; Refetch, after a repeated page, the other one, which the client keeps
	// when it brought a new page. A third fetch means the second page was new: the
	// parameter is honoured.
	var used string
	fetches := 0
	p := page.Pager[*ListLogBackupsResponse, LogBackup]{
		Base:  1,
		Start: max(r.Offset, 1),
		Limit: limit,
		Fetch: func(ctx context.Context, offset, limit int) (*ListLogBackupsResponse, error) {
			if fetches++; fetches >= 3 {
				c.positionChecked.Store(true)
			}
			used = c.positionParam()
			resp, err := c.listPageWith(ctx, op, r, offset, limit, used, opts)
			if err != nil || fetches > 1 || offset == 1 || len(resp.Records) == 0 || c.positionChecked.Load() {
				return resp, err
			}
			return c.checkPosition(ctx, op, r, resp, offset, limit, &used, opts)
		},
		Refetch: func(ctx context.Context, offset, limit int) (*ListLogBackupsResponse, func(), error) {
			param := otherParam(used)
			resp, err := c.listPageWith(ctx, op, r, offset, limit, param, opts)
			keep := func() {
				c.useStart.Store(param == paramStart)
				c.positionChecked.Store(true)
			}
			return resp, keep, err
		},
		Records: func(p *ListLogBackupsResponse) []LogBackup { return p.Records },
		Total:   func(p *ListLogBackupsResponse) *int { return p.Total },
		Key:     logBackupKey,
		Prefix:  "css: " + op,
	}
	if walk != "" {
		p.Observe = c.c.Starter(walk, hcloud.KindIterator, hcloud.Apply(opts))
	}
	return p
}

// checkPosition makes sure that resp, the first page of a walk that starts past the
// first job (at offset, sent in *used), is not the head of the list served by a
// service that ignores *used: it compares resp with the first job. When they match, it
// asks for the page again with the other parameter, keeps that one for the client when
// it works, and returns an error wrapping ErrPaginationStalled when neither does.
func (c *Client) checkPosition(ctx context.Context, op string, r *ListLogBackupsRequest, resp *ListLogBackupsResponse, offset, limit int, used *string, opts []Option) (*ListLogBackupsResponse, error) {
	head, err := c.listPageWith(ctx, op, r, 1, 1, *used, opts)
	if err != nil {
		return nil, err
	}
	if len(head.Records) == 0 || logBackupKey(head.Records[0]) != logBackupKey(resp.Records[0]) {
		c.positionChecked.Store(true)
		return resp, nil
	}
	param := otherParam(*used)
	again, err := c.listPageWith(ctx, op, r, offset, limit, param, opts)
	if err != nil {
		return nil, err
	}
	if len(again.Records) > 0 && logBackupKey(again.Records[0]) == logBackupKey(head.Records[0]) {
		return nil, fmt.Errorf("css: %s: %w (offset %d: the service honours neither offset nor start)", op, ErrPaginationStalled, offset)
	}
	c.useStart.Store(param == paramStart)
	c.positionChecked.Store(true)
	*used = param
	return again, nil
}

// logBackupKey identifies a job for stall detection; records without an ID fall back
// to their job ID and creation time.
func logBackupKey(b LogBackup) string {
	if b.ID != "" {
		return b.ID
	}
	return b.JobID + "@" + strconv.FormatInt(b.CreatedAt.UnixMilli(), 10)
}
