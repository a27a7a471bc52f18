package signer

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

const (
	algorithm       = "SDK-HMAC-SHA256"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	dateLayout      = "20060102T150405Z"

	headerAuthorization = "Authorization"
	headerDate          = "X-Sdk-Date"
	headerContentSHA256 = "X-Sdk-Content-Sha256"
	headerSecurityToken = "X-Security-Token"
	headerProjectID     = "X-Project-Id"
	headerContentType   = "Content-Type"

	// emptySHA256 is the hex SHA-256 of no bytes, the payload hash of a bodyless request.
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

	// maxPooledBuffer is the largest buffer kept in the pool; bigger ones are dropped.
	maxPooledBuffer = 64 << 10
)

// headerEntry is one key of an http.Header as the signer sees it.
type headerEntry struct {
	// name is the header key, or strings.ToLower of it when the key is not ASCII. It is
	// compared and written ASCII-lower-cased, which makes it the lower-cased name.
	name string
	// values are the header's values; nil for the X-Sdk-Date that Sign adds, whose
	// value is scratch.date (this saves converting the date to a string).
	values []string
}

// queryItem is one key=value item of a raw query, as offsets into it: the key is
// raw[start:eq], the value raw[eq+1:end] (empty when eq == end). Offsets rather than
// strings keep the items free of pointers, cheap to move while sorting.
type queryItem struct {
	start, eq, end int
	encoded        bool // the item has a '%' or '+' to decode
}

func (q queryItem) key(raw string) string { return raw[q.start:q.eq] }

func (q queryItem) value(raw string) string {
	if q.eq == q.end {
		return ""
	}
	return raw[q.eq+1 : q.end]
}

// maxStackHeaders is how many header entries the signing functions keep in an array
// on their stack; more spill to the heap. Entries hold pointers, and moving them in a
// heap slice while sorting would cost GC write barriers.
const maxStackHeaders = 16

// signPlan tells collectForSign which headers Sign adds or replaces.
type signPlan struct {
	date     [len(dateLayout)]byte // X-Sdk-Date value
	token    string                // X-Security-Token value, or "" to keep the request's
	unsigned bool                  // X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD; set by collectForSign
}

// lower lower-cases an ASCII letter.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// compareLower compares a and b as their ASCII-lower-cased bytes.
func compareLower(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if ca, cb := lower(a[i]), lower(b[i]); ca != cb {
			return cmp.Compare(ca, cb)
		}
	}
	return cmp.Compare(len(a), len(b))
}

// classify returns the name a header key is sorted and signed under (the key itself,
// or strings.ToLower of it when it is not ASCII) and whether the official signer leaves
// it out of the signature: names starting with content-type, in any case, and names
// containing '_'.
func classify(key string) (name string, skip bool) {
	const ct = "content-type"
	if len(key) >= len(ct) && lower(key[0]) == 'c' && compareLower(key[:len(ct)], ct) == 0 {
		return key, true
	}
	var bits byte // OR of all bytes: its high bit tells whether key is ASCII
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == '_' {
			return key, true
		}
		bits |= c
	}
	if bits >= utf8.RuneSelf {
		return strings.ToLower(key), false
	}
	return key, false
}

// isAuthorization reports whether key is Authorization in any spelling.
func isAuthorization(key string) bool {
	return len(key) == len(headerAuthorization) && strings.EqualFold(key, headerAuthorization)
}

// headerInfo is what collectForSign learns about a request's headers on the way.
type headerInfo struct {
	// strayAuth tells that a key is Authorization spelled otherwise.
	strayAuth bool
	// payload holds the values of the key "X-Sdk-Content-Sha256", if any.
	payload []string
}

