package recorder

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/config"
)

// recorder is the state of Record mode.
type recorder struct {
	opts   *options
	start  time.Time
	region string

	mu      sync.Mutex
	entries []*entry
	secrets map[string]bool   // values replaced by Redacted
	ids     map[string]string // project and domain IDs seen, to their placeholders
}

// entry is one recorded exchange; its response body fills in as the client reads it.
type entry struct {
	req request

	mu      sync.Mutex
	err     string
	status  int
	header  http.Header
	buf     bytes.Buffer
	length  int64
	keepAll bool // text: keep every byte; binary: keep up to the cap
	bodyErr string
}

// startRecord loads the record configuration and wraps its transport.
func (r *Recorder) startRecord(ctx context.Context) error {
	load := r.opts.recordConfig
	if load == nil {
		load = func(ctx context.Context) (hcloud.Config, error) { return config.Load(ctx) }
	}
	cfg, err := load(ctx)
	if err != nil {
		return fmt.Errorf("recorder: loading the configuration to record with: %w", err)
	}
	rec := &recorder{
		opts:    &r.opts,
		region:  cfg.Region,
		start:   time.Now().UTC(),
		secrets: make(map[string]bool),
		ids:     make(map[string]string),
	}
	if cfg.Clock != nil {
		rec.start = cfg.Clock.Now().UTC()
	}
	for _, s := range []string{cfg.Credentials.AccessKey, cfg.Credentials.SecretKey, cfg.Credentials.SecurityToken, cfg.AuthToken} {
		rec.addSecret(s)
	}
	if cfg.ProjectID != "" {
		rec.ids[cfg.ProjectID] = ProjectIDPlaceholder
	}
	var base http.RoundTripper
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		*hc = *cfg.HTTPClient
		base = cfg.HTTPClient.Transport
	}
	if base == nil {
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			base = t.Clone()
		} else {
			base = http.DefaultTransport
		}
	}
	hc.Transport = &recordTransport{rec: rec, base: base}
	cfg.HTTPClient = hc
	r.rec = rec
	r.cfg = cfg
	return nil
}

// addSecret remembers a value never to write.
func (rec *recorder) addSecret(s string) {
	if s != "" {
		rec.secrets[s] = true
	}
}

// recordTransport sends requests with base and records them.
type recordTransport struct {
	rec  *recorder
	base http.RoundTripper
}

// RoundTrip sends req with the base transport and records the exchange, unless it is
// IAM or instance metadata traffic.
func (t *recordTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if unrecorded(req) {
		return t.base.RoundTrip(req)
	}
	data, out, err := readBody(req)
	if err != nil {
		return nil, err
	}
	e := t.rec.add(out, data)
	resp, err := t.base.RoundTrip(out)
	if err != nil {
		e.mu.Lock()
		e.err = err.Error()
		e.mu.Unlock()
		return nil, err
	}
	e.mu.Lock()
	e.status = resp.StatusCode
	e.header = resp.Header.Clone()
	e.keepAll = !isBinary(nil, resp.Header.Get("Content-Type"))
	e.mu.Unlock()
	if resp.Body != nil {
		resp.Body = &teeBody{rc: resp.Body, e: e, max: t.rec.opts.maxBinary}
	}
	return resp, nil
}

// unrecorded reports whether req is IAM or instance metadata traffic.
func unrecorded(req *http.Request) bool {
	host := req.URL.Hostname()
	if ip := net.ParseIP(host); ip != nil && ip.Equal(net.IPv4(169, 254, 169, 254)) {
		return true
	}
	return strings.HasPrefix(host, "iam.") || strings.HasPrefix(req.URL.Path, "/v3/projects") ||
		strings.HasPrefix(req.URL.Path, "/v3/auth") || strings.HasPrefix(req.URL.Path, "/v3.0/OS-CREDENTIAL")
}

