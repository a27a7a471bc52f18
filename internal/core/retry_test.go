package core

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
)

// TestWaitPastDeadlineReturnsLastReply: a Retry-After that cannot end before the
// context's deadline ends the call at once with the reply that asked for it, instead
// of idling until the deadline and losing it.
func TestWaitPastDeadlineReturnsLastReply(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status int
		code   string
		is     error
	}{
		{"429", http.StatusTooManyRequests, "APIG.0308", ErrThrottled},
		{"503", http.StatusServiceUnavailable, "APIG.0201", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil,
				reply(tc.status, `{"error_code":"`+tc.code+`","error_msg":"slow down"}`, "Retry-After", "30"),
				reply(200, `{}`))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := f.client.Do(ctx, &listCall, nil)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.status, ae.StatusCode)
			assert.Equal(t, tc.code, ae.Code)
			assert.Equal(t, "req-"+http.StatusText(tc.status), ae.RequestID)
			assert.Equal(t, 1, ae.Attempts)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			assert.NotErrorIs(t, err, context.DeadlineExceeded)
			assert.Empty(t, f.clock.Sleeps(), "no wait that the deadline would cut")
			assert.Len(t, f.srv.requests(), 1)
		})
	}
}

// TestWaitWithinDeadlineIsTaken: a Retry-After that ends before the deadline is waited
// for as usual.
func TestWaitWithinDeadlineIsTaken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil, reply(429, `{}`, "Retry-After", "2"), reply(200, `{}`))
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	_, err := f.client.Do(ctx, &listCall, nil)
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{2 * time.Second}, f.clock.Sleeps())
}

// budgetFixture is a fixture whose Config names budget.
func budgetFixture(t *testing.T, budget *hcloud.RetryBudget, replies ...func(*http.Request) (*http.Response, error)) *fixture {
	t.Helper()
	return newFixture(t, func(c *Config) { c.Retry.Budget = budget }, replies...)
}

// TestRetryBudgetExhausted: once the budget cannot pay for a retry, the failure is
// returned without one and says so.
func TestRetryBudgetExhausted(t *testing.T) {
	t.Parallel()
	budget := hcloud.NewRetryBudget(2 * hcloud.RetryBudgetRetryCost)
	f := budgetFixture(t, budget, reply(503, `{"error_code":"APIG.0201","error_msg":"backend unavailable"}`))

	_, err := f.client.Do(context.Background(), &listCall, nil)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 3, ae.Attempts, "two retries paid for, the third refused")
	assert.True(t, ae.BudgetExhausted)
	assert.ErrorIs(t, err, hcloud.ErrRetryBudgetExhausted)
	assert.EqualError(t, err, "css: ListLogBackups: 503 APIG.0201: backend unavailable "+
		"(request id req-Service Unavailable, 3 attempts, retry budget exhausted)")
	assert.Zero(t, budget.Available())
	assert.Contains(t, f.logs.String(), "retry budget exhausted")

	_, err = f.client.Do(context.Background(), &listCall, nil)
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 1, ae.Attempts, "an empty budget: no retry at all")
	assert.ErrorIs(t, err, hcloud.ErrRetryBudgetExhausted)
	assert.Len(t, f.srv.requests(), 4)

	// A 503 that the policy would not retry anyway (a POST) does not mention the budget.
	_, err = f.client.Do(context.Background(), &postCall, nil)
	require.ErrorAs(t, err, &ae)
	assert.False(t, ae.BudgetExhausted)
	assert.NotErrorIs(t, err, hcloud.ErrRetryBudgetExhausted)
}

// TestRetryBudgetTransportErrors: transport errors draw on the budget, a timeout
// twice as much, and an exhausted budget marks the RequestError.
func TestRetryBudgetTransportErrors(t *testing.T) {
	t.Parallel()
	budget := hcloud.NewRetryBudget(hcloud.RetryBudgetTimeoutCost + hcloud.RetryBudgetRetryCost)
	timeout := &net.OpError{Op: "read", Net: "tcp", Err: timeoutError{}}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	f := budgetFixture(t, budget, fail(timeout), fail(reset), fail(reset))

	_, err := f.client.Do(context.Background(), &listCall, nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 3, re.Attempts)
	assert.True(t, re.BudgetExhausted)
	assert.ErrorIs(t, err, hcloud.ErrRetryBudgetExhausted)
	assert.ErrorContains(t, err, "connection reset by peer (after 3 attempts, retry budget exhausted)")
	assert.Zero(t, budget.Available(), "10 for the retry after the timeout, 5 after the reset")
}

