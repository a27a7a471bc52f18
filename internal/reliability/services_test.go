package reliability

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/baremetal/baremetaltest"
	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/dws/dwstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/hss/hsstest"
	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/internal/fake"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// The seeded resources every fake holds and every operation names.
const (
	cssCluster = "4213d908-f5dc-4633-8401-cfd7175fca0c"
	hssHost    = "c882e0-c4c1-4e89-b99a-f632"
	hssBackup  = "bk-1"
	dwsCluster = "a07cb2f7-b17e-4d95-923b-a33d0c884d37"
	bmsServer  = "b3e1a9c0-1d2e-4f3a-8b4c-5d6e7f800001"
	bmsExport  = "1" // the first export of a fresh baremetaltest server
	// archiveSize is the size of every baremetaltest archive: small, since the faults
	// that cut a body hold it in memory.
	archiveSize = 64 << 10
)

// kind is what an operation sends and expects back, which decides how each fault
// should end.
type kind int

const (
	// kindGet is a GET with a JSON reply: retried on 5xx and transport errors.
	kindGet kind = iota
	// kindPost is a POST with a JSON reply: retried on 409, 412 and 429 only.
	kindPost
	// kindPostEmpty is a POST whose reply has no body.
	kindPostEmpty
	// kindDownload is a GET streaming an archive.
	kindDownload
	// kindExportDownload is baremetal's ExportAndDownload, faulted on its download.
	kindExportDownload
)

// idempotent reports whether the client retries 5xx and transport errors.
func (k kind) idempotent() bool { return k == kindGet || k == kindDownload || k == kindExportDownload }

// download reports whether the reply is an archive.
func (k kind) download() bool { return k == kindDownload || k == kindExportDownload }

// operation is one client operation, ready to call against a seeded fake.
type operation struct {
	// name is "<package>.<Method>", for test names.
	name string
	// errOp is the operation the errors name ("DownloadLogs" for ExportAndDownload).
	errOp string
	// route is the fake's route the faults go on.
	route string
	kind  kind
	// warm is set when the faulted request reuses a kept-alive connection opened by an
	// earlier request of the same call (ExportAndDownload's export), so that net/http
	// resends it once on a fresh connection when a reset hits it before the headers.
	warm bool
	// want is what call returns on success: records decoded, or archive bytes.
	want int64
	// call runs the operation once and returns what it got (records, bytes written).
	call func(ctx context.Context) (int64, error)
}

// faultServer is what the four fakes have in common.
type faultServer interface {
	InjectFault(fake.Fault) (fake.Injected, error)
	Requests(route string) int
	Close()
}

// fakeOptions configure a service's fake.
type fakeOptions struct {
	clock core.Clock // the server's clock; nil is the real clock
	token string     // token mode when set
}

// service adapts one service package and its fake to the tests.
type service struct {
	// name is the package name.
	name string
	// errName is the service as errors name it.
	errName string
	// start starts the fake, seeded with the resources the operations name, and
	// returns it with a client configuration for it.
	start func(t *testing.T, o fakeOptions) (faultServer, core.Config)
	// ops returns the operations of a client made from cfg.
	ops func(cfg core.Config) ([]operation, error)
	// newClient makes a client from cfg and drops it: New's error is all that counts.
	newClient func(cfg core.Config) error
}

// services are the four clients under test.
var services = []service{
	{name: "css", errName: core.ServiceCSS, start: startCSS, ops: cssOps,
		newClient: func(cfg core.Config) error { _, err := css.New(cfg); return err }},
	{name: "hss", errName: core.ServiceHSS, start: startHSS, ops: hssOps,
		newClient: func(cfg core.Config) error { _, err := hss.New(cfg); return err }},
	{name: "dws", errName: core.ServiceDWS, start: startDWS, ops: dwsOps,
		newClient: func(cfg core.Config) error { _, err := dws.New(cfg); return err }},
	{name: "baremetal", errName: core.ServiceBareMetal, start: startBaremetal, ops: baremetalOps,
		newClient: func(cfg core.Config) error { _, err := baremetal.New(cfg); return err }},
}

