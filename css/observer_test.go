package css_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
)

// parentKey carries the name of the operation an observed context belongs to.
type parentKey struct{}

// recorder is an hcloud.Observer that writes one line per event, and asks for a
// trace header (plus one it may not set) on every attempt.
type recorder struct {
	mu     sync.Mutex
	lines  []string
	values []string // %+v of every Operation and Attempt it saw
}

func (r *recorder) add(line string, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, line)
	r.values = append(r.values, fmt.Sprintf("%+v", v))
}

func (r *recorder) StartOperation(ctx context.Context, op *hcloud.Operation) context.Context {
	parent, _ := ctx.Value(parentKey{}).(string)
	r.add(fmt.Sprintf("start %s %s/%s parent=%q", op.Kind, op.Service, op.Name, parent), *op)
	return context.WithValue(ctx, parentKey{}, op.Name)
}

func (r *recorder) EndOperation(ctx context.Context, op *hcloud.Operation) {
	errText := "<nil>"
	if op.Err != nil {
		errText = "error"
	}
	r.add(fmt.Sprintf("end %s status=%d attempts=%d requestID=%t stop=%q err=%s in=%s",
		op.Name, op.StatusCode, op.Attempts, op.RequestID != "", op.RetryStop, errText, ctx.Value(parentKey{})), *op)
}

func (r *recorder) StartAttempt(ctx context.Context, a *hcloud.Attempt) context.Context {
	r.add(fmt.Sprintf("attempt %d %s %s %t params=%v in=%s", a.Number, a.Method, a.PathTemplate, a.Host != "", a.PathParams, ctx.Value(parentKey{})), *a)
	a.Header = http.Header{}
	a.Header.Set("Traceparent", fmt.Sprintf("00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333%d-01", a.Number))
	a.Header.Set("Authorization", "not from an observer")
	return ctx
}

func (r *recorder) EndAttempt(_ context.Context, a *hcloud.Attempt) {
	r.add(fmt.Sprintf("attempt %d end status=%d requestID=%t retry=%t reason=%q wait=%v bytes=%t",
		a.Number, a.StatusCode, a.RequestID != "", a.Retry, a.RetryReason, a.RetryWait, a.Bytes > 0), *a)
}

// capture records the headers of every request below the signer, then sends it on.
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

// observed starts a fake on a manual clock with cluster A and returns a client whose
// Config.Observer is rec and whose requests cap sees.
func observed(t *testing.T, rec *recorder, cap *capture) (*csstest.Server, *css.Client) {
	t.Helper()
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
	srv := csstest.NewServer(csstest.WithClock(clock), csstest.WithJobDuration(time.Second))
	t.Cleanup(srv.Close)
	srv.AddCluster(testCluster)
	cfg := srv.Config()
	cfg.Observer = rec
	cfg.HTTPClient = &http.Client{Transport: cap}
	client, err := css.New(cfg)
	require.NoError(t, err)
	return srv, client
}

// assertNoSecret checks that nothing rec saw holds the fake's credentials or a value
// of the headers that authenticate the requests cap saw.
func assertNoSecret(t *testing.T, srv *csstest.Server, rec *recorder, cap *capture) {
	t.Helper()
	secrets := []string{srv.Credentials.AccessKey, srv.Credentials.SecretKey}
	for _, h := range cap.headers {
		auth := h.Get("Authorization")
		_, sig, ok := strings.Cut(auth, "Signature=")
		require.True(t, ok, auth)
		secrets = append(secrets, sig, h.Get("X-Sdk-Date"))
	}
	for _, v := range rec.values {
		for _, s := range secrets {
			assert.NotContains(t, v, s)
		}
	}
}

func TestObserverSeesRetriedCall(t *testing.T) {
	t.Parallel()
	rec, cap := &recorder{}, &capture{}
	srv, client := observed(t, rec, cap)
	_, err := srv.InjectFault(csstest.Fault{Route: csstest.RouteListLogBackups, Status: http.StatusTooManyRequests, RetryAfter: "3", Times: 2})
	require.NoError(t, err)

	_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: testCluster})
	require.NoError(t, err)

	const tmpl = "/v1.0/{project_id}/clusters/{ClusterID}/logs/records"
	assert.Equal(t, []string{
		`start call css/ListLogBackups parent=""`,
		"attempt 1 GET " + tmpl + " true params=[" + testCluster + "] in=ListLogBackups",
		`attempt 1 end status=429 requestID=true retry=true reason="status 429" wait=3s bytes=false`,
		"attempt 2 GET " + tmpl + " true params=[" + testCluster + "] in=ListLogBackups",
		`attempt 2 end status=429 requestID=true retry=true reason="status 429" wait=3s bytes=false`,
		"attempt 3 GET " + tmpl + " true params=[" + testCluster + "] in=ListLogBackups",
		`attempt 3 end status=200 requestID=true retry=false reason="" wait=0s bytes=true`,
		`end ListLogBackups status=200 attempts=3 requestID=true stop="" err=<nil> in=ListLogBackups`,
	}, rec.lines)

	// Every attempt carried its own trace header, signed (the fake verified it), and
	// the observer could not replace Authorization.
	require.Len(t, cap.headers, 3)
	for i, h := range cap.headers {
		assert.Equal(t, fmt.Sprintf("00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333%d-01", i+1), h.Get("Traceparent"))
		assert.Len(t, h.Values("Traceparent"), 1)
		assert.Contains(t, h.Get("Authorization"), "traceparent;")
		assert.True(t, strings.HasPrefix(h.Get("Authorization"), "SDK-HMAC-SHA256 "))
	}
	assertNoSecret(t, srv, rec, cap)
}

