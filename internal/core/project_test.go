package core

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// iamProject is one project in a KeystoneListProjects reply.
type iamProject struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// iamServer serves IAM /v3/projects and a service path on one loopback server, and
// verifies every signature against the keys of keyOf.
type iamServer struct {
	t     *testing.T
	URL   string
	keyOf func(ak string) signer.Credentials

	mu       sync.Mutex
	projects []iamProject
	status   int
	block    chan struct{}
	iamReqs  []*http.Request
	svcReqs  []*http.Request
}

func newIAMServer(t *testing.T, projects ...iamProject) *iamServer {
	t.Helper()
	s := &iamServer{t: t, projects: projects, keyOf: func(string) signer.Credentials { return testCreds }}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *iamServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if auth := r.Header.Get("Authorization"); auth != "" {
		ak := strings.TrimPrefix(strings.Split(auth, ",")[0], "SDK-HMAC-SHA256 Access=")
		if err := signer.Verify(r, body, s.keyOf(ak), time.Now(), 15*time.Minute); err != nil {
			s.t.Errorf("%s %s: signature: %v", r.Method, r.URL, err)
		}
	}
	s.mu.Lock()
	if r.URL.Path != "/v3/projects" {
		s.svcReqs = append(s.svcReqs, r)
		s.mu.Unlock()
		w.Write([]byte(`{}`))
		return
	}
	s.iamReqs = append(s.iamReqs, r)
	block, status, projects := s.block, s.status, s.projects
	s.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 {
		w.Header().Set("X-Request-Id", "iam-req-1")
		w.WriteHeader(status)
		w.Write([]byte(`{"error":{"code":"IAM.0002","message":"no permission"}}`))
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"projects": projects, "links": map[string]string{"self": "x"}})
}

func (s *iamServer) counts() (iam, svc int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.iamReqs), len(s.svcReqs)
}

// requests returns copies of the lists of IAM and service requests.
func (s *iamServer) requests() (iam, svc []*http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.iamReqs...), append([]*http.Request(nil), s.svcReqs...)
}

func (s *iamServer) set(fn func(*iamServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s)
}

// discoveryConfig is a Config without ProjectID whose service and IAM endpoints are s.
func discoveryConfig(s *iamServer) Config {
	eps := map[string][]string{ServiceCSS: {s.URL}, ServiceHSS: {s.URL}, ServiceDWS: {s.URL}, ServiceBareMetal: {s.URL}}
	return Config{Region: "ap-southeast-1", ServiceEndpoints: eps, IAMEndpoint: s.URL, AllowInsecureHTTP: true,
		Credentials: testCreds, Retry: RetryPolicy{MaxAttempts: 1}}
}

