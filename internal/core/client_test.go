package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

var testCreds = signer.Credentials{AccessKey: "HPUATESTACCESSKEY001", SecretKey: "s3cr3t-SECRET-key-that-must-never-leak", SecurityToken: "sEcUrItY-tOkEn-never-leak"}

const testProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

// seen is one request as the mock server received it, with its verification result.
type seen struct {
	method, path, rawPath, query string
	header                       http.Header
	body                         []byte
	verifyErr                    error
}

// server scripts replies and verifies every request's signature against clock.
type server struct {
	t       *testing.T
	clock   Clock
	mu      sync.Mutex
	replies []func(*http.Request) (*http.Response, error)
	reqs    []seen
}

func (s *server) respond(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := seen{method: req.Method, path: req.URL.Path, rawPath: req.URL.EscapedPath(), query: req.URL.RawQuery, header: req.Header.Clone(), body: body}
	if req.Header.Get("Authorization") != "" {
		rec.verifyErr = signer.Verify(req, body, testCreds, s.clock.Now(), 15*time.Minute)
	}
	s.reqs = append(s.reqs, rec)
	i := len(s.reqs) - 1
	if i >= len(s.replies) {
		i = len(s.replies) - 1
	}
	return s.replies[i](req)
}

func (s *server) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

func reply(status int, body string, header ...string) func(*http.Request) (*http.Response, error) {
	return func(req *http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("X-Request-Id", "req-"+http.StatusText(status))
		for i := 0; i+1 < len(header); i += 2 {
			resp.Header.Set(header[i], header[i+1])
		}
		resp.Request = req
		return resp, nil
	}
}

func fail(err error) func(*http.Request) (*http.Response, error) {
	return func(*http.Request) (*http.Response, error) { return nil, err }
}

type fixture struct {
	client *Client
	srv    *server
	clock  *fakeclock.Clock
	logs   *bytes.Buffer
}

func newFixture(t *testing.T, mutate func(*Config), replies ...func(*http.Request) (*http.Response, error)) *fixture {
	t.Helper()
	clk := fakeclock.New(time.Now().UTC())
	srv := &server{t: t, clock: clk, replies: replies}
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(srv.respond)
	logs := &bytes.Buffer{}
	cfg := Config{
		Region:      "ap-southeast-1",
		ProjectID:   testProject,
		Credentials: testCreds,
		HTTPClient:  &http.Client{Transport: mt},
		Clock:       clk,
		Logger:      slog.New(slog.NewTextHandler(&syncWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := NewClient(ServiceCSS, cfg)
	require.NoError(t, err)
	return &fixture{client: c, srv: srv, clock: clk, logs: logs}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

var listCall = Call{Op: "ListLogBackups", Method: http.MethodGet, Path: "/v1.0/{project_id}/clusters/{ClusterID}/logs/records",
	Params: []string{"c-1"}, Query: url.Values{"offset": {"1"}, "limit": {"10"}}}

var postCall = Call{Op: "UpdateLogSettings", Method: http.MethodPost, Path: "/v1.0/{project_id}/clusters/{ClusterID}/logs/settings",
	Params: []string{"c-1"}, Body: map[string]string{"log_bucket": "bucket one"}}

type listOut struct {
	Records []struct {
		ID string `json:"id"`
	} `json:"clusterLogRecord"`
}

func TestDoSuccessBuildsSignedRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, reply(200, `{"clusterLogRecord":[{"id":"a"}],"extra":1}`))
	var out listOut
	meta, err := f.client.Do(context.Background(), &listCall, &out)
	require.NoError(t, err)
	assert.Equal(t, Meta{StatusCode: 200, RequestID: "req-OK", Header: http.Header{"X-Request-Id": {"req-OK"}}}, meta)
	require.Len(t, out.Records, 1)
	assert.Equal(t, "a", out.Records[0].ID)

	reqs := f.srv.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "GET", r.method)
	assert.Equal(t, "/v1.0/"+testProject+"/clusters/c-1/logs/records", r.path)
	assert.Equal(t, "limit=10&offset=1", r.query)
	assert.NoError(t, r.verifyErr)
	assert.Equal(t, testProject, r.header.Get("X-Project-Id"))
	assert.Equal(t, testCreds.SecurityToken, r.header.Get("X-Security-Token"))
	assert.Equal(t, "application/json", r.header.Get("Accept"))
	assert.Equal(t, "application/json", r.header.Get("Content-Type"), "sent without a body too, as the official SDK does")
	assert.True(t, strings.HasPrefix(r.header.Get("User-Agent"), "hcloudlogs-go/"))
	assert.Empty(t, r.body)
}

func TestDoSendsJSONBody(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, reply(200, ``))
	_, err := f.client.Do(context.Background(), &postCall, nil)
	require.NoError(t, err)
	r := f.srv.requests()[0]
	assert.Equal(t, `{"log_bucket":"bucket one"}`, string(r.body))
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	assert.NoError(t, r.verifyErr)
}

func TestRetryAfterHonouredThenSuccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, reply(429, `{"error_code":"APIG.0308","error_msg":"throttled"}`, "Retry-After", "1"), reply(200, `{}`))
	_, err := f.client.Do(context.Background(), &listCall, &listOut{})
	require.NoError(t, err)
	reqs := f.srv.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, []time.Duration{time.Second}, f.clock.Sleeps())
	for _, r := range reqs {
		assert.NoError(t, r.verifyErr)
	}
	d0, d1 := reqs[0].header.Get("X-Sdk-Date"), reqs[1].header.Get("X-Sdk-Date")
	assert.LessOrEqual(t, d0, d1, "the retry is signed at its own time")
	assert.Contains(t, f.logs.String(), "retrying request")
	assert.Contains(t, f.logs.String(), "attempt=2")
}

func TestRetryAfterWaitIsReal(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.Clock = nil }, reply(429, `busy`, "Retry-After", "1"), reply(200, `{}`))
	start := time.Now()
	_, err := f.client.Do(context.Background(), &listCall, &listOut{})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "Retry-After: 1 is waited for")
	assert.Len(t, f.srv.requests(), 2)
}

func TestRetryStatuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		call         Call
		replies      []func(*http.Request) (*http.Response, error)
		wantAttempts int
		wantStatus   int
	}{
		{"409 409 200", listCall, []func(*http.Request) (*http.Response, error){reply(409, `{}`), reply(409, `{}`), reply(200, `{}`)}, 3, 0},
		{"412 exhausted", listCall, []func(*http.Request) (*http.Response, error){reply(412, `{"error_code":"CSS.0412","error_msg":"not ready"}`)}, 4, 412},
		{"500 on GET retried", listCall, []func(*http.Request) (*http.Response, error){reply(500, `{}`), reply(200, `{}`)}, 2, 0},
		{"500 on POST not retried", postCall, []func(*http.Request) (*http.Response, error){reply(500, `{}`)}, 1, 500},
		{"503 on GET exhausted", listCall, []func(*http.Request) (*http.Response, error){reply(503, `{}`)}, 4, 503},
		{"400 not retried", listCall, []func(*http.Request) (*http.Response, error){reply(400, `{"code":"CSS.0001","message":"bad"}`)}, 1, 400},
		{"409 on POST retried", postCall, []func(*http.Request) (*http.Response, error){reply(409, `{}`), reply(200, ``)}, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil, tc.replies...)
			_, err := f.client.Do(context.Background(), &tc.call, nil)
			reqs := f.srv.requests()
			assert.Len(t, reqs, tc.wantAttempts)
			if tc.wantStatus == 0 {
				require.NoError(t, err)
			} else {
				var ae *APIError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, tc.wantStatus, ae.StatusCode)
				assert.Equal(t, tc.wantAttempts, ae.Attempts)
				assert.NotEmpty(t, ae.RequestID)
			}
			for i, r := range reqs {
				assert.NoError(t, r.verifyErr, "attempt %d", i+1)
				assert.Equal(t, reqs[0].body, r.body, "body replayed identically")
			}
		})
	}
}

func TestExhaustedRetriesKeepLastError(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, reply(412, `{"error_code":"CSS.0412","error_msg":"cluster not ready"}`))
	_, err := f.client.Do(context.Background(), &listCall, nil)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, APIError{Service: "css", Operation: "ListLogBackups", StatusCode: 412, Code: "CSS.0412",
		Message: "cluster not ready", RequestID: "req-Precondition Failed", Attempts: 4,
		Body: []byte(`{"error_code":"CSS.0412","error_msg":"cluster not ready"}`)}, *ae)
	assert.ErrorIs(t, err, ErrPreconditionFailed)
	assert.EqualError(t, err, "css: ListLogBackups: 412 CSS.0412: cluster not ready (request id req-Precondition Failed, 4 attempts)")
	assert.NotContains(t, err.Error(), "giving up")
	sleeps := f.clock.Sleeps()
	require.Len(t, sleeps, 3)
	for i, s := range sleeps {
		assert.LessOrEqual(t, s, hcloud.DefaultMinWait<<i, "full jitter under the exponential ceiling")
	}
}

