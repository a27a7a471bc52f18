package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	json "github.com/go-json-experiment/json/v1"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
)

// Version is the library version sent in the User-Agent.
const Version = "0.1.0"

// Client sends the calls of one service through the signed, retrying transport.
// It is safe for concurrent use.
type Client struct {
	service   string
	base      *url.URL
	project   projectSource
	userAgent string
	maxBytes  int64
	clock     Clock
	policy    RetryPolicy
	rc        *retryablehttp.Client // JSON calls: Do
	stream    *retryablehttp.Client // streamed replies: Stream
	observer  Observer
}

// NewClient validates cfg and builds the pipeline for service (one of the Service
// constants).
func NewClient(service string, cfg Config) (*Client, error) {
	list, err := validateConfig(&cfg, service)
	if err != nil {
		return nil, err
	}
	var endpoints []*url.URL
	for _, e := range list {
		u, err := url.Parse(e)
		if err != nil {
			return nil, fmt.Errorf("%s: config: endpoint %q: %w", service, e, err)
		}
		endpoints = append(endpoints, u)
	}
	var base http.RoundTripper
	if cfg.HTTPClient != nil {
		base = cfg.HTTPClient.Transport
	}
	if base == nil {
		base = defaultTransport()
	}
	var project projectSource = staticProject(cfg.ProjectID)
	if cfg.ProjectID == "" {
		r, err := newProjectResolver(&cfg, base)
		if err != nil {
			return nil, fmt.Errorf("%s: config: IAMEndpoint: %w", service, err)
		}
		project = r
	}
	return buildClient(service, &cfg, endpoints, base, project), nil
}

// buildClient assembles the pipeline, outermost first: retries, endpoint failover
// (with several endpoints), authentication, base transport.
func buildClient(service string, cfg *Config, endpoints []*url.URL, base http.RoundTripper, project projectSource) *Client {
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	hc := &http.Client{CheckRedirect: noRedirect}
	hc.Transport = authTransport(cfg, base)
	if len(endpoints) > 1 {
		hc.Transport = &failover{next: hc.Transport, endpoints: endpoints, logger: cfg.Logger}
	}
	// A JSON call's timeout covers its whole reply; a stream's, only its headers.
	sc := &http.Client{CheckRedirect: noRedirect, Transport: hc.Transport}
	if cfg.HTTPClient != nil && cfg.HTTPClient.Timeout > 0 {
		hc.Timeout = cfg.HTTPClient.Timeout
		sc.Transport = &headerTimeout{next: hc.Transport, d: cfg.HTTPClient.Timeout}
	}
	ua := "hcloudlogs-go/" + Version
	if cfg.UserAgent != "" {
		ua += " " + cfg.UserAgent
	}
	maxBytes := cfg.MaxResponseBytes
	if maxBytes == 0 {
		maxBytes = hcloud.DefaultMaxResponseBytes
	}
	r := &retrier{policy: clientPolicy(cfg.Retry), clock: ClockOf(cfg), logger: cfg.Logger}
	return &Client{
		service:   service,
		base:      endpoints[0],
		project:   project,
		userAgent: ua,
		maxBytes:  maxBytes,
		clock:     r.clock,
		policy:    r.policy,
		rc:        newRetryClient(r, hc),
		stream:    newRetryClient(r, sc),
		observer:  cfg.Observer,
	}
}

// defaultTransport is a clone of http.DefaultTransport (proxies from the environment,
// TLS verification on) that keeps more idle connections per host.
func defaultTransport() http.RoundTripper {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		t = t.Clone()
		// A client is shared by many goroutines talking to one host: keep their
		// connections rather than net/http's default of 2 idle per host.
		t.MaxIdleConnsPerHost = 64
		return t
	}
	return http.DefaultTransport
}

// Clock returns the client's clock, for waiters.
func (c *Client) Clock() Clock { return c.clock }

// Call describes one operation invocation.
type Call struct {
	// Op names the operation; it prefixes every error.
	Op string
	// Method is the HTTP method.
	Method string
	// Path is the path template, e.g. "/v1.0/{project_id}/clusters/{ClusterID}/logs/records".
	// {project_id} is filled from the config; every other {Field} takes the next value of
	// Params, in order, and is named by Field in validation errors.
	Path string
	// Params are the path parameter values, in template order.
	Params []string
	// Query is the query string; nil for none.
	Query url.Values
	// Header holds the operation's own request headers; nil for none. Each key replaces
	// the pipeline's default of that name (Accept, Content-Type, User-Agent: all JSON by
	// default), and a key with no values removes the default. The per-call options'
	// headers and the authentication headers are not affected.
	Header http.Header
	// Body is marshalled as the JSON body; nil sends no body.
	Body any
	// Options are the caller's per-call options.
	Options hcloud.CallOptions
}

