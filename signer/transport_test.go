package signer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeServer is a Base transport that receives requests as a net/http server would
// and verifies their signatures.
type fakeServer struct {
	creds Credentials
	now   time.Time

	mu       sync.Mutex
	received []*http.Request
	bodies   [][]byte
	errs     []error
}

// mock returns an httpmock transport that answers every request through s.
func (s *fakeServer) mock() *httpmock.MockTransport {
	m := httpmock.NewMockTransport()
	m.RegisterNoResponder(s.respond)
	return m
}

func (s *fakeServer) respond(req *http.Request) (*http.Response, error) {
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		return nil, err
	}
	got, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(got.Body)
	if err != nil {
		return nil, err
	}
	verr := Verify(got, body, s.creds, s.now, time.Minute)
	s.mu.Lock()
	s.received = append(s.received, got)
	s.bodies = append(s.bodies, body)
	s.errs = append(s.errs, verr)
	s.mu.Unlock()
	if verr != nil {
		return httpmock.NewStringResponse(http.StatusUnauthorized, verr.Error()), nil
	}
	return httpmock.NewStringResponse(http.StatusOK, "ok"), nil
}

// last returns the last request received, its body and its verification result.
func (s *fakeServer) last(t *testing.T) (*http.Request, []byte, error) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.NotEmpty(t, s.received, "no request received")
	n := len(s.received) - 1
	return s.received[n], s.bodies[n], s.errs[n]
}

func roundTrip(t *testing.T, rt http.RoundTripper, req *http.Request) *http.Response {
	t.Helper()
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

var transportCreds = Credentials{AccessKey: "HPUAAKAKAKAKAKAKAKAK", SecretKey: "transport-secret"}

func TestTransportSignsAndVerifies(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name   string
		method string
		body   io.Reader
		want   []byte
	}{
		{"GET without body", http.MethodGet, nil, nil},
		{"POST bytes", http.MethodPost, bytes.NewReader([]byte(`{"a":1}`)), []byte(`{"a":1}`)},
		{"POST strings", http.MethodPost, strings.NewReader(`{"b":2}`), []byte(`{"b":2}`)},
		{"PUT buffer", http.MethodPut, bytes.NewBufferString(`x`), []byte(`x`)},
		{"POST empty", http.MethodPost, strings.NewReader(""), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := &fakeServer{creds: transportCreds, now: at}
			tr := &Transport{Base: srv.mock(), Credentials: transportCreds, ProjectID: "proj-1",
				Now: func() time.Time { return at }}
			req, err := http.NewRequestWithContext(t.Context(), tc.method,
				"https://css.example.com/v1.0/proj-1/clusters/c%201/logs?limit=10&offset=1", tc.body)
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", "hcloudlogs-go/test")

			resp := roundTrip(t, tr, req)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			got, body, verr := srv.last(t)
			require.NoError(t, verr)
			assert.Equal(t, string(tc.want), string(body))
			assert.Equal(t, "proj-1", got.Header.Get("X-Project-Id"))
			assert.Equal(t, "20240506T070809Z", got.Header.Get("X-Sdk-Date"))
			assert.Contains(t, got.Header.Get("Authorization"),
				"SignedHeaders=user-agent;x-project-id;x-sdk-date, Signature=")
			assert.Equal(t, "/v1.0/proj-1/clusters/c 1/logs", got.URL.Path)
		})
	}
}

func TestTransportLeavesCallerRequestAlone(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	srv := &fakeServer{creds: transportCreds, now: at}
	tr := &Transport{Base: srv.mock(), Credentials: transportCreds, ProjectID: "p",
		Now: func() time.Time { return at }}
	req, err := http.NewRequest(http.MethodPost, "https://h.example.com/v1/x", strings.NewReader("payload"))
	require.NoError(t, err)
	req.Header.Set("X-Custom", "1")
	req.Header.Set("Authorization", "stale")
	req.Header.Set("X-Sdk-Date", "20000101T000000Z")
	before := req.Header.Clone()
	url := req.URL.String()

	roundTrip(t, tr, req)
	_, _, verr := srv.last(t)
	require.NoError(t, verr)

	assert.Equal(t, before, req.Header, "caller's headers changed")
	assert.Equal(t, url, req.URL.String())
	body, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	assert.Equal(t, "payload", string(body), "caller's body consumed")
}

