package core

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// env is a fake environment for WithEnv.
type env map[string]string

func (e env) lookup(key string) (string, bool) {
	v, ok := e[key]
	return v, ok
}

// metadataServer is a loopback ECS metadata service issuing keys MD-AK-1, MD-AK-2...
// valid for an hour of clock.
type metadataServer struct {
	URL   string
	clock Clock

	mu   sync.Mutex
	gets int
	fail bool
}

func newMetadataServer(t *testing.T, clock Clock) *metadataServer {
	t.Helper()
	m := &metadataServer{clock: clock}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		defer m.mu.Unlock()
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/meta-data/latest/api/token":
			fmt.Fprint(w, "session-token")
		case r.Method == http.MethodGet && r.URL.Path == "/openstack/latest/securitykey" && r.Header.Get("X-Metadata-Token") == "session-token":
			m.gets++
			if m.fail {
				http.Error(w, "metadata down", http.StatusInternalServerError)
				return
			}
			fmt.Fprintf(w, `{"credential":{"access":"MD-AK-%d","secret":"md-sk-%d","securitytoken":"md-token-%d","expires_at":%q}}`,
				m.gets, m.gets, m.gets, m.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano))
		default:
			t.Errorf("unexpected metadata request %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	m.URL = srv.URL
	return m
}

func (m *metadataServer) fetches() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gets
}

func (m *metadataServer) setFail(fail bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = fail
}

