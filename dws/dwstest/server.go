// Package dwstest is a fake DWS (Data Warehouse Service) server for tests: a real HTTP
// server on 127.0.0.1 that serves the audit-log dump records of the clusters it is
// seeded with, in the wire format of the real service.
//
// Like the real API Gateway it checks every request's SDK-HMAC-SHA256 signature (or,
// with WithAuthToken, its X-Auth-Token) and project, and it can inject faults (error
// statuses, delays, connection resets, broken bodies) for reliability tests:
//
//	srv := dwstest.NewServer()
//	defer srv.Close()
//	srv.AddAuditLogRecord(clusterID, dws.AuditLogRecord{Result: dws.AuditResultRunning, ...})
//	client, err := dws.New(srv.Config())
//
// What it simulates, for GET /v1.0/{project_id}/clusters/{cluster_id}/audit-log-records:
//   - a seeded cluster answers 200 with all its records (no pagination, as the real
//     service), "count" and "cluster_id"; times are sent zone-less in UTC
//     ("2022-10-31T09:11:31") as the real service sends them; "failed_reason" is
//     omitted when empty;
//   - a cluster ID that is not a UUID answers 400 with CodeInvalidClusterID;
//   - a well-formed but unknown cluster ID answers 404 with CodeClusterNotFound.
//
// The error codes of the last two are not documented (the API reference lists the
// statuses only) and are this fake's choice. The gateway's own replies (bad signature,
// wrong project, unknown route) are described in the other Code constants.
//
// Fault, Injected, ResetMode and its constants, MinOversize, MaxRequestBody and the
// gateway's codes (CodeAPINotFound, CodeBadRequestBody, CodeBadSignature,
// CodeForbidden, CodeBadToken, CodeFault) are aliases of the names of package
// hcloudtest, which every fake shares and whose documentation lists a Fault's fields
// and the order in which the server checks a request.
package dwstest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest"

	"github.com/hcloudlogs/hcloudlogs-go/dws"
	"github.com/hcloudlogs/hcloudlogs-go/internal/fake"
	"github.com/hcloudlogs/hcloudlogs-go/internal/wire"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// RouteListAuditLogRecords names the audit-log records route, for Fault.Route and
// Requests.
const RouteListAuditLogRecords = "GET /v1.0/{project_id}/clusters/{cluster_id}/audit-log-records"

// Error codes of the DWS replies. Neither is documented; they follow the service's
// "DWS.NNNN" pattern.
const (
	// CodeClusterNotFound (404) answers a request for a cluster the server does not know.
	CodeClusterNotFound = "DWS.0001"
	// CodeInvalidClusterID (400) answers a cluster ID that is not a 36-character UUID.
	CodeInvalidClusterID = "DWS.0002"
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

// options are the settings the Options set.
type options struct{ fake fake.Options }

// WithClock makes clock the server's clock: it judges the X-Sdk-Date of signatures
// (15 minutes of skew allowed), and Config passes it to the client, so that a fake clock
// shared by both keeps signatures valid across simulated waits.
func WithClock(clock dws.Clock) Option {
	return func(o *options) { o.fake.Clock = clock }
}

// WithAuthToken switches the server to IAM token authentication: requests must carry
// X-Auth-Token equal to token, and Config sets AuthToken instead of Credentials.
func WithAuthToken(token string) Option {
	return func(o *options) { o.fake.AuthToken = token }
}

// WithLogf makes the server report every request it rejects and every fault it injects
// to logf, e.g. t.Logf.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(o *options) { o.fake.Logf = logf }
}

// Server is a fake DWS server. Create it with NewServer and stop it with Close. Its
// methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:port".
	URL string
	// ProjectID is the only project the server accepts (32 random hex digits).
	ProjectID string
	// Credentials are the AK/SK the server verifies signatures with, generated per
	// server.
	Credentials signer.Credentials

	f *fake.Server

	mu       sync.Mutex
	clusters map[string]*cluster // by lower-case cluster ID
}

// cluster is one seeded cluster and its records, in the order they were added.
type cluster struct {
	id      string
	records []dws.AuditLogRecord
}

// NewServer starts a Server on 127.0.0.1 with a random port. It knows no cluster until
// AddCluster or AddAuditLogRecord seeds one.
func NewServer(opts ...Option) *Server {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	o.fake.Service = hcloud.ServiceDWS
	f := fake.New(o.fake)
	s := &Server{
		URL:         f.URL,
		ProjectID:   f.ProjectID,
		Credentials: f.Credentials,
		f:           f,
		clusters:    make(map[string]*cluster),
	}
	f.Handle(RouteListAuditLogRecords, s.listAuditLogRecords)
	return s
}

