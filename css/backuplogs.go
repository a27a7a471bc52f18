package css

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/internal/wait"
	"github.com/hcloudlogs/hcloudlogs-go/internal/wire"
)

// ClockSkewAllowance is how much earlier than the client's clock at the trigger a job
// found by BackupLogs may be stamped: the service stamps createAt with its own clock,
// which can be behind ours. A job stamped earlier still is not recognised.
const ClockSkewAllowance = 5 * time.Minute

// GracePeriod is how long, by the client's clock, BackupLogs and WaitForLogBackup keep
// polling for a job that the list does not show: the service may list a job a few
// seconds after it starts. The first poll after GracePeriod that still misses the job
// ends the wait with an error wrapping ErrJobNotListed.
const GracePeriod = 30 * time.Second

// ErrJobNotListed is wrapped by the error of BackupLogs and WaitForLogBackup when the
// job they wait for is still not in the cluster's job list after GracePeriod.
var ErrJobNotListed = errors.New("job not listed")

// backupScanPageSize is how many jobs the waiters read per list request.
const backupScanPageSize = 100

// JobFailedError is returned by BackupLogs and WaitForLogBackup when the log backup
// job ends in FAIL.
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
// The service returns no job ID, so BackupLogs identifies the job it started. Before
// the trigger it notes the manual jobs already listed; afterwards the new job is a
// manual job that was not listed before and is stamped no earlier than the trigger
// time minus ClockSkewAllowance (by the client's clock). Among several such jobs, the
// RUNNING one wins (a cluster runs at most one backup at a time), then the newest. A
// job that finished just before the trigger, or an Auto job, is therefore never
// mistaken for the new one, and a job that is already over by the first poll is still
// found. The list may be sorted newest first or oldest first and span any number of
// pages: until the job is identified each poll reads the list only as far as the jobs
// stamped before that cutoff (a list sorted newest first from its start, one sorted
// oldest first from its end, when the service reports the total and honours the
// position; otherwise the whole list); afterwards each poll reads the one page around
// the job's last position, and the list again only if the job moved out of it. When the new job is not listed within GracePeriod of the
// trigger, the error wraps ErrJobNotListed.
//
// Polls start hcloud.WithMinDelay apart (default 2 s) and double up to
// hcloud.WithMaxDelay (default 30 s); the other options apply to each request. The
// wait ends with ctx: give ctx a deadline, or BackupLogs waits as long as the job
// runs. When the trigger succeeded but the wait fails, the error says so and, once the
// job was identified, names its ID and JobID; the job may still complete, and
// WaitForLogBackup with that JobID waits for it again.
//
// API: POST /v1.0/{project_id}/clusters/{cluster_id}/logs/collect, then
// GET /v1.0/{project_id}/clusters/{cluster_id}/logs/records
func (c *Client) BackupLogs(ctx context.Context, req *CreateLogBackupRequest, opts ...Option) (*LogBackup, error) {
	const op = "BackupLogs"
	if req == nil {
		return nil, c.errNilRequest(op)
	}
	o := c.c.Op(op)
	if err := o.ID("ClusterID", req.ClusterID); err != nil {
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
	err := c.scanJobs(ctx, req.ClusterID, cutoff, opts, func(_ int, b LogBackup) bool {
		if b.JobType == JobTypeManual && !b.CreatedAt.Before(cutoff) {
			before[logBackupKey(b)] = true
		}
		return true
	})
	if err != nil {
		if errors.Is(err, ErrInvalidRequest) {
			return nil, err
		}
		return nil, fmt.Errorf("css: %s: listing the jobs before the trigger: %w", op, err)
	}
	if _, err := c.CreateLogBackup(ctx, req, opts...); err != nil {
		return nil, err
	}
	triggered := clock.Now()

	t := &jobTracker{c: c, clusterID: req.ClusterID, since: cutoff, opts: opts}
	identify := func(ctx context.Context) (*LogBackup, int, error) {
		var best LogBackup
		bestPos := 0
		err := c.scanJobs(ctx, req.ClusterID, cutoff, opts, func(pos int, b LogBackup) bool {
			if b.JobType != JobTypeManual || b.CreatedAt.Before(cutoff) || before[logBackupKey(b)] {
				return true
			}
			if bestPos == 0 || newJobBetter(b, best) {
				best, bestPos = b, pos
			}
			// At most one job runs at a time: a RUNNING candidate is the one.
			return best.Status != LogBackupRunning
		})
		if err != nil || bestPos == 0 {
			return nil, 0, err
		}
		return &best, bestPos, nil
	}
	var job *LogBackup
	check := func(ctx context.Context) (bool, error) {
		got, err := t.find(ctx, identify)
		if err != nil {
			return false, err
		}
		if got == nil {
			if clock.Now().Sub(triggered) <= GracePeriod {
				return false, nil
			}
			if job == nil {
				return false, fmt.Errorf("css: %s: backup started at %s, but no new manual job of cluster %s was listed within %v: %w",
					op, triggered.UTC().Format(time.RFC3339), req.ClusterID, GracePeriod, ErrJobNotListed)
			}
			return false, fmt.Errorf("css: %s: backup started as job %s (job id %s) of cluster %s, which is no longer listed: %w",
				op, job.ID, job.JobID, req.ClusterID, ErrJobNotListed)
		}
		job = got
		return finished(job)
	}
	err = wait.Poll(ctx, wo, check)
	var failed *JobFailedError
	switch {
	case err == nil:
		return job, nil
	case errors.As(err, &failed), errors.Is(err, ErrJobNotListed):
		return nil, err
	case job == nil:
		return nil, fmt.Errorf("css: %s: backup started, but its job was not listed yet: %w", op, err)
	default:
		return nil, fmt.Errorf("css: %s: backup started as job %s (job id %s, %s when last listed), waiting for it: %w", op, job.ID, job.JobID, job.Status, err)
	}
}

// newJobBetter reports whether a is a likelier new job than b: a RUNNING job over a
// finished one, then the newer one.
func newJobBetter(a, b LogBackup) bool {
	if ar, br := a.Status == LogBackupRunning, b.Status == LogBackupRunning; ar != br {
		return ar
	}
	return a.CreatedAt.After(b.CreatedAt)
}

// finished is a waiter's verdict on the job as listed: done on SUCCESS, a
// *JobFailedError on FAIL, not done otherwise.
func finished(job *LogBackup) (bool, error) {
	switch job.Status {
	case LogBackupSucceeded:
		return true, nil
	case LogBackupFailed:
		return true, &JobFailedError{Job: *job, Message: job.FailedMessage}
	}
	return false, nil
}

// WaitForLogBackupRequest names the log backup job WaitForLogBackup waits for.
type WaitForLogBackupRequest struct {
	// ClusterID is the cluster that runs the job.
	ClusterID string
	// JobID is the job's LogBackup.JobID, 32 hex digits such as
	// "2c9080df7c171342017c5e0884f8011c". A job record has two IDs: LogBackup.ID, a UUID
	// that identifies the record, and LogBackup.JobID, the ID of the job that created
	// it; this is the second one, and a UUID here is refused before anything is sent.
	JobID string
}

// WaitForLogBackup waits until an existing log backup job ends: a job started by
// CreateLogBackup elsewhere, an Auto job of the backup policy, or a job whose
// BackupLogs wait was cut short. It finds the job by req.JobID in the cluster's job
// list, in any order and on any page, and returns it on SUCCESS (at once if it is
// already over) and a *JobFailedError on FAIL. While the job is not listed it keeps
// polling for GracePeriod after the call, then returns an error wrapping
// ErrJobNotListed.
//
// Polls start hcloud.WithMinDelay apart (default 2 s) and double up to
// hcloud.WithMaxDelay (default 30 s); the other options apply to each request. The
// wait ends with ctx: give ctx a deadline, or WaitForLogBackup waits as long as the
// job runs.
//
// API: GET /v1.0/{project_id}/clusters/{cluster_id}/logs/records
func (c *Client) WaitForLogBackup(ctx context.Context, req *WaitForLogBackupRequest, opts ...Option) (*LogBackup, error) {
	const op = "WaitForLogBackup"
	if req == nil {
		return nil, c.errNilRequest(op)
	}
	o := c.c.Op(op)
	if err := o.ID("ClusterID", req.ClusterID); err != nil {
		return nil, err
	}
	if err := o.Required("JobID", req.JobID); err != nil {
		return nil, err
	}
	if wire.IsUUID(req.JobID) {
		return nil, o.Invalid("JobID", "%q has the form of a record ID (LogBackup.ID); pass the job's LogBackup.JobID", req.JobID)
	}
	set := hcloud.Apply(opts)
	clock := c.c.Clock()
	wo := wait.Options{MinDelay: set.MinDelay, MaxDelay: set.MaxDelay, Clock: clock}
	if err := wo.Validate(); err != nil {
		return nil, o.Invalid("option", "%v", err)
	}

	started := clock.Now()
	t := &jobTracker{c: c, clusterID: req.ClusterID, opts: opts}
	identify := func(ctx context.Context) (*LogBackup, int, error) {
		var job *LogBackup
		at := 0
		err := c.scanJobs(ctx, req.ClusterID, time.Time{}, opts, func(pos int, b LogBackup) bool {
			if b.JobID != req.JobID {
				return true
			}
			job, at = &b, pos
			return false
		})
		return job, at, err
	}
	var job *LogBackup
	check := func(ctx context.Context) (bool, error) {
		got, err := t.find(ctx, identify)
		if err != nil {
			return false, err
		}
		if got == nil {
			if clock.Now().Sub(started) <= GracePeriod {
				return false, nil
			}
			return false, fmt.Errorf("css: %s: job id %s of cluster %s was not listed within %v: %w",
				op, req.JobID, req.ClusterID, GracePeriod, ErrJobNotListed)
		}
		job = got
		return finished(job)
	}
	err := wait.Poll(ctx, wo, check)
	var failed *JobFailedError
	switch {
	case err == nil:
		return job, nil
	case errors.As(err, &failed), errors.Is(err, ErrJobNotListed):
		return nil, err
	case job == nil:
		return nil, fmt.Errorf("css: %s: job id %s of cluster %s not listed yet: %w", op, req.JobID, req.ClusterID, err)
	default:
		return nil, fmt.Errorf("css: %s: waiting for job id %s of cluster %s (%s when last listed): %w", op, req.JobID, req.ClusterID, job.Status, err)
	}
}

// jobTracker finds one job of a cluster's list on each poll of a waiter: by a scan of
// the whole list until it is identified, then on the page around its last position,
// falling back to a scan of the list when it moved out of that page.
type jobTracker struct {
	c         *Client
	clusterID string
	// since bounds the scans of a list sorted newest first (see scanJobs); the zero
	// time reads the whole list.
	since time.Time
	opts  []Option
	// key identifies the job once found (logBackupKey); pos is its last 1-based
	// position in the list.
	key string
	pos int
}

// find returns the job as listed now, or nil when it is not listed. Until the job is
// identified, identify scans the list for it and returns it with its position.
func (t *jobTracker) find(ctx context.Context, identify func(context.Context) (*LogBackup, int, error)) (*LogBackup, error) {
	if t.key == "" {
		job, pos, err := identify(ctx)
		if err != nil || job == nil {
			return nil, err
		}
		t.key, t.pos = logBackupKey(*job), pos
		return job, nil
	}
	// Jobs listed ahead of it may have come or gone: read a page centred on it.
	offset := max(1, t.pos-backupScanPageSize/2)
	resp, err := t.c.ListLogBackups(ctx, &ListLogBackupsRequest{ClusterID: t.clusterID, Offset: offset, Limit: backupScanPageSize}, t.opts...)
	if err != nil {
		return nil, err
	}
	for i, b := range resp.Records {
		if logBackupKey(b) == t.key {
			t.pos = offset + i
			return &b, nil
		}
	}
	var job *LogBackup
	err = t.c.scanJobs(ctx, t.clusterID, t.since, t.opts, func(pos int, b LogBackup) bool {
		if logBackupKey(b) != t.key {
			return true
		}
		job, t.pos = &b, pos
		return false
	})
	return job, err
}

// scanJobs calls visit with every job of the cluster and its 1-based position, until
// visit returns false or the list ends. While the jobs read so far are sorted newest
// first (no job newer than the one before it, and at least one older), it also stops
// after the first job stamped before since: the jobs after it are older still. A list
// sorted oldest first whose first page is all older than since is read from its end
// instead (see scanTail), so that the recent jobs cost a page or two, not the list.
func (c *Client) scanJobs(ctx context.Context, clusterID string, since time.Time, opts []Option, visit func(pos int, b LogBackup) bool) error {
	r, err := c.validatedCopy("ListLogBackups", &ListLogBackupsRequest{ClusterID: clusterID, Limit: backupScanPageSize})
	if err != nil {
		return err
	}
	pos := 0
	newestFirst, descending := true, false
	var prev time.Time
	// The scan's pages are polls of the waiter, not a walk of their own.
	for page, err := range c.logBackupPager("ListLogBackups", "", r, opts).Pages(ctx) {
		if err != nil {
			return err
		}
		for _, b := range page.Records {
			pos++
			if pos > 1 {
				switch {
				case b.CreatedAt.After(prev):
					newestFirst = false
				case b.CreatedAt.Before(prev):
					descending = true
				}
			}
			prev = b.CreatedAt
			if !visit(pos, b) {
				return nil
			}
			if newestFirst && descending && b.CreatedAt.Before(since) {
				return nil
			}
		}
		if pos == len(page.Records) && !since.IsZero() && ascending(page.Records) && prev.Before(since) &&
			page.Total != nil && *page.Total > pos && c.scanTail(ctx, clusterID, page.Records[0], pos, *page.Total, since, opts, visit) {
			return nil
		}
	}
	return nil
}

// ascending reports whether jobs are sorted oldest first: each no older than the one
// before it, and at least one newer.
func ascending(jobs []LogBackup) bool {
	newer := false
	for i := 1; i < len(jobs); i++ {
		switch {
		case jobs[i].CreatedAt.Before(jobs[i-1].CreatedAt):
			return false
		case jobs[i].CreatedAt.After(jobs[i-1].CreatedAt):
			newer = true
		}
	}
	return newer
}

// scanTail reads a list sorted oldest first from its end, for scanJobs: the list holds
// total jobs, of which the first read were visited already, and head is its first job.
// It visits the jobs of windows of backupScanPageSize positions from the end backwards,
// each window in list order, and stops after a window whose first job is stamped
// before since (older windows are older still), when visit returns false, or at the
// jobs already read. It reports false, for scanJobs to read on from where it was, when
// a request fails or a window comes back with the head of the list (a service that
// ignores the position); the jobs it visited then are visited again.
func (c *Client) scanTail(ctx context.Context, clusterID string, head LogBackup, read, total int, since time.Time, opts []Option, visit func(pos int, b LogBackup) bool) bool {
	for end := total; end > read; end -= backupScanPageSize {
		start := max(end-backupScanPageSize+1, read+1)
		var first *LogBackup
		// A service that caps its pages may answer a window in several.
		for pos := start; pos <= end; {
			resp, err := c.ListLogBackups(ctx, &ListLogBackupsRequest{ClusterID: clusterID, Offset: pos, Limit: end - pos + 1}, opts...)
			if err != nil || len(resp.Records) == 0 || logBackupKey(resp.Records[0]) == logBackupKey(head) {
				return false
			}
			if first == nil {
				first = &resp.Records[0]
			}
			for _, b := range resp.Records {
				if !visit(pos, b) {
					return true
				}
				pos++
			}
		}
		if first.CreatedAt.Before(since) {
			return true
		}
	}
	return true
}
