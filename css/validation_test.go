package css_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
)

// operation calls one operation on cluster id with an otherwise valid request.
type operation struct {
	name   string
	suffix string // path after the cluster ID
	call   func(c *css.Client, id string) error
	nilReq func(c *css.Client) error
}

func operations() []operation {
	ctx := context.Background()
	return []operation{
		{"CreateLogBackup", "/logs/collect",
			func(c *css.Client, id string) error {
				_, err := c.CreateLogBackup(ctx, &css.CreateLogBackupRequest{ClusterID: id})
				return err
			},
			func(c *css.Client) error { _, err := c.CreateLogBackup(ctx, nil); return err }},
		{"ListLogBackups", "/logs/records",
			func(c *css.Client, id string) error {
				_, err := c.ListLogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: id})
				return err
			},
			func(c *css.Client) error { _, err := c.ListLogBackups(ctx, nil); return err }},
		{"GetLogSettings", "/logs/settings",
			func(c *css.Client, id string) error {
				_, err := c.GetLogSettings(ctx, &css.GetLogSettingsRequest{ClusterID: id})
				return err
			},
			func(c *css.Client) error { _, err := c.GetLogSettings(ctx, nil); return err }},
		{"EnableLogBackup", "/logs/open",
			func(c *css.Client, id string) error {
				_, err := c.EnableLogBackup(ctx, &css.EnableLogBackupRequest{ClusterID: id})
				return err
			},
			func(c *css.Client) error { _, err := c.EnableLogBackup(ctx, nil); return err }},
		{"UpdateLogSettings", "/logs/settings",
			func(c *css.Client, id string) error {
				_, err := c.UpdateLogSettings(ctx, &css.UpdateLogSettingsRequest{ClusterID: id})
				return err
			},
			func(c *css.Client) error { _, err := c.UpdateLogSettings(ctx, nil); return err }},
		{"DisableLogBackup", "/logs/close",
			func(c *css.Client, id string) error {
				_, err := c.DisableLogBackup(ctx, &css.DisableLogBackupRequest{ClusterID: id})
				return err
			},
			func(c *css.Client) error { _, err := c.DisableLogBackup(ctx, nil); return err }},
		{"SetAutoBackupPolicy", "/logs/policy/update",
			func(c *css.Client, id string) error {
				_, err := c.SetAutoBackupPolicy(ctx, &css.SetAutoBackupPolicyRequest{ClusterID: id, Period: "00:00 GMT+08:00"})
				return err
			},
			func(c *css.Client) error { _, err := c.SetAutoBackupPolicy(ctx, nil); return err }},
		{"DisableAutoBackupPolicy", "/logs/policy/close",
			func(c *css.Client, id string) error {
				_, err := c.DisableAutoBackupPolicy(ctx, &css.DisableAutoBackupPolicyRequest{ClusterID: id})
				return err
			},
			func(c *css.Client) error { _, err := c.DisableAutoBackupPolicy(ctx, nil); return err }},
		{"SearchLogs", "/logs/search",
			func(c *css.Client, id string) error {
				_, err := c.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: id, InstanceName: "node-1", LogType: css.LogTypeInstance})
				return err
			},
			func(c *css.Client) error { _, err := c.SearchLogs(ctx, nil); return err }},
	}
}

func TestNilRequest(t *testing.T) {
	t.Parallel()
	for _, op := range operations() {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			c, m := newClient(t, always(http.StatusOK, "{}"))
			err := op.nilReq(c)
			assert.ErrorIs(t, err, css.ErrInvalidRequest)
			assert.EqualError(t, err, "css: "+op.name+": request is nil")
			assert.Empty(t, m.requests())
		})
	}
}

