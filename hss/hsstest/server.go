// Package hsstest is a fake HSS (Host Security Service) server for tests: a real HTTP
// server on 127.0.0.1 that serves the ransomware backup and restoration task log, the
// backups of each host, and restores, in the wire format of the real service.
//
// Like the real API Gateway it checks every request's SDK-HMAC-SHA256 signature (or,
// with WithAuthToken, its X-Auth-Token) and project, and it can inject faults (error
// statuses, delays, connection resets, broken bodies) for reliability tests:
//
//	srv := hsstest.NewServer()
//	defer srv.Close()
//	srv.AddBackupTask(hss.BackupTask{HostID: "c882e0-c4c1-4e89-b99a-f001", HostName: "ecs-web", Status: hss.TaskStatusSuccess, ...})
//	srv.AddHostBackup("c882e0-c4c1-4e89-b99a-f001", hss.HostBackup{BackupID: "b-1", BackupName: "autobk_1"})
//	client, err := hss.New(srv.Config())
//
// What it simulates:
//
// GET /v5/{project_id}/ransomware/backup/operation-logs (RouteListBackupTasks) lists
// the seeded tasks and the restores, newest started_at first (ties in the order they
// were added). offset (0-based, 0..2000000) and limit (10..200) are required, as the
// real API marks them; a missing or out-of-range value answers 400 with
// CodeInvalidParameter, as do an unknown status, last_days outside 1..30 and an
// enterprise_project_id longer than 256 characters. Filters: status (the task's state
// at the time of the request), resource_name (a case-sensitive substring of
// host_name), last_days (started_at within that many 24-hour days of the server
// clock); enterprise_project_id is accepted and ignored. total_num counts the matching
// tasks. Times are sent as RFC 3339 in UTC with whole seconds
// ("2025-03-06T05:26:18Z"), as in the documentation's example.
//
// End times come in both forms the real service is known to use: every second task,
// by the order the tasks were added or created (the 2nd, 4th, ...), carries its end
// time as "updated_at", as the documentation's example does; the others as "ended_at",
// as its field table and the SDK say. A task with a zero end time carries neither.
// error_info is always present, with empty strings when there is no error.
//
// GET /v5/{project_id}/ransomware/backup/{host_id} (RouteListHostBackups) lists the
// backups seeded with AddHostBackup for that host, newest create_time first, with the
// same offset, limit, last_days (against create_time) and enterprise_project_id
// rules, status checked against the backup states and name matched exactly. A host
// with no seeded backup has an empty list. create_time is sent in Unix milliseconds
// and os_images_data lists the backup's OSImages (an empty array when it has none).
//
// Two options reproduce the ways a real service may page both listings, so that code
// can be tested against each: WithPageCap(n) sends at most n records per page whatever
// limit asks for, with total_num still counting every match (asked for 200, 100 are
// sent), and WithoutTotal leaves total_num out.
//
// POST /v5/{project_id}/ransomware/duplication/{backup_id}/restore (RouteRestoreBackup)
// takes a body {"server_id", "power_on", "mappings"} (unknown fields, a missing
// server_id or a malformed body answer 400; enterprise_project_id and the region
// header are accepted and ignored), answers 404 CodeBackupNotFound for a
// backup no AddHostBackup seeded, 409 CodeRestoreRunning while another restore onto
// the same server runs, and otherwise 200 with an empty body. The restore appears in
// the task list as a task of the server (host_id = server_id; host_name the name a
// seeded task gives that host ID, else the server ID) with the backup's name: running,
// its process rising linearly from 0, until WithRestoreDuration (2 s by default) has
// passed on the server clock; then success with process 100 and that end time. States
// are computed when a request asks, so a fake clock (WithClock) makes them
// deterministic.
//
// The HSS error codes (CodeInvalidParameter, CodeBackupNotFound, CodeRestoreRunning)
// are not documented (the API reference lists no error bodies for these operations)
// and are this fake's choice. The gateway's own replies (bad signature, wrong project,
// unknown route) are described in the other Code constants.
//
// Fault, Injected, ResetMode and its constants, MinOversize, MaxRequestBody and the
// gateway's codes (CodeAPINotFound, CodeBadRequestBody, CodeBadSignature,
// CodeForbidden, CodeBadToken, CodeFault) are aliases of the names of package
// hcloudtest, which every fake shares and whose documentation lists a Fault's fields
// and the order in which the server checks a request.
package hsstest

