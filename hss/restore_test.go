package hss

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const restorePath = "/v5/" + testProject + "/ransomware/duplication/"

func TestRestoreBackup(t *testing.T) {
	t.Parallel()
	on, off := true, false
	for _, tc := range []struct {
		name    string
		fixture string
		req     *RestoreBackupRequest
		query   string
		region  string
		body    string
	}{{
		name:    "minimal, empty reply",
		fixture: "restorebackup_empty.json",
		req:     &RestoreBackupRequest{BackupID: "0b3e7c55-7f3a-4c39-a0d4-3f0f9c3b8e21", ServerID: "c882e0-c4c1-4e89-b99a-f632"},
		body:    `{"server_id":"c882e0-c4c1-4e89-b99a-f632"}`,
	}, {
		name:    "power on false, mappings, region, enterprise project",
		fixture: "restorebackup_empty.json",
		req: &RestoreBackupRequest{BackupID: "0b3e7c55-7f3a-4c39-a0d4-3f0f9c3b8e21", ServerID: "c882e0-c4c1-4e89-b99a-f632",
			EnterpriseProjectID: "all_granted_eps", Region: "ap-southeast-1", PowerOn: &off,
			Mappings: []VolumeMapping{{BackupID: "vb-1", VolumeID: "vol-1"}, {BackupID: "vb-2", VolumeID: "vol-2"}}},
		query:  "enterprise_project_id=all_granted_eps",
		region: "ap-southeast-1",
		body:   `{"server_id":"c882e0-c4c1-4e89-b99a-f632","power_on":false,"mappings":[{"backup_id":"vb-1","volume_id":"vol-1"},{"backup_id":"vb-2","volume_id":"vol-2"}]}`,
	}, {
		name:    "power on true, reply {}",
		fixture: "listbackuptasks_empty.json",
		req:     &RestoreBackupRequest{BackupID: "0b3e7c55-7f3a-4c39-a0d4-3f0f9c3b8e21", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11", PowerOn: &on},
		body:    `{"server_id":"5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11","power_on":true}`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, nil, replies(fixture(t, 200, tc.fixture)))
			orig := *tc.req
			resp, err := c.RestoreBackup(context.Background(), tc.req)
			require.NoError(t, err)
			assert.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "req-1", resp.RequestID)
			reqs := m.requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, http.MethodPost, r.method)
			assert.Equal(t, restorePath+"0b3e7c55-7f3a-4c39-a0d4-3f0f9c3b8e21/restore", r.path)
			assert.Equal(t, tc.query, r.query)
			assert.Equal(t, tc.region, r.header.Get("Region"))
			assert.JSONEq(t, tc.body, string(r.body))
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			assert.NoError(t, r.verifyErr, "signature")
			assert.Equal(t, orig, *tc.req, "request not mutated")
		})
	}
}

