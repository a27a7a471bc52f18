package css_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// The benchmarks of this file compare the CSS client with plain net/http +
// encoding/json on the same loopback server and the same reply (README, Performance):
//
//	go test -run '^$' -bench . -benchmem ./css/
//
// The ratio to the official SDK is measured outside this module by
// tools/bench-official/run.

const (
	benchProject = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	benchCluster = "4213d908-f5dc-4633-8401-cfd7175fca0c"
	// benchConns bounds the idle connections kept per host, above any RunParallel
	// parallelism, so that parallel benchmarks reuse connections instead of dialling.
	benchConns = 1024
)

var benchCreds = signer.Credentials{AccessKey: "HPUABENCHACCESSKEY01", SecretKey: "bench-secret-key-bench-secret-key-0123456"}

// benchRecord is one ListLogsJob record as the service sends it (createAt a JSON
// number, as in the documented example), and the struct plain net/http code decodes
// it into.
type benchRecord struct {
	ID         string  `json:"id"`
	ClusterID  string  `json:"clusterId"`
	CreateAt   int64   `json:"createAt"`
	LogPath    string  `json:"logPath"`
	Status     string  `json:"status"`
	FinishedAt *int64  `json:"finishedAt"`
	JobTypes   string  `json:"jobTypes"`
	FailedMsg  *string `json:"failedMsg"`
	JobID      string  `json:"jobId"`
}

// benchPage is a ListLogsJob reply.
type benchPage struct {
	ClusterLogRecord []benchRecord `json:"clusterLogRecord"`
	TotalSize        int           `json:"totalSize"`
}

// benchBody returns the JSON of a ListLogsJob reply with n records: one running, every
// tenth failed, the rest succeeded.
func benchBody(tb testing.TB, n int) []byte {
	tb.Helper()
	p := benchPage{ClusterLogRecord: make([]benchRecord, n), TotalSize: n}
	for i := range p.ClusterLogRecord {
		created := int64(1656042837000) - int64(i)*3_600_000
		r := benchRecord{
			ID:        fmt.Sprintf("d455a541-597e-4846-a6be-%012x", i),
			ClusterID: benchCluster,
			CreateAt:  created,
			LogPath:   "css-backup-1610678043608/css/log",
			Status:    string(css.LogBackupSucceeded),
			JobTypes:  string(css.JobTypeAuto),
			JobID:     fmt.Sprintf("2c9080df7c171342017c5e08%08x", i),
		}
		finished := created + 90_000
		switch {
		case i == 0:
			r.Status, r.JobTypes = string(css.LogBackupRunning), string(css.JobTypeManual)
		case i%10 == 9:
			msg := "OBS bucket css-logs is not reachable"
			r.Status, r.FinishedAt, r.FailedMsg = string(css.LogBackupFailed), &finished, &msg
		default:
			r.FinishedAt = &finished
		}
		p.ClusterLogRecord[i] = r
	}
	b, err := json.Marshal(p)
	require.NoError(tb, err)
	return b
}

// newBenchServer starts a loopback server that answers every request with body, as
// the service does: no signature check, the same work for every client.
func newBenchServer(tb testing.TB, body []byte) *httptest.Server {
	tb.Helper()
	length := strconv.Itoa(len(body))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"application/json;charset=UTF-8"}
		h["Content-Length"] = []string{length}
		h["X-Request-Id"] = []string{"6b9b2f6e1c8d4a7f9e0b3c5d7a1f2e4b"}
		_, _ = w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// newBenchTransport is the base transport of both sides: http.DefaultTransport's
// settings, with idle connections for every parallel goroutine.
func newBenchTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = benchConns
	t.MaxIdleConnsPerHost = benchConns
	return t
}

