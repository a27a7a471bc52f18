// Package baremetaltest is a fake CloudDC log export service on loopback, for testing
// code that uses package baremetal without a cloud account.
//
// The fake checks every request as API Gateway does (an SDK-HMAC-SHA256 signature
// with the server's Credentials, or X-Auth-Token with WithAuthToken; the project in
// the path), and keeps its state in memory:
//
//   - Any physical server ID is accepted; AddServer registers one with a serial number,
//     which names its archives. An unregistered server's archives are named after its ID.
//   - ExportLogs answers 202 with a new task, "processing" and "0%", whose percentage
//     rises with the server clock ("NN%") until, after the export duration
//     (WithExportDuration, default 2 s), it is "completed" and "100%". Task IDs are
//     "1", "2", ... as in the API reference.
//   - GetLogExport answers the task's state, computed from the server clock when asked,
//     so a fake clock (WithClock) makes it deterministic. An unknown task, or one of
//     another server, answers 404 CodeExportNotFound.
//   - WithExportVisibleAfter(d) makes a new task answer 404 CodeExportNotFound, to
//     status and download requests alike, until d after ExportLogs created it, as a
//     service may for a fresh export. baremetal.Client.ExportAndDownload rides over
//     such 404s within baremetal.GracePeriod, and after it fails with an error that
//     names the export and wraps baremetal.ErrNotFound.
//   - DownloadLogs of a completed task streams a real tar.gz archive of exactly
//     WithArchiveSize bytes (default 1 MiB), generated while it is sent: a 1 GiB
//     archive costs no memory. It holds one log file, dump/server.log, and comes with
//     Content-Type application/octet-stream;charset=UTF-8, Content-Disposition
//     attachment; filename=<serial>-dump.tar.gz, Content-Transfer-Encoding binary and
//     Content-Length. A task that is not completed yet answers 409 CodeExportNotReady
//     (a conflict with the task's state, which the client retries like every 409);
//     an unknown task answers 404 CodeExportNotFound.
//   - Downloads serve byte ranges, as a resuming client asks for them: every archive
//     reply carries Accept-Ranges: bytes, an ETag stable for the archive and a
//     Last-Modified (the export's creation time). A request with Range: bytes=N- or
//     bytes=N-M answers 206 with that part and its Content-Range, unless its If-Range
//     names another ETag or date, in which case it answers 200 with the whole
//     archive; a range starting past the end answers 416. WithoutRanges makes the
//     server ignore ranges, as some servers do. BytesServed counts the archive bytes
//     sent.
//
// InjectFault adds faults (throttling, errors, delays, resets, truncated or
// oversized bodies, bodies broken off at chosen bytes with BreakAt) for reliability
// tests.
//
// Fault, Injected, ResetMode and its constants, MinOversize, MaxRequestBody and the
// gateway's codes (CodeAPINotFound, CodeBadRequestBody, CodeBadSignature,
// CodeForbidden, CodeBadToken, CodeFault) are aliases of the names of package
// hcloudtest, which every fake shares and whose documentation lists a Fault's fields
// and the order in which the server checks a request.
package baremetaltest

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/internal/fake"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// Route patterns of the fake, for Fault.Route and Requests.
const (
	// RouteExportLogs is the route of baremetal.Client.ExportLogs.
	RouteExportLogs = "POST /v1/{project_id}/physicalservers/{id}/logs/exports"
	// RouteGetLogExport is the route of baremetal.Client.GetLogExport.
	RouteGetLogExport = "GET /v1/{project_id}/physicalservers/{id}/logs/exports/{export_id}"
	// RouteDownloadLogs is the route of baremetal.Client.DownloadLogs.
	RouteDownloadLogs = "GET /v1/{project_id}/physicalservers/{id}/logs/exports/{export_id}/content"
)

// Error codes the fake answers with. The real service's codes for these cases are not
// documented; these are the fake's own.
const (
	// CodeBadRequest (400) answers an export request whose body is not empty and not
	// a JSON object without fields.
	CodeBadRequest = "CLOUDDC.0400"
	// CodeExportNotFound (404) answers a status or download request for a task that
	// does not exist or belongs to another server.
	CodeExportNotFound = "CLOUDDC.0404"
	// CodeExportNotReady (409) answers a download request for a task still running.
	CodeExportNotReady = "CLOUDDC.0409"
	// CodeRangeNotSatisfiable (416) answers a download whose range starts past the end
	// of the archive.
	CodeRangeNotSatisfiable = "CLOUDDC.0416"
)