// Meta is what every response reports about its HTTP reply.
type Meta = hcloud.ResponseMetadata

// MetaOf returns the metadata of resp.
func MetaOf(resp *http.Response) Meta {
	return Meta{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id"), Header: resp.Header}
}

// Do sends call and decodes a 2xx JSON reply into out. With out nil the reply must be
// empty or valid JSON, and is discarded.
//
// The reply is read inside the retry loop, so a GET whose body breaks off (a connection
// reset mid-body) is retried like any transport error. A reply larger than
// Config.MaxResponseBytes is refused, before reading when its Content-Length says so.
func (c *Client) Do(ctx context.Context, call *Call, out any) (Meta, error) {
	st := new(attemptState)
	resp, body, attempts, err := c.send(ctx, st, call, true)
	if err != nil {
		st.endCall(err)
		return Meta{}, err
	}
	defer body.release()
	var data []byte
	if body != nil {
		data = body.Bytes()
	}
	st.endRead(len(data))
	meta := MetaOf(resp)
	if err := decodeJSON(data, out); err != nil {
		rerr := &RequestError{Service: c.service, Operation: call.Op, Attempts: attempts,
			StatusCode: meta.StatusCode, RequestID: meta.RequestID, Err: err}
		st.endCall(rerr)
		return meta, rerr
	}
	st.endCall(nil)
	return meta, nil
}

// Stream sends call and returns a 2xx reply with its body unread: the caller reads and
// closes it. Errors are as for Do. Config.HTTPClient.Timeout bounds each attempt's wait
// for the reply's headers, not the reading of its body.
func (c *Client) Stream(ctx context.Context, call *Call) (*http.Response, error) {
	st := new(attemptState)
	resp, _, _, err := c.send(ctx, st, call, false)
	if err != nil {
		st.endCall(err)
		return nil, err
	}
	resp.Body = st.observeBody(resp.Body)
	return resp, nil
}

// Op returns the operation descriptor for name, for validation errors.
func (c *Client) Op(name string) Op { return Op{Service: c.service, Name: name} }

// send builds the request, runs it through the retry loop with st and turns a non-2xx
// reply into an *APIError. With read, a 2xx body is read (size-capped) within the loop
// and returned, its response body closed; without, the caller owns resp.Body.
func (c *Client) send(ctx context.Context, st *attemptState, call *Call, read bool) (*http.Response, *buffer, int, error) {
	op := c.Op(call.Op)
	pid, static := c.project.(staticProject)
	u, err := c.url(op, call, string(pid))
	if err != nil {
		return nil, nil, 0, err
	}
	if p := call.Options.Retry; p != nil {
		if err := p.Validate(); err != nil {
			return nil, nil, 0, op.Invalid("WithRetry", "%v", err)
		}
	}
	policy := c.policyFor(call.Options)
	if err := checkHeaders(op, call.Options.Header); err != nil {
		return nil, nil, 0, err
	}
	var body []byte
	if call.Body != nil {
		if body, err = json.Marshal(call.Body); err != nil {
			return nil, nil, 0, op.Invalid("body", "cannot be encoded as JSON: %v", err)
		}
	}
	ctx = c.startCall(ctx, st, call)
	if !static {
		// The call is valid: now look the project up (cached per access key and region).
		id, err := c.project.projectID(ctx)
		if err != nil {
			return nil, nil, 0, &RequestError{Service: c.service, Operation: call.Op, Err: fmt.Errorf("looking up the project ID: %w", err)}
		}
		pid = staticProject(id)
		if u, err = c.url(op, call, id); err != nil {
			return nil, nil, 0, err
		}
	}
	st.method, st.policy = call.Method, policy
	ctx = context.WithValue(ctx, attemptKey{}, st)
	var raw any
	if body != nil {
		raw = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, call.Method, "", raw)
	if err != nil {
		return nil, nil, 0, &RequestError{Service: c.service, Operation: call.Op, Err: err}
	}
	req.URL = u
	req.Host = u.Host
	for k, v := range call.Options.Header {
		req.Header[k] = append(req.Header[k], v...)
	}
	// Content-Type on every request, body or not, as the official SDKs send it; the
	// signature leaves it out, so it does not change it.
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range call.Header {
		if len(v) == 0 {
			req.Header.Del(k)
		} else {
			req.Header[http.CanonicalHeaderKey(k)] = v
		}
	}
	if pid != "" {
		req.Header.Set("X-Project-Id", string(pid))
	}
	if read {
		req.SetResponseHandler(func(resp *http.Response) error {
			if resp.StatusCode < 200 || resp.StatusCode >= 300 {
				return nil
			}
			defer resp.Body.Close()
			st.body.release()
			st.status, st.requestID = resp.StatusCode, resp.Header.Get("X-Request-Id")
			b, err := readBody(resp, c.maxBytes)
			st.body = b
			return err
		})
	}
	rc := c.rc
	if !read {
		rc = c.stream
	}
	resp, err := rc.Do(req)
	if err != nil {
		st.body.release()
		var le *localError
		if errors.As(err, &le) {
			err = le.err
		}
		return nil, nil, st.attempts, &RequestError{Service: c.service, Operation: call.Op, Attempts: st.attempts,
			StatusCode: st.status, RequestID: st.requestID, Err: unwrapURLError(err), BudgetExhausted: st.exhausted}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		st.succeeded()
		return resp, st.body, st.attempts, nil
	}
	defer resp.Body.Close()
	st.body.release()
	ae := c.apiError(call.Op, resp, st.attempts)
	ae.BudgetExhausted = st.exhausted
	return nil, nil, st.attempts, ae
}

// policyFor returns the retry policy of a call with options o, defaults filled in:
// WithRetry's, drawing on the client's budget when it names none, else the client's.
func (c *Client) policyFor(o hcloud.CallOptions) RetryPolicy {
	if o.Retry == nil {
		return c.policy
	}
	p := retryDefaults(*o.Retry)
	if p.Budget == nil {
		p.Budget = c.policy.Budget
	}
	return p
}

// reservedHeaders are set by the pipeline itself; WithHeader cannot replace them.
var reservedHeaders = []string{"Authorization", "X-Sdk-Date", "Host", "X-Project-Id",
	"X-Security-Token", "X-Auth-Token", "Content-Type", "Content-Length"}

// checkHeaders refuses per-call headers that the pipeline sets itself or that are
// not valid HTTP.
func checkHeaders(op Op, h http.Header) error {
	for k, vs := range h {
		for _, r := range reservedHeaders {
			if strings.EqualFold(k, r) {
				return op.Invalid("WithHeader", "%s is set by the client and cannot be replaced", r)
			}
		}
		if k == "" || strings.IndexFunc(k, notTokenRune) >= 0 {
			return op.Invalid("WithHeader", "%q is not a valid header name", k)
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				return op.Invalid("WithHeader", "the value of %s contains a line break or NUL", k)
			}
		}
	}
	return nil
}

