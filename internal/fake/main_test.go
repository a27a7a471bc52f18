package fake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Routes of the test harness.
const (
	routeLogs   = "GET /v1.0/{project_id}/clusters/{cluster_id}/logs"
	routeBackup = "POST /v1.0/{project_id}/clusters/{cluster_id}/logs/backup"
	routePing   = "GET /ping"
)

// harness is a Server with three routes whose handlers count their runs, and a plain
// http.Client that opens a fresh connection per request and never follows redirects.
type harness struct {
	srv   *Server
	hc    *http.Client
	calls atomic.Int64
}

func newHarness(t *testing.T, o Options) *harness {
	t.Helper()
	o.Service = "css"
	h := &harness{srv: New(o)}
	h.srv.Handle(routeLogs, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		h.calls.Add(1)
		WriteJSON(w, http.StatusOK, map[string]string{"cluster_id": r.PathValue("cluster_id"), "query": r.URL.RawQuery})
	})
	h.srv.Handle(routeBackup, func(w http.ResponseWriter, r *http.Request, body []byte) {
		h.calls.Add(1)
		WriteJSON(w, http.StatusCreated, map[string]string{"cluster_id": r.PathValue("cluster_id"), "body": string(body)})
	})
	h.srv.Handle(routePing, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		h.calls.Add(1)
		WriteJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	tr := &http.Transport{DisableKeepAlives: true}
	h.hc = &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		h.srv.Close()
	})
	return h
}

// logsPath is the escaped path of routeLogs for cluster (already escaped).
func (h *harness) logsPath(cluster string) string {
	return "/v1.0/" + h.srv.ProjectID + "/clusters/" + cluster + "/logs"
}

// newRequest builds an unsigned request for the escaped path, with the headers the
// client sends: Content-Type and X-Project-Id.
func (h *harness) newRequest(t *testing.T, method, path string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Project-Id", h.srv.ProjectID)
	return req
}

// signed builds a request signed with the server's credentials at the server's time.
func (h *harness) signed(t *testing.T, method, path string, body []byte) *http.Request {
	t.Helper()
	req := h.newRequest(t, method, path, body)
	require.NoError(t, signer.Sign(req, body, h.srv.Credentials, h.srv.Now()))
	return req
}

// reply is a response read in full.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// send sends req and reads the whole reply.
func (h *harness) send(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := h.hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// get sends a signed GET of path.
func (h *harness) get(t *testing.T, path string) reply {
	t.Helper()
	return h.send(t, h.signed(t, http.MethodGet, path, nil))
}

// errorOf decodes an error body.
func errorOf(t *testing.T, r reply) errorBody {
	t.Helper()
	var e errorBody
	require.NoError(t, json.Unmarshal(r.body, &e), "body %q", r.body)
	return e
}