func TestTransportResignsEachSend(t *testing.T) {
	t.Parallel()
	start := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	var mu sync.Mutex
	now := start
	step := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(30 * time.Second)
		return now
	}
	srv := &fakeServer{creds: transportCreds, now: start.Add(time.Minute)}
	tr := &Transport{Base: srv.mock(), Credentials: transportCreds, Now: step}
	req, err := http.NewRequest(http.MethodPut, "https://h.example.com/v1/x", strings.NewReader("again"))
	require.NoError(t, err)

	var dates, sigs []string
	for range 2 {
		roundTrip(t, tr, req)
		got, body, verr := srv.last(t)
		require.NoError(t, verr)
		assert.Equal(t, "again", string(body), "body replayed")
		dates = append(dates, got.Header.Get("X-Sdk-Date"))
		sigs = append(sigs, got.Header.Get("Authorization"))
	}
	assert.Equal(t, []string{"20240506T070839Z", "20240506T070909Z"}, dates)
	assert.NotEqual(t, sigs[0], sigs[1])
}

func TestTransportSecurityToken(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	creds := Credentials{AccessKey: "TEMPAK", SecretKey: "temp-secret", SecurityToken: "temp-token"}
	srv := &fakeServer{creds: creds, now: at}
	tr := &Transport{Base: srv.mock(), Credentials: creds, Now: func() time.Time { return at }}
	req, err := http.NewRequest(http.MethodGet, "https://h.example.com/v1/x", nil)
	require.NoError(t, err)

	roundTrip(t, tr, req)
	got, _, verr := srv.last(t)
	require.NoError(t, verr)
	assert.Equal(t, "temp-token", got.Header.Get("X-Security-Token"))
	assert.Contains(t, got.Header.Get("Authorization"), "SignedHeaders=x-sdk-date;x-security-token,")
	assert.Empty(t, req.Header.Get("X-Security-Token"), "caller's request changed")
}

func TestTransportCredentialsFunc(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	type ctxKey struct{}
	fromFunc := Credentials{AccessKey: "FUNCAK", SecretKey: "func-secret"}
	srv := &fakeServer{creds: fromFunc, now: at}
	var calls int
	tr := &Transport{
		Base:        srv.mock(),
		Credentials: transportCreds, // ignored
		CredentialsFunc: func(ctx context.Context) (Credentials, error) {
			calls++
			assert.Equal(t, "marker", ctx.Value(ctxKey{}))
			return fromFunc, nil
		},
		Now: func() time.Time { return at },
	}
	ctx := context.WithValue(t.Context(), ctxKey{}, "marker")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://h.example.com/v1/x", nil)
	require.NoError(t, err)

	roundTrip(t, tr, req)
	roundTrip(t, tr, req)
	_, _, verr := srv.last(t)
	require.NoError(t, verr)
	assert.Equal(t, 2, calls, "called once per request")
}

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	errProvider := errors.New("provider down")
	errBase := errors.New("connection refused")
	tests := []struct {
		name    string
		tr      *Transport
		req     func(t *testing.T) *http.Request
		want    error
		wantMsg string
	}{
		{
			name: "credentials func fails",
			tr: &Transport{CredentialsFunc: func(context.Context) (Credentials, error) {
				return Credentials{}, errProvider
			}},
			req:  postRequest,
			want: errProvider,
		},
		{
			name: "invalid credentials",
			tr:   &Transport{Credentials: Credentials{AccessKey: "AK"}},
			req:  postRequest,
			want: ErrInvalidCredentials,
		},
		{
			name: "body without GetBody",
			tr:   &Transport{Credentials: transportCreds},
			req: func(t *testing.T) *http.Request {
				req := postRequest(t)
				req.GetBody = nil
				return req
			},
			want:    ErrBodyNotReplayable,
			wantMsg: "GetBody",
		},
		{
			name: "GetBody fails",
			tr:   &Transport{Credentials: transportCreds},
			req: func(t *testing.T) *http.Request {
				req := postRequest(t)
				req.GetBody = func() (io.ReadCloser, error) { return nil, errProvider }
				return req
			},
			want: ErrBodyNotReplayable,
		},
		{
			name: "GetBody reader fails",
			tr:   &Transport{Credentials: transportCreds},
			req: func(t *testing.T) *http.Request {
				req := postRequest(t)
				req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(failingReader{}), nil }
				return req
			},
			want:    ErrBodyNotReplayable,
			wantMsg: "disk gone",
		},
		{
			name: "malformed query",
			tr:   &Transport{Credentials: transportCreds},
			req: func(t *testing.T) *http.Request {
				req := postRequest(t)
				req.URL.RawQuery = "a=%"
				return req
			},
			want: ErrInvalidRequest,
		},
		{
			name: "base fails",
			tr: &Transport{Credentials: transportCreds, Base: roundTripFunc(func(*http.Request) (*http.Response, error) {
				return nil, errBase
			})},
			req:  postRequest,
			want: errBase,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := tc.req(t)
			body := &closeRecorder{Reader: strings.NewReader("body")}
			req.Body = body
			resp, err := tc.tr.RoundTrip(req)
			require.Error(t, err)
			assert.Nil(t, resp)
			assert.ErrorIs(t, err, tc.want)
			assert.Contains(t, err.Error(), tc.wantMsg)
			assert.NotContains(t, err.Error(), transportCreds.SecretKey)
			assert.True(t, body.closed, "caller's body not closed")
		})
	}

	t.Run("nil request", func(t *testing.T) {
		t.Parallel()
		_, err := (&Transport{Credentials: transportCreds}).RoundTrip(nil)
		assert.ErrorIs(t, err, ErrInvalidRequest)
	})
}

