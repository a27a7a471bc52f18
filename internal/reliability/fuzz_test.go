package reliability

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
)

// pathOp is an operation whose path takes the fuzzed IDs: a, and b when it has a
// second path parameter.
type pathOp struct {
	name string
	// a and b are benign values of the parameters, which the operation accepts.
	a, b string
	call func(ctx context.Context, a, b string) error
}

// benignID is a cluster, server or host ID that every operation accepts and that no
// other segment of a path equals.
const benignID = "b0b0b0b0-0000-4000-8000-00000000000a"

// pathOps returns every operation with path parameters, on clients made from cfg.
func pathOps(t testing.TB, cfg core.Config) []pathOp {
	cc, hc, dc, bc := allClients(t, cfg)
	return []pathOp{
		{name: "css.ListLogBackups", a: benignID, call: func(ctx context.Context, a, _ string) error {
			_, err := cc.ListLogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: a})
			return err
		}},
		{name: "css.SearchLogs", a: benignID, call: func(ctx context.Context, a, _ string) error {
			_, err := cc.SearchLogs(ctx, &css.SearchLogsRequest{ClusterID: a, InstanceName: "node-1", LogType: css.LogTypeInstance})
			return err
		}},
		{name: "css.CreateLogBackup", a: benignID, call: func(ctx context.Context, a, _ string) error {
			_, err := cc.CreateLogBackup(ctx, &css.CreateLogBackupRequest{ClusterID: a})
			return err
		}},
		{name: "hss.ListHostBackups", a: benignID, call: func(ctx context.Context, a, _ string) error {
			_, err := hc.ListHostBackups(ctx, &hss.ListHostBackupsRequest{HostID: a})
			return err
		}},
		{name: "hss.RestoreBackup", a: "BENIGNA", call: func(ctx context.Context, a, _ string) error {
			_, err := hc.RestoreBackup(ctx, &hss.RestoreBackupRequest{BackupID: a, ServerID: bmsServer})
			return err
		}},
		{name: "dws.ListAuditLogRecords", a: dwsCluster, call: func(ctx context.Context, a, _ string) error {
			_, err := dc.ListAuditLogRecords(ctx, &dws.ListAuditLogRecordsRequest{ClusterID: a})
			return err
		}},
		{name: "baremetal.ExportLogs", a: benignID, call: func(ctx context.Context, a, _ string) error {
			_, err := bc.ExportLogs(ctx, &baremetal.ExportLogsRequest{ServerID: a})
			return err
		}},
		{name: "baremetal.GetLogExport", a: benignID, b: "BENIGNB", call: func(ctx context.Context, a, b string) error {
			_, err := bc.GetLogExport(ctx, &baremetal.GetLogExportRequest{ServerID: a, ExportID: b})
			return err
		}},
		{name: "baremetal.DownloadLogs", a: benignID, b: "BENIGNB", call: func(ctx context.Context, a, b string) error {
			resp, err := bc.DownloadLogs(ctx, &baremetal.DownloadLogsRequest{ServerID: a, ExportID: b})
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			_, err = io.Copy(io.Discard, resp.Body)
			return err
		}},
		{name: "baremetal.ExportAndDownload", a: benignID, call: func(ctx context.Context, a, _ string) error {
			_, err := bc.ExportAndDownload(ctx, &baremetal.ExportAndDownloadRequest{ServerID: a, Destination: io.Discard})
			return err
		}},
	}
}

// pathRecorder is a base transport that records the escaped path of every request and
// answers it 200: an archive for a download, else a completed export, which every
// JSON operation accepts.
type pathRecorder struct {
	mu    sync.Mutex
	paths []string
}

func (p *pathRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	p.mu.Lock()
	p.paths = append(p.paths, req.URL.EscapedPath())
	p.mu.Unlock()
	body, ct := `{"export_id":"1","status":"completed","percentage":"100%"}`, "application/json"
	if strings.HasSuffix(req.URL.Path, "/content") {
		body, ct = "archive", "application/octet-stream"
	}
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {ct}, "X-Request-Id": {"req-1"}, "Content-Length": {strconv.Itoa(len(body))}},
		ContentLength: int64(len(body)), Body: io.NopCloser(strings.NewReader(body)), Request: req,
	}, nil
}

// take returns the paths recorded since the last call.
func (p *pathRecorder) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.paths
	p.paths = nil
	return out
}

// FuzzPathParamSegments feeds any ID to every operation that puts one in its path:
// either the operation refuses it before sending anything (ErrInvalidRequest), or
// every request it sends has the path of the benign ID's request with the ID, escaped,
// in its one segment.
func FuzzPathParamSegments(f *testing.F) {
	for _, seed := range []string{
		"", " ", "\t", ".", "..", "...", "/", "//", "a/b", "../../admin", "..%2F..%2Fadmin", "%2e%2e",
		"a?b=c", "a#frag", "a;b", "a b", "a+b", "%", "%zz", "%252F", `a\b`, `..\..\x`, "\x00", "a\r\nX-Injected: 1",
		"\x7f", "é", "\u2028", "\xff\xfe", "?", "#", "@", ":", "%2F", "a%00b", strings.Repeat("x", 1000),
		dwsCluster, "A07CB2F7-B17E-4D95-923B-A33D0C884D37", "operation-logs", "1",
	} {
		f.Add(seed, "1")
		f.Add(bmsServer, seed)
	}
	rec := &pathRecorder{}
	cfg := offlineConfig()
	cfg.HTTPClient = &http.Client{Transport: rec}
	ops := pathOps(f, cfg)
	benign := make(map[string][]string, len(ops))
	for _, op := range ops {
		require.NoError(f, op.call(context.Background(), op.a, op.b), op.name)
		benign[op.name] = rec.take()
		require.NotEmpty(f, benign[op.name], op.name)
	}

	f.Fuzz(func(t *testing.T, a, b string) {
		for _, op := range ops {
			err := op.call(context.Background(), a, b)
			paths := rec.take()
			if err != nil {
				if !isValidation(err) {
					t.Fatalf("%s(%q, %q): not a validation error: %v", op.name, a, b, err)
				}
				if len(paths) != 0 {
					t.Fatalf("%s(%q, %q): refused with %v after sending %q", op.name, a, b, err, paths)
				}
				continue
			}
			want := benign[op.name]
			if len(paths) != len(want) {
				t.Fatalf("%s(%q, %q): sent %q, want %d requests like %q", op.name, a, b, paths, len(want), want)
			}
			for i, p := range paths {
				checkSegments(t, op, a, b, p, want[i])
			}
		}
	})
}

// checkSegments checks that path, sent for IDs a and b, has the segments of benign,
// sent for op.a and op.b, with each ID in place of its benign value.
func checkSegments(t *testing.T, op pathOp, a, b, path, benign string) {
	t.Helper()
	got, want := strings.Split(path, "/"), strings.Split(benign, "/")
	if strings.Count(path, "/") != strings.Count(benign, "/") {
		t.Fatalf("%s(%q, %q): path %q has %d segments, want %d like %q",
			op.name, a, b, path, len(got), len(want), benign)
	}
	for i, seg := range want {
		expect := seg
		switch {
		case seg == op.a:
			expect = a
		case op.b != "" && seg == op.b:
			expect = b
		}
		dec, err := url.PathUnescape(got[i])
		if err != nil || dec != expect {
			t.Fatalf("%s(%q, %q): segment %d of %q is %q (%v), want %q", op.name, a, b, i, path, dec, err, expect)
		}
	}
}
