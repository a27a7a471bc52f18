package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest/fakeclock"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// replayRegion is the region of a replay Config when the recording Config had none
// (it named its endpoints only). Replay never resolves it.
const replayRegion = "ap-southeast-1"

// The fixed fake credentials of a replay Config; nothing checks the signature.
const (
	replayAccessKey = "replay-access-key"
	replaySecretKey = "replay-secret-key"
)

// player is the state of Replay mode.
type player struct {
	r     *Recorder
	c     *cassette
	keys  []string // the match key of each interaction
	mu    sync.Mutex
	used  []bool
	seen  map[string]bool // mismatched request keys already reported
	fails []error         // mismatches, when there is no reporter
}

// startReplay reads the cassette and builds the replay Config.
func (r *Recorder) startReplay() error {
	c, err := loadCassette(r.path, r.hint)
	if err != nil {
		return err
	}
	p := &player{r: r, c: c, used: make([]bool, len(c.Interactions)), seen: make(map[string]bool)}
	for i := range c.Interactions {
		p.keys = append(p.keys, c.Interactions[i].Request.key())
	}
	region := c.Region
	if region == "" {
		region = replayRegion
	}
	r.play = p
	r.cfg = hcloud.Config{
		Region:      region,
		ProjectID:   ProjectIDPlaceholder,
		Credentials: signer.Credentials{AccessKey: replayAccessKey, SecretKey: replaySecretKey},
		HTTPClient:  &http.Client{Transport: p},
		Clock:       fakeclock.New(c.RecordedAt),
	}
	return nil
}

// RoundTrip answers req from the cassette: the first unused interaction whose request
// matches, else an error describing the nearest one.
func (p *player) RoundTrip(req *http.Request) (*http.Response, error) {
	var data []byte
	if req.Body != nil {
		var err error
		data, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("recorder: reading the request body: %w", err)
		}
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	ids := map[string]string{}
	if v := req.Header.Get("X-Project-Id"); v != "" {
		ids[v] = ProjectIDPlaceholder
	}
	if v := req.Header.Get("X-Domain-Id"); v != "" {
		ids[v] = DomainIDPlaceholder
	}
	n := normalizer{opts: &p.r.opts, ids: ids}
	got := n.request(req.Method, req.URL, req.Header, data)
	key := got.key()

	p.mu.Lock()
	i := -1
	for k, kk := range p.keys {
		if kk == key && !p.used[k] {
			i = k
			break
		}
	}
	if i < 0 {
		err := p.mismatch(&got, key)
		report := !p.seen[key]
		p.seen[key] = true
		if report && p.r.report == nil {
			p.fails = append(p.fails, err)
		}
		p.mu.Unlock()
		if report && p.r.report != nil {
			p.r.report(err)
		}
		return nil, err
	}
	p.used[i] = true
	p.mu.Unlock()
	return p.respond(req, i, ids)
}

// respond builds the recorded outcome of interaction i, with the placeholders mapped
// back to the identifiers the request carried.
func (p *player) respond(req *http.Request, i int, ids map[string]string) (*http.Response, error) {
	in := &p.c.Interactions[i]
	if in.Response == nil {
		msg := in.Error
		if msg == "" {
			msg = "no response was recorded"
		}
		return nil, fmt.Errorf("recorder: replayed transport error of interaction %d: %s", i+1, msg)
	}
	back := func(s string) string {
		for id, ph := range ids {
			if id != ph {
				s = strings.ReplaceAll(s, ph, id)
			}
		}
		return s
	}
	data, err := in.Response.bytes()
	if err != nil {
		return nil, err
	}
	if in.Response.Base64 == nil && in.Response.Omitted == nil {
		data = []byte(back(string(data)))
	}
	h := make(http.Header, len(in.Response.Header)+1)
	for k, vs := range in.Response.Header {
		for _, v := range vs {
			h.Add(k, back(v))
		}
	}
	var rc io.ReadCloser = io.NopCloser(bytes.NewReader(data))
	length := int64(len(data))
	if in.Response.Error != "" {
		rc = io.NopCloser(io.MultiReader(bytes.NewReader(data), errReader{errors.New(in.Response.Error)}))
		length = -1
	} else {
		h.Set("Content-Length", strconv.FormatInt(length, 10))
	}
	return &http.Response{
		Status:        strconv.Itoa(in.Response.Status) + " " + http.StatusText(in.Response.Status),
		StatusCode:    in.Response.Status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          rc,
		ContentLength: length,
		Request:       req,
	}, nil
}

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// results returns the interactions never requested and the mismatches not reported.
func (p *player) results() (unused []string, mismatches []error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, u := range p.used {
		if !u {
			unused = append(unused, fmt.Sprintf("interaction %d: %s", i+1, p.c.Interactions[i].Request.String()))
		}
	}
	return unused, slices.Clone(p.fails)
}