func startCSS(t *testing.T, o fakeOptions) (faultServer, core.Config) {
	opts := []csstest.Option{csstest.WithLogf(t.Logf)}
	if o.clock != nil {
		opts = append(opts, csstest.WithClock(o.clock))
	}
	if o.token != "" {
		opts = append(opts, csstest.WithAuthToken(o.token))
	}
	srv := csstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.AddCluster(cssCluster)
	require.NoError(t, srv.AddLogBackups(cssCluster, 3))
	return srv, srv.Config()
}

func cssOps(cfg core.Config) ([]operation, error) {
	c, err := css.New(cfg)
	if err != nil {
		return nil, err
	}
	return []operation{
		{name: "css.ListLogBackups", errOp: "ListLogBackups", route: csstest.RouteListLogBackups, kind: kindGet, want: 3,
			call: func(ctx context.Context) (int64, error) {
				resp, err := c.ListLogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: cssCluster})
				if err != nil {
					return 0, err
				}
				return int64(len(resp.Records)), checkMeta(resp.StatusCode, resp.RequestID)
			}},
		// The instance log of a fresh cluster has 4 lines.
		{name: "css.SearchLogs", errOp: "SearchLogs", route: csstest.RouteSearchLogs, kind: kindPost, want: 4,
			call: func(ctx context.Context) (int64, error) {
				resp, err := c.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: cssCluster,
					InstanceName: csstest.NodeName(cssCluster), LogType: css.LogTypeInstance})
				if err != nil {
					return 0, err
				}
				return int64(len(resp.Logs)), checkMeta(resp.StatusCode, resp.RequestID)
			}},
	}, nil
}

func startHSS(t *testing.T, o fakeOptions) (faultServer, core.Config) {
	opts := []hsstest.Option{hsstest.WithLogf(t.Logf), hsstest.WithRestoreDuration(0)}
	if o.clock != nil {
		opts = append(opts, hsstest.WithClock(o.clock))
	}
	if o.token != "" {
		opts = append(opts, hsstest.WithAuthToken(o.token))
	}
	srv := hsstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	srv.AddHostBackup(hssHost, hss.HostBackup{BackupID: hssBackup, BackupName: "autobk_1"})
	srv.AddHostBackup(hssHost, hss.HostBackup{BackupName: "autobk_2"})
	return srv, srv.Config()
}

func hssOps(cfg core.Config) ([]operation, error) {
	c, err := hss.New(cfg)
	if err != nil {
		return nil, err
	}
	return []operation{
		{name: "hss.ListHostBackups", errOp: "ListHostBackups", route: hsstest.RouteListHostBackups, kind: kindGet, want: 2,
			call: func(ctx context.Context) (int64, error) {
				resp, err := c.ListHostBackups(ctx, &hss.ListHostBackupsRequest{HostID: hssHost})
				if err != nil {
					return 0, err
				}
				return int64(len(resp.Backups)), checkMeta(resp.StatusCode, resp.RequestID)
			}},
		{name: "hss.RestoreBackup", errOp: "RestoreBackup", route: hsstest.RouteRestoreBackup, kind: kindPostEmpty, want: 1,
			call: func(ctx context.Context) (int64, error) {
				resp, err := c.RestoreBackup(ctx, &hss.RestoreBackupRequest{BackupID: hssBackup, ServerID: hssHost})
				if err != nil {
					return 0, err
				}
				return 1, checkMeta(resp.StatusCode, resp.RequestID)
			}},
	}, nil
}

func startDWS(t *testing.T, o fakeOptions) (faultServer, core.Config) {
	opts := []dwstest.Option{dwstest.WithLogf(t.Logf)}
	if o.clock != nil {
		opts = append(opts, dwstest.WithClock(o.clock))
	}
	if o.token != "" {
		opts = append(opts, dwstest.WithAuthToken(o.token))
	}
	srv := dwstest.NewServer(opts...)
	t.Cleanup(srv.Close)
	at := time.Date(2025, 3, 6, 5, 26, 18, 0, time.UTC)
	for i := range 2 {
		srv.AddAuditLogRecord(dwsCluster, dws.AuditLogRecord{
			ExecutedAt: at.Add(time.Duration(i) * time.Hour), BeginTime: at.Add(-time.Hour), EndTime: at,
			BucketName: "dws-audit", LocationPrefix: "audit/", Result: dws.AuditResultRunning,
		})
	}
	return srv, srv.Config()
}

