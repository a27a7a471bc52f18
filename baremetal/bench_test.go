package baremetal_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/baremetal/baremetaltest"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// The benchmarks of this file stream an archive of 256 MiB or 1 GiB from the
// baremetaltest fake on loopback into a writer that has only Write, through
// ExportAndDownload ("ours") and through a plain signed GET copied with
// io.CopyBuffer and a 32 KiB buffer ("plain"), the same copy ExportAndDownload makes.
// One run of one benchmark is noisy on a shared machine: tools/bench-download/run
// runs them in alternating order, round after round, and prints the medians of the
// per-round ratios (README, Performance).
//
// Besides MB/s, both report cpu-ns/GiB: the CPU time (user and system) of the whole
// process per GiB downloaded, the fake server included, which does the same work for
// both. Ours also reports peak-heap-MiB.

const (
	benchServerID = "9f0e8d7c-6b5a-4c3d-8e1f-00000000be4c"
	mib           = 1 << 20
)

// benchSizes are the archive sizes of the download benchmarks.
var benchSizes = []struct {
	name string
	size int64
}{{"256MiB", 256 << 20}, {"1GiB", 1 << 30}}

// newBenchServer starts a fake whose archives are size bytes and whose exports
// complete at once.
func newBenchServer(tb testing.TB, size int64) *baremetaltest.Server {
	tb.Helper()
	srv := baremetaltest.NewServer(
		baremetaltest.WithArchiveSize(size),
		baremetaltest.WithExportDuration(0),
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

// cpuMeter measures the CPU time the process spends while the benchmark timer runs.
type cpuMeter struct {
	b     *testing.B
	start time.Duration
	total time.Duration
}

func (m *cpuMeter) begin() { m.start = processCPU() }
func (m *cpuMeter) end()   { m.total += processCPU() - m.start }

// report reports cpu-ns/GiB over the b.N downloads of size bytes.
func (m *cpuMeter) report(size int64) {
	gib := float64(size) * float64(m.b.N) / (1 << 30)
	m.b.ReportMetric(float64(m.total.Nanoseconds())/gib, "cpu-ns/GiB")
}

// writeOnly counts the bytes written to it. It has only Write, so io.Copy can take no
// shortcut through it (no ReadFrom) and no rewind is possible.
type writeOnly struct{ n int64 }

func (w *writeOnly) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// BenchmarkDownload compares, per archive size, ExportAndDownload (ours: the whole
// workflow, export included, with a progress callback) with a plain signed GET of
// the same kind of archive from the same kind of server (plain).
func BenchmarkDownload(b *testing.B) {
	for _, s := range benchSizes {
		b.Run(s.name+"/ours", func(b *testing.B) { benchOurs(b, s.size) })
		b.Run(s.name+"/plain", func(b *testing.B) { benchPlain(b, s.size) })
	}
}

// benchOurs runs ExportAndDownload. Besides the throughput, it reports
// peak-heap-MiB: the largest growth of the heap over its level before the call, as
// sampled by every download progress report (one per MiB). Nothing forces a
// collection during the call, so garbage counts too: an upper bound of what the
// download holds.
func benchOurs(b *testing.B, size int64) {
	srv := newBenchServer(b, size)
	client, err := baremetal.New(srv.Config())
	require.NoError(b, err)
	ctx := context.Background()
	heap := newHeapObjects()
	cpu := &cpuMeter{b: b}
	var peak int64
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		base := heap.read()
		var w writeOnly
		b.StartTimer()
		cpu.begin()
		resp, err := client.ExportAndDownload(ctx, &baremetal.ExportAndDownloadRequest{ServerID: benchServerID, Destination: &w},
			hcloud.WithProgress(func(p hcloud.Progress) {
				if p.Phase == hcloud.PhaseDownloading {
					peak = max(peak, heap.read()-base)
				}
			}))
		cpu.end()
		if err != nil {
			b.Fatal(err)
		}
		if resp.Written != size || w.n != size {
			b.Fatalf("downloaded %d bytes, wrote %d, want %d", resp.Written, w.n, size)
		}
	}
	cpu.report(size)
	b.ReportMetric(float64(peak)/mib, "peak-heap-MiB")
}

// benchPlain is the baseline: a GET signed with signer.Sign, over a transport with
// http.DefaultTransport's settings, its body copied by io.CopyBuffer with a 32 KiB
// buffer into a write-only writer. The export it downloads is made before the timer
// starts.
func benchPlain(b *testing.B, size int64) {
	srv := newBenchServer(b, size)
	client, err := baremetal.New(srv.Config())
	require.NoError(b, err)
	ctx := context.Background()
	started, err := client.ExportLogs(ctx, &baremetal.ExportLogsRequest{ServerID: benchServerID})
	require.NoError(b, err)
	url := srv.URL + "/v1/" + srv.ProjectID + "/physicalservers/" + benchServerID + "/logs/exports/" + started.ID + "/content"
	tr := http.DefaultTransport.(*http.Transport).Clone()
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	cpu := &cpuMeter{b: b}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		cpu.begin()
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
		var w writeOnly
		n, err := io.CopyBuffer(&w, resp.Body, make([]byte, 32<<10))
		resp.Body.Close()
		cpu.end()
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || n != size {
			b.Fatalf("status %d, %d bytes; want 200, %d bytes", resp.StatusCode, n, size)
		}
	}
	cpu.report(size)
}
