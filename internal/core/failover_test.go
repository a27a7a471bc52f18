package core

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// loopbackNet is a base transport that never reaches the network: names resolve only
// through aliases (name -> 127.0.0.1:port) or /etc/hosts; every other lookup fails
// with a real *net.DNSError from Go's resolver, whose DNS "server" cannot be dialled.
type loopbackNet struct {
	aliases map[string]string
	lookups atomic.Int32
}

func (l *loopbackNet) transport() *http.Transport {
	resolver := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		l.lookups.Add(1)
		return nil, errors.New("no DNS server in tests")
	}}
	dialer := &net.Dialer{Resolver: resolver, Timeout: 5 * time.Second}
	return &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if target, ok := l.aliases[addr]; ok {
				addr = target
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}
}

// endpointServer records the requests it gets and checks their signatures.
type endpointServer struct {
	*httptest.Server
	t    *testing.T
	mu   sync.Mutex
	reqs []seen
}

func newEndpointServer(t *testing.T, tlsServer bool) *endpointServer {
	t.Helper()
	s := &endpointServer{t: t}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := seen{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body,
			verifyErr: signer.Verify(r, body, testCreds, time.Now(), 15*time.Minute)}
		rec.header.Set("Host", r.Host)
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		s.mu.Unlock()
		w.Write([]byte(`{}`))
	})
	s.Server = httptest.NewUnstartedServer(h)
	if tlsServer {
		// Handshakes the client refuses are expected: keep them out of the test log.
		s.Config.ErrorLog = log.New(io.Discard, "", 0)
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

func (s *endpointServer) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

type failoverFixture struct {
	client *Client
	net    *loopbackNet
	logs   *bytes.Buffer
}

func newFailoverFixture(t *testing.T, endpoints []string, aliases map[string]string, mutate func(*Config)) *failoverFixture {
	t.Helper()
	ln := &loopbackNet{aliases: aliases}
	logs := &bytes.Buffer{}
	cfg := Config{
		Region:            "ap-southeast-1",
		ProjectID:         testProject,
		Credentials:       testCreds,
		ServiceEndpoints:  map[string][]string{ServiceCSS: endpoints},
		AllowInsecureHTTP: true,
		HTTPClient:        &http.Client{Transport: ln.transport()},
		Retry:             RetryPolicy{MaxAttempts: 1},
		Logger:            slog.New(slog.NewTextHandler(&syncWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := NewClient(ServiceCSS, cfg)
	require.NoError(t, err)
	return &failoverFixture{client: c, net: ln, logs: logs}
}

func TestFailoverOnDNSError(t *testing.T) {
	t.Parallel()
	good := newEndpointServer(t, false)
	f := newFailoverFixture(t, []string{"https://nonexistent.invalid/prefix-a", good.URL + "/prefix-b"}, nil, nil)

	_, err := f.client.Do(context.Background(), &postCall, nil)
	require.NoError(t, err, "the second endpoint answered")
	lookups := f.net.lookups.Load()
	require.NotZero(t, lookups, "the first endpoint was tried")

	reqs := good.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "/prefix-b/v1.0/"+testProject+"/clusters/c-1/logs/settings", r.path, "the path prefix of the endpoint replaces the first one's")
	assert.Equal(t, `{"log_bucket":"bucket one"}`, string(r.body), "the body is sent again")
	assert.Equal(t, strings.TrimPrefix(good.URL, "http://"), r.header.Get("Host"))
	assert.NoError(t, r.verifyErr, "signed for the endpoint it reached")

	logs := f.logs.String()
	assert.Contains(t, logs, "endpoint failed, failing over to the next one")
	assert.Contains(t, logs, "from=nonexistent.invalid")
	assert.Contains(t, logs, "to="+strings.TrimPrefix(good.URL, "http://"))
	assert.Contains(t, logs, "no DNS server in tests")

	_, err = f.client.Do(context.Background(), &listCall, nil)
	require.NoError(t, err)
	assert.Equal(t, lookups, f.net.lookups.Load(), "the move is permanent: the failed endpoint is not tried again")
	assert.Len(t, good.requests(), 2)
	assert.Equal(t, 1, strings.Count(f.logs.String(), "failing over"))
}

func TestFailoverOnCertificateErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		first   func(bad *endpointServer) string
		aliases func(bad *endpointServer) map[string]string
		trust   bool
		reason  string
	}{
		{
			name:   "unknown authority",
			first:  func(bad *endpointServer) string { return bad.URL },
			reason: "certificate signed by unknown authority",
		},
		{
			name:  "certificate for another host",
			first: func(bad *endpointServer) string { return "https://wrong-name.test:443" },
			aliases: func(bad *endpointServer) map[string]string {
				return map[string]string{"wrong-name.test:443": bad.Listener.Addr().String()}
			},
			trust:  true,
			reason: "certificate is valid for",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bad := newEndpointServer(t, true)
			good := newEndpointServer(t, false)
			var aliases map[string]string
			if tc.aliases != nil {
				aliases = tc.aliases(bad)
			}
			f := newFailoverFixture(t, []string{tc.first(bad), good.URL}, aliases, func(cfg *Config) {
				if tc.trust {
					tr := cfg.HTTPClient.Transport.(*http.Transport)
					tr.TLSClientConfig = bad.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
				}
			})
			_, err := f.client.Do(context.Background(), &listCall, nil)
			require.NoError(t, err)
			assert.Empty(t, bad.requests(), "the TLS handshake failed")
			require.Len(t, good.requests(), 1)
			assert.NoError(t, good.requests()[0].verifyErr)
			assert.Contains(t, f.logs.String(), "failing over")
			assert.Contains(t, f.logs.String(), tc.reason)
		})
	}
}

