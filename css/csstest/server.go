// Package csstest is an in-memory fake of the CSS log backup APIs for tests and
// examples: a real HTTP server on a random loopback port that checks signatures the
// way Huawei Cloud's API Gateway does, keeps clusters, log settings and log backup jobs
// in memory, and answers with the service's wire JSON (numeric createAt included).
//
//	srv := csstest.NewServer()
//	defer srv.Close()
//	srv.AddCluster("4213d908-f5dc-4633-8401-cfd7175fca0c")
//	client, err := css.New(srv.Config())
//
// A log backup job started with CreateLogBackup runs for the job duration (default
// 2 s, WithJobDuration) on the server's clock, then succeeds, or fails with the
// WithJobFailure message. Job states are computed from the clock when asked, so a fake
// clock (WithClock) makes them deterministic.
//
// What it simulates, beyond the gateway checks of every fake (401 APIG.0301 for a bad
// signature, 401 APIG.0307 for a bad token, 403 APIG.0302 for another project, 404
// APIG.0101 for an unknown route, an X-Request-Id on every reply):
//
//   - 404 CodeClusterNotFound for a cluster not added with AddCluster;
//   - 409 CodeJobRunning for CreateLogBackup while a job of the cluster runs;
//   - 412 CodeLogBackupDisabled for CreateLogBackup and SetAutoBackupPolicy while log
//     backup is off;
//   - 400 CodeInvalidParameter for a bad offset, limit or status query, or a bad body;
//   - the job list newest first, with 1-based offset, limit (1..1000), the FAIL /
//     NOT_FAIL status filter and totalSize. The documented offset ceiling of 1000 is not
//     enforced unless WithOffsetCeiling asks for it, so seeded lists of any length can be
//     paged through.
//
// Options reproduce the ways a real service may serve the list, so that code can be
// tested against each:
//
//   - WithPageCap(n): at most n jobs per page whatever limit asks for, with totalSize
//     still counting every job (asked for 200, 100 are sent);
//   - WithPositionParam: honour only offset (the default, as documented and as the
//     official SDKs send), only start (as Huawei's Terraform provider sends), or
//     neither (every page starts at the first job);
//   - WithOldestFirst: the list oldest first instead of newest first;
//   - WithoutTotal: no totalSize in the reply (the documentation's example has none);
//   - WithOffsetCeiling: refuse a position above 1000 with 400 CodeInvalidParameter,
//     the documented range;
//   - WithListingDelay(d): list a job started by CreateLogBackup only d after it
//     started, as a service that lists a new job late does. css.BackupLogs and
//     css.WaitForLogBackup find a job listed within css.GracePeriod and fail with an
//     error wrapping css.ErrJobNotListed after it.
//
// It does not start the daily Auto jobs of an automatic backup policy; seed them with
// AddLogBackup. Faults (throttling, resets, malformed bodies...) are injected with
// InjectFault on a Route constant or on every route.
//
// Fault, Injected, ResetMode and its constants, MinOversize, MaxRequestBody and the
// gateway's codes (CodeAPINotFound, CodeBadRequestBody, CodeBadSignature,
// CodeForbidden, CodeBadToken, CodeFault) are aliases of the names of package
// hcloudtest, which every fake shares and whose documentation lists a Fault's fields
// and the order in which the server checks a request.
package csstest

