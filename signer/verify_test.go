package signer

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// overTheWire returns req as a net/http server receives it: written in HTTP/1.1 wire
// format and parsed back, with the body read.
func overTheWire(t testing.TB, req *http.Request) (*http.Request, []byte) {
	t.Helper()
	var wire bytes.Buffer
	require.NoError(t, req.Write(&wire))
	got, err := http.ReadRequest(bufio.NewReader(&wire))
	require.NoError(t, err)
	body, err := io.ReadAll(got.Body)
	require.NoError(t, err)
	return got, body
}

func TestVerifyVectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			req := v.request(t)
			at := v.time(t)
			require.NoError(t, Sign(req, []byte(v.Body), v.creds(), at))

			// The request as the client holds it.
			assert.NoError(t, Verify(req, []byte(v.Body), v.creds(), at, time.Minute))

			// The request as a server receives it.
			server, body := overTheWire(t, req)
			assert.NoError(t, Verify(server, body, v.creds(), at.Add(time.Minute), time.Minute))
		})
	}
}

// TestVerifyCases covers the requests Sign signs beyond the vectors.
func TestVerifyCases(t *testing.T) {
	t.Parallel()
	creds := Credentials{AccessKey: "AK", SecretKey: "SK", SecurityToken: "token"}
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name   string
		url    string
		header http.Header
		body   string
	}{
		{"two spellings", "https://h/p", http.Header{"X-A": {"1"}, "x-a": {"2"}}, ""},
		{"two values", "https://h/p", http.Header{"X-A": {"2", "1"}}, ""},
		{"literal plus and empty items in the query", "https://h/p?a=1+2&&b", http.Header{}, ""},
		{"given payload hash", "https://h/p", http.Header{"X-Sdk-Content-Sha256": {hexSum("body")}}, "body"},
		{"host header", "https://h:8443/p", http.Header{"Host": {"h:8443"}}, ""},
		{"many headers", "https://h/p", manyHeaders(40), "{}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(http.MethodPut, tc.url, strings.NewReader(tc.body))
			require.NoError(t, err)
			req.Header = tc.header
			require.NoError(t, Sign(req, []byte(tc.body), creds, at))
			assert.NoError(t, Verify(req, []byte(tc.body), creds, at, time.Minute))
			server, body := overTheWire(t, req)
			assert.NoError(t, Verify(server, body, creds, at, time.Minute))
		})
	}
}

func hexSum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func manyHeaders(n int) http.Header {
	h := http.Header{}
	for i := range n {
		h.Set("X-H"+strings.Repeat("a", i), "v")
	}
	return h
}

