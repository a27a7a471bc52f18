package fake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inject injects f and fails the test on an error.
func (h *harness) inject(t *testing.T, f Fault) Injected {
	t.Helper()
	inj, err := h.srv.InjectFault(f)
	require.NoError(t, err)
	return inj
}

// normalLogs is the body routeLogs answers for cluster c1.
const normalLogs = `{"cluster_id":"c1","query":""}`

func TestFaultStatus(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	inj := h.inject(t, Fault{Route: routeLogs, Status: http.StatusServiceUnavailable, RetryAfter: "7", Times: 1})
	r := h.get(t, h.logsPath("c1"))
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "7", r.header.Get("Retry-After"))
	assert.Regexp(t, hex32, r.header.Get(HeaderRequestID))
	assert.Equal(t, errorBody{Code: CodeFault, Message: "Service Unavailable"}, errorOf(t, r))
	assert.Equal(t, 1, inj.Hits())

	h.inject(t, Fault{Status: http.StatusConflict, Code: "CSS.0001", Message: "cluster busy", Times: 1})
	r = h.get(t, "/ping")
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Empty(t, r.header.Get("Retry-After"))
	assert.Equal(t, errorBody{Code: "CSS.0001", Message: "cluster busy"}, errorOf(t, r))
	assert.Zero(t, h.calls.Load(), "a Status fault answers without the handler")

	// A 200 carrying an error body, and a status that allows no body.
	h.inject(t, Fault{Status: http.StatusOK, Code: "CSS.0002", Message: "odd", Times: 1})
	r = h.get(t, "/ping")
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, errorBody{Code: "CSS.0002", Message: "odd"}, errorOf(t, r))
	h.inject(t, Fault{Status: http.StatusNoContent, Times: 1})
	r = h.get(t, "/ping")
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Empty(t, r.body)

	r = h.get(t, h.logsPath("c1"))
	assert.Equal(t, http.StatusOK, r.status)
	assert.JSONEq(t, normalLogs, string(r.body))
}

func TestFaultTimesAndHits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	inj := h.inject(t, Fault{Route: routeLogs, Status: 500, Times: 2})
	var statuses []int
	for range 4 {
		statuses = append(statuses, h.get(t, h.logsPath("c1")).status)
	}
	assert.Equal(t, []int{500, 500, 200, 200}, statuses)
	assert.Equal(t, 2, inj.Hits())
	inj.Remove() // spent already: no effect
	assert.Equal(t, 2, inj.Hits())
	assert.Equal(t, 4, h.srv.Requests(routeLogs))
}

func TestFaultRemove(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	inj := h.inject(t, Fault{Route: routeLogs, Status: 502})
	for range 3 {
		assert.Equal(t, 502, h.get(t, h.logsPath("c1")).status)
	}
	assert.Equal(t, 200, h.get(t, "/ping").status, "other routes are not faulted")
	inj.Remove()
	inj.Remove()
	assert.Equal(t, 200, h.get(t, h.logsPath("c1")).status)
	assert.Equal(t, 3, inj.Hits())
}

func TestClearFaults(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	a := h.inject(t, Fault{Status: 500})
	b := h.inject(t, Fault{Route: routePing, Status: 503})
	assert.Equal(t, 500, h.get(t, "/ping").status)
	h.srv.ClearFaults()
	assert.Equal(t, 200, h.get(t, "/ping").status)
	assert.Equal(t, 1, a.Hits())
	assert.Equal(t, 0, b.Hits())
}

func TestFaultOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	first := h.inject(t, Fault{Route: routeLogs, Status: 500, Times: 1})
	second := h.inject(t, Fault{Status: 503})
	assert.Equal(t, 500, h.get(t, h.logsPath("c1")).status)
	assert.Equal(t, 503, h.get(t, h.logsPath("c1")).status, "the spent fault gives way to the next")
	assert.Equal(t, 503, h.get(t, "/ping").status)
	assert.Equal(t, 1, first.Hits())
	assert.Equal(t, 2, second.Hits())
}

