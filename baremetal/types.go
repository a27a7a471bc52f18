package baremetal

import (
	"strings"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/internal/wire"
)

// ExportStatus is the state of a log export task. Values the service sends that are
// not among the constants are kept as they are.
type ExportStatus string

// Export task states. The service documents processing and completed; the API
// reference's example shows "Running", which is kept as sent and, like every value
// but completed, means the export is still in progress.
const (
	// ExportStatusProcessing means the archive is being built.
	ExportStatusProcessing ExportStatus = "processing"
	// ExportStatusCompleted means the archive is ready to download.
	ExportStatusCompleted ExportStatus = "completed"
	// ExportStatusRunning is the in-progress value of the API reference's example.
	ExportStatusRunning ExportStatus = "Running"
)

// Done reports whether the export has completed and its archive can be downloaded:
// true only for completed, compared case-insensitively. Failure states are not
// documented, so every other value counts as still in progress.
func (s ExportStatus) Done() bool {
	return strings.EqualFold(strings.TrimSpace(string(s)), string(ExportStatusCompleted))
}

// LogExport is an asynchronous export of a physical server's logs.
type LogExport struct {
	// ID is the export task ID (export_id), e.g. "1".
	ID string
	// Status is the task state; Status.Done() tells whether the archive is ready.
	Status ExportStatus
	// Percent is the progress, 0..100 (the wire's "30%", "30" and 30 all give 30), or -1
	// when the service sent something that is not a percentage (e.g. "N/A"): the export
	// is reported, and waited for, all the same, and PercentText holds what was sent.
	Percent int
	// PercentText is the percentage as the service sent it when it is not one (Percent
	// is then -1); empty otherwise.
	PercentText string
	// CreatedAt is when the export was created; zero when the service sent none.
	CreatedAt time.Time
}

// logExportWire is the JSON body of the export and status replies.
type logExportWire struct {
	ExportID   string        `json:"export_id"`
	Status     string        `json:"status"`
	Percentage wire.Progress `json:"percentage"`
	CreatedAt  wire.Time     `json:"created_at"`
}

// logExport converts the wire body to the public type.
func (w *logExportWire) logExport() LogExport {
	return LogExport{
		ID:          w.ExportID,
		Status:      ExportStatus(w.Status),
		Percent:     w.Percentage.Percent,
		PercentText: w.Percentage.Text,
		CreatedAt:   w.CreatedAt.Time,
	}
}
