package css

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/internal/wire"
)

// LogSettings is a cluster's log backup configuration.
type LogSettings struct {
	// ID identifies the configuration.
	ID string
	// ClusterID is the cluster.
	ClusterID string
	// Bucket is the OBS bucket the logs are backed up to.
	Bucket string
	// Agency is the IAM agency that lets CSS write to the bucket.
	Agency string
	// BasePath is the path in the bucket.
	BasePath string
	// UpdatedAt is when the configuration last changed.
	UpdatedAt time.Time
	// AutoBackup reports whether the daily automatic backup policy is on.
	AutoBackup bool
	// Period is the daily start time of the automatic backup, e.g. "00:00 GMT+08:00";
	// empty when AutoBackup is false.
	Period string
	// Enabled reports whether log backup is on (the service's logSwitch).
	Enabled bool
}

// RealTimeLogCollection is a cluster's real-time log collection into another
// cluster's indices.
type RealTimeLogCollection struct {
	// ID identifies the collection record.
	ID string
	// ClusterID is the cluster whose logs are collected.
	ClusterID string
	// IndexPrefix prefixes the names of the indices the logs go to.
	IndexPrefix string
	// KeepDays is how many days the collected logs are kept.
	KeepDays int
	// TargetClusterID is the cluster that receives the logs.
	TargetClusterID string
	// Status is the collection's state as the service reports it.
	Status string
	// CreatedAt is when the collection was turned on.
	CreatedAt time.Time
	// UpdatedAt is when it last changed.
	UpdatedAt time.Time
}

// GetLogSettingsRequest names the cluster whose log settings GetLogSettings reads.
type GetLogSettingsRequest struct {
	// ClusterID is the cluster.
	ClusterID string
}