func TestFaultProbability(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	never := h.inject(t, Fault{Route: routePing, Status: 503, Probability: math.SmallestNonzeroFloat64})
	always := h.inject(t, Fault{Route: routePing, Status: 500, Probability: 1, Times: 1})
	assert.Equal(t, 500, h.get(t, "/ping").status, "a fault passed over by chance leaves the request to the next")
	assert.Equal(t, 0, never.Hits())
	assert.Equal(t, 1, always.Hits())
	never.Remove()

	half := h.inject(t, Fault{Route: routePing, Status: 500, Probability: 0.5})
	const n = 300
	faulted := 0
	for range n {
		if h.get(t, "/ping").status == 500 {
			faulted++
		}
	}
	assert.Equal(t, faulted, half.Hits())
	assert.InDelta(t, n/2, faulted, n/4, "Binomial(300, 0.5) falls outside 75..225 with probability below 1e-15")
}

func TestFaultConcurrentTimes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	inj := h.inject(t, Fault{Route: routeLogs, Status: 429, Times: 10})
	const n = 40
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := h.hc.Do(h.signed(t, http.MethodGet, h.logsPath("c1"), nil))
			if !assert.NoError(t, err) {
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	assert.Equal(t, map[int]int{429: 10, 200: n - 10}, statuses)
	assert.Equal(t, 10, inj.Hits())
}

func TestFaultResetBeforeHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	inj := h.inject(t, Fault{Route: routeLogs, Reset: ResetBeforeHeaders, Times: 1})
	resp, err := h.hc.Do(h.signed(t, http.MethodGet, h.logsPath("c1"), nil))
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err)
	assert.Zero(t, h.calls.Load())
	assert.Equal(t, 1, inj.Hits())
	assert.Equal(t, http.StatusOK, h.get(t, h.logsPath("c1")).status)
}

func TestFaultResetMidBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.inject(t, Fault{Route: routeLogs, Reset: ResetMidBody, Times: 1})
	resp, err := h.hc.Do(h.signed(t, http.MethodGet, h.logsPath("c1"), nil))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int64(len(normalLogs)), resp.ContentLength)
	assert.Equal(t, ContentTypeJSON, resp.Header.Get("Content-Type"))
	assert.Regexp(t, hex32, resp.Header.Get(HeaderRequestID))
	got, err := io.ReadAll(resp.Body)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, normalLogs[:len(normalLogs)/2], string(got))
	assert.Equal(t, int64(1), h.calls.Load(), "the handler runs")
}

func TestFaultTruncate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.inject(t, Fault{Route: routeLogs, Truncate: true, Times: 1})
	r := h.get(t, h.logsPath("c1"))
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, strconv.Itoa(len(normalLogs)/2), r.header.Get("Content-Length"))
	assert.Equal(t, ContentTypeJSON, r.header.Get("Content-Type"))
	assert.Equal(t, normalLogs[:len(normalLogs)/2], string(r.body))
	assert.False(t, json.Valid(r.body))
	assert.Equal(t, int64(1), h.calls.Load(), "the handler runs")

	// The handler's status survives.
	h.inject(t, Fault{Route: routeBackup, Truncate: true, Times: 1})
	r = h.send(t, h.signed(t, http.MethodPost, "/v1.0/"+h.srv.ProjectID+"/clusters/c1/logs/backup", []byte(`{}`)))
	assert.Equal(t, http.StatusCreated, r.status)
	assert.False(t, json.Valid(r.body))
}

func TestFaultMalformed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.inject(t, Fault{Route: routeLogs, Malformed: true})
	r := h.get(t, h.logsPath("c1"))
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, ContentTypeJSON, r.header.Get("Content-Type"))
	assert.Equal(t, `{"broken":`, string(r.body))
	assert.Zero(t, h.calls.Load())
}

