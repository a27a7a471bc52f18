package hcloud

import (
	"errors"
	"fmt"
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

// RetryPolicy says which failures are retried and how long to wait in between. Zero
// fields take the defaults; MaxAttempts 1 disables retries. It is set for every call
// in Config.Retry, and for one call with WithRetry.
//
// By default, 409, 412 and 429 are retried for every method, 500, 502, 503, 504 and
// transport errors (a connection reset, a timeout) only for GET and HEAD, since a POST
// may have reached the server. Waits grow exponentially from MinWait, with full
// jitter, each capped at MaxWait; a Retry-After on a 429 or 503 is obeyed up to
// MaxRetryAfter. When the wait before the next attempt cannot end before the context's
// deadline, the call returns the last reply's error at once instead of idling.
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
