package recorder_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/baremetal/baremetaltest"
	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/dws/dwstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/recorder"
	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/hss/hsstest"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// gateway stands in for one cloud account in front of the four fakes, which each have
// their own project and keys: it sends a request to the fake its host names, with the
// fake's project in place of the account's and signed again with the fake's keys.
type gateway struct {
	project string
	clock   *fakeclock.Clock
	fakes   map[string]fakeAccount // by host
	base    http.RoundTripper
}

type fakeAccount struct {
	project string
	creds   signer.Credentials
}

func (g *gateway) RoundTrip(req *http.Request) (*http.Response, error) {
	f, ok := g.fakes[req.URL.Host]
	if !ok {
		return nil, fmt.Errorf("gateway: no fake serves %s", req.URL.Host)
	}
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	out := req.Clone(req.Context())
	out.URL.Path = strings.ReplaceAll(out.URL.Path, g.project, f.project)
	out.URL.RawPath = ""
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	out.Header.Set("X-Project-Id", f.project)
	out.Header.Del("Authorization")
	if err := signer.Sign(out, body, f.creds, g.clock.Now()); err != nil {
		return nil, err
	}
	return g.base.RoundTrip(out)
}

// allServices uses clients of the four services built from one Config.
type allServices struct {
	Jobs    *css.ListLogBackupsResponse
	Tasks   *hss.ListBackupTasksResponse
	Dumps   *dws.ListAuditLogRecordsResponse
	Export  *baremetal.ExportLogsResponse
	Archive []byte
}

func allServicesWorkflow(t testing.TB, cfg css.Config) allServices {
	ctx := t.Context()
	var r allServices
	cc, err := css.New(cfg)
	require.NoError(t, err)
	hc, err := hss.New(cfg)
	require.NoError(t, err)
	dc, err := dws.New(cfg)
	require.NoError(t, err)
	bc, err := baremetal.New(cfg)
	require.NoError(t, err)
	r.Jobs, err = cc.ListLogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: cssCluster})
	require.NoError(t, err)
	r.Tasks, err = hc.ListBackupTasks(ctx, &hss.ListBackupTasksRequest{})
	require.NoError(t, err)
	r.Dumps, err = dc.ListAuditLogRecords(ctx, &dws.ListAuditLogRecordsRequest{ClusterID: dwsCluster})
	require.NoError(t, err)
	var buf bytes.Buffer
	res, err := bc.ExportAndDownload(ctx, &baremetal.ExportAndDownloadRequest{ServerID: bmsServer, Destination: &buf})
	require.NoError(t, err)
	r.Export = &baremetal.ExportLogsResponse{LogExport: res.Export}
	r.Archive = buf.Bytes()
	return r
}

// One Config serves clients of all four services, when recording and when replaying.
func TestOneConfigForAllServices(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(recordStart)
	cssSrv := csstest.NewServer(csstest.WithClock(clock))
	hssSrv := hsstest.NewServer(hsstest.WithClock(clock))
	dwsSrv := dwstest.NewServer(dwstest.WithClock(clock))
	bmsSrv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithArchiveSize(2<<10),
		baremetaltest.WithExportDuration(3*time.Second))
	closeAll := func() {
		cssSrv.Close()
		hssSrv.Close()
		dwsSrv.Close()
		bmsSrv.Close()
	}
	defer closeAll()
	cssSrv.AddCluster(cssCluster)
	require.NoError(t, cssSrv.AddLogBackups(cssCluster, 3))
	hssSrv.AddBackupTask(hss.BackupTask{HostID: "host-1", HostName: "ecs-web", BackupName: "autobk_1", Progress: 100,
		Status: hss.TaskStatusSuccess, StartedAt: recordStart.Add(-time.Hour)})
	dwsSrv.AddCluster(dwsCluster)

	const account = "5e1f8c2a9b3d4e6f8a0b1c2d3e4f5a6b"
	gw := &gateway{project: account, clock: clock, base: http.DefaultTransport, fakes: map[string]fakeAccount{}}
	endpoints := map[string][]string{}
	for svc, s := range map[string]struct {
		url, project string
		creds        signer.Credentials
	}{
		"css":     {cssSrv.URL, cssSrv.ProjectID, cssSrv.Credentials},
		"hss":     {hssSrv.URL, hssSrv.ProjectID, hssSrv.Credentials},
		"dws":     {dwsSrv.URL, dwsSrv.ProjectID, dwsSrv.Credentials},
		"clouddc": {bmsSrv.URL, bmsSrv.ProjectID, bmsSrv.Credentials},
	} {
		u, err := url.Parse(s.url)
		require.NoError(t, err)
		gw.fakes[u.Host] = fakeAccount{project: s.project, creds: s.creds}
		endpoints[svc] = []string{s.url}
	}
	creds := signer.Credentials{AccessKey: "QW3RTY7UIOP4ASDF5GHJ", SecretKey: "k1Lm2Nb3Vc4Xz5Aq6Ws7Ed8Rf9Tg0Yh1Uj2Ik3Ol"}
	record := recorder.WithRecordConfig(func(context.Context) (css.Config, error) {
		return css.Config{
			Region:            "ap-southeast-1",
			ServiceEndpoints:  endpoints,
			AllowInsecureHTTP: true,
			ProjectID:         account,
			Credentials:       creds,
			HTTPClient:        &http.Client{Transport: gw},
			Clock:             clock,
		}, nil
	})
	path := filepath.Join(t.TempDir(), "all.json")

	recorded, replayed := recordThenReplay(t, path, record, allServicesWorkflow, closeAll)
	assert.Equal(t, recorded, replayed)
	assert.Len(t, replayed.Jobs.Records, 3)
	assert.Len(t, replayed.Tasks.Tasks, 1)
	assert.Len(t, replayed.Archive, 2<<10)
	assertNoSecrets(t, path, creds.AccessKey, creds.SecretKey, account)
}