func TestFaultContentType(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.inject(t, Fault{Route: routeLogs, ContentType: "text/html"})
	r := h.get(t, h.logsPath("c1"))
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "text/html", r.header.Get("Content-Type"))
	assert.True(t, strings.HasPrefix(string(r.body), "<html>"), "%s", r.body)
	assert.True(t, strings.HasSuffix(strings.TrimSpace(string(r.body)), "</html>"), "%s", r.body)
	assert.Regexp(t, hex32, r.header.Get(HeaderRequestID))
	assert.Equal(t, int64(1), h.calls.Load(), "the handler runs for its effects")
}

func TestFaultOversize(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	for _, n := range []int64{MinOversize, 1000, 3<<20 + 1} {
		inj := h.inject(t, Fault{Route: routeLogs, Oversize: n, Times: 1})
		resp, err := h.hc.Do(h.signed(t, http.MethodGet, h.logsPath("c1"), nil))
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, n, resp.ContentLength)
		var buf bytes.Buffer
		got, err := io.Copy(&buf, resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, n, got)
		assert.True(t, json.Valid(buf.Bytes()))
		assert.True(t, strings.HasPrefix(buf.String(), `{"pad":"`))
		if n == MinOversize {
			assert.Equal(t, `{"pad":""}`, buf.String(), "the smallest padded object")
		}
		assert.Equal(t, 1, inj.Hits())
	}
	assert.Zero(t, h.calls.Load())
}

func TestFaultOverDeclared(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.inject(t, Fault{Route: routeLogs, OverDeclared: true, Times: 2})

	// net/http reads the declared length and no more.
	r := h.get(t, h.logsPath("c1"))
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, strconv.Itoa(len(normalLogs)), r.header.Get("Content-Length"))
	assert.Equal(t, normalLogs, string(r.body))

	// On the wire, more follows.
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, h.signed(t, http.MethodGet, h.logsPath("c1"), nil).Write(conn))
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	raw, err := io.ReadAll(conn) // until the server closes the connection
	require.NoError(t, err)
	head, body, ok := strings.Cut(string(raw), "\r\n\r\n")
	require.True(t, ok, "%q", raw)
	assert.Contains(t, head, "Content-Length: "+strconv.Itoa(len(normalLogs)))
	assert.Greater(t, len(body), len(normalLogs))
	assert.Equal(t, normalLogs+overDeclaredExtra, body)
	assert.Equal(t, int64(2), h.calls.Load())
}

func TestFaultRedirect(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.inject(t, Fault{Route: routeLogs, Redirect: "https://elsewhere.example/login"})
	r := h.get(t, h.logsPath("c1"))
	assert.Equal(t, http.StatusFound, r.status)
	assert.Equal(t, "https://elsewhere.example/login", r.header.Get("Location"))
	assert.Empty(t, r.body)
	assert.Zero(t, h.calls.Load())
}

func TestFaultDelay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	const d = 100 * time.Millisecond

	inj := h.inject(t, Fault{Route: routeLogs, Delay: d, Times: 1})
	start := time.Now()
	r := h.get(t, h.logsPath("c1"))
	assert.GreaterOrEqual(t, time.Since(start), d)
	assert.Equal(t, http.StatusOK, r.status, "a Delay alone lets the request proceed")
	assert.JSONEq(t, normalLogs, string(r.body))
	assert.Equal(t, 1, inj.Hits())

	h.inject(t, Fault{Route: routeLogs, Delay: d, Status: 504, Times: 1})
	start = time.Now()
	assert.Equal(t, http.StatusGatewayTimeout, h.get(t, h.logsPath("c1")).status)
	assert.GreaterOrEqual(t, time.Since(start), d)

	// A client that gives up ends the delay; the handler does not run.
	calls := h.calls.Load()
	h.inject(t, Fault{Route: routeLogs, Delay: time.Hour, Times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	resp, err := h.hc.Do(h.signed(t, http.MethodGet, h.logsPath("c1"), nil).WithContext(ctx))
	if err == nil {
		resp.Body.Close()
	}
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, calls, h.calls.Load())
}