// Close stops the server and waits for the requests being served.
func (s *Server) Close() { s.f.Close() }

// Config returns a client configuration pointing at the server: its URL (with
// AllowInsecureHTTP), ProjectID and Credentials (or the token of WithAuthToken), and the
// clock of WithClock, and a new retry budget (RetryPolicy.Budget) shared by the clients
// built from it.
func (s *Server) Config() dws.Config { return s.f.Config() }

// Now returns the time on the server's clock.
func (s *Server) Now() time.Time { return s.f.Now() }

// AddCluster seeds a cluster with no records. Adding a known cluster does nothing.
// Cluster IDs are matched case-insensitively. An ID that is not a UUID can be added but
// never listed: the server answers 400 to such an ID before looking it up.
func (s *Server) AddCluster(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cluster(id)
}

// AddAuditLogRecord appends rec to the records of the cluster clusterID, seeding the
// cluster if needed. A record without a ClusterID is served with clusterID. Records are
// served in the order they were added.
func (s *Server) AddAuditLogRecord(clusterID string, rec dws.AuditLogRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cluster(clusterID)
	if rec.ClusterID == "" {
		rec.ClusterID = c.id
	}
	c.records = append(c.records, rec)
}

// cluster returns the cluster id, creating it when unknown; s.mu is held.
func (s *Server) cluster(id string) *cluster {
	key := strings.ToLower(id)
	c := s.clusters[key]
	if c == nil {
		c = &cluster{id: id}
		s.clusters[key] = c
	}
	return c
}

// InjectFault adds f after the faults already injected; the first active fault that
// matches a request acts on it (see Fault). It returns an error, and injects nothing,
// when f breaks one of the rules of hcloudtest.Fault (a Route that is not one of the
// Route constants or "", no action, several actions...).
func (s *Server) InjectFault(f Fault) (Injected, error) { return s.f.InjectFault(f) }

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.f.ClearFaults() }

// Requests returns how many requests matched route (e.g. RouteListAuditLogRecords),
// whether or not they were then authenticated, faulted or served.
func (s *Server) Requests(route string) int { return s.f.Requests(route) }

// RequestsTotal returns how many requests the server received, on any path.
func (s *Server) RequestsTotal() int { return s.f.RequestsTotal() }

// wireTime is the zone-less layout of the service's times, in UTC.
const wireTime = "2006-01-02T15:04:05"

// recordsReply is the JSON reply of the audit-log records route.
type recordsReply struct {
	Records   []recordWire `json:"records"`
	Count     int          `json:"count"`
	ClusterID string       `json:"cluster_id"`
}

// recordWire is one record as the real service sends it.
type recordWire struct {
	Result         string `json:"result"`
	ClusterID      string `json:"cluster_id"`
	ExecutorTime   string `json:"executor_time,omitempty"`
	BeginTime      string `json:"begin_time,omitempty"`
	EndTime        string `json:"end_time,omitempty"`
	BucketName     string `json:"bucket_name"`
	LocationPrefix string `json:"location_prefix"`
	FailedReason   string `json:"failed_reason,omitempty"`
}

// formatTime writes t zone-less in UTC, or "" (omitted) for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(wireTime)
}

// listAuditLogRecords serves RouteListAuditLogRecords.
func (s *Server) listAuditLogRecords(w http.ResponseWriter, r *http.Request, _ []byte) {
	id := r.PathValue("cluster_id")
	if !wire.IsUUID(id) {
		fake.WriteError(w, http.StatusBadRequest, CodeInvalidClusterID,
			fmt.Sprintf("Invalid parameter: cluster_id %q is not a 36-character UUID.", id))
		return
	}
	s.mu.Lock()
	c := s.clusters[strings.ToLower(id)]
	var reply recordsReply
	if c != nil {
		reply = recordsReply{Records: make([]recordWire, len(c.records)), Count: len(c.records), ClusterID: c.id}
		for i, rec := range c.records {
			reply.Records[i] = recordWire{
				Result:         string(rec.Result),
				ClusterID:      rec.ClusterID,
				ExecutorTime:   formatTime(rec.ExecutedAt),
				BeginTime:      formatTime(rec.BeginTime),
				EndTime:        formatTime(rec.EndTime),
				BucketName:     rec.BucketName,
				LocationPrefix: rec.LocationPrefix,
				FailedReason:   rec.FailedReason,
			}
		}
	}
	s.mu.Unlock()
	if c == nil {
		fake.WriteError(w, http.StatusNotFound, CodeClusterNotFound,
			fmt.Sprintf("The cluster %s does not exist.", id))
		return
	}
	fake.WriteJSON(w, http.StatusOK, reply)
}
