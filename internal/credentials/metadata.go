package credentials

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	json "github.com/go-json-experiment/json/v1"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// Metadata service facts, as the official SDK uses them.
const (
	// DefaultMetadataEndpoint is the ECS/BMS instance metadata service.
	DefaultMetadataEndpoint = "http://169.254.169.254"
	// RefreshWindow is how long before expires_at the keys are refreshed on use.
	RefreshWindow = 10 * time.Minute
	// FailedRefreshBackoff is how long, after a failed refresh, the old keys are used
	// without asking the metadata service again (while they are valid).
	FailedRefreshBackoff = 30 * time.Second
	// MinRefreshInterval is the least time between two successful refreshes while the
	// cached keys are valid: keys served with less than RefreshWindow left are used
	// for this long before the metadata service is asked again.
	MinRefreshInterval = time.Minute

	tokenPath        = "/meta-data/latest/api/token"
	securityKeyPath  = "/openstack/latest/securitykey"
	headerTokenTTL   = "X-Metadata-Token-Ttl-Seconds"
	headerToken      = "X-Metadata-Token"
	tokenTTLSeconds  = 21600
	tokenReuseMargin = 5 * time.Minute
	maxMetadataBytes = 64 << 10
	errorBodyChars   = 200
)

// DefaultMetadataHTTPClient is the client for the metadata service when none is
// given: never through a proxy (the address is link-local), a 2 s connect timeout
// and a 10 s limit per request, so that a machine outside Huawei Cloud learns fast
// that there is no metadata service.
func DefaultMetadataHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
			MaxIdleConns:          2,
			IdleConnTimeout:       30 * time.Second,
			ResponseHeaderTimeout: 5 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// directHTTPClient returns the client that asks the metadata service on behalf of
// base, which never uses a proxy, so that the temporary secret key never crosses one:
// DefaultMetadataHTTPClient, with base's Timeout when set and, when base's Transport
// is an *http.Transport, a clone of it without its Proxy (keeping its dialer and TLS
// settings). Any other transport (nil, which means http.DefaultTransport, or a
// middleware whose proxy cannot be turned off from outside) is not used. Redirects
// are never followed.
func directHTTPClient(base *http.Client) *http.Client {
	c := DefaultMetadataHTTPClient()
	if base == nil {
		return c
	}
	if base.Timeout > 0 {
		c.Timeout = base.Timeout
	}
	if tr, ok := base.Transport.(*http.Transport); ok {
		tr = tr.Clone()
		tr.Proxy = nil
		c.Transport = tr
	}
	return c
}

// Metadata is a credentials provider that fetches temporary AK/SK/security token
// from the ECS/BMS instance metadata service, as the official SDK does:
//
//  1. PUT /meta-data/latest/api/token with X-Metadata-Token-Ttl-Seconds: 21600; a 200
//     body is a session token, reused until shortly before its TTL ends; 404, 405
//     and 503 mean "go on without one";
//  2. GET /openstack/latest/securitykey, with X-Metadata-Token when there is a token;
//     a 401 whose body does not ask to configure an agency first gets one new
//     session token and one retry.
//
// Keys are cached and refreshed on use when less than RefreshWindow remains before
// their expires_at, at most once per MinRefreshInterval while they are valid (so keys
// served with less than RefreshWindow left are not fetched again on every call).
// Concurrent callers share one refresh. A failed refresh keeps the old keys until they
// expire (asking again at most every FailedRefreshBackoff), then returns the error.
// Expired keys are always refreshed. Metadata is safe for concurrent use.
type Metadata struct {
	endpoint string
	client   *http.Client
	now      func() time.Time

	mu       sync.Mutex
	creds    signer.Credentials
	expires  time.Time
	retryAt  time.Time // no refresh before this while the keys are valid
	inflight *refresh
	waiting  int

	// token and tokenExpires are only used by the one refresh in flight.
	token        string
	tokenExpires time.Time
}

// refresh is one fetch that concurrent callers wait for.
type refresh struct {
	done  chan struct{}
	creds signer.Credentials
	err   error
}

// NewMetadata returns a provider for the metadata service at endpoint
// (DefaultMetadataEndpoint when empty) and now (time.Now when nil). It asks the
// service through DefaultMetadataHTTPClient, which never uses a proxy, with
// client's Timeout when set and, when client's Transport is an *http.Transport, a
// clone of it without its Proxy; client is otherwise not used. It sends nothing until
// the first Retrieve.
func NewMetadata(endpoint string, client *http.Client, now func() time.Time) *Metadata {
	if endpoint == "" {
		endpoint = DefaultMetadataEndpoint
	}
	client = directHTTPClient(client)
	if now == nil {
		now = time.Now
	}
	return &Metadata{endpoint: strings.TrimRight(endpoint, "/"), client: client, now: now}
}

