package fake

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest"
)

// The fault vocabulary is package hcloudtest's, which documents it; these aliases keep
// the names short in this package and the tests that use it.
type (
	// Fault is hcloudtest.Fault.
	Fault = hcloudtest.Fault
	// Injected is hcloudtest.Injected.
	Injected = hcloudtest.Injected
	// ResetMode is hcloudtest.ResetMode.
	ResetMode = hcloudtest.ResetMode
)

// Values of Fault.Reset.
const (
	// NoReset is hcloudtest.NoReset.
	NoReset = hcloudtest.NoReset
	// ResetBeforeHeaders is hcloudtest.ResetBeforeHeaders.
	ResetBeforeHeaders = hcloudtest.ResetBeforeHeaders
	// ResetMidBody is hcloudtest.ResetMidBody.
	ResetMidBody = hcloudtest.ResetMidBody
)

// MinOversize is hcloudtest.MinOversize.
const MinOversize = hcloudtest.MinOversize

// actions names the actions set in f, for validation and logs.
func actions(f *Fault) []string {
	var a []string
	if f.Status != 0 {
		a = append(a, "Status "+strconv.Itoa(f.Status))
	}
	if f.Reset != NoReset {
		a = append(a, f.Reset.String())
	}
	if f.Truncate {
		a = append(a, "Truncate")
	}
	if f.Malformed {
		a = append(a, "Malformed")
	}
	if f.ContentType != "" {
		a = append(a, "ContentType "+strconv.Quote(f.ContentType))
	}
	if f.Oversize != 0 {
		a = append(a, "Oversize "+strconv.FormatInt(f.Oversize, 10))
	}
	if f.OverDeclared {
		a = append(a, "OverDeclared")
	}
	if f.Redirect != "" {
		a = append(a, "Redirect "+strconv.Quote(f.Redirect))
	}
	if len(f.BreakAt) > 0 {
		a = append(a, fmt.Sprintf("BreakAt %v", f.BreakAt))
	}
	return a
}

// describe summarises f for logs.
func describe(f *Fault) string {
	a := actions(f)
	if f.Delay > 0 {
		a = append(a, "Delay "+f.Delay.String())
	}
	route := f.Route
	if route == "" {
		route = "every route"
	}
	return strings.Join(a, ", ") + " on " + route
}

// injected is a fault injected into a Server; it implements Injected.
type injected struct {
	s      *Server
	f      Fault
	hits   int // guarded by s.mu
	breaks int // BreakAt offsets used up; guarded by s.mu
}

// Hits returns how many requests the fault has acted on.
func (i *injected) Hits() int {
	i.s.mu.Lock()
	defer i.s.mu.Unlock()
	return i.hits
}

// Remove withdraws the fault; requests already being faulted finish. Removing it again,
// or after it is spent, does nothing.
func (i *injected) Remove() {
	i.s.mu.Lock()
	defer i.s.mu.Unlock()
	i.s.faults = slices.DeleteFunc(i.s.faults, func(x *injected) bool { return x == i })
}

// InjectFault adds f after the faults already injected. Each request that reaches
// step 6 of the package comment is offered to the active faults in injection order,
// and the first that matches its route (and, with a Probability, draws it) acts.
// InjectFault returns an error, and injects nothing, when f breaks one of the rules
// Fault lists.
func (s *Server) InjectFault(f Fault) (Injected, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.validate(&f); err != nil {
		return nil, err
	}
	inj := &injected{s: s, f: f}
	s.faults = append(s.faults, inj)
	return inj, nil
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// validate checks f; s.mu is held.
func (s *Server) validate(f *Fault) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if f.Route != "" && s.routes[f.Route] == nil {
		add("Route %q is not registered (routes: %s)", f.Route, strings.Join(s.routeNames(), "; "))
	}
	if f.Times < 0 {
		add("Times %d is negative", f.Times)
	}
	if math.IsNaN(f.Probability) || f.Probability < 0 || f.Probability > 1 {
		add("Probability %v is outside 0..1", f.Probability)
	}
	if f.Delay < 0 {
		add("Delay %v is negative", f.Delay)
	}
	if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
		add("Status %d is outside 200..599", f.Status)
	}
	if f.Status == 0 && (f.Code != "" || f.Message != "" || f.RetryAfter != "") {
		add("Code, Message and RetryAfter need a Status")
	}
	if f.Reset < NoReset || f.Reset > ResetMidBody {
		add("Reset %v is not a ResetMode", f.Reset)
	}
	if f.Oversize != 0 && f.Oversize < MinOversize {
		add("Oversize %d is below %d", f.Oversize, MinOversize)
	}
	for i, off := range f.BreakAt {
		if off <= 0 || i > 0 && off <= f.BreakAt[i-1] {
			add("BreakAt %v is not a list of positive, ascending offsets", f.BreakAt)
			break
		}
	}
	switch a := actions(f); {
	case len(a) == 0 && f.Delay == 0:
		add("no action and no Delay")
	case len(a) > 1:
		add("several actions (%s); inject one fault per action", strings.Join(a, ", "))
	}
	if len(problems) > 0 {
		return errors.New(s.service + "test: InjectFault: " + strings.Join(problems, "; "))
	}
	return nil
}