// untouchedMetadata is a metadata address that fails the test when asked.
func untouchedMetadata(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the metadata service must not be asked: %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// hermetic isolates LoadConfig from the machine: the environment is e, the home
// directory is home (a new temporary one when empty), the metadata service fails the
// test when asked; opts come after and may override these.
func hermetic(t *testing.T, e env, home string, opts ...LoadOption) []LoadOption {
	t.Helper()
	if home == "" {
		home = t.TempDir()
	}
	return append([]LoadOption{WithEnv(e.lookup), WithHomeDir(home), WithMetadataEndpoint(untouchedMetadata(t))}, opts...)
}

// writeHomeFile writes ~/.huaweicloud/name under home, mode 0600.
func writeHomeFile(t *testing.T, home, name, content string) string {
	t.Helper()
	dir := filepath.Join(home, ".huaweicloud")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	return writeFileMode(t, filepath.Join(dir, name), content, 0o600)
}

func writeFileMode(t *testing.T, path, content string, perm os.FileMode) string {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	require.NoError(t, os.Chmod(path, perm))
	return path
}

const fileCreds = "[basic]\nak = FILE-AK\nsk = file-sk\nproject_id = file-project\n"

func TestLoadConfigEachSourceAlone(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New(time.Now().UTC())
	md := newMetadataServer(t, clk)
	for _, tc := range []struct {
		name  string
		env   env
		files map[string]string // name under ~/.huaweicloud -> content
		opts  func(t *testing.T, home string) []LoadOption
		want  Config
	}{
		{
			name: "explicit",
			opts: func(*testing.T, string) []LoadOption {
				return []LoadOption{WithCredentials(testCreds), WithRegion("cn-north-4")}
			},
			want: Config{Region: "cn-north-4", Credentials: testCreds},
		},
		{
			name: "HUAWEICLOUD_SDK_ variables",
			env: env{EnvAccessKey: " ENV-AK ", EnvSecretKey: "env-sk", EnvSecurityToken: "env-token",
				EnvProjectID: "env-project", EnvRegion: "ap-southeast-1"},
			want: Config{Region: "ap-southeast-1", ProjectID: "env-project",
				Credentials: signer.Credentials{AccessKey: "ENV-AK", SecretKey: "env-sk", SecurityToken: "env-token"}},
		},
		{
			name: "CLOUD_SDK_ variables",
			env:  env{EnvFallbackAccessKey: "CLOUD-AK", EnvFallbackSecretKey: "cloud-sk", EnvRegion: "ap-southeast-1"},
			want: Config{Region: "ap-southeast-1", Credentials: signer.Credentials{AccessKey: "CLOUD-AK", SecretKey: "cloud-sk"}},
		},
		{
			name:  "default credentials file",
			env:   env{EnvRegion: "ap-southeast-1"},
			files: map[string]string{"credentials": fileCreds + "security_token = file-token\n"},
			want: Config{Region: "ap-southeast-1", ProjectID: "file-project",
				Credentials: signer.Credentials{AccessKey: "FILE-AK", SecretKey: "file-sk", SecurityToken: "file-token"}},
		},
		{
			name: "credentials file from HUAWEICLOUD_SDK_CREDENTIALS_FILE",
			opts: func(t *testing.T, home string) []LoadOption {
				path := writeFileMode(t, filepath.Join(t.TempDir(), "creds.ini"), fileCreds, 0o600)
				return []LoadOption{WithEnv(env{EnvRegion: "ap-southeast-1", EnvCredentialsFile: path}.lookup)}
			},
			want: Config{Region: "ap-southeast-1", ProjectID: "file-project", Credentials: signer.Credentials{AccessKey: "FILE-AK", SecretKey: "file-sk"}},
		},
		{
			name: "credentials file from WithCredentialsFile",
			env:  env{EnvRegion: "ap-southeast-1"},
			opts: func(t *testing.T, home string) []LoadOption {
				return []LoadOption{WithCredentialsFile(writeFileMode(t, filepath.Join(t.TempDir(), "creds.ini"), fileCreds, 0o400))}
			},
			want: Config{Region: "ap-southeast-1", ProjectID: "file-project", Credentials: signer.Credentials{AccessKey: "FILE-AK", SecretKey: "file-sk"}},
		},
		{
			name: "IAM endpoint from HUAWEICLOUD_SDK_IAM_ENDPOINT",
			env:  env{EnvAccessKey: "AK", EnvSecretKey: "SK", EnvRegion: "ap-southeast-1", EnvIAMEndpoint: "https://iam.example.com"},
			want: Config{Region: "ap-southeast-1", IAMEndpoint: "https://iam.example.com", Credentials: signer.Credentials{AccessKey: "AK", SecretKey: "SK"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			for name, content := range tc.files {
				writeHomeFile(t, home, name, content)
			}
			opts := hermetic(t, tc.env, home)
			if tc.opts != nil {
				opts = append(opts, tc.opts(t, home)...)
			}
			cfg, err := LoadConfig(context.Background(), opts...)
			require.NoError(t, err)
			require.NotNil(t, cfg.ResolveEndpoints, "LoadConfig resolves endpoints per region")
			cfg.ResolveEndpoints = nil
			require.NotNil(t, cfg.Retry.Budget, "LoadConfig puts a retry budget in the Config")
			cfg.Retry.Budget = nil
			assert.Equal(t, tc.want, cfg)
		})
	}

	t.Run("instance metadata", func(t *testing.T) {
		t.Parallel()
		cfg, err := LoadConfig(context.Background(), hermetic(t, env{EnvRegion: "ap-southeast-1"}, "",
			WithMetadataEndpoint(md.URL), WithClock(clk))...)
		require.NoError(t, err)
		assert.Equal(t, signer.Credentials{}, cfg.Credentials)
		require.NotNil(t, cfg.CredentialsProvider)
		assert.Equal(t, 1, md.fetches(), "fetched once by LoadConfig, to fail fast")
		got, err := cfg.CredentialsProvider.Retrieve(context.Background())
		require.NoError(t, err)
		assert.Equal(t, signer.Credentials{AccessKey: "MD-AK-1", SecretKey: "md-sk-1", SecurityToken: "md-token-1"}, got)
		assert.Equal(t, 1, md.fetches(), "then cached")
		assert.Equal(t, Clock(clk), cfg.Clock)
	})
}

func TestLoadConfigPrecedence(t *testing.T) {
	t.Parallel()
	envCreds := signer.Credentials{AccessKey: "ENV-AK", SecretKey: "env-sk"}
	fullEnv := env{EnvAccessKey: "ENV-AK", EnvSecretKey: "env-sk", EnvFallbackAccessKey: "CLOUD-AK", EnvFallbackSecretKey: "cloud-sk",
		EnvRegion: "ap-southeast-1"}
	for _, tc := range []struct {
		name      string
		env       env
		homeCreds string
		opts      func(t *testing.T) []LoadOption
		check     func(t *testing.T, cfg Config)
	}{
		{
			name: "explicit over environment and file", env: fullEnv, homeCreds: fileCreds,
			opts: func(*testing.T) []LoadOption { return []LoadOption{WithCredentials(testCreds)} },
			check: func(t *testing.T, cfg Config) {
				assert.Equal(t, testCreds, cfg.Credentials)
				assert.Empty(t, cfg.ProjectID, "the file is not read")
			},
		},
		{
			name: "HUAWEICLOUD_SDK_ over CLOUD_SDK_ over file", env: fullEnv, homeCreds: fileCreds,
			check: func(t *testing.T, cfg Config) {
				assert.Equal(t, envCreds, cfg.Credentials)
				assert.Empty(t, cfg.ProjectID, "the file's project belongs to the file's keys")
			},
		},
		{
			name: "CLOUD_SDK_ when HUAWEICLOUD_SDK_ is half set", homeCreds: fileCreds,
			env: env{EnvAccessKey: "ENV-AK", EnvFallbackAccessKey: "CLOUD-AK", EnvFallbackSecretKey: "cloud-sk", EnvSecurityToken: "ignored", EnvRegion: "cn-north-4"},
			check: func(t *testing.T, cfg Config) {
				assert.Equal(t, signer.Credentials{AccessKey: "CLOUD-AK", SecretKey: "cloud-sk"}, cfg.Credentials)
			},
		},
		{
			name: "file over metadata; HUAWEICLOUD_SDK_PROJECT_ID over the file's project_id", homeCreds: fileCreds,
			env: env{EnvRegion: "ap-southeast-1", EnvProjectID: "env-project"},
			check: func(t *testing.T, cfg Config) {
				assert.Equal(t, "FILE-AK", cfg.Credentials.AccessKey)
				assert.Nil(t, cfg.CredentialsProvider)
				assert.Equal(t, "env-project", cfg.ProjectID)
			},
		},
		{
			name: "WithCredentialsFile over HUAWEICLOUD_SDK_CREDENTIALS_FILE over the default", homeCreds: fileCreds,
			opts: func(t *testing.T) []LoadOption {
				dir := t.TempDir()
				envFile := writeFileMode(t, filepath.Join(dir, "env.ini"), "[basic]\nak = ENVFILE-AK\nsk = s\n", 0o600)
				optFile := writeFileMode(t, filepath.Join(dir, "opt.ini"), "[basic]\nak = OPTFILE-AK\nsk = s\n", 0o600)
				return []LoadOption{WithEnv(env{EnvRegion: "cn-north-4", EnvCredentialsFile: envFile}.lookup), WithCredentialsFile(optFile)}
			},
			check: func(t *testing.T, cfg Config) { assert.Equal(t, "OPTFILE-AK", cfg.Credentials.AccessKey) },
		},
		{
			name: "HUAWEICLOUD_SDK_CREDENTIALS_FILE over the default", homeCreds: fileCreds,
			opts: func(t *testing.T) []LoadOption {
				envFile := writeFileMode(t, filepath.Join(t.TempDir(), "env.ini"), "[basic]\nak = ENVFILE-AK\nsk = s\n", 0o600)
				return []LoadOption{WithEnv(env{EnvRegion: "cn-north-4", EnvCredentialsFile: envFile}.lookup)}
			},
			check: func(t *testing.T, cfg Config) { assert.Equal(t, "ENVFILE-AK", cfg.Credentials.AccessKey) },
		},
		{
			name: "WithRegion and WithIAMEndpoint over the environment",
			env:  env{EnvAccessKey: "AK", EnvSecretKey: "SK", EnvRegion: "cn-north-4", EnvIAMEndpoint: "https://iam.env.example.com"},
			opts: func(*testing.T) []LoadOption {
				return []LoadOption{WithRegion("cn-east-3"), WithIAMEndpoint("https://iam.opt.example.com")}
			},
			check: func(t *testing.T, cfg Config) {
				assert.Equal(t, "cn-east-3", cfg.Region)
				assert.Equal(t, "https://iam.opt.example.com", cfg.IAMEndpoint)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			if tc.homeCreds != "" {
				writeHomeFile(t, home, "credentials", tc.homeCreds)
			}
			opts := hermetic(t, tc.env, home)
			if tc.opts != nil {
				opts = append(opts, tc.opts(t)...)
			}
			cfg, err := LoadConfig(context.Background(), opts...)
			require.NoError(t, err)
			tc.check(t, cfg)
		})
	}
}

func TestLoadConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		env       env
		homeCreds string
		homePerm  os.FileMode
		regions   string
		opts      func(t *testing.T) []LoadOption
		want      []string
		is        error
	}{
		{name: "AK without SK", env: env{EnvAccessKey: "AK", EnvRegion: "cn-north-4"},
			want: []string{"HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not"}, is: signer.ErrInvalidCredentials},
		{name: "SK without AK", env: env{EnvSecretKey: "SK", EnvRegion: "cn-north-4"},
			want: []string{"HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK is not"}, is: signer.ErrInvalidCredentials},
		{name: "CLOUD_SDK_AK without CLOUD_SDK_SK", env: env{EnvFallbackAccessKey: "AK", EnvRegion: "cn-north-4"},
			want: []string{"CLOUD_SDK_AK is set but CLOUD_SDK_SK is not"}, is: signer.ErrInvalidCredentials},
		{name: "token without keys", env: env{EnvSecurityToken: "t", EnvRegion: "cn-north-4"},
			want: []string{"HUAWEICLOUD_SDK_SECURITY_TOKEN is set but HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are not"}},
		{name: "credentials checked before region", env: env{EnvAccessKey: "AK"},
			want: []string{"HUAWEICLOUD_SDK_SK is not"}},
		{name: "no region", env: env{EnvAccessKey: "AK", EnvSecretKey: "SK"},
			want: []string{"set HUAWEICLOUD_SDK_REGION to the region ID"}},
		{name: "invalid explicit credentials", env: env{EnvRegion: "cn-north-4"},
			opts: func(*testing.T) []LoadOption {
				return []LoadOption{WithCredentials(signer.Credentials{AccessKey: "AK"})}
			},
			want: []string{"WithCredentials", "SecretKey is empty"}, is: signer.ErrInvalidCredentials},
		{name: "malformed credentials file", env: env{EnvRegion: "cn-north-4"}, homeCreds: "[basic]\nak = AK\nsk\n",
			want: []string{"credentials file ", filepath.Join(".huaweicloud", "credentials") + ", line 3: expected"}},
		{name: "readable credentials file", env: env{EnvRegion: "cn-north-4"}, homeCreds: fileCreds, homePerm: 0o644,
			want: []string{"holds a secret but is readable by group or others (mode 0644)"}},
		{name: "missing HUAWEICLOUD_SDK_CREDENTIALS_FILE", env: env{EnvRegion: "cn-north-4", EnvCredentialsFile: "/nonexistent/creds"},
			want: []string{"credentials file /nonexistent/creds: open: no such file or directory"}, is: fs.ErrNotExist},
		{name: "missing WithCredentialsFile", env: env{EnvRegion: "cn-north-4"},
			opts: func(*testing.T) []LoadOption { return []LoadOption{WithCredentialsFile("/nonexistent/creds")} },
			want: []string{"credentials file /nonexistent/creds"}, is: fs.ErrNotExist},
		{name: "malformed regions file", env: env{EnvAccessKey: "AK", EnvSecretKey: "SK", EnvRegion: "cn-north-4"},
			regions: "CSS:\n  - id: cn-north-4\n    endpoint: [x]\n",
			want:    []string{"regions file ", filepath.Join(".huaweicloud", "regions.yaml") + ": line 3: service CSS: endpoint must be a URL"}},
		{name: "missing HUAWEICLOUD_SDK_REGIONS_FILE", env: env{EnvAccessKey: "AK", EnvSecretKey: "SK", EnvRegion: "cn-north-4", EnvRegionsFile: "/nonexistent/r.yaml"},
			want: []string{"regions file /nonexistent/r.yaml"}, is: fs.ErrNotExist},
		{name: "bad endpoint in the environment",
			env:  env{EnvAccessKey: "AK", EnvSecretKey: "SK", EnvRegion: "cn-north-4", "HUAWEICLOUD_SDK_REGION_HSS_CN_NORTH_4": "https://ok.example.com,https://"},
			want: []string{`HUAWEICLOUD_SDK_REGION_HSS_CN_NORTH_4: endpoint "https://" is not a URL`}},
		{name: "no credentials anywhere", env: env{EnvRegion: "cn-north-4"},
			opts: func(t *testing.T) []LoadOption {
				md := newMetadataServer(t, hcloud.RealClock())
				md.setFail(true)
				return []LoadOption{WithMetadataEndpoint(md.URL)}
			},
			want: []string{"hcloudlogs: credentials: none found; set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK",
				"tried: no credentials file at ", "the instance metadata service at http://127.0.0.1:", "500 metadata down"},
			is: signer.ErrInvalidCredentials},
		{name: "file without keys, no metadata", env: env{EnvRegion: "cn-north-4"}, homeCreds: "[basic]\nproject_id = p\n",
			opts: func(t *testing.T) []LoadOption { return []LoadOption{WithMetadataEndpoint(closedAddress(t))} },
			want: []string{"no ak and sk in the [basic] section of ", "connection refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			if tc.homeCreds != "" {
				perm := tc.homePerm
				if perm == 0 {
					perm = 0o600
				}
				require.NoError(t, os.Chmod(writeHomeFile(t, home, "credentials", tc.homeCreds), perm))
			}
			if tc.regions != "" {
				writeHomeFile(t, home, "regions.yaml", tc.regions)
			}
			opts := hermetic(t, tc.env, home)
			if tc.opts != nil {
				opts = append(opts, tc.opts(t)...)
			}
			_, err := LoadConfig(context.Background(), opts...)
			require.Error(t, err)
			for _, want := range tc.want {
				assert.Contains(t, err.Error(), want)
			}
			assert.True(t, strings.HasPrefix(err.Error(), "hcloudlogs: "), err.Error())
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			assert.NotContains(t, err.Error(), "file-sk")
		})
	}
}