// collectForSign appends to hdrs the headers to sign and returns them merged and
// sorted by lower-cased name. Authorization is never signed. With a plan, it decides
// p.unsigned from the request's "Content-Type" and replaces the request's X-Sdk-Date
// (and X-Security-Token and X-Sdk-Content-Sha256 when the plan sets them) with the
// plan's values; the date is entered with nil values and st.date holds it.
func (st *scratch) collectForSign(hdrs []headerEntry, h http.Header, p *signPlan) ([]headerEntry, headerInfo) {
	var info headerInfo
	var contentType []string
	for key, values := range h {
		if len(values) == 0 {
			continue
		}
		switch key {
		case headerContentType:
			contentType = values
			continue
		case headerAuthorization:
			continue
		case headerContentSHA256:
			info.payload = values
		}
		name, skip := classify(key)
		if skip {
			continue
		}
		if isAuthorization(key) {
			info.strayAuth = true
			continue
		}
		if p != nil && (key == headerDate || key == headerSecurityToken && p.token != "") {
			continue
		}
		hdrs = append(hdrs, headerEntry{name: name, values: values})
	}
	if p != nil {
		p.unsigned = len(contentType) > 0 && !strings.Contains(contentType[0], "application/json") &&
			!strings.Contains(contentType[0], "application/bson")
		if p.unsigned && info.payload != nil {
			// UNSIGNED-PAYLOAD replaces the request's X-Sdk-Content-Sha256.
			for i, e := range hdrs {
				if e.name == headerContentSHA256 {
					hdrs = append(hdrs[:i], hdrs[i+1:]...)
					break
				}
			}
		}
		st.date = p.date
		hdrs = append(hdrs, headerEntry{name: "x-sdk-date"})
		if p.token != "" {
			st.added[0] = p.token
			hdrs = append(hdrs, headerEntry{name: "x-security-token", values: st.added[0:1:1]})
		}
		if p.unsigned {
			st.added[1] = unsignedPayload
			hdrs = append(hdrs, headerEntry{name: "x-sdk-content-sha256", values: st.added[1:2:2]})
		}
	}
	return st.merge(hdrs), info
}

// collectAll appends to hdrs every header with a value and returns them merged and
// sorted by lower-cased name.
func (st *scratch) collectAll(hdrs []headerEntry, h http.Header) []headerEntry {
	for key, values := range h {
		if len(values) > 0 {
			name, _ := classify(key)
			hdrs = append(hdrs, headerEntry{name: name, values: values})
		}
	}
	return st.merge(hdrs)
}

// merge sorts the entries by name and merges those that share a name, so that each
// entry holds all the values of one name, sorted by raw bytes as the official signer
// sorts them (before trimming). The caller's value slices are never reordered.
func (st *scratch) merge(hdrs []headerEntry) []headerEntry {
	// Insertion sort: a request has few headers. Beyond a dozen, slices.SortFunc.
	needed := false // whether some name has several keys or values
	if len(hdrs) <= 12 {
		for i := 1; i < len(hdrs); i++ {
			for j := i; j > 0; j-- {
				c := compareLower(hdrs[j].name, hdrs[j-1].name)
				needed = needed || c == 0
				if c >= 0 {
					break
				}
				hdrs[j], hdrs[j-1] = hdrs[j-1], hdrs[j]
			}
		}
	} else {
		slices.SortFunc(hdrs, func(a, b headerEntry) int { return compareLower(a.name, b.name) })
		needed = true
	}
	for _, e := range hdrs {
		needed = needed || len(e.values) > 1
	}
	if !needed {
		return hdrs
	}
	out := hdrs[:0]
	for i := 0; i < len(hdrs); {
		j := i + 1
		for j < len(hdrs) && compareLower(hdrs[i].name, hdrs[j].name) == 0 {
			j++
		}
		e := hdrs[i]
		if j > i+1 || len(e.values) > 1 {
			start := len(st.vals)
			for _, x := range hdrs[i:j] {
				if x.values == nil {
					// The added X-Sdk-Date shares its name with another key.
					st.added[2] = string(st.date[:])
					x.values = st.added[2:3:3]
				}
				st.vals = append(st.vals, x.values...)
			}
			e.values = st.vals[start:len(st.vals):len(st.vals)]
			slices.Sort(e.values)
		}
		out = append(out, e)
		i = j
	}
	return out
}

// appendHeaderLines appends, count times, one "name:value\n" line per value.
func appendHeaderLines(b []byte, name string, values []string, count int) []byte {
	for range count {
		for _, v := range values {
			b = appendLower(b, name)
			b = append(b, ':')
			b = append(b, strings.TrimSpace(v)...)
			b = append(b, '\n')
		}
	}
	return b
}

