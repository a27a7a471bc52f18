package css

// LogBackupStatus is the state of a log backup job. Values the service adds later are
// kept as sent.
type LogBackupStatus string

// The documented log backup job states.
const (
	// LogBackupRunning is a job still copying logs.
	LogBackupRunning LogBackupStatus = "RUNNING"
	// LogBackupSucceeded is a job whose logs are in the OBS bucket.
	LogBackupSucceeded LogBackupStatus = "SUCCESS"
	// LogBackupFailed is a job that ended in error; see LogBackup.FailedMessage.
	LogBackupFailed LogBackupStatus = "FAIL"
)

// Done reports whether the job has ended, successfully or not.
func (s LogBackupStatus) Done() bool { return s == LogBackupSucceeded || s == LogBackupFailed }

// JobType says what started a log backup job.
type JobType string

// The documented job types.
const (
	// JobTypeManual is a job started by CreateLogBackup.
	JobTypeManual JobType = "Manual"
	// JobTypeAuto is a job started by the daily automatic backup policy.
	JobTypeAuto JobType = "Auto"
)

// StatusFilter selects log backup jobs by outcome in ListLogBackups.
type StatusFilter string

// The status filters the service accepts; the empty filter lists every job.
const (
	// StatusFilterFailed lists the failed jobs.
	StatusFilterFailed StatusFilter = "FAIL"
	// StatusFilterNotFailed lists the running and the successful jobs.
	StatusFilterNotFailed StatusFilter = "NOT_FAIL"
)

// Action selects what EnableLogBackup turns on.
type Action string

// The log collection capabilities EnableLogBackup can turn on.
const (
	// ActionBaseLogCollect turns on log backup to OBS; the service's default when
	// Action is empty.
	ActionBaseLogCollect Action = "base_log_collect"
	// ActionRealTimeLogCollect turns on real-time collection of the logs into indices of
	// a target cluster; it needs IndexPrefix, KeepDays and TargetClusterID.
	ActionRealTimeLogCollect Action = "real_time_log_collect"
)

// LogType is a kind of run log searched by SearchLogs.
type LogType string

// The run log kinds SearchLogs can search.
const (
	// LogTypeDeprecation is the deprecation log.
	LogTypeDeprecation LogType = "deprecation"
	// LogTypeIndexingSlow is the indexing slow log.
	LogTypeIndexingSlow LogType = "indexingSlow"
	// LogTypeSearchSlow is the search slow log.
	LogTypeSearchSlow LogType = "searchSlow"
	// LogTypeInstance is the node's main run log.
	LogTypeInstance LogType = "instance"
)

// LogLevel is the level of a run log line.
type LogLevel string

// The log levels SearchLogs can filter on.
const (
	// LogLevelDebug is DEBUG.
	LogLevelDebug LogLevel = "DEBUG"
	// LogLevelInfo is INFO.
	LogLevelInfo LogLevel = "INFO"
	// LogLevelWarn is WARN.
	LogLevelWarn LogLevel = "WARN"
	// LogLevelError is ERROR.
	LogLevelError LogLevel = "ERROR"
)
