package csstest

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/internal/fake"
)

// cluster is the state of one cluster; guarded by Server.mu.
type cluster struct {
	id       string
	settings settings
	realTime *realTime
	// jobs are in creation order; the list serves them newest first, from the end.
	jobs []job
	// busyUntil is when the last job started by CreateLogBackup ends.
	busyUntil time.Time
	// stuck counts seeded RUNNING jobs, which never end and keep the cluster busy.
	stuck int
	logs  []logLine
}

// settings is a cluster's logConfiguration.
type settings struct {
	id         string
	bucket     string
	agency     string
	basePath   string
	updatedAt  time.Time
	autoEnable bool
	period     string
	logSwitch  bool
}

// realTime is a cluster's realTimeLogCollectRecord.
type realTime struct {
	id, indexPrefix, targetClusterID, status string
	keepDays                                 int
	createdAt, updatedAt                     time.Time
}

// job is one log backup job. A job started by CreateLogBackup has endAt set: it runs
// until then and ends in final. A seeded job has a zero endAt and is always in final.
// A job with listedAt set (WithListingDelay) is left out of the list before then.
type job struct {
	id, jobID, logPath string
	createdAt          time.Time
	listedAt           time.Time
	endAt              time.Time
	finishedAt         time.Time
	final              css.LogBackupStatus
	jobType            css.JobType
	failedMsg          string
}

// at returns the job's status and end time at now (zero end while it runs).
func (j *job) at(now time.Time) (css.LogBackupStatus, time.Time) {
	if j.endAt.IsZero() {
		return j.final, j.finishedAt
	}
	if now.Before(j.endAt) {
		return css.LogBackupRunning, time.Time{}
	}
	return j.final, j.endAt
}

// listed reports whether the list shows j at now.
func (j *job) listed(now time.Time) bool { return !now.Before(j.listedAt) }

// logLine is one run log line of a node.
type logLine struct {
	instance string
	logType  css.LogType
	entry    css.LogEntry
}

// NodeName returns the name of the node AddCluster gives a cluster, the InstanceName
// to search its run logs with.
func NodeName(clusterID string) string {
	short := clusterID
	if len(short) > 8 {
		short = short[:8]
	}
	return "css-" + short + "-ess-esn-1-1"
}

// AddCluster adds a cluster with log backup enabled (bucket "css-backup-<ms>", base
// path "css/log", agency "css_obs_agency", no automatic policy) and a few run log
// lines on its node NodeName(id). Adding an existing cluster does nothing.
func (s *Server) AddCluster(id string) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clusters[id] != nil {
		return
	}
	node := NodeName(id)
	lines := []struct {
		typ   css.LogType
		level css.LogLevel
		text  string
		ago   time.Duration
	}{
		{css.LogTypeInstance, css.LogLevelInfo, "[" + node + "] node started", 50 * time.Minute},
		{css.LogTypeInstance, css.LogLevelInfo, "[" + node + "] cluster health status changed from [YELLOW] to [GREEN]", 40 * time.Minute},
		{css.LogTypeInstance, css.LogLevelWarn, "[" + node + "] high disk watermark [90%] exceeded", 30 * time.Minute},
		{css.LogTypeInstance, css.LogLevelError, "[" + node + "] failed to execute bulk item (index) on [logs-2024]", 20 * time.Minute},
		{css.LogTypeSearchSlow, css.LogLevelWarn, "[" + node + "] [logs-2024][0] took[5.2s], took_millis[5204]", 10 * time.Minute},
		{css.LogTypeDeprecation, css.LogLevelWarn, "[" + node + "] [types removal] Specifying types in search requests is deprecated", 5 * time.Minute},
	}
	c := &cluster{
		id: id,
		settings: settings{
			id:        fake.NewID(),
			bucket:    "css-backup-" + strconv.FormatInt(now.UnixMilli(), 10),
			agency:    "css_obs_agency",
			basePath:  "css/log",
			updatedAt: now,
			logSwitch: true,
		},
	}
	for _, l := range lines {
		d := now.Add(-l.ago).UTC().Truncate(time.Second)
		c.logs = append(c.logs, logLine{instance: node, logType: l.typ,
			entry: css.LogEntry{Content: l.text, Date: d, DateText: d.Format(logDateLayout), Level: l.level}})
	}
	s.clusters[id] = c
}

// SetLogBackupEnabled turns log backup of a cluster on or off, as EnableLogBackup and
// DisableLogBackup do. It fails for an unknown cluster.
func (s *Server) SetLogBackupEnabled(clusterID string, on bool) error {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.cluster(clusterID)
	if err != nil {
		return err
	}
	c.settings.logSwitch = on
	if !on {
		c.settings.autoEnable, c.settings.period = false, ""
	}
	c.settings.updatedAt = now
	return nil
}

