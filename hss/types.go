package hss

// TaskStatus is the state of a backup or restoration task. Values the service adds
// later are kept as they arrive.
type TaskStatus string

// The task states of the API.
const (
	TaskStatusSuccess TaskStatus = "success"
	TaskStatusSkipped TaskStatus = "skipped"
	TaskStatusFailed  TaskStatus = "failed"
	TaskStatusRunning TaskStatus = "running"
	TaskStatusTimeout TaskStatus = "timeout"
	TaskStatusWaiting TaskStatus = "waiting"
)

// taskStatuses returns the values a request may filter on.
func taskStatuses() []string {
	return []string{
		string(TaskStatusSuccess), string(TaskStatusSkipped), string(TaskStatusFailed),
		string(TaskStatusRunning), string(TaskStatusTimeout), string(TaskStatusWaiting),
	}
}

// Terminal reports whether the task has ended: success, skipped, failed or timeout.
// Running, waiting and unknown states are not terminal.
func (s TaskStatus) Terminal() bool {
	switch s {
	case TaskStatusSuccess, TaskStatusSkipped, TaskStatusFailed, TaskStatusTimeout:
		return true
	}
	return false
}

// BackupStatus is the state of a host backup. Values the service adds later are kept
// as they arrive.
type BackupStatus string

// The backup states of the API.
const (
	BackupStatusAvailable      BackupStatus = "available"
	BackupStatusProtecting     BackupStatus = "protecting"
	BackupStatusDeleting       BackupStatus = "deleting"
	BackupStatusRestoring      BackupStatus = "restoring"
	BackupStatusError          BackupStatus = "error"
	BackupStatusWaitingProtect BackupStatus = "waiting_protect"
	BackupStatusWaitingDelete  BackupStatus = "waiting_delete"
	BackupStatusWaitingRestore BackupStatus = "waiting_restore"
)

// backupStatuses returns the values a request may filter on.
func backupStatuses() []string {
	return []string{
		string(BackupStatusAvailable), string(BackupStatusProtecting), string(BackupStatusDeleting),
		string(BackupStatusRestoring), string(BackupStatusError), string(BackupStatusWaitingProtect),
		string(BackupStatusWaitingDelete), string(BackupStatusWaitingRestore),
	}
}