// Endpoint returns the metadata service address.
func (m *Metadata) Endpoint() string { return m.endpoint }

// Retrieve returns the cached keys, refreshing them first when they have expired, or
// when they expire within RefreshWindow and the last refresh is MinRefreshInterval
// old. It implements the core CredentialsProvider.
func (m *Metadata) Retrieve(ctx context.Context) (signer.Credentials, error) {
	for {
		m.mu.Lock()
		now := m.now()
		if m.validAt(now) && (now.Before(m.expires.Add(-RefreshWindow)) || now.Before(m.retryAt)) {
			c := m.creds
			m.mu.Unlock()
			return c, nil
		}
		if r := m.inflight; r != nil {
			m.waiting++
			m.mu.Unlock()
			select {
			case <-r.done:
			case <-ctx.Done():
			}
			m.mu.Lock()
			m.waiting--
			m.mu.Unlock()
			if err := ctx.Err(); err != nil {
				return signer.Credentials{}, err
			}
			if r.err == nil {
				return r.creds, nil
			}
			if isContextError(r.err) {
				// The caller that led the refresh gave up; this one has time left.
				continue
			}
			return m.fallback(r.err)
		}
		r := &refresh{done: make(chan struct{})}
		m.inflight = r
		m.mu.Unlock()
		return m.lead(ctx, r)
	}
}

// lead runs refresh r for everyone waiting on it.
func (m *Metadata) lead(ctx context.Context, r *refresh) (signer.Credentials, error) {
	creds, expires, err := m.fetch(ctx)
	m.mu.Lock()
	switch {
	case err == nil:
		m.creds, m.expires, m.retryAt = creds, expires, m.now().Add(MinRefreshInterval)
	case !isContextError(err):
		m.retryAt = m.now().Add(FailedRefreshBackoff)
	}
	m.inflight = nil
	r.creds, r.err = creds, err
	m.mu.Unlock()
	close(r.done)
	if err != nil {
		return m.fallback(err)
	}
	return creds, nil
}

// fallback returns the old keys after a failed refresh while they are valid, else err.
func (m *Metadata) fallback(err error) (signer.Credentials, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.validAt(m.now()) {
		return m.creds, nil
	}
	if !m.expires.IsZero() {
		return signer.Credentials{}, fmt.Errorf("the metadata credentials expired at %s and could not be refreshed: %w",
			m.expires.UTC().Format(time.RFC3339), err)
	}
	return signer.Credentials{}, err
}

// validAt reports whether cached keys exist and have not expired at now. m.mu is held.
func (m *Metadata) validAt(now time.Time) bool {
	return m.creds.AccessKey != "" && now.Before(m.expires)
}

// waitingCount returns how many callers wait for a refresh in flight, for tests.
func (m *Metadata) waitingCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.waiting
}

// fetch gets fresh keys: session token, then the security key, with one token renewal
// on a 401.
func (m *Metadata) fetch(ctx context.Context) (signer.Credentials, time.Time, error) {
	tok, err := m.sessionToken(ctx, false)
	if err != nil {
		return signer.Credentials{}, time.Time{}, err
	}
	status, body, err := m.get(ctx, tok)
	if err != nil {
		return signer.Credentials{}, time.Time{}, err
	}
	if status == http.StatusUnauthorized && !agencyMissing(body) {
		if tok, err = m.sessionToken(ctx, true); err != nil {
			return signer.Credentials{}, time.Time{}, err
		}
		if status, body, err = m.get(ctx, tok); err != nil {
			return signer.Credentials{}, time.Time{}, err
		}
	}
	switch {
	case status == http.StatusOK:
		return m.decode(body)
	case status == http.StatusUnauthorized && agencyMissing(body):
		return signer.Credentials{}, time.Time{}, fmt.Errorf("metadata service %s: the instance has no agency: configure a Cloud Service Agency for it first (401: %s)",
			m.endpoint, excerpt(body))
	default:
		return signer.Credentials{}, time.Time{}, fmt.Errorf("metadata service %s: GET %s: %d %s",
			m.endpoint, securityKeyPath, status, excerpt(body))
	}
}

