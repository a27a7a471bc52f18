package reliability

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
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