func TestRetryAfterCapped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.Retry.MaxRetryAfter = 5 * time.Second },
		reply(429, `{}`, "Retry-After", "3600"), reply(503, `{}`, "Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)), reply(200, `{}`))
	_, err := f.client.Do(context.Background(), &listCall, nil)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{5 * time.Second, 5 * time.Second}, f.clock.Sleeps())
}

func TestMaxAttemptsOneDisablesRetries(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.Retry.MaxAttempts = 1 }, reply(429, `{}`))
	_, err := f.client.Do(context.Background(), &listCall, nil)
	assert.ErrorIs(t, err, ErrThrottled)
	assert.Len(t, f.srv.requests(), 1)
}

func TestContextCancelledMidWait(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.Clock = nil }, reply(429, `{}`, "Retry-After", "30"))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	start := time.Now()
	_, err := f.client.Do(ctx, &listCall, nil)
	assert.Less(t, time.Since(start), 10*time.Second, "the 30 s wait is abandoned")
	require.ErrorIs(t, err, context.Canceled)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
	assert.Len(t, f.srv.requests(), 1)
}

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	reset := errors.New("read: connection reset by peer")
	f := newFixture(t, nil, fail(reset), reply(200, `{}`))
	_, err := f.client.Do(context.Background(), &listCall, nil)
	require.NoError(t, err)
	assert.Len(t, f.srv.requests(), 2, "GET retried after a reset")

	f = newFixture(t, nil, fail(reset))
	_, err = f.client.Do(context.Background(), &postCall, nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
	assert.Contains(t, err.Error(), "connection reset by peer")
	assert.Len(t, f.srv.requests(), 1, "POST not retried")

	f = newFixture(t, nil, fail(reset))
	_, err = f.client.Do(context.Background(), &listCall, nil)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 4, re.Attempts)
	assert.Contains(t, err.Error(), "after 4 attempts")
}

func TestResponseLimits(t *testing.T) {
	t.Parallel()
	big := `{"clusterLogRecord":[],"pad":"` + strings.Repeat("x", 2048) + `"}`
	f := newFixture(t, func(c *Config) { c.MaxResponseBytes = 1024 }, reply(200, big))
	_, err := f.client.Do(context.Background(), &listCall, &listOut{})
	assert.ErrorContains(t, err, "css: ListLogBackups: response body exceeds 1024 bytes")

	f = newFixture(t, nil, reply(200, `{"clusterLogRecord":[{"id":`))
	_, err = f.client.Do(context.Background(), &listCall, &listOut{})
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), "css: ListLogBackups: decode response")
	assert.Equal(t, 200, re.StatusCode)

	f = newFixture(t, nil, reply(200, `{} trailing`))
	_, err = f.client.Do(context.Background(), &listCall, &listOut{})
	assert.ErrorContains(t, err, "decode response")

	f = newFixture(t, nil, reply(500, strings.Repeat("e", 100<<10)))
	_, err = f.client.Do(context.Background(), &postCall, nil)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Len(t, ae.Body, 4<<10)
}

func TestRedirectIsAnError(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, reply(302, ``, "Location", "https://elsewhere.example.com/x"))
	_, err := f.client.Do(context.Background(), &listCall, nil)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 302, ae.StatusCode)
	assert.Contains(t, ae.Message, "https://elsewhere.example.com/x")
	assert.Len(t, f.srv.requests(), 1)
}

