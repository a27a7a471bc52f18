// Package fake is the machinery shared by the public fake servers (csstest, hsstest,
// dwstest, baremetaltest): a loopback HTTP server that authenticates requests the way
// Huawei Cloud's API Gateway does (an SDK-HMAC-SHA256 signature checked with
// signer.Verify, or an IAM token), checks the project, routes each request to the
// handler a fake registered, counts requests per route and injects faults on demand.
//
// Every request goes through these steps, in order:
//
//  1. An X-Request-Id (32 random hex digits) is set on the response.
//  2. The request is matched against the registered routes; no match (unknown path,
//     wrong method, or a path that is not in canonical form) answers
//     404 APIG.0101. A match is counted for Requests.
//  3. The body is read: more than MaxRequestBody bytes answers 413 APIG.0201.
//  4. Authentication: in token mode (Options.AuthToken), X-Auth-Token must equal the
//     token, else 401 APIG.0307; otherwise signer.Verify must accept the signature
//     with the server's Credentials and clock, else 401 APIG.0301.
//  5. Project: the {project_id} path value, when the route has one, and the
//     X-Project-Id header, when present, must equal ProjectID, else 403 APIG.0302.
//  6. Faults: the first active matching fault (see Fault) acts.
//  7. The route's handler runs.
//
// What a user of the fakes reads (Fault, Injected, ResetMode, MinOversize,
// MaxRequestBody, the gateway's error codes) is defined in the public package
// hcloudtest, where go doc shows it; this package aliases those names.
package fake

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest"
	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// MaxRequestBody is hcloudtest.MaxRequestBody, the largest request body a fake accepts.
const MaxRequestBody = hcloudtest.MaxRequestBody

// DefaultMaxSkew is how far X-Sdk-Date may be from the server's clock when
// Options.MaxSkew is not set: 15 minutes, as on API Gateway.
const DefaultMaxSkew = signer.DefaultMaxSkew

// HeaderRequestID is the response header carrying the request ID.
const HeaderRequestID = "X-Request-Id"

// Error codes of the replies the server itself makes, before any handler runs, and
// the default code of a fault: hcloudtest's, which documents them.
const (
	// CodeAPINotFound is hcloudtest.CodeAPINotFound.
	CodeAPINotFound = hcloudtest.CodeAPINotFound
	// CodeBadRequestBody is hcloudtest.CodeBadRequestBody.
	CodeBadRequestBody = hcloudtest.CodeBadRequestBody
	// CodeBadSignature is hcloudtest.CodeBadSignature.
	CodeBadSignature = hcloudtest.CodeBadSignature
	// CodeForbidden is hcloudtest.CodeForbidden.
	CodeForbidden = hcloudtest.CodeForbidden
	// CodeBadToken is hcloudtest.CodeBadToken.
	CodeBadToken = hcloudtest.CodeBadToken
	// CodeFault is hcloudtest.CodeFault.
	CodeFault = hcloudtest.CodeFault
)

// msgAPINotFound is the message of CodeAPINotFound.
const msgAPINotFound = "the API does not exist or has not been published"

// Options configures a Server. The zero value is a server with the real clock that
// checks AK/SK signatures.
type Options struct {
	// Service is the service ID the fake stands in for (e.g. "css"): Config lists the
	// server's URL under it in ServiceEndpoints.
	Service string
	// Clock is the server's clock: it judges X-Sdk-Date and is what Now returns, so
	// fakes compute job states from it. Nil is the real clock. Injected Delays always
	// wait in real time.
	Clock core.Clock
	// AuthToken, when set, switches the server to token mode: requests must carry
	// X-Auth-Token equal to it and are not checked for a signature.
	AuthToken string
	// MaxSkew is how far X-Sdk-Date may be from the server's clock; zero or negative
	// means DefaultMaxSkew.
	MaxSkew time.Duration
	// Logf, when set, receives one line per rejected request, per fault that acts and
	// per error of the underlying http.Server, e.g. t.Logf. It is called from request
	// goroutines until Close returns.
	Logf func(format string, args ...any)
}

// Server is a fake API server listening on a random loopback port. Create it with New
// and stop it with Close. Its methods are safe for concurrent use. URL, ProjectID and
// Credentials describe the server; it keeps its own copies, so changing them has no
// effect.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:port".
	URL string
	// ProjectID is the project the server accepts: 32 random hex digits.
	ProjectID string
	// Credentials are the AK/SK the server verifies signatures with: a random
	// 20-character upper-case alphanumeric AK and a 40-character alphanumeric SK.
	Credentials signer.Credentials

	projectID string // the copies the server checks requests against
	creds     signer.Credentials
	service   string
	token     string
	clock     core.Clock
	maxSkew   time.Duration
	logf      func(format string, args ...any)

	mux       *http.ServeMux
	srv       *http.Server
	serveDone chan struct{} // closed when Serve returns
	done      chan struct{} // closed when Close starts
	closeOnce sync.Once
	inflight  sync.WaitGroup // requests being served
	total     atomic.Int64

	mu       sync.Mutex
	closed   bool
	routes   map[string]*route
	faults   []*injected // active faults in injection order
	hijacked map[net.Conn]struct{}
}