// GetLogSettingsResponse is a cluster's log configuration. The LogSettings fields are
// promoted, so resp.Enabled reports whether log backup is on.
type GetLogSettingsResponse struct {
	LogSettings
	// RealTimeCollection is the real-time log collection, or nil when the service
	// reports none.
	RealTimeCollection *RealTimeLogCollection
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// getLogSettingsJSON is the wire form of GetLogSettingsResponse.
type getLogSettingsJSON struct {
	LogConfiguration struct {
		ID         string    `json:"id"`
		ClusterID  string    `json:"clusterId"`
		ObsBucket  string    `json:"obsBucket"`
		Agency     string    `json:"agency"`
		UpdateAt   wire.Time `json:"updateAt"`
		BasePath   string    `json:"basePath"`
		AutoEnable bool      `json:"autoEnable"`
		Period     *string   `json:"period"`
		LogSwitch  bool      `json:"logSwitch"`
	} `json:"logConfiguration"`
	RealTimeLogCollectRecord *struct {
		ID              string    `json:"id"`
		ClusterID       string    `json:"clusterId"`
		IndexPrefix     string    `json:"indexPrefix"`
		KeepDays        int       `json:"keepDays"`
		TargetClusterID string    `json:"targetClusterId"`
		Status          string    `json:"status"`
		CreateAt        wire.Time `json:"createAt"`
		UpdateAt        wire.Time `json:"updateAt"`
	} `json:"realTimeLogCollectRecord"`
}

// GetLogSettings reads a cluster's log backup configuration and its real-time log
// collection.
//
// API: GET /v1.0/{project_id}/clusters/{cluster_id}/logs/settings
func (c *Client) GetLogSettings(ctx context.Context, req *GetLogSettingsRequest, opts ...Option) (*GetLogSettingsResponse, error) {
	const op = "GetLogSettings"
	if req == nil {
		return nil, c.errNilRequest(op)
	}
	var out getLogSettingsJSON
	meta, err := c.do(ctx, op, http.MethodGet, "/logs/settings", req.ClusterID, nil, nil, &out, opts)
	if err != nil {
		return nil, err
	}
	lc := &out.LogConfiguration
	resp := &GetLogSettingsResponse{
		LogSettings: LogSettings{
			ID:         lc.ID,
			ClusterID:  lc.ClusterID,
			Bucket:     lc.ObsBucket,
			Agency:     lc.Agency,
			BasePath:   lc.BasePath,
			UpdatedAt:  lc.UpdateAt.Time,
			AutoBackup: lc.AutoEnable,
			Enabled:    lc.LogSwitch,
		},
		ResponseMetadata: meta,
	}
	if lc.Period != nil {
		resp.Period = *lc.Period
	}
	if r := out.RealTimeLogCollectRecord; r != nil {
		resp.RealTimeCollection = &RealTimeLogCollection{
			ID:              r.ID,
			ClusterID:       r.ClusterID,
			IndexPrefix:     r.IndexPrefix,
			KeepDays:        r.KeepDays,
			TargetClusterID: r.TargetClusterID,
			Status:          r.Status,
			CreatedAt:       r.CreateAt.Time,
			UpdatedAt:       r.UpdateAt.Time,
		}
	}
	return resp, nil
}

// checkKeepDays refuses a KeepDays below 1; 0 is not sent.
func checkKeepDays(o core.Op, days int) error {
	if days != 0 {
		return o.Min("KeepDays", days, 1)
	}
	return nil
}

// EnableLogBackupRequest turns on log backup, or real-time log collection, for a
// cluster. Empty fields are not sent; the JSON tags name the body fields (ClusterID and
// Action go in the path and the query).
type EnableLogBackupRequest struct {
	// ClusterID is the cluster.
	ClusterID string `json:"-"`
	// Action selects the capability; empty means ActionBaseLogCollect (the service's
	// default, and the query parameter is not sent).
	Action Action `json:"-"`
	// Agency is the IAM agency that lets CSS write to the bucket.
	Agency string `json:"agency,omitempty"`
	// LogBasePath is the path in the bucket.
	LogBasePath string `json:"log_base_path,omitempty"`
	// LogBucket is the OBS bucket.
	LogBucket string `json:"log_bucket,omitempty"`
	// AutoEnable turns the daily automatic backup on or off; nil leaves it unsent.
	AutoEnable *bool `json:"auto_enable,omitempty"`
	// Period is the daily start time of the automatic backup, e.g. "00:00 GMT+08:00".
	Period string `json:"period,omitempty"`
	// IndexPrefix prefixes the target indices; required for ActionRealTimeLogCollect.
	IndexPrefix string `json:"index_prefix,omitempty"`
	// KeepDays is how long collected logs are kept, at least 1; required for
	// ActionRealTimeLogCollect.
	KeepDays int `json:"keep_days,omitempty"`
	// TargetClusterID receives the logs; required for ActionRealTimeLogCollect.
	TargetClusterID string `json:"target_cluster_id,omitempty"`
}

// EnableLogBackupResponse is the reply of EnableLogBackup.
type EnableLogBackupResponse struct {
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// EnableLogBackup turns on log backup to OBS (Action empty or ActionBaseLogCollect)
// or real-time log collection (ActionRealTimeLogCollect) for a cluster.
//
// API: POST /v1.0/{project_id}/clusters/{cluster_id}/logs/open
func (c *Client) EnableLogBackup(ctx context.Context, req *EnableLogBackupRequest, opts ...Option) (*EnableLogBackupResponse, error) {
	const op = "EnableLogBackup"
	if req == nil {
		return nil, c.errNilRequest(op)
	}
	o := c.c.Op(op)
	if err := o.OneOf("Action", string(req.Action), string(ActionBaseLogCollect), string(ActionRealTimeLogCollect)); err != nil {
		return nil, err
	}
	if req.Action == ActionRealTimeLogCollect {
		if err := o.Required("IndexPrefix", req.IndexPrefix); err != nil {
			return nil, err
		}
		if req.KeepDays == 0 {
			return nil, o.Invalid("KeepDays", "is required when Action is %s", ActionRealTimeLogCollect)
		}
		if err := o.Required("TargetClusterID", req.TargetClusterID); err != nil {
			return nil, err
		}
	}
	if err := checkKeepDays(o, req.KeepDays); err != nil {
		return nil, err
	}
	var q url.Values
	if req.Action != "" {
		q = url.Values{"action": {string(req.Action)}}
	}
	meta, err := c.do(ctx, op, http.MethodPost, "/logs/open", req.ClusterID, q, req, nil, opts)
	if err != nil {
		return nil, err
	}
	return &EnableLogBackupResponse{ResponseMetadata: meta}, nil
}

// UpdateLogSettingsRequest changes a cluster's log settings. Empty fields are not sent
// and keep their current value.
type UpdateLogSettingsRequest struct {
	// ClusterID is the cluster.
	ClusterID string `json:"-"`
	// Agency is the IAM agency that lets CSS write to the bucket.
	Agency string `json:"agency,omitempty"`
	// LogBasePath is the path in the bucket.
	LogBasePath string `json:"log_base_path,omitempty"`
	// LogBucket is the OBS bucket.
	LogBucket string `json:"log_bucket,omitempty"`
	// AutoEnable turns the daily automatic backup on or off; nil leaves it unsent.
	AutoEnable *bool `json:"auto_enable,omitempty"`
	// Period is the daily start time of the automatic backup, e.g. "00:00 GMT+08:00".
	Period string `json:"period,omitempty"`
	// IndexPrefix prefixes the indices of real-time collection.
	IndexPrefix string `json:"index_prefix,omitempty"`
	// KeepDays is how long collected logs are kept, at least 1; 0 is not sent.
	KeepDays int `json:"keep_days,omitempty"`
	// TargetClusterID receives the logs of real-time collection.
	TargetClusterID string `json:"target_cluster_id,omitempty"`
}

// UpdateLogSettingsResponse is the reply of UpdateLogSettings.
type UpdateLogSettingsResponse struct {
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// UpdateLogSettings changes a cluster's log settings (bucket, path, agency, automatic
// backup).
//
// API: POST /v1.0/{project_id}/clusters/{cluster_id}/logs/settings
func (c *Client) UpdateLogSettings(ctx context.Context, req *UpdateLogSettingsRequest, opts ...Option) (*UpdateLogSettingsResponse, error) {
	const op = "UpdateLogSettings"
	if req == nil {
		return nil, c.errNilRequest(op)
	}
	if err := checkKeepDays(c.c.Op(op), req.KeepDays); err != nil {
		return nil, err
	}
	meta, err := c.do(ctx, op, http.MethodPost, "/logs/settings", req.ClusterID, nil, req, nil, opts)
	if err != nil {
		return nil, err
	}
	return &UpdateLogSettingsResponse{ResponseMetadata: meta}, nil
}

// DisableLogBackupRequest names the cluster whose log backup DisableLogBackup turns off.
type DisableLogBackupRequest struct {
	// ClusterID is the cluster.
	ClusterID string
}

// DisableLogBackupResponse is the reply of DisableLogBackup.
type DisableLogBackupResponse struct {
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// DisableLogBackup turns off a cluster's log backup.
//
// API: PUT /v1.0/{project_id}/clusters/{cluster_id}/logs/close
func (c *Client) DisableLogBackup(ctx context.Context, req *DisableLogBackupRequest, opts ...Option) (*DisableLogBackupResponse, error) {
	const op = "DisableLogBackup"
	if req == nil {
		return nil, c.errNilRequest(op)
	}
	meta, err := c.do(ctx, op, http.MethodPut, "/logs/close", req.ClusterID, nil, nil, nil, opts)
	if err != nil {
		return nil, err
	}
	return &DisableLogBackupResponse{ResponseMetadata: meta}, nil
}

// SetAutoBackupPolicyRequest turns on a cluster's daily automatic log backup.
type SetAutoBackupPolicyRequest struct {
	// ClusterID is the cluster.
	ClusterID string
	// Period is the daily start time, required, e.g. "00:00 GMT+08:00".
	Period string
}

// SetAutoBackupPolicyResponse is the reply of SetAutoBackupPolicy.
type SetAutoBackupPolicyResponse struct {
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// SetAutoBackupPolicy turns on, or reschedules, a cluster's daily automatic log
// backup; its jobs are listed with JobType Auto.
//
// API: POST /v1.0/{project_id}/clusters/{cluster_id}/logs/policy/update
func (c *Client) SetAutoBackupPolicy(ctx context.Context, req *SetAutoBackupPolicyRequest, opts ...Option) (*SetAutoBackupPolicyResponse, error) {
	const op = "SetAutoBackupPolicy"
	if req == nil {
		return nil, c.errNilRequest(op)
	}
	if err := c.c.Op(op).Required("Period", req.Period); err != nil {
		return nil, err
	}
	body := struct {
		Period string `json:"period"`
	}{req.Period}
	meta, err := c.do(ctx, op, http.MethodPost, "/logs/policy/update", req.ClusterID, nil, body, nil, opts)
	if err != nil {
		return nil, err
	}
	return &SetAutoBackupPolicyResponse{ResponseMetadata: meta}, nil
}

// DisableAutoBackupPolicyRequest names the cluster whose automatic log backup
// DisableAutoBackupPolicy turns off.
type DisableAutoBackupPolicyRequest struct {
	// ClusterID is the cluster.
	ClusterID string
}

// DisableAutoBackupPolicyResponse is the reply of DisableAutoBackupPolicy.
type DisableAutoBackupPolicyResponse struct {
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// DisableAutoBackupPolicy turns off a cluster's daily automatic log backup.
//
// API: PUT /v1.0/{project_id}/clusters/{cluster_id}/logs/policy/close
func (c *Client) DisableAutoBackupPolicy(ctx context.Context, req *DisableAutoBackupPolicyRequest, opts ...Option) (*DisableAutoBackupPolicyResponse, error) {
	const op = "DisableAutoBackupPolicy"
	if req == nil {
		return nil, c.errNilRequest(op)
	}
	meta, err := c.do(ctx, op, http.MethodPut, "/logs/policy/close", req.ClusterID, nil, nil, nil, opts)
	if err != nil {
		return nil, err
	}
	return &DisableAutoBackupPolicyResponse{ResponseMetadata: meta}, nil
}