import (
	"sync"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/internal/fake"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// DefaultJobDuration is how long a log backup job runs when WithJobDuration is not
// given.
const DefaultJobDuration = 2 * time.Second

// Error codes of the fake's own CSS errors. The service's documentation lists no codes
// for these situations; these follow its CSS.NNNN shape.
const (
	// CodeInvalidParameter (400) answers a bad query parameter or request body.
	CodeInvalidParameter = "CSS.0001"
	// CodeClusterNotFound (404) answers a cluster that was not added.
	CodeClusterNotFound = "CSS.0004"
	// CodeJobRunning (409) answers CreateLogBackup while a job of the cluster runs.
	CodeJobRunning = "CSS.0015"
	// CodeLogBackupDisabled (412) answers a backup request while log backup is off.
	CodeLogBackupDisabled = "CSS.0016"
)

// Routes of the fake, as Fault.Route and Requests take them.
const (
	RouteCreateLogBackup         = "POST /v1.0/{project_id}/clusters/{cluster_id}/logs/collect"
	RouteListLogBackups          = "GET /v1.0/{project_id}/clusters/{cluster_id}/logs/records"
	RouteGetLogSettings          = "GET /v1.0/{project_id}/clusters/{cluster_id}/logs/settings"
	RouteEnableLogBackup         = "POST /v1.0/{project_id}/clusters/{cluster_id}/logs/open"
	RouteUpdateLogSettings       = "POST /v1.0/{project_id}/clusters/{cluster_id}/logs/settings"
	RouteDisableLogBackup        = "PUT /v1.0/{project_id}/clusters/{cluster_id}/logs/close"
	RouteSetAutoBackupPolicy     = "POST /v1.0/{project_id}/clusters/{cluster_id}/logs/policy/update"
	RouteDisableAutoBackupPolicy = "PUT /v1.0/{project_id}/clusters/{cluster_id}/logs/policy/close"
	RouteSearchLogs              = "POST /v1.0/{project_id}/clusters/{cluster_id}/logs/search"
)

// Fault injection and the gateway's own replies, shared by every fake: aliases of the
// names of package hcloudtest, whose documentation lists a Fault's fields and rules.
type (
	// Fault is a misbehaviour to inject with InjectFault: an error status, a delay, a
	// connection reset, a broken, malformed or oversized body, a wrong Content-Type, a
	// redirect, or a body broken off at chosen bytes. See hcloudtest.Fault.
	Fault = hcloudtest.Fault
	// Injected is a fault added by InjectFault: Hits counts the requests it acted on,
	// Remove withdraws it.
	Injected = hcloudtest.Injected
	// ResetMode says when a Fault drops the connection.
	ResetMode = hcloudtest.ResetMode
)

// Values of Fault.Reset.
const (
	// NoReset (0) leaves the connection alone.
	NoReset = hcloudtest.NoReset
	// ResetBeforeHeaders (1) drops the connection without answering.
	ResetBeforeHeaders = hcloudtest.ResetBeforeHeaders
	// ResetMidBody (2) sends the headers and half of the body, then drops the
	// connection.
	ResetMidBody = hcloudtest.ResetMidBody
)

// Limits of the server.
const (
	// MinOversize is the smallest Fault.Oversize: 10 bytes.
	MinOversize = hcloudtest.MinOversize
	// MaxRequestBody is the largest request body the server accepts: 1 MiB.
	MaxRequestBody = hcloudtest.MaxRequestBody
)

// Error codes of the replies of the fake API Gateway in front of the service, and the
// default code of an injected Status fault.
const (
	// CodeAPINotFound is "APIG.0101" (404): a path or method that matches no route.
	CodeAPINotFound = hcloudtest.CodeAPINotFound
	// CodeBadRequestBody is "APIG.0201": 413 for a body over MaxRequestBody, 400 for a
	// body that cannot be read.
	CodeBadRequestBody = hcloudtest.CodeBadRequestBody
	// CodeBadSignature is "APIG.0301" (401): a missing or invalid AK/SK signature.
	CodeBadSignature = hcloudtest.CodeBadSignature
	// CodeForbidden is "APIG.0302" (403): a project other than the server's ProjectID.
	CodeForbidden = hcloudtest.CodeForbidden
	// CodeBadToken is "APIG.0307" (401): a missing or wrong X-Auth-Token with
	// WithAuthToken.
	CodeBadToken = hcloudtest.CodeBadToken
	// CodeFault is "FAKE.FAULT": the code of an injected Status fault without a Code.
	CodeFault = hcloudtest.CodeFault
)

// Option configures a Server.
type Option func(*options)

type options struct {
	clock         css.Clock
	token         string
	jobDuration   time.Duration
	failure       string
	logf          func(format string, args ...any)
	pageCap       int
	position      PositionParam
	oldestFirst   bool
	noTotal       bool
	offsetCeiling bool
	listingDelay  time.Duration
}

// PositionParam names the query parameter the server reads the position of a page's
// first job from (WithPositionParam).
type PositionParam string

// The position parameters of WithPositionParam.
const (
	// PositionOffset honours offset and ignores start: the documented parameter, the
	// one the official SDKs send. The default.
	PositionOffset PositionParam = "offset"
	// PositionStart honours start and ignores offset: the parameter Huawei's Terraform
	// provider sends.
	PositionStart PositionParam = "start"
	// PositionNone honours neither: every page starts at the first job, as a service
	// that ignores the position would serve it.
	PositionNone PositionParam = "none"
)

// WithPageCap makes the server send at most n jobs per page whatever limit asks for,
// while totalSize still counts every matching job, as a service that caps its pages
// does. n of 0 or less sends what limit asks for (the default).
func WithPageCap(n int) Option { return func(o *options) { o.pageCap = max(n, 0) } }

// WithPositionParam chooses the query parameter the job list reads the position of the
// first job from: PositionOffset (the default), PositionStart or PositionNone. The
// other parameter is ignored, as the real service ignores one it does not know. An
// unknown p is treated as PositionNone.
func WithPositionParam(p PositionParam) Option {
	return func(o *options) {
		switch p {
		case PositionOffset, PositionStart:
			o.position = p
		default:
			o.position = PositionNone
		}
	}
}

// WithOldestFirst makes the job list serve the oldest job first instead of the newest.
func WithOldestFirst() Option { return func(o *options) { o.oldestFirst = true } }

// WithoutTotal leaves totalSize out of the job list's replies, as the documentation's
// example does.
func WithoutTotal() Option { return func(o *options) { o.noTotal = true } }

// WithOffsetCeiling makes the job list refuse a position above 1000 (css.MaxOffset,
// the top of the documented range of offset) with 400 CodeInvalidParameter, whichever
// parameter carries it.
func WithOffsetCeiling() Option { return func(o *options) { o.offsetCeiling = true } }

// WithListingDelay makes a job started by CreateLogBackup appear in the job list only
// d after it started, by the server's clock, as a service that lists a new job late
// does: until then the list (and LogBackups) leaves it out and totalSize does not
// count it. The job runs from the start all the same: CreateLogBackup answers 409
// CodeJobRunning while it runs, and a job that runs for less than d is already over
// when it first appears. Jobs added with AddLogBackup or AddLogBackups are listed at
// once. A zero or negative d lists every job at once (the default).
func WithListingDelay(d time.Duration) Option {
	return func(o *options) { o.listingDelay = max(d, 0) }
}

// WithClock makes the server tell time by clock: signatures are judged and jobs age
// by it. Config passes the same clock to the client.
func WithClock(clock css.Clock) Option { return func(o *options) { o.clock = clock } }

// WithAuthToken switches the server to IAM token authentication: requests must carry
// X-Auth-Token equal to token, and Config sets Config.AuthToken instead of credentials.
func WithAuthToken(token string) Option { return func(o *options) { o.token = token } }

// WithJobDuration sets how long a log backup job runs before it ends (default 2 s; a
// zero or negative d ends it at once).
func WithJobDuration(d time.Duration) Option {
	return func(o *options) { o.jobDuration = max(d, 0) }
}

// WithJobFailure makes every log backup job end in FAIL with msg as its failedMsg
// (an empty msg is replaced by a generic one).
func WithJobFailure(msg string) Option {
	return func(o *options) {
		if msg == "" {
			msg = "log backup failed"
		}
		o.failure = msg
	}
}

// WithLogf sends one line per rejected request and per injected fault that acts to
// logf, e.g. t.Logf.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(o *options) { o.logf = logf }
}

