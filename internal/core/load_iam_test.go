package core

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadConfigIAMEndpointFromCredentialsFile(t *testing.T) {
	t.Parallel()
	const fileWithIAM = fileCreds + "iam_endpoint = https://iam.file.example.com\n"
	for _, tc := range []struct {
		name      string
		env       env
		file      string
		opts      []LoadOption
		want      string // Config.IAMEndpoint
		wantInIAM string // what the project lookup uses
	}{
		{name: "file", file: fileWithIAM,
			want: "https://iam.file.example.com", wantInIAM: "https://iam.file.example.com"},
		{name: "file, without a scheme", file: fileCreds + "iam_endpoint = iam.file.example.com/\n",
			want: "https://iam.file.example.com", wantInIAM: "https://iam.file.example.com"},
		{name: "variable over file", file: fileWithIAM, env: env{EnvIAMEndpoint: "https://iam.env.example.com"},
			want: "https://iam.env.example.com", wantInIAM: "https://iam.env.example.com"},
		{name: "option over file", file: fileWithIAM, opts: []LoadOption{WithIAMEndpoint("https://iam.opt.example.com")},
			want: "https://iam.opt.example.com", wantInIAM: "https://iam.opt.example.com"},
		{name: "no iam_endpoint: the default", file: fileCreds,
			want: "", wantInIAM: "https://iam.myhuaweicloud.com"},
		{name: "file not read when the keys come from the environment", file: fileWithIAM,
			env:  env{EnvAccessKey: "ENV-AK", EnvSecretKey: "env-sk"},
			want: "", wantInIAM: "https://iam.myhuaweicloud.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			writeHomeFile(t, home, "credentials", tc.file)
			e := env{EnvRegion: "eu-west-101"}
			for k, v := range tc.env {
				e[k] = v
			}
			cfg, err := LoadConfig(context.Background(), hermetic(t, e, home, tc.opts...)...)
			require.NoError(t, err)
			assert.Equal(t, tc.want, cfg.IAMEndpoint)
			assert.Equal(t, tc.wantInIAM, iamEndpoint(&cfg))
		})
	}
}

func TestLoadConfigIAMEndpointFromCredentialsFileMalformed(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	path := writeHomeFile(t, home, "credentials", fileCreds+"iam_endpoint = https://\n")
	_, err := LoadConfig(context.Background(), hermetic(t, env{EnvRegion: "eu-west-101"}, home)...)
	assert.EqualError(t, err, `hcloudlogs: credentials file `+path+`, [basic] iam_endpoint: endpoint "https://" is not a URL`)
}