func TestObserverSeesRetriesRunOut(t *testing.T) {
	t.Parallel()
	rec, cap := &recorder{}, &capture{}
	srv, client := observed(t, rec, cap)
	_, err := srv.InjectFault(csstest.Fault{Route: csstest.RouteListLogBackups, Status: http.StatusServiceUnavailable})
	require.NoError(t, err)

	_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: testCluster},
		hcloud.WithRetry(hcloud.RetryPolicy{MaxAttempts: 2}))
	require.Error(t, err)

	require.Len(t, rec.lines, 6)
	assert.Equal(t, `end ListLogBackups status=503 attempts=2 requestID=true stop="max_attempts" err=error in=ListLogBackups`, rec.lines[5])
	assertNoSecret(t, srv, rec, cap)
}

func TestObserverPerCall(t *testing.T) {
	t.Parallel()
	srv := csstest.NewServer()
	t.Cleanup(srv.Close)
	srv.AddCluster(testCluster)
	client, err := css.New(srv.Config())
	require.NoError(t, err)
	rec := &recorder{}

	_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: testCluster}, hcloud.WithObserver(rec))
	require.NoError(t, err)
	_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: testCluster})
	require.NoError(t, err)
	// A call refused by validation is not observed.
	_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{}, hcloud.WithObserver(rec))
	require.ErrorIs(t, err, css.ErrInvalidRequest)

	assert.Len(t, rec.lines, 4)
}

func TestObserverSeesIteratorPages(t *testing.T) {
	t.Parallel()
	rec, cap := &recorder{}, &capture{}
	srv, client := observed(t, rec, cap)
	require.NoError(t, srv.AddLogBackups(testCluster, 5))

	n := 0
	for _, err := range client.LogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: testCluster, Limit: 2}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 5, n)

	var ops []string
	for _, l := range rec.lines {
		if strings.HasPrefix(l, "start ") || strings.HasPrefix(l, "end ") {
			ops = append(ops, l)
		}
	}
	page := `end ListLogBackups status=200 attempts=1 requestID=true stop="" err=<nil> in=ListLogBackups`
	assert.Equal(t, []string{
		`start iterator css/LogBackups parent=""`,
		`start call css/ListLogBackups parent="LogBackups"`, page,
		`start call css/ListLogBackups parent="LogBackups"`, page,
		`start call css/ListLogBackups parent="LogBackups"`, page,
		`end LogBackups status=0 attempts=0 requestID=false stop="" err=<nil> in=LogBackups`,
	}, ops)
	assertNoSecret(t, srv, rec, cap)
}

func TestObserverSeesWaiterPolls(t *testing.T) {
	t.Parallel()
	rec, cap := &recorder{}, &capture{}
	srv, client := observed(t, rec, cap)

	_, err := client.BackupLogs(context.Background(), &css.CreateLogBackupRequest{ClusterID: testCluster})
	require.NoError(t, err)

	assert.Equal(t, `start waiter css/BackupLogs parent=""`, rec.lines[0])
	assert.Equal(t, `end BackupLogs status=0 attempts=0 requestID=false stop="" err=<nil> in=BackupLogs`, rec.lines[len(rec.lines)-1])
	var children []string
	for _, l := range rec.lines[1 : len(rec.lines)-1] {
		if strings.HasPrefix(l, "start ") {
			children = append(children, l)
		}
	}
	assert.Equal(t, []string{
		`start call css/ListLogBackups parent="BackupLogs"`,
		`start call css/CreateLogBackup parent="BackupLogs"`,
		`start call css/ListLogBackups parent="BackupLogs"`,
		`start call css/ListLogBackups parent="BackupLogs"`,
	}, children)
	assertNoSecret(t, srv, rec, cap)
}

// cancelClock is a manual clock whose waits end as if the context was cancelled.
type cancelClock struct{ *fakeclock.Clock }

func (cancelClock) Sleep(context.Context, time.Duration) error { return context.Canceled }

func TestObserverSeesRetryCutByContext(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Now().UTC().Truncate(time.Millisecond))
	srv := csstest.NewServer(csstest.WithClock(clock))
	t.Cleanup(srv.Close)
	srv.AddCluster(testCluster)
	_, err := srv.InjectFault(csstest.Fault{Route: csstest.RouteListLogBackups, Status: http.StatusTooManyRequests, RetryAfter: "5"})
	require.NoError(t, err)
	rec := &recorder{}
	cfg := srv.Config()
	cfg.Clock = cancelClock{clock}
	cfg.Observer = rec
	client, err := css.New(cfg)
	require.NoError(t, err)

	_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: testCluster})
	require.ErrorIs(t, err, context.Canceled)

	require.Len(t, rec.lines, 4)
	assert.Equal(t, `attempt 1 end status=429 requestID=true retry=true reason="status 429" wait=5s bytes=false`, rec.lines[2])
	assert.Equal(t, `end ListLogBackups status=429 attempts=1 requestID=true stop="context" err=error in=ListLogBackups`, rec.lines[3])
}