// Default option values.
const (
	// DefaultExportDuration is how long an export runs unless WithExportDuration says.
	DefaultExportDuration = 2 * time.Second
	// DefaultArchiveSize is the archive size unless WithArchiveSize says: 1 MiB.
	DefaultArchiveSize = 1 << 20
)

// Wire values of the export status.
const (
	statusProcessing = "processing"
	statusCompleted  = "completed"
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
	fake           fake.Options
	exportDuration time.Duration
	archiveSize    int64
	noRanges       bool
	visibleAfter   time.Duration
}

// WithClock sets the server's clock: it judges request dates and drives the export
// tasks. Give the client the same clock (Config does) to simulate long exports
// without waiting.
func WithClock(c baremetal.Clock) Option {
	return func(o *options) { o.fake.Clock = c }
}

// WithAuthToken switches the server to IAM token authentication: requests must carry
// X-Auth-Token equal to token, and Config returns a configuration that sends it.
func WithAuthToken(token string) Option {
	return func(o *options) { o.fake.AuthToken = token }
}

// WithExportDuration sets how long an export runs before it completes (default 2 s;
// zero or negative: exports complete at once).
func WithExportDuration(d time.Duration) Option {
	return func(o *options) { o.exportDuration = max(d, 0) }
}

// WithExportVisibleAfter makes a new export task invisible for d after ExportLogs
// created it, by the server's clock, as a service that answers status queries for a
// fresh export late does: until then GetLogExport and DownloadLogs answer 404
// CodeExportNotFound for it, as for an unknown task. The task runs from its creation
// all the same, so a task that runs for less than d is already completed when it
// becomes visible. A zero or negative d makes tasks visible at once (the default).
func WithExportVisibleAfter(d time.Duration) Option {
	return func(o *options) { o.visibleAfter = max(d, 0) }
}

// WithArchiveSize sets the exact size of every archive, in bytes (default 1 MiB).
// Sizes below MinArchiveSize are raised to it.
func WithArchiveSize(n int64) Option {
	return func(o *options) { o.archiveSize = max(n, MinArchiveSize) }
}

// WithoutRanges makes the server ignore the Range and If-Range headers of downloads,
// as servers without range support do: every download answers 200 with the whole
// archive, and no reply carries Accept-Ranges.
func WithoutRanges() Option {
	return func(o *options) { o.noRanges = true }
}

// WithLogf sends one line per rejected request, per injected fault that acts and per
// HTTP server error to logf, e.g. t.Logf.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(o *options) { o.fake.Logf = logf }
}

// Server is a fake CloudDC log export service listening on a random loopback port.
// Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:port".
	URL string
	// ProjectID is the project the server accepts.
	ProjectID string
	// Credentials are the AK/SK the server verifies signatures with.
	Credentials signer.Credentials

	f              *fake.Server
	exportDuration time.Duration
	visibleAfter   time.Duration
	archiveSize    int64
	ranges         bool   // downloads honour Range
	pattern        []byte // the log file's text, shared read-only by every download
	served         atomic.Int64

	mu      sync.Mutex
	serials map[string]string // server ID -> serial number
	exports map[string]*export
	lastID  int
}

// export is one export task. It answers 404 before visible (WithExportVisibleAfter).
type export struct {
	id       string
	serverID string
	created  time.Time
	visible  time.Time
}

// NewServer starts a fake on 127.0.0.1 with a random port. Stop it with Close.
func NewServer(opts ...Option) *Server {
	o := options{exportDuration: DefaultExportDuration, archiveSize: DefaultArchiveSize}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	o.fake.Service = hcloud.ServiceBareMetal
	f := fake.New(o.fake)
	s := &Server{
		URL:            f.URL,
		ProjectID:      f.ProjectID,
		Credentials:    f.Credentials,
		f:              f,
		exportDuration: o.exportDuration,
		visibleAfter:   o.visibleAfter,
		archiveSize:    o.archiveSize,
		ranges:         !o.noRanges,
		pattern:        newPattern(),
		serials:        make(map[string]string),
		exports:        make(map[string]*export),
	}
	f.Handle(RouteExportLogs, s.exportLogs)
	f.Handle(RouteGetLogExport, s.getLogExport)
	f.Handle(RouteDownloadLogs, s.downloadLogs)
	return s
}