// newBenchClient returns a CSS client for srv over its own newBenchTransport.
func newBenchClient(tb testing.TB, srv *httptest.Server) *css.Client {
	tb.Helper()
	tr := newBenchTransport()
	tb.Cleanup(tr.CloseIdleConnections)
	client, err := css.New(css.Config{
		ServiceEndpoints:  map[string][]string{"css": {srv.URL}},
		AllowInsecureHTTP: true,
		ProjectID:         benchProject,
		Credentials:       benchCreds,
		HTTPClient:        &http.Client{Transport: tr},
	})
	require.NoError(tb, err)
	return client
}

// benchRaw is what a hand-written caller does for one page: GET, check the status,
// decode the JSON, drain and close the body.
type benchRaw struct {
	hc  *http.Client
	url string
}

func newBenchRaw(tb testing.TB, srv *httptest.Server, limit int) *benchRaw {
	tb.Helper()
	tr := newBenchTransport()
	tb.Cleanup(tr.CloseIdleConnections)
	return &benchRaw{
		hc:  &http.Client{Transport: tr},
		url: srv.URL + "/v1.0/" + benchProject + "/clusters/" + benchCluster + "/logs/records?limit=" + strconv.Itoa(limit) + "&offset=1",
	}
}

func (r *benchRaw) list(ctx context.Context) (*benchPage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	var p benchPage
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return &p, err
}

// benchSizes are the page sizes of the single-request benchmarks: the default page,
// the smallest one (where per-request overhead shows most) and the largest.
var benchSizes = []int{10, 1, css.MaxListLimit}

// BenchmarkListLogBackups measures one ListLogBackups call (signing, retry wrapper,
// capped JSON decode, conversion to the public types) against the loopback server of
// BenchmarkRawNetHTTP.
func BenchmarkListLogBackups(b *testing.B) {
	for _, n := range benchSizes {
		b.Run("records="+strconv.Itoa(n), func(b *testing.B) {
			client := newBenchClient(b, newBenchServer(b, benchBody(b, n)))
			ctx := context.Background()
			req := &css.ListLogBackupsRequest{ClusterID: benchCluster, Limit: n}
			b.ReportAllocs()
			for b.Loop() {
				resp, err := client.ListLogBackups(ctx, req)
				if err != nil {
					b.Fatal(err)
				}
				if len(resp.Records) != n {
					b.Fatalf("got %d records, want %d", len(resp.Records), n)
				}
			}
		})
	}
}

// BenchmarkRawNetHTTP is the baseline of BenchmarkListLogBackups: plain net/http and
// encoding/json, same server, same body, same transport settings, no signing.
func BenchmarkRawNetHTTP(b *testing.B) {
	for _, n := range benchSizes {
		b.Run("records="+strconv.Itoa(n), func(b *testing.B) {
			raw := newBenchRaw(b, newBenchServer(b, benchBody(b, n)), n)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				p, err := raw.list(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if len(p.ClusterLogRecord) != n {
					b.Fatalf("got %d records, want %d", len(p.ClusterLogRecord), n)
				}
			}
		})
	}
}