func TestPathParamsStayInTheirSegment(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, reply(200, `{}`))
	call := listCall
	call.Path = "/v1.0/{project_id}/clusters/{Name}/logs/records" // not an ID: any text
	for _, id := range []string{"a/b", "../x", "a b", "%2F", "?x=1", "#frag", "é"} {
		call.Params = []string{id}
		_, err := f.client.Do(context.Background(), &call, nil)
		require.NoError(t, err, id)
	}
	for i, r := range f.srv.requests() {
		assert.Equal(t, 6, strings.Count(r.rawPath, "/"), "request %d: %s", i, r.rawPath)
		assert.NoError(t, r.verifyErr)
	}
	for _, bad := range []string{"", " ", ".", "..", "a\nb", "a\x00b", "a\x7fb"} {
		call.Params = []string{bad}
		_, err := f.client.Do(context.Background(), &call, nil)
		require.ErrorIs(t, err, ErrInvalidRequest, "%q", bad)
		assert.ErrorContains(t, err, "css: ListLogBackups: Name")
	}
	for _, notID := range []string{"a/b", "nope", " 4213d908-f5dc-4633-8401-cfd7175fca0c"} {
		_, err := f.client.Do(context.Background(), &listCall, nil)
		require.NoError(t, err, "the fixture's ClusterID is an ID")
		bad := listCall
		bad.Params = []string{notID}
		_, err = f.client.Do(context.Background(), &bad, nil)
		require.ErrorIs(t, err, ErrInvalidRequest, "%q", notID)
		assert.ErrorContains(t, err, "css: ListLogBackups: ClusterID "+strconv.Quote(notID)+" is not an ID")
	}
	assert.Len(t, f.srv.requests(), 10, "refused IDs send nothing")
}

func TestQueryEncodesSpacesAsPercent20(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "a=x%20y&b=1%2B1&c=", EncodeQuery(url.Values{"b": {"1+1"}, "a": {"x y"}, "c": {""}}))
}

func TestTokenAuth(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.Credentials = signer.Credentials{}; c.AuthToken = "iam-token-value" }, reply(200, `{}`))
	_, err := f.client.Do(context.Background(), &listCall, nil)
	require.NoError(t, err)
	r := f.srv.requests()[0]
	assert.Equal(t, "iam-token-value", r.header.Get("X-Auth-Token"))
	assert.Empty(t, r.header.Get("Authorization"))
	assert.Empty(t, r.header.Get("X-Sdk-Date"))

	boom := errors.New("token service down")
	f = newFixture(t, func(c *Config) {
		c.Credentials = signer.Credentials{}
		c.AuthTokenProvider = func(context.Context) (string, error) { return "", boom }
	}, reply(200, `{}`))
	_, err = f.client.Do(context.Background(), &listCall, nil)
	assert.ErrorIs(t, err, boom)
	assert.Empty(t, f.srv.requests(), "nothing sent without a token")
}

type failingProvider struct{ calls int }

func (p *failingProvider) Retrieve(context.Context) (signer.Credentials, error) {
	p.calls++
	return signer.Credentials{}, errors.New("metadata service unreachable")
}

func TestCredentialsProviderErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	p := &failingProvider{}
	f := newFixture(t, func(c *Config) { c.Credentials = signer.Credentials{}; c.CredentialsProvider = p }, reply(200, `{}`))
	_, err := f.client.Do(context.Background(), &listCall, nil)
	assert.ErrorContains(t, err, "metadata service unreachable")
	assert.Equal(t, 1, p.calls)
	assert.Empty(t, f.srv.requests())
}

