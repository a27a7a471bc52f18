package core

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// TestContentTypeOnEveryRequest: every request says Content-Type: application/json,
// with or without a body, as the official SDKs and Terraform do; it is not signed, so
// the signature is the one the same request without it gets.
func TestContentTypeOnEveryRequest(t *testing.T) {
	t.Parallel()
	emptyPost := Call{Op: "DisableLogBackup", Method: http.MethodPut, Path: "/v1.0/{project_id}/clusters/{ClusterID}/logs/close",
		Params: []string{"c-1"}}
	for name, call := range map[string]Call{"GET": listCall, "body-less PUT": emptyPost, "POST with a body": postCall} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil, reply(200, `{}`))
			_, err := f.client.Do(context.Background(), &call, nil)
			require.NoError(t, err)
			r := f.srv.requests()[0]
			assert.Equal(t, []string{"application/json"}, r.header.Values("Content-Type"))
			require.NoError(t, r.verifyErr)
			assert.NotContains(t, strings.ToLower(r.header.Get("Authorization")), "content-type")

			// Sign the same request without Content-Type at the same time: same signature.
			date, err := time.Parse("20060102T150405Z", r.header.Get("X-Sdk-Date"))
			require.NoError(t, err)
			u := "https://css.ap-southeast-1.myhuaweicloud.com" + r.rawPath
			if r.query != "" {
				u += "?" + r.query
			}
			bare, err := http.NewRequest(r.method, u, nil)
			require.NoError(t, err)
			bare.Header = r.header.Clone()
			bare.Header.Del("Content-Type")
			bare.Header.Del("Authorization")
			require.NoError(t, signer.Sign(bare, r.body, testCreds, date))
			assert.Equal(t, r.header.Get("Authorization"), bare.Header.Get("Authorization"))
		})
	}
}

// TestCallHeadersReplaceDefaults: a Call's own headers replace the pipeline's defaults
// (Accept, Content-Type, ...), and an empty value list removes one.
func TestCallHeadersReplaceDefaults(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, reply(200, `{}`))
	call := listCall
	call.Header = http.Header{"Accept": {"*/*"}, "Content-Type": nil, "Accept-Encoding": {"identity"}}
	_, err := f.client.Do(context.Background(), &call, nil)
	require.NoError(t, err)
	r := f.srv.requests()[0]
	require.NoError(t, r.verifyErr)
	assert.Equal(t, []string{"*/*"}, r.header.Values("Accept"))
	assert.Empty(t, r.header.Values("Content-Type"))
	assert.Equal(t, []string{"identity"}, r.header.Values("Accept-Encoding"))
	assert.True(t, strings.HasPrefix(r.header.Get("User-Agent"), "hcloudlogs-go/"), "other defaults stay")
}