func TestProjectDiscoveryOneMatch(t *testing.T) {
	t.Parallel()
	s := newIAMServer(t, iamProject{ID: "p-sub", Name: "ap-southeast-1_sub"}, iamProject{ID: "p-right", Name: "ap-southeast-1"})
	cfg := discoveryConfig(s)
	logs := &bytes.Buffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(&syncWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := NewClient(ServiceCSS, cfg)
	require.NoError(t, err)
	for range 3 {
		_, err = c.Do(context.Background(), &listCall, nil)
		require.NoError(t, err)
	}
	iam, svc := s.counts()
	assert.Equal(t, 1, iam, "looked up once")
	assert.Equal(t, 3, svc)

	iamReqs, svcReqs := s.requests()
	ir := iamReqs[0]
	assert.Equal(t, http.MethodGet, ir.Method)
	assert.Equal(t, "name=ap-southeast-1", ir.URL.RawQuery)
	assert.Empty(t, ir.Header.Get("X-Project-Id"), "no project on the IAM call")
	assert.NotEmpty(t, ir.Header.Get("Authorization"), "signed")
	assert.Equal(t, testCreds.SecurityToken, ir.Header.Get("X-Security-Token"))
	for _, r := range svcReqs {
		assert.Equal(t, "/v1.0/p-right/clusters/c-1/logs/records", r.URL.Path)
		assert.Equal(t, "p-right", r.Header.Get("X-Project-Id"))
	}
	assert.Contains(t, logs.String(), "discovered the project ID")
	assert.Contains(t, logs.String(), "project_id=p-right")
}

func TestProjectDiscoveryNoOrSeveralMatches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		projects []iamProject
		want     string
	}{
		{"no project", nil, `lists no project named "ap-southeast-1"; set ProjectID (HUAWEICLOUD_SDK_PROJECT_ID)`},
		{"other names only", []iamProject{{ID: "p1", Name: "cn-north-4"}}, `lists no project named "ap-southeast-1"`},
		{"two projects", []iamProject{{ID: "p1", Name: "ap-southeast-1"}, {ID: "p2", Name: "ap-southeast-1"}},
			`lists 2 projects named "ap-southeast-1" (p1, p2); set ProjectID (HUAWEICLOUD_SDK_PROJECT_ID) to the one to use`},
		{"invalid ID", []iamProject{{ID: "a/b", Name: "ap-southeast-1"}}, `returned the invalid project ID "a/b"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newIAMServer(t, tc.projects...)
			c, err := NewClient(ServiceCSS, discoveryConfig(s))
			require.NoError(t, err)
			_, err = c.Do(context.Background(), &listCall, nil)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "css", re.Service)
			assert.Equal(t, "ListLogBackups", re.Operation)
			assert.Contains(t, err.Error(), "css: ListLogBackups: looking up the project ID: IAM "+s.URL+" ")
			assert.Contains(t, err.Error(), tc.want)

			_, err = c.Do(context.Background(), &listCall, nil)
			require.Error(t, err)
			iam, svc := s.counts()
			assert.Equal(t, 2, iam, "a failed lookup is not cached")
			assert.Zero(t, svc, "no service call without a project")
		})
	}
}

func TestProjectDiscoveryIAMErrorThenSuccess(t *testing.T) {
	t.Parallel()
	s := newIAMServer(t, iamProject{ID: "p1", Name: "ap-southeast-1"})
	s.status = http.StatusForbidden
	c, err := NewClient(ServiceHSS, discoveryConfig(s))
	require.NoError(t, err)
	_, err = c.Do(context.Background(), &listCall, nil)
	var ae *APIError
	require.ErrorAs(t, err, &ae, "the IAM reply is reachable")
	assert.Equal(t, "iam", ae.Service)
	assert.Equal(t, "KeystoneListProjects", ae.Operation)
	assert.Equal(t, "IAM.0002", ae.Code)
	assert.Equal(t, "iam-req-1", ae.RequestID)
	assert.ErrorIs(t, err, ErrForbidden)
	assert.Contains(t, err.Error(), "hss: ListLogBackups: looking up the project ID: iam: KeystoneListProjects: 403 IAM.0002: no permission")

	s.set(func(s *iamServer) { s.status = 0 })
	_, err = c.Do(context.Background(), &listCall, nil)
	require.NoError(t, err, "the next call looks up again")
	iam, svc := s.counts()
	assert.Equal(t, 2, iam)
	assert.Equal(t, 1, svc)
}

// releaser returns a channel and a function that closes it once; the function also
// runs before the servers close, so that a failed test never leaves a handler blocked.
func releaser(t *testing.T) (chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(ch) }) }
	t.Cleanup(release)
	return ch, release
}

func TestProjectDiscoveryConcurrentFirstCalls(t *testing.T) {
	t.Parallel()
	s := newIAMServer(t, iamProject{ID: "p1", Name: "ap-southeast-1"})
	block, release := releaser(t)
	s.block = block
	c, err := NewClient(ServiceDWS, discoveryConfig(s))
	require.NoError(t, err)
	cache := c.project.(*projectResolver).cache

	const callers = 32
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Do(context.Background(), &listCall, nil)
		}()
	}
	require.Eventually(t, func() bool { return cache.waitingCount() == callers-1 }, 10*time.Second, time.Millisecond,
		"31 callers wait for the one lookup in flight")
	release()
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	iam, svc := s.counts()
	assert.Equal(t, 1, iam, "one IAM request for 32 first calls")
	assert.Equal(t, callers, svc)
}

func TestProjectDiscoveryLeaderCancelled(t *testing.T) {
	t.Parallel()
	s := newIAMServer(t, iamProject{ID: "p1", Name: "ap-southeast-1"})
	block, _ := releaser(t)
	s.block = block
	c, err := NewClient(ServiceCSS, discoveryConfig(s))
	require.NoError(t, err)
	cache := c.project.(*projectResolver).cache

	ctx, cancel := context.WithCancel(context.Background())
	leader := make(chan error, 1)
	go func() { _, err := c.Do(ctx, &listCall, nil); leader <- err }()
	require.Eventually(t, func() bool { iam, _ := s.counts(); return iam == 1 }, 10*time.Second, time.Millisecond)
	waiter := make(chan error, 1)
	go func() { _, err := c.Do(context.Background(), &listCall, nil); waiter <- err }()
	require.Eventually(t, func() bool { return cache.waitingCount() == 1 }, 10*time.Second, time.Millisecond)
	s.set(func(s *iamServer) { s.block = nil })
	cancel()
	assert.ErrorIs(t, <-leader, context.Canceled)
	require.NoError(t, <-waiter, "the waiter looked the project up itself")
	iam, svc := s.counts()
	assert.Equal(t, 2, iam)
	assert.Equal(t, 1, svc)
}

// switchingProvider returns the keys named by its current access key.
type switchingProvider struct {
	mu sync.Mutex
	ak string
}

func (p *switchingProvider) Retrieve(context.Context) (signer.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return signer.Credentials{AccessKey: p.ak, SecretKey: "sk-of-" + p.ak}, nil
}

func (p *switchingProvider) set(ak string) { p.mu.Lock(); p.ak = ak; p.mu.Unlock() }

func TestProjectDiscoveryCachedPerAccessKeyAndRegion(t *testing.T) {
	t.Parallel()
	s := newIAMServer(t, iamProject{ID: "p1", Name: "ap-southeast-1"})
	s.keyOf = func(ak string) signer.Credentials { return signer.Credentials{AccessKey: ak, SecretKey: "sk-of-" + ak} }
	p := &switchingProvider{ak: "AK-ONE"}
	cfg := discoveryConfig(s)
	cfg.Credentials, cfg.CredentialsProvider = signer.Credentials{}, p
	c, err := NewClient(ServiceCSS, cfg)
	require.NoError(t, err)
	for _, ak := range []string{"AK-ONE", "AK-ONE", "AK-TWO", "AK-TWO", "AK-ONE"} {
		p.set(ak)
		_, err = c.Do(context.Background(), &listCall, nil)
		require.NoError(t, err)
	}
	iam, _ := s.counts()
	assert.Equal(t, 2, iam, "one lookup per access key")
	iamReqs, _ := s.requests()
	assert.Contains(t, iamReqs[1].Header.Get("Authorization"), "Access=AK-TWO")
}

func TestProjectDiscoveryOncePerClient(t *testing.T) {
	t.Parallel()
	s := newIAMServer(t, iamProject{ID: "p1", Name: "ap-southeast-1"})
	loaded, err := LoadConfig(context.Background(), hermetic(t, env{EnvRegion: "ap-southeast-1"}, "",
		WithCredentials(testCreds), WithIAMEndpoint(s.URL), WithAllowInsecureHTTP())...)
	require.NoError(t, err)
	assert.Empty(t, loaded.ProjectID, "LoadConfig leaves the lookup to the clients")
	iam, _ := s.counts()
	assert.Zero(t, iam)
	loaded.ServiceEndpoints = map[string][]string{ServiceCSS: {s.URL}, ServiceHSS: {s.URL}, ServiceDWS: {s.URL}, ServiceBareMetal: {s.URL}}

	for _, cfg := range []struct {
		name    string
		cfg     Config
		wantIAM int
	}{
		{"one LoadConfig, four clients", loaded, 4},
		{"a Config literal: one cache per client", discoveryConfig(s), 4},
	} {
		before, _ := s.counts()
		for _, svc := range []string{ServiceCSS, ServiceHSS, ServiceDWS, ServiceBareMetal} {
			c, err := NewClient(svc, cfg.cfg)
			require.NoError(t, err)
			_, err = c.Do(context.Background(), &listCall, nil)
			require.NoError(t, err)
		}
		after, _ := s.counts()
		assert.Equal(t, cfg.wantIAM, after-before, cfg.name)
	}
}

func TestProjectDiscoveryWithTokenAuthAndValidationFirst(t *testing.T) {
	t.Parallel()
	s := newIAMServer(t, iamProject{ID: "p1", Name: "ap-southeast-1"})
	cfg := discoveryConfig(s)
	cfg.Credentials, cfg.AuthToken = signer.Credentials{}, "iam-token"
	c, err := NewClient(ServiceCSS, cfg)
	require.NoError(t, err)

	bad := listCall
	bad.Params = []string{""}
	_, err = c.Do(context.Background(), &bad, nil)
	require.ErrorIs(t, err, ErrInvalidRequest)
	iam, _ := s.counts()
	assert.Zero(t, iam, "an invalid call sends nothing, not even the lookup")

	_, err = c.Do(context.Background(), &listCall, nil)
	require.NoError(t, err)
	iamReqs, svcReqs := s.requests()
	require.Len(t, iamReqs, 1)
	require.Len(t, svcReqs, 1)
	assert.Equal(t, "iam-token", iamReqs[0].Header.Get("X-Auth-Token"))
	assert.Empty(t, iamReqs[0].Header.Get("Authorization"))
	assert.Equal(t, "p1", svcReqs[0].Header.Get("X-Project-Id"))
}

func TestDefaultIAMEndpoint(t *testing.T) {
	t.Parallel()
	cfg := Config{Region: "ap-southeast-1"}
	assert.Equal(t, "https://iam.ap-southeast-1.myhuaweicloud.com", iamEndpoint(&cfg))
	cfg.IAMEndpoint = "https://iam.example.com"
	assert.Equal(t, "https://iam.example.com", iamEndpoint(&cfg))
}
