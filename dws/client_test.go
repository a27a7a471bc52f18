package dws_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var testCreds = signer.Credentials{AccessKey: "HPUATESTDWSACCESSKEY", SecretKey: "dws-secret-key-that-must-never-leak"}

const (
	testProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	testCluster = "a07cb2f7-b17e-4d95-923b-a33d0c884d37"
)

// seen is one request as the mock server received it.
type seen struct {
	method, path, rawPath, query string
	header                       http.Header
	body                         []byte
	verifyErr                    error
}

// mockServer answers with scripted replies (the last one repeats) and records every
// request with the result of verifying its signature.
type mockServer struct {
	clock   *fakeclock.Clock
	mu      sync.Mutex
	replies []httpmock.Responder
	reqs    []seen
}

func (s *mockServer) respond(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	s.mu.Lock()
	rec := seen{method: req.Method, path: req.URL.Path, rawPath: req.URL.EscapedPath(), query: req.URL.RawQuery,
		header: req.Header.Clone(), body: body}
	rec.verifyErr = signer.Verify(req, body, testCreds, s.clock.Now(), 15*time.Minute)
	s.reqs = append(s.reqs, rec)
	reply := s.replies[min(len(s.reqs), len(s.replies))-1]
	s.mu.Unlock()
	return reply(req)
}

func (s *mockServer) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

// newMock returns a client whose requests go, through the real signer and retry stack,
// to a mock answering replies in turn.
func newMock(t *testing.T, replies ...httpmock.Responder) (*dws.Client, *mockServer) {
	t.Helper()
	clk := fakeclock.New(time.Date(2022, 10, 31, 9, 30, 0, 0, time.UTC))
	srv := &mockServer{clock: clk, replies: replies}
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(srv.respond)
	c, err := dws.New(dws.Config{
		Region:      "ap-southeast-1",
		ProjectID:   testProject,
		Credentials: testCreds,
		HTTPClient:  &http.Client{Transport: mt},
		Clock:       clk,
	})
	require.NoError(t, err)
	return c, srv
}

// reply answers status with body and the headers given as name, value pairs; every
// reply carries an X-Request-Id.
func reply(status int, body string, header ...string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json;charset=UTF-8")
		resp.Header.Set("X-Request-Id", "req-"+http.StatusText(status))
		for i := 0; i+1 < len(header); i += 2 {
			resp.Header.Set(header[i], header[i+1])
		}
		resp.Request = req
		return resp, nil
	}
}

// fixture reads testdata/name.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

func TestNew(t *testing.T) {
	t.Parallel()
	good := dws.Config{Region: "ap-southeast-1", ProjectID: testProject, Credentials: testCreds}
	tests := []struct {
		name    string
		mutate  func(*dws.Config)
		wantErr string
	}{
		{name: "valid", mutate: func(*dws.Config) {}},
		{name: "token auth", mutate: func(c *dws.Config) { c.Credentials = signer.Credentials{}; c.AuthToken = "tok" }},
		{name: "no region or endpoint", mutate: func(c *dws.Config) { c.Region = "" }, wantErr: "dws: config: set Region (e.g. ap-southeast-1), or the service's endpoint in ServiceEndpoints"},
		{name: "no project and no region to look it up", mutate: func(c *dws.Config) {
			c.ProjectID, c.Region, c.ServiceEndpoints = "", "", map[string][]string{"dws": {"https://dws.example.com"}}
		}, wantErr: "dws: config: ProjectID is required"},
		{name: "no credentials", mutate: func(c *dws.Config) { c.Credentials = signer.Credentials{} }, wantErr: "dws: config: no credentials"},
		{name: "http endpoint", mutate: func(c *dws.Config) { c.ServiceEndpoints = map[string][]string{"DWS": {"http://127.0.0.1:1"}} }, wantErr: "AllowInsecureHTTP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tt.mutate(&cfg)
			c, err := dws.New(cfg)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, c)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, c)
		})
	}
}

// TestEndpointFromRegion checks that the DWS host, including the official SDK's .eu
// and .cn exceptions, is derived from the region.
func TestEndpointFromRegion(t *testing.T) {
	t.Parallel()
	tests := []struct{ region, host string }{
		{"ap-southeast-1", "dws.ap-southeast-1.myhuaweicloud.com"},
		{"eu-west-101", "dws.eu-west-101.myhuaweicloud.eu"},
		{"cn-south-4", "dws.cn-south-4.myhuaweicloud.cn"},
		{"tr-west-1", "dws.tr-west-1.myhuaweicloud.cn"},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			t.Parallel()
			var host string
			mt := httpmock.NewMockTransport()
			mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
				host = req.URL.Host
				return httpmock.NewStringResponse(200, fixture(t, "listauditlogrecords_empty.json")), nil
			})
			c, err := dws.New(dws.Config{Region: tt.region, ProjectID: testProject, Credentials: testCreds,
				HTTPClient: &http.Client{Transport: mt}})
			require.NoError(t, err)
			_, err = c.ListAuditLogRecords(context.Background(), &dws.ListAuditLogRecordsRequest{ClusterID: testCluster})
			require.NoError(t, err)
			assert.Equal(t, tt.host, host)
		})
	}
}

// newTokenMock answers every request with the documented example and stores the
// headers of the last request in got.
func newTokenMock(got *http.Header) *httpmock.MockTransport {
	body, err := os.ReadFile(filepath.Join("testdata", "listauditlogrecords_example.json"))
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		if err != nil {
			return nil, err
		}
		*got = req.Header.Clone()
		return httpmock.NewBytesResponse(200, body), nil
	})
	return mt
}

// newPathMock answers every request with an empty listing and appends each request's
// decoded path to paths.
func newPathMock(paths *[]string) *httpmock.MockTransport {
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		*paths = append(*paths, req.URL.Path)
		return httpmock.NewStringResponse(200, `{"records":[],"count":0}`), nil
	})
	return mt
}
