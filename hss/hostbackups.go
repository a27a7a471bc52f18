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

// ListHostBackupsRequest selects a page of the backups of one host.
type ListHostBackupsRequest struct {
	// HostID is the ID of the server whose backups are listed. Required.
	HostID string
	// EnterpriseProjectID limits the backups to one enterprise project (at most 256
	// characters); "all_granted_eps" means every project. Empty: the service default.
	EnterpriseProjectID string
	// Region is sent as the region header (a region ID, at most 128 characters) when set.
	Region string
	// Status keeps only backups in this state; empty keeps all.
	Status BackupStatus
	// Name keeps only backups with this name.
	Name string
	// LastDays keeps only backups of the last 1..30 days; 0 sends no limit.
	LastDays int
	// Offset is the 0-based position of the first backup to return.
	Offset int
	// Limit is the page size, 10..200; 0 sends the default, 10.
	Limit int
}

// ListHostBackupsResponse is one page of the backups of a host.
type ListHostBackupsResponse struct {
	// Total is the number of backups matching the request (total_num), across all pages.
	Total int
	// Backups are the backups of this page.
	Backups []HostBackup
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// HostBackup is one backup of a host, the source of a RestoreBackup.
type HostBackup struct {
	// BackupID identifies the backup; RestoreBackup takes it.
	BackupID string
	// BackupName is the backup's name.
	BackupName string
	// Status is the backup's state.
	Status BackupStatus
	// CreatedAt is when the backup was created (create_time, Unix milliseconds).
	CreatedAt time.Time
	// Tag is the backup's tag (backup_tag) as the service reports it.
	Tag int
}

// hostBackupWire is one backup as the service sends it.
type hostBackupWire struct {
	BackupID     string    `json:"backup_id"`
	BackupName   string    `json:"backup_name"`
	BackupStatus string    `json:"backup_status"`
	CreateTime   wire.Time `json:"create_time"`
	BackupTag    int       `json:"backup_tag"`
}

// listHostBackupsWire is the reply of ListBackedupByHostId.
type listHostBackupsWire struct {
	TotalNum *int             `json:"total_num"`
	DataList []hostBackupWire `json:"data_list"`
}

// ListHostBackups lists one page of the backups of a host (ListBackedupByHostId).
// Offset and limit are always sent, as the API requires them.
//
// API: GET /v5/{project_id}/ransomware/backup/{host_id}
func (c *Client) ListHostBackups(ctx context.Context, req *ListHostBackupsRequest, opts ...Option) (*ListHostBackupsResponse, error) {
	resp, _, err := c.listHostBackups(ctx, req, opts)
	return resp, err
}

// listHostBackups is ListHostBackups that also reports whether the reply carried a
// total.
func (c *Client) listHostBackups(ctx context.Context, req *ListHostBackupsRequest, opts []Option) (*ListHostBackupsResponse, bool, error) {
	const name = "ListHostBackups"
	if err := c.validateListHostBackups(req); err != nil {
		return nil, false, err
	}
	q := pagingQuery(req.Offset, req.Limit, req.EnterpriseProjectID, string(req.Status), req.LastDays)
	if req.Name != "" {
		q.Set("name", req.Name)
	}
	var out listHostBackupsWire
	meta, err := c.c.Do(ctx, &core.Call{
		Options: hcloud.Apply(opts),
		Op:      name,
		Method:  http.MethodGet,
		Path:    "/v5/{project_id}/ransomware/backup/{HostID}",
		Params:  []string{req.HostID},
		Query:   q,
		Header:  regionHeader(req.Region),
	}, &out)
	if err != nil {
		return nil, false, err
	}
	resp := &ListHostBackupsResponse{
		Backups:          make([]HostBackup, 0, len(out.DataList)),
		ResponseMetadata: meta,
	}
	if out.TotalNum != nil {
		resp.Total = *out.TotalNum
	}
	for _, w := range out.DataList {
		resp.Backups = append(resp.Backups, HostBackup{
			BackupID:   w.BackupID,
			BackupName: w.BackupName,
			Status:     BackupStatus(w.BackupStatus),
			CreatedAt:  w.CreateTime.Time,
			Tag:        w.BackupTag,
		})
	}
	return resp, out.TotalNum != nil, nil
}

func (c *Client) validateListHostBackups(req *ListHostBackupsRequest) error {
	op := c.c.Op("ListHostBackups")
	if req == nil {
		return errNilRequest(op)
	}
	if err := op.Required("HostID", req.HostID); err != nil {
		return err
	}
	if err := checkPaging(op, req.Offset, req.Limit, req.LastDays); err != nil {
		return err
	}
	if err := op.OneOf("Status", string(req.Status), backupStatuses()...); err != nil {
		return err
	}
	if err := checkText(op, "EnterpriseProjectID", req.EnterpriseProjectID, maxEnterpriseProjectID); err != nil {
		return err
	}
	return checkText(op, "Region", req.Region, maxRegion)
}

// HostBackups iterates over every backup of req.HostID matching req, from req.Offset
// on, fetching one page of req.Limit backups at a time (200, the largest page, when
// Limit is 0). It stops after the last page, yields an error once and stops, and
// sends no further request after a break. A service that ignores the offset yields an
// error wrapping ErrPaginationStalled. req is not modified.
//
// API: GET /v5/{project_id}/ransomware/backup/{host_id}
func (c *Client) HostBackups(ctx context.Context, req *ListHostBackupsRequest, opts ...Option) iter.Seq2[HostBackup, error] {
	if err := c.validateListHostBackups(req); err != nil {
		return yieldErr[HostBackup](err)
	}
	base := *req
	return page.Pager[HostBackup]{
		Start:   base.Offset,
		Limit:   pageSize(base.Limit),
		Key:     func(b HostBackup) string { return b.BackupID },
		Prefix:  "hss: ListHostBackups",
		Observe: c.c.Starter("HostBackups", hcloud.KindIterator, hcloud.Apply(opts)),
		Fetch: func(ctx context.Context, offset, limit int) ([]HostBackup, int, error) {
			r := base
			r.Offset, r.Limit = offset, limit
			resp, hasTotal, err := c.listHostBackups(ctx, &r, opts)
			if err != nil {
				return nil, 0, err
			}
			if !hasTotal {
				return resp.Backups, -1, nil
			}
			return resp.Backups, resp.Total, nil
		},
	}.All(ctx)
}

// regionHeader is the optional region header of the HSS ransomware operations.
func regionHeader(region string) http.Header {
	if region == "" {
		return nil
	}
	return http.Header{"Region": {region}}
}
