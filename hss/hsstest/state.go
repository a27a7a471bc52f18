package hsstest

import (
	"slices"
	"sync"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/internal/fake"
)

// state is the server's data; mu guards every field.
type state struct {
	mu    sync.Mutex
	tasks []*task                     // in the order they were added or created
	hosts map[string][]hss.HostBackup // backups by host ID, in the order they were added
}

// task is a seeded task or a restore.
type task struct {
	seq int // position in state.tasks: odd ones are served with updated_at
	t   hss.BackupTask
	// restore marks a task created by a restore; its Status, Progress and EndedAt
	// are computed from StartedAt, duration and the time asked about.
	restore  bool
	duration time.Duration
}

// at returns the task as it stands at now.
func (k *task) at(now time.Time) hss.BackupTask {
	t := k.t
	if !k.restore {
		return t
	}
	elapsed := now.Sub(t.StartedAt)
	if k.duration <= 0 || elapsed >= k.duration {
		t.Status, t.Progress, t.EndedAt = hss.TaskStatusSuccess, 100, t.StartedAt.Add(k.duration)
		return t
	}
	t.Status = hss.TaskStatusRunning
	if elapsed > 0 {
		t.Progress = min(int(elapsed*100/k.duration), 99)
	}
	return t
}

// AddBackupTask seeds a task. It is served as given (a seeded task keeps its status;
// only restores progress) in the wire format described in the package comment, times
// rounded down to the second.
func (s *Server) AddBackupTask(t hss.BackupTask) {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	s.state.tasks = append(s.state.tasks, &task{seq: len(s.state.tasks), t: t})
}

// AddHostBackup seeds a backup of the host hostID, which ListHostBackups lists and
// RestoreBackup accepts. An empty BackupID gets a random UUID, an empty Status is
// BackupStatusAvailable and a zero CreatedAt is the server's current time.
func (s *Server) AddHostBackup(hostID string, b hss.HostBackup) {
	if b.BackupID == "" {
		b.BackupID = fake.NewID()
	}
	if b.Status == "" {
		b.Status = hss.BackupStatusAvailable
	}
	if b.CreatedAt.IsZero() {
		b.CreatedAt = s.Now()
	}
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	s.state.hosts[hostID] = append(s.state.hosts[hostID], b)
}

// BackupTasks returns every task, seeded or created by a restore, as the task list
// serves them: newest StartedAt first, in their state at the server's current time,
// with times in UTC rounded down to the second, as a client decodes them (UpdatedAt
// set for the tasks whose end time is served as updated_at).
func (s *Server) BackupTasks() []hss.BackupTask {
	sorted := s.sortedTasks(s.Now())
	out := make([]hss.BackupTask, len(sorted))
	for i, t := range sorted {
		out[i] = t.BackupTask
		out[i].StartedAt = wireRound(t.StartedAt)
		out[i].EndedAt = wireRound(t.EndedAt)
		out[i].UpdatedAt = time.Time{}
		if t.updatedAt {
			out[i].UpdatedAt = out[i].EndedAt
		}
	}
	return out
}

// wireRound returns t as the wire carries it: in UTC, rounded down to the second.
func wireRound(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Second)
}

// servedTask is a task at a moment, with the end time field it is served with.
type servedTask struct {
	hss.BackupTask
	updatedAt bool
}

// sortedTasks returns the tasks at now, newest StartedAt first, ties in the order
// they were added.
func (s *Server) sortedTasks(now time.Time) []servedTask {
	s.state.mu.Lock()
	out := make([]servedTask, len(s.state.tasks))
	for i, k := range s.state.tasks {
		out[i] = servedTask{BackupTask: k.at(now), updatedAt: k.seq%2 == 1}
	}
	s.state.mu.Unlock()
	slices.SortStableFunc(out, func(a, b servedTask) int { return b.StartedAt.Compare(a.StartedAt) })
	return out
}

// hostBackups returns the backups of hostID, newest CreatedAt first, ties in the
// order they were added.
func (s *Server) hostBackups(hostID string) []hss.HostBackup {
	s.state.mu.Lock()
	out := slices.Clone(s.state.hosts[hostID])
	s.state.mu.Unlock()
	slices.SortStableFunc(out, func(a, b hss.HostBackup) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out
}

// restoreOutcome says what startRestore did.
type restoreOutcome int

const (
	restoreStarted restoreOutcome = iota
	restoreBackupNotFound
	restoreRunning
)

// startRestore creates the restore task of backupID onto serverID at now, unless the
// backup is unknown or a restore onto the server is running.
func (s *Server) startRestore(backupID, serverID string, now time.Time) restoreOutcome {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	var backup *hss.HostBackup
	for _, list := range s.state.hosts {
		for i := range list {
			if list[i].BackupID == backupID {
				backup = &list[i]
			}
		}
	}
	if backup == nil {
		return restoreBackupNotFound
	}
	hostName := serverID
	for _, k := range s.state.tasks {
		if k.restore && k.t.HostID == serverID && !k.at(now).Status.Terminal() {
			return restoreRunning
		}
		if !k.restore && k.t.HostID == serverID && k.t.HostName != "" {
			hostName = k.t.HostName
		}
	}
	s.state.tasks = append(s.state.tasks, &task{
		seq: len(s.state.tasks),
		t: hss.BackupTask{
			HostID:     serverID,
			HostName:   hostName,
			BackupName: backup.BackupName,
			StartedAt:  now,
		},
		restore:  true,
		duration: s.restoreDuration,
	})
	return restoreStarted
}
