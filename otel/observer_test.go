package hcloudotel_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hcloudlogs/hcloudlogs-go/baremetal"
	"github.com/hcloudlogs/hcloudlogs-go/baremetal/baremetaltest"
	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	hcloudotel "github.com/hcloudlogs/hcloudlogs-go/otel"
)

const (
	cluster  = "4213d908-f5dc-4633-8401-cfd7175fca0c"
	records  = "/v1.0/{project_id}/clusters/{ClusterID}/logs/records"
	collect  = "/v1.0/{project_id}/clusters/{ClusterID}/logs/collect"
	serverID = "5b5d4fc6-1e8b-4e2b-9d63-6c2f3a1b0c9d"
)

// telemetry is an Observer writing to an in-memory span recorder and a manual metric
// reader, and a transport that records the signed requests it sends.
type telemetry struct {
	spans   *tracetest.SpanRecorder
	reader  *sdkmetric.ManualReader
	obs     *hcloudotel.Observer
	capture *capture
}

func newTelemetry(t *testing.T, opts ...hcloudotel.Option) *telemetry {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	obs, err := hcloudotel.NewObserver(append([]hcloudotel.Option{
		hcloudotel.WithTracerProvider(tp), hcloudotel.WithMeterProvider(mp),
	}, opts...)...)
	require.NoError(t, err)
	return &telemetry{spans: sr, reader: reader, obs: obs, capture: &capture{}}
}

// configure makes cfg report to tm and send through tm's capturing transport.
func (tm *telemetry) configure(cfg *hcloud.Config) {
	cfg.Observer = tm.obs
	cfg.HTTPClient = &http.Client{Transport: tm.capture}
}

// capture records the headers of every signed request, then sends it.
type capture struct {
	mu      sync.Mutex
	headers []http.Header
}

func (c *capture) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.headers = append(c.headers, req.Header.Clone())
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (c *capture) all() []http.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]http.Header(nil), c.headers...)
}

// cssSetup starts a fake CSS on a manual clock with one cluster, and a client that
// reports to a new telemetry.
func cssSetup(t *testing.T, opts ...hcloudotel.Option) (*csstest.Server, *css.Client, *telemetry) {
	t.Helper()
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
	srv := csstest.NewServer(csstest.WithClock(clock), csstest.WithJobDuration(time.Second), csstest.WithLogf(t.Logf))
	t.Cleanup(srv.Close)
	srv.AddCluster(cluster)
	tm := newTelemetry(t, opts...)
	cfg := srv.Config()
	tm.configure(&cfg)
	client, err := css.New(cfg)
	require.NoError(t, err)
	return srv, client, tm
}

// shown are the attributes tree prints, in this order.
var shown = []attribute.Key{
	"rpc.system", "rpc.service", "rpc.method", "hcloudlogs.operation.kind",
	"http.request.method", "server.address", "url.template", "http.request.resend_count",
	"http.response.status_code", "hcloudlogs.retry.reason", "hcloudlogs.retry.wait",
	"hcloudlogs.attempts", "hcloudlogs.retry.stop_reason", "error.type",
	"http.response.body.size", "huaweicloud.request_id",
}

// tree renders the ended spans as an indented tree, children in start order, each span
// with its kind, status and shown attributes; request IDs print as "set" and the
// server address as "loopback".
func tree(spans []sdktrace.ReadOnlySpan) string {
	children := map[trace.SpanID][]sdktrace.ReadOnlySpan{}
	ids := map[trace.SpanID]bool{}
	for _, s := range spans {
		ids[s.SpanContext().SpanID()] = true
	}
	var roots []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if p := s.Parent().SpanID(); p.IsValid() && ids[p] {
			children[p] = append(children[p], s)
		} else {
			roots = append(roots, s)
		}
	}
	byStart := func(list []sdktrace.ReadOnlySpan) {
		sort.SliceStable(list, func(i, j int) bool { return list[i].StartTime().Before(list[j].StartTime()) })
	}
	var b strings.Builder
	var walk func(s sdktrace.ReadOnlySpan, depth int)
	walk = func(s sdktrace.ReadOnlySpan, depth int) {
		fmt.Fprintf(&b, "%s%s [%s", strings.Repeat("  ", depth), s.Name(), s.SpanKind())
		if s.Status().Code == codes.Error {
			b.WriteString(" error")
		}
		b.WriteString("]")
		attrs := map[attribute.Key]attribute.Value{}
		for _, kv := range s.Attributes() {
			attrs[kv.Key] = kv.Value
		}
		for _, k := range shown {
			v, ok := attrs[k]
			if !ok {
				continue
			}
			val := v.Emit()
			switch k {
			case "huaweicloud.request_id":
				val = "set"
			case "server.address":
				val = "loopback"
			}
			fmt.Fprintf(&b, " %s=%s", k, val)
		}
		b.WriteString("\n")
		kids := children[s.SpanContext().SpanID()]
		byStart(kids)
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	byStart(roots)
	for _, r := range roots {
		walk(r, 0)
	}
	return b.String()
}

