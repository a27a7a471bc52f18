package baremetal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
)

// archiveBody is DownloadLogsResponse.Body: it reads the archive, checks its length,
// and resumes it with a ranged request when it breaks off. A failure ends it with a
// *RequestError naming the operation and the byte counts; after the first error
// every Read returns it again.
type archiveBody struct {
	c      *Client
	ctx    context.Context
	op     string
	opts   hcloud.CallOptions
	params []string      // ServerID, ExportID
	stall  time.Duration // 0: no stall detection

	want      int64 // archive size; -1: unknown
	got       int64 // bytes delivered to the reader
	attempts  int   // requests sent, the first included
	etag      string
	ifRange   string // the validator resumed requests send: the ETag, else Last-Modified
	status    int    // of the last reply
	requestID string // of the last reply
	broke     error  // why the current attempt broke off, until the next one starts
	err       error

	// rewind, when set, empties the destination so that the download can restart from
	// byte 0 of an archive of the given size (-1: unknown).
	rewind func(size int64) error

	mu     sync.Mutex // guards body swaps and closed, against a concurrent Close
	body   io.ReadCloser
	wd     *watchdog // of the current attempt; nil without stall detection
	cancel context.CancelCauseFunc
	closed bool
}

func newArchiveBody(ctx context.Context, c *Client, op string, req *DownloadLogsRequest, opts hcloud.CallOptions) *archiveBody {
	stall := req.StallTimeout
	switch {
	case stall == 0:
		stall = DefaultStallTimeout
	case stall < 0:
		stall = 0
	}
	return &archiveBody{c: c, ctx: ctx, op: op, opts: opts, params: []string{req.ServerID, req.ExportID}, stall: stall, want: -1}
}

// errStalled is the cause that cancels an attempt the watchdog found stalled.
var errStalled = errors.New("stalled")

// errBodyClosed is what reading a closed body returns.
var errBodyClosed = errors.New("read on a closed archive body")

// send sends one request for the archive, from byte d.got when resuming, under a
// watchdog that cancels it when the headers take longer than the stall timeout.
func (d *archiveBody) send(resuming bool) (*http.Response, error) {
	// An archive is not JSON: no Accept; and identity, so that no transport un-gzips a
	// tar.gz labelled Content-Encoding: gzip and the length check stays true.
	h := http.Header{"Accept": nil, "Accept-Encoding": {"identity"}}
	if resuming {
		h["Range"] = []string{"bytes=" + strconv.FormatInt(d.got, 10) + "-"}
		if d.ifRange != "" {
			h["If-Range"] = []string{d.ifRange}
		}
	}
	ctx, cancel := d.ctx, context.CancelCauseFunc(nil)
	var wd *watchdog
	if d.stall > 0 {
		ctx, cancel = context.WithCancelCause(d.ctx)
		wd = newWatchdog(d.stall, cancel)
	}
	d.mu.Lock()
	d.wd, d.cancel = wd, cancel // so that Close can end the request
	d.mu.Unlock()
	d.attempts++
	wd.enter()
	resp, err := d.c.c.Stream(ctx, &core.Call{
		Op:      d.op,
		Method:  http.MethodGet,
		Path:    contentPath,
		Params:  d.params,
		Header:  h,
		Options: d.opts,
	})
	wd.exit()
	if err != nil {
		d.mu.Lock()
		d.endAttempt()
		d.mu.Unlock()
		if wd.fired() && d.ctx.Err() == nil {
			return nil, &stallError{d: d.stall, headers: true}
		}
		return nil, err
	}
	d.status, d.requestID = resp.StatusCode, resp.Header.Get("X-Request-Id")
	return resp, nil
}

// stallError reports an attempt during which nothing came for the stall timeout.
type stallError struct {
	d       time.Duration
	headers bool
}

func (e *stallError) Error() string {
	if e.headers {
		return fmt.Sprintf("no reply headers for %v (stall timeout)", e.d)
	}
	return fmt.Sprintf("no bytes for %v (stall timeout)", e.d)
}

// connect sends the first request, sending it again when it stalls before its
// headers while the retry policy allows.
func (d *archiveBody) connect() (*http.Response, error) {
	for {
		resp, err := d.send(false)
		var se *stallError
		if !errors.As(err, &se) {
			return resp, err
		}
		d.broke = err
		if err := d.pause(); err != nil {
			return nil, err
		}
	}
}

// start takes the size and validators of a reply that starts the archive.
func (d *archiveBody) start(resp *http.Response) {
	d.want = max(resp.ContentLength, -1)
	d.etag = resp.Header.Get("ETag")
	d.ifRange = d.etag
	if d.ifRange == "" || strings.HasPrefix(d.ifRange, "W/") {
		// A weak ETag cannot validate a range; a date can.
		d.ifRange = resp.Header.Get("Last-Modified")
	}
}

