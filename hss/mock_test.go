package hss

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

var testCreds = signer.Credentials{AccessKey: "HPUATESTACCESSKEY001", SecretKey: "hss-test-secret-key-0123456789"}

const (
	testProject  = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	testRegion   = "ap-southeast-1"
	testHost     = "hss.ap-southeast-1.myhuaweicloud.com"
	taskListPath = "/v5/" + testProject + "/ransomware/backup/operation-logs"
)

// seen is one request as the mock service received it, with its signature check.
type seen struct {
	method, host, path, rawPath, query string
	header                             http.Header
	body                               []byte
	verifyErr                          error
}

// mockService answers every request with handle and records what it received.
type mockService struct {
	mu     sync.Mutex
	reqs   []seen
	handle func(n int, req *http.Request) *http.Response
}

func (m *mockService) respond(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	rec := seen{method: req.Method, host: req.Host, path: req.URL.Path, rawPath: req.URL.EscapedPath(), query: req.URL.RawQuery,
		header: req.Header.Clone(), body: body}
	if req.Header.Get("X-Auth-Token") == "" {
		rec.verifyErr = signer.Verify(req, body, testCreds, time.Now(), 15*time.Minute)
	}
	m.mu.Lock()
	m.reqs = append(m.reqs, rec)
	n := len(m.reqs) - 1
	m.mu.Unlock()
	resp := m.handle(n, req)
	resp.Request = req
	if resp.Header.Get("X-Request-Id") == "" {
		resp.Header.Set("X-Request-Id", "req-"+strconv.Itoa(n+1))
	}
	return resp, nil
}

// requests returns a copy of what was received so far.
func (m *mockService) requests() []seen {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]seen(nil), m.reqs...)
}

// newMock returns a client whose requests go, through the real signer and retry
// stack, to a mock service answering with handle. mutate adjusts the config.
func newMock(t *testing.T, mutate func(*Config), handle func(n int, req *http.Request) *http.Response) (*Client, *mockService) {
	t.Helper()
	m := &mockService{handle: handle}
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(m.respond)
	cfg := Config{
		Region:      testRegion,
		ProjectID:   testProject,
		Credentials: testCreds,
		HTTPClient:  &http.Client{Transport: mt},
		Retry:       RetryPolicy{MinWait: time.Millisecond, MaxWait: time.Millisecond},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	require.NoError(t, err)
	return c, m
}

// reply builds a JSON response.
func reply(status int, body string) *http.Response {
	r := httpmock.NewStringResponse(status, body)
	r.Header.Set("Content-Type", "application/json")
	return r
}

// replies answers the n-th request with the n-th response, repeating the last one.
func replies(rs ...func() *http.Response) func(int, *http.Request) *http.Response {
	return func(n int, _ *http.Request) *http.Response {
		return rs[min(n, len(rs)-1)]()
	}
}

// fixture answers with the content of testdata/name.
func fixture(t *testing.T, status int, name string) func() *http.Response {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return func() *http.Response { return reply(status, string(b)) }
}

// status answers with a status and a Huawei error body.
func status(code int, errCode, msg string) func() *http.Response {
	return func() *http.Response {
		return reply(code, `{"error_code":"`+errCode+`","error_msg":"`+msg+`"}`)
	}
}

// mustTime parses an RFC 3339 time.
func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

// ptr returns a pointer to v.
func ptr(v int) *int { return &v }