// assertNoSecret scans every attribute, event and status of spans, and every metric
// attribute, for the credentials and the authentication header values of the
// requests tm sent.
func assertNoSecret(t *testing.T, tm *telemetry, creds ...string) {
	t.Helper()
	secrets := append([]string(nil), creds...)
	headers := tm.capture.all()
	require.NotEmpty(t, headers)
	for _, h := range headers {
		_, sig, ok := strings.Cut(h.Get("Authorization"), "Signature=")
		require.True(t, ok)
		secrets = append(secrets, sig, h.Get("X-Sdk-Date"))
	}
	var values []string
	addAttrs := func(attrs []attribute.KeyValue) {
		for _, kv := range attrs {
			values = append(values, string(kv.Key)+"="+kv.Value.Emit())
		}
	}
	for _, s := range tm.spans.Ended() {
		values = append(values, s.Name(), s.Status().Description)
		addAttrs(s.Attributes())
		for _, e := range s.Events() {
			values = append(values, e.Name)
			addAttrs(e.Attributes)
		}
	}
	var rm metricdata.ResourceMetrics
	require.NoError(t, tm.reader.Collect(context.Background(), &rm))
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					addAttrs(p.Attributes.ToSlice())
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					addAttrs(p.Attributes.ToSlice())
				}
			}
		}
	}
	require.NotEmpty(t, values)
	for _, v := range values {
		for _, s := range secrets {
			require.NotEmpty(t, s)
			assert.NotContains(t, v, s)
		}
	}
}

// sums returns the data points of the int64 counter name, by the value of key.
func sums(t *testing.T, tm *telemetry, name string, key attribute.Key) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, tm.reader.Collect(context.Background(), &rm))
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
				v, _ := p.Attributes.Value(key)
				out[v.Emit()] += p.Value
			}
		}
	}
	return out
}

// histogramCounts returns the number of recordings of the histogram name, by the
// value of key.
func histogramCounts(t *testing.T, tm *telemetry, name string, key attribute.Key) map[string]uint64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, tm.reader.Collect(context.Background(), &rm))
	out := map[string]uint64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			for _, p := range m.Data.(metricdata.Histogram[float64]).DataPoints {
				v, _ := p.Attributes.Value(key)
				out[v.Emit()] += p.Count
			}
		}
	}
	return out
}

