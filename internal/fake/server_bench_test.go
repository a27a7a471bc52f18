package fake

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// benchServer starts a server with a small JSON route and a 64 MiB streaming route, and
// a keep-alive client.
func benchServer(b *testing.B) (*Server, *http.Client) {
	b.Helper()
	srv := New(Options{Service: "css"})
	srv.Handle(routePing, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		WriteJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	srv.Handle("GET /download", func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		for range 64 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	tr := &http.Transport{}
	b.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	return srv, &http.Client{Transport: tr}
}

// benchGet sends a signed GET of path and discards the reply.
func benchGet(b *testing.B, srv *Server, hc *http.Client, path string) {
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := signer.Sign(req, nil, srv.Credentials, srv.Now()); err != nil {
		b.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d, error %v", resp.StatusCode, err)
	}
}

// BenchmarkSignedRequest measures one verified round trip of a small JSON reply.
func BenchmarkSignedRequest(b *testing.B) {
	srv, hc := benchServer(b)
	b.ReportAllocs()
	for b.Loop() {
		benchGet(b, srv, hc, "/ping")
	}
}

// BenchmarkStreamedDownload measures a 64 MiB download that the server streams
// without buffering.
func BenchmarkStreamedDownload(b *testing.B) {
	srv, hc := benchServer(b)
	b.SetBytes(64 << 20)
	b.ReportAllocs()
	for b.Loop() {
		benchGet(b, srv, hc, "/download")
	}
}