func TestVerifyDefaultSkew(t *testing.T) {
	t.Parallel()
	creds := Credentials{AccessKey: "AK", SecretKey: "SK"}
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	req, err := http.NewRequest(http.MethodGet, "https://h/p", nil)
	require.NoError(t, err)
	require.NoError(t, Sign(req, nil, creds, at))
	assert.NoError(t, Verify(req, nil, creds, at.Add(DefaultMaxSkew), 0))
	assert.NoError(t, Verify(req, nil, creds, at.Add(-DefaultMaxSkew), -time.Second))
	assert.ErrorIs(t, Verify(req, nil, creds, at.Add(DefaultMaxSkew+time.Second), 0), ErrDateSkew)
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	const secret = "S3cr3tK3yTh4tMustN3v3rL34k"
	creds := Credentials{AccessKey: "HPUAAKAKAKAKAKAKAKAK", SecretKey: secret, SecurityToken: "T0k3nV4lu3"}
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	body := []byte(`{"a":1}`)

	// signed returns a request signed at at, as a server receives it.
	signed := func(t *testing.T, edit func(*http.Request)) *http.Request {
		req, err := http.NewRequest(http.MethodPost, "https://h.example.com/v1/p?b=2&a=1", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Project-Id", "proj")
		req.Header.Set("User-Agent", "test")
		if edit != nil {
			edit(req)
		}
		require.NoError(t, Sign(req, body, creds, at))
		server, _ := overTheWire(t, req)
		return server
	}
	setAuth := func(s string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", s) }
	}
	// replaceAuth edits the Authorization header that Sign wrote.
	replaceAuth := func(old, new string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
		}
	}

	tests := []struct {
		name   string
		sign   func(*http.Request) // edits the request before signing
		tamper func(*http.Request) // edits the received request
		body   []byte              // the received body, when not body
		creds  *Credentials        // the verifier's credentials, when not creds
		now    time.Time           // the verifier's clock, when not at
		want   error
	}{
		{name: "no Authorization", tamper: func(r *http.Request) { r.Header.Del("Authorization") }, want: ErrMissingAuthorization},
		{name: "empty Authorization", tamper: setAuth(""), want: ErrMissingAuthorization},
		{name: "two Authorization headers", tamper: func(r *http.Request) { r.Header.Add("Authorization", "x") }, want: ErrMalformedAuthorization},
		{name: "algorithm only", tamper: setAuth("SDK-HMAC-SHA256"), want: ErrMalformedAuthorization},
		{name: "garbage after the algorithm", tamper: setAuth("SDK-HMAC-SHA256 garbage"), want: ErrMalformedAuthorization},
		{name: "other algorithm", tamper: replaceAuth("SDK-HMAC-SHA256", "SDK-HMAC-SM3"), want: ErrUnsupportedAlgorithm},
		{name: "lower-case algorithm", tamper: replaceAuth("SDK-HMAC-SHA256", "sdk-hmac-sha256"), want: ErrUnsupportedAlgorithm},
		{name: "items out of order", tamper: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			i, j := strings.Index(a, "Access="), strings.Index(a, ", SignedHeaders=")
			r.Header.Set("Authorization", "SDK-HMAC-SHA256 "+a[j+2:]+", "+a[i:j])
		}, want: ErrMalformedAuthorization},
		{name: "no space after comma", tamper: replaceAuth(", Signature=", ",Signature="), want: ErrMalformedAuthorization},
		{name: "empty access key", tamper: replaceAuth("Access=HPUAAKAKAKAKAKAKAKAK", "Access="), want: ErrMalformedAuthorization},
		{name: "short signature", tamper: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-1])
		}, want: ErrMalformedAuthorization},
		{name: "upper-case signature", tamper: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			i := strings.Index(a, "Signature=") + len("Signature=")
			r.Header.Set("Authorization", a[:i]+strings.ToUpper(a[i:]))
		}, want: ErrMalformedAuthorization},
		{name: "upper-case signed header", tamper: replaceAuth("user-agent", "User-Agent"), want: ErrMalformedAuthorization},
		{name: "unsorted signed headers", tamper: replaceAuth("user-agent;x-project-id", "x-project-id;user-agent"), want: ErrMalformedAuthorization},
		{name: "empty signed header name", tamper: replaceAuth("user-agent;", "user-agent;;"), want: ErrMalformedAuthorization},
		{name: "another access key", creds: &Credentials{AccessKey: "OTHERAKAKAKAKAKAKAK", SecretKey: secret}, want: ErrAccessKeyMismatch},
		{name: "x-sdk-date not signed", tamper: replaceAuth("x-sdk-date;", ""), want: ErrDateNotSigned},
		{name: "no X-Sdk-Date", tamper: func(r *http.Request) { r.Header.Del("X-Sdk-Date") }, want: ErrMissingDate},
		{name: "unparsable X-Sdk-Date", tamper: func(r *http.Request) { r.Header.Set("X-Sdk-Date", "2024-05-06T07:08:09Z") }, want: ErrInvalidDate},
		{name: "X-Sdk-Date with fractional seconds", tamper: func(r *http.Request) { r.Header.Set("X-Sdk-Date", "20240506T070809.0Z") }, want: ErrInvalidDate},
		{name: "date too old", now: at.Add(16 * time.Minute), want: ErrDateSkew},
		{name: "date in the future", now: at.Add(-16 * time.Minute), want: ErrDateSkew},
		{name: "unsigned X-Project-Id", tamper: replaceAuth("x-project-id;", ""), want: ErrUnsignedHeader},
		{name: "unsigned X-Security-Token", tamper: replaceAuth(";x-security-token", ""), want: ErrUnsignedHeader},
		{name: "X-Project-Id added", sign: func(r *http.Request) { r.Header.Del("X-Project-Id") },
			tamper: func(r *http.Request) { r.Header.Set("X-Project-Id", "other") }, want: ErrUnsignedHeader},
		{name: "X-Sdk-Content-Sha256 added", tamper: func(r *http.Request) { r.Header.Set("X-Sdk-Content-Sha256", unsignedPayload) }, want: ErrUnsignedHeader},
		{name: "signed header removed", tamper: func(r *http.Request) { r.Header.Del("User-Agent") }, want: ErrMissingSignedHeader},
		{name: "signed host missing", sign: func(r *http.Request) { r.Header.Set("Host", "h.example.com") },
			tamper: func(r *http.Request) { r.Host, r.URL.Host = "", "" }, want: ErrMissingSignedHeader},
		{name: "header value changed", tamper: func(r *http.Request) { r.Header.Set("User-Agent", "tset") }, want: ErrSignatureMismatch},
		{name: "header value added", tamper: func(r *http.Request) { r.Header.Add("User-Agent", "more") }, want: ErrSignatureMismatch},
		{name: "host changed", sign: func(r *http.Request) { r.Header.Set("Host", "h.example.com") },
			tamper: func(r *http.Request) { r.Host = "evil.example.com" }, want: ErrSignatureMismatch},
		{name: "body changed", body: []byte(`{"a":2}`), want: ErrSignatureMismatch},
		{name: "path changed", tamper: func(r *http.Request) { r.URL.Path = "/v1/q" }, want: ErrSignatureMismatch},
		{name: "query changed", tamper: func(r *http.Request) { r.URL.RawQuery = "b=3&a=1" }, want: ErrSignatureMismatch},
		{name: "method changed", tamper: func(r *http.Request) { r.Method = http.MethodPut }, want: ErrSignatureMismatch},
		{name: "date changed within the skew", tamper: func(r *http.Request) { r.Header.Set("X-Sdk-Date", "20240506T070810Z") }, want: ErrSignatureMismatch},
		{name: "signature of another key", creds: &Credentials{AccessKey: "HPUAAKAKAKAKAKAKAKAK", SecretKey: secret + "x"}, want: ErrSignatureMismatch},
		{name: "payload hash of another body", sign: func(r *http.Request) { r.Header.Set("X-Sdk-Content-Sha256", hexSum("other")) }, want: ErrPayloadHashMismatch},
		{name: "malformed query", tamper: func(r *http.Request) { r.URL.RawQuery = "a=%zz" }, want: ErrInvalidRequest},
		{name: "invalid credentials", creds: &Credentials{AccessKey: "HPUAAKAKAKAKAKAKAKAK"}, want: ErrInvalidCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := signed(t, tc.sign)
			if tc.tamper != nil {
				tc.tamper(req)
			}
			c, b, now := creds, body, at
			if tc.creds != nil {
				c = *tc.creds
			}
			if tc.body != nil {
				b = tc.body
			}
			if !tc.now.IsZero() {
				now = tc.now
			}
			err := Verify(req, b, c, now, 15*time.Minute)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.want), "got %v, want %v", err, tc.want)
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, err.Error(), creds.SecurityToken)
			// The signature the verifier expected is the one Sign gives the received
			// request; it must not be revealed.
			if expected := resign(t, req, b, c); expected != "" {
				assert.NotContains(t, err.Error(), expected)
			}
		})
	}

	t.Run("nil request", func(t *testing.T) {
		t.Parallel()
		assert.ErrorIs(t, Verify(nil, nil, creds, at, 0), ErrInvalidRequest)
		assert.ErrorIs(t, Verify(&http.Request{}, nil, creds, at, 0), ErrInvalidRequest)
	})

	t.Run("long values are cut in errors", func(t *testing.T) {
		t.Parallel()
		long := strings.Repeat("A", 1000)
		req := signed(t, nil)
		req.Header.Set("Authorization", long+" Access=x")
		err := Verify(req, body, creds, at, 0)
		assert.ErrorIs(t, err, ErrUnsupportedAlgorithm)
		assert.Less(t, len(err.Error()), 200)

		req = signed(t, nil)
		req.Header.Set("X-Sdk-Date", long)
		err = Verify(req, body, creds, at, 0)
		assert.ErrorIs(t, err, ErrInvalidDate)
		assert.Less(t, len(err.Error()), 200)
	})

	t.Run("quadratic canonical request", func(t *testing.T) {
		t.Parallel()
		// Each listing of a name covers all its values: 2000 values listed 2000 times
		// would make a canonical request of 4 million lines.
		const n = 2000
		req := signed(t, nil)
		for range n {
			req.Header.Add("X-A", "v")
		}
		req.Header.Set("Authorization", "SDK-HMAC-SHA256 Access="+creds.AccessKey+", SignedHeaders="+
			strings.Repeat("x-a;", n)+"x-project-id;x-sdk-date;x-security-token, Signature="+strings.Repeat("0", 64))
		assert.ErrorIs(t, Verify(req, body, creds, at, 0), ErrInvalidRequest)
	})
}

// resign returns the signature Verify computes for req: the one Sign gives it with the
// same SignedHeaders and date, or "" when that cannot be computed.
func resign(t *testing.T, req *http.Request, body []byte, creds Credentials) string {
	t.Helper()
	date, err := time.Parse(dateLayout, req.Header.Get("X-Sdk-Date"))
	if err != nil || creds.Validate() != nil || req.URL == nil {
		return ""
	}
	c := req.Clone(t.Context())
	c.Header.Del("Authorization")
	if Sign(c, body, creds, date) != nil {
		return ""
	}
	a := c.Header.Get("Authorization")
	return a[strings.Index(a, "Signature=")+len("Signature="):]
}
