package core

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

func TestLoadConfigChecksRegion(t *testing.T) {
	t.Parallel()
	keys := env{EnvAccessKey: "AK", EnvSecretKey: "SK"}
	with := func(e env, kv ...string) env {
		out := env{}
		for k, v := range e {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	for _, tc := range []struct {
		name string
		env  env
		opts []LoadOption
		want []string
	}{
		{name: "malformed", env: with(keys, EnvRegion, "attacker.example#"),
			want: []string{`hcloudlogs: region: HUAWEICLOUD_SDK_REGION: invalid Region "attacker.example#": a region ID has only lower-case letters`}},
		{name: "malformed option", env: keys, opts: []LoadOption{WithRegion("ap-southeast-1/x")},
			want: []string{`hcloudlogs: region: WithRegion: invalid Region "ap-southeast-1/x"`}},
		{name: "misspelt", env: with(keys, EnvRegion, "ap-southeast1"),
			want: []string{`hcloudlogs: region: HUAWEICLOUD_SDK_REGION: unknown Region "ap-southeast1" (did you mean ap-southeast-1?)`,
				"for a region newer than this library, set the endpoint of each service you use: " +
					"HUAWEICLOUD_SDK_REGION_{CSS,HSS,DWS,CLOUDDC}_AP_SOUTHEAST1, the regions file, or Config.ServiceEndpoints"}},
		{name: "unknown", env: keys, opts: []LoadOption{WithRegion("mars-north-1")},
			want: []string{`hcloudlogs: region: WithRegion: unknown Region "mars-north-1" (known regions: ae-ad-1, `}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadConfig(context.Background(), hermetic(t, tc.env, "", tc.opts...)...)
			require.Error(t, err)
			for _, want := range tc.want {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestLoadConfigRegionNewerThanTheLibrary(t *testing.T) {
	t.Parallel()
	e := env{EnvAccessKey: "AK", EnvSecretKey: "SK", EnvRegion: "xx-new-9", EnvProjectID: testProject,
		"HUAWEICLOUD_SDK_REGION_CSS_XX_NEW_9": "css.xx-new-9.example.com"}
	cfg, err := LoadConfig(context.Background(), hermetic(t, e, "")...)
	require.NoError(t, err, "an endpoint in the environment stands for the unknown region")
	_, err = NewClient(ServiceCSS, cfg)
	require.NoError(t, err)
	_, err = NewClient(ServiceHSS, cfg)
	require.ErrorContains(t, err, `hss: config: unknown Region "xx-new-9"`, "HSS has no endpoint listed")

	home := t.TempDir()
	writeHomeFile(t, home, "regions.yaml", "DWS:\n  - id: xx-new-9\n    endpoint: https://dws.xx-new-9.example.com\n")
	cfg, err = LoadConfig(context.Background(), hermetic(t, env{EnvAccessKey: "AK", EnvSecretKey: "SK", EnvRegion: "xx-new-9"}, home)...)
	require.NoError(t, err, "so does one in the regions file")
	_, err = NewClient(ServiceDWS, cfg)
	require.NoError(t, err)
}

func TestLoadConfigListsEverythingMissing(t *testing.T) {
	t.Parallel()
	md := newMetadataServer(t, hcloud.RealClock())
	md.setFail(true)
	home := t.TempDir()
	_, err := LoadConfig(context.Background(), hermetic(t, env{}, home, WithMetadataEndpoint(md.URL))...)
	require.Error(t, err)
	msg := err.Error()
	lines := strings.Split(msg, "\n")
	require.Len(t, lines, 3, msg)
	assert.Equal(t, "hcloudlogs: the configuration is incomplete:", lines[0])
	assert.Equal(t, "  - region: set HUAWEICLOUD_SDK_REGION to the region ID (e.g. ap-southeast-1), or pass config.WithRegion", lines[1])
	for _, want := range []string{
		"  - credentials: none found; set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (HUAWEICLOUD_SDK_SECURITY_TOKEN too for temporary keys), " +
			"or ak and sk in the [basic] section of " + home + "/.huaweicloud/credentials (or of the file HUAWEICLOUD_SDK_CREDENTIALS_FILE names), " +
			"or pass config.WithCredentials",
		"; tried: no credentials file at " + home + "/.huaweicloud/credentials; ",
		"the instance metadata service at " + md.URL + " (for a server with an agency) failed: ",
		"500 metadata down",
	} {
		assert.Contains(t, lines[2], want)
	}
	assert.ErrorIs(t, err, signer.ErrInvalidCredentials)

	_, err = LoadConfig(context.Background(), hermetic(t, env{EnvAccessKey: "AK", EnvSecretKey: "SK"}, "")...)
	require.EqualError(t, err, "hcloudlogs: region: set HUAWEICLOUD_SDK_REGION to the region ID (e.g. ap-southeast-1), or pass config.WithRegion",
		"one problem, one line")
}