// mismatch describes why got, whose key is key, matches no unused interaction. The
// caller holds p.mu.
func (p *player) mismatch(got *request, key string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "recorder: cassette %s has no interaction for the request\n    %s\n", p.r.path, got.String())
	if n := count(p.keys, key); n > 0 {
		fmt.Fprintf(&b, "it was recorded %d time(s), and all those answers were used: the code under test sent it more often than when recording\n", n)
	} else if best := p.nearest(got); best >= 0 {
		state := "not used yet"
		if p.used[best] {
			state = "already used"
		}
		want := &p.c.Interactions[best].Request
		fmt.Fprintf(&b, "nearest recorded request: interaction %d of %d (%s)\n    %s\n", best+1, len(p.keys), state, want.String())
		b.WriteString(requestDiff(want, got))
	} else {
		b.WriteString("the cassette has no interactions\n")
	}
	fmt.Fprintf(&b, "if the change is intended, re-record the cassette against the cloud: %s", p.r.hint)
	return errors.New(b.String())
}

// count returns how many times s occurs in list.
func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// nearest returns the index of the recorded request most like got, preferring unused
// ones and earlier ones; -1 for an empty cassette.
func (p *player) nearest(got *request) int {
	best, bestScore := -1, 0
	for i := range p.c.Interactions {
		s := distance(&p.c.Interactions[i].Request, got)
		if p.used[i] {
			s++
		}
		if best < 0 || s < bestScore {
			best, bestScore = i, s
		}
	}
	return best
}

// distance scores how unlike two requests are: the method weighs most, then the
// path, the query and the body.
func distance(a, b *request) int {
	d := 0
	if a.Method != b.Method {
		d += 10000
	}
	as, bs := strings.Split(a.Path, "/"), strings.Split(b.Path, "/")
	if len(as) != len(bs) {
		d += 1000
	}
	for i := range min(len(as), len(bs)) {
		if as[i] != bs[i] {
			d += 100
		}
	}
	for _, k := range unionKeys(a.Query, b.Query) {
		if !slices.Equal(a.Query[k], b.Query[k]) {
			d += 10
		}
	}
	if a.body.key() != b.body.key() {
		al, bl := a.body.lines(), b.body.lines()
		d += 2 + len(diffLines(al, bl))
	}
	return d
}

// unionKeys returns the keys of a and b, sorted.
func unionKeys(a, b map[string][]string) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// requestDiff shows how got differs from want, "-" recorded and "+" sent.
func requestDiff(want, got *request) string {
	var b strings.Builder
	if want.Method != got.Method {
		fmt.Fprintf(&b, "  method:\n    - %s\n    + %s\n", want.Method, got.Method)
	}
	if want.Path != got.Path {
		fmt.Fprintf(&b, "  path:\n    - %s\n    + %s\n", want.Path, got.Path)
	}
	var q strings.Builder
	for _, k := range unionKeys(want.Query, got.Query) {
		w, g := want.Query[k], got.Query[k]
		if slices.Equal(w, g) {
			continue
		}
		if w != nil {
			fmt.Fprintf(&q, "    - %s\n", url.Values{k: w}.Encode())
		}
		if g != nil {
			fmt.Fprintf(&q, "    + %s\n", url.Values{k: g}.Encode())
		}
	}
	if q.Len() > 0 {
		b.WriteString("  query:\n" + q.String())
	}
	if want.body.key() != got.body.key() {
		b.WriteString("  body:\n")
		for _, l := range diffLines(want.body.lines(), got.body.lines()) {
			b.WriteString("    " + l + "\n")
		}
	}
	return b.String()
}

// lines returns the body for a diff: JSON pretty-printed with sorted keys, else its text.
func (b *body) lines() []string {
	var s string
	if len(b.JSON) > 0 {
		if js, ok := canonicalJSON(b.JSON, nil); ok {
			var buf bytes.Buffer
			if json.Indent(&buf, js, "", "  ") == nil {
				s = buf.String()
			}
		}
	} else {
		data, _ := b.bytes()
		if b.Base64 != nil || b.Omitted != nil {
			s = fmt.Sprintf("<%d bytes of binary data>", len(data))
		} else {
			s = string(data)
		}
	}
	if s == "" {
		return []string{"<empty>"}
	}
	return strings.Split(s, "\n")
}

// maxDiffLines bounds the bodies diffLines compares line by line.
const maxDiffLines = 400

// diffLines returns the changed lines of a and b with up to two lines of context,
// prefixed "- ", "+ " or "  ", and "..." where unchanged lines are left out.
func diffLines(a, b []string) []string {
	if len(a) > maxDiffLines || len(b) > maxDiffLines {
		return []string{fmt.Sprintf("(bodies of %d and %d lines differ; too long to compare line by line)", len(a), len(b))}
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte
		text string
	}
	var all []line
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			all = append(all, line{' ', a[i]})
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			all = append(all, line{'-', a[i]})
			i++
		default:
			all = append(all, line{'+', b[j]})
			j++
		}
	}
	const context = 2
	var out []string
	skipped := false
	for k, l := range all {
		near := false
		for d := max(0, k-context); d <= min(len(all)-1, k+context); d++ {
			if all[d].op != ' ' {
				near = true
				break
			}
		}
		if !near {
			if !skipped {
				out = append(out, "...")
				skipped = true
			}
			continue
		}
		skipped = false
		out = append(out, string(l.op)+" "+l.text)
	}
	return out
}
