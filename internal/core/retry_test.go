package core

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