func TestCloseEndsDelay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	inj := h.inject(t, Fault{Delay: time.Hour})
	errc := make(chan error, 1)
	go func() {
		resp, err := h.hc.Do(h.signed(t, http.MethodGet, "/ping", nil))
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				err = errors.New("status " + resp.Status)
			}
		}
		errc <- err
	}()
	require.Eventually(t, func() bool { return inj.Hits() == 1 }, 10*time.Second, 5*time.Millisecond)
	start := time.Now()
	h.srv.Close()
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Error(t, <-errc)
}

func TestInjectFaultInvalid(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	tests := []struct {
		name string
		f    Fault
		want string
	}{
		{"no action", Fault{Route: routeLogs}, "no action and no Delay"},
		{"two actions", Fault{Status: 500, Truncate: true}, "several actions (Status 500, Truncate)"},
		{"unknown route", Fault{Route: "GET /v1.0/{project_id}/nope", Status: 500}, `Route "GET /v1.0/{project_id}/nope" is not registered`},
		{"negative times", Fault{Status: 500, Times: -1}, "Times -1 is negative"},
		{"probability above 1", Fault{Status: 500, Probability: 1.5}, "Probability 1.5 is outside 0..1"},
		{"probability NaN", Fault{Status: 500, Probability: math.NaN()}, "Probability NaN is outside 0..1"},
		{"negative delay", Fault{Delay: -time.Second}, "Delay -1s is negative"},
		{"status too low", Fault{Status: 101}, "Status 101 is outside 200..599"},
		{"status too high", Fault{Status: 600}, "Status 600 is outside 200..599"},
		{"code without status", Fault{Code: "X", Truncate: true}, "Code, Message and RetryAfter need a Status"},
		{"retry-after without status", Fault{RetryAfter: "1", Delay: time.Second}, "need a Status"},
		{"bad reset", Fault{Reset: ResetMode(7)}, "Reset ResetMode(7) is not a ResetMode"},
		{"oversize too small", Fault{Oversize: 3}, "Oversize 3 is below 10"},
		{"break at zero", Fault{BreakAt: []int64{0, 5}}, "BreakAt [0 5] is not a list of positive, ascending offsets"},
		{"break out of order", Fault{BreakAt: []int64{9, 5}}, "BreakAt [9 5] is not a list of positive, ascending offsets"},
		{"break and truncate", Fault{BreakAt: []int64{5}, Truncate: true}, "several actions"},
		{"negative oversize", Fault{Oversize: -1}, "Oversize -1 is below 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inj, err := h.srv.InjectFault(tt.f)
			assert.Nil(t, inj)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "csstest: InjectFault: "), err.Error())
		})
	}
	assert.Equal(t, http.StatusOK, h.get(t, h.logsPath("c1")).status, "nothing was injected")
	assert.Equal(t, http.StatusOK, h.get(t, "/ping").status)
}

func TestFaultsNeverActOnRejectedRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	inj := h.inject(t, Fault{Status: 503})
	assert.Equal(t, http.StatusUnauthorized, h.send(t, h.newRequest(t, http.MethodGet, "/ping", nil)).status)
	assert.Equal(t, http.StatusNotFound, h.get(t, "/nope").status)
	assert.Equal(t, 0, inj.Hits())
}

// handleStream registers a route whose handler writes chunks of body with a flush after
// each, and returns its path.
func (h *harness) handleStream(t *testing.T, chunk []byte, chunks int) string {
	t.Helper()
	h.srv.Handle("GET /v1.0/{project_id}/stream", func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		h.calls.Add(1)
		w.Header().Set("Content-Type", "application/octet-stream")
		rc := http.NewResponseController(w)
		for range chunks {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	})
	return "/v1.0/" + h.srv.ProjectID + "/stream"
}

