package baremetal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/internal/wait"
)

// ExportPhase says which step of ExportAndDownload a progress report is about.
type ExportPhase string

// Phases of ExportAndDownload.
const (
	// PhaseExporting reports the export task's progress, once per poll.
	PhaseExporting ExportPhase = "exporting"
	// PhaseDownloading reports the bytes of the archive written so far.
	PhaseDownloading ExportPhase = "downloading"
)

// ExportProgress is one progress report of ExportAndDownload.
type ExportProgress struct {
	// Phase is PhaseExporting or PhaseDownloading.
	Phase ExportPhase
	// ExportID is the export task's ID.
	ExportID string
	// Status is the export task's last known status.
	Status ExportStatus
	// Percent is the export task's progress, 0..100 (100 while downloading).
	Percent int
	// Written is the number of archive bytes written so far (PhaseDownloading).
	Written int64
	// Total is the archive size from Content-Length, or -1 when unknown
	// (PhaseDownloading; 0 while exporting).
	Total int64
	// Filename is the archive's file name as DownloadLogsResponse.Filename gives it
	// (PhaseDownloading; "" while exporting).
	Filename string
}

// downloadBufferSize is the copy buffer of ExportAndDownload: memory use is this
// whatever the archive size.
const downloadBufferSize = 32 << 10

// progressInterval is the download progress step: a report each time the bytes
// written cross a multiple of it.
const progressInterval = 1 << 20

// ExportOption tunes ExportAndDownload.
type ExportOption func(*exportOptions)

type exportOptions struct {
	wait     wait.Options
	progress func(ExportProgress)
	stall    time.Duration
}

// WithMinDelay sets the first delay between two status polls (default 2 s); each next
// delay doubles up to the maximum.
func WithMinDelay(d time.Duration) ExportOption {
	return func(o *exportOptions) { o.wait.MinDelay = d }
}

// WithMaxDelay caps the delay between two status polls (default 30 s).
func WithMaxDelay(d time.Duration) ExportOption {
	return func(o *exportOptions) { o.wait.MaxDelay = d }
}

// WithProgress sets a function called with the export's progress after the export
// starts and after every status poll (PhaseExporting), then while the archive is
// written (PhaseDownloading): once at the start, each time another MiB is written and once at the end.
// It runs on the calling goroutine and should return quickly.
func WithProgress(fn func(ExportProgress)) ExportOption {
	return func(o *exportOptions) { o.progress = fn }
}

// WithStallTimeout sets how long the archive download may receive no byte before it
// counts as broken and is resumed (default DefaultStallTimeout; negative: never). Time
// the writer takes does not count. See DownloadLogsRequest.StallTimeout.
func WithStallTimeout(d time.Duration) ExportOption {
	return func(o *exportOptions) { o.stall = d }
}

// ExportAndDownload exports the logs of physical server serverID, polls the export
// until it completes, and streams its archive into w. It returns the completed export
// and the number of bytes written to w.
//
// Polls back off exponentially between the delays set by WithMinDelay and
// WithMaxDelay, for as long as ctx allows: give ctx a deadline, since a failed export
// is not reported as such by the service (only completed ends the wait). The archive
// is copied through a fixed 32 KiB buffer, so memory stays constant whatever its size.
// An archive that ends before its Content-Length and cannot be resumed is an error
// wrapping io.ErrUnexpectedEOF, never a short archive reported as success.
//
// A download that breaks off is resumed where it stopped, as DownloadLogs describes:
// w gets every byte once, in order, and progress reports go on counting. When the
// service ignores the range and sends the whole archive again, the download restarts
// from byte 0 if w can be rewound (it has Seek and Truncate, as an *os.File has):
// w is truncated back to where it stood when the download began, and a progress report
// says Written 0. Any other w fails with an error saying how many bytes it got.
//
// On error, the export is the last state seen (nil when the export did not start) and
// the count is what was already written to w, which the caller should discard.
func (c *Client) ExportAndDownload(ctx context.Context, serverID string, w io.Writer, opts ...ExportOption) (*LogExport, int64, error) {
	const name = "ExportAndDownload"
	op := c.c.Op(name)
	var o exportOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if w == nil {
		return nil, 0, op.Invalid("w", "is nil")
	}
	if err := o.wait.Validate(); err != nil {
		return nil, 0, op.Invalid("option", "%v", err)
	}
	o.wait.Clock = c.c.Clock()
	ctx, end := c.c.StartOperation(ctx, name, hcloud.KindWaiter, nil)
	export, n, err := c.exportAndDownload(ctx, op, serverID, w, o)
	end(err)
	return export, n, err
}