// Close stops the server and waits for the requests being served.
func (s *Server) Close() { s.f.Close() }

// Config returns a baremetal.Config for the server: its URL (http allowed), project,
// credentials or token, clock, and a new retry budget (RetryPolicy.Budget) shared by the
// clients built from it.
func (s *Server) Config() baremetal.Config { return s.f.Config() }

// AddServer registers a physical server and returns the serial number its archives
// are named after ("<serial>-dump.tar.gz"). Registering is optional: any server ID is
// accepted. Adding a server again returns its serial number unchanged.
func (s *Server) AddServer(id string) (serial string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sn, ok := s.serials[id]; ok {
		return sn
	}
	sn := "2102" + strings.ToUpper(fake.NewHex(16))
	s.serials[id] = sn
	return sn
}

// ArchiveSize returns the size of every archive the server sends, in bytes.
func (s *Server) ArchiveSize() int64 { return s.archiveSize }

// BytesServed returns how many archive bytes the server has sent, over every download,
// the parts of broken-off replies included. Bytes count as the download handler
// writes them: a fault that takes the whole reply to cut it (ResetMidBody, Truncate)
// counts the whole; a BreakAt fault counts what it sends.
func (s *Server) BytesServed() int64 { return s.served.Load() }

// InjectFault adds f after the faults already injected; the first active fault that
// matches a request acts on it (see Fault). It returns an error, and injects nothing,
// when f breaks one of the rules of hcloudtest.Fault (a Route that is not one of the
// Route constants or "", no action, several actions...).
func (s *Server) InjectFault(f Fault) (Injected, error) { return s.f.InjectFault(f) }

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.f.ClearFaults() }

// Requests returns how many requests matched route (one of the Route constants).
func (s *Server) Requests(route string) int { return s.f.Requests(route) }

// RequestsTotal returns how many requests the server received, on any path.
func (s *Server) RequestsTotal() int { return s.f.RequestsTotal() }

// exportWire is the JSON of an export task.
type exportWire struct {
	ExportID   string `json:"export_id"`
	Status     string `json:"status"`
	Percentage string `json:"percentage"`
	CreatedAt  string `json:"created_at"`
}

// state returns the task's wire form at now.
func (s *Server) state(e *export, now time.Time) exportWire {
	status, pct := statusCompleted, 100
	if elapsed := now.Sub(e.created); s.exportDuration > 0 && elapsed < s.exportDuration {
		status = statusProcessing
		pct = int(float64(max(elapsed, 0)) / float64(s.exportDuration) * 100)
	}
	return exportWire{
		ExportID:   e.id,
		Status:     status,
		Percentage: strconv.Itoa(pct) + "%",
		CreatedAt:  e.created.UTC().Format(time.RFC3339),
	}
}

// exportLogs creates an export task.
func (s *Server) exportLogs(w http.ResponseWriter, r *http.Request, body []byte) {
	if strings.TrimSpace(string(body)) != "" {
		var empty struct{}
		if err := fake.DecodeJSON(body, &empty); err != nil {
			fake.WriteError(w, http.StatusBadRequest, CodeBadRequest, err.Error())
			return
		}
	}
	now := s.f.Now()
	s.mu.Lock()
	s.lastID++
	e := &export{id: strconv.Itoa(s.lastID), serverID: r.PathValue("id"), created: now, visible: now.Add(s.visibleAfter)}
	s.exports[e.id] = e
	s.mu.Unlock()
	fake.WriteJSON(w, http.StatusAccepted, s.state(e, now))
}

// lookup returns the task the request names, or answers 404 and returns nil when
// there is none or it is not visible yet at now.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, now time.Time) *export {
	serverID, id := r.PathValue("id"), r.PathValue("export_id")
	s.mu.Lock()
	e := s.exports[id]
	s.mu.Unlock()
	if e == nil || e.serverID != serverID || now.Before(e.visible) {
		fake.WriteError(w, http.StatusNotFound, CodeExportNotFound,
			fmt.Sprintf("export task %q of physical server %q does not exist", id, serverID))
		return nil
	}
	return e
}

// getLogExport answers a task's state.
func (s *Server) getLogExport(w http.ResponseWriter, r *http.Request, _ []byte) {
	now := s.f.Now()
	if e := s.lookup(w, r, now); e != nil {
		fake.WriteJSON(w, http.StatusOK, s.state(e, now))
	}
}

