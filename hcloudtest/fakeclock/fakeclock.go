// Package fakeclock is a manual clock for tests. Set it as Config.Clock and pass it to
// a fake server's WithClock option: time then moves only when the test moves it or when
// the client waits on it (a retry's backoff, a Retry-After, a waiter's poll delay),
// which advances it at once instead of sleeping. Signatures, fake job lifecycles and
// waits all follow it, so a test of a 20-minute Retry-After or a 2-second backup job
// runs in microseconds.
package fakeclock

import (
	"context"
	"sync"
	"time"
)

// Clock is a manual clock, safe for concurrent use. It implements the Clock interface of
// every service package (css.Clock, hss.Clock, ...).
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// New returns a Clock that reads start until it is moved.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep records d, moves the clock forward by d (a negative d does not move it) and
// returns at once: ctx.Err(), so a cancelled context still ends the wait.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	c.mu.Unlock()
	return ctx.Err()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t, forward or back.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Sleeps returns the durations Sleep was called with, in order.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}
