package css_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

var testCreds = signer.Credentials{AccessKey: "HPUATESTACCESSKEY001", SecretKey: "s3cr3t-SECRET-key-that-must-never-leak"}

const (
	testProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	testCluster = "4213d908-f5dc-4633-8401-cfd7175fca0c"
	// clusterPath is the path prefix every operation on testCluster uses.
	clusterPath = "/v1.0/" + testProject + "/clusters/" + testCluster
)

// sent is one request as the mock server received it.
type sent struct {
	Method    string
	Origin    string // scheme://host
	Path      string // decoded
	RawPath   string // as on the wire
	Query     string
	Header    http.Header
	Body      []byte
	VerifyErr error
}

// handler answers the n-th (0-based) request.
type handler func(req *http.Request, n int) *http.Response

// mock is an httpmock transport under the real signer and retry stack that records
// and verifies every request.
type mock struct {
	clock *fakeclock.Clock
	mu    sync.Mutex
	reqs  []sent
}

// newClient returns a client for region ap-southeast-1 whose requests h answers.
func newClient(t *testing.T, h handler) (*css.Client, *mock) {
	t.Helper()
	return newClientAt(t, fakeclock.New(time.Now().UTC().Truncate(time.Millisecond)), h)
}

// newClientAt is newClient with the client's clock.
func newClientAt(t *testing.T, clock *fakeclock.Clock, h handler) (*css.Client, *mock) {
	t.Helper()
	m := &mock{clock: clock}
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		var body []byte
		if req.Body != nil {
			b, err := io.ReadAll(req.Body)
			if err != nil {
				return nil, err
			}
			body = b
		}
		rec := sent{
			Method: req.Method, Origin: req.URL.Scheme + "://" + req.URL.Host, Path: req.URL.Path, RawPath: req.URL.EscapedPath(), Query: req.URL.RawQuery,
			Header: req.Header.Clone(), Body: body,
			VerifyErr: signer.Verify(req, body, testCreds, m.clock.Now(), 0),
		}
		m.mu.Lock()
		n := len(m.reqs)
		m.reqs = append(m.reqs, rec)
		m.mu.Unlock()
		resp := h(req, n)
		resp.Request = req
		return resp, nil
	})
	c, err := css.New(css.Config{
		Region:      "ap-southeast-1",
		ProjectID:   testProject,
		Credentials: testCreds,
		HTTPClient:  &http.Client{Transport: mt},
		Retry:       css.RetryPolicy{MinWait: time.Millisecond, MaxWait: time.Millisecond},
		Clock:       m.clock,
	})
	require.NoError(t, err)
	return c, m
}

// requests returns what the server received so far.
func (m *mock) requests() []sent {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]sent(nil), m.reqs...)
}

// only returns the single request the server received, asserting its signature.
func (m *mock) only(t *testing.T) sent {
	t.Helper()
	reqs := m.requests()
	require.Len(t, reqs, 1)
	require.NoError(t, reqs[0].VerifyErr, "signature")
	require.Equal(t, "https://css.ap-southeast-1.myhuaweicloud.com", reqs[0].Origin)
	return reqs[0]
}

// reply is a response with status, body and an X-Request-Id.
func reply(status int, body string) *http.Response {
	resp := httpmock.NewStringResponse(status, body)
	resp.Header.Set("X-Request-Id", "req-"+http.StatusText(status))
	if body != "" {
		resp.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	return resp
}

// always answers every request with the same status and body.
func always(status int, body string) handler {
	return func(*http.Request, int) *http.Response { return reply(status, body) }
}

// fixture returns testdata/name.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}

// ms is a Unix millisecond time in UTC.
func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

// ptr returns a pointer to v.
func ptr(v int) *int { return &v }
