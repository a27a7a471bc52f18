package config_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/config"
	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

func env(vars map[string]string) config.Option {
	return config.WithEnv(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
}

func TestLoadFromEnvironment(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(context.Background(), config.WithHomeDir(t.TempDir()), env(map[string]string{
		"HUAWEICLOUD_SDK_AK": "AKFROMENV", "HUAWEICLOUD_SDK_SK": "skfromenv",
		"HUAWEICLOUD_SDK_REGION": "cn-north-4", "HUAWEICLOUD_SDK_PROJECT_ID": "proj",
		"HUAWEICLOUD_SDK_REGION_CSS_CN_NORTH_4": "https://css-a.example.com,https://css-b.example.com",
	}))
	require.NoError(t, err)
	assert.Equal(t, "cn-north-4", cfg.Region)
	assert.Equal(t, "proj", cfg.ProjectID)
	assert.Equal(t, "AKFROMENV", cfg.Credentials.AccessKey)
	eps, err := cfg.EndpointsFor("css")
	require.NoError(t, err)
	assert.Equal(t, []string{"https://css-a.example.com", "https://css-b.example.com"}, eps)
	_, err = css.New(cfg)
	assert.NoError(t, err, "a loaded Config configures a service client")
}

func TestLoadPrecedence(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(home, ".huaweicloud"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(home, ".huaweicloud", "credentials"),
		[]byte("[basic]\nak = AKFROMFILE\nsk = skfromfile\nproject_id = fileproj\n"), 0o600))
	vars := map[string]string{"HUAWEICLOUD_SDK_REGION": "ap-southeast-1"}

	cfg, err := config.Load(context.Background(), config.WithHomeDir(home), env(vars))
	require.NoError(t, err)
	assert.Equal(t, "AKFROMFILE", cfg.Credentials.AccessKey, "the file when the environment has no keys")
	assert.Equal(t, "fileproj", cfg.ProjectID)

	vars["HUAWEICLOUD_SDK_AK"], vars["HUAWEICLOUD_SDK_SK"] = "AKFROMENV", "skfromenv"
	cfg, err = config.Load(context.Background(), config.WithHomeDir(home), env(vars))
	require.NoError(t, err)
	assert.Equal(t, "AKFROMENV", cfg.Credentials.AccessKey, "the environment over the file")

	vars["HUAWEICLOUD_SDK_PROJECT_ID"] = "envproj"
	cfg, err = config.Load(context.Background(), config.WithHomeDir(home), env(vars),
		config.WithCredentials(signer.Credentials{AccessKey: "AKEXPLICIT", SecretKey: "sk"}), config.WithRegion("cn-east-3"))
	require.NoError(t, err)
	assert.Equal(t, "AKEXPLICIT", cfg.Credentials.AccessKey, "explicit options over everything")
	assert.Equal(t, "cn-east-3", cfg.Region)
}

func TestLoadRefusesOpenCredentialsFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "credentials")
	require.NoError(t, os.WriteFile(path, []byte("[basic]\nak = A\nsk = s\n"), 0o644))
	require.NoError(t, os.Chmod(path, 0o644))
	_, err := config.Load(context.Background(), config.WithHomeDir(t.TempDir()), config.WithCredentialsFile(path),
		env(map[string]string{"HUAWEICLOUD_SDK_REGION": "ap-southeast-1"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
}

func TestLoadAndNewRefuseMisspeltRegion(t *testing.T) {
	t.Parallel()
	keys := config.WithCredentials(signer.Credentials{AccessKey: "AK", SecretKey: "sk"})
	_, err := config.Load(context.Background(), config.WithHomeDir(t.TempDir()), env(nil), keys, config.WithRegion("ap-southeast1"))
	require.ErrorContains(t, err, `unknown Region "ap-southeast1" (did you mean ap-southeast-1?)`)

	_, err = css.New(hcloud.Config{Region: "ap-southeast1", ProjectID: "proj", Credentials: signer.Credentials{AccessKey: "AK", SecretKey: "sk"}})
	require.ErrorContains(t, err, `css: config: unknown Region "ap-southeast1" (did you mean ap-southeast-1?)`)

	_, err = config.Load(context.Background(), config.WithHomeDir(t.TempDir()), env(nil), keys, config.WithRegion("attacker.example#"))
	require.ErrorContains(t, err, `invalid Region "attacker.example#"`, "the syntax is checked at load, not only at New")
}

func TestLoadedEndpointWithoutSchemeGetsHTTPS(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(context.Background(), config.WithHomeDir(t.TempDir()), env(map[string]string{
		"HUAWEICLOUD_SDK_AK": "AK", "HUAWEICLOUD_SDK_SK": "sk", "HUAWEICLOUD_SDK_REGION": "cn-north-4",
		"HUAWEICLOUD_SDK_REGION_CSS_CN_NORTH_4": "css.example.com",
	}))
	require.NoError(t, err)
	eps, err := cfg.EndpointsFor("css")
	require.NoError(t, err)
	assert.Equal(t, []string{"https://css.example.com"}, eps)
}
