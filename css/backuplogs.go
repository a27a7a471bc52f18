package css

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/internal/wait"
)

// ClockSkewAllowance is how much earlier than the client's clock at the trigger a job
// found by BackupLogs may be stamped: the service stamps createAt with its own clock,
// which can be behind ours. A job stamped earlier still is not recognised, and
// BackupLogs keeps polling until ctx ends.
const ClockSkewAllowance = 5 * time.Minute

// backupScanPageSize is how many jobs BackupLogs reads per list request, and
// backupScanMaxPages how many pages at most per poll. The new job is the newest, so it
// is on the first page unless hundreds of jobs were created in the skew window.
const (
	backupScanPageSize = 100
	backupScanMaxPages = 10
)

// JobFailedError is returned by BackupLogs when the log backup job ends in FAIL.
type JobFailedError struct {
	// Job is the failed job as last listed.
	Job LogBackup
	// Message is the service's reason (the job's failedMsg).
	Message string
}

// Error names the job and the service's reason.
func (e *JobFailedError) Error() string {
	s := "css: log backup job " + e.Job.ID
	if e.Job.JobID != "" {
		s += " (job id " + e.Job.JobID + ")"
	}
	s += " failed"
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// BackupLogs starts a manual log backup of req.ClusterID and waits until the job ends.
// It returns the job on SUCCESS and a *JobFailedError on FAIL.
//
// The service returns no job ID, so BackupLogs identifies the job it started: before
// the trigger it notes the manual jobs already listed, and afterwards it takes the
// newest manual job that was not listed before and is stamped no earlier than the
// trigger time minus ClockSkewAllowance (by the client's clock). A job that finished
// just before the trigger is therefore never mistaken for the new one. Jobs are looked
// for on the first pages of the list, which the service sorts newest first.
//
// Polls start hcloud.WithMinDelay apart (default 2 s) and double up to
// hcloud.WithMaxDelay (default 30 s); the other options apply to each request. The wait ends with ctx: give ctx a deadline, or BackupLogs waits as long as
// the job runs. When the trigger succeeded but the wait fails, the error says so; the
// job may still complete.
//
// API: POST /v1.0/{project_id}/clusters/{cluster_id}/logs/collect, then
// GET /v1.0/{project_id}/clusters/{cluster_id}/logs/records
func (c *Client) BackupLogs(ctx context.Context, req *CreateLogBackupRequest, opts ...Option) (*LogBackup, error) {
	const op = "BackupLogs"
	if req == nil {
		return nil, c.errNilRequest(op)
	}
	o := c.c.Op(op)
	if err := o.Required("ClusterID", req.ClusterID); err != nil {
		return nil, err
	}
	set := hcloud.Apply(opts)
	clock := c.c.Clock()
	wo := wait.Options{MinDelay: set.MinDelay, MaxDelay: set.MaxDelay, Clock: clock}
	if err := wo.Validate(); err != nil {
		return nil, o.Invalid("option", "%v", err)
	}
	ctx, end := c.c.StartOperation(ctx, op, hcloud.KindWaiter, &set)
	job, err := c.backupLogs(ctx, req, wo, opts)
	end(err)
	return job, err
}

// backupLogs triggers the backup of a validated request and waits for its job, as
// BackupLogs says.
func (c *Client) backupLogs(ctx context.Context, req *CreateLogBackupRequest, wo wait.Options, opts []Option) (*LogBackup, error) {
	const op = "BackupLogs"
	clock := wo.Clock
	cutoff := clock.Now().Add(-ClockSkewAllowance)
	before := make(map[string]bool)
	if err := c.scanManualJobs(ctx, req.ClusterID, cutoff, opts, func(b LogBackup) { before[logBackupKey(b)] = true }); err != nil {
		if errors.Is(err, ErrInvalidRequest) {
			return nil, err
		}
		return nil, fmt.Errorf("css: %s: listing the jobs before the trigger: %w", op, err)
	}
	if _, err := c.CreateLogBackup(ctx, req, opts...); err != nil {
		return nil, err
	}

	var job *LogBackup
	check := func(ctx context.Context) (bool, error) {
		var newest *LogBackup
		err := c.scanManualJobs(ctx, req.ClusterID, cutoff, opts, func(b LogBackup) {
			key := logBackupKey(b)
			switch {
			case before[key]:
			case job != nil && key == logBackupKey(*job):
				newest = &b
			case job == nil && (newest == nil || b.CreatedAt.After(newest.CreatedAt)):
				newest = &b
			}
		})
		if err != nil {
			return false, err
		}
		if newest == nil {
			return false, nil
		}
		job = newest
		switch job.Status {
		case LogBackupSucceeded:
			return true, nil
		case LogBackupFailed:
			return true, &JobFailedError{Job: *job, Message: job.FailedMessage}
		}
		return false, nil
	}
	err := wait.Poll(ctx, wo, check)
	var failed *JobFailedError
	switch {
	case err == nil:
		return job, nil
	case errors.As(err, &failed):
		return nil, err
	case job == nil:
		return nil, fmt.Errorf("css: %s: backup started, but its job was not listed yet: %w", op, err)
	default:
		return nil, fmt.Errorf("css: %s: backup started as job %s (%s when last listed), waiting for it: %w", op, job.ID, job.Status, err)
	}
}

// scanManualJobs calls fn for every Manual job of the cluster stamped at or after
// cutoff, reading the list newest first until a page reaches older jobs, a short page,
// or backupScanMaxPages pages.
func (c *Client) scanManualJobs(ctx context.Context, clusterID string, cutoff time.Time, opts []Option, fn func(LogBackup)) error {
	req := &ListLogBackupsRequest{ClusterID: clusterID}
	offset := 1
	for range backupScanMaxPages {
		resp, _, err := c.listPage(ctx, "ListLogBackups", req, offset, backupScanPageSize, opts)
		if err != nil {
			return err
		}
		older := false
		for _, b := range resp.Records {
			if b.CreatedAt.Before(cutoff) {
				older = true
				continue
			}
			if b.JobType == JobTypeManual {
				fn(b)
			}
		}
		if older || len(resp.Records) < backupScanPageSize {
			return nil
		}
		offset += len(resp.Records)
	}
	return nil
}