// closedAddress returns an http:// address on loopback where nothing listens.
func closedAddress(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	return url
}

func TestLoadConfigMissingDefaultFilesAreSkipped(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New(time.Now().UTC())
	md := newMetadataServer(t, clk)
	cfg, err := LoadConfig(context.Background(), hermetic(t, env{EnvRegion: "cn-north-4"}, "", WithMetadataEndpoint(md.URL), WithClock(clk))...)
	require.NoError(t, err, "no ~/.huaweicloud/credentials nor regions.yaml: on to the metadata service")
	assert.NotNil(t, cfg.CredentialsProvider)
	assert.Empty(t, endpointsOf(t, cfg))

	cfg, err = LoadConfig(context.Background(), hermetic(t, env{EnvRegion: "cn-north-4"}, "", WithHomeDir(""), WithMetadataEndpoint(md.URL), WithClock(clk))...)
	require.NoError(t, err, "no home directory at all")
	assert.NotNil(t, cfg.CredentialsProvider)
}

func TestLoadConfigEndpointOverrides(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "HUAWEICLOUD_SDK_REGION_CSS_AP_SOUTHEAST_1", EndpointEnvName(ServiceCSS, "ap-southeast-1"))
	assert.Equal(t, "HUAWEICLOUD_SDK_REGION_CLOUDDC_CN_EAST_3", EndpointEnvName(ServiceBareMetal, "cn-east-3"))

	home := t.TempDir()
	writeHomeFile(t, home, "regions.yaml", `
CSS:
  - id: ap-southeast-1
    endpoint: https://css-from-file.example.com
DWS:
  - id: ap-southeast-1
    endpoints: [https://dws-1.example.com, dws-2.example.com/]
  - id: cn-north-4
    endpoint: https://dws-other-region.example.com
HSS:
  - id: cn-north-4
    endpoint: https://hss-other-region.example.com
`)
	e := env{EnvAccessKey: "AK", EnvSecretKey: "SK", EnvRegion: "ap-southeast-1", EnvProjectID: testProject,
		"HUAWEICLOUD_SDK_REGION_CSS_AP_SOUTHEAST_1": " https://css-a.example.com/ , css-b.example.com,,",
		"HUAWEICLOUD_SDK_REGION_HSS_CN_NORTH_4":     "https://not-this-region.example.com"}
	cfg, err := LoadConfig(context.Background(), hermetic(t, e, home)...)
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{
		ServiceCSS: {"https://css-a.example.com", "https://css-b.example.com"},
		ServiceDWS: {"https://dws-1.example.com", "https://dws-2.example.com"},
	}, endpointsOf(t, cfg), "environment over file; only the loaded region; CloudDC and HSS derived")
	assert.Nil(t, cfg.ServiceEndpoints, "resolved endpoints stay out of the explicit overrides")

	// Changing the region after loading takes that region's endpoints, never the old ones.
	moved := cfg
	moved.Region = "cn-north-4"
	assert.Equal(t, map[string][]string{
		ServiceHSS: {"https://not-this-region.example.com"},
		ServiceDWS: {"https://dws-other-region.example.com"},
	}, endpointsOf(t, moved))

	otherFile := writeFileMode(t, filepath.Join(t.TempDir(), "r.yaml"), "CLOUDDC:\n  - id: ap-southeast-1\n    endpoint: https://clouddc-opt.example.com\n", 0o644)
	envFile := writeFileMode(t, filepath.Join(t.TempDir(), "r.yaml"), "HSS:\n  - id: ap-southeast-1\n    endpoint: https://hss-env.example.com\n", 0o644)
	e2 := env{EnvAccessKey: "AK", EnvSecretKey: "SK", EnvRegion: "ap-southeast-1", EnvProjectID: testProject, EnvRegionsFile: envFile}
	cfg2, err := LoadConfig(context.Background(), hermetic(t, e2, home)...)
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{ServiceHSS: {"https://hss-env.example.com"}}, endpointsOf(t, cfg2), "HUAWEICLOUD_SDK_REGIONS_FILE over the default")
	cfg2, err = LoadConfig(context.Background(), hermetic(t, e2, home, WithRegionsFile(otherFile))...)
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{ServiceBareMetal: {"https://clouddc-opt.example.com"}}, endpointsOf(t, cfg2), "WithRegionsFile over the variable")

	// The clients pick their endpoints: ServiceEndpoints > resolved > derived.
	hosts := make(chan string, 10)
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		hosts <- req.URL.Host
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	cfg.HTTPClient = &http.Client{Transport: mt}
	cfg.ProjectID = testProject
	for _, tc := range []struct {
		svc, endpoint, want string
	}{
		{ServiceCSS, "", "css-a.example.com"},
		{ServiceDWS, "", "dws-1.example.com"},
		{ServiceHSS, "", "hss.ap-southeast-1.myhuaweicloud.com"},
		{ServiceCSS, "https://explicit.example.com", "explicit.example.com"},
	} {
		c := cfg
		if tc.endpoint != "" {
			c.ServiceEndpoints = map[string][]string{tc.svc: {tc.endpoint}}
		}
		client, err := NewClient(tc.svc, c)
		require.NoError(t, err)
		_, err = client.Do(context.Background(), &listCall, nil)
		require.NoError(t, err)
		assert.Equal(t, tc.want, <-hosts, "%s %q", tc.svc, tc.endpoint)
	}
}