// notTokenRune reports a rune not allowed in an HTTP header name (RFC 9110 token).
func notTokenRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("!#$%&'*+-.^_`|~", r)
}

// unwrapURLError drops net/http's *url.Error, whose text repeats the full URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// apiError reads a non-2xx reply (size-capped) into an *APIError.
func (c *Client) apiError(opName string, resp *http.Response, attempts int) *APIError {
	limit := min(c.maxBytes, 64<<10)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, limit))
	e := &APIError{
		Service:    c.service,
		Operation:  opName,
		StatusCode: resp.StatusCode,
		RequestID:  resp.Header.Get("X-Request-Id"),
		Attempts:   attempts,
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		e.Message = "redirect"
		if loc := resp.Header.Get("Location"); loc != "" {
			e.Message += " to " + loc
		}
		e.Message += " not followed (a signed request is never replayed elsewhere)"
	} else {
		e.Code, e.Message = ParseErrorBody(body)
		e.Message = truncate(e.Message, errorMessageLimit)
	}
	if len(body) > errorBodyLimit {
		body = body[:errorBodyLimit]
	}
	e.Body = body
	return e
}

// url builds the request URL from the endpoint, the call's path template and the
// project ID.
func (c *Client) url(op Op, call *Call, projectID string) (*url.URL, error) {
	// Size both paths up front: one allocation each instead of one per growth.
	n := len(c.base.Path) + len(call.Path) + len(projectID)
	for _, p := range call.Params {
		n += len(p)
	}
	var decoded, escaped strings.Builder
	decoded.Grow(n)
	escaped.Grow(n + n/2)
	decoded.WriteString(c.base.Path)
	escaped.WriteString(c.base.EscapedPath())
	tmpl := call.Path
	next := 0
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			decoded.WriteString(tmpl)
			escaped.WriteString(tmpl)
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			return nil, op.Invalid("path", "template %q is malformed", call.Path)
		}
		decoded.WriteString(tmpl[:i])
		escaped.WriteString(tmpl[:i])
		name := tmpl[i+1 : i+j]
		tmpl = tmpl[i+j+1:]
		var v string
		if name == "project_id" {
			v = projectID
		} else {
			if next >= len(call.Params) {
				return nil, op.Invalid(name, "has no value in the call")
			}
			v = call.Params[next]
			next++
			if err := checkPathParam(op, name, v); err != nil {
				return nil, err
			}
		}
		decoded.WriteString(v)
		escaped.WriteString(url.PathEscape(v))
	}
	u := &url.URL{Scheme: c.base.Scheme, Host: c.base.Host, Path: decoded.String(), RawPath: escaped.String()}
	if len(call.Query) > 0 {
		u.RawQuery = EncodeQuery(call.Query)
	}
	return u, nil
}

