package signer

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCredentialsRedaction(t *testing.T) {
	t.Parallel()
	const (
		ak     = "HPUABCDEFGHIJKLMNOPQ"
		sk     = "SuperSecretKeyValue0123456789"
		token  = "TemporaryTokenValue+/=="
		akTail = "BCDEFGHIJKLMNOPQ"
	)
	full := Credentials{AccessKey: ak, SecretKey: sk, SecurityToken: token}
	type embeds struct {
		Credentials
		Region string
	}
	type field struct {
		Creds  Credentials
		Region string
	}
	type pointer struct {
		Creds *Credentials
	}
	values := map[string]any{
		"value":          full,
		"pointer":        &full,
		"embedded":       embeds{Credentials: full, Region: "r"},
		"embedded ptr":   &embeds{Credentials: full, Region: "r"},
		"exported field": field{Creds: full, Region: "r"},
		"pointer field":  pointer{Creds: &full},
		"slice":          []Credentials{full},
		"map":            map[string]Credentials{"k": full},
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			t.Run(name+" "+verb, func(t *testing.T) {
				t.Parallel()
				out := fmt.Sprintf(verb, v)
				assert.NotContains(t, out, sk)
				assert.NotContains(t, out, token)
				assert.NotContains(t, out, akTail)
				assert.NotContains(t, out, fmt.Sprintf("%x", sk))
			})
		}
	}

	t.Run("shows what is set", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, "{AccessKey:HPUA****, SecretKey:<redacted>, SecurityToken:<redacted>}", full.String())
		assert.Equal(t, "{AccessKey:HPUA****, SecretKey:<redacted>, SecurityToken:<empty>}",
			fmt.Sprintf("%+v", Credentials{AccessKey: ak, SecretKey: sk}))
		assert.Equal(t, `signer.Credentials{AccessKey:"HPUA****", SecretKey:"<redacted>", SecurityToken:"<empty>"}`,
			fmt.Sprintf("%#v", Credentials{AccessKey: ak, SecretKey: sk}))
		assert.Equal(t, `"{AccessKey:<empty>, SecretKey:<empty>, SecurityToken:<empty>}"`, fmt.Sprintf("%q", Credentials{}))
		assert.Equal(t, "{AccessKey:****, SecretKey:<empty>, SecurityToken:<empty>}", Credentials{AccessKey: "ABCD"}.String())
		assert.Equal(t, "{AccessKey:ÄÖÜß****, SecretKey:<empty>, SecurityToken:<empty>}", Credentials{AccessKey: "ÄÖÜßx"}.String())
	})
}

func TestCredentialsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		creds Credentials
		want  string
	}{
		{Credentials{AccessKey: "ak", SecretKey: "sk"}, ""},
		{Credentials{AccessKey: "ak"}, "SecretKey is empty"},
		{Credentials{SecretKey: "sk", SecurityToken: "t"}, "AccessKey is empty"},
		{Credentials{}, "AccessKey and SecretKey are empty"},
	}
	for _, tc := range tests {
		err := tc.creds.Validate()
		if tc.want == "" {
			assert.NoError(t, err)
			continue
		}
		require.Error(t, err)
		assert.True(t, errors.Is(err, ErrInvalidCredentials))
		assert.Contains(t, err.Error(), tc.want)
		assert.NotContains(t, err.Error(), "sk\"")
	}
}

func TestCredentialsFromEnv(t *testing.T) {
	// t.Setenv forbids t.Parallel.
	vars := []string{envAK, envSK, envSecurityToken, envFallbackAK, envFallbackSK}
	tests := []struct {
		name    string
		env     map[string]string
		want    Credentials
		wantErr []string // substrings of the error
	}{
		{
			name: "HUAWEICLOUD pair",
			env:  map[string]string{envAK: "ak1", envSK: "sk1", envFallbackAK: "ak2", envFallbackSK: "sk2"},
			want: Credentials{AccessKey: "ak1", SecretKey: "sk1"},
		},
		{
			name: "HUAWEICLOUD pair with token",
			env:  map[string]string{envAK: "ak1", envSK: "sk1", envSecurityToken: "tok"},
			want: Credentials{AccessKey: "ak1", SecretKey: "sk1", SecurityToken: "tok"},
		},
		{
			name: "fallback pair",
			env:  map[string]string{envFallbackAK: "ak2", envFallbackSK: "sk2"},
			want: Credentials{AccessKey: "ak2", SecretKey: "sk2"},
		},
		{
			name: "fallback when the HUAWEICLOUD pair is incomplete; its token is not used",
			env:  map[string]string{envAK: "ak1", envSecurityToken: "tok", envFallbackAK: "ak2", envFallbackSK: "sk2"},
			want: Credentials{AccessKey: "ak2", SecretKey: "sk2"},
		},
		{
			name:    "nothing set",
			env:     map[string]string{},
			wantErr: []string{"HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK not set", "CLOUD_SDK_AK", "CLOUD_SDK_SK"},
		},
		{
			name:    "secret missing",
			env:     map[string]string{envAK: "ak1", envFallbackSK: "sk2"},
			wantErr: []string{"HUAWEICLOUD_SDK_SK not set", "set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK"},
		},
		{
			name:    "key missing",
			env:     map[string]string{envSK: "secret-value", envFallbackAK: "ak2"},
			wantErr: []string{"HUAWEICLOUD_SDK_AK not set"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range vars {
				t.Setenv(v, tc.env[v])
			}
			got, err := CredentialsFromEnv()
			if tc.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidCredentials))
			for _, s := range tc.wantErr {
				assert.Contains(t, err.Error(), s)
			}
			for _, v := range tc.env {
				assert.NotContains(t, err.Error(), v, "error reveals a value")
			}
		})
	}
}