// appendLower appends s ASCII-lower-cased.
func appendLower(b []byte, s string) []byte {
	start := len(b)
	b = append(b, s...)
	for i := start; i < len(b); i++ {
		if c := b[i]; 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return b
}

// writeRequestLines appends "Method\nURI\nQuery\n" to st.buf.
func (st *scratch) writeRequestLines(req *http.Request) error {
	st.buf = append(st.buf, req.Method...)
	st.buf = append(st.buf, '\n')
	st.buf = appendURI(st.buf, req.URL.Path)
	st.buf = append(st.buf, '\n')
	if err := st.appendQuery(req.URL.RawQuery); err != nil {
		return err
	}
	st.buf = append(st.buf, '\n')
	return nil
}

// writeSigned appends the lines of the merged headers, the blank line and the
// SignedHeaders list to st.buf, and returns where the list starts. A name with n values
// is listed n times, and each listing has a line for every value.
func (st *scratch) writeSigned(hdrs []headerEntry) (listStart int) {
	// at[i] is where the first line of hdrs[i], which starts with its lower-cased name,
	// is written; the list copies the names from there rather than lower-casing again.
	var at [maxStackHeaders]int
	for i, e := range hdrs {
		if i < len(at) {
			at[i] = len(st.buf)
		}
		if e.values == nil {
			st.buf = append(st.buf, "x-sdk-date:"...)
			st.buf = append(st.buf, st.date[:]...)
			st.buf = append(st.buf, '\n')
			continue
		}
		st.buf = appendHeaderLines(st.buf, e.name, e.values, len(e.values))
	}
	st.buf = append(st.buf, '\n')
	listStart = len(st.buf)
	for i, e := range hdrs {
		for range max(len(e.values), 1) {
			if len(st.buf) > listStart {
				st.buf = append(st.buf, ';')
			}
			if i < len(at) {
				st.buf = append(st.buf, st.buf[at[i]:at[i]+len(e.name)]...)
			} else {
				st.buf = appendLower(st.buf, e.name)
			}
		}
	}
	return listStart
}

// escapeClass classifies each byte for the canonical URI and query: '0' for the
// unreserved bytes A-Z a-z 0-9 - _ . ~ (kept literally), '1' for '/' (kept in the URI
// only), '2' for the rest (percent-encoded). A constant string is an immutable table.
const escapeClass = "" +
	"22222222222222222222222222222222" + // 0x00-0x1f
	"22222222222220010000000000222222" + // 0x20-0x3f
	"20000000000000000000000000022220" + // 0x40-0x5f
	"20000000000000000000000000022202" + // 0x60-0x7f
	"22222222222222222222222222222222" + // 0x80-0x9f
	"22222222222222222222222222222222" + // 0xa0-0xbf
	"22222222222222222222222222222222" + // 0xc0-0xdf
	"22222222222222222222222222222222" // 0xe0-0xff

const upperHex = "0123456789ABCDEF"

// unreserved reports whether c is kept literally in the canonical URI and query.
func unreserved(c byte) bool { return escapeClass[c] == '0' }

// appendEscaped appends s with every byte that is not unreserved (or, when slash is
// set, a '/') percent-encoded with upper-case hex.
func appendEscaped(b []byte, s string, slash bool) []byte {
	kept := byte('0') // the highest class kept literally
	if slash {
		kept = '1'
	}
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && escapeClass[s[j]] <= kept {
			j++
		}
		b = append(b, s[i:j]...)
		if j < len(s) {
			c := s[j]
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
			j++
		}
		i = j
	}
	return b
}

// appendURI appends the canonical URI of a decoded path: every byte but '/' and the
// unreserved ones percent-encoded, and a '/' appended unless it already ends with one.
func appendURI(b []byte, path string) []byte {
	start := len(b)
	b = appendEscaped(b, path, true)
	if len(b) == start || b[len(b)-1] != '/' {
		b = append(b, '/')
	}
	return b
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeAt decodes the byte of the validated query component s at i, as
// url.QueryUnescape does ('+' is a space), and returns it with the index after it.
func decodeAt(s string, i int) (byte, int) {
	switch s[i] {
	case '%':
		hi, _ := unhex(s[i+1])
		lo, _ := unhex(s[i+2])
		return hi<<4 | lo, i + 3
	case '+':
		return ' ', i + 1
	}
	return s[i], i + 1
}

// compareDecoded compares two validated query components by their decoded bytes.
func compareDecoded(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		var ca, cb byte
		ca, i = decodeAt(a, i)
		cb, j = decodeAt(b, j)
		if ca != cb {
			return cmp.Compare(ca, cb)
		}
	}
	return cmp.Compare(len(a)-i, len(b)-j)
}

