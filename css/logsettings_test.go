package css_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
)

func TestGetLogSettings(t *testing.T) {
	t.Parallel()
	const other = "5c77b71c-5b35-4f50-8984-76387e42451a"
	for _, tc := range []struct {
		name     string
		fixture  string
		want     css.LogSettings
		realTime *css.RealTimeLogCollection
	}{
		{
			name: "documented field set, period null", fixture: "GetLogSettings_example.json",
			want: css.LogSettings{
				ID: "b1a7c3e2-0d4f-4a5e-9c6b-2f1e3d4c5b6a", ClusterID: other, Bucket: "css-log-bucket", Agency: "css_obs_agency",
				BasePath: "css/log", UpdatedAt: ms(1656042837000), Enabled: true,
			},
		},
		{
			name: "automatic policy and real-time collection", fixture: "GetLogSettings_realtime.json",
			want: css.LogSettings{
				ID: "b1a7c3e2-0d4f-4a5e-9c6b-2f1e3d4c5b6a", ClusterID: other, Bucket: "css-log-bucket", Agency: "css_obs_agency",
				BasePath: "css/log", UpdatedAt: ms(1656129237000), AutoBackup: true, Period: "00:00 GMT+08:00", Enabled: true,
			},
			realTime: &css.RealTimeLogCollection{
				ID: "7e0d5c3a-9b1f-4e2d-8c4a-6f5b3a2e1d0c", ClusterID: other, IndexPrefix: "css-log-", KeepDays: 7,
				TargetClusterID: "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d", Status: "ON",
				CreatedAt: ms(1656042837000), UpdatedAt: ms(1656129237000),
			},
		},
		{
			name: "log backup off, nulls everywhere", fixture: "GetLogSettings_disabled.json",
			want: css.LogSettings{ClusterID: other},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newClient(t, always(http.StatusOK, fixture(t, tc.fixture)))
			resp, err := c.GetLogSettings(context.Background(), &css.GetLogSettingsRequest{ClusterID: testCluster})
			require.NoError(t, err)
			assert.Equal(t, tc.want, resp.LogSettings)
			assert.Equal(t, tc.want.Enabled, resp.Enabled, "fields are promoted")
			assert.Equal(t, tc.realTime, resp.RealTimeCollection)
			assert.Equal(t, "req-OK", resp.RequestID)
			assert.Equal(t, http.StatusOK, resp.StatusCode)

			got := m.only(t)
			assert.Equal(t, http.MethodGet, got.Method)
			assert.Equal(t, clusterPath+"/logs/settings", got.RawPath)
			assert.Empty(t, got.Query)
			assert.Empty(t, got.Body)
		})
	}
}

// boolPtr returns a pointer to v.
func boolPtr(v bool) *bool { return &v }

// commandCase is one body-carrying or body-less command and what it must send.
type commandCase struct {
	name   string
	call   func(c *css.Client) (requestID string, status int, err error)
	method string
	path   string
	query  string
	body   string
}

func TestCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []commandCase{
		{
			name: "EnableLogBackup base, defaults",
			call: func(c *css.Client) (string, int, error) {
				r, err := c.EnableLogBackup(ctx, &css.EnableLogBackupRequest{ClusterID: testCluster})
				if err != nil {
					return "", 0, err
				}
				return r.RequestID, r.StatusCode, nil
			},
			method: http.MethodPost, path: "/logs/open", body: `{}`,
		},
		{
			name: "EnableLogBackup base, every field",
			call: func(c *css.Client) (string, int, error) {
				r, err := c.EnableLogBackup(ctx, &css.EnableLogBackupRequest{
					ClusterID: testCluster, Action: css.ActionBaseLogCollect, Agency: "css_obs_agency", LogBasePath: "css/log",
					LogBucket: "css-log-bucket", AutoEnable: boolPtr(false), Period: "00:00 GMT+08:00",
				})
				if err != nil {
					return "", 0, err
				}
				return r.RequestID, r.StatusCode, nil
			},
			method: http.MethodPost, path: "/logs/open", query: "action=base_log_collect",
			body: `{"agency":"css_obs_agency","log_base_path":"css/log","log_bucket":"css-log-bucket","auto_enable":false,"period":"00:00 GMT+08:00"}`,
		},
		{
			name: "EnableLogBackup real-time",
			call: func(c *css.Client) (string, int, error) {
				r, err := c.EnableLogBackup(ctx, &css.EnableLogBackupRequest{
					ClusterID: testCluster, Action: css.ActionRealTimeLogCollect, IndexPrefix: "css-log-", KeepDays: 7,
					TargetClusterID: "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
				})
				if err != nil {
					return "", 0, err
				}
				return r.RequestID, r.StatusCode, nil
			},
			method: http.MethodPost, path: "/logs/open", query: "action=real_time_log_collect",
			body: `{"index_prefix":"css-log-","keep_days":7,"target_cluster_id":"9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"}`,
		},
		{
			name: "UpdateLogSettings",
			call: func(c *css.Client) (string, int, error) {
				r, err := c.UpdateLogSettings(ctx, &css.UpdateLogSettingsRequest{
					ClusterID: testCluster, Agency: "agency2", LogBasePath: "logs/css", LogBucket: "bucket2",
					AutoEnable: boolPtr(true), Period: "03:00 GMT+08:00", IndexPrefix: "p-", KeepDays: 1, TargetClusterID: "t1",
				})
				if err != nil {
					return "", 0, err
				}
				return r.RequestID, r.StatusCode, nil
			},
			method: http.MethodPost, path: "/logs/settings",
			body: `{"agency":"agency2","log_base_path":"logs/css","log_bucket":"bucket2","auto_enable":true,"period":"03:00 GMT+08:00","index_prefix":"p-","keep_days":1,"target_cluster_id":"t1"}`,
		},
		{
			name: "DisableLogBackup",
			call: func(c *css.Client) (string, int, error) {
				r, err := c.DisableLogBackup(ctx, &css.DisableLogBackupRequest{ClusterID: testCluster})
				if err != nil {
					return "", 0, err
				}
				return r.RequestID, r.StatusCode, nil
			},
			method: http.MethodPut, path: "/logs/close",
		},
		{
			name: "SetAutoBackupPolicy",
			call: func(c *css.Client) (string, int, error) {
				r, err := c.SetAutoBackupPolicy(ctx, &css.SetAutoBackupPolicyRequest{ClusterID: testCluster, Period: "00:00 GMT+08:00"})
				if err != nil {
					return "", 0, err
				}
				return r.RequestID, r.StatusCode, nil
			},
			method: http.MethodPost, path: "/logs/policy/update", body: `{"period":"00:00 GMT+08:00"}`,
		},
		{
			name: "DisableAutoBackupPolicy",
			call: func(c *css.Client) (string, int, error) {
				r, err := c.DisableAutoBackupPolicy(ctx, &css.DisableAutoBackupPolicyRequest{ClusterID: testCluster})
				if err != nil {
					return "", 0, err
				}
				return r.RequestID, r.StatusCode, nil
			},
			method: http.MethodPut, path: "/logs/policy/close",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newClient(t, always(http.StatusOK, ""))
			id, status, err := tc.call(c)
			require.NoError(t, err)
			assert.Equal(t, "req-OK", id)
			assert.Equal(t, http.StatusOK, status)

			got := m.only(t)
			assert.Equal(t, tc.method, got.Method)
			assert.Equal(t, clusterPath+tc.path, got.RawPath)
			assert.Equal(t, tc.query, got.Query)
			if tc.body == "" {
				assert.Empty(t, got.Body)
			} else {
				assert.JSONEq(t, tc.body, string(got.Body))
				assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
			}
		})
	}
}

func TestEnableLogBackupError(t *testing.T) {
	t.Parallel()
	c, m := newClient(t, always(http.StatusBadRequest, fixture(t, "EnableLogBackup_badrequest.json")))
	_, err := c.EnableLogBackup(context.Background(), &css.EnableLogBackupRequest{ClusterID: testCluster})
	var apiErr *css.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "EnableLogBackup", apiErr.Operation)
	assert.Equal(t, "CSS.0001", apiErr.Code)
	assert.Equal(t, "Invalid parameter: agency is required.", apiErr.Message)
	assert.Len(t, m.requests(), 1, "400 is not retried")
}