func TestRetriedCall(t *testing.T) {
	t.Parallel()
	srv, client, tm := cssSetup(t)
	_, err := srv.InjectFault(csstest.Fault{Route: csstest.RouteListLogBackups, Status: http.StatusTooManyRequests, RetryAfter: "3", Times: 2})
	require.NoError(t, err)

	_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: cluster})
	require.NoError(t, err)

	got := tree(tm.spans.Ended())
	t.Logf("span tree:\n%s", got)
	assert.Equal(t, ""+
		"CSS/ListLogBackups [client] rpc.system=huaweicloud rpc.service=CSS rpc.method=ListLogBackups hcloudlogs.operation.kind=call http.response.status_code=200 hcloudlogs.attempts=3 huaweicloud.request_id=set\n"+
		"  GET "+records+" [client error] http.request.method=GET server.address=loopback url.template="+records+" http.response.status_code=429 hcloudlogs.retry.reason=status 429 hcloudlogs.retry.wait=3 error.type=429 huaweicloud.request_id=set\n"+
		"  GET "+records+" [client error] http.request.method=GET server.address=loopback url.template="+records+" http.request.resend_count=1 http.response.status_code=429 hcloudlogs.retry.reason=status 429 hcloudlogs.retry.wait=3 error.type=429 huaweicloud.request_id=set\n"+
		"  GET "+records+" [client] http.request.method=GET server.address=loopback url.template="+records+" http.request.resend_count=2 http.response.status_code=200 http.response.body.size=37 huaweicloud.request_id=set\n",
		got)

	// The request IDs are those of the replies, distinct per attempt.
	seen := map[string]bool{}
	for _, s := range tm.spans.Ended() {
		for _, kv := range s.Attributes() {
			if kv.Key == hcloudotel.RequestIDKey {
				seen[kv.Value.AsString()] = true
			}
		}
	}
	assert.Len(t, seen, 3)

	assert.Equal(t, map[string]int64{"429": 2, "200": 1}, sums(t, tm, "hcloudlogs.client.attempts", "http.response.status_code"))
	assert.Equal(t, map[string]int64{"ListLogBackups": 2}, sums(t, tm, "hcloudlogs.client.throttled", "rpc.method"))
	assert.Equal(t, map[string]uint64{"ListLogBackups": 1}, histogramCounts(t, tm, "hcloudlogs.client.operation.duration", "rpc.method"))
	assert.Equal(t, map[string]uint64{"429": 2, "200": 1}, histogramCounts(t, tm, "http.client.request.duration", "http.response.status_code"))
	assert.Empty(t, sums(t, tm, "hcloudlogs.client.retry.stopped", hcloudotel.RetryStopKey))
	assertNoSecret(t, tm, srv.Credentials.AccessKey, srv.Credentials.SecretKey)
}

func TestFailedCall(t *testing.T) {
	t.Parallel()
	srv, client, tm := cssSetup(t)
	_, err := srv.InjectFault(csstest.Fault{Route: csstest.RouteListLogBackups, Status: http.StatusServiceUnavailable})
	require.NoError(t, err)

	_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: cluster},
		hcloud.WithRetry(hcloud.RetryPolicy{MaxAttempts: 2}))
	require.Error(t, err)

	var op sdktrace.ReadOnlySpan
	for _, s := range tm.spans.Ended() {
		if s.Name() == "CSS/ListLogBackups" {
			op = s
		}
	}
	require.NotNil(t, op)
	assert.Equal(t, codes.Error, op.Status().Code)
	assert.Equal(t, err.Error(), op.Status().Description)
	require.Len(t, op.Events(), 1)
	assert.Equal(t, "exception", op.Events()[0].Name)
	assert.Contains(t, op.Attributes(), attribute.String("error.type", "503"))
	assert.Contains(t, op.Attributes(), attribute.String("hcloudlogs.retry.stop_reason", "max_attempts"))
	assert.Equal(t, map[string]int64{"max_attempts": 1}, sums(t, tm, "hcloudlogs.client.retry.stopped", hcloudotel.RetryStopKey))
	assert.Equal(t, map[string]uint64{"503": 1}, histogramCounts(t, tm, "hcloudlogs.client.operation.duration", "error.type"))
	assertNoSecret(t, tm, srv.Credentials.AccessKey, srv.Credentials.SecretKey)
}

func TestRetryBudgetExhausted(t *testing.T) {
	t.Parallel()
	srv, client, tm := cssSetup(t)
	_, err := srv.InjectFault(csstest.Fault{Route: csstest.RouteListLogBackups, Status: http.StatusServiceUnavailable})
	require.NoError(t, err)

	// A budget with room for one retry: the second retry finds it empty.
	budget := hcloud.NewRetryBudget(hcloud.RetryBudgetRetryCost)
	_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: cluster},
		hcloud.WithRetry(hcloud.RetryPolicy{MaxAttempts: 4, Budget: budget}))
	require.ErrorIs(t, err, hcloud.ErrRetryBudgetExhausted)

	assert.Equal(t, map[string]int64{"budget": 1}, sums(t, tm, "hcloudlogs.client.retry.stopped", hcloudotel.RetryStopKey))
	var op sdktrace.ReadOnlySpan
	for _, s := range tm.spans.Ended() {
		if s.Name() == "CSS/ListLogBackups" {
			op = s
		}
	}
	require.NotNil(t, op)
	assert.Contains(t, op.Attributes(), attribute.String("hcloudlogs.retry.stop_reason", "budget"))
	assert.Contains(t, op.Attributes(), attribute.Int("hcloudlogs.attempts", 2))
	assertNoSecret(t, tm, srv.Credentials.AccessKey, srv.Credentials.SecretKey)
}