// compareItems orders the items of raw by decoded key, then decoded value.
func compareItems(raw string, a, b queryItem) int {
	if !a.encoded && !b.encoded {
		if c := strings.Compare(a.key(raw), b.key(raw)); c != 0 {
			return c
		}
		return strings.Compare(a.value(raw), b.value(raw))
	}
	if c := compareDecoded(a.key(raw), b.key(raw)); c != 0 {
		return c
	}
	return compareDecoded(a.value(raw), b.value(raw))
}

// appendComponent appends a validated query component decoded and then encoded with
// the canonical rule.
func appendComponent(b []byte, s string, encoded bool) []byte {
	if !encoded {
		return appendEscaped(b, s, false)
	}
	for i := 0; i < len(s); {
		var c byte
		c, i = decodeAt(s, i)
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

// checkEscapes checks that every '%' in a query item starts a %XX escape.
func checkEscapes(item string) error {
	for i := 0; i < len(item); i++ {
		if item[i] != '%' {
			continue
		}
		if i+2 >= len(item) {
			return fmt.Errorf("%w: query: truncated escape %q", ErrInvalidRequest, item[i:])
		}
		_, ok1 := unhex(item[i+1])
		_, ok2 := unhex(item[i+2])
		if !ok1 || !ok2 {
			return fmt.Errorf("%w: query: invalid escape %q", ErrInvalidRequest, item[i:i+3])
		}
		i += 2
	}
	return nil
}

// appendQuery appends the canonical query of a raw query: items split on '&' (empty
// ones skipped) and at the first '=', decoded as url.ParseQuery does, sorted by decoded
// key and then decoded value, and written as k=v with the canonical encoding, joined by
// '&'. A bare key signs as "k=". A ';' is data, not a separator.
func (st *scratch) appendQuery(raw string) error {
	q := queryItem{eq: -1}
	for i := 0; i <= len(raw); i++ {
		if i < len(raw) && raw[i] != '&' {
			switch raw[i] {
			case '=':
				if q.eq < 0 {
					q.eq = i
				}
			case '%', '+':
				q.encoded = true
			}
			continue
		}
		if i > q.start {
			q.end = i
			if q.eq < 0 {
				q.eq = i
			}
			if q.encoded {
				if err := checkEscapes(raw[q.start:i]); err != nil {
					return err
				}
			}
			st.query = append(st.query, q)
		}
		q = queryItem{start: i + 1, eq: -1}
	}
	// Insertion sort: a query has few items. Beyond a dozen, slices.SortFunc.
	if items := st.query; len(items) <= 12 {
		for i := 1; i < len(items); i++ {
			for j := i; j > 0 && compareItems(raw, items[j], items[j-1]) < 0; j-- {
				items[j], items[j-1] = items[j-1], items[j]
			}
		}
	} else {
		slices.SortFunc(items, func(a, b queryItem) int { return compareItems(raw, a, b) })
	}
	for i, q := range st.query {
		if i > 0 {
			st.buf = append(st.buf, '&')
		}
		st.buf = appendComponent(st.buf, q.key(raw), q.encoded)
		st.buf = append(st.buf, '=')
		st.buf = appendComponent(st.buf, q.value(raw), q.encoded)
	}
	return nil
}

// appendPayloadHash appends the payload line: UNSIGNED-PAYLOAD when unsigned, else
// the request's X-Sdk-Content-Sha256 value (given) verbatim when there is one, else the
// hex SHA-256 of body.
func (st *scratch) appendPayloadHash(given []string, body []byte, unsigned bool) {
	switch {
	case unsigned:
		st.buf = append(st.buf, unsignedPayload...)
	case len(given) > 0:
		st.buf = append(st.buf, given[0]...)
	default:
		st.appendBodyHash(body)
	}
}
