package core

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/internal/regions"
)

func TestNewRefusesUnknownRegion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		region string
		want   []string
	}{
		{"ap-southeast1", []string{`css: config: unknown Region "ap-southeast1" (did you mean ap-southeast-1?)`}},
		{"cn-nort-4", []string{`unknown Region "cn-nort-4" (did you mean cn-north-4?)`}},
		{"mars-north-1", []string{`unknown Region "mars-north-1" (known regions: ` + strings.Join(regions.All(), ", ") + ")"}},
	} {
		t.Run(tc.region, func(t *testing.T) {
			t.Parallel()
			_, err := NewClient(ServiceCSS, Config{Region: tc.region, ProjectID: testProject, Credentials: testCreds})
			require.Error(t, err)
			for _, want := range tc.want {
				assert.Contains(t, err.Error(), want)
			}
			assert.Contains(t, err.Error(), `for a region newer than this library, list the service's endpoint in ServiceEndpoints["css"]`)
		})
	}
}

func TestUnknownRegionWithListedEndpoint(t *testing.T) {
	t.Parallel()
	cfg := Config{Region: "xx-new-9", ProjectID: testProject, Credentials: testCreds,
		ServiceEndpoints: map[string][]string{"CSS": {"https://css.xx-new-9.example.com"}}}
	_, err := NewClient(ServiceCSS, cfg)
	require.NoError(t, err, "a listed endpoint stands for the region")
	_, err = NewClient(ServiceHSS, cfg)
	require.ErrorContains(t, err, `hss: config: unknown Region "xx-new-9"`, "another service has no endpoint listed")
	assert.ErrorContains(t, err, `ServiceEndpoints["hss"]`)

	cfg.ServiceEndpoints = nil
	cfg.ResolveEndpoints = func(service, region string) ([]string, error) {
		if service == ServiceHSS && region == "xx-new-9" {
			return []string{"hss.xx-new-9.example.com"}, nil
		}
		return nil, nil
	}
	_, err = NewClient(ServiceHSS, cfg)
	require.NoError(t, err, "an endpoint from ResolveEndpoints (the environment, regions.yaml) counts too")
	_, err = NewClient(ServiceDWS, cfg)
	require.ErrorContains(t, err, `dws: config: unknown Region "xx-new-9"`)
}

// An endpoint without a scheme gets https://, whether listed in ServiceEndpoints or
// loaded from the environment by LoadConfig.
func TestEndpointWithoutSchemeGetsHTTPS(t *testing.T) {
	t.Parallel()
	for name, cfgOf := range map[string]func(t *testing.T) Config{
		"ServiceEndpoints": func(*testing.T) Config {
			return Config{Region: "ap-southeast-1", Credentials: testCreds,
				ServiceEndpoints: map[string][]string{ServiceCSS: {"css.example.com"}}}
		},
		"LoadConfig": func(t *testing.T) Config {
			cfg, err := LoadConfig(context.Background(), hermetic(t, env{EnvAccessKey: testCreds.AccessKey, EnvSecretKey: testCreds.SecretKey,
				EnvRegion: "ap-southeast-1", "HUAWEICLOUD_SDK_REGION_CSS_AP_SOUTHEAST_1": "css.example.com"}, t.TempDir())...)
			require.NoError(t, err)
			return cfg
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := cfgOf(t)
			cfg.ProjectID = testProject
			var got []string
			cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
				got = append(got, req.URL.String())
				return reply(http.StatusOK, `{}`)(req)
			})}
			c, err := NewClient(ServiceCSS, cfg)
			require.NoError(t, err)
			_, err = c.Do(context.Background(), &listCall, nil)
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.True(t, strings.HasPrefix(got[0], "https://css.example.com/v1.0/"), got[0])
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
