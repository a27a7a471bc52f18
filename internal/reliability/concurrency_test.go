package reliability

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/internal/fake"
)

// goroutines is how many calls share one client at once.
const goroutines = 64

// TestConcurrentThrottling has 64 goroutines share one client per operation against
// a fake that throttles 30% of the requests: every call succeeds with the full result
// or ends in a 429 after every attempt, and every request the fake saw is accounted
// for.
func TestConcurrentThrottling(t *testing.T) {
	t.Parallel()
	for _, svc := range services {
		ops, err := svc.ops(offlineConfig())
		require.NoError(t, err)
		for _, op := range ops {
			t.Run(op.name, func(t *testing.T) {
				t.Parallel()
				env := newEnv(t, svc, envOptions{})
				op := env.op(t, op.name)
				inj, err := env.srv.InjectFault(fake.Fault{Route: op.route, Probability: 0.3,
					Status: http.StatusTooManyRequests, RetryAfter: "0"})
				require.NoError(t, err)
				before := env.srv.Requests(op.route)

				var (
					wg                   sync.WaitGroup
					mu                   sync.Mutex
					succeeded, throttled int
					failures             []error
				)
				start := make(chan struct{})
				for range goroutines {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						got, err := op.call(context.Background())
						mu.Lock()
						defer mu.Unlock()
						var ae *core.APIError
						switch {
						case err == nil && got == op.want:
							succeeded++
						case errors.As(err, &ae) && ae.StatusCode == http.StatusTooManyRequests &&
							ae.Attempts == attempts && ae.RequestID != "":
							throttled++
						default:
							failures = append(failures, errors.Join(err, errors.New("unexpected result")))
						}
					}()
				}
				close(start)
				wg.Wait()

				assert.Empty(t, failures)
				assert.Equal(t, goroutines, succeeded+throttled, "calls that ended")
				// Each success is one request the fault passed over; every other request
				// was throttled.
				requests := env.srv.Requests(op.route) - before
				assert.Equal(t, requests, succeeded+inj.Hits(), "requests on %s", op.route)
				assert.GreaterOrEqual(t, inj.Hits(), attempts*throttled, "throttled requests")
				assert.Positive(t, inj.Hits(), "the fault never acted")
				t.Logf("%s: %d calls: %d succeeded, %d throttled after %d attempts; %d requests, %d throttled",
					op.name, goroutines, succeeded, throttled, attempts, requests, inj.Hits())
			})
		}
	}
}