func postRequest(t *testing.T) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "https://h.example.com/v1/x", strings.NewReader("body"))
	require.NoError(t, err)
	return req
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error {
	c.closed = true
	return nil
}

// TestTransportConcurrent sends from many goroutines through one Transport; run with
// -race.
func TestTransportConcurrent(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	srv := &fakeServer{creds: transportCreds, now: at}
	tr := &Transport{Base: srv.mock(), Credentials: transportCreds, ProjectID: "p",
		Now: func() time.Time { return at }}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(http.MethodPost, "https://h.example.com/v1/x",
				strings.NewReader(strings.Repeat("x", i)))
			if !assert.NoError(t, err) {
				return
			}
			resp, err := tr.RoundTrip(req)
			if assert.NoError(t, err) {
				assert.Equal(t, http.StatusOK, resp.StatusCode)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, err := range srv.errs {
		assert.NoError(t, err)
	}
}

// TestTransportSentRequest checks the request Transport hands to Base.
func TestTransportSentRequest(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	var sent *http.Request
	base := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		sent = req
		return httpmock.NewStringResponse(http.StatusOK, ""), nil
	})
	tr := &Transport{Base: base, Credentials: transportCreds, Now: func() time.Time { return at }}

	t.Run("replayable body", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, "https://h.example.com/x", strings.NewReader("abc"))
		require.NoError(t, err)
		roundTrip(t, tr, req)
		require.NotNil(t, sent.GetBody)
		assert.Equal(t, int64(3), sent.ContentLength)
		for range 2 {
			rc, err := sent.GetBody()
			require.NoError(t, err)
			b, err := io.ReadAll(rc)
			require.NoError(t, err)
			assert.Equal(t, "abc", string(b))
		}
	})

	t.Run("empty custom body is sent as none", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, "https://h.example.com/x", nil)
		require.NoError(t, err)
		req.Body = io.NopCloser(strings.NewReader(""))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("")), nil }
		roundTrip(t, tr, req)
		assert.Equal(t, http.NoBody, sent.Body)
		assert.Equal(t, int64(0), sent.ContentLength)
		rc, err := sent.GetBody()
		require.NoError(t, err)
		assert.Equal(t, http.NoBody, rc)
	})

	t.Run("nil header map", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, "https://h.example.com/x", nil)
		require.NoError(t, err)
		req.Header = nil
		roundTrip(t, tr, req)
		assert.NotEmpty(t, sent.Header.Get("Authorization"))
		assert.Nil(t, req.Header)
	})
}

func TestTransportDefaults(t *testing.T) {
	t.Parallel()
	// A nil Base is http.DefaultTransport, which refuses this scheme without dialing.
	tr := &Transport{Credentials: transportCreds}
	req, err := http.NewRequest(http.MethodGet, "unsupported://h.example.com/x", nil)
	require.NoError(t, err)
	resp, err := tr.RoundTrip(req)
	require.Error(t, err)
	assert.Nil(t, resp)
	assert.Contains(t, err.Error(), "unsupported protocol scheme")

	body := &closeRecorder{Reader: strings.NewReader("x")}
	_, err = tr.RoundTrip(&http.Request{Method: http.MethodPost, Body: body})
	assert.ErrorIs(t, err, ErrInvalidRequest)
	assert.True(t, body.closed)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk gone") }
