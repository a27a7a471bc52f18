package reliability

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/internal/fake"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// syncBuffer is a bytes.Buffer safe for concurrent use, for log output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestSecretsNeverLogged runs full retry sequences (throttling, 503, resets, 409,
// exhausted retries, a wrong secret) through every service with Debug logging, in
// AK/SK mode with a security token and in token mode, and checks that neither the
// logs nor the errors show the secret key, the security token, the auth token, an
// Authorization value or a signature.
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	for _, svc := range services {
		for _, mode := range []string{"aksk", "token"} {
			t.Run(svc.name+"/"+mode, func(t *testing.T) {
				t.Parallel()
				var logs syncBuffer
				o := envOptions{fakeClock: true, tweak: func(cfg *core.Config) {
					cfg.Retry.MaxAttempts = 6
					cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				}}
				if mode == "token" {
					o.token = "MIIauthtoken-" + fake.NewHex(40)
				}
				env := newEnv(t, svc, o)
				var errs []error
				get := firstGet(t, env.ops)

				// Throttled, unavailable, reset twice, then served.
				for _, f := range []fake.Fault{
					{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 1},
					{Status: http.StatusServiceUnavailable, Times: 1},
					{Reset: fake.ResetBeforeHeaders, Times: 2},
				} {
					f.Route = get.route
					_, err := env.srv.InjectFault(f)
					require.NoError(t, err)
				}
				_, err := get.call(context.Background())
				require.NoError(t, err)

				// Every operation through a conflict, then through exhausted retries.
				for _, op := range env.ops {
					_, err := env.srv.InjectFault(fake.Fault{Route: op.route, Status: http.StatusConflict, Times: 1})
					require.NoError(t, err)
					_, err = op.call(context.Background())
					require.NoError(t, err, op.name)

					inj, err := env.srv.InjectFault(fake.Fault{Route: op.route, Status: http.StatusTooManyRequests, RetryAfter: "0"})
					require.NoError(t, err)
					_, err = op.call(context.Background())
					require.Error(t, err, op.name)
					errs = append(errs, err)
					inj.Remove()
				}

				// A wrong secret (or token): 401, not retried.
				bad := env.cfg
				if mode == "token" {
					bad.AuthToken = "MIIwrongtoken-" + fake.NewHex(40)
				} else {
					bad.Credentials.SecretKey = "WRONG" + fake.NewHex(35)
				}
				badOps, err := svc.ops(bad)
				require.NoError(t, err)
				_, err = firstGet(t, badOps).call(context.Background())
				var ae *core.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
				errs = append(errs, err)

				secrets := append(env.secrets(), bad.Credentials.SecretKey, bad.AuthToken)
				require.NotEmpty(t, env.rec.Secrets(), "no credentials-bearing header was sent")
				out := logs.String()
				assert.GreaterOrEqual(t, strings.Count(out, "retrying request"), 3+6*len(env.ops), "retries logged:\n%s", out)
				assertNoSecret(t, "Debug log", out, secrets)
				for _, err := range errs {
					assertNoSecret(t, "error", errorTexts(err), secrets)
				}
			})
		}
	}
}

// TestConfigPrintsNoSecrets prints a Config with AK/SK and a security token, and the
// request values of every operation, with %v, %+v, %#v and %s: no secret shows.
func TestConfigPrintsNoSecrets(t *testing.T) {
	t.Parallel()
	creds := signer.Credentials{AccessKey: "HPUAEXAMPLEACCESSKEY",
		SecretKey: "sk-9f8e7d6c5b4a39281706f5e4d3c2b1a0", SecurityToken: testSecurityToken}
	cfg := core.Config{Region: "ap-southeast-1", ProjectID: "0123456789abcdef0123456789abcdef", Credentials: creds}
	values := []any{
		cfg, &cfg, creds, &creds,
		&css.ListLogBackupsRequest{ClusterID: cssCluster}, &css.SearchLogsRequest{ClusterID: cssCluster},
		&hss.ListHostBackupsRequest{HostID: hssHost}, &hss.RestoreBackupRequest{BackupID: hssBackup, ServerID: hssHost},
		&dws.ListAuditLogRecordsRequest{ClusterID: dwsCluster},
		&baremetal.ExportLogsRequest{ServerID: bmsServer}, &baremetal.GetLogExportRequest{ServerID: bmsServer, ExportID: bmsExport},
		&baremetal.DownloadLogsRequest{ServerID: bmsServer, ExportID: bmsExport},
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			assertNoSecret(t, fmt.Sprintf("%s of %T", verb, v), fmt.Sprintf(verb, v), []string{creds.SecretKey, creds.SecurityToken})
		}
	}
	assert.Contains(t, fmt.Sprintf("%+v", cfg), "HPUA****", "the access key shows masked")
}