// AddLogBackup appends b to a cluster's jobs as its newest job, whatever its
// CreatedAt, and returns it as stored. Zero fields get defaults: a random ID and JobID,
// CreatedAt now, Status SUCCESS, JobType Manual, LogPath from the settings, and
// FinishedAt equal to CreatedAt for a finished job. A RUNNING job stays running and
// keeps the cluster busy (CreateLogBackup answers 409). It fails for an unknown cluster.
func (s *Server) AddLogBackup(clusterID string, b css.LogBackup) (css.LogBackup, error) {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.cluster(clusterID)
	if err != nil {
		return css.LogBackup{}, err
	}
	j := job{
		id: b.ID, jobID: b.JobID, logPath: b.LogPath, createdAt: b.CreatedAt, finishedAt: b.FinishedAt,
		final: b.Status, jobType: b.JobType, failedMsg: b.FailedMessage,
	}
	if j.id == "" {
		j.id = fake.NewID()
	}
	if j.jobID == "" {
		j.jobID = fake.NewHex(32)
	}
	if j.logPath == "" {
		j.logPath = c.logPath()
	}
	if j.createdAt.IsZero() {
		j.createdAt = now
	}
	if j.final == "" {
		j.final = css.LogBackupSucceeded
	}
	if j.jobType == "" {
		j.jobType = css.JobTypeManual
	}
	switch {
	case j.final == css.LogBackupRunning:
		j.finishedAt = time.Time{}
		c.stuck++
	case j.finishedAt.IsZero():
		j.finishedAt = j.createdAt
	}
	c.jobs = append(c.jobs, j)
	return c.view(&j, now), nil
}

// AddLogBackups seeds a cluster with n finished jobs, for paging tests and
// benchmarks: one an hour, the newest an hour ago, older than the jobs the cluster
// already has only in their timestamps (they are appended as the newest). Every tenth
// is a FAIL, every fourth a Manual job, the rest Auto. It fails for an unknown cluster.
func (s *Server) AddLogBackups(clusterID string, n int) error {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.cluster(clusterID)
	if err != nil {
		return err
	}
	path := c.logPath()
	c.jobs = append(c.jobs, make([]job, 0, max(n, 0))...)
	for i := range max(n, 0) {
		created := now.Add(-time.Duration(n-i) * time.Hour).Truncate(time.Millisecond)
		j := job{
			id: fake.NewID(), jobID: fake.NewHex(32), logPath: path,
			createdAt: created, finishedAt: created.Add(90 * time.Second),
			final: css.LogBackupSucceeded, jobType: css.JobTypeAuto,
		}
		if i%4 == 0 {
			j.jobType = css.JobTypeManual
		}
		if i%10 == 9 {
			j.final = css.LogBackupFailed
			j.failedMsg = "OBS bucket " + c.settings.bucket + " is not reachable"
		}
		c.jobs = append(c.jobs, j)
	}
	return nil
}

// LogBackups returns a cluster's jobs as the list serves them, newest first (oldest
// first WithOldestFirst), with their states at the server's time, and without the
// jobs not listed yet (WithListingDelay); nil for an unknown cluster.
func (s *Server) LogBackups(clusterID string) []css.LogBackup {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clusters[clusterID]
	if c == nil {
		return nil
	}
	out := make([]css.LogBackup, 0, len(c.jobs))
	for i := len(c.jobs) - 1; i >= 0; i-- {
		if c.jobs[i].listed(now) {
			out = append(out, c.view(&c.jobs[i], now))
		}
	}
	if s.opts.oldestFirst {
		slices.Reverse(out)
	}
	return out
}

// LogSettings returns a cluster's log settings and whether the cluster exists.
func (s *Server) LogSettings(clusterID string) (css.LogSettings, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clusters[clusterID]
	if c == nil {
		return css.LogSettings{}, false
	}
	st := &c.settings
	return css.LogSettings{
		ID: st.id, ClusterID: c.id, Bucket: st.bucket, Agency: st.agency, BasePath: st.basePath,
		UpdatedAt: st.updatedAt.Truncate(time.Millisecond), AutoBackup: st.autoEnable, Period: st.period, Enabled: st.logSwitch,
	}, true
}

// AddLogEntry adds a run log line of a cluster's node for SearchLogs. A zero e.Date
// is now; e.DateText is ignored (the fake formats Date). It fails for an unknown
// cluster.
func (s *Server) AddLogEntry(clusterID, instanceName string, logType css.LogType, e css.LogEntry) error {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.cluster(clusterID)
	if err != nil {
		return err
	}
	if e.Date.IsZero() {
		e.Date = now
	}
	e.Date = e.Date.UTC().Truncate(time.Second)
	e.DateText = e.Date.Format(logDateLayout)
	// Keep the lines in date order; the search serves them newest first.
	i := sort.Search(len(c.logs), func(i int) bool { return c.logs[i].entry.Date.After(e.Date) })
	c.logs = slices.Insert(c.logs, i, logLine{instance: instanceName, logType: logType, entry: e})
	return nil
}

// cluster returns the cluster id or an error naming it; s.mu is held.
func (s *Server) cluster(id string) (*cluster, error) {
	c := s.clusters[id]
	if c == nil {
		return nil, fmt.Errorf("csstest: cluster %q was not added (AddCluster)", id)
	}
	return c, nil
}

// logPath is where the cluster's backups go: bucket and base path.
func (c *cluster) logPath() string {
	return c.settings.bucket + "/" + c.settings.basePath
}

// view is j as the client decodes it, at now.
func (c *cluster) view(j *job, now time.Time) css.LogBackup {
	status, finished := j.at(now)
	b := css.LogBackup{
		ID: j.id, ClusterID: c.id, JobID: j.jobID, CreatedAt: j.createdAt.Truncate(time.Millisecond).UTC(),
		LogPath: j.logPath, Status: status, JobType: j.jobType,
	}
	if !finished.IsZero() {
		b.FinishedAt = finished.Truncate(time.Millisecond).UTC()
	}
	if status == css.LogBackupFailed {
		b.FailedMessage = j.failedMsg
	}
	return b
}