// readBody reads req's body and returns it with the request to send: req itself when
// its body can be had again through GetBody, else a clone carrying a copy.
func readBody(req *http.Request) ([]byte, *http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, req, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err == nil {
			data, err := io.ReadAll(rc)
			rc.Close()
			if err == nil {
				return data, req, nil
			}
		}
	}
	data, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("recorder: reading the request body: %w", err)
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(data))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return data, out, nil
}

// add learns the secrets and identifiers req carries and appends its entry.
func (rec *recorder) add(req *http.Request, data []byte) *entry {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if a := req.Header.Get("Authorization"); a != "" {
		if _, rest, ok := strings.Cut(a, "Access="); ok {
			ak, _, _ := strings.Cut(rest, ",")
			rec.addSecret(strings.TrimSpace(ak))
		}
	}
	rec.addSecret(req.Header.Get("X-Security-Token"))
	rec.addSecret(req.Header.Get("X-Auth-Token"))
	if p := req.Header.Get("X-Project-Id"); p != "" {
		rec.ids[p] = ProjectIDPlaceholder
	}
	if d := req.Header.Get("X-Domain-Id"); d != "" {
		rec.ids[d] = DomainIDPlaceholder
	}
	n := normalizer{opts: rec.opts, ids: rec.ids}
	e := &entry{req: n.request(req.Method, req.URL, req.Header, data)}
	rec.entries = append(rec.entries, e)
	return e
}

// teeBody records a response body as the client reads it.
type teeBody struct {
	rc  io.ReadCloser
	e   *entry
	max int64
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	e := b.e
	e.mu.Lock()
	if n > 0 {
		if e.keepAll || int64(e.buf.Len()) <= b.max {
			e.buf.Write(p[:n])
		}
		e.length += int64(n)
	}
	if err != nil && !errors.Is(err, io.EOF) && e.bodyErr == "" {
		e.bodyErr = err.Error()
	}
	e.mu.Unlock()
	return n, err
}

func (b *teeBody) Close() error { return b.rc.Close() }

// save writes the cassette: every entry in request order, secrets replaced by Redacted
// and identifiers by their placeholders.
func (rec *recorder) save(path string) error {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := normalizer{opts: rec.opts, ids: rec.ids}
	c := &cassette{Version: CassetteVersion, RecordedAt: rec.start, Region: rec.region, Interactions: []interaction{}}
	for _, e := range rec.entries {
		c.Interactions = append(c.Interactions, e.interaction(&n, rec.opts.maxBinary))
	}
	data, err := c.encode()
	if err != nil {
		return err
	}
	for s := range rec.secrets {
		data = replaceJSONString(data, s, Redacted)
	}
	for id, ph := range rec.ids {
		data = replaceJSONString(data, id, ph)
	}
	return writeFile(path, data)
}

// interaction returns the recorded form of the entry.
func (e *entry) interaction(n *normalizer, maxBinary int64) interaction {
	e.mu.Lock()
	defer e.mu.Unlock()
	in := interaction{Request: e.req, Error: e.err}
	if e.err != "" {
		return in
	}
	resp := &response{Status: e.status, Header: n.header(e.header)}
	data := e.buf.Bytes()
	if !e.keepAll && e.length > maxBinary {
		resp.body = body{Omitted: &omitted{Length: e.length, Note: fmt.Sprintf(
			"binary body of %d bytes over the %d-byte cap: not recorded; replay serves a deterministic stand-in of the same length",
			e.length, maxBinary)}}
	} else {
		resp.body = n.body(data, e.header.Get("Content-Type"), -1)
	}
	resp.body.Error = e.bodyErr
	in.Response = resp
	return in
}

// replaceJSONString replaces s, as it appears inside a JSON string, by repl.
func replaceJSONString(data []byte, s, repl string) []byte {
	enc, err := json.Marshal(s)
	if err != nil || len(enc) < 3 {
		return data
	}
	return bytes.ReplaceAll(data, enc[1:len(enc)-1], []byte(repl))
}
