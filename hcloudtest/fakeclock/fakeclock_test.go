package fakeclock_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
)

var _ css.Clock = (*fakeclock.Clock)(nil)

func TestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := fakeclock.New(start)
	assert.Equal(t, start, c.Now())

	assert.NoError(t, c.Sleep(context.Background(), 3*time.Second))
	assert.NoError(t, c.Sleep(context.Background(), -time.Second))
	assert.Equal(t, start.Add(3*time.Second), c.Now(), "a negative sleep does not move the clock")

	c.Advance(time.Minute)
	assert.Equal(t, start.Add(63*time.Second), c.Now())
	c.Set(start)
	assert.Equal(t, start, c.Now())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, c.Sleep(ctx, time.Hour), context.Canceled)
	assert.Equal(t, []time.Duration{3 * time.Second, -time.Second, time.Hour}, c.Sleeps())
}

func TestClockConcurrent(t *testing.T) {
	t.Parallel()
	c := fakeclock.New(time.Unix(0, 0))
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.Sleep(context.Background(), time.Second)
			_ = c.Now()
		}()
	}
	wg.Wait()
	assert.Equal(t, time.Unix(32, 0), c.Now())
	assert.Len(t, c.Sleeps(), 32)
}