func TestClusterIDRefused(t *testing.T) {
	t.Parallel()
	const notAnID = ` is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`
	for _, op := range operations() {
		for _, tc := range []struct{ id, reason string }{
			{"", "ClusterID is required"},
			{"   ", "ClusterID is required"},
			{"nope", `ClusterID "nope"` + notAnID},
			{" " + testCluster, `ClusterID " ` + testCluster + `"` + notAnID},
			{".", `ClusterID "."` + notAnID},
			{"..", `ClusterID ".."` + notAnID},
			{"a\nb", `ClusterID "a\nb"` + notAnID},
			{"a\x00b", `ClusterID "a\x00b"` + notAnID},
			{"\tcluster", `ClusterID "\tcluster"` + notAnID},
			{"a/b", `ClusterID "a/b"` + notAnID},
			{"../etc", `ClusterID "../etc"` + notAnID},
			{"a?b#c", `ClusterID "a?b#c"` + notAnID},
			{"a%2Fb", `ClusterID "a%2Fb"` + notAnID},
			{"集群", `ClusterID "集群"` + notAnID},
		} {
			t.Run(op.name+"/"+tc.id, func(t *testing.T) {
				t.Parallel()
				c, m := newClient(t, always(http.StatusOK, "{}"))
				err := op.call(c, tc.id)
				var ve *css.ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "ClusterID", ve.Field)
				assert.EqualError(t, err, "css: "+op.name+": "+tc.reason)
				assert.Empty(t, m.requests(), "nothing sent")
			})
		}
	}
}

func TestFieldValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	list := func(r css.ListLogBackupsRequest) func(*css.Client) error {
		return func(c *css.Client) error {
			r.ClusterID = testCluster
			_, err := c.ListLogBackups(ctx, &r)
			return err
		}
	}
	search := func(r css.SearchLogsRequest) func(*css.Client) error {
		return func(c *css.Client) error {
			r.ClusterID = testCluster
			_, err := c.SearchLogs(ctx, &r)
			return err
		}
	}
	enable := func(r css.EnableLogBackupRequest) func(*css.Client) error {
		return func(c *css.Client) error {
			r.ClusterID = testCluster
			_, err := c.EnableLogBackup(ctx, &r)
			return err
		}
	}
	update := func(r css.UpdateLogSettingsRequest) func(*css.Client) error {
		return func(c *css.Client) error {
			r.ClusterID = testCluster
			_, err := c.UpdateLogSettings(ctx, &r)
			return err
		}
	}
	policy := func(period string) func(*css.Client) error {
		return func(c *css.Client) error {
			_, err := c.SetAutoBackupPolicy(ctx, &css.SetAutoBackupPolicyRequest{ClusterID: testCluster, Period: period})
			return err
		}
	}
	backup := func(opts ...css.Option) func(*css.Client) error {
		return func(c *css.Client) error {
			_, err := c.BackupLogs(ctx, &css.CreateLogBackupRequest{ClusterID: testCluster}, opts...)
			return err
		}
	}
	realTime := css.EnableLogBackupRequest{Action: css.ActionRealTimeLogCollect, IndexPrefix: "p-", KeepDays: 7, TargetClusterID: "t"}
	without := func(f func(*css.EnableLogBackupRequest)) css.EnableLogBackupRequest {
		r := realTime
		f(&r)
		return r
	}
	for _, tc := range []struct {
		name  string
		call  func(*css.Client) error
		want  string // "" when the request is valid
		query string // for valid list calls: the query sent
	}{
		{"list Offset -1", list(css.ListLogBackupsRequest{Offset: -1}), "css: ListLogBackups: Offset -1 must be at least 1", ""},
		{"list Offset 0 means 1", list(css.ListLogBackupsRequest{Offset: 0}), "", "limit=10&offset=1"},
		{"list Offset 1", list(css.ListLogBackupsRequest{Offset: 1}), "", "limit=10&offset=1"},
		{"list Offset past the documented 1000", list(css.ListLogBackupsRequest{Offset: 1001}), "", "limit=10&offset=1001"},
		{"list Limit -1", list(css.ListLogBackupsRequest{Limit: -1}), "css: ListLogBackups: Limit -1 out of range 1..1000", ""},
		{"list Limit 0 means 10", list(css.ListLogBackupsRequest{Limit: 0}), "", "limit=10&offset=1"},
		{"list Limit 1", list(css.ListLogBackupsRequest{Limit: 1}), "", "limit=1&offset=1"},
		{"list Limit 1000", list(css.ListLogBackupsRequest{Limit: 1000}), "", "limit=1000&offset=1"},
		{"list Limit 1001", list(css.ListLogBackupsRequest{Limit: 1001}), "css: ListLogBackups: Limit 1001 out of range 1..1000", ""},
		{"list Status unknown", list(css.ListLogBackupsRequest{Status: "fail"}), `css: ListLogBackups: Status "fail" is not one of FAIL, NOT_FAIL`, ""},
		{"list Status FAIL", list(css.ListLogBackupsRequest{Status: css.StatusFilterFailed}), "", "limit=10&offset=1&status=FAIL"},

		{"search InstanceName empty", search(css.SearchLogsRequest{LogType: css.LogTypeInstance}), "css: SearchLogs: InstanceName is required", ""},
		{"search LogType empty", search(css.SearchLogsRequest{InstanceName: "n"}), "css: SearchLogs: LogType is required", ""},
		{"search LogType unknown", search(css.SearchLogsRequest{InstanceName: "n", LogType: "slow"}), `css: SearchLogs: LogType "slow" is not one of deprecation, indexingSlow, searchSlow, instance`, ""},
		{"search Level unknown", search(css.SearchLogsRequest{InstanceName: "n", LogType: css.LogTypeInstance, Level: "info"}), `css: SearchLogs: Level "info" is not one of INFO, ERROR, DEBUG, WARN`, ""},
		{"search Limit -1", search(css.SearchLogsRequest{InstanceName: "n", LogType: css.LogTypeInstance, Limit: -1}), "css: SearchLogs: Limit -1 out of range 1..10000", ""},
		{"search Limit 0", search(css.SearchLogsRequest{InstanceName: "n", LogType: css.LogTypeInstance}), "", ""},
		{"search Limit 1", search(css.SearchLogsRequest{InstanceName: "n", LogType: css.LogTypeIndexingSlow, Limit: 1}), "", ""},
		{"search Limit 10000", search(css.SearchLogsRequest{InstanceName: "n", LogType: css.LogTypeDeprecation, Limit: 10000}), "", ""},
		{"search Limit 10001", search(css.SearchLogsRequest{InstanceName: "n", LogType: css.LogTypeInstance, Limit: 10001}), "css: SearchLogs: Limit 10001 out of range 1..10000", ""},

		{"enable Action unknown", enable(css.EnableLogBackupRequest{Action: "realtime"}), `css: EnableLogBackup: Action "realtime" is not one of base_log_collect, real_time_log_collect`, ""},
		{"enable real-time complete", enable(realTime), "", ""},
		{"enable real-time without IndexPrefix", enable(without(func(r *css.EnableLogBackupRequest) { r.IndexPrefix = "" })), "css: EnableLogBackup: IndexPrefix is required", ""},
		{"enable real-time without KeepDays", enable(without(func(r *css.EnableLogBackupRequest) { r.KeepDays = 0 })), "css: EnableLogBackup: KeepDays is required when Action is real_time_log_collect", ""},
		{"enable real-time without TargetClusterID", enable(without(func(r *css.EnableLogBackupRequest) { r.TargetClusterID = " " })), "css: EnableLogBackup: TargetClusterID is required", ""},
		{"enable KeepDays -1", enable(css.EnableLogBackupRequest{KeepDays: -1}), "css: EnableLogBackup: KeepDays -1 must be at least 1", ""},
		{"enable real-time KeepDays 1", enable(without(func(r *css.EnableLogBackupRequest) { r.KeepDays = 1 })), "", ""},
		{"update KeepDays -1", update(css.UpdateLogSettingsRequest{KeepDays: -1}), "css: UpdateLogSettings: KeepDays -1 must be at least 1", ""},
		{"update KeepDays 1", update(css.UpdateLogSettingsRequest{KeepDays: 1}), "", ""},
		{"policy Period empty", policy(""), "css: SetAutoBackupPolicy: Period is required", ""},
		{"policy Period blank", policy("  "), "css: SetAutoBackupPolicy: Period is required", ""},

		{"backup MinDelay negative", backup(hcloud.WithMinDelay(-time.Second)), "css: BackupLogs: option MinDelay -1s must not be negative", ""},
		{"backup MaxDelay negative", backup(hcloud.WithMaxDelay(-time.Second)), "css: BackupLogs: option MaxDelay -1s must not be negative", ""},
		{"backup MaxDelay below MinDelay", backup(hcloud.WithMinDelay(2*time.Second), hcloud.WithMaxDelay(time.Second)), "css: BackupLogs: option MaxDelay 1s is below MinDelay 2s", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newClient(t, always(http.StatusOK, "{}"))
			err := tc.call(c)
			if tc.want != "" {
				assert.ErrorIs(t, err, css.ErrInvalidRequest)
				assert.EqualError(t, err, tc.want)
				assert.Empty(t, m.requests(), "nothing sent")
				return
			}
			require.NoError(t, err)
			got := m.only(t)
			if tc.query != "" {
				assert.Equal(t, tc.query, got.Query)
			}
		})
	}
}