// TestRetryBudgetIgnoresThrottling: 429, 409 and 412 are retried with an empty budget
// and take nothing from it.
func TestRetryBudgetIgnoresThrottling(t *testing.T) {
	t.Parallel()
	budget := hcloud.NewRetryBudget(hcloud.DefaultRetryBudgetCapacity)
	require.True(t, budget.Acquire(hcloud.DefaultRetryBudgetCapacity))
	f := budgetFixture(t, budget, reply(429, `{}`, "Retry-After", "1"), reply(409, `{}`), reply(412, `{}`), reply(200, `{}`))
	_, err := f.client.Do(context.Background(), &listCall, nil)
	require.NoError(t, err)
	assert.Len(t, f.srv.requests(), 4)
	assert.Zero(t, budget.Available())
}

// TestRetryBudgetRefunds: a first-attempt success gives back one token, a successful
// retry what it took; never beyond the capacity.
func TestRetryBudgetRefunds(t *testing.T) {
	t.Parallel()
	budget := hcloud.NewRetryBudget(20)
	f := budgetFixture(t, budget, reply(500, `{}`), reply(200, `{}`))
	_, err := f.client.Do(context.Background(), &listCall, nil)
	require.NoError(t, err)
	assert.Equal(t, 20, budget.Available(), "the retry's 5 tokens came back")

	require.True(t, budget.Acquire(3))
	for range 5 {
		_, err = f.client.Do(context.Background(), &listCall, nil)
		require.NoError(t, err)
	}
	assert.Equal(t, 20, budget.Available(), "one per success, up to the capacity")
	assert.Equal(t, "RetryBudget(20/20)", budget.String())
}

// TestRetryBudgetDisabled: DisableBudget bounds outage retries by MaxAttempts alone.
func TestRetryBudgetDisabled(t *testing.T) {
	t.Parallel()
	budget := hcloud.NewRetryBudget(0)
	f := newFixture(t, func(c *Config) { c.Retry.Budget, c.Retry.DisableBudget = budget, true }, reply(503, `{}`))
	_, err := f.client.Do(context.Background(), &listCall, nil)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, hcloud.DefaultMaxAttempts, ae.Attempts)
	assert.NotErrorIs(t, err, hcloud.ErrRetryBudgetExhausted)

	// And per call: a client with a budget, a call without.
	g := budgetFixture(t, hcloud.NewRetryBudget(0), reply(503, `{}`))
	call := listCall
	call.Options.Retry = &RetryPolicy{DisableBudget: true}
	_, err = g.client.Do(context.Background(), &call, nil)
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, hcloud.DefaultMaxAttempts, ae.Attempts)
}

// TestRetryBudgetScope: clients built from one Config share its budget, also through a
// per-call policy without one; with none in the Config, each client has its own.
func TestRetryBudgetScope(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New(time.Now().UTC())
	srv := &server{t: t, clock: clk, replies: []func(*http.Request) (*http.Response, error){reply(503, `{}`)}}
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(srv.respond)
	cfg := Config{Region: "ap-southeast-1", ProjectID: testProject, Credentials: testCreds,
		HTTPClient: &http.Client{Transport: mt}, Clock: clk}
	attempts := func(c *Client, call Call) int {
		t.Helper()
		_, err := c.Do(context.Background(), &call, nil)
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		return ae.Attempts
	}
	perCall := listCall
	perCall.Options.Retry = &RetryPolicy{MaxAttempts: 3}

	shared := cfg
	shared.Retry.Budget = hcloud.NewRetryBudget(3 * hcloud.RetryBudgetRetryCost)
	a, err := NewClient(ServiceCSS, shared)
	require.NoError(t, err)
	b, err := NewClient(ServiceDWS, shared)
	require.NoError(t, err)
	assert.Equal(t, 3, attempts(a, perCall), "the per-call policy draws on the Config's budget")
	assert.Equal(t, 2, attempts(b, listCall), "one token's worth left for the other client")
	assert.Equal(t, 1, attempts(a, listCall))

	own1, err := NewClient(ServiceCSS, cfg)
	require.NoError(t, err)
	own2, err := NewClient(ServiceCSS, cfg)
	require.NoError(t, err)
	// 500 tokens pay for 100 retries: 33 calls of 3 retries, then one more retry.
	for range 33 {
		require.Equal(t, 4, attempts(own1, listCall))
	}
	assert.Equal(t, 2, attempts(own1, listCall))
	assert.Equal(t, 1, attempts(own1, listCall))
	assert.Equal(t, 4, attempts(own2, listCall), "a client built from a Config without a budget has its own")
}

