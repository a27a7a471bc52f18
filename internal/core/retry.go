package core

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Retry policy defaults, used for the zero fields of RetryPolicy.
const (
	DefaultMaxAttempts   = 4
	DefaultMinWait       = 200 * time.Millisecond
	DefaultMaxWait       = 20 * time.Second
	DefaultMaxRetryAfter = 60 * time.Second
)

// RetryPolicy says which failures are retried and how long to wait in between.
// Zero fields take the defaults; MaxAttempts 1 disables retries.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, the first included (default 4).
	MaxAttempts int
	// MinWait is the base of the exponential backoff (default 200 ms).
	MinWait time.Duration
	// MaxWait caps one backoff wait (default 20 s).
	MaxWait time.Duration
	// MaxRetryAfter caps a server's Retry-After (default 60 s); a longer one is shortened
	// to this, never obeyed blindly.
	MaxRetryAfter time.Duration
	// RetryStatuses are retried for every method (default 409, 412, 429).
	RetryStatuses []int
	// RetryIdempotentStatuses are retried for GET and HEAD only, as are transport errors
	// such as a connection reset (default 500, 502, 503, 504).
	RetryIdempotentStatuses []int
}

var (
	defaultRetryStatuses           = []int{http.StatusConflict, http.StatusPreconditionFailed, http.StatusTooManyRequests}
	defaultRetryIdempotentStatuses = []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}
)

// withDefaults returns p with its zero fields filled in.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.MinWait == 0 {
		p.MinWait = DefaultMinWait
	}
	if p.MaxWait == 0 {
		p.MaxWait = DefaultMaxWait
	}
	if p.MaxWait < p.MinWait {
		p.MaxWait = p.MinWait
	}
	if p.MaxRetryAfter == 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if p.RetryStatuses == nil {
		p.RetryStatuses = defaultRetryStatuses
	}
	if p.RetryIdempotentStatuses == nil {
		p.RetryIdempotentStatuses = defaultRetryIdempotentStatuses
	}
	return p
}

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxAttempts < 0:
		return fmt.Errorf("Retry.MaxAttempts %d must not be negative", p.MaxAttempts)
	case p.MinWait < 0, p.MaxWait < 0, p.MaxRetryAfter < 0:
		return errors.New("retry waits (MinWait, MaxWait, MaxRetryAfter) must not be negative")
	}
	return nil
}

// backoff is the wait before retry number n (1 for the first retry): full jitter over
// an exponential ceiling, MinWait·2^(n-1) capped at MaxWait.
func (p RetryPolicy) backoff(n int) time.Duration {
	ceiling := p.MaxWait
	if n-1 < 32 {
		if d := p.MinWait << (n - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return rand.N(ceiling + 1)
}

// retryAfter parses a Retry-After header (seconds or HTTP date) relative to now.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(h, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > int64(time.Duration(1<<62)/time.Second) {
			s = int64(time.Duration(1<<62) / time.Second)
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// attemptState follows one call through the retry loop. The loop runs its hooks
// sequentially, so the fields need no lock.
type attemptState struct {
	body      *buffer // the 2xx body read by Do's response handler
	status    int     // the status and request ID of the reply whose body it read
	requestID string
	method    string
	attempts  int
	wait      time.Duration
	reason    string
}

type attemptKey struct{}

func stateOf(ctx context.Context) *attemptState {
	st, _ := ctx.Value(attemptKey{}).(*attemptState)
	return st
}

// retrier adapts a RetryPolicy to go-retryablehttp's hooks. The wait itself happens
// in PrepareRetry through the Clock, so it honours ctx and can be simulated in tests.
type retrier struct {
	policy RetryPolicy
	clock  Clock
	logger *slog.Logger
}

// newRetryClient wires go-retryablehttp with our policy around the signed transport.
func newRetryClient(r *retrier, hc *http.Client) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:     hc,
		RetryMax:       r.policy.MaxAttempts - 1,
		RequestLogHook: r.requestHook,
		CheckRetry:     r.checkRetry,
		Backoff:        func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 },
		PrepareRetry:   r.prepareRetry,
		ErrorHandler:   passThrough,
	}
}

func (r *retrier) requestHook(_ retryablehttp.Logger, req *http.Request, i int) {
	if st := stateOf(req.Context()); st != nil {
		st.attempts = i + 1
		st.status, st.requestID = 0, ""
	}
}

// checkRetry decides whether the last attempt is retried and, if so, how long to wait.
func (r *retrier) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	st := stateOf(ctx)
	if st == nil {
		return false, err
	}
	idempotent := st.method == http.MethodGet || st.method == http.MethodHead
	if err != nil {
		if !idempotent || !retryableTransportError(err) {
			return false, err
		}
		st.reason = err.Error()
		st.wait = r.policy.backoff(st.attempts)
		return true, nil
	}
	code := resp.StatusCode
	if !slices.Contains(r.policy.RetryStatuses, code) && !(idempotent && slices.Contains(r.policy.RetryIdempotentStatuses, code)) {
		return false, nil
	}
	st.reason = "status " + strconv.Itoa(code)
	st.wait = r.policy.backoff(st.attempts)
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), r.clock.Now()); ok {
			st.wait = min(d, r.policy.MaxRetryAfter)
		}
	}
	return true, nil
}

// retryableTransportError reports whether a transport error may succeed on a new attempt:
// not a certificate problem, a bad URL or a refusal by our own request pipeline.
func retryableTransportError(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		local            *localError
	)
	switch {
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalid), errors.As(err, &local):
		return false
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	}
	return true
}

// prepareRetry logs the coming retry and waits for it.
func (r *retrier) prepareRetry(req *http.Request) error {
	st := stateOf(req.Context())
	if st == nil {
		return nil
	}
	if r.logger != nil {
		r.logger.LogAttrs(req.Context(), slog.LevelDebug, "hcloudlogs: retrying request",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.String("reason", st.reason),
			slog.Int("attempt", st.attempts+1),
			slog.Duration("wait", st.wait))
	}
	return r.clock.Sleep(req.Context(), st.wait)
}

// passThrough hands the last response (or error) back to the pipeline, which turns it
// into an APIError that keeps the status, code and request ID.
func passThrough(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err != nil && resp != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, err
}

// localError marks a failure of our own pipeline below the retry loop (signing, reading
// credentials): retrying it cannot help.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }
