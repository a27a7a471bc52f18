package fake

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

var (
	hex32     = regexp.MustCompile(`^[0-9a-f]{32}$`)
	accessKey = regexp.MustCompile(`^[A-Z0-9]{20}$`)
	secretKey = regexp.MustCompile(`^[A-Za-z0-9]{40}$`)
)

func TestNewServer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	s := h.srv
	assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+$`, s.URL)
	assert.Regexp(t, hex32, s.ProjectID)
	assert.Regexp(t, accessKey, s.Credentials.AccessKey)
	assert.Regexp(t, secretKey, s.Credentials.SecretKey)
	assert.Empty(t, s.Credentials.SecurityToken)

	other := New(Options{Service: "css"})
	defer other.Close()
	assert.NotEqual(t, s.ProjectID, other.ProjectID)
	assert.NotEqual(t, s.Credentials, other.Credentials)
	assert.NotEqual(t, s.URL, other.URL)
}

func TestConfig(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Now())
	signed := New(Options{Service: "css", Clock: clock})
	defer signed.Close()
	assert.Equal(t, core.Config{
		ServiceEndpoints:  map[string][]string{"css": {signed.URL}},
		AllowInsecureHTTP: true,
		ProjectID:         signed.ProjectID,
		Credentials:       signed.Credentials,
		Clock:             clock,
		Retry:             hcloud.RetryPolicy{Budget: hcloud.NewRetryBudget(hcloud.DefaultRetryBudgetCapacity)},
	}, signed.Config())
	assert.NotSame(t, signed.Config().Retry.Budget, signed.Config().Retry.Budget, "one budget per Config")
	assert.Equal(t, clock.Now(), signed.Now())
	clock.Advance(time.Hour)
	assert.Equal(t, clock.Now(), signed.Now())

	token := New(Options{Service: "css", AuthToken: "tok"})
	defer token.Close()
	assert.Equal(t, core.Config{
		ServiceEndpoints:  map[string][]string{"css": {token.URL}},
		AllowInsecureHTTP: true,
		ProjectID:         token.ProjectID,
		AuthToken:         "tok",
		Retry:             hcloud.RetryPolicy{Budget: hcloud.NewRetryBudget(hcloud.DefaultRetryBudgetCapacity)},
	}, token.Config())
	assert.WithinDuration(t, time.Now(), token.Now(), time.Minute)
}

// newCoreClient returns a library client configured for s, with a transport whose idle
// connections are closed when the test ends.
func newCoreClient(t *testing.T, cfg core.Config) *core.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	cfg.HTTPClient = &http.Client{Transport: tr}
	cfg.Retry = core.RetryPolicy{MaxAttempts: 1}
	c, err := core.NewClient(core.ServiceCSS, cfg)
	require.NoError(t, err)
	return c
}

func TestLibraryClientAccepted(t *testing.T) {
	t.Parallel()
	for _, token := range []string{"", "an-iam-token"} {
		t.Run(fmt.Sprintf("token=%q", token), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, Options{AuthToken: token, Clock: fakeclock.New(time.Now())})
			c := newCoreClient(t, h.srv.Config())
			var out map[string]string
			meta, err := c.Do(context.Background(), &core.Call{
				Op:     "ListLogs",
				Method: http.MethodGet,
				// {Cluster}, not {ClusterID}: any text, whose escaping the fake must undo.
				Path:   "/v1.0/{project_id}/clusters/{Cluster}/logs",
				Params: []string{"a/b c"},
				Query:  url.Values{"limit": {"10"}, "offset": {"1"}},
			}, &out)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, meta.StatusCode)
			assert.Regexp(t, hex32, meta.RequestID)
			assert.Equal(t, map[string]string{"cluster_id": "a/b c", "query": "limit=10&offset=1"}, out)

			var created map[string]string
			meta, err = c.Do(context.Background(), &core.Call{
				Op:     "Backup",
				Method: http.MethodPost,
				Path:   "/v1.0/{project_id}/clusters/{ClusterID}/logs/backup",
				Params: []string{"c1"},
				Body:   map[string]string{"indexPrefix": "x"},
			}, &created)
			require.NoError(t, err)
			assert.Equal(t, http.StatusCreated, meta.StatusCode)
			assert.Equal(t, map[string]string{"cluster_id": "c1", "body": `{"indexPrefix":"x"}`}, created)
			assert.Equal(t, 1, h.srv.Requests(routeLogs))
			assert.Equal(t, 1, h.srv.Requests(routeBackup))
		})
	}
}

func TestEscapedSlashInPathValue(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	r := h.get(t, h.logsPath("a%2Fb"))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.JSONEq(t, `{"cluster_id":"a/b","query":""}`, string(r.body))

	// The unescaped form is another path, which no route matches.
	r = h.get(t, h.logsPath("a/b"))
	assert.Equal(t, http.StatusNotFound, r.status)
}

func TestSignatureRejected(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Now())
	h := newHarness(t, Options{Clock: clock})
	wrong := h.srv.Credentials
	wrong.SecretKey = strings.Repeat("k", 40)

	tests := []struct {
		name    string
		req     func() *http.Request
		problem string
	}{
		{"wrong secret", func() *http.Request {
			req := h.newRequest(t, http.MethodGet, h.logsPath("c1"), nil)
			require.NoError(t, signer.Sign(req, nil, wrong, clock.Now()))
			return req
		}, "signature mismatch"},
		{"unsigned", func() *http.Request {
			return h.newRequest(t, http.MethodGet, h.logsPath("c1"), nil)
		}, "Authorization"},
		{"stale date", func() *http.Request {
			req := h.newRequest(t, http.MethodGet, h.logsPath("c1"), nil)
			require.NoError(t, signer.Sign(req, nil, h.srv.Credentials, clock.Now().Add(-16*time.Minute)))
			return req
		}, "skew"},
		{"body changed after signing", func() *http.Request {
			req := h.newRequest(t, http.MethodPost, "/v1.0/"+h.srv.ProjectID+"/clusters/c1/logs/backup", []byte(`{"a":2}`))
			require.NoError(t, signer.Sign(req, []byte(`{"a":1}`), h.srv.Credentials, clock.Now()))
			return req
		}, "signature mismatch"},
		{"path changed after signing", func() *http.Request {
			req := h.newRequest(t, http.MethodGet, h.logsPath("c1"), nil)
			require.NoError(t, signer.Sign(req, nil, h.srv.Credentials, clock.Now()))
			req.URL.Path = "/v1.0/" + h.srv.ProjectID + "/clusters/c2/logs"
			return req
		}, "signature mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.calls.Load()
			r := h.send(t, tt.req())
			assert.Equal(t, http.StatusUnauthorized, r.status)
			assert.Regexp(t, hex32, r.header.Get(HeaderRequestID))
			e := errorOf(t, r)
			assert.Equal(t, CodeBadSignature, e.Code)
			assert.True(t, strings.HasPrefix(e.Message, "Incorrect IAM authentication information: "), e.Message)
			assert.Contains(t, e.Message, tt.problem)
			assert.NotContains(t, string(r.body), h.srv.Credentials.SecretKey)
			assert.NotContains(t, string(r.body), wrong.SecretKey)
			assert.Equal(t, before, h.calls.Load(), "the handler must not run")
		})
	}
}

func TestClockSkew(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Now())
	h := newHarness(t, Options{Clock: clock})
	req := h.signed(t, http.MethodGet, h.logsPath("c1"), nil)
	clock.Advance(14 * time.Minute)
	assert.Equal(t, http.StatusOK, h.send(t, req).status)

	req = h.signed(t, http.MethodGet, h.logsPath("c1"), nil)
	clock.Advance(16 * time.Minute)
	r := h.send(t, req)
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, CodeBadSignature, errorOf(t, r).Code)

	// A freshly signed request is accepted at the new time.
	assert.Equal(t, http.StatusOK, h.get(t, h.logsPath("c1")).status)

	// MaxSkew is configurable.
	strict := newHarness(t, Options{Clock: clock, MaxSkew: time.Minute})
	req = strict.signed(t, http.MethodGet, strict.logsPath("c1"), nil)
	clock.Advance(2 * time.Minute)
	assert.Equal(t, http.StatusUnauthorized, strict.send(t, req).status)
}

func TestTokenMode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{AuthToken: "secret-token"})
	tests := []struct {
		name   string
		token  string
		sign   bool
		status int
	}{
		{"right token", "secret-token", false, http.StatusOK},
		{"missing token", "", false, http.StatusUnauthorized},
		{"wrong token", "secret-tokex", false, http.StatusUnauthorized},
		{"signature instead of token", "", true, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := h.newRequest(t, http.MethodGet, h.logsPath("c1"), nil)
			if tt.token != "" {
				req.Header.Set("X-Auth-Token", tt.token)
			}
			if tt.sign {
				require.NoError(t, signer.Sign(req, nil, h.srv.Credentials, h.srv.Now()))
			}
			r := h.send(t, req)
			assert.Equal(t, tt.status, r.status, "%s", r.body)
			if tt.status != http.StatusOK {
				e := errorOf(t, r)
				assert.Equal(t, CodeBadToken, e.Code)
				assert.NotContains(t, e.Message, "secret-token")
			}
		})
	}
}

func TestProjectChecked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	other := strings.Repeat("0", 32)

	r := h.get(t, "/v1.0/"+other+"/clusters/c1/logs")
	assert.Equal(t, http.StatusForbidden, r.status)
	e := errorOf(t, r)
	assert.Equal(t, CodeForbidden, e.Code)
	assert.Contains(t, e.Message, other)

	req := h.newRequest(t, http.MethodGet, h.logsPath("c1"), nil)
	req.Header.Set("X-Project-Id", other)
	require.NoError(t, signer.Sign(req, nil, h.srv.Credentials, h.srv.Now()))
	r = h.send(t, req)
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, CodeForbidden, errorOf(t, r).Code)

	// Without X-Project-Id the path alone decides.
	req = h.newRequest(t, http.MethodGet, h.logsPath("c1"), nil)
	req.Header.Del("X-Project-Id")
	require.NoError(t, signer.Sign(req, nil, h.srv.Credentials, h.srv.Now()))
	assert.Equal(t, http.StatusOK, h.send(t, req).status)

	// A route without {project_id} checks only the header.
	assert.Equal(t, http.StatusOK, h.get(t, "/ping").status)
	assert.Equal(t, int64(2), h.calls.Load())
}

func TestNoRoute(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/nope"},
		{http.MethodDelete, h.logsPath("c1")},          // known path, wrong method
		{http.MethodGet, "/v1.0/" + h.srv.ProjectID},   // prefix of a route
		{http.MethodGet, "//ping"},                     // not canonical: no redirect
		{http.MethodGet, h.logsPath("c1") + "/"},       // trailing slash
		{http.MethodGet, "/v1.0/../ping"},              // dot segments
		{http.MethodGet, "/v1.0/x/clusters/c1/logs/x"}, // longer than a route
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, h.srv.URL+tc.path, nil)
			require.NoError(t, err)
			r := h.send(t, req)
			assert.Equal(t, http.StatusNotFound, r.status)
			assert.Regexp(t, hex32, r.header.Get(HeaderRequestID))
			assert.Equal(t, errorBody{Code: CodeAPINotFound, Message: msgAPINotFound}, errorOf(t, r))
		})
	}
	assert.Zero(t, h.calls.Load())
	assert.Equal(t, 7, h.srv.RequestsTotal())
	assert.Equal(t, 0, h.srv.Requests(routeLogs))
}

func TestBodyTooLarge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	path := "/v1.0/" + h.srv.ProjectID + "/clusters/c1/logs/backup"

	body := bytes.Repeat([]byte("a"), MaxRequestBody)
	r := h.send(t, h.signed(t, http.MethodPost, path, body))
	assert.Equal(t, http.StatusCreated, r.status)

	body = append(body, 'a')
	r = h.send(t, h.signed(t, http.MethodPost, path, body))
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	assert.Equal(t, CodeBadRequestBody, errorOf(t, r).Code)

	// Without a Content-Length the limit still holds.
	req := h.signed(t, http.MethodPost, path, body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = -1
	r = h.send(t, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	assert.Equal(t, int64(1), h.calls.Load())
}

func TestRequestsCounted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.get(t, h.logsPath("c1"))                                        // served
	h.send(t, h.newRequest(t, http.MethodGet, h.logsPath("c1"), nil)) // unsigned: 401
	_, err := h.srv.InjectFault(Fault{Route: routeLogs, Status: 500, Times: 1})
	require.NoError(t, err)
	h.get(t, h.logsPath("c1")) // faulted
	h.get(t, "/ping")
	h.get(t, "/unknown")

	assert.Equal(t, 3, h.srv.Requests(routeLogs))
	assert.Equal(t, 1, h.srv.Requests(routePing))
	assert.Equal(t, 0, h.srv.Requests(routeBackup))
	assert.Equal(t, 0, h.srv.Requests("GET /unknown"))
	assert.Equal(t, 5, h.srv.RequestsTotal())
}

func TestStreamsWithoutBuffering(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	release := make(chan struct{})
	const route = "GET /v1.0/{project_id}/download"
	h.srv.Handle(route, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = io.WriteString(w, "first;")
		if err := http.NewResponseController(w).Flush(); err != nil {
			return
		}
		select {
		case <-release:
			_, _ = io.WriteString(w, "second")
		case <-r.Context().Done():
		}
	})
	resp, err := h.hc.Do(h.signed(t, http.MethodGet, "/v1.0/"+h.srv.ProjectID+"/download", nil))
	require.NoError(t, err)
	defer resp.Body.Close()
	first := make([]byte, len("first;"))
	_, err = io.ReadFull(resp.Body, first) // would block if the server buffered
	require.NoError(t, err)
	close(release)
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "first;second", string(first)+string(rest))
}

func TestLogf(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lines []string
	h := newHarness(t, Options{Logf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}})
	h.get(t, "/nope")
	_, err := h.srv.InjectFault(Fault{Route: routePing, Status: 503})
	require.NoError(t, err)
	h.get(t, "/ping")
	h.send(t, h.newRequest(t, http.MethodGet, "/ping", nil))

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, lines, 3)
	assert.Contains(t, lines[0], "GET /nope: 404 APIG.0101")
	assert.Contains(t, lines[1], "GET /ping: fault Status 503 on GET /ping")
	assert.Contains(t, lines[2], "GET /ping: 401 APIG.0301")
	for _, l := range lines {
		assert.NotContains(t, l, h.srv.Credentials.SecretKey)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	require.Equal(t, http.StatusOK, h.get(t, "/ping").status)
	h.srv.Close()
	h.srv.Close() // idempotent
	_, err := h.hc.Do(h.signed(t, http.MethodGet, "/ping", nil))
	assert.Error(t, err)
}

func TestLogfReceivesServerErrors(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lines []string
	h := newHarness(t, Options{Logf: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}})
	h.srv.Handle("GET /twice", func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.WriteHeader(http.StatusAccepted)
		w.WriteHeader(http.StatusOK)
	})
	assert.Equal(t, http.StatusAccepted, h.get(t, "/twice").status)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, lines, 1)
	assert.True(t, strings.HasPrefix(lines[0], "fake: http: "), lines[0])
	assert.Contains(t, lines[0], "superfluous")
	assert.NotContains(t, lines[0], "\n")
}
