package signer

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The requests of /work/shared/tools/bench-signer, which compares Sign with the
// official signer.
const (
	benchEndpoint = "https://css.ap-southeast-1.myhuaweicloud.com"
	benchGetPath  = "/v1.0/0a1b2c3d4e5f60718293a4b5c6d7e8f9/clusters/5c77b71c-5b35-4f50-8984-76387e42451a/logs/records"
	benchPostPath = "/v1.0/0a1b2c3d4e5f60718293a4b5c6d7e8f9/clusters/5c77b71c-5b35-4f50-8984-76387e42451a/logs/settings"
)

var benchBody1K = []byte(`{"agency":"css_obs_agency","log_base_path":"css/log","log_bucket":"` + strings.Repeat("b", 960) + `"}`)

func benchRequest(b *testing.B, method, url string, body []byte) *http.Request {
	b.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Project-Id", "0a1b2c3d4e5f60718293a4b5c6d7e8f9")
	req.Header.Set("User-Agent", "hcloudlogs-go/bench")
	return req
}

func benchSign(b *testing.B, req *http.Request, body []byte) {
	creds := Credentials{AccessKey: "HPUABCDEFGHIJKLMNOPQ", SecretKey: "SKSKSKSKSKSKSKSKSKSKSKSKSKSKSKSKSKSKSKSK"}
	t := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if err := Sign(req, body, creds, t); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSign signs a typical GET: two query parameters, three headers, no body.
func BenchmarkSign(b *testing.B) {
	benchSign(b, benchRequest(b, http.MethodGet, benchEndpoint+benchGetPath+"?offset=1&limit=10", nil), nil)
}

// BenchmarkSignBody signs a POST with a 1 KiB JSON body.
func BenchmarkSignBody(b *testing.B) {
	benchSign(b, benchRequest(b, http.MethodPost, benchEndpoint+benchPostPath, benchBody1K), benchBody1K)
}