// New starts a Server on 127.0.0.1 with a random port. Like httptest.NewServer, it
// panics if no loopback port can be listened on, which only happens on a broken host.
func New(o Options) *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("fake: cannot listen on a loopback port: %v", err))
	}
	s := &Server{
		URL:       "http://" + ln.Addr().String(),
		ProjectID: NewHex(32),
		Credentials: signer.Credentials{
			AccessKey: randomString(20, upperAlnum),
			SecretKey: randomString(40, alnum),
		},
		service:   o.Service,
		token:     o.AuthToken,
		clock:     o.Clock,
		maxSkew:   o.MaxSkew,
		logf:      o.Logf,
		mux:       http.NewServeMux(),
		serveDone: make(chan struct{}),
		done:      make(chan struct{}),
		routes:    make(map[string]*route),
		hijacked:  make(map[net.Conn]struct{}),
	}
	s.projectID = s.ProjectID
	s.creds = s.Credentials
	if s.maxSkew <= 0 {
		s.maxSkew = DefaultMaxSkew
	}
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serve),
		ReadHeaderTimeout: time.Minute,
	}
	if s.logf != nil {
		s.srv.ErrorLog = log.New(logWriter(s.logf), "", 0)
	}
	go func() {
		defer close(s.serveDone)
		_ = s.srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	return s
}

// logWriter adapts a Logf function to an io.Writer for http.Server.ErrorLog.
type logWriter func(format string, args ...any)

func (f logWriter) Write(p []byte) (int, error) {
	f("fake: http: %s", bytes.TrimRight(p, "\n"))
	return len(p), nil
}

// Close stops the server: it stops listening, closes every connection (hijacked ones
// included), wakes injected Delays and waits for the requests being served to return.
// Calling it again does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		conns := make([]net.Conn, 0, len(s.hijacked))
		for c := range s.hijacked {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		close(s.done)
		_ = s.srv.Close()
		for _, c := range conns {
			_ = c.Close()
		}
		s.inflight.Wait()
		<-s.serveDone
	})
}

// Config returns a client configuration for the server: its URL as the endpoint of its
// service (http allowed), ProjectID, and Credentials, or the AuthToken in token mode,
// the server's Clock when one was given, and a new retry budget of the default
// capacity, shared by the clients built from this Config.
func (s *Server) Config() core.Config {
	cfg := core.Config{
		ServiceEndpoints:  map[string][]string{s.service: {s.URL}},
		AllowInsecureHTTP: true,
		ProjectID:         s.projectID,
		Clock:             s.clock,
		Retry:             hcloud.RetryPolicy{Budget: hcloud.NewRetryBudget(hcloud.DefaultRetryBudgetCapacity)},
	}
	if s.token != "" {
		cfg.AuthToken = s.token
	} else {
		cfg.Credentials = s.creds
	}
	return cfg
}

// Now returns the time on the server's clock.
func (s *Server) Now() time.Time {
	if s.clock != nil {
		return s.clock.Now()
	}
	return time.Now()
}

// route is one registered pattern and its handler.
type route struct {
	s          *Server
	pattern    string
	handler    HandlerFunc
	hasProject bool // the pattern has a {project_id} wildcard
	requests   atomic.Int64
}

func (rt *route) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.s.serveRoute(rt, w, r) }

// Handle registers h for pattern, a net/http.ServeMux pattern such as
// "GET /v1.0/{project_id}/clusters/{cluster_id}/logs/records". The pattern string also
// names the route for Fault.Route and Requests. A {project_id} wildcard must equal
// ProjectID. Wildcards match escaped path segments, so an ID sent as "a%2Fb" reaches
// the handler as r.PathValue(...) == "a/b". Like ServeMux.Handle, Handle panics when
// pattern is invalid or conflicts with a registered one; fakes register constant
// patterns in their constructors.
func (s *Server) Handle(pattern string, h HandlerFunc) {
	rt := &route{s: s, pattern: pattern, handler: h, hasProject: strings.Contains(pattern, "{project_id}")}
	s.mux.Handle(pattern, rt)
	s.mu.Lock()
	s.routes[pattern] = rt
	s.mu.Unlock()
}

