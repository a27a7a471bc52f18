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

// downloadBufferSize is the copy buffer of ExportAndDownload: memory use is this
// whatever the archive size.
const downloadBufferSize = 32 << 10

// progressInterval is the download progress step: a report each time the bytes
// written cross a multiple of it.
const progressInterval = 1 << 20

// ExportAndDownloadRequest names the server whose logs ExportAndDownload exports, and
// where the archive goes.
type ExportAndDownloadRequest struct {
	// ServerID is the physical server ID. Required.
	ServerID string
	// Destination receives the archive. Required. When it also has Seek and Truncate
	// (an *os.File does), a download the service restarts from byte 0 can be rewound.
	Destination io.Writer
	// StallTimeout is how long the download may receive no byte before it counts as
	// broken and is resumed, as in DownloadLogsRequest: 0 means DefaultStallTimeout, a
	// negative value never.
	StallTimeout time.Duration
}

// ExportAndDownloadResponse is the outcome of ExportAndDownload.
type ExportAndDownloadResponse struct {
	// Export is the completed export; on error, the last state seen.
	Export LogExport
	// Written is the number of archive bytes written to Destination; on error, what was
	// already written, which the caller should discard.
	Written int64
	// Filename is the archive's file name as the service suggests it, made safe as
	// DownloadLogsResponse.Filename is; "" when the download did not start.
	Filename string
	// ResponseMetadata describes the reply of the archive download.
	ResponseMetadata
}

// ExportAndDownload exports the logs of physical server req.ServerID, polls the export
// until it completes, and streams its archive into req.Destination.
//
// Polls back off exponentially between the delays set by hcloud.WithMinDelay (default
// 2 s) and hcloud.WithMaxDelay (default 30 s), for as long as ctx allows: give ctx a
// deadline, since a failed export is not reported as such by the service (only
// completed ends the wait). A 404 for the new export within GracePeriod means it is not
// visible yet. hcloud.WithProgress receives a report (Phase hcloud.PhaseWaiting, JobID
// the export ID, Status and Percent the export's) after the export starts and after
// every poll, then (Phase hcloud.PhaseDownloading) while the archive is written: once
// at the start, each time another MiB is written and once at the end; it runs on the
// calling goroutine and should return quickly. The other options apply to each
// request.
//
// The archive is copied through a fixed 32 KiB buffer, so memory stays constant
// whatever its size. An archive that ends before its Content-Length and cannot be
// resumed is an error wrapping io.ErrUnexpectedEOF, never a short archive reported as
// success. A download that breaks off is resumed where it stopped, as DownloadLogs
// describes: Destination gets every byte once, in order, and progress reports go on
// counting. When the service ignores the range and sends the whole archive again, the
// download restarts from byte 0 if Destination can be rewound (it has Seek and
// Truncate): it is truncated back to where it stood when the download began, and a
// progress report says Written 0. Any other Destination fails with an error saying how
// many bytes it got.
//
// On error, the response is nil when the export did not start; otherwise it holds the
// last export state seen and the bytes already written.
//
// API: POST /v1/{project_id}/physicalservers/{id}/logs/exports, then
// GET /v1/{project_id}/physicalservers/{id}/logs/exports/{export_id} and
// GET /v1/{project_id}/physicalservers/{id}/logs/exports/{export_id}/content
func (c *Client) ExportAndDownload(ctx context.Context, req *ExportAndDownloadRequest, opts ...Option) (*ExportAndDownloadResponse, error) {
	const name = "ExportAndDownload"
	op := c.c.Op(name)
	if req == nil {
		return nil, op.NilRequest()
	}
	if err := op.ID("ServerID", req.ServerID); err != nil {
		return nil, err
	}
	if req.Destination == nil {
		return nil, op.Invalid("Destination", "is required")
	}
	set := hcloud.Apply(opts)
	wo := wait.Options{MinDelay: set.MinDelay, MaxDelay: set.MaxDelay, Clock: c.c.Clock()}
	if err := wo.Validate(); err != nil {
		return nil, op.Invalid("option", "%v", err)
	}
	ctx, end := c.c.StartOperation(ctx, name, hcloud.KindWaiter, nil)
	resp, err := c.exportAndDownload(ctx, op, req, wo, set.Progress, opts)
	end(err)
	return resp, err
}

// exportAndDownload runs ExportAndDownload once its arguments are checked.
func (c *Client) exportAndDownload(ctx context.Context, op core.Op, req *ExportAndDownloadRequest, wo wait.Options,
	progress func(hcloud.Progress), opts []Option) (*ExportAndDownloadResponse, error) {
	report := func(p hcloud.Progress) {
		if progress != nil {
			progress(p)
		}
	}
	waiting := func(e LogExport) hcloud.Progress {
		return hcloud.Progress{Phase: hcloud.PhaseWaiting, JobID: e.ID, Status: string(e.Status), Percent: e.Percent}
	}

	started, err := c.ExportLogs(ctx, &ExportLogsRequest{ServerID: req.ServerID}, opts...)
	if err != nil {
		return nil, err
	}
	resp := &ExportAndDownloadResponse{Export: started.LogExport}
	export := &resp.Export
	report(waiting(*export))
	if !export.Status.Done() {
		polled := false
		var exported time.Time
		err = wait.Poll(ctx, wo, func(ctx context.Context) (bool, error) {
			if !polled {
				// The export reply was the first check: wait before asking again.
				polled = true
				exported = wo.Clock.Now()
				return false, nil
			}
			got, err := c.GetLogExport(ctx, &GetLogExportRequest{ServerID: req.ServerID, ExportID: export.ID}, opts...)
			if err != nil {
				// A fresh export may answer 404 for a while.
				return false, exportMiss(op, wo.Clock, exported, req.ServerID, export.ID, err)
			}
			*export = got.LogExport
			report(waiting(*export))
			return export.Status.Done(), nil
		})
		if err != nil {
			return resp, waitError(op, export, err)
		}
	}

	dl, err := c.DownloadLogs(ctx, &DownloadLogsRequest{ServerID: req.ServerID, ExportID: export.ID, StallTimeout: req.StallTimeout}, opts...)
	if err != nil {
		return resp, err
	}
	defer dl.Body.Close()
	resp.Filename, resp.ResponseMetadata = dl.Filename, dl.ResponseMetadata
	pw := &progressWriter{w: req.Destination, op: op, report: report, p: hcloud.Progress{
		Phase: hcloud.PhaseDownloading, JobID: export.ID, Status: string(export.Status), Percent: 100,
		Total: dl.ContentLength, Filename: dl.Filename,
	}}
	if body, ok := dl.Body.(*archiveBody); ok {
		body.rewind = pw.rewinder()
	}
	pw.flush()
	buf := make([]byte, downloadBufferSize)
	_, err = io.CopyBuffer(pw, dl.Body, buf)
	resp.Written = pw.p.Written
	if err != nil {
		return resp, err
	}
	if pw.p.Written != pw.reported {
		pw.flush()
	}
	return resp, nil
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
	report   func(hcloud.Progress)
	p        hcloud.Progress
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