func dwsOps(cfg core.Config) ([]operation, error) {
	c, err := dws.New(cfg)
	if err != nil {
		return nil, err
	}
	return []operation{
		{name: "dws.ListAuditLogRecords", errOp: "ListAuditLogRecords", route: dwstest.RouteListAuditLogRecords, kind: kindGet, want: 2,
			call: func(ctx context.Context) (int64, error) {
				resp, err := c.ListAuditLogRecords(ctx, &dws.ListAuditLogRecordsRequest{ClusterID: dwsCluster})
				if err != nil {
					return 0, err
				}
				return int64(len(resp.Records)), checkMeta(resp.StatusCode, resp.RequestID)
			}},
	}, nil
}

func startBaremetal(t *testing.T, o fakeOptions) (faultServer, core.Config) {
	opts := []baremetaltest.Option{baremetaltest.WithLogf(t.Logf),
		baremetaltest.WithExportDuration(0), baremetaltest.WithArchiveSize(archiveSize)}
	if o.clock != nil {
		opts = append(opts, baremetaltest.WithClock(o.clock))
	}
	if o.token != "" {
		opts = append(opts, baremetaltest.WithAuthToken(o.token))
	}
	srv := baremetaltest.NewServer(opts...)
	t.Cleanup(srv.Close)
	require.Equal(t, int64(archiveSize), srv.ArchiveSize())
	// The export DownloadLogs and GetLogExport name, made by a client of its own so
	// that the client under test starts without a kept-alive connection.
	setup, err := baremetal.New(srv.Config())
	require.NoError(t, err)
	exp, err := setup.ExportLogs(context.Background(), &baremetal.ExportLogsRequest{ServerID: bmsServer})
	require.NoError(t, err)
	require.Equal(t, bmsExport, exp.ID)
	return srv, srv.Config()
}

func baremetalOps(cfg core.Config) ([]operation, error) {
	c, err := baremetal.New(cfg)
	if err != nil {
		return nil, err
	}
	return []operation{
		{name: "baremetal.GetLogExport", errOp: "GetLogExport", route: baremetaltest.RouteGetLogExport, kind: kindGet, want: 100,
			call: func(ctx context.Context) (int64, error) {
				resp, err := c.GetLogExport(ctx, &baremetal.GetLogExportRequest{ServerID: bmsServer, ExportID: bmsExport})
				if err != nil {
					return 0, err
				}
				return int64(resp.Percent), checkMeta(resp.StatusCode, resp.RequestID)
			}},
		{name: "baremetal.ExportLogs", errOp: "ExportLogs", route: baremetaltest.RouteExportLogs, kind: kindPost, want: 100,
			call: func(ctx context.Context) (int64, error) {
				resp, err := c.ExportLogs(ctx, &baremetal.ExportLogsRequest{ServerID: bmsServer})
				if err != nil {
					return 0, err
				}
				return int64(resp.Percent), checkMeta(resp.StatusCode, resp.RequestID)
			}},
		{name: "baremetal.DownloadLogs", errOp: "DownloadLogs", route: baremetaltest.RouteDownloadLogs, kind: kindDownload, want: archiveSize,
			call: func(ctx context.Context) (int64, error) {
				resp, err := c.DownloadLogs(ctx, &baremetal.DownloadLogsRequest{ServerID: bmsServer, ExportID: bmsExport})
				if err != nil {
					return 0, err
				}
				defer resp.Body.Close()
				if err := checkMeta(resp.StatusCode, resp.RequestID); err != nil {
					return 0, err
				}
				return io.Copy(io.Discard, resp.Body)
			}},
		{name: "baremetal.ExportAndDownload", errOp: "DownloadLogs", route: baremetaltest.RouteDownloadLogs, kind: kindExportDownload,
			warm: true, want: archiveSize,
			call: func(ctx context.Context) (int64, error) {
				var sink countingWriter
				resp, err := c.ExportAndDownload(ctx, &baremetal.ExportAndDownloadRequest{ServerID: bmsServer, Destination: &sink})
				if resp == nil {
					return sink.n, err
				}
				if resp.Written != sink.n {
					return resp.Written, fmt.Errorf("ExportAndDownload reports %d bytes written, the writer got %d", resp.Written, sink.n)
				}
				if err == nil && !resp.Export.Status.Done() {
					return resp.Written, fmt.Errorf("ExportAndDownload succeeded with export %+v", resp.Export)
				}
				return resp.Written, err
			}},
	}, nil
}

