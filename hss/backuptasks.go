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
	// Offset is the 0-based position of the first task to return.
	Offset int
	// Limit is the page size, 10..200; 0 sends the default, 10.
	Limit int
}

// ListBackupTasksResponse is one page of backup and restoration tasks.
type ListBackupTasksResponse struct {
	// Total is the number of tasks matching the request (total_num), across all pages.
	Total int
	// Tasks are the tasks of this page.
	Tasks []BackupTask
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
	// Progress is the task's progress in percent, 0..100 (process on the wire).
	Progress int
	// Status is the task's state.
	Status TaskStatus
	// StartedAt is when the task started.
	StartedAt time.Time
	// EndedAt is when the task ended (ended_at, or updated_at when the service sends
	// that instead, as its documentation example does); zero while it runs.
	EndedAt time.Time
	// ErrorCode is the error code of a failed task; empty otherwise.
	ErrorCode string
	// ErrorMessage is the error message of a failed task; empty otherwise.
	ErrorMessage string
}

// backupTaskWire is OperationLogInfo as the service sends it.
type backupTaskWire struct {
	HostID     string       `json:"host_id"`
	HostName   string       `json:"host_name"`
	BackupName string       `json:"backup_name"`
	Process    wire.Percent `json:"process"`
	Status     string       `json:"status"`
	StartedAt  wire.Time    `json:"started_at"`
	EndedAt    wire.Time    `json:"ended_at"`
	UpdatedAt  wire.Time    `json:"updated_at"`
	ErrorInfo  *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error_info"`
}

func (w *backupTaskWire) task() BackupTask {
	t := BackupTask{
		HostID:     w.HostID,
		HostName:   w.HostName,
		BackupName: w.BackupName,
		Progress:   int(w.Process),
		Status:     TaskStatus(w.Status),
		StartedAt:  w.StartedAt.Time,
		EndedAt:    w.EndedAt.Time,
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
	resp, _, err := c.listBackupTasks(ctx, req, opts)
	return resp, err
}

// listBackupTasks is ListBackupTasks that also reports whether the reply carried a
// total, which the iterator needs to tell "0 tasks" from "not reported".
func (c *Client) listBackupTasks(ctx context.Context, req *ListBackupTasksRequest, opts []Option) (*ListBackupTasksResponse, bool, error) {
	const name = "ListBackupTasks"
	if err := c.validateListBackupTasks(req); err != nil {
		return nil, false, err
	}
	q := pagingQuery(req.Offset, req.Limit, req.EnterpriseProjectID, string(req.Status), req.LastDays)
	if req.ResourceName != "" {
		q.Set("resource_name", req.ResourceName)
	}
	var out listBackupTasksWire
	meta, err := c.c.Do(ctx, &core.Call{
		Options: hcloud.Apply(opts),
		Op:      name,
		Method:  http.MethodGet,
		Path:    "/v5/{project_id}/ransomware/backup/operation-logs",
		Query:   q,
	}, &out)
	if err != nil {
		return nil, false, err
	}
	resp := &ListBackupTasksResponse{
		Tasks:            make([]BackupTask, 0, len(out.DataList)),
		ResponseMetadata: meta,
	}
	if out.TotalNum != nil {
		resp.Total = *out.TotalNum
	}
	for i := range out.DataList {
		resp.Tasks = append(resp.Tasks, out.DataList[i].task())
	}
	return resp, out.TotalNum != nil, nil
}

func (c *Client) validateListBackupTasks(req *ListBackupTasksRequest) error {
	op := c.c.Op("ListBackupTasks")
	if req == nil {
		return errNilRequest(op)
	}
	if err := checkPaging(op, req.Offset, req.Limit, req.LastDays); err != nil {
		return err
	}
	if err := op.OneOf("Status", string(req.Status), taskStatuses()...); err != nil {
		return err
	}
	return checkText(op, "EnterpriseProjectID", req.EnterpriseProjectID, maxEnterpriseProjectID)
}

// BackupTasks iterates over every task matching req, from req.Offset on, fetching one
// page of req.Limit tasks at a time (200, the largest page, when Limit is 0). It stops
// after the last page, yields an error once and stops, and sends no further request
// after a break. A service that ignores the offset yields an error wrapping
// ErrPaginationStalled. req is not modified.
//
// API: GET /v5/{project_id}/ransomware/backup/operation-logs
func (c *Client) BackupTasks(ctx context.Context, req *ListBackupTasksRequest, opts ...Option) iter.Seq2[BackupTask, error] {
	if err := c.validateListBackupTasks(req); err != nil {
		return yieldErr[BackupTask](err)
	}
	base := *req
	return page.Pager[BackupTask]{
		Start: base.Offset,
		Limit: pageSize(base.Limit),
		Key: func(t BackupTask) string {
			return t.HostID + "\x00" + t.BackupName + "\x00" + t.StartedAt.UTC().Format(time.RFC3339Nano)
		},
		Prefix:  "hss: ListBackupTasks",
		Observe: c.c.Starter("BackupTasks", hcloud.KindIterator, hcloud.Apply(opts)),
		Fetch: func(ctx context.Context, offset, limit int) ([]BackupTask, int, error) {
			r := base
			r.Offset, r.Limit = offset, limit
			resp, hasTotal, err := c.listBackupTasks(ctx, &r, opts)
			if err != nil {
				return nil, 0, err
			}
			if !hasTotal {
				return resp.Tasks, -1, nil
			}
			return resp.Tasks, resp.Total, nil
		},
	}.All(ctx)
}

// yieldErr is an iterator that yields err once.
func yieldErr[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