// TestDialErrorsRetriedForEveryMethod: nothing was sent when the connection could not
// be made, so even a POST is retried; the retries draw on the budget.
func TestDialErrorsRetriedForEveryMethod(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refused := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())
	budget := hcloud.NewRetryBudget(hcloud.DefaultRetryBudgetCapacity)
	f := newFixture(t, func(c *Config) {
		c.HTTPClient = nil
		c.ServiceEndpoints = map[string][]string{ServiceCSS: {refused}}
		c.AllowInsecureHTTP = true
		c.Retry.Budget = budget
	})
	_, err = f.client.Do(context.Background(), &postCall, nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, hcloud.DefaultMaxAttempts, re.Attempts)
	assert.ErrorContains(t, err, "connection refused")
	assert.Equal(t, hcloud.DefaultRetryBudgetCapacity-3*hcloud.RetryBudgetRetryCost, budget.Available())

	// A name that does not resolve, as net/http reports it.
	dns := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "css.example.invalid", IsNotFound: true}}
	f = newFixture(t, nil, fail(dns), reply(200, ``))
	_, err = f.client.Do(context.Background(), &postCall, nil)
	require.NoError(t, err)
	reqs := f.srv.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, reqs[0].body, reqs[1].body)
	assert.NoError(t, reqs[1].verifyErr)
}

// TestAttemptTimeoutRetried: Config.HTTPClient.Timeout bounds one attempt; a GET whose
// attempt times out is retried like any transport error, while the call's own context
// still ends the call.
func TestAttemptTimeoutRetried(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			// The first attempt gets no answer in time: the client times out.
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Header().Set("X-Request-Id", "req-2")
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	f := newFixture(t, func(c *Config) {
		c.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond}
		c.ServiceEndpoints = map[string][]string{ServiceCSS: {srv.URL}}
		c.AllowInsecureHTTP = true
	})
	meta, err := f.client.Do(context.Background(), &listCall, nil)
	require.NoError(t, err)
	assert.Equal(t, "req-2", meta.RequestID)
	assert.Equal(t, int32(2), calls.Load())

	// A POST that timed out may have reached the server: it is not sent again.
	calls.Store(0)
	_, err = f.client.Do(context.Background(), &postCall, nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, int32(1), calls.Load())
}

// timeoutError is a transport timeout, as net reports one.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// TestLoadConfigPutsOneBudget: config.Load's Config carries a full default budget, so
// that the clients built from it share one; each Load makes a new one.
func TestLoadConfigPutsOneBudget(t *testing.T) {
	t.Parallel()
	e := env{EnvRegion: "ap-southeast-1", EnvProjectID: testProject, EnvAccessKey: testCreds.AccessKey, EnvSecretKey: testCreds.SecretKey}
	cfg, err := LoadConfig(context.Background(), hermetic(t, e, "")...)
	require.NoError(t, err)
	require.NotNil(t, cfg.Retry.Budget)
	assert.Equal(t, hcloud.DefaultRetryBudgetCapacity, cfg.Retry.Budget.Capacity())
	assert.Equal(t, hcloud.DefaultRetryBudgetCapacity, cfg.Retry.Budget.Available())
	again, err := LoadConfig(context.Background(), hermetic(t, e, "")...)
	require.NoError(t, err)
	assert.NotSame(t, cfg.Retry.Budget, again.Retry.Budget)
}