// countingWriter counts the bytes written to it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// checkMeta checks the metadata every successful response carries.
func checkMeta(status int, requestID string) error {
	if status < 200 || status > 299 || requestID == "" {
		return fmt.Errorf("response metadata: status %d, request ID %q", status, requestID)
	}
	return nil
}

// clientEnv is a seeded fake with a client configured for the tests.
type clientEnv struct {
	srv   faultServer
	rec   *recorder
	cfg   core.Config
	ops   []operation
	clock *fakeclock.Clock // nil with the real clock
}

// testSecurityToken is the security token the AK/SK clients send; the fakes do not
// check its value, only that it is signed.
const testSecurityToken = "SECURITYTOKEN-c2VjcmV0LXRva2VuLXZhbHVl-0123456789"

// envOptions configure newEnv.
type envOptions struct {
	fakeClock bool               // share a fake clock between the client and the server
	token     string             // token mode
	tweak     func(*core.Config) // last changes to the client configuration
}

// newEnv starts svc's fake and makes a client for it: fast retries, a recording base
// transport of its own, a security token with AK/SK.
func newEnv(t *testing.T, svc service, o envOptions) *clientEnv {
	t.Helper()
	e := &clientEnv{rec: newRecorder(t)}
	fo := fakeOptions{token: o.token}
	if o.fakeClock {
		e.clock = fakeclock.New(time.Now())
		fo.clock = e.clock
	}
	srv, cfg := svc.start(t, fo)
	e.srv = srv
	if o.token == "" {
		cfg.Credentials.SecurityToken = testSecurityToken
	}
	cfg.Retry = core.RetryPolicy{MinWait: time.Millisecond, MaxWait: time.Millisecond}
	cfg.HTTPClient = &http.Client{Transport: e.rec}
	if o.tweak != nil {
		o.tweak(&cfg)
	}
	e.cfg = cfg
	ops, err := svc.ops(cfg)
	require.NoError(t, err)
	e.ops = ops
	return e
}

// secrets are the values that must never show: the secret key, the security token,
// the auth token and every credentials-bearing header value sent so far.
func (e *clientEnv) secrets() []string {
	return append([]string{e.cfg.Credentials.SecretKey, e.cfg.Credentials.SecurityToken, e.cfg.AuthToken}, e.rec.Secrets()...)
}

// op returns the operation named name.
func (e *clientEnv) op(t *testing.T, name string) operation {
	t.Helper()
	for _, op := range e.ops {
		if op.name == name {
			return op
		}
	}
	require.FailNow(t, "no operation "+name)
	return operation{}
}

// offlineConfig is a valid configuration for a client that is never called.
func offlineConfig() core.Config {
	return core.Config{
		Region:           "ap-southeast-1",
		ServiceEndpoints: map[string][]string{"css": {"https://example.invalid"}, "hss": {"https://example.invalid"}, "dws": {"https://example.invalid"}, "baremetal": {"https://example.invalid"}},
		ProjectID:        "0123456789abcdef0123456789abcdef",
		Credentials:      signer.Credentials{AccessKey: "AKOFFLINE", SecretKey: "SKOFFLINE"},
	}
}

// errorTexts renders err the ways a user would print it.
func errorTexts(err error) string {
	return fmt.Sprintf("%s\n%v\n%+v\n%#v", err.Error(), err, err, err)
}

// isValidation reports whether err is a request refused before sending.
func isValidation(err error) bool {
	var ve *core.ValidationError
	return errors.As(err, &ve) && errors.Is(err, core.ErrInvalidRequest)
}

// allClients returns a client of each service, built from cfg.
func allClients(t testing.TB, cfg core.Config) (*css.Client, *hss.Client, *dws.Client, *baremetal.Client) {
	t.Helper()
	cc, err := css.New(cfg)
	require.NoError(t, err)
	hc, err := hss.New(cfg)
	require.NoError(t, err)
	dc, err := dws.New(cfg)
	require.NoError(t, err)
	bc, err := baremetal.New(cfg)
	require.NoError(t, err)
	return cc, hc, dc, bc
}