func TestBackupLogsRequired(t *testing.T) {
	t.Parallel()
	c, m := newClient(t, always(http.StatusOK, "{}"))
	_, err := c.BackupLogs(context.Background(), nil)
	assert.EqualError(t, err, "css: BackupLogs: request is nil")
	_, err = c.BackupLogs(context.Background(), &css.CreateLogBackupRequest{})
	assert.EqualError(t, err, "css: BackupLogs: ClusterID is required")
	_, err = c.BackupLogs(context.Background(), &css.CreateLogBackupRequest{ClusterID: ".."})
	assert.ErrorIs(t, err, css.ErrInvalidRequest)
	assert.Empty(t, m.requests())
}

func TestOperationErrors(t *testing.T) {
	t.Parallel()
	fixtures := map[string]struct {
		file    string
		status  int
		code    string
		message string
	}{
		"CreateLogBackup":         {"CreateLogBackup_precondition.json", http.StatusPreconditionFailed, "CSS.0016", "The log backup function of the cluster is not enabled."},
		"ListLogBackups":          {"ListLogBackups_badrequest.json", http.StatusBadRequest, "CSS.0001", "Invalid parameter: limit must be between 1 and 1000."},
		"GetLogSettings":          {"GetLogSettings_notfound.json", http.StatusNotFound, "CSS.0004", "The cluster does not exist."},
		"EnableLogBackup":         {"EnableLogBackup_badrequest.json", http.StatusBadRequest, "CSS.0001", "Invalid parameter: agency is required."},
		"UpdateLogSettings":       {"UpdateLogSettings_badrequest.json", http.StatusBadRequest, "CSS.0001", "Invalid parameter: keep_days must be at least 1."},
		"DisableLogBackup":        {"DisableLogBackup_notfound.json", http.StatusNotFound, "CSS.0004", "The cluster does not exist."},
		"SetAutoBackupPolicy":     {"SetAutoBackupPolicy_precondition.json", http.StatusPreconditionFailed, "CSS.0016", "The log backup function of the cluster is not enabled."},
		"DisableAutoBackupPolicy": {"DisableAutoBackupPolicy_notfound.json", http.StatusNotFound, "CSS.0004", "The cluster does not exist."},
		"SearchLogs":              {"SearchLogs_badrequest.json", http.StatusBadRequest, "CSS.0001", "Invalid parameter: instance_name does not exist."},
	}
	for _, op := range operations() {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			f, ok := fixtures[op.name]
			require.True(t, ok, "every operation has an error fixture")
			c, m := newClient(t, always(f.status, fixture(t, f.file)))
			err := op.call(c, testCluster)
			var apiErr *css.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, "css", apiErr.Service)
			assert.Equal(t, op.name, apiErr.Operation)
			assert.Equal(t, f.status, apiErr.StatusCode)
			assert.Equal(t, f.code, apiErr.Code)
			assert.Equal(t, f.message, apiErr.Message)
			assert.Equal(t, "req-"+http.StatusText(f.status), apiErr.RequestID)
			reqs := m.requests()
			assert.Len(t, reqs, apiErr.Attempts)
			assert.Equal(t, clusterPath+op.suffix, reqs[0].RawPath)
			assert.NoError(t, reqs[0].VerifyErr)
		})
	}
}
