package csstest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	clusterA = "4213d908-f5dc-4633-8401-cfd7175fca0c"
	clusterB = "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"
)

// testClock is a settable clock whose Sleep advances it instead of waiting, so the
// client's retries and polls cost no real time.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Now().UTC().Truncate(time.Millisecond)} }

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	c.Advance(d)
	return ctx.Err()
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// setup starts a server on a test clock with cluster A and returns a client for it.
func setup(t *testing.T, opts ...csstest.Option) (*csstest.Server, *css.Client, *testClock) {
	t.Helper()
	clock := newTestClock()
	srv := csstest.NewServer(append([]csstest.Option{csstest.WithClock(clock), csstest.WithLogf(t.Logf)}, opts...)...)
	t.Cleanup(srv.Close)
	srv.AddCluster(clusterA)
	client, err := css.New(srv.Config())
	require.NoError(t, err)
	return srv, client, clock
}