// downloadLogs streams a completed task's archive.
func (s *Server) downloadLogs(w http.ResponseWriter, r *http.Request, _ []byte) {
	now := s.f.Now()
	e := s.lookup(w, r, now)
	if e == nil {
		return
	}
	if st := s.state(e, now); st.Status != statusCompleted {
		fake.WriteError(w, http.StatusConflict, CodeExportNotReady,
			fmt.Sprintf("export task %q is %s (%s); download it once it is completed", e.id, st.Status, st.Percentage))
		return
	}
	s.mu.Lock()
	serial, ok := s.serials[e.serverID]
	s.mu.Unlock()
	if !ok {
		serial = e.serverID
	}
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": serial + "-dump.tar.gz"})
	if disposition == "" {
		disposition = "attachment"
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream;charset=UTF-8")
	h.Set("Content-Disposition", disposition)
	h.Set("Content-Transfer-Encoding", "binary")
	size := s.archiveSize
	first, last, status := int64(0), size-1, http.StatusOK
	if s.ranges {
		etag := fmt.Sprintf(`"%s-%x-%x"`, e.id, e.created.UnixNano(), size)
		modified := e.created.UTC().Format(http.TimeFormat)
		h.Set("Accept-Ranges", "bytes")
		h.Set("ETag", etag)
		h.Set("Last-Modified", modified)
		if from, to, ok := parseRange(r.Header.Get("Range"), size); ok && ifRange(r.Header.Get("If-Range"), etag, modified) {
			if from >= size {
				h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
				fake.WriteError(w, http.StatusRequestedRangeNotSatisfiable, CodeRangeNotSatisfiable,
					fmt.Sprintf("the range starts at byte %d, past the end of the %d-byte archive", from, size))
				return
			}
			first, last, status = from, to, http.StatusPartialContent
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, last, size))
		}
	}
	h.Set("Content-Length", strconv.FormatInt(last-first+1, 10))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	// A write error means the client went away; there is no one left to tell.
	_ = writeArchive(&rangeWriter{w: w, skip: first, left: last - first + 1, served: &s.served},
		size, e.created, s.pattern)
}

// parseRange reads a Range header of one range, bytes=N- or bytes=N-M, for a resource
// of size bytes. It reports false for no header and for a form it does not serve
// (several ranges, a suffix range, garbage), which the server then ignores, as RFC
// 9110 allows. The last byte is capped at the end of the resource.
func parseRange(header string, size int64) (first, last int64, ok bool) {
	spec, found := strings.CutPrefix(header, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	from, to, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false
	}
	first, err := strconv.ParseInt(from, 10, 64)
	if err != nil || first < 0 {
		return 0, 0, false
	}
	last = size - 1
	if to != "" {
		n, err := strconv.ParseInt(to, 10, 64)
		if err != nil || n < first {
			return 0, 0, false
		}
		last = min(n, size-1)
	}
	return first, last, true
}

// ifRange reports whether an If-Range header allows the range: absent, or equal to
// the archive's strong ETag or to its Last-Modified date.
func ifRange(header, etag, modified string) bool {
	return header == "" || header == etag || header == modified
}

// errRangeSent stops the archive's generation once its range is sent.
var errRangeSent = errors.New("baremetaltest: the range is sent")

// rangeWriter passes on the bytes of a range of the archive written through it:
// it drops the first skip bytes, then passes left bytes, and counts them in served.
type rangeWriter struct {
	w      io.Writer
	skip   int64
	left   int64
	served *atomic.Int64
}

func (rw *rangeWriter) Write(p []byte) (int, error) {
	n := len(p)
	if rw.skip > 0 {
		k := min(rw.skip, int64(len(p)))
		rw.skip -= k
		p = p[k:]
	}
	if len(p) == 0 {
		return n, nil
	}
	if rw.left == 0 {
		return 0, errRangeSent
	}
	if int64(len(p)) > rw.left {
		p = p[:rw.left]
	}
	// Count before writing, so that a client never sees bytes not counted yet; take
	// back what was not written.
	rw.served.Add(int64(len(p)))
	m, err := rw.w.Write(p)
	rw.left -= int64(m)
	rw.served.Add(int64(m - len(p)))
	if err != nil {
		return 0, err
	}
	return n, nil
}
