// Package wait polls an asynchronous job with exponential backoff, bounded by the
// caller's context.
package wait

import (
	"context"
	"fmt"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
)

// Default delays between polls.
const (
	DefaultMinDelay = 2 * time.Second
	DefaultMaxDelay = 30 * time.Second
)

// Options shapes the polling.
type Options struct {
	// MinDelay is the first delay; each next one doubles, up to MaxDelay.
	MinDelay time.Duration
	// MaxDelay caps one delay.
	MaxDelay time.Duration
	// Clock sleeps and tells time; nil is the real clock.
	Clock core.Clock
}

// Validate reports a negative or inverted delay, naming the option.
func (o Options) Validate() error {
	switch {
	case o.MinDelay < 0:
		return fmt.Errorf("MinDelay %v must not be negative", o.MinDelay)
	case o.MaxDelay < 0:
		return fmt.Errorf("MaxDelay %v must not be negative", o.MaxDelay)
	case o.MinDelay > 0 && o.MaxDelay > 0 && o.MaxDelay < o.MinDelay:
		return fmt.Errorf("MaxDelay %v is below MinDelay %v", o.MaxDelay, o.MinDelay)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.MinDelay == 0 {
		o.MinDelay = DefaultMinDelay
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = max(DefaultMaxDelay, o.MinDelay)
	}
	if o.Clock == nil {
		o.Clock = hcloud.RealClock()
	}
	return o
}

// Poll calls check until it reports done or fails. Between calls it sleeps MinDelay,
// then twice as long each time up to MaxDelay. When ctx has a deadline, the last sleep
// is trimmed so that one last check happens before it, after which Poll returns
// context.DeadlineExceeded; when ctx ends, Poll returns ctx.Err().
func Poll(ctx context.Context, o Options, check func(ctx context.Context) (done bool, err error)) error {
	o = o.withDefaults()
	delay := o.MinDelay
	for final := false; ; {
		done, err := check(ctx)
		if err != nil || done {
			return err
		}
		d := delay
		if deadline, ok := ctx.Deadline(); ok {
			left := deadline.Sub(o.Clock.Now())
			if final || left <= 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				return context.DeadlineExceeded
			}
			if margin := min(left/2, 500*time.Millisecond); d >= left-margin {
				d, final = left-margin, true
			}
		}
		if err := o.Clock.Sleep(ctx, d); err != nil {
			return err
		}
		delay = min(delay*2, o.MaxDelay)
	}
}
