package hss

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		err  string
	}{
		{"no region or endpoint", Config{ProjectID: testProject, Credentials: testCreds}, "hss: config: set Region (e.g. ap-southeast-1), or the service's endpoint in ServiceEndpoints"},
		{"no credentials", Config{Region: testRegion, ProjectID: testProject}, "hss: config: no credentials"},
		{"credentials and token", Config{Region: testRegion, ProjectID: testProject, Credentials: testCreds, AuthToken: "t"}, "hss: config: set exactly one"},
		{"no project and no region to look it up", Config{ServiceEndpoints: map[string][]string{"hss": {"https://hss.example.com"}}, Credentials: testCreds}, "hss: config: ProjectID is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tc.cfg)
			assert.Nil(t, c)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
		})
	}
}

func TestEndpointPerRegion(t *testing.T) {
	t.Parallel()
	for region, host := range map[string]string{
		"ap-southeast-1": "hss.ap-southeast-1.myhuaweicloud.com",
		"cn-north-4":     "hss.cn-north-4.myhuaweicloud.com",
		"eu-west-101":    "hss.eu-west-101.myhuaweicloud.eu",
	} {
		t.Run(region, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, func(cfg *Config) { cfg.Region = region }, replies(fixture(t, 200, "listbackuptasks_empty.json")))
			_, err := c.ListBackupTasks(context.Background(), &ListBackupTasksRequest{})
			require.NoError(t, err)
			reqs := m.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, host, reqs[0].host)
		})
	}
}

// TestTokenAuth checks that with an IAM token every operation sends X-Auth-Token and
// no signature.
func TestTokenAuth(t *testing.T) {
	t.Parallel()
	calls := map[string]func(*Client) error{
		"ListBackupTasks": func(c *Client) error {
			_, err := c.ListBackupTasks(context.Background(), &ListBackupTasksRequest{})
			return err
		},
		"ListHostBackups": func(c *Client) error {
			_, err := c.ListHostBackups(context.Background(), &ListHostBackupsRequest{HostID: "c882e0-c4c1-4e89-b99a-f632"})
			return err
		},
		"RestoreBackup": func(c *Client) error {
			_, err := c.RestoreBackup(context.Background(), &RestoreBackupRequest{BackupID: "b", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"})
			return err
		},
	}
	tokens := map[string]func(*Config){
		"AuthToken": func(cfg *Config) { cfg.Credentials = signer.Credentials{}; cfg.AuthToken = "iam-token-abc" },
		"AuthTokenProvider": func(cfg *Config) {
			cfg.Credentials = signer.Credentials{}
			cfg.AuthTokenProvider = func(context.Context) (string, error) { return "iam-token-abc", nil }
		},
	}
	for tokName, mutate := range tokens {
		for opName, call := range calls {
			t.Run(tokName+"/"+opName, func(t *testing.T) {
				t.Parallel()
				c, m := newMock(t, mutate, replies(fixture(t, 200, "listbackuptasks_empty.json")))
				require.NoError(t, call(c))
				reqs := m.requests()
				require.Len(t, reqs, 1)
				h := reqs[0].header
				assert.Equal(t, "iam-token-abc", h.Get("X-Auth-Token"))
				assert.Empty(t, h.Get("Authorization"))
				assert.Empty(t, h.Get("X-Sdk-Date"))
				assert.Equal(t, testProject, h.Get("X-Project-Id"))
			})
		}
	}
}

func TestTokenProviderErrorSendsNothing(t *testing.T) {
	t.Parallel()
	boom := errors.New("IAM unavailable")
	c, m := newMock(t, func(cfg *Config) {
		cfg.Credentials = signer.Credentials{}
		cfg.AuthTokenProvider = func(context.Context) (string, error) { return "", boom }
	}, replies(fixture(t, 200, "listbackuptasks_empty.json")))
	_, err := c.ListBackupTasks(context.Background(), &ListBackupTasksRequest{})
	assert.ErrorIs(t, err, boom)
	var reqErr *RequestError
	assert.ErrorAs(t, err, &reqErr)
	assert.Empty(t, m.requests())
}

func TestSignedRequestHeaders(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, nil, replies(fixture(t, 200, "listbackuptasks_empty.json")))
	_, err := c.ListBackupTasks(context.Background(), &ListBackupTasksRequest{})
	require.NoError(t, err)
	reqs := m.requests()
	require.Len(t, reqs, 1)
	h := reqs[0].header
	assert.NoError(t, reqs[0].verifyErr)
	assert.Contains(t, h.Get("Authorization"), "SDK-HMAC-SHA256 Access="+testCreds.AccessKey)
	assert.Empty(t, h.Get("X-Auth-Token"))
	assert.Equal(t, testProject, h.Get("X-Project-Id"))
	assert.Equal(t, http.MethodGet, reqs[0].method)
}
