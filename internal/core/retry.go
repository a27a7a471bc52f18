package core

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hashicorp/go-retryablehttp"
)

// RetryPolicy is defined in package hcloud.
type RetryPolicy = hcloud.RetryPolicy

var (
	defaultRetryStatuses           = []int{http.StatusConflict, http.StatusPreconditionFailed, http.StatusTooManyRequests}
	defaultRetryIdempotentStatuses = []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}
)

// maxRetries bounds go-retryablehttp's loop; a call's own policy ends it sooner.
const maxRetries = 1 << 20

// retryDefaults returns p with its zero fields filled in.
func retryDefaults(p RetryPolicy) RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = hcloud.DefaultMaxAttempts
	}
	if p.MinWait == 0 {
		p.MinWait = hcloud.DefaultMinWait
	}
	if p.MaxWait == 0 {
		p.MaxWait = hcloud.DefaultMaxWait
	}
	if p.MaxWait < p.MinWait {
		p.MaxWait = p.MinWait
	}
	if p.MaxRetryAfter == 0 {
		p.MaxRetryAfter = hcloud.DefaultMaxRetryAfter
	}
	if p.RetryStatuses == nil {
		p.RetryStatuses = defaultRetryStatuses
	}
	if p.RetryIdempotentStatuses == nil {
		p.RetryIdempotentStatuses = defaultRetryIdempotentStatuses
	}
	return p
}

// clientPolicy is retryDefaults for a client's own policy: without a budget in the
// Config, the client makes its own.
func clientPolicy(p RetryPolicy) RetryPolicy {
	p = retryDefaults(p)
	if p.Budget == nil {
		p.Budget = hcloud.NewRetryBudget(hcloud.DefaultRetryBudgetCapacity)
	}
	return p
}

// backoff is the wait before retry number n (1 for the first retry): full jitter over
// an exponential ceiling, MinWait·2^(n-1) capped at MaxWait.
func backoff(p RetryPolicy, n int) time.Duration {
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
	policy    RetryPolicy // the call's policy, defaults and budget filled in
	attempts  int
	wait      time.Duration
	reason    string
	cost      int              // what the retry that led to this attempt took from the budget
	exhausted bool             // this attempt's failure was not retried for want of budget
	stop      hcloud.RetryStop // why a retryable outcome was not retried
	obs       *observation     // nil when no Observer watches the call
}

// charge takes cost tokens from the call's budget for the coming retry, unless the
// budget is off or cost is 0. It reports false, and marks the call, when the budget
// cannot pay.
func (r *retrier) charge(ctx context.Context, st *attemptState, cost int) bool {
	if st.policy.DisableBudget || cost == 0 {
		st.cost = 0
		return true
	}
	if st.policy.Budget.Acquire(cost) {
		st.cost = cost
		return true
	}
	st.exhausted = true
	if r.logger != nil {
		r.logger.LogAttrs(ctx, slog.LevelDebug, "hcloudlogs: retry budget exhausted, not retrying",
			slog.String("reason", st.reason),
			slog.Int("attempts", st.attempts))
	}
	return false
}

// succeeded refunds the budget for a call that got a 2xx reply: one token for a
// first-attempt success, what the last retry took for a successful retry.
func (st *attemptState) succeeded() {
	if st.policy.DisableBudget {
		return
	}
	if st.attempts <= 1 {
		st.policy.Budget.Release(hcloud.RetryBudgetSuccessRefund)
		return
	}
	st.policy.Budget.Release(st.cost)
}

// transportCost is what a retry after the transport error err takes from the budget.
func transportCost(err error) int {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return hcloud.RetryBudgetTimeoutCost
	}
	return hcloud.RetryBudgetRetryCost
}

// statusCost is what a retry after a reply with status code takes from the budget:
// outages (5xx) pay, throttling and state answers (4xx) do not.
func statusCost(code int) int {
	if code >= 500 {
		return hcloud.RetryBudgetRetryCost
	}
	return 0
}

// dialError reports whether err happened before anything was sent: the connection
// could not be made (refused, unreachable, a dial timeout) or the host name did not
// resolve.
func dialError(err error) bool {
	var (
		local *localError
		op    *net.OpError
		dns   *net.DNSError
	)
	if errors.As(err, &local) {
		return false
	}
	return errors.As(err, &op) && op.Op == "dial" || errors.As(err, &dns)
}