func TestLoadConfigMetadataCredentialsSignRequests(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New(time.Now().UTC())
	md := newMetadataServer(t, clk)
	cfg, err := LoadConfig(context.Background(), hermetic(t, env{EnvRegion: "ap-southeast-1", EnvProjectID: testProject}, "",
		WithMetadataEndpoint(md.URL), WithClock(clk))...)
	require.NoError(t, err)

	var mu sync.Mutex
	var verified []error
	var keys []string
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		ak := strings.TrimPrefix(strings.Split(req.Header.Get("Authorization"), ",")[0], "SDK-HMAC-SHA256 Access=")
		n := strings.TrimPrefix(ak, "MD-AK-")
		creds := signer.Credentials{AccessKey: ak, SecretKey: "md-sk-" + n, SecurityToken: "md-token-" + n}
		verified = append(verified, signer.Verify(req, nil, creds, clk.Now(), 15*time.Minute))
		keys = append(keys, ak+"/"+req.Header.Get("X-Security-Token"))
		return httpmock.NewStringResponse(200, `{}`), nil
	})
	cfg.HTTPClient = &http.Client{Transport: mt}
	cfg.Retry = RetryPolicy{MaxAttempts: 1}
	c, err := NewClient(ServiceCSS, cfg)
	require.NoError(t, err)

	call := func() error { _, err := c.Do(context.Background(), &listCall, nil); return err }
	require.NoError(t, call())
	require.NoError(t, clk.Sleep(context.Background(), 55*time.Minute))
	require.NoError(t, call(), "refreshed on use")
	md.setFail(true)
	require.NoError(t, clk.Sleep(context.Background(), 55*time.Minute))
	require.NoError(t, call(), "refresh failed: the old keys are still valid")
	require.NoError(t, clk.Sleep(context.Background(), 10*time.Minute))
	err = call()
	require.Error(t, err, "expired keys")
	assert.Contains(t, err.Error(), "css: ListLogBackups: ")
	assert.Contains(t, err.Error(), "could not be refreshed")
	var re *RequestError
	require.ErrorAs(t, err, &re)

	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"MD-AK-1/md-token-1", "MD-AK-2/md-token-2", "MD-AK-2/md-token-2"}, keys, "nothing sent without valid keys")
	for _, v := range verified {
		assert.NoError(t, v)
	}
}

