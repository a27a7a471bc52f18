package hsstest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/internal/fake"
)

// Paging bounds of the real API (the sibling operation's documented ones).
const (
	maxOffset = 2000000
	minLimit  = 10
	maxLimit  = 200
)

// listQuery is the query shared by both listings.
type listQuery struct {
	offset, limit, lastDays int
	status                  string
}

// parseListQuery checks the query parameters both listings share; statuses are the
// values status may take.
func parseListQuery(r *http.Request, statuses []string) (listQuery, error) {
	q := r.URL.Query()
	var lq listQuery
	for _, name := range []string{"offset", "limit"} {
		if q.Get(name) == "" {
			return lq, fmt.Errorf("query parameter %s is required", name)
		}
	}
	var err error
	if lq.offset, err = fake.QueryInt(r, "offset", 0, 0, maxOffset); err != nil {
		return lq, err
	}
	if lq.limit, err = fake.QueryInt(r, "limit", 0, minLimit, maxLimit); err != nil {
		return lq, err
	}
	if lq.lastDays, err = fake.QueryInt(r, "last_days", 0, 1, hss.MaxLastDays); err != nil {
		return lq, err
	}
	if ep := q.Get("enterprise_project_id"); utf8.RuneCountInString(ep) > 256 {
		return lq, fmt.Errorf("query parameter enterprise_project_id: %d characters, at most 256", utf8.RuneCountInString(ep))
	}
	lq.status = q.Get("status")
	if lq.status != "" && !slices.Contains(statuses, lq.status) {
		return lq, fmt.Errorf("query parameter status: %q is not one of %s", lq.status, strings.Join(statuses, ", "))
	}
	return lq, nil
}

// since returns the earliest time last_days keeps, or the zero time without it.
func (lq listQuery) since(now time.Time) time.Time {
	if lq.lastDays == 0 {
		return time.Time{}
	}
	return now.Add(-time.Duration(lq.lastDays) * 24 * time.Hour)
}

// window returns the page of n records starting at the query's offset, as indexes,
// at most pg.pageCap long when that is set.
func (lq listQuery) window(n int, pg paging) (from, to int) {
	limit := lq.limit
	if pg.pageCap > 0 {
		limit = min(limit, pg.pageCap)
	}
	from = min(lq.offset, n)
	return from, min(from+limit, n)
}

// total is total_num for n matches: absent WithoutTotal.
func (pg paging) total(n int) *int {
	if pg.noTotal {
		return nil
	}
	return &n
}

// taskStatuses and backupStatuses are the values the status filters accept.
func taskStatuses() []string {
	return []string{"success", "skipped", "failed", "running", "timeout", "waiting"}
}

func backupStatuses() []string {
	return []string{"available", "protecting", "deleting", "restoring", "error",
		"waiting_protect", "waiting_delete", "waiting_restore"}
}

// wireTime formats t as the service does, RFC 3339 in UTC with whole seconds; "" for
// the zero time.
func wireTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// tasksReply is the reply of RouteListBackupTasks.
type tasksReply struct {
	TotalNum *int       `json:"total_num,omitempty"`
	DataList []taskWire `json:"data_list"`
}

// taskWire is OperationLogInfo as the real service sends it.
type taskWire struct {
	HostID     string        `json:"host_id"`
	HostName   string        `json:"host_name"`
	BackupName string        `json:"backup_name"`
	Process    int           `json:"process"`
	Status     string        `json:"status"`
	StartedAt  string        `json:"started_at,omitempty"`
	EndedAt    string        `json:"ended_at,omitempty"`
	UpdatedAt  string        `json:"updated_at,omitempty"`
	ErrorInfo  errorInfoWire `json:"error_info"`
}

type errorInfoWire struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// listBackupTasks serves RouteListBackupTasks.
func (s *Server) listBackupTasks(w http.ResponseWriter, r *http.Request, _ []byte) {
	lq, err := parseListQuery(r, taskStatuses())
	if err != nil {
		fake.WriteError(w, http.StatusBadRequest, CodeInvalidParameter, "Invalid parameter: "+err.Error())
		return
	}
	now := s.Now()
	since := lq.since(now)
	name := r.URL.Query().Get("resource_name")
	var match []servedTask
	for _, t := range s.sortedTasks(now) {
		if (lq.status == "" || string(t.Status) == lq.status) &&
			strings.Contains(t.HostName, name) &&
			(since.IsZero() || !t.StartedAt.Before(since)) {
			match = append(match, t)
		}
	}
	from, to := lq.window(len(match), s.paging)
	reply := tasksReply{TotalNum: s.paging.total(len(match)), DataList: make([]taskWire, 0, to-from)}
	for _, t := range match[from:to] {
		tw := taskWire{
			HostID:     t.HostID,
			HostName:   t.HostName,
			BackupName: t.BackupName,
			Process:    t.Progress,
			Status:     string(t.Status),
			StartedAt:  wireTime(t.StartedAt),
			ErrorInfo:  errorInfoWire{Code: t.ErrorCode, Message: t.ErrorMessage},
		}
		if t.updatedAt {
			tw.UpdatedAt = wireTime(t.EndedAt)
		} else {
			tw.EndedAt = wireTime(t.EndedAt)
		}
		reply.DataList = append(reply.DataList, tw)
	}
	fake.WriteJSON(w, http.StatusOK, reply)
}

