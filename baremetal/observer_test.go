package baremetal_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/baremetal/baremetaltest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
)

// lineObserver is an hcloud.Observer that writes one line per event.
type lineObserver struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineObserver) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *lineObserver) StartOperation(ctx context.Context, op *hcloud.Operation) context.Context {
	l.add("start %s %s", op.Kind, op.Name)
	return ctx
}

func (l *lineObserver) EndOperation(_ context.Context, op *hcloud.Operation) {
	l.add("end %s status=%d attempts=%d err=%v", op.Name, op.StatusCode, op.Attempts, op.Err)
}

func (l *lineObserver) StartAttempt(ctx context.Context, a *hcloud.Attempt) context.Context {
	l.add("attempt %s %s", a.Method, a.PathTemplate)
	return ctx
}

func (l *lineObserver) EndAttempt(_ context.Context, a *hcloud.Attempt) {
	if a.Streamed {
		l.add("attempt end status=%d streamed bytes=%d", a.StatusCode, a.Bytes)
		return
	}
	l.add("attempt end status=%d read=%t", a.StatusCode, a.Bytes > 0)
}

func TestObserverSeesDownload(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithExportDuration(0))
	t.Cleanup(srv.Close)
	obs := &lineObserver{}
	cfg := srv.Config()
	cfg.Observer = obs
	client, err := baremetal.New(cfg)
	require.NoError(t, err)

	resp, err := client.ExportAndDownload(context.Background(),
		&baremetal.ExportAndDownloadRequest{ServerID: "5f6c3b9e-2d1a-4c8b-9e7f-0a1b2c3d4e5f", Destination: io.Discard})
	require.NoError(t, err)
	n := resp.Written

	const exports = "/v1/{project_id}/physicalservers/{ServerID}/logs/exports"
	assert.Equal(t, []string{
		"start waiter ExportAndDownload",
		"start call ExportLogs",
		"attempt POST " + exports,
		"attempt end status=202 read=true",
		"end ExportLogs status=202 attempts=1 err=<nil>",
		"start call DownloadLogs",
		"attempt GET " + exports + "/{ExportID}/content",
		fmt.Sprintf("attempt end status=200 streamed bytes=%d", n),
		"end DownloadLogs status=200 attempts=1 err=<nil>",
		"end ExportAndDownload status=0 attempts=0 err=<nil>",
	}, obs.lines)
}