func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, reply(429, `{}`), reply(503, `{}`), reply(500, `{}`), reply(429, `{}`))
	_, err := f.client.Do(context.Background(), &listCall, nil)
	require.Error(t, err)
	logs := f.logs.String()
	require.Equal(t, 3, strings.Count(logs, "retrying request"))
	auth := f.srv.requests()[0].header.Get("Authorization")
	require.NotEmpty(t, auth)
	for _, secret := range []string{testCreds.SecretKey, testCreds.SecurityToken, auth, "Signature="} {
		assert.NotContains(t, logs, secret)
		assert.NotContains(t, err.Error(), secret)
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	good := Config{Region: "ap-southeast-1", ProjectID: testProject, Credentials: testCreds}
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"no region or endpoint", func(c *Config) { c.Region = "" }, "set Region (e.g. ap-southeast-1), or the service's endpoint in ServiceEndpoints"},
		{"http endpoint", func(c *Config) { c.ServiceEndpoints = map[string][]string{"CSS": {"http://127.0.0.1:1"}} },
			"set Config.AllowInsecureHTTP, or pass config.WithAllowInsecureHTTP() to config.Load, or set HUAWEICLOUD_SDK_ALLOW_INSECURE_HTTP=true"},
		{"ftp endpoint", func(c *Config) { c.ServiceEndpoints = map[string][]string{"css": {"ftp://x.example.com"}} }, "must use https"},
		{"unknown service key", func(c *Config) { c.ServiceEndpoints = map[string][]string{"csss": {"https://x.example.com"}} },
			`ServiceEndpoints: unknown service "csss" (known: css, hss, dws, baremetal)`},
		{"two keys for one service", func(c *Config) {
			c.ServiceEndpoints = map[string][]string{"css": {"https://x.example.com"}, "CSS": {"https://y.example.com"}}
		}, `keys "CSS" and "css" all name service css`},
		{"no project, no region", func(c *Config) {
			c.ProjectID, c.Region, c.ServiceEndpoints = "", "", map[string][]string{"css": {"https://css.example.com"}}
		}, "ProjectID is required (or set Region"},
		{"no project, http IAM", func(c *Config) { c.ProjectID, c.IAMEndpoint = "", "http://127.0.0.1:1" }, "IAMEndpoint \"http://127.0.0.1:1\" uses http"},
		{"no project, bad region", func(c *Config) { c.ProjectID, c.Region = "", "ap/x" }, "invalid Region \"ap/x\""},
		{"bad region with a project", func(c *Config) { c.Region = "attacker.example#" }, "invalid Region \"attacker.example#\""},
		{"http service endpoint", func(c *Config) {
			c.ServiceEndpoints = map[string][]string{ServiceCSS: {"https://a.example.com", "http://b.example.com"}}
		},
			`ServiceEndpoints["css"][1] "http://b.example.com" uses http`},
		{"service endpoint with a query", func(c *Config) { c.ServiceEndpoints = map[string][]string{ServiceCSS: {"a.example.com?x=1"}} },
			`ServiceEndpoints["css"][0] "https://a.example.com?x=1" must not carry user info, a query or a fragment`},
		{"bad project", func(c *Config) { c.ProjectID = "a/b" }, "ProjectID"},
		{"no credentials", func(c *Config) { c.Credentials = signer.Credentials{} }, "no credentials"},
		{"half credentials", func(c *Config) { c.Credentials.SecretKey = "" }, "SecretKey"},
		{"two auth methods", func(c *Config) { c.AuthToken = "t" }, "exactly one"},
		{"negative attempts", func(c *Config) { c.Retry.MaxAttempts = -1 }, "MaxAttempts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tc.mutate(&cfg)
			_, err := NewClient(ServiceCSS, cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "css: config: ")
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), testCreds.SecretKey)
		})
	}
	_, err := NewClient(ServiceCSS, good)
	require.NoError(t, err)
	cfg := good
	cfg.ServiceEndpoints, cfg.AllowInsecureHTTP = map[string][]string{"CSS": {"http://127.0.0.1:8080"}}, true
	_, err = NewClient(ServiceCSS, cfg)
	require.NoError(t, err)
	cfg = good
	cfg.ProjectID = ""
	_, err = NewClient(ServiceCSS, cfg)
	require.NoError(t, err, "an empty ProjectID is looked up through IAM")
	cfg = good
	cfg.Region, cfg.ServiceEndpoints = "", map[string][]string{ServiceCSS: {"https://a.example.com"}, ServiceHSS: {"http://ignored"}}
	_, err = NewClient(ServiceCSS, cfg)
	require.NoError(t, err, "ServiceEndpoints stand for Region; other services' lists are not checked")
}

func TestEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range [][3]string{
		{ServiceCSS, "ap-southeast-1", "https://css.ap-southeast-1.myhuaweicloud.com"},
		{ServiceCSS, "cn-north-1", "https://es.cn-north-1.myhuaweicloud.com"},
		{ServiceCSS, "cn-east-2", "https://es.cn-east-2.myhuaweicloud.com"},
		{ServiceCSS, "eu-west-101", "https://css.eu-west-101.myhuaweicloud.com"},
		{ServiceHSS, "eu-west-101", "https://hss.eu-west-101.myhuaweicloud.eu"},
		{ServiceHSS, "cn-north-4", "https://hss.cn-north-4.myhuaweicloud.com"},
		{ServiceDWS, "eu-west-101", "https://dws.eu-west-101.myhuaweicloud.eu"},
		{ServiceDWS, "cn-south-4", "https://dws.cn-south-4.myhuaweicloud.cn"},
		{ServiceDWS, "ap-southeast-4", "https://dws.ap-southeast-4.myhuaweicloud.cn"},
		{ServiceDWS, "ru-moscow-1", "https://dws.ru-moscow-1.myhuaweicloud.com"},
		{ServiceBareMetal, "cn-east-3", "https://clouddc.cn-east-3.myhuaweicloud.com"},
		{ServiceBareMetal, "xx-new-9", "https://clouddc.xx-new-9.myhuaweicloud.com"},
	} {
		assert.Equal(t, tc[2], Endpoint(tc[0], tc[1]), "%s %s", tc[0], tc[1])
	}
}