// backupsReply is the reply of RouteListHostBackups.
type backupsReply struct {
	TotalNum *int         `json:"total_num,omitempty"`
	DataList []backupWire `json:"data_list"`
}

// backupWire is one backup as the real service sends it.
type backupWire struct {
	BackupID     string      `json:"backup_id"`
	BackupName   string      `json:"backup_name"`
	BackupStatus string      `json:"backup_status"`
	CreateTime   int64       `json:"create_time"`
	OSImagesData []imageWire `json:"os_images_data"`
	BackupTag    int         `json:"backup_tag"`
}

// imageWire is one entry of os_images_data.
type imageWire struct {
	ImageID string `json:"image_id"`
}

// listHostBackups serves RouteListHostBackups.
func (s *Server) listHostBackups(w http.ResponseWriter, r *http.Request, _ []byte) {
	lq, err := parseListQuery(r, backupStatuses())
	if err != nil {
		fake.WriteError(w, http.StatusBadRequest, CodeInvalidParameter, "Invalid parameter: "+err.Error())
		return
	}
	since := lq.since(s.Now())
	name := r.URL.Query().Get("name")
	var match []hss.HostBackup
	for _, b := range s.hostBackups(r.PathValue("host_id")) {
		if (lq.status == "" || string(b.Status) == lq.status) &&
			(name == "" || b.BackupName == name) &&
			(since.IsZero() || !b.CreatedAt.Before(since)) {
			match = append(match, b)
		}
	}
	from, to := lq.window(len(match), s.paging)
	reply := backupsReply{TotalNum: s.paging.total(len(match)), DataList: make([]backupWire, 0, to-from)}
	for _, b := range match[from:to] {
		images := make([]imageWire, 0, len(b.OSImages))
		for _, img := range b.OSImages {
			images = append(images, imageWire{ImageID: img.ImageID})
		}
		reply.DataList = append(reply.DataList, backupWire{
			BackupID:     b.BackupID,
			BackupName:   b.BackupName,
			BackupStatus: string(b.Status),
			CreateTime:   b.CreatedAt.UnixMilli(),
			OSImagesData: images,
			BackupTag:    b.Tag,
		})
	}
	fake.WriteJSON(w, http.StatusOK, reply)
}

// restoreRequest is the body of RouteRestoreBackup.
type restoreRequest struct {
	ServerID string `json:"server_id"`
	PowerOn  *bool  `json:"power_on"`
	Mappings []struct {
		BackupID string `json:"backup_id"`
		VolumeID string `json:"volume_id"`
	} `json:"mappings"`
}

// restoreBackup serves RouteRestoreBackup.
func (s *Server) restoreBackup(w http.ResponseWriter, r *http.Request, body []byte) {
	var req restoreRequest
	if err := fake.DecodeJSON(body, &req); err != nil {
		fake.WriteError(w, http.StatusBadRequest, CodeInvalidParameter, "Invalid parameter: "+err.Error())
		return
	}
	if n := utf8.RuneCountInString(req.ServerID); n == 0 || n > 128 {
		fake.WriteError(w, http.StatusBadRequest, CodeInvalidParameter, "Invalid parameter: server_id must be 1 to 128 characters")
		return
	}
	backupID := r.PathValue("backup_id")
	switch s.startRestore(backupID, req.ServerID, s.Now()) {
	case restoreBackupNotFound:
		fake.WriteError(w, http.StatusNotFound, CodeBackupNotFound, fmt.Sprintf("The backup %s does not exist.", backupID))
	case restoreRunning:
		fake.WriteError(w, http.StatusConflict, CodeRestoreRunning, fmt.Sprintf("The server %s is being restored.", req.ServerID))
	default:
		w.WriteHeader(http.StatusOK)
	}
}