import (
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest"

	"github.com/hcloudlogs/hcloudlogs-go/hss"
	"github.com/hcloudlogs/hcloudlogs-go/internal/fake"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// Route names, for Fault.Route and Requests.
const (
	// RouteListBackupTasks is the backup and restoration task list.
	RouteListBackupTasks = "GET /v5/{project_id}/ransomware/backup/operation-logs"
	// RouteListHostBackups is the list of the backups of a host.
	RouteListHostBackups = "GET /v5/{project_id}/ransomware/backup/{host_id}"
	// RouteRestoreBackup starts a restore.
	RouteRestoreBackup = "POST /v5/{project_id}/ransomware/duplication/{backup_id}/restore"
)

// Error codes of the HSS replies. None is documented; they follow the service's
// "HSS.NNNN" pattern.
const (
	// CodeInvalidParameter (400) answers a missing or invalid query parameter or body.
	CodeInvalidParameter = "HSS.0002"
	// CodeBackupNotFound (404) answers a restore of a backup the server does not know.
	CodeBackupNotFound = "HSS.0004"
	// CodeRestoreRunning (409) answers a restore onto a server that is being restored.
	CodeRestoreRunning = "HSS.0009"
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

// DefaultRestoreDuration is how long a restore runs when WithRestoreDuration is not given.
const DefaultRestoreDuration = 2 * time.Second

// Option configures a Server.
type Option func(*options)

// options are the settings the Options set.
type options struct {
	fake            fake.Options
	restoreDuration time.Duration
	paging          paging
}

// paging says how the listings serve their pages.
type paging struct {
	// pageCap, when not 0, is the most records a page holds whatever limit asks for.
	pageCap int
	// noTotal leaves total_num out.
	noTotal bool
}

// WithPageCap makes both listings send at most n records per page whatever limit asks
// for, while total_num still counts every match, as a service that caps its pages
// does (asked for 200, 100 are sent). n of 0 or less sends what limit asks for (the
// default).
func WithPageCap(n int) Option {
	return func(o *options) { o.paging.pageCap = max(n, 0) }
}

// WithoutTotal leaves total_num out of both listings' replies.
func WithoutTotal() Option {
	return func(o *options) { o.paging.noTotal = true }
}

// WithClock makes clock the server's clock: it judges the X-Sdk-Date of signatures
// (15 minutes of skew allowed) and drives the restores and the last_days filter, and
// Config passes it to the client, so that a fake clock shared by both keeps signatures
// valid across simulated waits.
func WithClock(clock hss.Clock) Option {
	return func(o *options) { o.fake.Clock = clock }
}

// WithAuthToken switches the server to IAM token authentication: requests must carry
// X-Auth-Token equal to token, and Config sets AuthToken instead of Credentials.
func WithAuthToken(token string) Option {
	return func(o *options) { o.fake.AuthToken = token }
}

// WithRestoreDuration sets how long, on the server clock, a restore runs before it
// succeeds (default DefaultRestoreDuration). Zero or negative makes restores succeed
// at once.
func WithRestoreDuration(d time.Duration) Option {
	return func(o *options) { o.restoreDuration = max(d, 0) }
}

// WithLogf makes the server report every request it rejects and every fault it injects
// to logf, e.g. t.Logf.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(o *options) { o.fake.Logf = logf }
}

// Server is a fake HSS server. Create it with NewServer and stop it with Close. Its
// methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:port".
	URL string
	// ProjectID is the only project the server accepts (32 random hex digits).
	ProjectID string
	// Credentials are the AK/SK the server verifies signatures with, generated per
	// server.
	Credentials signer.Credentials

	f               *fake.Server
	restoreDuration time.Duration
	paging          paging
	state           state
}

// NewServer starts a Server on 127.0.0.1 with a random port. It has no task and no
// backup until AddBackupTask and AddHostBackup seed them.
func NewServer(opts ...Option) *Server {
	o := options{restoreDuration: DefaultRestoreDuration}
	for _, opt := range opts {
		opt(&o)
	}
	o.fake.Service = hcloud.ServiceHSS
	f := fake.New(o.fake)
	s := &Server{
		URL:             f.URL,
		ProjectID:       f.ProjectID,
		Credentials:     f.Credentials,
		f:               f,
		restoreDuration: o.restoreDuration,
		paging:          o.paging,
		state:           state{hosts: make(map[string][]hss.HostBackup)},
	}
	f.Handle(RouteListBackupTasks, s.listBackupTasks)
	f.Handle(RouteListHostBackups, s.listHostBackups)
	f.Handle(RouteRestoreBackup, s.restoreBackup)
	return s
}

// Close stops the server and waits for the requests being served.
func (s *Server) Close() { s.f.Close() }

// Config returns a client configuration pointing at the server: its URL (with
// AllowInsecureHTTP), ProjectID and Credentials (or the token of WithAuthToken), and the
// clock of WithClock, and a new retry budget (RetryPolicy.Budget) shared by the clients
// built from it.
func (s *Server) Config() hss.Config { return s.f.Config() }

// Now returns the time on the server's clock.
func (s *Server) Now() time.Time { return s.f.Now() }

// InjectFault adds f after the faults already injected; the first active fault that
// matches a request acts on it (see Fault). It returns an error, and injects nothing,
// when f breaks one of the rules of hcloudtest.Fault (a Route that is not one of the
// Route constants or "", no action, several actions...).
func (s *Server) InjectFault(f Fault) (Injected, error) { return s.f.InjectFault(f) }

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.f.ClearFaults() }

// Requests returns how many requests matched route (e.g. RouteListBackupTasks),
// whether or not they were then authenticated, faulted or served.
func (s *Server) Requests(route string) int { return s.f.Requests(route) }

// RequestsTotal returns how many requests the server received, on any path.
func (s *Server) RequestsTotal() int { return s.f.RequestsTotal() }
