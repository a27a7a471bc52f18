package hss

import (
	"context"
	"iter"
	"net/http"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/internal/page"
	"github.com/hcloudlogs/hcloudlogs-go/internal/wire"
)

// ListBackupTasksRequest selects a page of backup and restoration tasks.
type ListBackupTasksRequest struct {
	// EnterpriseProjectID limits the tasks to one enterprise project (at most 256
	// characters); "all_granted_eps" means every project. Empty: the service default
	// ("0", the default enterprise project).
	EnterpriseProjectID string
	// Status keeps only tasks in this state; empty keeps all.
	Status TaskStatus
	// ResourceName keeps only tasks of the server with this name.
	ResourceName string
	// LastDays keeps only tasks of the last 1..30 days; 0 sends no limit.
	LastDays int
	// Offset is the 0-based position of the first task to return. To resume an
	// iteration after an error, set it to the NextOffset of the last page received.
	Offset int
	// Limit is the page size, 10..200; 0 sends the default, 10 (200 for BackupTasks and
	// BackupTaskPages). The service may send fewer.
	Limit int
}

// ListBackupTasksResponse is one page of backup and restoration tasks.
type ListBackupTasksResponse struct {
	// Total is the number of tasks matching the request across all pages, from the
	// reply's total_num; nil when the reply has none. The iterators treat a total of 0
	// as unknown, as a service may send 0 when it does not count.
	Total *int
	// Tasks are the tasks of this page.
	Tasks []BackupTask
	// NextOffset is the position of the task after this page: the request's offset
	// plus len(Tasks). Set ListBackupTasksRequest.Offset to it to fetch the next page,
	// or to resume BackupTaskPages or BackupTasks after an error.
	NextOffset int
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// BackupTask is one backup or restoration task of a host.
type BackupTask struct {
	// HostID is the ID of the server.
	HostID string
	// HostName is the name of the server.
	HostName string
	// BackupName is the name of the backup.
	BackupName string
	// Progress is the task's progress in percent, 0..100 (process on the wire), or -1
	// when the service sent something that is not a percentage (e.g. -1 or "N/A"): the
	// task is listed all the same, and ProgressText holds what was sent.
	Progress int
	// ProgressText is process as the service sent it when it is not a percentage
	// (Progress is then -1); empty otherwise.
	ProgressText string
	// Status is the task's state.
	Status TaskStatus
	// StartedAt is when the task started.
	StartedAt time.Time
	// EndedAt is when the task ended (ended_at, or updated_at when the service sends
	// that instead, as its documentation example does); zero while it runs.
	EndedAt time.Time
	// UpdatedAt is when the service last updated the task (updated_at); zero when the
	// reply has none.
	UpdatedAt time.Time
	// ErrorCode is the error code of a failed task; empty otherwise.
	ErrorCode string
	// ErrorMessage is the error message of a failed task; empty otherwise.
	ErrorMessage string
}

// backupTaskWire is OperationLogInfo as the service sends it.
type backupTaskWire struct {
	HostID     string        `json:"host_id"`
	HostName   string        `json:"host_name"`
	BackupName string        `json:"backup_name"`
	Process    wire.Progress `json:"process"`
	Status     string        `json:"status"`
	StartedAt  wire.Time     `json:"started_at"`
	EndedAt    wire.Time     `json:"ended_at"`
	UpdatedAt  wire.Time     `json:"updated_at"`
	ErrorInfo  *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error_info"`
}

func (w *backupTaskWire) task() BackupTask {
	t := BackupTask{
		HostID:       w.HostID,
		HostName:     w.HostName,
		BackupName:   w.BackupName,
		Progress:     w.Process.Percent,
		ProgressText: w.Process.Text,
		Status:       TaskStatus(w.Status),
		StartedAt:    w.StartedAt.Time,
		EndedAt:      w.EndedAt.Time,
		UpdatedAt:    w.UpdatedAt.Time,
	}
	if t.EndedAt.IsZero() {
		t.EndedAt = w.UpdatedAt.Time
	}
	if w.ErrorInfo != nil {
		t.ErrorCode, t.ErrorMessage = w.ErrorInfo.Code, w.ErrorInfo.Message
	}
	return t
}

// listBackupTasksWire is the reply of ListOperationLogsByVaultName.
type listBackupTasksWire struct {
	TotalNum *int             `json:"total_num"`
	DataList []backupTaskWire `json:"data_list"`
}

// ListBackupTasks lists one page of the ransomware backup and restoration tasks
// (ListOperationLogsByVaultName). Offset and limit are always sent, as the API
// requires them.
//
// API: GET /v5/{project_id}/ransomware/backup/operation-logs
func (c *Client) ListBackupTasks(ctx context.Context, req *ListBackupTasksRequest, opts ...Option) (*ListBackupTasksResponse, error) {
	if err := c.validateListBackupTasks(req); err != nil {
		return nil, err
	}
	return c.listBackupTasks(ctx, req, opts)
}

// listBackupTasks is ListBackupTasks for a validated request.
func (c *Client) listBackupTasks(ctx context.Context, req *ListBackupTasksRequest, opts []Option) (*ListBackupTasksResponse, error) {
	q := pagingQuery(req.Offset, req.Limit, req.EnterpriseProjectID, string(req.Status), req.LastDays)
	if req.ResourceName != "" {
		q.Set("resource_name", req.ResourceName)
	}
	var out listBackupTasksWire
	meta, err := c.c.Do(ctx, &core.Call{
		Options: hcloud.Apply(opts),
		Op:      "ListBackupTasks",
		Method:  http.MethodGet,
		Path:    "/v5/{project_id}/ransomware/backup/operation-logs",
		Query:   q,
	}, &out)
	if err != nil {
		return nil, err
	}
	resp := &ListBackupTasksResponse{
		Total:            out.TotalNum,
		Tasks:            make([]BackupTask, 0, len(out.DataList)),
		NextOffset:       req.Offset + len(out.DataList),
		ResponseMetadata: meta,
	}
	for i := range out.DataList {
		resp.Tasks = append(resp.Tasks, out.DataList[i].task())
	}
	return resp, nil
}

func (c *Client) validateListBackupTasks(req *ListBackupTasksRequest) error {
	op := c.c.Op("ListBackupTasks")
	if req == nil {
		return op.NilRequest()
	}
	if err := checkPaging(op, req.Offset, req.Limit, req.LastDays); err != nil {
		return err
	}
	if err := op.OneOf("Status", string(req.Status), taskStatuses()...); err != nil {
		return err
	}
	return checkText(op, "EnterpriseProjectID", req.EnterpriseProjectID, maxEnterpriseProjectID)
}

// BackupTaskPages iterates over the pages of the tasks matching req, from req.Offset
// on, asking for req.Limit tasks per page (200, the largest page, when Limit is 0).
// Pages are fetched lazily, one at a time, and each has at least one task. req is not
// modified.
//
// A page shorter than asked for is not the end while total_num says more tasks remain
// (the service may cap its pages); the iteration ends on an empty page or when the
// total is reached, and, when the total is absent or 0, only on an empty page. A page
// that repeats the page before it (a service ignoring the offset) yields an error
// wrapping ErrPaginationStalled.
//
// An error is yielded once and ends the iteration. To resume after it, set req.Offset
// to the NextOffset of the last page received (or keep req.Offset when none was) and
// call BackupTaskPages again.
//
// API: GET /v5/{project_id}/ransomware/backup/operation-logs
func (c *Client) BackupTaskPages(ctx context.Context, req *ListBackupTasksRequest, opts ...Option) iter.Seq2[*ListBackupTasksResponse, error] {
	if err := c.validateListBackupTasks(req); err != nil {
		return yieldErr[*ListBackupTasksResponse](err)
	}
	return c.backupTaskPager(*req, "BackupTaskPages", opts).Pages(ctx)
}

// BackupTasks iterates over every task matching req, from req.Offset on: the tasks of
// the pages of BackupTaskPages, fetched lazily one page at a time (200 tasks per page
// when Limit is 0). It ends as BackupTaskPages does, never on a merely short page
// while total_num says more remain; an error is yielded once and ends it
// (ErrPaginationStalled for a service that ignores the offset), and a break sends no
// further request. To resume after an error, use BackupTaskPages, whose pages carry
// the offset to resume from. req is not modified.
//
// API: GET /v5/{project_id}/ransomware/backup/operation-logs
func (c *Client) BackupTasks(ctx context.Context, req *ListBackupTasksRequest, opts ...Option) iter.Seq2[BackupTask, error] {
	if err := c.validateListBackupTasks(req); err != nil {
		return yieldErr[BackupTask](err)
	}
	return c.backupTaskPager(*req, "BackupTasks", opts).All(ctx)
}

// backupTaskPager is the pager of the tasks matching base, which has been validated.
func (c *Client) backupTaskPager(base ListBackupTasksRequest, walk string, opts []Option) page.Pager[*ListBackupTasksResponse, BackupTask] {
	return page.Pager[*ListBackupTasksResponse, BackupTask]{
		Base:  0,
		Start: base.Offset,
		Limit: pageSize(base.Limit),
		Fetch: func(ctx context.Context, offset, limit int) (*ListBackupTasksResponse, error) {
			r := base
			r.Offset, r.Limit = offset, limit
			return c.listBackupTasks(ctx, &r, opts)
		},
		Records: func(p *ListBackupTasksResponse) []BackupTask { return p.Tasks },
		Total:   func(p *ListBackupTasksResponse) *int { return p.Total },
		Key: func(t BackupTask) string {
			return t.HostID + "\x00" + t.BackupName + "\x00" + t.StartedAt.UTC().Format(time.RFC3339Nano)
		},
		Prefix:  "hss: ListBackupTasks",
		Observe: c.c.Starter(walk, hcloud.KindIterator, hcloud.Apply(opts)),
	}
}

// yieldErr is an iterator that yields err once.
func yieldErr[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
