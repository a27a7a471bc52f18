package hss

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
)

// RestoreBackupRequest restores a backup onto a server.
type RestoreBackupRequest struct {
	// BackupID identifies the backup to restore (at most 64 characters). Required.
	BackupID string
	// EnterpriseProjectID is the enterprise project of the backup (at most 256
	// characters); empty: the service default.
	EnterpriseProjectID string
	// Region is sent as the region header (a region ID, at most 128 characters) when set.
	Region string
	// ServerID is the ID of the server restored onto, hexadecimal digits in groups
	// separated by '-' such as a UUID. Required.
	ServerID string
	// PowerOn says whether to start the server after the restore; nil leaves it to the
	// service (which powers it on).
	PowerOn *bool
	// Mappings map each volume backup to the volume it restores onto; required by the
	// service for a whole-server restore.
	Mappings []VolumeMapping
}

// VolumeMapping maps one volume backup onto a volume of the target server.
type VolumeMapping struct {
	// BackupID is the ID of the volume backup. Required.
	BackupID string
	// VolumeID is the ID of the volume restored onto. Required.
	VolumeID string
}

// RestoreBackupResponse is the reply to a restore; the service returns no task ID,
// the restore shows up in ListBackupTasks.
type RestoreBackupResponse struct {
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// restoreBody is the request body of RestoreDuplicationInfo.
type restoreBody struct {
	ServerID string              `json:"server_id"`
	PowerOn  *bool               `json:"power_on,omitempty"`
	Mappings []volumeMappingWire `json:"mappings,omitempty"`
}

type volumeMappingWire struct {
	BackupID string `json:"backup_id"`
	VolumeID string `json:"volume_id"`
}

// RestoreBackup starts restoring a backup onto a server (RestoreDuplicationInfo). The
// restore runs asynchronously as a task that ListBackupTasks and BackupTasks report.
//
// API: POST /v5/{project_id}/ransomware/duplication/{backup_id}/restore
func (c *Client) RestoreBackup(ctx context.Context, req *RestoreBackupRequest, opts ...Option) (*RestoreBackupResponse, error) {
	const name = "RestoreBackup"
	if err := c.validateRestoreBackup(req); err != nil {
		return nil, err
	}
	body := restoreBody{ServerID: req.ServerID}
	if req.PowerOn != nil {
		on := *req.PowerOn
		body.PowerOn = &on
	}
	for _, m := range req.Mappings {
		body.Mappings = append(body.Mappings, volumeMappingWire(m))
	}
	var q url.Values
	if req.EnterpriseProjectID != "" {
		q = url.Values{"enterprise_project_id": {req.EnterpriseProjectID}}
	}
	meta, err := c.c.Do(ctx, &core.Call{
		Options: hcloud.Apply(opts),
		Op:      name,
		Method:  http.MethodPost,
		Path:    "/v5/{project_id}/ransomware/duplication/{BackupID}/restore",
		Params:  []string{req.BackupID},
		Query:   q,
		Header:  regionHeader(req.Region),
		Body:    body,
	}, nil)
	if err != nil {
		return nil, err
	}
	return &RestoreBackupResponse{ResponseMetadata: meta}, nil
}

func (c *Client) validateRestoreBackup(req *RestoreBackupRequest) error {
	op := c.c.Op("RestoreBackup")
	if req == nil {
		return op.NilRequest()
	}
	if err := op.Required("BackupID", req.BackupID); err != nil {
		return err
	}
	if err := checkText(op, "BackupID", req.BackupID, maxBackupID); err != nil {
		return err
	}
	if err := op.ID("ServerID", req.ServerID); err != nil {
		return err
	}
	if err := checkText(op, "EnterpriseProjectID", req.EnterpriseProjectID, maxEnterpriseProjectID); err != nil {
		return err
	}
	if err := checkText(op, "Region", req.Region, maxRegion); err != nil {
		return err
	}
	for i, m := range req.Mappings {
		if err := op.Required("Mappings["+strconv.Itoa(i)+"].BackupID", m.BackupID); err != nil {
			return err
		}
		if err := op.Required("Mappings["+strconv.Itoa(i)+"].VolumeID", m.VolumeID); err != nil {
			return err
		}
	}
	return nil
}