func TestIterator(t *testing.T) {
	t.Parallel()
	srv, client, tm := cssSetup(t)
	require.NoError(t, srv.AddLogBackups(cluster, 5))

	n := 0
	for _, err := range client.LogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: cluster, Limit: 2}) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 5, n)

	page := "  CSS/ListLogBackups [client] rpc.system=huaweicloud rpc.service=CSS rpc.method=ListLogBackups hcloudlogs.operation.kind=call http.response.status_code=200 hcloudlogs.attempts=1 huaweicloud.request_id=set\n"
	attempt := "    GET " + records + " [client] http.request.method=GET server.address=loopback url.template=" + records + " http.response.status_code=200 http.response.body.size=%d huaweicloud.request_id=set\n"
	got := tree(tm.spans.Ended())
	// Every page is a child of the iterator's span; the byte counts vary with the
	// generated records, so they are read from the spans.
	sizes := regexpSizes(got)
	require.Len(t, sizes, 3)
	assert.Equal(t, ""+
		"CSS/LogBackups [internal] rpc.system=huaweicloud rpc.service=CSS rpc.method=LogBackups hcloudlogs.operation.kind=iterator\n"+
		page+fmt.Sprintf(attempt, sizes[0])+
		page+fmt.Sprintf(attempt, sizes[1])+
		page+fmt.Sprintf(attempt, sizes[2]),
		got)
	assert.Equal(t, map[string]uint64{"LogBackups": 1, "ListLogBackups": 3}, histogramCounts(t, tm, "hcloudlogs.client.operation.duration", "rpc.method"))
	assertNoSecret(t, tm, srv.Credentials.AccessKey, srv.Credentials.SecretKey)
}

// regexpSizes returns the http.response.body.size values in a rendered tree, in order.
func regexpSizes(tree string) []int {
	var out []int
	for _, f := range strings.Fields(tree) {
		if v, ok := strings.CutPrefix(f, "http.response.body.size="); ok {
			var n int
			_, _ = fmt.Sscan(v, &n)
			out = append(out, n)
		}
	}
	return out
}

func TestBackupLogs(t *testing.T) {
	t.Parallel()
	srv, client, tm := cssSetup(t)

	job, err := client.BackupLogs(context.Background(), &css.CreateLogBackupRequest{ClusterID: cluster})
	require.NoError(t, err)
	require.Equal(t, css.LogBackupSucceeded, job.Status)

	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(tree(tm.spans.Ended())), "\n") {
		if !strings.HasPrefix(l, "    ") { // the operations, not their attempts
			name, _, _ := strings.Cut(strings.TrimSpace(l), " [")
			lines = append(lines, strings.Repeat(" ", len(l)-len(strings.TrimLeft(l, " ")))+name)
		}
	}
	// The snapshot before the trigger, the trigger, the poll right after it (RUNNING)
	// and the one after the first delay (SUCCESS), all under one parent.
	assert.Equal(t, []string{
		"CSS/BackupLogs",
		"  CSS/ListLogBackups",
		"  CSS/CreateLogBackup",
		"  CSS/ListLogBackups",
		"  CSS/ListLogBackups",
	}, lines)
	for _, s := range tm.spans.Ended() {
		if s.Name() == "POST "+collect {
			assert.Contains(t, s.Attributes(), attribute.Int("http.response.status_code", http.StatusOK))
		}
		if s.Name() == "CSS/BackupLogs" {
			assert.Equal(t, trace.SpanKindInternal, s.SpanKind())
			assert.Contains(t, s.Attributes(), attribute.String("hcloudlogs.operation.kind", "waiter"))
		}
	}
	assertNoSecret(t, tm, srv.Credentials.AccessKey, srv.Credentials.SecretKey)
}