func TestConfigPrintsNoSecrets(t *testing.T) {
	t.Parallel()
	cfg := Config{Region: "ap-southeast-1", ProjectID: testProject, Credentials: testCreds, AuthToken: "MIIiam-token-secret"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		for _, v := range []any{cfg, &cfg, struct{ C Config }{cfg}} {
			out := fmt.Sprintf(verb, v)
			assert.Contains(t, out, "ap-southeast-1", verb)
			for _, secret := range []string{testCreds.SecretKey, testCreds.SecurityToken, "MIIiam-token-secret"} {
				assert.NotContains(t, out, secret, verb)
			}
		}
	}
	assert.Contains(t, cfg.String(), "AuthToken:<redacted>")
}

func TestDoReadsBodyWithinRetries(t *testing.T) {
	t.Parallel()
	broken := func(req *http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(200, `{"clusterLogRecord":[{"id":"a"}]}`)
		resp.Body = io.NopCloser(io.MultiReader(strings.NewReader(`{"clusterLog`), errReader{io.ErrUnexpectedEOF}))
		resp.Request = req
		return resp, nil
	}
	f := newFixture(t, nil, broken, reply(200, `{"clusterLogRecord":[{"id":"a"}]}`))
	var out listOut
	_, err := f.client.Do(context.Background(), &listCall, &out)
	require.NoError(t, err)
	assert.Len(t, f.srv.requests(), 2, "a GET whose body broke off is retried")
	require.Len(t, out.Records, 1)

	f = newFixture(t, nil, broken)
	_, err = f.client.Do(context.Background(), &postCall, nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Len(t, f.srv.requests(), 1, "a POST is not")
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestBodylessReplyMustBeJSON(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, reply(200, `{"broken":`))
	_, err := f.client.Do(context.Background(), &postCall, nil)
	assert.ErrorContains(t, err, "css: UpdateLogSettings: decode response: the body is not valid JSON")
	f = newFixture(t, nil, reply(200, "  \n"))
	_, err = f.client.Do(context.Background(), &postCall, nil)
	assert.NoError(t, err)
}

func TestDeclaredLengthOverCapRefusedUnread(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.MaxResponseBytes = 100 }, func(req *http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(200, "")
		resp.ContentLength = 1 << 40
		resp.Body = io.NopCloser(errReader{errors.New("the body must not be read")})
		resp.Request = req
		return resp, nil
	})
	_, err := f.client.Do(context.Background(), &listCall, &listOut{})
	assert.ErrorContains(t, err, "response body exceeds 100 bytes")
	assert.NotContains(t, err.Error(), "must not be read")
	assert.Len(t, f.srv.requests(), 1, "too large is never retried")
}

func TestErrorMessageTruncated(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, reply(400, strings.Repeat("é", 10<<10)))
	_, err := f.client.Do(context.Background(), &listCall, nil)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.LessOrEqual(t, len(ae.Message), errorMessageLimit+len("… (truncated)"))
	assert.True(t, strings.HasSuffix(ae.Message, "… (truncated)"))
	assert.True(t, utf8.ValidString(ae.Message))
	assert.Len(t, ae.Body, errorBodyLimit)
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	c, err := NewClient(ServiceCSS, Config{ServiceEndpoints: map[string][]string{"css": {"https://css.example.com"}}, ProjectID: "p",
		Credentials: signer.Credentials{AccessKey: "AK", SecretKey: "SK"},
		Retry:       RetryPolicy{MaxAttempts: 3, MinWait: time.Second, MaxWait: 3 * time.Second}})
	require.NoError(t, err)
	for n, ceiling := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second} {
		d, ok := c.Backoff(hcloud.CallOptions{}, n)
		assert.True(t, ok, "retry %d", n)
		assert.LessOrEqual(t, d, ceiling, "retry %d", n)
	}
	for _, n := range []int{0, 3, 4} {
		_, ok := c.Backoff(hcloud.CallOptions{}, n)
		assert.False(t, ok, "retry %d of 3 attempts", n)
	}
}