// TestLoadConfigProcessEnv runs on the real process environment, so it cannot be parallel.
func TestLoadConfigProcessEnv(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	for _, k := range []string{EnvFallbackAccessKey, EnvFallbackSecretKey, EnvCredentialsFile, EnvRegionsFile, EnvIAMEndpoint,
		EndpointEnvName(ServiceCSS, "cn-north-4"), EndpointEnvName(ServiceHSS, "cn-north-4"),
		EndpointEnvName(ServiceDWS, "cn-north-4"), EndpointEnvName(ServiceBareMetal, "cn-north-4")} {
		t.Setenv(k, "")
	}
	t.Setenv(EnvAccessKey, "AKFROMENV")
	t.Setenv(EnvSecretKey, "skfromenv")
	t.Setenv(EnvSecurityToken, "")
	t.Setenv(EnvRegion, "cn-north-4")
	t.Setenv(EnvProjectID, "proj")
	cfg, err := LoadConfig(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "cn-north-4", cfg.Region)
	assert.Equal(t, "proj", cfg.ProjectID)
	assert.Equal(t, signer.Credentials{AccessKey: "AKFROMENV", SecretKey: "skfromenv"}, cfg.Credentials)

	t.Setenv(EndpointEnvName(ServiceDWS, "cn-north-4"), "https://dws.example.com")
	t.Setenv(EnvProjectID, "")
	cfg, err = LoadConfig(context.Background())
	require.NoError(t, err, "the project ID is looked up on first use")
	assert.Empty(t, cfg.ProjectID)
	assert.Equal(t, map[string][]string{ServiceDWS: {"https://dws.example.com"}}, endpointsOf(t, cfg))
	_, err = NewClient(ServiceDWS, cfg)
	require.NoError(t, err)

	t.Setenv(EnvRegion, "")
	_, err = LoadConfig(context.Background())
	assert.ErrorContains(t, err, EnvRegion)

	t.Setenv(EnvSecretKey, "")
	_, err = LoadConfig(context.Background())
	assert.ErrorContains(t, err, EnvSecretKey)
	assert.True(t, errors.Is(err, signer.ErrInvalidCredentials))
}

// endpointsOf returns the endpoints cfg lists for each service, leaving out those
// that a client would derive from the region.
func endpointsOf(t *testing.T, cfg Config) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, svc := range hcloud.Services() {
		list, err := cfg.EndpointsFor(svc)
		require.NoError(t, err)
		if len(list) > 0 {
			out[svc] = list
		}
	}
	return out
}