// abandon closes a reply that will not be read, and its attempt.
func (d *archiveBody) abandon(resp *http.Response) {
	resp.Body.Close()
	d.mu.Lock()
	d.endAttempt()
	d.mu.Unlock()
}

// endAttempt stops the current attempt's watchdog and releases its context; d.mu is
// held.
func (d *archiveBody) endAttempt() {
	d.wd.stop()
	if d.cancel != nil {
		d.cancel(nil)
	}
	d.wd, d.cancel = nil, nil
}

// pause waits the backoff before the next attempt, or fails when the retry policy
// allows none: the error then names why the last attempt broke off.
func (d *archiveBody) pause() error {
	wait, ok := d.c.c.Backoff(d.opts, d.attempts)
	if !ok {
		return d.fail(d.broke)
	}
	if err := d.c.c.Clock().Sleep(d.ctx, wait); err != nil {
		return d.fail(fmt.Errorf("%w; not resumed: %w", d.broke, err))
	}
	return nil
}

func (d *archiveBody) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if d.body == nil {
			if err := d.resume(); err != nil {
				d.err = err
				return 0, err
			}
		}
		if d.want >= 0 {
			left := d.want - d.got
			if left == 0 {
				return 0, d.probeEnd()
			}
			if int64(len(p)) > left {
				p = p[:left]
			}
		}
		d.wd.enter()
		n, err := d.body.Read(p)
		d.wd.exit()
		d.got += int64(n)
		if err == nil {
			return n, nil
		}
		if errors.Is(err, io.EOF) && (d.want < 0 || d.got == d.want) {
			d.err = io.EOF
			return n, io.EOF
		}
		if err := d.broken(err); err != nil {
			d.err = err
			return n, err
		}
		if n > 0 {
			return n, nil
		}
	}
}

