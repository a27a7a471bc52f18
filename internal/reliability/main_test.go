package reliability

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock is a clock shared by a client and its fake server: Sleep moves it forward
// at once instead of waiting, and records the waits asked for.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock(now time.Time) *fakeClock { return &fakeClock{now: now} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(max(d, 0))
	c.sleeps = append(c.sleeps, d)
	return nil
}

// Set sets the time.
func (c *fakeClock) Set(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

// Sleeps returns the waits asked for so far.
func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// sent is one request as the base transport received it: signed, per attempt.
type sent struct {
	method string
	url    string // URL.String()
	path   string // URL.EscapedPath()
	header http.Header
}

// recorder is a base transport (Config.HTTPClient.Transport, under the retries and the
// signer) that records every request it sends, then sends it with its own
// http.Transport, so that each client starts without a kept-alive connection.
type recorder struct {
	base *http.Transport

	mu   sync.Mutex
	reqs []sent
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{base: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(r.base.CloseIdleConnections)
	return r
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, sent{method: req.Method, url: req.URL.String(), path: req.URL.EscapedPath(),
		header: req.Header.Clone()})
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

// Sent returns the requests sent so far.
func (r *recorder) Sent() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.reqs...)
}

// Secrets returns the credentials-bearing header values of the requests sent so far:
// each Authorization value, its Signature, each X-Auth-Token and X-Security-Token.
func (r *recorder) Secrets() []string {
	var out []string
	for _, s := range r.Sent() {
		for _, v := range s.header.Values("Authorization") {
			out = append(out, v)
			if _, sig, ok := strings.Cut(v, "Signature="); ok {
				out = append(out, sig)
			}
		}
		out = append(out, s.header.Values("X-Auth-Token")...)
		out = append(out, s.header.Values("X-Security-Token")...)
	}
	return out
}

// assertNoSecret fails t when text contains one of secrets; what names the text.
func assertNoSecret(t *testing.T, what, text string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s reveals a secret (%d bytes starting %.4q): %.300s", what, len(s), s, text)
		}
	}
}
