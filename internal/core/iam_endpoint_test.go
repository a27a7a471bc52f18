package core

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProjectDiscoveryDefaultIAMEndpointPerRegion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ region, wantIAM, endpoint string }{
		{"ap-southeast-1", "https://iam.ap-southeast-1.myhuaweicloud.com", ""},
		{"tr-west-1", "https://iam.tr-west-1.myhuaweicloud.com", ""},
		{"eu-west-101", "https://iam.myhuaweicloud.com", ""},
		// A region newer than the library needs its endpoint listed.
		{"ap-southeast-5", "https://iam.myhuaweicloud.com", "https://css.ap-southeast-5.example.com"},
	} {
		t.Run(tc.region, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var urls []string
			mt := httpmock.NewMockTransport()
			mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
				mu.Lock()
				urls = append(urls, req.URL.Scheme+"://"+req.URL.Host+req.URL.Path+"?"+req.URL.RawQuery)
				mu.Unlock()
				if req.URL.Path == "/v3/projects" {
					return httpmock.NewStringResponse(http.StatusOK, `{"projects":[{"id":"p-1","name":"`+tc.region+`"}]}`), nil
				}
				return httpmock.NewStringResponse(http.StatusOK, `{}`), nil
			})
			cfg := Config{Region: tc.region, Credentials: testCreds,
				HTTPClient: &http.Client{Transport: mt}, Retry: RetryPolicy{MaxAttempts: 1}}
			if tc.endpoint != "" {
				cfg.ServiceEndpoints = map[string][]string{ServiceCSS: {tc.endpoint}}
			}
			c, err := NewClient(ServiceCSS, cfg)
			require.NoError(t, err)
			_, err = c.Do(context.Background(), &listCall, nil)
			require.NoError(t, err)

			mu.Lock()
			defer mu.Unlock()
			require.Len(t, urls, 2)
			assert.Equal(t, tc.wantIAM+"/v3/projects?name="+tc.region, urls[0], "the project lookup")
			assert.Contains(t, urls[1], "/v1.0/p-1/clusters/c-1/logs/records", "the call itself")
		})
	}
}