// exportAndDownload runs ExportAndDownload once its arguments are checked.
func (c *Client) exportAndDownload(ctx context.Context, op core.Op, serverID string, w io.Writer, o exportOptions) (*LogExport, int64, error) {
	report := func(p ExportProgress) {
		if o.progress != nil {
			o.progress(p)
		}
	}

	started, err := c.ExportLogs(ctx, &ExportLogsRequest{ServerID: serverID})
	if err != nil {
		return nil, 0, err
	}
	export := started.LogExport
	report(ExportProgress{Phase: PhaseExporting, ExportID: export.ID, Status: export.Status, Percent: export.Percent})
	if !export.Status.Done() {
		polled := false
		var exported time.Time
		err = wait.Poll(ctx, o.wait, func(ctx context.Context) (bool, error) {
			if !polled {
				// The export reply was the first check: wait before asking again.
				polled = true
				exported = o.wait.Clock.Now()
				return false, nil
			}
			got, err := c.GetLogExport(ctx, &GetLogExportRequest{ServerID: serverID, ExportID: export.ID})
			if err != nil {
				// A fresh export may answer 404 for a while.
				return false, exportMiss(op, o.wait.Clock, exported, serverID, export.ID, err)
			}
			export = got.LogExport
			report(ExportProgress{Phase: PhaseExporting, ExportID: export.ID, Status: export.Status, Percent: export.Percent})
			return export.Status.Done(), nil
		})
		if err != nil {
			return &export, 0, waitError(op, &export, err)
		}
	}

	dl, err := c.DownloadLogs(ctx, &DownloadLogsRequest{ServerID: serverID, ExportID: export.ID, StallTimeout: o.stall})
	if err != nil {
		return &export, 0, err
	}
	defer dl.Body.Close()
	pw := &progressWriter{w: w, op: op, report: report, p: ExportProgress{
		Phase: PhaseDownloading, ExportID: export.ID, Status: export.Status, Percent: 100,
		Total: dl.ContentLength, Filename: dl.Filename,
	}}
	if body, ok := dl.Body.(*archiveBody); ok {
		body.rewind = pw.rewinder()
	}
	pw.flush()
	buf := make([]byte, downloadBufferSize)
	if _, err := io.CopyBuffer(pw, dl.Body, buf); err != nil {
		return &export, pw.p.Written, err
	}
	if pw.p.Written != pw.reported {
		pw.flush()
	}
	return &export, pw.p.Written, nil
}

// rewindable is a destination that a restarted download can empty.
type rewindable interface {
	io.Seeker
	Truncate(size int64) error
}

// rewinder returns a function that truncates the destination back to where it stands
// now and restarts the progress count, or nil when the destination cannot be rewound.
func (pw *progressWriter) rewinder() func(size int64) error {
	rw, ok := pw.w.(rewindable)
	if !ok {
		return nil
	}
	start, err := rw.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil // a pipe or a terminal
	}
	return func(size int64) error {
		if _, err := rw.Seek(start, io.SeekStart); err != nil {
			return fmt.Errorf("rewinding the writer: %w", err)
		}
		if err := rw.Truncate(start); err != nil {
			return fmt.Errorf("truncating the writer: %w", err)
		}
		pw.p.Written, pw.p.Total = 0, size
		pw.flush()
		return nil
	}
}

// waitError names the export in an error that ended the wait, unless it already
// comes from a call (an *APIError or *RequestError naming GetLogExport).
func waitError(op core.Op, export *LogExport, err error) error {
	var re *RequestError
	var ae *APIError
	if errors.As(err, &re) || errors.As(err, &ae) {
		return err
	}
	return op.Errorf("waiting for export %s (last status %q, %d%%): %w", export.ID, export.Status, export.Percent, err)
}

// progressWriter counts the bytes written through it and reports them whenever the
// count crosses a multiple of progressInterval. It implements only Write, so
// io.CopyBuffer uses its buffer.
type progressWriter struct {
	w        io.Writer
	op       core.Op
	report   func(ExportProgress)
	p        ExportProgress
	reported int64 // Written at the last report
}

func (pw *progressWriter) Write(b []byte) (int, error) {
	n, err := pw.w.Write(b)
	pw.p.Written += int64(n)
	if err != nil {
		return n, pw.op.Errorf("writing the archive after %d bytes: %w", pw.p.Written, err)
	}
	if pw.p.Written/progressInterval > pw.reported/progressInterval {
		pw.flush()
	}
	return n, nil
}

// flush reports the bytes written so far.
func (pw *progressWriter) flush() {
	pw.report(pw.p)
	pw.reported = pw.p.Written
}