// matchFault returns the fault that acts on a request for route, counting the hit, or
// nil.
func (s *Server) matchFault(route string) *injected {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, inj := range s.faults {
		f := &inj.f
		if f.Route != "" && f.Route != route {
			continue
		}
		if f.Probability > 0 && rand.Float64() >= f.Probability {
			continue
		}
		inj.hits++
		if f.Times > 0 && inj.hits >= f.Times {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		return inj
	}
	return nil
}

// apply performs fault inj on a request for rt.
func (s *Server) apply(inj *injected, rt *route, w http.ResponseWriter, r *http.Request, body []byte) {
	f := inj.f
	if f.Delay > 0 && !s.sleep(r.Context(), f.Delay) {
		return
	}
	switch {
	case f.Status != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		code, msg := f.Code, f.Message
		if code == "" {
			code = CodeFault
		}
		if msg == "" {
			msg = http.StatusText(f.Status)
		}
		WriteError(w, f.Status, code, msg)
	case f.Reset == ResetBeforeHeaders:
		if conn, _ := s.hijack(w); conn != nil {
			s.release(conn, true)
		}
	case f.Reset == ResetMidBody:
		rec := record(rt, w, r, body, false)
		b := rec.body.Bytes()
		s.sendRaw(w, rec, max(len(b), 1), b[:len(b)/2])
	case f.Truncate:
		rec := record(rt, w, r, body, false)
		b := rec.body.Bytes()
		b = b[:len(b)/2]
		replaceHeader(w.Header(), rec.header)
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(rec.status)
		_, _ = w.Write(b)
	case f.Malformed:
		writeBody(w, http.StatusOK, ContentTypeJSON, []byte(`{"broken":`))
	case f.ContentType != "":
		record(rt, w, r, body, true)
		writeBody(w, http.StatusOK, f.ContentType, []byte(gatewayPage))
	case f.Oversize > 0:
		writeOversize(w, f.Oversize)
	case f.OverDeclared:
		rec := record(rt, w, r, body, false)
		b := rec.body.Bytes()
		s.sendRaw(w, rec, len(b), append(b, overDeclaredExtra...))
	case f.Redirect != "":
		w.Header().Set("Location", f.Redirect)
		writeBody(w, http.StatusFound, "", nil)
	case len(f.BreakAt) > 0:
		rt.handler(&breakWriter{s: s, inj: inj, w: w}, r, body)
	default:
		rt.handler(w, r, body)
	}
}

// gatewayPage is the body of a ContentType fault.
const gatewayPage = "<html><head><title>502 Bad Gateway</title></head>" +
	"<body><h1>502 Bad Gateway</h1><p>fake: injected ContentType fault</p></body></html>\n"

// overDeclaredExtra follows the declared body of an OverDeclared fault.
const overDeclaredExtra = `{"error_code":"FAKE.FAULT","error_msg":"bytes beyond the declared Content-Length"}`

// writeBody answers status with body and, when not "", the Content-Type ct.
func writeBody(w http.ResponseWriter, status int, ct string, body []byte) {
	h := w.Header()
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeOversize streams a {"pad":"xxx..."} object of n bytes (n >= MinOversize).
func writeOversize(w http.ResponseWriter, n int64) {
	h := w.Header()
	h.Set("Content-Type", ContentTypeJSON)
	h.Set("Content-Length", strconv.FormatInt(n, 10))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte(`{"pad":"`)); err != nil {
		return
	}
	chunk := bytes.Repeat([]byte{'x'}, 32<<10)
	for left := n - MinOversize; left > 0; {
		c := chunk[:min(left, int64(len(chunk)))]
		if _, err := w.Write(c); err != nil {
			return
		}
		left -= int64(len(c))
	}
	_, _ = w.Write([]byte(`"}`))
}

// replaceHeader makes dst a copy of src.
func replaceHeader(dst, src http.Header) {
	clear(dst)
	for k, v := range src {
		dst[k] = v
	}
}

// recorder captures a handler's response instead of sending it.
type recorder struct {
	header  http.Header
	status  int
	body    bytes.Buffer
	discard bool // keep no body
}

// Header returns the captured header, which starts as a copy of the real one.
func (rec *recorder) Header() http.Header { return rec.header }

// WriteHeader records the first final status.
func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 && code >= 200 {
		rec.status = code
	}
}

// Write captures (or discards) p.
func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.discard {
		return len(p), nil
	}
	return rec.body.Write(p)
}

