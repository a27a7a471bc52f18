package reliability

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/internal/fake"
)

// attempts is the default RetryPolicy.MaxAttempts the matrix runs with.
const attempts = hcloud.DefaultMaxAttempts

// outcome is how a call under a fault must end.
type outcome struct {
	// ok: the call succeeds with the operation's full result.
	ok bool
	// status: the call fails with an *APIError of this status.
	status int
	// code is the APIError's Code.
	code string
	// attempts is the Attempts of the error.
	attempts int
	// requests is how many requests reach the route; hits how many the fault acts on.
	requests, hits int
	// retryAfter, when set, is every wait between two attempts.
	retryAfter time.Duration
	// replied: a *RequestError about a reply that came (decode or body errors) carries
	// its status and request ID.
	replied bool
	// is is a cause the error must wrap.
	is error
	// text is a part of the error text.
	text string
}

// faultCase is one column of the matrix: a fault and how each kind of operation ends.
type faultCase struct {
	name  string
	fault fake.Fault
	// deadline, when set, is the ctx timeout of the call.
	deadline time.Duration
	// maxBytes is Config.MaxResponseBytes; 0 keeps the default.
	maxBytes int64
	// redirect sends the fault's Redirect to a server that must never be reached.
	redirect bool
	// expect returns how op ends; false when the cell is not in the matrix.
	expect func(op operation) (outcome, bool)
}

