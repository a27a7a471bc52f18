package hcloud

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Retry policy defaults, used for the zero fields of RetryPolicy.
const (
	// DefaultMaxAttempts is the number of attempts of a call, the first included.
	DefaultMaxAttempts = 4
	// DefaultMinWait is the base of the exponential backoff.
	DefaultMinWait = 200 * time.Millisecond
	// DefaultMaxWait caps one backoff wait.
	DefaultMaxWait = 20 * time.Second
	// DefaultMaxRetryAfter caps the wait a server asks for with Retry-After.
	DefaultMaxRetryAfter = 60 * time.Second
)

// Retry budget figures, those of aws-sdk-go-v2's standard retryer.
const (
	// DefaultRetryBudgetCapacity is the capacity, in tokens, of the budget a client
	// makes for itself when its Config has none, and of those config.Load puts there.
	DefaultRetryBudgetCapacity = 500
	// RetryBudgetRetryCost is what a retry after a 5xx reply or a transport error takes
	// from the budget.
	RetryBudgetRetryCost = 5
	// RetryBudgetTimeoutCost is what a retry after a timeout takes from the budget.
	RetryBudgetTimeoutCost = 10
	// RetryBudgetSuccessRefund is what a call that succeeds at its first attempt gives
	// back to the budget.
	RetryBudgetSuccessRefund = 1
)

// RetryPolicy says which failures are retried and how long to wait in between. Zero
// fields take the defaults; MaxAttempts 1 disables retries. It is set for every call
// in Config.Retry, and for one call with WithRetry.
//
// By default, 409, 412 and 429 are retried for every method, 500, 502, 503, 504 and
// transport errors (a connection reset, a timeout) only for GET and HEAD, since a POST
// may have reached the server. A dial error (connection refused, a name that does not
// resolve) is retried for every method: nothing was sent. Waits grow exponentially from
// MinWait, with full jitter, each capped at MaxWait; a Retry-After on a 429 or 503 is
// obeyed up to MaxRetryAfter. When the wait before the next attempt cannot end before
// the context's deadline, the call returns the last reply's error at once instead of
// idling.
//
// # Retry budget
//
// Retries after an outage draw on a RetryBudget, a token bucket as in aws-sdk-go-v2's
// standard retryer: a retry after a 5xx reply or a transport error (dial errors
// included) takes RetryBudgetRetryCost tokens, RetryBudgetTimeoutCost after a timeout;
// a call that succeeds at its first attempt gives back RetryBudgetSuccessRefund, a
// retry that succeeds gives back what it took. When the budget lacks the tokens, the
// failure is returned without retry, and errors.Is(err, ErrRetryBudgetExhausted)
// reports it. In an outage, many goroutines sharing the clients of one Config thus
// stop multiplying the load by MaxAttempts: once the budget is spent, about one
// request goes out per call.
//
// Throttling and state answers (4xx replies: 429, 409, 412, and any 4xx listed in
// RetryStatuses) take no tokens, and are retried even when the budget is empty. The service answered: it is
// up, and Retry-After and the backoff already pace these retries. Charging them would
// let ordinary throttling empty the budget and then fail calls that a retry would have
// carried through, with no outage to protect against.
//
// The budget's scope is the Config: Budget is a pointer, so every client built from a
// Config, or from a copy of it, shares the budget it names. config.Load and the fakes'
// Config methods put a new budget of DefaultRetryBudgetCapacity in each Config they
// return. When Config.Retry.Budget is nil, each client makes its own budget of that
// capacity when it is built. In a per-call policy (WithRetry), a nil Budget means the
// client's budget. DisableBudget turns the budget off: retries are then bounded by
// MaxAttempts alone.
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
	// Budget is the retry budget that retries after an outage draw on; nil means the
	// client's own (see the type's documentation for the scope).
	Budget *RetryBudget
	// DisableBudget turns the retry budget off: outage retries are bounded by
	// MaxAttempts alone, as they are for 4xx replies.
	DisableBudget bool
}

// Validate reports a negative field, naming it.
func (p RetryPolicy) Validate() error {
	switch {
	case p.MaxAttempts < 0:
		return fmt.Errorf("Retry.MaxAttempts %d must not be negative", p.MaxAttempts)
	case p.MinWait < 0, p.MaxWait < 0, p.MaxRetryAfter < 0:
		return errors.New("retry waits (MinWait, MaxWait, MaxRetryAfter) must not be negative")
	}
	return nil
}

// ErrRetryBudgetExhausted is matched by errors.Is when a call's failure would have
// been retried but the retry budget had no tokens left; the *APIError or
// *RequestError then reports the last attempt's failure.
var ErrRetryBudgetExhausted = errors.New("retry budget exhausted")

// RetryBudget is a token bucket that bounds retries after outages across calls, and
// across clients when they share it (see RetryPolicy). It is safe for concurrent use.
// Make one with NewRetryBudget; the zero value holds no tokens, so it refuses every
// outage retry.
type RetryBudget struct {
	mu       sync.Mutex
	capacity int
	tokens   int
}

// NewRetryBudget returns a full budget of capacity tokens (DefaultRetryBudgetCapacity
// is aws-sdk-go-v2's figure). A capacity below 0 counts as 0: no outage is retried.
func NewRetryBudget(capacity int) *RetryBudget {
	capacity = max(capacity, 0)
	return &RetryBudget{capacity: capacity, tokens: capacity}
}

// Acquire takes cost tokens and reports true, or reports false and takes none when
// fewer are left.
func (b *RetryBudget) Acquire(cost int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if cost > b.tokens {
		return false
	}
	b.tokens -= max(cost, 0)
	return true
}

// Release gives n tokens back, up to the capacity.
func (b *RetryBudget) Release(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = min(b.tokens+max(n, 0), b.capacity)
}

// Available returns the tokens left.
func (b *RetryBudget) Available() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tokens
}

// Capacity returns the most tokens the budget holds.
func (b *RetryBudget) Capacity() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.capacity
}

// String reads like "RetryBudget(495/500)": the tokens left and the capacity.
func (b *RetryBudget) String() string {
	if b == nil {
		return "RetryBudget(<nil>)"
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return "RetryBudget(" + strconv.Itoa(b.tokens) + "/" + strconv.Itoa(b.capacity) + ")"
}