// TestHTTPSOnly checks that every client refuses an http:// endpoint (ServiceEndpoints,
// alone or after an https one, and IAMEndpoint) unless AllowInsecureHTTP is set.
func TestHTTPSOnly(t *testing.T) {
	t.Parallel()
	creds := signer.Credentials{AccessKey: "AKEXAMPLE", SecretKey: "SKEXAMPLE"}
	for _, svc := range services {
		cases := map[string]core.Config{
			"ServiceEndpoints": {ServiceEndpoints: map[string][]string{svc.errName: {"http://127.0.0.1:1"}}, ProjectID: "p1", Credentials: creds},
			"ServiceEndpoints[1]": {Region: "ap-southeast-1", ProjectID: "p1", Credentials: creds,
				ServiceEndpoints: map[string][]string{svc.errName: {"https://a.example.com", "http://b.example.com"}}},
			"IAMEndpoint": {Region: "ap-southeast-1", IAMEndpoint: "http://iam.example.com", Credentials: creds},
		}
		for name, cfg := range cases {
			t.Run(svc.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				err := svc.newClient(cfg)
				require.Error(t, err)
				assert.Contains(t, err.Error(), strings.TrimSuffix(name, "[1]"))
				assert.Contains(t, err.Error(), "AllowInsecureHTTP")
				cfg.AllowInsecureHTTP = true
				assert.NoError(t, svc.newClient(cfg), "http allowed with AllowInsecureHTTP")
			})
		}
	}
}

// TestTLSVerified points every client, with its default transport (with and without
// AllowInsecureHTTP), at a TLS server whose certificate no CA vouches for: every call
// fails with a certificate error, is not retried, and never reaches the handler.
func TestTLSVerified(t *testing.T) {
	t.Parallel()
	for _, svc := range services {
		t.Run(svc.name, func(t *testing.T) {
			t.Parallel()
			var reached atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				reached.Add(1)
				w.WriteHeader(http.StatusOK)
			}))
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
			srv.StartTLS()
			t.Cleanup(srv.Close)
			for i, hc := range []*http.Client{nil, {}, nil} {
				cfg := offlineConfig()
				cfg.ServiceEndpoints = map[string][]string{svc.name: {srv.URL}}
				cfg.HTTPClient = hc
				// AllowInsecureHTTP allows http, never an unverified https.
				cfg.AllowInsecureHTTP = i == 2
				ops, err := svc.ops(cfg)
				require.NoError(t, err)
				for _, op := range ops {
					_, err := op.call(context.Background())
					require.Error(t, err, op.name)
					var cv *tls.CertificateVerificationError
					var ua x509.UnknownAuthorityError
					assert.True(t, errors.As(err, &cv) || errors.As(err, &ua), "%s: not a certificate error: %v", op.name, err)
					var re *core.RequestError
					if assert.ErrorAs(t, err, &re, op.name) {
						assert.Equal(t, 1, re.Attempts, "%s: a certificate error is not retried", op.name)
					}
				}
			}
			assert.Zero(t, reached.Load(), "requests that reached the handler")
		})
	}
}

// TestNoInsecureSkipVerify checks that no non-test source file of the module turns
// TLS verification off.
func TestNoInsecureSkipVerify(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		assert.NotContains(t, string(b), "InsecureSkipVerify", path)
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, checked, 20, "source files checked")
}