func TestRestoreBackupErrors(t *testing.T) {
	t.Parallel()
	t.Run("404 is not retried", func(t *testing.T) {
		t.Parallel()
		c, m := newMock(t, nil, replies(fixture(t, 404, "restorebackup_not_found.json")))
		_, err := c.RestoreBackup(context.Background(), &RestoreBackupRequest{BackupID: "b", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"})
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "HSS.0004", apiErr.Code)
		assert.Equal(t, "The backup does not exist", apiErr.Message)
		assert.Equal(t, "RestoreBackup", apiErr.Operation)
		assert.ErrorIs(t, err, ErrNotFound)
		assert.Len(t, m.requests(), 1)
	})
	t.Run("500 on POST is not retried", func(t *testing.T) {
		t.Parallel()
		c, m := newMock(t, nil, replies(status(500, "HSS.0500", "internal error")))
		_, err := c.RestoreBackup(context.Background(), &RestoreBackupRequest{BackupID: "b", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"})
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 500, apiErr.StatusCode)
		assert.Len(t, m.requests(), 1)
	})
	t.Run("409 then success, same body each attempt", func(t *testing.T) {
		t.Parallel()
		c, m := newMock(t, nil, replies(status(409, "HSS.0409", "restore running"), fixture(t, 200, "restorebackup_empty.json")))
		resp, err := c.RestoreBackup(context.Background(), &RestoreBackupRequest{BackupID: "b", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"})
		require.NoError(t, err)
		assert.Equal(t, "req-2", resp.RequestID)
		reqs := m.requests()
		require.Len(t, reqs, 2)
		for _, r := range reqs {
			assert.JSONEq(t, `{"server_id":"5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"}`, string(r.body))
			assert.NoError(t, r.verifyErr)
		}
	})
}

func TestRestoreBackupPathEscaping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ backupID, rawPath string }{
		{"a/b", restorePath + "a%2Fb/restore"},
		{"../x", restorePath + "..%2Fx/restore"},
		{"b k", restorePath + "b%20k/restore"},
	} {
		t.Run(tc.backupID, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, nil, replies(fixture(t, 200, "restorebackup_empty.json")))
			_, err := c.RestoreBackup(context.Background(), &RestoreBackupRequest{BackupID: tc.backupID, ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"})
			require.NoError(t, err)
			reqs := m.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, tc.rawPath, reqs[0].rawPath)
			assert.NoError(t, reqs[0].verifyErr)
		})
	}
}

func TestRestoreBackupValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		req  *RestoreBackupRequest
		err  string
	}{
		{"nil request", nil, "hss: RestoreBackup: request is nil"},
		{"backup ID empty", &RestoreBackupRequest{ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"}, "hss: RestoreBackup: BackupID is required"},
		{"backup ID dot dot", &RestoreBackupRequest{BackupID: "..", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"}, `hss: RestoreBackup: BackupID ".." is not a valid ID`},
		{"backup ID tab", &RestoreBackupRequest{BackupID: "a\tb", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"}, `hss: RestoreBackup: BackupID "a\tb" contains a control character`},
		{"backup ID 65 chars", &RestoreBackupRequest{BackupID: strings.Repeat("b", 65), ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11"},
			"hss: RestoreBackup: BackupID is 65 characters long, at most 64 allowed"},
		{"server ID empty", &RestoreBackupRequest{BackupID: "b"}, "hss: RestoreBackup: ServerID is required"},
		{"server ID 65 digits", &RestoreBackupRequest{BackupID: "b", ServerID: strings.Repeat("5", 65)},
			`hss: RestoreBackup: ServerID "` + strings.Repeat("5", 40) + `" is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`},
		{"server ID not an ID", &RestoreBackupRequest{BackupID: "b", ServerID: "server-1"},
			`hss: RestoreBackup: ServerID "server-1" is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`},
		{"region control character", &RestoreBackupRequest{BackupID: "b", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11", Region: "a\nb"},
			`hss: RestoreBackup: Region "a\nb" contains a control character`},
		{"enterprise project 257 chars", &RestoreBackupRequest{BackupID: "b", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11", EnterpriseProjectID: strings.Repeat("e", 257)},
			"hss: RestoreBackup: EnterpriseProjectID is 257 characters long, at most 256 allowed"},
		{"mapping without volume", &RestoreBackupRequest{BackupID: "b", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11", Mappings: []VolumeMapping{{BackupID: "vb", VolumeID: "v"}, {BackupID: "vb"}}},
			"hss: RestoreBackup: Mappings[1].VolumeID is required"},
		{"mapping without backup", &RestoreBackupRequest{BackupID: "b", ServerID: "5a1f0a3e-4c8e-4a55-9d0f-0e2b7c9d1a11", Mappings: []VolumeMapping{{VolumeID: "v"}}},
			"hss: RestoreBackup: Mappings[0].BackupID is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, m := newMock(t, nil, replies(fixture(t, 200, "restorebackup_empty.json")))
			_, err := c.RestoreBackup(context.Background(), tc.req)
			assert.EqualError(t, err, tc.err)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			assert.Empty(t, m.requests(), "nothing sent")
		})
	}
}

func TestRestoreBackupBounds(t *testing.T) {
	t.Parallel()
	c, m := newMock(t, nil, replies(fixture(t, 200, "restorebackup_empty.json")))
	req := &RestoreBackupRequest{BackupID: strings.Repeat("b", 64), ServerID: strings.Repeat("5", 64), Region: strings.Repeat("r", 128)}
	_, err := c.RestoreBackup(context.Background(), req)
	require.NoError(t, err)
	reqs := m.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, restorePath+strings.Repeat("b", 64)+"/restore", reqs[0].path)
	assert.Equal(t, strings.Repeat("r", 128), reqs[0].header.Get("Region"))
}