// Flush does nothing; it lets handlers that flush run against a recorder.
func (rec *recorder) Flush() {}

// record runs rt's handler into a recorder and returns it, with a status set.
func record(rt *route, w http.ResponseWriter, r *http.Request, body []byte, discard bool) *recorder {
	rec := &recorder{header: w.Header().Clone(), discard: discard}
	rt.handler(rec, r, body)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec
}

// sendRaw takes over the connection and writes rec's status and headers with
// Content-Length declared, then payload, then closes the connection.
func (s *Server) sendRaw(w http.ResponseWriter, rec *recorder, declared int, payload []byte) {
	conn, brw := s.hijack(w)
	if conn == nil {
		return
	}
	defer s.release(conn, false)
	h := rec.header
	h.Del("Content-Length")
	h.Del("Transfer-Encoding")
	fmt.Fprintf(brw, "HTTP/1.1 %d %s\r\n", rec.status, http.StatusText(rec.status))
	_ = h.Write(brw)
	fmt.Fprintf(brw, "Content-Length: %d\r\n\r\n", declared)
	_, _ = brw.Write(payload)
	_ = brw.Flush()
}

// hijack takes over the connection of w and tracks it until release. It returns nil
// when it cannot: after answering 500 when w does not support it, or after closing
// the connection when the server is closing.
func (s *Server) hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		WriteError(w, http.StatusInternalServerError, CodeFault, "fake: the fault cannot take over the connection: "+err.Error())
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = conn.Close()
		return nil, nil
	}
	s.hijacked[conn] = struct{}{}
	return conn, brw
}

// release stops tracking a hijacked connection and closes it; with reset, the close
// sends a TCP reset instead of an orderly shutdown.
func (s *Server) release(conn net.Conn, reset bool) {
	s.mu.Lock()
	delete(s.hijacked, conn)
	s.mu.Unlock()
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// errBrokenOff is what a handler's writes return once a BreakAt fault cut its body.
var errBrokenOff = errors.New("fake: the body was broken off by a BreakAt fault")

// breakWriter passes a handler's reply through until the BreakAt offset chosen when
// the headers are written, then closes the connection.
type breakWriter struct {
	s      *Server
	inj    *injected
	w      http.ResponseWriter
	header bool
	left   int64 // body bytes until the cut; -1: no cut
	broken bool
}

// Header returns the real response's header.
func (b *breakWriter) Header() http.Header { return b.w.Header() }

// WriteHeader picks the offset that cuts this reply and sends the headers.
func (b *breakWriter) WriteHeader(code int) {
	if b.header {
		return
	}
	b.header = true
	b.left = b.s.nextBreak(b.inj, bodyStart(code, b.w.Header()))
	b.w.WriteHeader(code)
}

// Write sends p, or the part of it before the cut, then breaks the connection.
func (b *breakWriter) Write(p []byte) (int, error) {
	if !b.header {
		b.WriteHeader(http.StatusOK)
	}
	switch {
	case b.broken:
		return 0, errBrokenOff
	case b.left < 0 || int64(len(p)) < b.left:
		n, err := b.w.Write(p)
		if b.left >= 0 {
			b.left -= int64(n)
		}
		return n, err
	}
	n, err := b.w.Write(p[:b.left])
	if err != nil {
		return n, err
	}
	b.broken = true
	// Flush the response's own buffer: Hijack would drop it.
	_ = http.NewResponseController(b.w).Flush()
	if conn, _ := b.s.hijack(b.w); conn != nil {
		b.s.release(conn, false)
	}
	return n, errBrokenOff
}

// Flush flushes the response until the cut.
func (b *breakWriter) Flush() {
	if !b.broken {
		_ = http.NewResponseController(b.w).Flush()
	}
}

// bodyStart is the offset in the whole resource of the first byte of a reply's body:
// the start of its Content-Range for a 206, else 0.
func bodyStart(code int, h http.Header) int64 {
	if code != http.StatusPartialContent {
		return 0
	}
	cr, ok := strings.CutPrefix(h.Get("Content-Range"), "bytes ")
	if !ok {
		return 0
	}
	first, _, _ := strings.Cut(cr, "-")
	n, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// nextBreak uses up the first unused BreakAt offset of inj past start and returns how
// many body bytes come before it, or -1 when no offset is left past start. The fault
// is removed once its last offset is used.
func (s *Server) nextBreak(inj *injected, start int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	offsets := inj.f.BreakAt
	for inj.breaks < len(offsets) {
		off := offsets[inj.breaks]
		inj.breaks++
		if inj.breaks == len(offsets) {
			s.faults = slices.DeleteFunc(s.faults, func(x *injected) bool { return x == inj })
		}
		if off > start {
			return off - start
		}
	}
	return -1
}