// Requests returns how many requests matched route (a pattern as registered), whether
// or not they were then authenticated, faulted or served. It is 0 for an unknown route.
func (s *Server) Requests(route string) int {
	s.mu.Lock()
	rt := s.routes[route]
	s.mu.Unlock()
	if rt == nil {
		return 0
	}
	return int(rt.requests.Load())
}

// RequestsTotal returns how many requests the server received, on any path.
func (s *Server) RequestsTotal() int { return int(s.total.Load()) }

// routeNames returns the registered patterns, sorted, for error messages.
func (s *Server) routeNames() []string {
	return slices.Sorted(maps.Keys(s.routes))
}

// printf logs through Options.Logf, when set.
func (s *Server) printf(format string, args ...any) {
	if s.logf != nil {
		s.logf(format, args...)
	}
}

// serve is the server's handler: request ID, counting and routing.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		WriteError(w, http.StatusServiceUnavailable, CodeFault, "fake: the server is closed")
		return
	}
	s.inflight.Add(1)
	s.mu.Unlock()
	defer s.inflight.Done()

	w.Header().Set(HeaderRequestID, NewHex(32))
	s.total.Add(1)
	if h, _ := s.mux.Handler(r); !isRoute(h) {
		s.reject(w, r, http.StatusNotFound, CodeAPINotFound, msgAPINotFound)
		return
	}
	s.mux.ServeHTTP(w, r) // sets the path values and calls route.ServeHTTP
}

// isRoute reports whether h is a registered route rather than ServeMux's not-found,
// method-not-allowed or redirect handler.
func isRoute(h http.Handler) bool {
	_, ok := h.(*route)
	return ok
}

// reject answers an error the server makes itself, and logs it.
func (s *Server) reject(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	s.printf("fake: %s %s: %d %s: %s", r.Method, r.URL.RequestURI(), status, code, msg)
	WriteError(w, status, code, msg)
}

// serveRoute runs steps 3 to 7 of the package comment for a request that matched rt.
func (s *Server) serveRoute(rt *route, w http.ResponseWriter, r *http.Request) {
	rt.requests.Add(1)
	body, err := readBody(r)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			s.reject(w, r, http.StatusRequestEntityTooLarge, CodeBadRequestBody, "Request entity too large")
		} else {
			s.reject(w, r, http.StatusBadRequest, CodeBadRequestBody, "API request error: "+err.Error())
		}
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if status, code, msg := s.authenticate(r, body); status != 0 {
		s.reject(w, r, status, code, msg)
		return
	}
	if msg := s.checkProject(rt, r); msg != "" {
		s.reject(w, r, http.StatusForbidden, CodeForbidden, msg)
		return
	}
	if inj := s.matchFault(rt.pattern); inj != nil {
		s.printf("fake: %s %s: fault %s", r.Method, r.URL.RequestURI(), describe(&inj.f))
		s.apply(inj, rt, w, r, body)
		return
	}
	rt.handler(w, r, body)
}

// errTooLarge reports a request body over MaxRequestBody.
var errTooLarge = errors.New("request body too large")

// readBody reads the request body, failing when it is longer than MaxRequestBody. It
// reads a declared oversized body up to the limit too, rather than refusing it at once,
// so that a client sending a body just over the limit reads the 413 instead of a reset.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxRequestBody {
		return nil, errTooLarge
	}
	return b, nil
}

// authenticate checks the token or the signature. It returns a zero status when the
// request is authentic, else the status, code and message to answer.
func (s *Server) authenticate(r *http.Request, body []byte) (status int, code, msg string) {
	if s.token != "" {
		got := r.Header.Get("X-Auth-Token")
		switch {
		case got == "":
			return http.StatusUnauthorized, CodeBadToken, "The token must be updated: the request has no X-Auth-Token header"
		case subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1:
			return http.StatusUnauthorized, CodeBadToken, "The token must be updated: X-Auth-Token is not valid"
		}
		return 0, "", ""
	}
	if err := signer.Verify(r, body, s.creds, s.Now(), s.maxSkew); err != nil {
		return http.StatusUnauthorized, CodeBadSignature, "Incorrect IAM authentication information: " + err.Error()
	}
	return 0, "", ""
}

// checkProject returns why the request is for another project, or "".
func (s *Server) checkProject(rt *route, r *http.Request) string {
	if rt.hasProject {
		if p := r.PathValue("project_id"); p != s.projectID {
			return fmt.Sprintf("The IAM user is not authorized to access the API: project %q in the path is not the project of the credentials", p)
		}
	}
	if v, ok := r.Header["X-Project-Id"]; ok && (len(v) != 1 || v[0] != s.projectID) {
		return fmt.Sprintf("The IAM user is not authorized to access the API: X-Project-Id %q is not the project of the credentials", strings.Join(v, ","))
	}
	return ""
}

// sleep waits d in real time. It reports false when the request's context ended or
// the server closed first.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}