// TestHostileBodyCapped streams a 64 MiB JSON reply to every operation with a JSON
// reply, with the default cap: the call fails naming the cap, and the client allocates
// far less than the body (it refuses the declared length before reading).
func TestHostileBodyCapped(t *testing.T) {
	// Not parallel: runtime.MemStats counts the whole process.
	const hostile, capBytes = 64 << 20, hcloud.DefaultMaxResponseBytes
	for _, svc := range services {
		ops, err := svc.ops(offlineConfig())
		require.NoError(t, err)
		for _, op := range ops {
			if op.kind.download() {
				continue
			}
			t.Run(op.name, func(t *testing.T) {
				env := newEnv(t, svc, envOptions{fakeClock: true})
				op := env.op(t, op.name)
				_, err := env.srv.InjectFault(fake.Fault{Route: op.route, Oversize: hostile})
				require.NoError(t, err)

				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				_, err = op.call(context.Background())
				runtime.ReadMemStats(&after)

				var re *core.RequestError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, 1, re.Attempts)
				assert.Contains(t, err.Error(), "response body exceeds "+strconv.Itoa(capBytes)+" bytes")
				grew := after.TotalAlloc - before.TotalAlloc
				assert.Less(t, grew, uint64(40<<20), "bytes allocated while refusing a %d-byte body", hostile)
				t.Logf("%s: %d KiB allocated while refusing a %d MiB body", op.name, grew>>10, hostile>>20)
			})
		}
	}
}

// errorBody is a 10 MiB error reply body that counts what is read of it and whether it
// was closed, without holding it in memory.
type errorBody struct {
	left   int64
	read   atomic.Int64
	closed atomic.Bool
}

func (b *errorBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), b.left))
	for i := range n {
		p[i] = 'e'
	}
	b.left -= int64(n)
	b.read.Add(int64(n))
	return n, nil
}

func (b *errorBody) Close() error {
	b.closed.Store(true)
	return nil
}

// errorReplies is a base transport answering every request 500 with a 10 MiB body.
type errorReplies struct {
	mu     sync.Mutex
	bodies []*errorBody
}

func (e *errorReplies) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	b := &errorBody{left: 10 << 20}
	e.mu.Lock()
	e.bodies = append(e.bodies, b)
	e.mu.Unlock()
	return &http.Response{
		StatusCode: http.StatusInternalServerError, Status: "500 Internal Server Error",
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/plain"}, "X-Request-Id": {"req-" + strconv.Itoa(len(e.bodies))}},
		ContentLength: 10 << 20, Body: b, Request: req,
	}, nil
}

// TestErrorBodyCapped answers every operation 500 with a 10 MiB body: the APIError
// keeps at most 4 KiB of it, the client reads at most 64 KiB of each reply, and closes
// every one.
func TestErrorBodyCapped(t *testing.T) {
	t.Parallel()
	for _, svc := range services {
		ops, err := svc.ops(offlineConfig())
		require.NoError(t, err)
		for _, op := range ops {
			t.Run(op.name, func(t *testing.T) {
				t.Parallel()
				replies := &errorReplies{}
				cfg := offlineConfig()
				cfg.Retry = core.RetryPolicy{MinWait: 1, MaxWait: 1}
				cfg.HTTPClient = &http.Client{Transport: replies}
				ops, err := svc.ops(cfg)
				require.NoError(t, err)
				var call operation
				for _, o := range ops {
					if o.name == op.name {
						call = o
					}
				}
				_, err = call.call(context.Background())
				var ae *core.APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, http.StatusInternalServerError, ae.StatusCode)
				assert.LessOrEqual(t, len(ae.Body), 4<<10)
				want := 1
				if op.kind == kindGet || op.kind == kindDownload {
					want = attempts
				} // ExportAndDownload fails on its export, a POST.
				assert.Equal(t, want, ae.Attempts)
				require.Len(t, replies.bodies, want)
				for i, b := range replies.bodies {
					assert.LessOrEqual(t, b.read.Load(), int64(64<<10), "bytes read of reply %d", i+1)
					assert.True(t, b.closed.Load(), "reply %d closed", i+1)
				}
			})
		}
	}
}