type attemptKey struct{}

func stateOf(ctx context.Context) *attemptState {
	st, _ := ctx.Value(attemptKey{}).(*attemptState)
	return st
}

// retrier adapts a RetryPolicy to go-retryablehttp's hooks. The wait itself happens
// in PrepareRetry through the Clock, so it honours ctx and can be simulated in tests.
// The policy of a call travels in its attemptState; policy is the client's default.
type retrier struct {
	policy RetryPolicy
	clock  Clock
	logger *slog.Logger
}

// newRetryClient wires go-retryablehttp with our policy around the signed transport.
func newRetryClient(r *retrier, hc *http.Client) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient: hc,
		// Each call's attemptState bounds its attempts; this only stops a loop whose
		// state was lost.
		RetryMax:       maxRetries,
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
		st.exhausted = false
		st.startAttempt(req)
	}
}

// checkRetry decides whether the last attempt is retried and, if so, how long to wait.
func (r *retrier) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateOf(ctx)
	if st != nil {
		st.noteReply(resp, err)
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if st == nil {
		return false, err
	}
	// The loop asks again about a reply its response handler let through: an
	// exhausted budget is not asked twice.
	if st.exhausted {
		return false, err
	}
	idempotent := st.method == http.MethodGet || st.method == http.MethodHead
	if err != nil {
		// Nothing was sent after a dial error, so any method may try again; other
		// errors may have reached the server, so only idempotent methods do.
		if !dialError(err) && !(idempotent && retryableTransportError(err)) {
			return false, err
		}
		if st.attempts >= st.policy.MaxAttempts {
			st.stop = hcloud.RetryStopMaxAttempts
			return false, err
		}
		st.reason = err.Error()
		st.wait = backoff(st.policy, st.attempts)
		if !r.mayRetry(ctx, st, transportCost(err)) {
			return false, err
		}
		return true, nil
	}
	code := resp.StatusCode
	if !slices.Contains(st.policy.RetryStatuses, code) && !(idempotent && slices.Contains(st.policy.RetryIdempotentStatuses, code)) {
		return false, nil
	}
	if st.attempts >= st.policy.MaxAttempts {
		st.stop = hcloud.RetryStopMaxAttempts
		return false, nil
	}
	st.reason = "status " + strconv.Itoa(code)
	st.wait = backoff(st.policy, st.attempts)
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), r.clock.Now()); ok {
			st.wait = min(d, st.policy.MaxRetryAfter)
		}
	}
	return r.mayRetry(ctx, st, statusCost(code)), nil
}

// mayRetry reports whether the retry checkRetry chose can happen: its wait must end
// before ctx's deadline and the budget must pay cost. Otherwise it records why not.
func (r *retrier) mayRetry(ctx context.Context, st *attemptState, cost int) bool {
	if !beforeDeadline(ctx, st) {
		st.stop = hcloud.RetryStopDeadline
		return false
	}
	if !r.charge(ctx, st, cost) {
		st.stop = hcloud.RetryStopBudget
		return false
	}
	return true
}

// beforeDeadline reports whether the coming wait ends before ctx's deadline. When it
// cannot, the call ends at once with the last reply or error: idling until the
// deadline would only lose them.
func beforeDeadline(ctx context.Context, st *attemptState) bool {
	dl, ok := ctx.Deadline()
	return !ok || st.wait < time.Until(dl)
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
	case errors.Is(err, context.Canceled):
		return false
	}
	// A deadline that is not the call's own (checkRetry looks at the call's context
	// first) is an attempt's: Config.HTTPClient.Timeout, which a new attempt resets.
	return true
}

// prepareRetry logs the coming retry and waits for it.
func (r *retrier) prepareRetry(req *http.Request) error {
	st := stateOf(req.Context())
	if st == nil {
		return nil
	}
	st.endAttempt(true)
	if r.logger != nil {
		r.logger.LogAttrs(req.Context(), slog.LevelDebug, "hcloudlogs: retrying request",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.String("reason", st.reason),
			slog.Int("attempt", st.attempts+1),
			slog.Duration("wait", st.wait))
	}
	if err := r.clock.Sleep(req.Context(), st.wait); err != nil {
		st.stop = hcloud.RetryStopContext
		return err
	}
	return nil
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