// The cells the matrix leaves out, until the client handles them:
//   - truncated, malformed, mistyped and oversized bodies on downloads: the archive
//     route answers 200 with a JSON or HTML body, or with half the archive and a
//     matching Content-Length, and DownloadLogs and ExportAndDownload take that body
//     for the archive and succeed (they do not check the reply's Content-Type);
//   - a malformed body on hss.RestoreBackup, whose reply has no body: the client
//     discards whatever comes with the 200 and succeeds, although the fault answered
//     without running the restore.
var faultCases = []faultCase{
	{
		name:  "429 storm with Retry-After",
		fault: fake.Fault{Status: http.StatusTooManyRequests, RetryAfter: "2"},
		expect: func(operation) (outcome, bool) {
			return outcome{status: 429, code: fake.CodeFault, attempts: attempts, requests: attempts, hits: attempts,
				retryAfter: 2 * time.Second, is: core.ErrThrottled}, true
		},
	},
	{
		name:  "429 until it clears",
		fault: fake.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 2},
		expect: func(operation) (outcome, bool) {
			return outcome{ok: true, requests: 3, hits: 2, retryAfter: time.Second}, true
		},
	},
	{
		name:  "429 with a Retry-After beyond the cap",
		fault: fake.Fault{Status: http.StatusTooManyRequests, RetryAfter: "86400", Times: 1},
		expect: func(operation) (outcome, bool) {
			return outcome{ok: true, requests: 2, hits: 1, retryAfter: hcloud.DefaultMaxRetryAfter}, true
		},
	},
	{
		name:  "409 until the state clears",
		fault: fake.Fault{Status: http.StatusConflict, Times: 2},
		expect: func(operation) (outcome, bool) {
			return outcome{ok: true, requests: 3, hits: 2}, true
		},
	},
	{
		name:  "412 until the state clears",
		fault: fake.Fault{Status: http.StatusPreconditionFailed, Times: attempts - 1},
		expect: func(operation) (outcome, bool) {
			return outcome{ok: true, requests: attempts, hits: attempts - 1}, true
		},
	},
	{
		name:  "500 persistent",
		fault: fake.Fault{Status: http.StatusInternalServerError},
		expect: func(op operation) (outcome, bool) {
			if op.kind.idempotent() {
				return outcome{status: 500, code: fake.CodeFault, attempts: attempts, requests: attempts, hits: attempts}, true
			}
			// A POST is never retried on a 5xx: it may have taken effect.
			return outcome{status: 500, code: fake.CodeFault, attempts: 1, requests: 1, hits: 1}, true
		},
	},
	{
		name:  "503 with Retry-After, then success",
		fault: fake.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "1", Times: 2},
		expect: func(op operation) (outcome, bool) {
			if op.kind.idempotent() {
				return outcome{ok: true, requests: 3, hits: 2, retryAfter: time.Second}, true
			}
			return outcome{status: 503, code: fake.CodeFault, attempts: 1, requests: 1, hits: 1}, true
		},
	},
	{
		name:  "reset before headers",
		fault: fake.Fault{Reset: fake.ResetBeforeHeaders},
		expect: func(op operation) (outcome, bool) {
			if !op.kind.idempotent() {
				return outcome{attempts: 1, requests: 1, hits: 1}, true
			}
			// Every attempt but a warm first one opens a fresh connection, which
			// net/http never resends on; a warm one is resent once, unseen by the client.
			n := attempts
			if op.warm {
				n++
			}
			return outcome{attempts: attempts, requests: n, hits: n}, true
		},
	},
	{
		name:  "reset mid-body",
		fault: fake.Fault{Reset: fake.ResetMidBody},
		expect: func(op operation) (outcome, bool) {
			if op.kind.idempotent() {
				// A GET's JSON body is read within the retry loop: a reply that
				// breaks off is retried like any transport error. A download's body
				// is resumed from where it broke off, within the same attempts.
				return outcome{attempts: attempts, requests: attempts, hits: attempts, replied: true, is: io.ErrUnexpectedEOF}, true
			}
			// A POST may have taken effect: it is not retried once the headers came.
			return outcome{attempts: 1, requests: 1, hits: 1, replied: true, is: io.ErrUnexpectedEOF}, true
		},
	},
	{
		name:     "slow reply past the deadline",
		fault:    fake.Fault{Delay: time.Minute},
		deadline: 2 * time.Second,
		expect: func(operation) (outcome, bool) {
			return outcome{attempts: 1, requests: 1, hits: 1, is: context.DeadlineExceeded}, true
		},
	},
	{
		name:  "truncated JSON",
		fault: fake.Fault{Truncate: true},
		expect: func(op operation) (outcome, bool) {
			switch {
			case op.kind.download():
				return outcome{}, false
			case op.kind == kindPostEmpty:
				// Nothing to truncate: the fault sends the empty reply unchanged.
				return outcome{ok: true, requests: 1, hits: 1}, true
			}
			return outcome{attempts: 1, requests: 1, hits: 1, replied: true,
				text: op.errOp + ": decode response: unexpected end of JSON input"}, true
		},
	},
	{
		name:  "malformed JSON",
		fault: fake.Fault{Malformed: true},
		expect: func(op operation) (outcome, bool) {
			switch {
			case op.kind.download():
				return outcome{}, false
			case op.kind == kindPostEmpty:
				// A reply expected empty must at least be JSON.
				return outcome{attempts: 1, requests: 1, hits: 1, replied: true,
					text: op.errOp + ": decode response: the body is not valid JSON"}, true
			}
			return outcome{attempts: 1, requests: 1, hits: 1, replied: true,
				text: op.errOp + ": decode response: unexpected end of JSON input"}, true
		},
	},
	{
		name:  "wrong Content-Type",
		fault: fake.Fault{ContentType: "text/html"},
		expect: func(op operation) (outcome, bool) {
			switch {
			case op.kind.download():
				return outcome{}, false
			case op.kind == kindPostEmpty:
				// The fault runs the handler, so the restore took place, but a gateway
				// page instead of the empty reply is reported, not taken for success.
				return outcome{attempts: 1, requests: 1, hits: 1, replied: true,
					text: op.errOp + ": decode response: the body is not valid JSON"}, true
			}
			return outcome{attempts: 1, requests: 1, hits: 1, replied: true,
				text: op.errOp + ": decode response: invalid character '<'"}, true
		},
	},
	{
		name:     "body larger than the cap",
		fault:    fake.Fault{Oversize: 1 << 20},
		maxBytes: 4 << 10,
		expect: func(op operation) (outcome, bool) {
			switch {
			case op.kind.download():
				return outcome{}, false
			}
			return outcome{attempts: 1, requests: 1, hits: 1, replied: true, text: op.errOp + ": response body exceeds 4096 bytes"}, true
		},
	},
	{
		name:     "3xx redirect",
		fault:    fake.Fault{Redirect: "set per case"},
		redirect: true,
		expect: func(operation) (outcome, bool) {
			return outcome{status: http.StatusFound, attempts: 1, requests: 1, hits: 1, text: "not followed"}, true
		},
	},
}

// TestFaultMatrix runs every operation of every service against its fake under each
// fault, and checks the attempts the fake saw, the error's type and fields, that no
// secret shows in it, and that a download never reports a partial archive as a
// success.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	for _, svc := range services {
		ops, err := svc.ops(offlineConfig())
		require.NoError(t, err)
		for _, op := range ops {
			for _, fc := range faultCases {
				want, ok := fc.expect(op)
				if !ok {
					continue
				}
				t.Run(op.name+"/"+fc.name, func(t *testing.T) {
					t.Parallel()
					runFaultCase(t, svc, op.name, fc, want)
				})
			}
		}
	}
}

// runFaultCase runs one cell of the matrix on a fresh fake and client.
func runFaultCase(t *testing.T, svc service, opName string, fc faultCase, want outcome) {
	env := newEnv(t, svc, envOptions{fakeClock: true, tweak: func(cfg *core.Config) {
		cfg.MaxResponseBytes = fc.maxBytes
	}})
	op := env.op(t, opName)

	var elsewhere atomic.Int64
	f := fc.fault
	f.Route = op.route
	if fc.redirect {
		target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			elsewhere.Add(1)
			w.WriteHeader(http.StatusOK)
		}))
		t.Cleanup(target.Close)
		f.Redirect = target.URL + "/elsewhere"
	}
	inj, err := env.srv.InjectFault(f)
	require.NoError(t, err)
	before := env.srv.Requests(op.route) // the fake's own seeding requests

	ctx := context.Background()
	if fc.deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, fc.deadline)
		defer cancel()
	}
	got, err := op.call(ctx)

	assert.Equal(t, want.requests, env.srv.Requests(op.route)-before, "requests on %s", op.route)
	assert.Equal(t, want.hits, inj.Hits(), "requests the fault acted on")
	assert.Zero(t, elsewhere.Load(), "requests that followed the redirect")
	retries := max(want.attempts-1, 0)
	if want.ok {
		retries = want.requests - 1
	}
	sleeps := env.clock.Sleeps()
	assert.Len(t, sleeps, retries, "waits between attempts")
	if want.retryAfter > 0 {
		for _, d := range sleeps {
			assert.Equal(t, want.retryAfter, d, "wait before a retry")
		}
	}

	if want.ok {
		require.NoError(t, err)
		assert.Equal(t, op.want, got, "result after the fault")
		return
	}
	require.Error(t, err)
	assertNoSecret(t, "error", errorTexts(err), env.secrets())
	assert.False(t, isValidation(err), "a fault is not a validation error: %v", err)
	assert.True(t, strings.HasPrefix(err.Error(), svc.errName+": "+op.errOp+": "), "error names the service and operation: %v", err)
	if op.kind.download() {
		// Never a partial archive reported as a success.
		assert.Less(t, got, int64(archiveSize), "bytes reported with the error")
	}
	if want.is != nil {
		assert.ErrorIs(t, err, want.is)
	}
	if want.text != "" {
		assert.Contains(t, err.Error(), want.text)
	}

	if want.status != 0 {
		var ae *core.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, want.status, ae.StatusCode)
		assert.Equal(t, want.code, ae.Code)
		assert.Equal(t, want.attempts, ae.Attempts)
		assert.NotEmpty(t, ae.RequestID)
		assert.Equal(t, svc.errName, ae.Service)
		assert.Equal(t, op.errOp, ae.Operation)
		return
	}
	var re *core.RequestError
	require.ErrorAs(t, err, &re)
	var ae *core.APIError
	assert.False(t, errors.As(err, &ae), "a failure without an error reply is not an APIError: %v", err)
	assert.Equal(t, svc.errName, re.Service)
	assert.Equal(t, op.errOp, re.Operation)
	if want.replied {
		assert.True(t, re.StatusCode >= 200 && re.StatusCode < 300, "status of the reply: %d", re.StatusCode)
		assert.NotEmpty(t, re.RequestID)
	} else {
		assert.Equal(t, want.attempts, re.Attempts)
		assert.Zero(t, re.StatusCode)
	}
	if want.replied && !op.kind.download() {
		// Do knows the attempts of a decode error; a download's body errors come
		// after the call returned.
		assert.Equal(t, want.attempts, re.Attempts)
	}
}
