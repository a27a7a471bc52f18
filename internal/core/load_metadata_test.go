package core

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
)

// recordingProxy is a loopback HTTP proxy that forwards nothing: it records every
// request it gets and refuses it.
type recordingProxy struct {
	URL *url.URL

	mu   sync.Mutex
	seen []string
}

func newRecordingProxy(t *testing.T) *recordingProxy {
	t.Helper()
	p := &recordingProxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, r.Method+" "+r.URL.String())
		p.mu.Unlock()
		http.Error(w, "proxy says no", http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	p.URL = u
	return p
}

func (p *recordingProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// wrappingTransport is a user's middleware around another transport, as tracing
// libraries install.
type wrappingTransport struct{ next http.RoundTripper }

func (w wrappingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return w.next.RoundTrip(r)
}

func TestLoadConfigMetadataNeverThroughProxy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		client func(proxy *url.URL) *http.Client
	}{
		{"transport with a proxy", func(proxy *url.URL) *http.Client {
			return &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
		}},
		{"transport with a proxy and a timeout", func(proxy *url.URL) *http.Client {
			return &http.Client{Timeout: time.Minute, Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
		}},
		{"proxied transport inside a middleware", func(proxy *url.URL) *http.Client {
			return &http.Client{Transport: wrappingTransport{&http.Transport{Proxy: http.ProxyURL(proxy)}}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			proxy := newRecordingProxy(t)
			clk := fakeclock.New(time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC))
			md := newMetadataServer(t, clk)
			user := tc.client(proxy.URL)

			// The user's client does go through the proxy: the test's premise.
			resp, err := user.Get(md.URL + "/openstack/latest/securitykey")
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, http.StatusBadGateway, resp.StatusCode)
			require.Len(t, proxy.requests(), 1)

			cfg, err := LoadConfig(context.Background(), hermetic(t, env{EnvRegion: "ap-southeast-1"}, "",
				WithMetadataEndpoint(md.URL), WithHTTPClient(user), WithClock(clk))...)
			require.NoError(t, err, "the metadata service is reached directly")
			assert.Same(t, user, cfg.HTTPClient, "the service calls keep the user's client, proxy included")
			require.NotNil(t, cfg.CredentialsProvider)

			clk.Advance(55 * time.Minute)
			got, err := cfg.CredentialsProvider.Retrieve(context.Background())
			require.NoError(t, err, "the refresh on use is direct too")
			assert.Equal(t, "MD-AK-2", got.AccessKey)
			assert.Equal(t, 2, md.fetches())
			assert.Len(t, proxy.requests(), 1, "no metadata request crossed the proxy")
		})
	}
}
