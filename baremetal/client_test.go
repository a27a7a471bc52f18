package baremetal

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testEndpoint  = "https://clouddc.cn-east-3.myhuaweicloud.com"
	testProjectID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	testServerID  = "5f6c3b9e-2d1a-4c8b-9e7f-0a1b2c3d4e5f"
)

var testCreds = signer.Credentials{AccessKey: "HPUATESTACCESSKEY001", SecretKey: "testSecretKeyForTheBareMetalClient0123456"}

// seenRequest is one request the mock received.
type seenRequest struct {
	Method    string
	Path      string // escaped, as sent
	Query     string
	Body      []byte
	Header    http.Header
	VerifyErr error // signer.Verify's verdict
}

// mockAPI is an httpmock transport under the real signer and retry stack that records
// every request and answers with respond.
type mockAPI struct {
	clock   *fakeclock.Clock
	respond func(n int, r *seenRequest) *http.Response
	mu      sync.Mutex
	seen    []seenRequest
}

// newMockClient returns a client whose requests reach respond (n counts from 0).
func newMockClient(t *testing.T, respond func(n int, r *seenRequest) *http.Response) (*Client, *mockAPI) {
	t.Helper()
	return newMockClientAttempts(t, 0, respond)
}

// newMockClientAttempts is newMockClient with RetryPolicy.MaxAttempts set to attempts
// (0: the default).
func newMockClientAttempts(t *testing.T, attempts int, respond func(n int, r *seenRequest) *http.Response) (*Client, *mockAPI) {
	t.Helper()
	m := &mockAPI{clock: fakeclock.New(time.Now()), respond: respond}
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(m.roundTrip)
	c, err := New(Config{
		ServiceEndpoints: map[string][]string{"baremetal": {testEndpoint}},
		ProjectID:        testProjectID,
		Credentials:      testCreds,
		HTTPClient:       &http.Client{Transport: mt},
		Retry:            RetryPolicy{MaxAttempts: attempts, MinWait: time.Millisecond, MaxWait: time.Millisecond},
		Clock:            m.clock,
	})
	require.NoError(t, err)
	return c, m
}

func (m *mockAPI) roundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	sr := seenRequest{
		Method:    req.Method,
		Path:      req.URL.EscapedPath(),
		Query:     req.URL.RawQuery,
		Body:      body,
		Header:    req.Header.Clone(),
		VerifyErr: signer.Verify(req, body, testCreds, m.clock.Now(), 0),
	}
	m.mu.Lock()
	n := len(m.seen)
	m.seen = append(m.seen, sr)
	m.mu.Unlock()
	resp := m.respond(n, &sr)
	resp.Request = req
	return resp, nil
}

// Seen returns the requests received so far.
func (m *mockAPI) Seen() []seenRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]seenRequest(nil), m.seen...)
}

// reply builds a response with a known length.
func reply(status int, body []byte, header ...string) *http.Response {
	h := http.Header{"X-Request-Id": {"req-" + strconv.Itoa(status)}}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json;charset=UTF-8")
	}
	return &http.Response{
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
	}
}

// fixture reads testdata/name.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// assertSigned checks the request carries a valid signature and the project header.
func assertSigned(t *testing.T, r seenRequest) {
	t.Helper()
	assert.NoError(t, r.VerifyErr, "signer.Verify")
	assert.Equal(t, testProjectID, r.Header.Get("X-Project-Id"))
	assert.True(t, strings.HasPrefix(r.Header.Get("Authorization"), "SDK-HMAC-SHA256 Access="+testCreds.AccessKey+", "))
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "region", cfg: Config{Region: "cn-east-3", ProjectID: testProjectID, Credentials: testCreds}},
		{name: "token", cfg: Config{Region: "cn-east-3", ProjectID: testProjectID, AuthToken: "tok"}},
		{name: "no region", cfg: Config{ProjectID: testProjectID, Credentials: testCreds}, wantErr: "baremetal: config: set Region (e.g. ap-southeast-1), or the service's endpoint in ServiceEndpoints"},
		{name: "no credentials", cfg: Config{Region: "cn-east-3", ProjectID: testProjectID}, wantErr: "baremetal: config: no credentials"},
		{name: "http endpoint", cfg: Config{ServiceEndpoints: map[string][]string{"baremetal": {"http://127.0.0.1:1"}}, ProjectID: testProjectID, Credentials: testCreds}, wantErr: "AllowInsecureHTTP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.cfg)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, c)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, c)
		})
	}
}

func TestNewRegionEndpoint(t *testing.T) {
	t.Parallel()
	var host string
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		host = req.URL.Scheme + "://" + req.URL.Host
		return reply(http.StatusAccepted, fixture(t, "exportlogs_sdk.json")), nil
	})
	c, err := New(Config{Region: "ap-southeast-3", ProjectID: testProjectID, Credentials: testCreds,
		HTTPClient: &http.Client{Transport: mt}})
	require.NoError(t, err)
	_, err = c.ExportLogs(context.Background(), &ExportLogsRequest{ServerID: testServerID})
	require.NoError(t, err)
	assert.Equal(t, "https://clouddc.ap-southeast-3.myhuaweicloud.com", host)
}

// exportAndDownload runs c.ExportAndDownload into w and returns the export (nil when
// it did not start) and the bytes written, for tests that check those after an error.
func exportAndDownload(c *Client, ctx context.Context, serverID string, w io.Writer, opts ...Option) (*LogExport, int64, error) {
	resp, err := c.ExportAndDownload(ctx, &ExportAndDownloadRequest{ServerID: serverID, Destination: w}, opts...)
	if resp == nil {
		return nil, 0, err
	}
	return &resp.Export, resp.Written, err
}
