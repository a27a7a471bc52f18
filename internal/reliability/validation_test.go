package reliability

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
)

// idOp is an operation that takes the ID of a cluster, server or host.
type idOp struct {
	// name is "<service>: <Operation>: <Field>", the start of its validation errors.
	name string
	call func(ctx context.Context, id string) error
}

// idOps returns every operation that takes a cluster, server or host ID, on clients
// made from cfg. Every other field holds a valid value.
func idOps(t *testing.T, cfg core.Config) []idOp {
	cc, hc, dc, bc := allClients(t, cfg)
	first := func(seq func(func(css.LogBackup, error) bool)) error {
		for _, err := range seq {
			return err
		}
		return nil
	}
	return []idOp{
		{"css: CreateLogBackup: ClusterID", func(ctx context.Context, id string) error {
			_, err := cc.CreateLogBackup(ctx, &css.CreateLogBackupRequest{ClusterID: id})
			return err
		}},
		{"css: BackupLogs: ClusterID", func(ctx context.Context, id string) error {
			_, err := cc.BackupLogs(ctx, &css.CreateLogBackupRequest{ClusterID: id})
			return err
		}},
		{"css: ListLogBackups: ClusterID", func(ctx context.Context, id string) error {
			_, err := cc.ListLogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: id})
			return err
		}},
		{"css: ListLogBackups: ClusterID", func(ctx context.Context, id string) error {
			return first(cc.LogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: id}))
		}},
		{"css: GetLogSettings: ClusterID", func(ctx context.Context, id string) error {
			_, err := cc.GetLogSettings(ctx, &css.GetLogSettingsRequest{ClusterID: id})
			return err
		}},
		{"css: EnableLogBackup: ClusterID", func(ctx context.Context, id string) error {
			_, err := cc.EnableLogBackup(ctx, &css.EnableLogBackupRequest{ClusterID: id})
			return err
		}},
		{"css: UpdateLogSettings: ClusterID", func(ctx context.Context, id string) error {
			_, err := cc.UpdateLogSettings(ctx, &css.UpdateLogSettingsRequest{ClusterID: id})
			return err
		}},
		{"css: DisableLogBackup: ClusterID", func(ctx context.Context, id string) error {
			_, err := cc.DisableLogBackup(ctx, &css.DisableLogBackupRequest{ClusterID: id})
			return err
		}},
		{"css: SetAutoBackupPolicy: ClusterID", func(ctx context.Context, id string) error {
			_, err := cc.SetAutoBackupPolicy(ctx, &css.SetAutoBackupPolicyRequest{ClusterID: id, Period: "00:00 GMT+08:00"})
			return err
		}},
		{"css: DisableAutoBackupPolicy: ClusterID", func(ctx context.Context, id string) error {
			_, err := cc.DisableAutoBackupPolicy(ctx, &css.DisableAutoBackupPolicyRequest{ClusterID: id})
			return err
		}},
		{"css: SearchLogs: ClusterID", func(ctx context.Context, id string) error {
			_, err := cc.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: id, InstanceName: "node-1", LogType: css.LogTypeInstance})
			return err
		}},
		{"hss: ListHostBackups: HostID", func(ctx context.Context, id string) error {
			_, err := hc.ListHostBackups(ctx, &hss.ListHostBackupsRequest{HostID: id})
			return err
		}},
		{"hss: ListHostBackups: HostID", func(ctx context.Context, id string) error {
			for _, err := range hc.HostBackups(ctx, &hss.ListHostBackupsRequest{HostID: id}) {
				return err
			}
			return nil
		}},
		{"hss: RestoreBackup: ServerID", func(ctx context.Context, id string) error {
			_, err := hc.RestoreBackup(ctx, &hss.RestoreBackupRequest{BackupID: "bk-1", ServerID: id})
			return err
		}},
		{"dws: ListAuditLogRecords: ClusterID", func(ctx context.Context, id string) error {
			_, err := dc.ListAuditLogRecords(ctx, &dws.ListAuditLogRecordsRequest{ClusterID: id})
			return err
		}},
		{"baremetal: ExportLogs: ServerID", func(ctx context.Context, id string) error {
			_, err := bc.ExportLogs(ctx, &baremetal.ExportLogsRequest{ServerID: id})
			return err
		}},
		{"baremetal: GetLogExport: ServerID", func(ctx context.Context, id string) error {
			_, err := bc.GetLogExport(ctx, &baremetal.GetLogExportRequest{ServerID: id, ExportID: "1"})
			return err
		}},
		{"baremetal: DownloadLogs: ServerID", func(ctx context.Context, id string) error {
			resp, err := bc.DownloadLogs(ctx, &baremetal.DownloadLogsRequest{ServerID: id, ExportID: "1"})
			if err == nil {
				resp.Body.Close()
			}
			return err
		}},
		{"baremetal: ExportAndDownload: ServerID", func(ctx context.Context, id string) error {
			_, err := bc.ExportAndDownload(ctx, &baremetal.ExportAndDownloadRequest{ServerID: id, Destination: io.Discard})
			return err
		}},
	}
}

// TestIDsCheckedAlikeEverywhere: every cluster, server and host ID goes through one
// check, before anything is sent, with one error text.
func TestIDsCheckedAlikeEverywhere(t *testing.T) {
	t.Parallel()
	rec := &pathRecorder{}
	cfg := offlineConfig()
	cfg.HTTPClient = &http.Client{Transport: rec}
	const shape = ` is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`
	for _, op := range idOps(t, cfg) {
		for _, tc := range []struct{ id, want string }{
			{"nope", `"nope"` + shape},
			{" " + cssCluster, `" ` + cssCluster + `"` + shape},
			{cssCluster + "/x", `"` + cssCluster + `/x"` + shape},
			{"", "is required"},
		} {
			err := op.call(context.Background(), tc.id)
			require.Error(t, err, "%s(%q)", op.name, tc.id)
			assert.True(t, isValidation(err), "%s(%q): %v", op.name, tc.id, err)
			assert.EqualError(t, err, op.name+" "+tc.want)
			assert.Empty(t, rec.take(), "%s(%q) sent a request", op.name, tc.id)
		}
	}
}

// TestNilRequestOneSentence: a nil request gets the same sentence in every service.
func TestNilRequestOneSentence(t *testing.T) {
	t.Parallel()
	cfg := offlineConfig()
	cc, hc, dc, bc := allClients(t, cfg)
	ctx := context.Background()
	for want, call := range map[string]func() error{
		"css: ListLogBackups":      func() error { _, err := cc.ListLogBackups(ctx, nil); return err },
		"css: BackupLogs":          func() error { _, err := cc.BackupLogs(ctx, nil); return err },
		"css: SearchLogs":          func() error { _, err := cc.SearchLogs(ctx, nil); return err },
		"hss: ListBackupTasks":     func() error { _, err := hc.ListBackupTasks(ctx, nil); return err },
		"hss: ListHostBackups":     func() error { _, err := hc.ListHostBackups(ctx, nil); return err },
		"hss: RestoreBackup":       func() error { _, err := hc.RestoreBackup(ctx, nil); return err },
		"dws: ListAuditLogRecords": func() error { _, err := dc.ListAuditLogRecords(ctx, nil); return err },
		"baremetal: ExportLogs":    func() error { _, err := bc.ExportLogs(ctx, nil); return err },
		"baremetal: DownloadLogs":  func() error { _, err := bc.DownloadLogs(ctx, nil); return err },
	} {
		err := call()
		assert.True(t, isValidation(err), "%s: %v", want, err)
		assert.EqualError(t, err, want+": request is nil")
	}
}