// sessionToken returns the cached session token, or a new one when renew is set or
// the cached one is near its end. "" means the service has no token API.
func (m *Metadata) sessionToken(ctx context.Context, renew bool) (string, error) {
	now := m.now()
	if !renew && m.token != "" && now.Before(m.tokenExpires) {
		return m.token, nil
	}
	m.token = ""
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, m.endpoint+tokenPath, http.NoBody)
	if err != nil {
		return "", fmt.Errorf("metadata service %s: %w", m.endpoint, err)
	}
	req.Header.Set(headerTokenTTL, strconv.Itoa(tokenTTLSeconds))
	status, body, err := m.do(req)
	if err != nil {
		return "", err
	}
	switch status {
	case http.StatusOK:
		tok := strings.TrimSpace(string(body))
		if tok == "" {
			return "", fmt.Errorf("metadata service %s: PUT %s: empty session token", m.endpoint, tokenPath)
		}
		m.token = tok
		m.tokenExpires = now.Add(tokenTTLSeconds*time.Second - tokenReuseMargin)
		return tok, nil
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusServiceUnavailable:
		return "", nil
	default:
		return "", fmt.Errorf("metadata service %s: PUT %s: %d %s", m.endpoint, tokenPath, status, excerpt(body))
	}
}

// get asks for the security key with token, if any.
func (m *Metadata) get(ctx context.Context, token string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.endpoint+securityKeyPath, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("metadata service %s: %w", m.endpoint, err)
	}
	if token != "" {
		req.Header.Set(headerToken, token)
	}
	return m.do(req)
}

// do sends req and reads a capped body.
func (m *Metadata) do(req *http.Request) (int, []byte, error) {
	resp, err := m.client.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return 0, nil, ctxErr
		}
		return 0, nil, fmt.Errorf("metadata service %s: %s %s: %w", m.endpoint, req.Method, req.URL.Path, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	if err != nil {
		return 0, nil, fmt.Errorf("metadata service %s: %s %s: reading the reply: %w", m.endpoint, req.Method, req.URL.Path, err)
	}
	if len(body) > maxMetadataBytes {
		return 0, nil, fmt.Errorf("metadata service %s: %s %s: reply larger than %d bytes", m.endpoint, req.Method, req.URL.Path, maxMetadataBytes)
	}
	return resp.StatusCode, body, nil
}

// decode reads the securitykey reply. Its error messages never quote the body, which
// holds the secret.
func (m *Metadata) decode(body []byte) (signer.Credentials, time.Time, error) {
	var reply struct {
		Credential *struct {
			Access        string `json:"access"`
			Secret        string `json:"secret"`
			SecurityToken string `json:"securitytoken"`
			ExpiresAt     string `json:"expires_at"`
		} `json:"credential"`
	}
	fail := func(format string, args ...any) (signer.Credentials, time.Time, error) {
		return signer.Credentials{}, time.Time{}, fmt.Errorf("metadata service %s: GET %s: %s", m.endpoint, securityKeyPath, fmt.Sprintf(format, args...))
	}
	if err := json.Unmarshal(body, &reply); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fail("the reply is not JSON (offset %d)", se.Offset)
		}
		return fail("unexpected reply: %v", err)
	}
	c := reply.Credential
	switch {
	case c == nil:
		return fail("the reply has no credential object")
	case c.Access == "" || c.Secret == "":
		return fail("the reply lacks credential.access or credential.secret")
	case c.ExpiresAt == "":
		return fail("the reply lacks credential.expires_at")
	}
	expires, err := time.Parse(time.RFC3339Nano, c.ExpiresAt)
	if err != nil {
		return fail("credential.expires_at %q is not an RFC 3339 time", c.ExpiresAt)
	}
	if !m.now().Before(expires) {
		return fail("the credentials expired at %s already", c.ExpiresAt)
	}
	return signer.Credentials{AccessKey: c.Access, SecretKey: c.Secret, SecurityToken: c.SecurityToken}, expires, nil
}

// agencyMissing reports whether a 401 body says the instance has no agency, the one
// 401 a new session token cannot fix.
func agencyMissing(body []byte) bool {
	return strings.Contains(strings.ToLower(string(body)), "agency first")
}

// excerpt is the start of an error reply, on one line.
func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > errorBodyChars {
		s = s[:errorBodyChars] + "..."
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// unwrapURLError drops the *url.Error around err, whose text repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