// BenchmarkListLogBackupsParallel shares one client between RunParallel's goroutines
// and reports requests per second.
func BenchmarkListLogBackupsParallel(b *testing.B) {
	const n = 10
	client := newBenchClient(b, newBenchServer(b, benchBody(b, n)))
	req := &css.ListLogBackupsRequest{ClusterID: benchCluster, Limit: n}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			resp, err := client.ListLogBackups(ctx, req)
			if err != nil {
				b.Error(err)
				return
			}
			if len(resp.Records) != n {
				b.Errorf("got %d records, want %d", len(resp.Records), n)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkRawNetHTTPParallel is the baseline of BenchmarkListLogBackupsParallel.
func BenchmarkRawNetHTTPParallel(b *testing.B) {
	const n = 10
	raw := newBenchRaw(b, newBenchServer(b, benchBody(b, n)), n)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			p, err := raw.list(ctx)
			if err != nil {
				b.Error(err)
				return
			}
			if len(p.ClusterLogRecord) != n {
				b.Errorf("got %d records, want %d", len(p.ClusterLogRecord), n)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkLogBackupsIterator walks 100,000 jobs of the csstest fake in pages of
// 1,000 and reports the time per record and the peak live heap of the walk:
//
//   - page-heap-bytes: the live heap growth of holding one decoded page (a
//     ListLogBackupsResponse of 1,000 records);
//   - peak-heap-bytes: the largest live heap growth seen at the start of every page
//     of a walk, compared with the heap before the walk;
//   - peak/page: their ratio; the iterator keeps one page at a time, so it stays
//     under 2.
//
// "Live" is the heap after runtime.GC (twice, so that sync.Pool caches are dropped
// too): garbage waiting for the next collection is not memory the iterator holds.
// The sampled walk is not timed; the timed walks do not sample.
func BenchmarkLogBackupsIterator(b *testing.B) {
	const total, pageSize = 100_000, 1000
	srv := csstest.NewServer()
	b.Cleanup(srv.Close)
	srv.AddCluster(benchCluster)
	require.NoError(b, srv.AddLogBackups(benchCluster, total))
	client, err := css.New(srv.Config())
	require.NoError(b, err)
	ctx := context.Background()
	req := &css.ListLogBackupsRequest{ClusterID: benchCluster, Limit: pageSize}

	// One page's worth: the heap that holding one decoded page costs, measured once
	// the connection is up.
	_, err = client.ListLogBackups(ctx, &css.ListLogBackupsRequest{ClusterID: benchCluster, Limit: 1})
	require.NoError(b, err)
	before := liveHeap()
	page, err := client.ListLogBackups(ctx, req)
	require.NoError(b, err)
	require.Len(b, page.Records, pageSize)
	pageBytes := int64(liveHeap()) - int64(before)
	runtime.KeepAlive(page)
	require.Positive(b, pageBytes)

	// The sampled walk.
	base := liveHeap()
	var peak int64
	n := 0
	for _, err := range client.LogBackups(ctx, req) {
		if err != nil {
			b.Fatal(err)
		}
		if n%pageSize == 0 {
			peak = max(peak, int64(liveHeap())-int64(base))
		}
		n++
	}
	require.Equal(b, total, n)

	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range client.LogBackups(ctx, req) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != total {
			b.Fatalf("walked %d records, want %d", n, total)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/total, "ns/record")
	b.ReportMetric(float64(pageBytes), "page-heap-bytes")
	b.ReportMetric(float64(peak), "peak-heap-bytes")
	b.ReportMetric(float64(peak)/float64(pageBytes), "peak/page")
}

// liveHeap returns the bytes of live heap objects. The second collection frees what
// sync.Pools kept through the first one.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// inProcess answers every request with the same 10-job reply without a network, so
// that BenchmarkListLogBackupsInProcess measures the client's own work alone.
type inProcess struct{ body []byte }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": {"application/json;charset=UTF-8"}, "X-Request-Id": {"6b9b2f6e1c8d4a7f9e0b3c5d7a1f2e4b"}},
		Body:          io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: int64(len(t.body)),
		Request:       req,
	}, nil
}

// BenchmarkListLogBackupsInProcess is BenchmarkListLogBackups with 10 jobs over an
// in-process transport: validation, signing, the retry layer, decoding and the
// conversion to public types, without the loopback's noise. It is the steady figure
// for changes of the client's own cost, such as the Observer hooks with no observer.
func BenchmarkListLogBackupsInProcess(b *testing.B) {
	client, err := css.New(css.Config{
		ServiceEndpoints: map[string][]string{"css": {"https://css.example.com"}},
		ProjectID:        "0123456789abcdef0123456789abcdef",
		Credentials:      signer.Credentials{AccessKey: "HPUABENCHMARKKEY0001", SecretKey: "benchmark-secret-key"},
		HTTPClient:       &http.Client{Transport: inProcess{body: benchBody(b, 10)}},
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	req := &css.ListLogBackupsRequest{ClusterID: benchCluster, Limit: 10}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.ListLogBackups(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if len(resp.Records) != 10 {
			b.Fatalf("got %d records, want 10", len(resp.Records))
		}
	}
}
