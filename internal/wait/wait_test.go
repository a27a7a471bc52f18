package wait

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPollBacksOffExponentially(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New(time.Unix(0, 0))
	calls := 0
	err := Poll(context.Background(), Options{MinDelay: time.Second, MaxDelay: 5 * time.Second, Clock: clk},
		func(context.Context) (bool, error) { calls++; return calls == 6, nil })
	require.NoError(t, err)
	assert.Equal(t, 6, calls)
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}, clk.Sleeps())
}

func TestPollReturnsCheckError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	err := Poll(context.Background(), Options{Clock: fakeclock.New(time.Time{})}, func(context.Context) (bool, error) { return false, boom })
	assert.ErrorIs(t, err, boom)
}

func TestPollTrimsLastSleepToDeadline(t *testing.T) {
	t.Parallel()
	start := time.Now()
	clk := fakeclock.New(start)
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(10*time.Second))
	defer cancel()
	calls := 0
	err := Poll(ctx, Options{MinDelay: 4 * time.Second, MaxDelay: 30 * time.Second, Clock: clk},
		func(context.Context) (bool, error) { calls++; return false, nil })
	// The fake clock passes the deadline while the real context is still alive, so Poll
	// must notice the deadline from the clock and stop.
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Len(t, clk.Sleeps(), 2)
	assert.Equal(t, 4*time.Second, clk.Sleeps()[0])
	assert.Equal(t, 6*time.Second-500*time.Millisecond, clk.Sleeps()[1], "second sleep trimmed to leave time for a last check")
	assert.Equal(t, 3, calls, "one last check after the trimmed sleep")
}

func TestPollRealClockHonoursCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	start := time.Now()
	err := Poll(ctx, Options{MinDelay: time.Hour}, func(context.Context) (bool, error) { return false, nil })
	assert.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 10*time.Second)
}

func TestValidate(t *testing.T) {
	t.Parallel()
	assert.NoError(t, Options{}.Validate())
	assert.ErrorContains(t, Options{MinDelay: -1}.Validate(), "MinDelay")
	assert.ErrorContains(t, Options{MaxDelay: -1}.Validate(), "MaxDelay")
	assert.ErrorContains(t, Options{MinDelay: 2, MaxDelay: 1}.Validate(), "below MinDelay")
}
