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
	// Offset is the 0-based position of the first backup to return. To resume an
	// iteration after an error, set it to the NextOffset of the last page received.
	Offset int
	// Limit is the page size, 10..200; 0 sends the default, 10 (200 for HostBackups and
	// HostBackupPages). The service may send fewer.
	Limit int
}

// ListHostBackupsResponse is one page of the backups of a host.
type ListHostBackupsResponse struct {
	// Total is the number of backups matching the request across all pages, from the
	// reply's total_num; nil when the reply has none. The iterators treat a total of 0
	// as unknown, as a service may send 0 when it does not count.
	Total *int
	// Backups are the backups of this page.
	Backups []HostBackup
	// NextOffset is the position of the backup after this page: the request's offset
	// plus len(Backups). Set ListHostBackupsRequest.Offset to it to fetch the next
	// page, or to resume HostBackupPages or HostBackups after an error.
	NextOffset int
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
	// OSImages are the images registered from the backup (os_images_data); nil when
	// there are none.
	OSImages []OSImage
}

// OSImage is an image registered from a host backup.
type OSImage struct {
	// ImageID identifies the image (image_id).
	ImageID string
}

// hostBackupWire is one backup as the service sends it.
type hostBackupWire struct {
	BackupID     string    `json:"backup_id"`
	BackupName   string    `json:"backup_name"`
	BackupStatus string    `json:"backup_status"`
	CreateTime   wire.Time `json:"create_time"`
	BackupTag    int       `json:"backup_tag"`
	OSImagesData []struct {
		ImageID string `json:"image_id"`
	} `json:"os_images_data"`
}

// backup converts the wire record to the public type.
func (w *hostBackupWire) backup() HostBackup {
	b := HostBackup{
		BackupID:   w.BackupID,
		BackupName: w.BackupName,
		Status:     BackupStatus(w.BackupStatus),
		CreatedAt:  w.CreateTime.Time,
		Tag:        w.BackupTag,
	}
	for _, img := range w.OSImagesData {
		b.OSImages = append(b.OSImages, OSImage{ImageID: img.ImageID})
	}
	return b
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
	if err := c.validateListHostBackups(req); err != nil {
		return nil, err
	}
	return c.listHostBackups(ctx, req, opts)
}

// listHostBackups is ListHostBackups for a validated request.
func (c *Client) listHostBackups(ctx context.Context, req *ListHostBackupsRequest, opts []Option) (*ListHostBackupsResponse, error) {
	q := pagingQuery(req.Offset, req.Limit, req.EnterpriseProjectID, string(req.Status), req.LastDays)
	if req.Name != "" {
		q.Set("name", req.Name)
	}
	var out listHostBackupsWire
	meta, err := c.c.Do(ctx, &core.Call{
		Options: hcloud.Apply(opts),
		Op:      "ListHostBackups",
		Method:  http.MethodGet,
		Path:    "/v5/{project_id}/ransomware/backup/{HostID}",
		Params:  []string{req.HostID},
		Query:   q,
		Header:  regionHeader(req.Region),
	}, &out)
	if err != nil {
		return nil, err
	}
	resp := &ListHostBackupsResponse{
		Total:            out.TotalNum,
		Backups:          make([]HostBackup, 0, len(out.DataList)),
		NextOffset:       req.Offset + len(out.DataList),
		ResponseMetadata: meta,
	}
	for i := range out.DataList {
		resp.Backups = append(resp.Backups, out.DataList[i].backup())
	}
	return resp, nil
}

func (c *Client) validateListHostBackups(req *ListHostBackupsRequest) error {
	op := c.c.Op("ListHostBackups")
	if req == nil {
		return op.NilRequest()
	}
	if err := op.ID("HostID", req.HostID); err != nil {
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

// HostBackupPages iterates over the pages of the backups of req.HostID matching req,
// from req.Offset on, asking for req.Limit backups per page (200, the largest page,
// when Limit is 0). Pages are fetched lazily, one at a time, and each has at least one
// backup. req is not modified.
//
// A page shorter than asked for is not the end while total_num says more backups
// remain (the service may cap its pages); the iteration ends on an empty page or when
// the total is reached, and, when the total is absent or 0, only on an empty page. A
// page that repeats the page before it (a service ignoring the offset) yields an error
// wrapping ErrPaginationStalled.
//
// An error is yielded once and ends the iteration. To resume after it, set req.Offset
// to the NextOffset of the last page received (or keep req.Offset when none was) and
// call HostBackupPages again.
//
// API: GET /v5/{project_id}/ransomware/backup/{host_id}
func (c *Client) HostBackupPages(ctx context.Context, req *ListHostBackupsRequest, opts ...Option) iter.Seq2[*ListHostBackupsResponse, error] {
	if err := c.validateListHostBackups(req); err != nil {
		return yieldErr[*ListHostBackupsResponse](err)
	}
	return c.hostBackupPager(*req, "HostBackupPages", opts).Pages(ctx)
}

// HostBackups iterates over every backup of req.HostID matching req, from req.Offset
// on: the backups of the pages of HostBackupPages, fetched lazily one page at a time
// (200 backups per page when Limit is 0). It ends as HostBackupPages does, never on a
// merely short page while total_num says more remain; an error is yielded once and
// ends it (ErrPaginationStalled for a service that ignores the offset), and a break
// sends no further request. To resume after an error, use HostBackupPages, whose pages
// carry the offset to resume from. req is not modified.
//
// API: GET /v5/{project_id}/ransomware/backup/{host_id}
func (c *Client) HostBackups(ctx context.Context, req *ListHostBackupsRequest, opts ...Option) iter.Seq2[HostBackup, error] {
	if err := c.validateListHostBackups(req); err != nil {
		return yieldErr[HostBackup](err)
	}
	return c.hostBackupPager(*req, "HostBackups", opts).All(ctx)
}

// hostBackupPager is the pager of the backups matching base, which has been
// validated.
func (c *Client) hostBackupPager(base ListHostBackupsRequest, walk string, opts []Option) page.Pager[*ListHostBackupsResponse, HostBackup] {
	return page.Pager[*ListHostBackupsResponse, HostBackup]{
		Base:  0,
		Start: base.Offset,
		Limit: pageSize(base.Limit),
		Fetch: func(ctx context.Context, offset, limit int) (*ListHostBackupsResponse, error) {
			r := base
			r.Offset, r.Limit = offset, limit
			return c.listHostBackups(ctx, &r, opts)
		},
		Records: func(p *ListHostBackupsResponse) []HostBackup { return p.Backups },
		Total:   func(p *ListHostBackupsResponse) *int { return p.Total },
		Key:     func(b HostBackup) string { return b.BackupID },
		Prefix:  "hss: ListHostBackups",
		Observe: c.c.Starter(walk, hcloud.KindIterator, hcloud.Apply(opts)),
	}
}

// regionHeader is the optional region header of the HSS ransomware operations.
func regionHeader(region string) http.Header {
	if region == "" {
		return nil
	}
	return http.Header{"Region": {region}}
}