// Server is a fake CSS endpoint. Create it with NewServer and stop it with Close. Its
// methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:port".
	URL string
	// ProjectID is the project the server accepts.
	ProjectID string
	// Credentials are the AK/SK the server verifies signatures with (generated per
	// server).
	Credentials signer.Credentials

	fs   *fake.Server
	opts options

	mu       sync.Mutex
	clusters map[string]*cluster
}

// NewServer starts a fake CSS server on 127.0.0.1 with a random port. It has no
// clusters until AddCluster.
func NewServer(opts ...Option) *Server {
	o := options{jobDuration: DefaultJobDuration, position: PositionOffset}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	fs := fake.New(fake.Options{Service: hcloud.ServiceCSS, Clock: o.clock, AuthToken: o.token, Logf: o.logf})
	s := &Server{
		URL:         fs.URL,
		ProjectID:   fs.ProjectID,
		Credentials: fs.Credentials,
		fs:          fs,
		opts:        o,
		clusters:    make(map[string]*cluster),
	}
	fs.Handle(RouteCreateLogBackup, s.createLogBackup)
	fs.Handle(RouteListLogBackups, s.listLogBackups)
	fs.Handle(RouteGetLogSettings, s.getLogSettings)
	fs.Handle(RouteEnableLogBackup, s.enableLogBackup)
	fs.Handle(RouteUpdateLogSettings, s.updateLogSettings)
	fs.Handle(RouteDisableLogBackup, s.disableLogBackup)
	fs.Handle(RouteSetAutoBackupPolicy, s.setAutoBackupPolicy)
	fs.Handle(RouteDisableAutoBackupPolicy, s.disableAutoBackupPolicy)
	fs.Handle(RouteSearchLogs, s.searchLogs)
	return s
}

// Config returns a client configuration for the server: its URL as the endpoint (http
// allowed), its project, its credentials (or its token, WithAuthToken), its clock, and
// a new retry budget (RetryPolicy.Budget) shared by the clients built from it.
func (s *Server) Config() css.Config { return s.fs.Config() }

// Close stops the server and waits for the requests being served.
func (s *Server) Close() { s.fs.Close() }

// Now returns the time on the server's clock.
func (s *Server) Now() time.Time { return s.fs.Now() }

// InjectFault adds f after the faults already injected; the first active fault that
// matches a request acts on it (see Fault). It returns an error, and injects nothing,
// when f breaks one of the rules of hcloudtest.Fault (a Route that is not one of the
// Route constants or "", no action, several actions...).
func (s *Server) InjectFault(f Fault) (Injected, error) { return s.fs.InjectFault(f) }

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.fs.ClearFaults() }

// Requests returns how many requests matched route (a Route constant).
func (s *Server) Requests(route string) int { return s.fs.Requests(route) }

// RequestsTotal returns how many requests the server received.
func (s *Server) RequestsTotal() int { return s.fs.RequestsTotal() }
