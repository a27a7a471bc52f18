package reliability

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
)

// The load of the retry budget's proof (issue 13): 256 goroutines, 20 calls each.
const (
	budgetGoroutines = 256
	budgetCalls      = 20
)

// budgetRun is what one load run saw.
type budgetRun struct {
	calls, succeeded, exhausted int
	requests                    int // requests the fake received on the route
	budget                      *hcloud.RetryBudget
}

func (r budgetRun) ratio() float64       { return float64(r.requests) / float64(r.calls) }
func (r budgetRun) successRate() float64 { return float64(r.succeeded) / float64(r.calls) }

// runBudgetLoad has budgetGoroutines goroutines make budgetCalls GetLogSettings calls
// each against a csstest fake with fault injected. Every goroutine builds its own
// client from the one Config (csstest's, with one budget), as a service with many
// handlers would; waits between attempts are 1 ns, so the run is quick. With
// disable, the budget is off.
func runBudgetLoad(t *testing.T, fault csstest.Fault, disable bool) budgetRun {
	t.Helper()
	srv := csstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddCluster("c-1")
	fault.Route = csstest.RouteGetLogSettings
	_, err := srv.InjectFault(fault)
	require.NoError(t, err)

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = budgetGoroutines
	t.Cleanup(tr.CloseIdleConnections)
	cfg := srv.Config()
	cfg.HTTPClient = &http.Client{Transport: tr}
	cfg.Retry.MinWait, cfg.Retry.MaxWait = time.Nanosecond, time.Nanosecond
	cfg.Retry.DisableBudget = disable

	var (
		wg                   sync.WaitGroup
		succeeded, exhausted atomic.Int64
		mu                   sync.Mutex
		unexpected           []error
	)
	for range budgetGoroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := css.New(cfg)
			if err != nil {
				mu.Lock()
				unexpected = append(unexpected, err)
				mu.Unlock()
				return
			}
			for range budgetCalls {
				_, err := c.GetLogSettings(context.Background(), &css.GetLogSettingsRequest{ClusterID: "c-1"})
				var ae *css.APIError
				switch {
				case err == nil:
					succeeded.Add(1)
				case errors.As(err, &ae) && ae.StatusCode == fault.Status:
					if errors.Is(err, css.ErrRetryBudgetExhausted) {
						exhausted.Add(1)
					}
				default:
					mu.Lock()
					unexpected = append(unexpected, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	require.Empty(t, unexpected)
	return budgetRun{
		calls:     budgetGoroutines * budgetCalls,
		succeeded: int(succeeded.Load()),
		exhausted: int(exhausted.Load()),
		requests:  srv.Requests(csstest.RouteGetLogSettings),
		budget:    cfg.Retry.Budget,
	}
}

// TestRetryBudgetOutage: against a service answering 503 to every GET, the budget
// holds the requests to at most 1.25 per call once it is spent; without it, every call
// makes every attempt.
func TestRetryBudgetOutage(t *testing.T) {
	t.Parallel()
	outage := csstest.Fault{Status: http.StatusServiceUnavailable}
	with := runBudgetLoad(t, outage, false)
	without := runBudgetLoad(t, outage, true)
	t.Logf("503 outage, %d calls: %d requests with the budget (%.3fx, %d calls refused a retry), %d without (%.3fx)",
		with.calls, with.requests, with.ratio(), with.exhausted, without.requests, without.ratio())

	assert.Zero(t, with.succeeded)
	assert.LessOrEqual(t, with.ratio(), 1.25)
	assert.Equal(t, with.calls+hcloud.DefaultRetryBudgetCapacity/hcloud.RetryBudgetRetryCost, with.requests,
		"one request per call, plus the retries the budget paid for")
	assert.Zero(t, with.budget.Available())
	assert.GreaterOrEqual(t, with.exhausted, with.calls-hcloud.DefaultRetryBudgetCapacity/hcloud.RetryBudgetRetryCost)

	assert.Zero(t, without.succeeded)
	assert.Equal(t, hcloud.DefaultMaxAttempts*without.calls, without.requests)
	assert.Zero(t, without.exhausted)
}

// TestRetryBudgetThrottling: with 30% of the requests throttled (429), the budget
// costs no success: throttling does not draw on it.
func TestRetryBudgetThrottling(t *testing.T) {
	t.Parallel()
	throttle := csstest.Fault{Status: http.StatusTooManyRequests, Probability: 0.3, RetryAfter: "0"}
	with := runBudgetLoad(t, throttle, false)
	without := runBudgetLoad(t, throttle, true)
	t.Logf("30%% throttled, %d calls: success rate %.2f%% with the budget (%d requests), %.2f%% without (%d requests)",
		with.calls, 100*with.successRate(), with.requests, 100*without.successRate(), without.requests)

	assert.InDelta(t, without.successRate(), with.successRate(), 0.02)
	assert.Zero(t, with.exhausted)
	assert.Equal(t, hcloud.DefaultRetryBudgetCapacity, with.budget.Available(), "nothing drawn")
}
