package baremetal

import (
	"context"
	"errors"
	"net/http"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
)

// Path templates of the log export routes. {Name} is the request field that fills it.
const (
	exportsPath = "/v1/{project_id}/physicalservers/{ServerID}/logs/exports"
	exportPath  = exportsPath + "/{ExportID}"
	contentPath = exportPath + "/content"
)

// ExportLogsRequest starts a log export of one physical server.
type ExportLogsRequest struct {
	// ServerID is the physical server ID. Required.
	ServerID string
}

// ExportLogsResponse is the export task the service created.
type ExportLogsResponse struct {
	LogExport
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// ExportLogs starts an asynchronous export of a physical server's logs and returns the
// export task; poll it with GetLogExport until Status.Done(), then DownloadLogs.
// ExportAndDownload does all three.
//
// API: POST /v1/{project_id}/physicalservers/{id}/logs/exports
func (c *Client) ExportLogs(ctx context.Context, req *ExportLogsRequest, opts ...Option) (*ExportLogsResponse, error) {
	const name = "ExportLogs"
	if req == nil {
		return nil, c.c.Op(name).NilRequest()
	}
	var out logExportWire
	meta, err := c.c.Do(ctx, &core.Call{
		Options: hcloud.Apply(opts),
		Op:      name,
		Method:  http.MethodPost,
		Path:    exportsPath,
		Params:  []string{req.ServerID},
	}, &out)
	if err != nil {
		return nil, err
	}
	if out.ExportID == "" {
		// Without a task ID there is nothing to poll or download.
		return nil, &RequestError{Service: core.ServiceBareMetal, Operation: name,
			StatusCode: meta.StatusCode, RequestID: meta.RequestID, Err: errNoExportID}
	}
	return &ExportLogsResponse{LogExport: out.logExport(), ResponseMetadata: meta}, nil
}

// GetLogExportRequest asks for the state of one export task.
type GetLogExportRequest struct {
	// ServerID is the physical server ID. Required.
	ServerID string
	// ExportID is the export task ID from ExportLogs. Required.
	ExportID string
}

// GetLogExportResponse is the state of an export task.
type GetLogExportResponse struct {
	LogExport
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// GetLogExport returns the state of a log export task: its status and progress. When
// the reply omits export_id, ID is the one asked about.
//
// API: GET /v1/{project_id}/physicalservers/{id}/logs/exports/{export_id}
func (c *Client) GetLogExport(ctx context.Context, req *GetLogExportRequest, opts ...Option) (*GetLogExportResponse, error) {
	const name = "GetLogExport"
	if req == nil {
		return nil, c.c.Op(name).NilRequest()
	}
	var out logExportWire
	meta, err := c.c.Do(ctx, &core.Call{
		Options: hcloud.Apply(opts),
		Op:      name,
		Method:  http.MethodGet,
		Path:    exportPath,
		Params:  []string{req.ServerID, req.ExportID},
	}, &out)
	if err != nil {
		return nil, err
	}
	if out.ExportID == "" {
		// The status reply may omit the ID it was asked about; it is the one requested.
		out.ExportID = req.ExportID
	}
	return &GetLogExportResponse{LogExport: out.logExport(), ResponseMetadata: meta}, nil
}

// errNoExportID is the cause of the error for an export reply without an export_id.
var errNoExportID = errors.New("the reply has no export_id")