// broken handles a read that failed before the end: it drops the attempt and returns
// nil when the download can resume, else the error to end it with.
func (d *archiveBody) broken(err error) error {
	var cause error
	switch {
	case d.wd.fired():
		cause = fmt.Errorf("reading the body after %d bytes: %w", d.got, &stallError{d: d.stall})
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		cause = d.short()
	default:
		cause = fmt.Errorf("reading the body after %d bytes: %w", d.got, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return d.fail(errBodyClosed)
	}
	d.body.Close()
	d.endAttempt()
	d.body = nil
	if d.ctx.Err() != nil {
		return d.fail(cause)
	}
	d.broke = cause
	return nil
}

// resume asks for the rest of the archive, after the retry policy's backoff, and
// checks that the reply continues it.
func (d *archiveBody) resume() error {
	d.mu.Lock()
	closed := d.closed
	d.mu.Unlock()
	if closed {
		return d.fail(errBodyClosed)
	}
	var resp *http.Response
	for resp == nil {
		if err := d.pause(); err != nil {
			return err
		}
		r, err := d.send(true)
		var se *stallError
		switch {
		case errors.As(err, &se):
			d.broke = err
			continue
		case err != nil:
			return d.fail(fmt.Errorf("%w; resuming at byte %d: %w", d.broke, d.got, err))
		}
		resp = r
	}
	if err := d.accept(resp); err != nil {
		d.abandon(resp)
		return d.fail(fmt.Errorf("%w; resuming at byte %d: %w", d.broke, d.got, err))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		resp.Body.Close()
		d.endAttempt()
		return d.fail(errBodyClosed)
	}
	d.body = resp.Body
	d.broke = nil
	return nil
}

// accept checks a reply to a resumed request: a 206 must continue the archive at
// d.got; a 200 (the range ignored) restarts it from byte 0 when d.rewind allows.
func (d *archiveBody) accept(resp *http.Response) error {
	switch resp.StatusCode {
	case http.StatusPartialContent:
		cr := resp.Header.Get("Content-Range")
		first, last, total, ok := parseContentRange(cr)
		switch {
		case !ok || first != d.got || last < first || total >= 0 && last != total-1:
			return fmt.Errorf("the reply's Content-Range %q does not continue the archive", cr)
		case d.want >= 0 && total != d.want:
			return fmt.Errorf("the reply's Content-Range %q gives another size than the %d bytes of the archive", cr, d.want)
		case resp.ContentLength >= 0 && resp.ContentLength != last-first+1:
			return fmt.Errorf("the reply's Content-Length %d does not match its Content-Range %q", resp.ContentLength, cr)
		}
		if etag := resp.Header.Get("ETag"); etag != "" && d.etag != "" && etag != d.etag {
			return fmt.Errorf("the archive changed: ETag %s, first %s", etag, d.etag)
		}
		if d.want < 0 {
			d.want = total
		}
		return nil
	case http.StatusOK:
		rewind := d.rewind
		if d.got == 0 {
			rewind = func(int64) error { return nil } // nothing to take back
		}
		if rewind == nil {
			return fmt.Errorf("the service ignored the range and sent the whole archive again (status 200), "+
				"and the %d bytes already delivered cannot be taken back", d.got)
		}
		if err := checkArchiveType(resp.Header.Get("Content-Type")); err != nil {
			return err
		}
		size := max(resp.ContentLength, -1)
		if err := rewind(size); err != nil {
			return fmt.Errorf("the service ignored the range and sent the whole archive again (status 200); "+
				"restarting from byte 0: %w", err)
		}
		d.got = 0
		d.start(resp)
		return nil
	}
	return fmt.Errorf("unexpected status %d", resp.StatusCode)
}

// parseContentRange reads "bytes first-last/total"; total is -1 for "*".
func parseContentRange(s string) (first, last, total int64, ok bool) {
	spec, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	span, size, found := strings.Cut(spec, "/")
	if !found {
		return 0, 0, 0, false
	}
	a, b, found := strings.Cut(span, "-")
	if !found {
		return 0, 0, 0, false
	}
	var err1, err2, err3 error
	first, err1 = strconv.ParseInt(a, 10, 64)
	last, err2 = strconv.ParseInt(b, 10, 64)
	total = -1
	if size != "*" {
		total, err3 = strconv.ParseInt(size, 10, 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || first < 0 {
		return 0, 0, 0, false
	}
	return first, last, total, true
}

// probeEnd checks, once all declared bytes are read, that the reply ends there.
func (d *archiveBody) probeEnd() error {
	var one [1]byte
	d.wd.enter()
	n, err := d.body.Read(one[:])
	d.wd.exit()
	switch {
	case n > 0:
		d.err = d.fail(fmt.Errorf("the body is longer than its Content-Length of %d bytes", d.want))
	case err == nil:
		return nil
	case errors.Is(err, io.EOF):
		d.err = io.EOF
	default:
		d.err = d.fail(fmt.Errorf("reading the body after %d bytes: %w", d.got, err))
	}
	return d.err
}

// short describes a reply that ended early.
func (d *archiveBody) short() error {
	if d.want < 0 {
		return fmt.Errorf("the body ended early after %d bytes: %w", d.got, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("the body ended after %d of %d bytes: %w", d.got, d.want, io.ErrUnexpectedEOF)
}

func (d *archiveBody) fail(err error) error {
	return &RequestError{Service: core.ServiceBareMetal, Operation: d.op, Attempts: d.attempts,
		StatusCode: d.status, RequestID: d.requestID, Err: err}
}

// Close closes the current reply; a Read running in another goroutine returns.
func (d *archiveBody) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	var err error
	if d.body != nil {
		err = d.body.Close()
	}
	// Leave the fields to Read, which may be running: stop the attempt only.
	d.wd.stop()
	if d.cancel != nil {
		d.cancel(nil)
	}
	return err
}

// stallChecks is how many times per stall timeout the watchdog looks for progress:
// a stall is detected between 1 and 1+1/stallChecks timeouts after the last byte.
const stallChecks = 4

// watchdog cancels an attempt that receives nothing for the stall timeout while it is
// read. Reads only bump a counter, twice; a timer looks at it stallChecks times per
// timeout, so the cost does not grow with the number of reads. Its methods are no-ops
// on a nil watchdog.
type watchdog struct {
	seq    atomic.Int64 // bumped when a read starts and when it ends: odd during a read
	done   atomic.Bool
	stall  atomic.Bool
	timer  *time.Timer
	tick   time.Duration
	cancel context.CancelCauseFunc

	// Touched only by the timer's function, which never runs twice at once.
	last int64
	idle int
}

func newWatchdog(d time.Duration, cancel context.CancelCauseFunc) *watchdog {
	w := &watchdog{tick: max(d/stallChecks, time.Millisecond), cancel: cancel, last: -1}
	w.timer = time.AfterFunc(w.tick, w.check)
	return w
}

// enter marks the start of a read.
func (w *watchdog) enter() {
	if w != nil {
		w.seq.Add(1)
	}
}

// exit marks the end of a read.
func (w *watchdog) exit() {
	if w != nil {
		w.seq.Add(1)
	}
}

// check counts the ticks a read has been running without returning, and cancels the
// attempt after stallChecks of them.
func (w *watchdog) check() {
	if w.done.Load() {
		return
	}
	s := w.seq.Load()
	if s == w.last && s%2 == 1 {
		w.idle++
		if w.idle >= stallChecks {
			w.stall.Store(true)
			w.cancel(errStalled)
			return
		}
	} else {
		w.last, w.idle = s, 0
	}
	w.timer.Reset(w.tick)
}

// stop ends the watch.
func (w *watchdog) stop() {
	if w != nil {
		w.done.Store(true)
		w.timer.Stop()
	}
}

// fired reports whether the watchdog cancelled its attempt.
func (w *watchdog) fired() bool { return w != nil && w.stall.Load() }