// idParams are the path parameters that hold the ID of a cluster, server or host,
// checked by Op.ID in every service.
var idParams = map[string]bool{"ClusterID": true, "ServerID": true, "HostID": true}

// checkPathParam refuses path parameters that would be empty or could not stay one
// segment once escaped, and cluster, server and host IDs that Op.ID refuses.
func checkPathParam(op Op, field, v string) error {
	if idParams[field] {
		return op.ID(field, v)
	}
	if strings.TrimSpace(v) == "" {
		return op.Invalid(field, "is required")
	}
	if v == "." || v == ".." {
		return op.Invalid(field, "%q is not a valid ID", v)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return op.Invalid(field, "%q contains a control character", v)
		}
	}
	return nil
}

// EncodeQuery encodes q with keys sorted and spaces as %20, never '+'.
func EncodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}

// errorMessageLimit bounds APIError.Message, so that a gateway's HTML page or a hostile
// body cannot flood a log line; Body keeps the start of the raw reply.
const errorMessageLimit = 1 << 10

// truncate shortens s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "… (truncated)"
}

// errBodyTooLarge reports a reply over the configured cap.
type errBodyTooLarge struct{ max int64 }

func (e errBodyTooLarge) Error() string {
	return fmt.Sprintf("response body exceeds %d bytes (Config.MaxResponseBytes)", e.max)
}

// readBody reads a whole reply of at most max bytes into a pooled buffer. A body over
// the cap is a localError (never retried); a read failure is returned as it is, so a
// broken-off GET is retried.
func readBody(resp *http.Response, max int64) (*buffer, error) {
	if resp.ContentLength > max {
		return nil, &localError{errBodyTooLarge{max}}
	}
	b := getBuffer()
	if resp.ContentLength > 0 {
		// ReadFrom wants MinRead bytes free before it sees the end of the body.
		b.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	n, err := b.ReadFrom(io.LimitReader(resp.Body, max+1))
	if err != nil {
		b.release()
		return nil, err
	}
	if n > max {
		b.release()
		return nil, &localError{errBodyTooLarge{max}}
	}
	return b, nil
}

// decodeJSON decodes body into out. An empty body leaves out unchanged; with out nil a
// non-empty body must still be valid JSON.
func decodeJSON(body []byte, out any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if out == nil {
		if !json.Valid(body) {
			return errors.New("decode response: the body is not valid JSON")
		}
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	return nil
}

// buffer is a pooled read buffer for reply bodies.
type buffer struct{ bytes.Buffer }

var bufferPool = sync.Pool{New: func() any { return new(buffer) }}

func getBuffer() *buffer { return bufferPool.Get().(*buffer) }

// release returns b to the pool unless it grew too large to keep; nil is a no-op.
func (b *buffer) release() {
	if b == nil {
		return
	}
	if b.Cap() <= 1<<20 {
		b.Reset()
		bufferPool.Put(b)
	}
}