func TestNoFailoverOnOtherErrors(t *testing.T) {
	t.Parallel()
	closed := closedAddress(t)
	good := newEndpointServer(t, false)

	f := newFailoverFixture(t, []string{closed, good.URL}, nil, nil)
	_, err := f.client.Do(context.Background(), &listCall, nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), "connection refused")
	assert.Empty(t, good.requests(), "connection refused is not a reason to fail over")
	assert.NotContains(t, f.logs.String(), "failing over")

	dnsInProvider := &failingDNSProvider{}
	f = newFailoverFixture(t, []string{good.URL, "https://other.invalid"}, nil, func(cfg *Config) {
		cfg.Credentials, cfg.CredentialsProvider = signer.Credentials{}, dnsInProvider
	})
	_, err = f.client.Do(context.Background(), &listCall, nil)
	var dns *net.DNSError
	require.ErrorAs(t, err, &dns)
	assert.NotContains(t, f.logs.String(), "failing over", "a DNS error of the credentials provider is not the endpoint's")
	assert.Zero(t, f.net.lookups.Load())
}

type failingDNSProvider struct{}

func (failingDNSProvider) Retrieve(context.Context) (signer.Credentials, error) {
	return signer.Credentials{}, &net.DNSError{Err: "no such host", Name: "metadata.invalid", IsNotFound: true}
}

func TestFailoverExhausted(t *testing.T) {
	t.Parallel()
	f := newFailoverFixture(t, []string{"https://first.invalid", "https://second.invalid", "https://third.invalid"}, nil, nil)
	_, err := f.client.Do(context.Background(), &listCall, nil)
	var dns *net.DNSError
	require.ErrorAs(t, err, &dns)
	assert.Equal(t, "third.invalid", dns.Name, "the last endpoint's error")
	logs := f.logs.String()
	assert.Contains(t, logs, "from=first.invalid to=second.invalid")
	assert.Contains(t, logs, "from=second.invalid to=third.invalid")
}

func TestFailoverConcurrentCallersMoveOnce(t *testing.T) {
	t.Parallel()
	good := newEndpointServer(t, false)
	f := newFailoverFixture(t, []string{"https://nonexistent.invalid", good.URL}, nil, nil)
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.client.Do(context.Background(), &listCall, nil)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
	assert.Len(t, good.requests(), 16)
	assert.Equal(t, 1, strings.Count(f.logs.String(), "failing over"), "one move, logged once")
}

func TestSingleEndpointHasNoFailoverLayer(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Region: "ap-southeast-1", ProjectID: testProject, Credentials: testCreds},
		{Region: "ap-southeast-1", ProjectID: testProject, Credentials: testCreds, ServiceEndpoints: map[string][]string{"css": {"https://one.example.com"}}},
	} {
		c, err := NewClient(ServiceCSS, cfg)
		require.NoError(t, err)
		_, isFailover := c.rc.HTTPClient.Transport.(*failover)
		assert.False(t, isFailover)
	}
	c, err := NewClient(ServiceCSS, Config{Region: "ap-southeast-1", ProjectID: testProject, Credentials: testCreds,
		ServiceEndpoints: map[string][]string{ServiceCSS: {"https://a.example.com/", "https://b.example.com"}}})
	require.NoError(t, err)
	fo, isFailover := c.rc.HTTPClient.Transport.(*failover)
	require.True(t, isFailover)
	assert.Equal(t, []*url.URL{{Scheme: "https", Host: "a.example.com"}, {Scheme: "https", Host: "b.example.com"}}, fo.endpoints)
}