func TestDownload(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
	srv := baremetaltest.NewServer(baremetaltest.WithClock(clock), baremetaltest.WithArchiveSize(3<<20), baremetaltest.WithLogf(t.Logf))
	t.Cleanup(srv.Close)
	tm := newTelemetry(t)
	cfg := srv.Config()
	tm.configure(&cfg)
	client, err := baremetal.New(cfg)
	require.NoError(t, err)

	resp, err := client.ExportAndDownload(context.Background(), &baremetal.ExportAndDownloadRequest{ServerID: serverID, Destination: io.Discard})
	require.NoError(t, err)
	n := resp.Written
	require.Equal(t, srv.ArchiveSize(), n)

	got := tree(tm.spans.Ended())
	t.Logf("span tree:\n%s", got)
	var ops []string
	for _, l := range strings.Split(strings.TrimSpace(got), "\n") {
		if !strings.HasPrefix(l, "    ") {
			name, _, _ := strings.Cut(l, " [")
			ops = append(ops, name)
		}
	}
	assert.Equal(t, []string{
		"BareMetal/ExportAndDownload",
		"  BareMetal/ExportLogs",
		"  BareMetal/GetLogExport",
		"  BareMetal/DownloadLogs",
	}, ops)
	const content = "/v1/{project_id}/physicalservers/{ServerID}/logs/exports/{ExportID}/content"
	assert.Contains(t, got, "    GET "+content+" [client] http.request.method=GET server.address=loopback url.template="+content+
		" http.response.status_code=200 http.response.body.size="+fmt.Sprint(n)+" huaweicloud.request_id=set\n")
	assert.Equal(t, map[string]int64{"DownloadLogs": n}, sums(t, tm, "hcloudlogs.client.download.size", "rpc.method"))
	assertNoSecret(t, tm, srv.Credentials.AccessKey, srv.Credentials.SecretKey)
}

func TestPropagation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		opts      []hcloudotel.Option
		propagate bool
	}{
		{name: "off by default"},
		{name: "W3C trace context", opts: []hcloudotel.Option{hcloudotel.WithPropagator(propagation.TraceContext{})}, propagate: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, client, tm := cssSetup(t, tc.opts...)
			_, err := srv.InjectFault(csstest.Fault{Route: csstest.RouteListLogBackups, Status: http.StatusServiceUnavailable, Times: 1})
			require.NoError(t, err)

			// The fake verifies every signature: the call succeeds only if the trace
			// headers left the signatures intact.
			_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: cluster})
			require.NoError(t, err)

			var attempts []sdktrace.ReadOnlySpan
			for _, s := range tm.spans.Ended() {
				if s.Name() == "GET "+records {
					attempts = append(attempts, s)
				}
			}
			headers := tm.capture.all()
			require.Len(t, attempts, 2)
			require.Len(t, headers, 2)
			for i, h := range headers {
				if !tc.propagate {
					assert.Empty(t, h.Get("Traceparent"))
					continue
				}
				sc := attempts[i].SpanContext()
				assert.Equal(t, fmt.Sprintf("00-%s-%s-01", sc.TraceID(), sc.SpanID()), h.Get("Traceparent"))
				_, signed, _ := strings.Cut(h.Get("Authorization"), "SignedHeaders=")
				assert.Contains(t, strings.Split(strings.Split(signed, ",")[0], ";"), "traceparent")
			}
			assertNoSecret(t, tm, srv.Credentials.AccessKey, srv.Credentials.SecretKey)
		})
	}
}

// TestGlobalProviders changes the global providers: it does not run in parallel.
func TestGlobalProviders(t *testing.T) {
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	prevTP, prevMP := otel.GetTracerProvider(), otel.GetMeterProvider()
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetMeterProvider(prevMP)
	})

	obs, err := hcloudotel.NewObserver()
	require.NoError(t, err)
	srv := csstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddCluster(cluster)
	client, err := css.New(srv.Config())
	require.NoError(t, err)
	_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: cluster}, hcloud.WithObserver(obs))
	require.NoError(t, err)

	var names []string
	for _, s := range sr.Ended() {
		names = append(names, s.Name())
	}
	assert.Equal(t, []string{"GET " + records, "CSS/ListLogBackups"}, names)
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	require.Len(t, rm.ScopeMetrics, 1)
	assert.Equal(t, hcloudotel.ScopeName, rm.ScopeMetrics[0].Scope.Name)
}

func TestServiceName(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		hcloud.ServiceCSS: "CSS", hcloud.ServiceHSS: "HSS", hcloud.ServiceDWS: "DWS", hcloud.ServiceBareMetal: "BareMetal", "other": "other",
	} {
		assert.Equal(t, want, hcloudotel.ServiceName(id))
	}
}
