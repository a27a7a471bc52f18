package credentials

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

var t0 = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

// fakeMetadata is an ECS metadata service: it issues session tokens and temporary
// keys valid for an hour of the test clock, numbered AK-1, AK-2...
type fakeMetadata struct {
	t     *testing.T
	clock *fakeclock.Clock

	mu          sync.Mutex
	tokenStatus int           // reply to PUT; 0 means 200 with a new token
	getStatus   int           // when set, GET replies this status with getBody
	getBody     string        // body of a getStatus reply
	reject      int           // how many more GETs get 401 "token expired"
	validFor    time.Duration // how long the keys it issues are valid; 0 means an hour
	block       chan struct{}
	validToken  string
	puts, gets  int
	ttlHeaders  []string
	tokensSeen  []string
}

func newFakeMetadata(t *testing.T, clock *fakeclock.Clock) (*fakeMetadata, *httptest.Server) {
	f := &fakeMetadata{t: t, clock: clock}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeMetadata) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPut && r.URL.Path == tokenPath:
		f.mu.Lock()
		defer f.mu.Unlock()
		f.puts++
		f.ttlHeaders = append(f.ttlHeaders, r.Header.Get(headerTokenTTL))
		if f.tokenStatus != 0 {
			w.WriteHeader(f.tokenStatus)
			return
		}
		f.validToken = "session-token-" + strconv.Itoa(f.puts)
		fmt.Fprint(w, f.validToken)
	case r.Method == http.MethodGet && r.URL.Path == securityKeyPath:
		f.mu.Lock()
		f.gets++
		n := f.gets
		block := f.block
		f.tokensSeen = append(f.tokensSeen, r.Header.Get(headerToken))
		f.mu.Unlock()
		if block != nil {
			select {
			case <-block:
			case <-r.Context().Done():
				return
			}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		switch {
		case f.getStatus != 0:
			w.WriteHeader(f.getStatus)
			fmt.Fprint(w, f.getBody)
		case f.reject > 0 || f.tokenStatus == 0 && r.Header.Get(headerToken) != f.validToken:
			f.reject--
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"token expired"}`)
		default:
			validFor := f.validFor
			if validFor == 0 {
				validFor = time.Hour
			}
			fmt.Fprintf(w, `{"credential":{"access":"AK-%d","secret":"SK-%d","securitytoken":"TOKEN-%d","expires_at":%q}}`,
				n, n, n, f.clock.Now().Add(validFor).Format("2006-01-02T15:04:05.000000Z"))
		}
	default:
		f.t.Errorf("unexpected metadata request %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *fakeMetadata) counts() (puts, gets int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.puts, f.gets
}

func (f *fakeMetadata) set(fn func(f *fakeMetadata)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// releaser returns a channel and a function that closes it once; the function is
// also registered to run before the server closes, so that a failed test never leaves
// a handler blocked.
func releaser(t *testing.T) (chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(ch) }) }
	t.Cleanup(release)
	return ch, release
}

func creds(n int) signer.Credentials {
	return signer.Credentials{AccessKey: "AK-" + strconv.Itoa(n), SecretKey: "SK-" + strconv.Itoa(n), SecurityToken: "TOKEN-" + strconv.Itoa(n)}
}

func TestMetadataFetchesWithSessionTokenAndCaches(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New(t0)
	f, srv := newFakeMetadata(t, clk)
	m := NewMetadata(srv.URL+"/", srv.Client(), clk.Now)
	assert.Equal(t, srv.URL, m.Endpoint())

	got, err := m.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, creds(1), got)
	clk.Set(t0.Add(49 * time.Minute))
	got, err = m.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, creds(1), got, "cached while more than 10 minutes remain")

	puts, gets := f.counts()
	assert.Equal(t, 1, puts)
	assert.Equal(t, 1, gets)
	assert.Equal(t, []string{"21600"}, f.ttlHeaders)
	assert.Equal(t, []string{"session-token-1"}, f.tokensSeen)
}

func TestMetadataRefreshesWithinTenMinutesOfExpiry(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New(t0)
	f, srv := newFakeMetadata(t, clk)
	m := NewMetadata(srv.URL, srv.Client(), clk.Now)
	_, err := m.Retrieve(context.Background())
	require.NoError(t, err)

	clk.Set(t0.Add(51 * time.Minute))
	got, err := m.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, creds(2), got)
	puts, gets := f.counts()
	assert.Equal(t, 1, puts, "the session token (6 h) is reused")
	assert.Equal(t, 2, gets)
	assert.Equal(t, []string{"session-token-1", "session-token-1"}, f.tokensSeen)
}

func TestMetadataShortLivedKeysRefreshAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		validFor time.Duration // validity of every key the service issues
		steps    []time.Duration
		// wantGets is the number of fetches after 20 concurrent calls at each step.
		wantGets []int
		wantKeys []int
	}{
		{
			name:     "5 minutes left, within the refresh window",
			validFor: 5 * time.Minute,
			steps:    []time.Duration{0, 30 * time.Second, MinRefreshInterval - time.Nanosecond, MinRefreshInterval, MinRefreshInterval + 59*time.Second, 2 * MinRefreshInterval},
			wantGets: []int{1, 1, 1, 2, 2, 3},
			wantKeys: []int{1, 1, 1, 2, 2, 3},
		},
		{
			name:     "keys shorter-lived than the interval are fetched again once expired",
			validFor: 20 * time.Second,
			steps:    []time.Duration{0, 19 * time.Second, 20 * time.Second, 39 * time.Second, 40 * time.Second},
			wantGets: []int{1, 1, 2, 2, 3},
			wantKeys: []int{1, 1, 2, 2, 3},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := fakeclock.New(t0)
			f, srv := newFakeMetadata(t, clk)
			f.validFor = tc.validFor
			m := NewMetadata(srv.URL, srv.Client(), clk.Now)
			for i, at := range tc.steps {
				clk.Set(t0.Add(at))
				const callers = 20
				results := make([]signer.Credentials, callers)
				errs := make([]error, callers)
				var wg sync.WaitGroup
				for j := range callers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						results[j], errs[j] = m.Retrieve(context.Background())
					}()
				}
				wg.Wait()
				for j := range callers {
					require.NoError(t, errs[j], "at %v", at)
					assert.Equal(t, creds(tc.wantKeys[i]), results[j], "at %v", at)
				}
				_, gets := f.counts()
				assert.Equal(t, tc.wantGets[i], gets, "fetches after 20 calls at %v", at)
			}
		})
	}
}

func TestMetadataWithoutTokenAPI(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusServiceUnavailable} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			clk := fakeclock.New(t0)
			f, srv := newFakeMetadata(t, clk)
			f.tokenStatus = status
			got, err := NewMetadata(srv.URL, srv.Client(), clk.Now).Retrieve(context.Background())
			require.NoError(t, err)
			assert.Equal(t, creds(1), got)
			assert.Equal(t, []string{""}, f.tokensSeen, "no X-Metadata-Token without a token")
		})
	}
	clk := fakeclock.New(t0)
	f, srv := newFakeMetadata(t, clk)
	f.tokenStatus = http.StatusInternalServerError
	_, err := NewMetadata(srv.URL, srv.Client(), clk.Now).Retrieve(context.Background())
	assert.EqualError(t, err, "metadata service "+srv.URL+": PUT /meta-data/latest/api/token: 500 (empty body)")
	_, gets := f.counts()
	assert.Zero(t, gets)
}

func TestMetadata401RenewsTheSessionTokenOnce(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New(t0)
	f, srv := newFakeMetadata(t, clk)
	f.reject = 1
	got, err := NewMetadata(srv.URL, srv.Client(), clk.Now).Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, creds(2), got)
	puts, gets := f.counts()
	assert.Equal(t, 2, puts)
	assert.Equal(t, 2, gets)
	assert.Equal(t, []string{"session-token-1", "session-token-2"}, f.tokensSeen)

	clk2 := fakeclock.New(t0)
	f, srv = newFakeMetadata(t, clk2)
	f.reject = 5
	_, err = NewMetadata(srv.URL, srv.Client(), clk2.Now).Retrieve(context.Background())
	assert.EqualError(t, err, "metadata service "+srv.URL+`: GET /openstack/latest/securitykey: 401 {"error":"token expired"}`)
	puts, gets = f.counts()
	assert.Equal(t, 2, puts, "one renewal")
	assert.Equal(t, 2, gets, "one retry")
}

func TestMetadata401WithoutAgencyIsNotRetried(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New(t0)
	f, srv := newFakeMetadata(t, clk)
	f.getStatus, f.getBody = http.StatusUnauthorized, `{"message":"Please configure Cloud Service Agency first"}`
	_, err := NewMetadata(srv.URL, srv.Client(), clk.Now).Retrieve(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the instance has no agency: configure a Cloud Service Agency for it first")
	assert.Contains(t, err.Error(), "Please configure Cloud Service Agency first")
	puts, gets := f.counts()
	assert.Equal(t, 1, puts)
	assert.Equal(t, 1, gets)
}

func TestMetadataConcurrentCallersShareOneFetch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		at       time.Duration // when the 32 callers come, after a first fetch at t0
		prefetch bool
		want     signer.Credentials
	}{
		{name: "cold start", want: creds(1)},
		{name: "refresh near expiry", prefetch: true, at: 55 * time.Minute, want: creds(2)},
		{name: "refresh after expiry", prefetch: true, at: 2 * time.Hour, want: creds(2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := fakeclock.New(t0)
			f, srv := newFakeMetadata(t, clk)
			m := NewMetadata(srv.URL, srv.Client(), clk.Now)
			if tc.prefetch {
				_, err := m.Retrieve(context.Background())
				require.NoError(t, err)
				clk.Set(t0.Add(tc.at))
			}
			block, release := releaser(t)
			f.set(func(f *fakeMetadata) { f.block = block })

			const callers = 32
			results := make([]signer.Credentials, callers)
			errs := make([]error, callers)
			var wg sync.WaitGroup
			for i := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i], errs[i] = m.Retrieve(context.Background())
				}()
			}
			require.Eventually(t, func() bool { return m.waitingCount() == callers-1 }, 10*time.Second, time.Millisecond,
				"31 callers wait for the one fetch in flight")
			release()
			wg.Wait()
			for i := range callers {
				require.NoError(t, errs[i])
				assert.Equal(t, tc.want, results[i])
			}
			_, gets := f.counts()
			want := 1
			if tc.prefetch {
				want = 2
			}
			assert.Equal(t, want, gets, "one fetch for 32 callers")
		})
	}
}

func TestMetadataFailedRefreshKeepsOldKeysUntilExpiry(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New(t0)
	f, srv := newFakeMetadata(t, clk)
	m := NewMetadata(srv.URL, srv.Client(), clk.Now)
	_, err := m.Retrieve(context.Background())
	require.NoError(t, err)
	f.set(func(f *fakeMetadata) { f.getStatus, f.getBody = http.StatusInternalServerError, "metadata down" })

	step := func(at time.Duration, wantGets int) (signer.Credentials, error) {
		t.Helper()
		clk.Set(t0.Add(at))
		c, err := m.Retrieve(context.Background())
		_, gets := f.counts()
		assert.Equal(t, wantGets, gets, "at %v", at)
		return c, err
	}
	got, err := step(55*time.Minute, 2)
	require.NoError(t, err, "the refresh failed, the old keys are still valid")
	assert.Equal(t, creds(1), got)

	got, err = step(55*time.Minute+10*time.Second, 2)
	require.NoError(t, err)
	assert.Equal(t, creds(1), got, "no new attempt within the back-off")

	got, err = step(56*time.Minute, 3)
	require.NoError(t, err)
	assert.Equal(t, creds(1), got, "a new attempt after the back-off, old keys again")

	_, err = step(60*time.Minute, 4)
	require.Error(t, err, "expired: the error comes out")
	assert.Contains(t, err.Error(), "the metadata credentials expired at 2025-03-01T09:00:00Z and could not be refreshed")
	assert.Contains(t, err.Error(), "GET /openstack/latest/securitykey: 500 metadata down")

	_, err = step(60*time.Minute+time.Second, 5)
	require.Error(t, err, "every call tries again once the keys are gone")

	f.set(func(f *fakeMetadata) { f.getStatus = 0 })
	got, err = step(61*time.Minute, 6)
	require.NoError(t, err)
	assert.Equal(t, creds(6), got)
}

func TestMetadataBadReplies(t *testing.T) {
	t.Parallel()
	const secret = "VerySecretKeyValue"
	for _, tc := range []struct{ name, body, want string }{
		{"not JSON", `{"credential":` + secret, "the reply is not JSON"},
		{"no credential", `{}`, "the reply has no credential object"},
		{"no secret", `{"credential":{"access":"AK","expires_at":"2025-03-01T09:00:00Z"}}`, "lacks credential.access or credential.secret"},
		{"no expiry", `{"credential":{"access":"AK","secret":"` + secret + `"}}`, "lacks credential.expires_at"},
		{"bad expiry", `{"credential":{"access":"AK","secret":"` + secret + `","expires_at":"tomorrow"}}`, `credential.expires_at "tomorrow" is not an RFC 3339 time`},
		{"expired", `{"credential":{"access":"AK","secret":"` + secret + `","expires_at":"2025-03-01T07:59:59.000000Z"}}`, "expired at 2025-03-01T07:59:59.000000Z already"},
		{"wrong type", `{"credential":{"access":1}}`, "unexpected reply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := fakeclock.New(t0)
			f, srv := newFakeMetadata(t, clk)
			f.getStatus = http.StatusOK
			f.getBody = tc.body
			_, err := NewMetadata(srv.URL, srv.Client(), clk.Now).Retrieve(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), secret)
		})
	}
}

func TestMetadataLeaderCancelledWaiterTakesOver(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New(t0)
	f, srv := newFakeMetadata(t, clk)
	block, release := releaser(t)
	f.block = block
	m := NewMetadata(srv.URL, srv.Client(), clk.Now)

	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() {
		_, err := m.Retrieve(leaderCtx)
		leaderErr <- err
	}()
	require.Eventually(t, func() bool { _, gets := f.counts(); return gets == 1 }, 10*time.Second, time.Millisecond)

	type result struct {
		c   signer.Credentials
		err error
	}
	waiter := make(chan result, 1)
	go func() {
		c, err := m.Retrieve(context.Background())
		waiter <- result{c, err}
	}()
	require.Eventually(t, func() bool { return m.waitingCount() == 1 }, 10*time.Second, time.Millisecond)
	f.set(func(f *fakeMetadata) { f.block = nil })
	cancel()
	assert.ErrorIs(t, <-leaderErr, context.Canceled)
	r := <-waiter
	require.NoError(t, r.err, "the waiter fetched the keys itself")
	assert.Equal(t, creds(2), r.c)
	release()

	ctx, cancel2 := context.WithCancel(context.Background())
	cancel2()
	_, err := NewMetadata(srv.URL, srv.Client(), clk.Now).Retrieve(ctx)
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
}

func TestDefaultMetadataHTTPClientNeverUsesAProxy(t *testing.T) {
	t.Parallel()
	c := DefaultMetadataHTTPClient()
	tr, ok := c.Transport.(*http.Transport)
	require.True(t, ok)
	assert.Nil(t, tr.Proxy, "169.254.169.254 is link-local: never through HTTP(S)_PROXY")
	assert.NotZero(t, c.Timeout)
	assert.Equal(t, DefaultMetadataEndpoint, NewMetadata("", nil, nil).Endpoint())
}
