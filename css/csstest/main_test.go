package csstest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	clusterA = "4213d908-f5dc-4633-8401-cfd7175fca0c"
	clusterB = "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"
)

// setup starts a server on a test clock with cluster A and returns a client for it.
func setup(t *testing.T, opts ...csstest.Option) (*csstest.Server, *css.Client, *fakeclock.Clock) {
	t.Helper()
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
	srv := csstest.NewServer(append([]csstest.Option{csstest.WithClock(clock), csstest.WithLogf(t.Logf)}, opts...)...)
	t.Cleanup(srv.Close)
	srv.AddCluster(clusterA)
	client, err := css.New(srv.Config())
	require.NoError(t, err)
	return srv, client, clock
}
