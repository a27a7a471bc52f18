package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// CassetteVersion is the version of the cassette format this package writes and reads.
const CassetteVersion = 1

// cassette is the file format.
type cassette struct {
	Version      int           `json:"version"`
	RecordedAt   time.Time     `json:"recorded_at"`
	Region       string        `json:"region"`
	Interactions []interaction `json:"interactions"`
}

// interaction is one request and its outcome: a response or a transport error.
type interaction struct {
	Request  request   `json:"request"`
	Response *response `json:"response,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// request is a request as recorded and matched.
type request struct {
	Method string              `json:"method"`
	Path   string              `json:"path"`
	Query  map[string][]string `json:"query,omitempty"`
	Header map[string][]string `json:"header,omitempty"`
	body
}

// response is a response as recorded and replayed.
type response struct {
	Status int                 `json:"status"`
	Header map[string][]string `json:"header,omitempty"`
	body
}

// body holds at most one of its forms; none is an empty body.
type body struct {
	JSON    json.RawMessage `json:"body,omitempty"`
	Text    string          `json:"body_text,omitempty"`
	Base64  []byte          `json:"body_base64,omitempty"`
	Omitted *omitted        `json:"body_omitted,omitempty"`
	// Error is the error reading the body ended with, after the bytes above.
	Error string `json:"body_error,omitempty"`
}

// omitted describes a binary body over the size cap.
type omitted struct {
	Length int64  `json:"length"`
	Note   string `json:"note"`
}

// headers never written to a cassette.
var droppedHeaders = []string{
	"Authorization", "X-Sdk-Date", "X-Security-Token", "X-Auth-Token", "Cookie", "Set-Cookie",
	"Proxy-Authorization", "User-Agent", "Content-Length", "Host", "Accept-Encoding",
	"Connection", "Keep-Alive", "Transfer-Encoding",
}

// loadCassette reads the cassette at path. hint is the command that records it.
func loadCassette(path, hint string) (*cassette, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("recorder: cassette %s does not exist: record it by running the test against the cloud with %s "+
			"(credentials, region and project from the environment, as config.Load reads them)", path, hint)
	}
	if err != nil {
		return nil, fmt.Errorf("recorder: reading cassette: %w", err)
	}
	var v struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("recorder: cassette %s is not valid JSON: %w", path, err)
	}
	if v.Version == nil || *v.Version != CassetteVersion {
		got := "no version"
		if v.Version != nil {
			got = fmt.Sprintf("version %d", *v.Version)
		}
		return nil, fmt.Errorf("recorder: cassette %s has %s; this recorder reads version %d only: re-record it with %s",
			path, got, CassetteVersion, hint)
	}
	var c cassette
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("recorder: cassette %s: %w", path, err)
	}
	return &c, nil
}

// encode returns c as pretty JSON with a trailing newline.
func (c *cassette) encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("recorder: encoding cassette: %w", err)
	}
	return buf.Bytes(), nil
}

// writeFile writes data to path atomically, creating its directory.
func writeFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("recorder: writing cassette: %w", err)
	}
	f, err := os.CreateTemp(dir, ".cassette-*.tmp")
	if err != nil {
		return fmt.Errorf("recorder: writing cassette: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("recorder: writing cassette %s: %w", path, err)
	}
	return nil
}

// normalizer turns requests and bodies into their recorded, matchable form.
type normalizer struct {
	opts *options
	// ids maps identifiers of the account (project, domain) to their placeholders.
	ids map[string]string
}

// replaceIDs substitutes the placeholders for the identifiers in s.
func (n *normalizer) replaceIDs(s string) string {
	for id, ph := range n.ids {
		if id != "" && id != ph {
			s = strings.ReplaceAll(s, id, ph)
		}
	}
	return s
}

// request returns the recorded form of a request.
func (n *normalizer) request(method string, u *url.URL, h http.Header, b []byte) request {
	q, _ := url.ParseQuery(u.RawQuery)
	for _, name := range n.opts.query {
		if vs, ok := q[name]; ok {
			for i := range vs {
				vs[i] = Redacted
			}
		}
	}
	var query map[string][]string
	if len(q) > 0 {
		query = make(map[string][]string, len(q))
		for k, vs := range q {
			for i := range vs {
				vs[i] = n.replaceIDs(vs[i])
			}
			query[n.replaceIDs(k)] = vs
		}
	}
	return request{
		Method: method,
		Path:   n.replaceIDs(u.EscapedPath()),
		Query:  query,
		Header: n.header(h),
		body:   n.body(b, h.Get("Content-Type"), -1),
	}
}

// header returns the headers worth recording, redacted.
func (n *normalizer) header(h http.Header) map[string][]string {
	var out map[string][]string
	for k, vs := range h {
		if slices.Contains(droppedHeaders, k) || len(vs) == 0 {
			continue
		}
		vs = slices.Clone(vs)
		for i := range vs {
			if slices.Contains(n.opts.headers, k) {
				vs[i] = Redacted
			} else {
				vs[i] = n.replaceIDs(vs[i])
			}
		}
		if out == nil {
			out = make(map[string][]string)
		}
		out[k] = vs
	}
	return out
}

// body returns the recorded form of b: JSON canonicalised and redacted, other text as
// is, binary data up to maxBinary bytes (-1: no cap) or a note of its length.
func (n *normalizer) body(b []byte, contentType string, maxBinary int64) body {
	if len(b) == 0 {
		return body{}
	}
	if !isBinary(b, contentType) {
		if js, ok := canonicalJSON([]byte(n.replaceIDs(string(b))), n.opts.bodyFields); ok {
			return body{JSON: js}
		}
		return body{Text: n.replaceIDs(string(b))}
	}
	if maxBinary >= 0 && int64(len(b)) > maxBinary {
		return body{Omitted: &omitted{Length: int64(len(b)), Note: fmt.Sprintf(
			"binary body of %d bytes over the %d-byte cap: not recorded; replay serves a deterministic stand-in of the same length",
			len(b), maxBinary)}}
	}
	return body{Base64: b}
}

// isBinary reports whether a body is neither JSON nor text.
func isBinary(b []byte, contentType string) bool {
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err == nil {
			switch {
			case strings.HasPrefix(mt, "text/"), mt == "application/json", strings.HasSuffix(mt, "+json"),
				mt == "application/xml", strings.HasSuffix(mt, "+xml"), mt == "application/x-www-form-urlencoded":
				return !utf8.Valid(b)
			}
			return true
		}
	}
	return !utf8.Valid(b)
}

// canonicalJSON returns b with sorted keys and no insignificant white space, numbers as
// written, the fields at paths redacted; false when b is not a JSON value.
func canonicalJSON(b []byte, paths [][]string) (json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	if _, err := dec.Token(); err == nil {
		return nil, false // trailing data
	}
	for _, p := range paths {
		v = redactField(v, p)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, false
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), true
}

// redactField replaces the value at path in v by Redacted, through arrays.
func redactField(v any, path []string) any {
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = redactField(x[i], path)
		}
		return x
	case map[string]any:
		if len(path) == 0 {
			return Redacted
		}
		if child, ok := x[path[0]]; ok {
			if len(path) == 1 {
				x[path[0]] = Redacted
			} else {
				x[path[0]] = redactField(child, path[1:])
			}
		}
		return x
	}
	if len(path) == 0 {
		return Redacted
	}
	return v
}

// bytes returns the bytes the body stands for, and the error reading it ends with.
func (b *body) bytes() ([]byte, error) {
	var data []byte
	switch {
	case len(b.JSON) > 0:
		var buf bytes.Buffer
		if err := json.Compact(&buf, b.JSON); err != nil {
			return nil, fmt.Errorf("recorder: cassette body: %w", err)
		}
		data = buf.Bytes()
	case b.Text != "":
		data = []byte(b.Text)
	case b.Base64 != nil:
		data = b.Base64
	case b.Omitted != nil:
		data = standIn(b.Omitted.Length)
	}
	return data, nil
}

// key is the matchable form of the body: its canonical JSON or its bytes.
func (b *body) key() string {
	if len(b.JSON) > 0 {
		if js, ok := canonicalJSON(b.JSON, nil); ok {
			return "json:" + string(js)
		}
	}
	data, _ := b.bytes()
	return "raw:" + string(data)
}

// standInPattern fills the stand-in of an omitted body.
const standInPattern = "hcloudlogs-go recorder: stand-in for a body over the size cap\n"

// standIn returns n bytes of standInPattern, repeated.
func standIn(n int64) []byte {
	out := make([]byte, n)
	for i := 0; i < len(out); i += copy(out[i:], standInPattern) {
	}
	return out
}

// key is the matchable form of a request: method, path, canonical query and body.
func (r *request) key() string {
	return r.Method + " " + r.Path + "?" + url.Values(r.Query).Encode() + "\n" + r.body.key()
}

// String is the request line, for messages.
func (r *request) String() string {
	s := r.Method + " " + r.Path
	if q := url.Values(r.Query).Encode(); q != "" {
		s += "?" + q
	}
	return s
}