func TestFaultsOnAStreamingHandler(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	path := h.handleStream(t, []byte("0123456789"), 10)

	h.inject(t, Fault{Route: "GET /v1.0/{project_id}/stream", Truncate: true, Times: 1})
	r := h.get(t, path)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "application/octet-stream", r.header.Get("Content-Type"))
	assert.Equal(t, strings.Repeat("0123456789", 5), string(r.body))

	h.inject(t, Fault{Route: "GET /v1.0/{project_id}/stream", ContentType: "text/plain", Times: 1})
	r = h.get(t, path)
	assert.Equal(t, "text/plain", r.header.Get("Content-Type"))
	assert.Equal(t, gatewayPage, string(r.body))

	r = h.get(t, path)
	assert.Equal(t, strings.Repeat("0123456789", 10), string(r.body))
	assert.Equal(t, int64(3), h.calls.Load())
}

func TestFaultResetMidBodyWithoutBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	h.srv.Handle("DELETE /v1.0/{project_id}/things/{id}", func(http.ResponseWriter, *http.Request, []byte) {})
	h.inject(t, Fault{Reset: ResetMidBody, Times: 1})
	resp, err := h.hc.Do(h.signed(t, http.MethodDelete, "/v1.0/"+h.srv.ProjectID+"/things/t1", nil))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int64(1), resp.ContentLength, "declared one byte so the cut shows")
	_, err = io.ReadAll(resp.Body)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

func TestCloseClosesHijackedConnections(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	// 64 MiB: the half sent by ResetMidBody is far more than the socket buffers hold,
	// so the server blocks writing to a client that does not read.
	path := h.handleStream(t, bytes.Repeat([]byte("x"), 1<<20), 64)
	inj := h.inject(t, Fault{Reset: ResetMidBody})
	resp, err := h.hc.Do(h.signed(t, http.MethodGet, path, nil))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, int64(64<<20), resp.ContentLength)
	assert.Equal(t, 1, inj.Hits())

	done := make(chan struct{})
	go func() {
		h.srv.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return: the hijacked connection was not closed")
	}
	_, err = io.Copy(io.Discard, resp.Body)
	assert.Error(t, err)
}

func TestResetBeforeHeadersOnReusedConnection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	h.hc = &http.Client{Transport: tr}
	require.Equal(t, http.StatusOK, h.get(t, "/ping").status) // leaves an idle connection

	inj := h.inject(t, Fault{Route: routePing, Reset: ResetBeforeHeaders, Times: 2})
	resp, err := h.hc.Do(h.signed(t, http.MethodGet, "/ping", nil))
	if err == nil {
		resp.Body.Close()
	}
	assert.Error(t, err, "the Transport's one silent resend is reset too")
	assert.Equal(t, 2, inj.Hits())
	assert.Equal(t, 3, h.srv.Requests(routePing))
}

func TestFaultBreakAt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	const blobRoute = "GET /blob"
	blob := bytes.Repeat([]byte("0123456789"), 100)
	// The handler honours Range: bytes=N- with a 206, as a download does.
	h.srv.Handle(blobRoute, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		start := 0
		if rg, ok := strings.CutPrefix(r.Header.Get("Range"), "bytes="); ok {
			start, _ = strconv.Atoi(strings.TrimSuffix(rg, "-"))
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(blob)-1, len(blob)))
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(blob)-start))
		if start > 0 {
			w.WriteHeader(http.StatusPartialContent)
		}
		for p := blob[start:]; len(p) > 0; p = p[min(7, len(p)):] {
			if _, err := w.Write(p[:min(7, len(p))]); err != nil {
				return
			}
		}
	})
	inj := h.inject(t, Fault{Route: blobRoute, BreakAt: []int64{100, 250, 400}})
	get := func(from int) ([]byte, error) {
		req := h.signed(t, http.MethodGet, "/blob", nil)
		if from > 0 {
			req.Header.Set("Range", fmt.Sprintf("bytes=%d-", from))
		}
		resp, err := h.hc.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}

	got, err := get(0)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, blob[:100], got, "cut at the first offset")
	got, err = get(100)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, blob[100:250], got, "a 206 from 100 is cut at offset 250 of the whole")
	got, err = get(300)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, blob[300:400], got, "cut at the next offset past the start")
	got, err = get(0)
	require.NoError(t, err, "every offset used: the fault is spent")
	assert.Equal(t, blob, got)
	assert.Equal(t, 3, inj.Hits())
}
