package baremetal_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/baremetal/baremetaltest"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// The benchmarks of this file stream a 1 GiB archive from the baremetaltest fake on
// loopback into io.Discard, through ExportAndDownload and through a plain signed GET,
// so that their throughputs (MB/s) compare in one run (README, Performance):
//
//	go test -run '^$' -bench . -benchmem ./baremetal/

const (
	benchArchiveSize = 1 << 30
	benchServerID    = "bench-server-1"
	mib              = 1 << 20
)

// newBenchServer starts a fake whose archives are 1 GiB and whose exports complete
// after a millisecond.
func newBenchServer(tb testing.TB) *baremetaltest.Server {
	tb.Helper()
	srv := baremetaltest.NewServer(
		baremetaltest.WithArchiveSize(benchArchiveSize),
		baremetaltest.WithExportDuration(time.Millisecond),
	)
	tb.Cleanup(srv.Close)
	return srv
}

// heapObjects is the heap occupied by objects, live or not yet swept, as HeapAlloc
// counts it. runtime/metrics reads it without stopping the world, unlike
// runtime.ReadMemStats, so sampling it once per MiB costs the copy nothing measurable.
type heapObjects struct {
	sample []metrics.Sample
}

func newHeapObjects() *heapObjects {
	return &heapObjects{sample: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
}

func (h *heapObjects) read() int64 {
	metrics.Read(h.sample)
	return int64(h.sample[0].Value.Uint64())
}

// BenchmarkExportAndDownload1GiB runs the whole workflow (export, poll, download) of
// a 1 GiB archive into io.Discard. Besides the throughput, it reports
// peak-heap-MiB: the largest growth of the heap over its level before the call, as
// sampled by every download progress report (one per MiB). Nothing forces a
// collection during the call, so garbage counts too: an upper bound of what the
// download holds.
func BenchmarkExportAndDownload1GiB(b *testing.B) {
	srv := newBenchServer(b)
	client, err := baremetal.New(srv.Config())
	require.NoError(b, err)
	ctx := context.Background()
	heap := newHeapObjects()
	var peak int64
	b.SetBytes(benchArchiveSize)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		base := heap.read()
		b.StartTimer()
		_, n, err := client.ExportAndDownload(ctx, benchServerID, io.Discard,
			baremetal.WithMinDelay(time.Millisecond), baremetal.WithMaxDelay(time.Millisecond),
			baremetal.WithProgress(func(p baremetal.ExportProgress) {
				if p.Phase == baremetal.PhaseDownloading {
					peak = max(peak, heap.read()-base)
				}
			}))
		if err != nil {
			b.Fatal(err)
		}
		if n != benchArchiveSize {
			b.Fatalf("downloaded %d bytes, want %d", n, benchArchiveSize)
		}
	}
	b.ReportMetric(float64(peak)/mib, "peak-heap-MiB")
}

// BenchmarkPlainCopy1GiB is the baseline of BenchmarkExportAndDownload1GiB: a GET of
// the same kind of archive from the same kind of server, signed with signer.Sign and
// io.Copy'd to io.Discard, over a transport with http.DefaultTransport's settings (the
// client's default). The export it downloads is made before the timer starts.
func BenchmarkPlainCopy1GiB(b *testing.B) {
	srv := newBenchServer(b)
	client, err := baremetal.New(srv.Config())
	require.NoError(b, err)
	ctx := context.Background()
	exportID := completedExport(b, client)
	url := srv.URL + "/v1/" + srv.ProjectID + "/physicalservers/" + benchServerID + "/logs/exports/" + exportID + "/content"
	tr := http.DefaultTransport.(*http.Transport).Clone()
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	b.SetBytes(benchArchiveSize)
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := signer.Sign(req, nil, srv.Credentials, time.Now()); err != nil {
			b.Fatal(err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || n != benchArchiveSize {
			b.Fatalf("status %d, %d bytes; want 200, %d bytes", resp.StatusCode, n, benchArchiveSize)
		}
	}
}

// completedExport starts an export and polls it until it completes.
func completedExport(tb testing.TB, client *baremetal.Client) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	started, err := client.ExportLogs(ctx, &baremetal.ExportLogsRequest{ServerID: benchServerID})
	require.NoError(tb, err)
	for status := started.Status; !status.Done(); {
		time.Sleep(time.Millisecond)
		got, err := client.GetLogExport(ctx, &baremetal.GetLogExportRequest{ServerID: benchServerID, ExportID: started.ID})
		require.NoError(tb, err)
		status = got.Status
	}
	return started.ID
}
