package css

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/internal/wire"
)

// Bounds of SearchLogsRequest.Limit.
const (
	// DefaultSearchLimit is the number of log lines SearchLogs asks for when Limit is 0.
	DefaultSearchLimit = 100
	// MaxSearchLimit is the most log lines one SearchLogs call returns.
	MaxSearchLimit = 10000
)

// SearchLogsRequest selects run log lines of one node of a cluster.
type SearchLogsRequest struct {
	// ClusterID is the cluster.
	ClusterID string
	// InstanceName is the node, e.g. "css-4f8b-ess-esn-1-1"; required.
	InstanceName string
	// LogType is the log to search; required.
	LogType LogType
	// Level keeps only lines of this level; empty keeps every level.
	Level LogLevel
	// Limit is the most lines to return, 1..10000; 0 means 100. The service also stops
	// at 1 MB.
	Limit int
	// TimeIndex returns only lines logged before this time, in the service's format;
	// empty searches from the newest line.
	TimeIndex string
	// Keyword keeps only lines containing it.
	Keyword string
}

// LogEntry is one run log line.
type LogEntry struct {
	// Content is the log line.
	Content string
	// Date is when the line was logged. The service sends it without a zone (e.g.
	// "2024-07-01 11:32:49"); it is read as UTC. It is the zero time when the text is in
	// a form the client does not know; DateText always holds the text as sent.
	Date time.Time
	// DateText is the date as the service sent it.
	DateText string
	// Level is the line's level.
	Level LogLevel
}

// SearchLogsResponse is the run log lines SearchLogs found.
type SearchLogsResponse struct {
	// Logs are the matching lines.
	Logs []LogEntry
	// Type is the log type searched.
	Type LogType
	// Completed is true when there are no more matching lines; false when the search
	// stopped at Limit or at 1 MB (search again with TimeIndex for more).
	Completed bool
	// ResponseMetadata describes the HTTP reply: request ID, status, headers.
	ResponseMetadata
}

// searchLogsBody is the wire form of SearchLogsRequest.
type searchLogsBody struct {
	InstanceName string   `json:"instance_name"`
	LogType      LogType  `json:"log_type"`
	Level        LogLevel `json:"level,omitempty"`
	Limit        int      `json:"limit"`
	TimeIndex    string   `json:"time_index,omitempty"`
	Keyword      string   `json:"keyword,omitempty"`
}

// searchLogsJSON is the wire form of SearchLogsResponse.
type searchLogsJSON struct {
	LogList []struct {
		Content string   `json:"content"`
		Date    string   `json:"date"`
		Level   LogLevel `json:"level"`
	} `json:"logList"`
	Type      LogType `json:"type"`
	Completed bool    `json:"completed"`
}

// SearchLogs searches the run logs of one node of a cluster (the service calls the
// operation ShowLogBackup; it reads live logs, not backups).
//
// API: POST /v1.0/{project_id}/clusters/{cluster_id}/logs/search
func (c *Client) SearchLogs(ctx context.Context, req *SearchLogsRequest, opts ...Option) (*SearchLogsResponse, error) {
	const op = "SearchLogs"
	if req == nil {
		return nil, c.errNilRequest(op)
	}
	o := c.c.Op(op)
	if err := o.Required("InstanceName", req.InstanceName); err != nil {
		return nil, err
	}
	if err := o.Required("LogType", string(req.LogType)); err != nil {
		return nil, err
	}
	if err := o.OneOf("LogType", string(req.LogType),
		string(LogTypeDeprecation), string(LogTypeIndexingSlow), string(LogTypeSearchSlow), string(LogTypeInstance)); err != nil {
		return nil, err
	}
	if err := o.OneOf("Level", string(req.Level),
		string(LogLevelInfo), string(LogLevelError), string(LogLevelDebug), string(LogLevelWarn)); err != nil {
		return nil, err
	}
	limit := req.Limit
	if limit == 0 {
		limit = DefaultSearchLimit
	} else if err := o.Range("Limit", limit, 1, MaxSearchLimit); err != nil {
		return nil, err
	}
	body := searchLogsBody{
		InstanceName: req.InstanceName,
		LogType:      req.LogType,
		Level:        req.Level,
		Limit:        limit,
		TimeIndex:    req.TimeIndex,
		Keyword:      req.Keyword,
	}
	var out searchLogsJSON
	meta, err := c.do(ctx, op, http.MethodPost, "/logs/search", req.ClusterID, nil, body, &out, opts)
	if err != nil {
		return nil, err
	}
	resp := &SearchLogsResponse{
		Logs:             make([]LogEntry, len(out.LogList)),
		Type:             out.Type,
		Completed:        out.Completed,
		ResponseMetadata: meta,
	}
	for i, l := range out.LogList {
		e := LogEntry{Content: l.Content, DateText: l.Date, Level: l.Level}
		if t, err := wire.ParseTime([]byte(strconv.Quote(l.Date))); err == nil {
			e.Date = t
		}
		resp.Logs[i] = e
	}
	return resp, nil
}
