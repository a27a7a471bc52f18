package signer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// DefaultMaxSkew is the clock skew Verify allows when given a maxSkew of zero or less.
const DefaultMaxSkew = 15 * time.Minute

// maxCanonicalRequest bounds the canonical request Verify builds. A header listed n
// times in SignedHeaders contributes n lines per value, so a hostile request could
// otherwise make it grow with the square of its size.
const maxCanonicalRequest = 1 << 20

// authorization is a parsed Authorization header.
type authorization struct {
	access        string
	signedHeaders string
	signature     string
}

// Verify checks, as a server would, that req was signed with creds within maxSkew of
// now (DefaultMaxSkew when maxSkew <= 0). body is the request body, which the caller has
// read; req.URL.Path must be the decoded path, as net/http servers provide it.
//
// Verify recomputes the canonical request over exactly the headers that the
// Authorization header lists in SignedHeaders, taking host from req.Host when the
// request has no Host header, and compares signatures in constant time. It also requires
// x-sdk-date to be signed, X-Sdk-Date to be within the allowed skew, X-Project-Id,
// X-Security-Token and X-Sdk-Content-Sha256 to be signed when present, and
// X-Sdk-Content-Sha256, when present and not UNSIGNED-PAYLOAD, to be the SHA-256 of
// body.
//
// A rejection returns an error wrapping one of ErrMissingAuthorization,
// ErrMalformedAuthorization, ErrUnsupportedAlgorithm, ErrAccessKeyMismatch,
// ErrDateNotSigned, ErrMissingDate, ErrInvalidDate, ErrDateSkew, ErrUnsignedHeader,
// ErrMissingSignedHeader, ErrSignatureMismatch and ErrPayloadHashMismatch, with the
// reason. A nil request or invalid creds give ErrInvalidRequest or
// ErrInvalidCredentials.
func Verify(req *http.Request, body []byte, creds Credentials, now time.Time, maxSkew time.Duration) error {
	if req == nil || req.URL == nil {
		return fmt.Errorf("%w: Verify: nil request or URL", ErrInvalidRequest)
	}
	if err := creds.Validate(); err != nil {
		return err
	}
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	auth, err := parseAuthorization(req.Header[headerAuthorization])
	if err != nil {
		return err
	}
	if auth.access != creds.AccessKey {
		return fmt.Errorf("%w: Verify: request signed with access key %s, not %s",
			ErrAccessKeyMismatch, maskAccessKey(auth.access), maskAccessKey(creds.AccessKey))
	}
	if !listHas(auth.signedHeaders, "x-sdk-date") {
		return fmt.Errorf("%w: Verify: SignedHeaders %q", ErrDateNotSigned, auth.signedHeaders)
	}
	date, err := checkDate(req.Header.Get(headerDate), now, maxSkew)
	if err != nil {
		return err
	}
	// These select the project, carry temporary credentials and decide the payload hash.
	for _, h := range [...]string{headerProjectID, headerSecurityToken, headerContentSHA256} {
		if len(req.Header.Values(h)) > 0 && !listHas(auth.signedHeaders, strings.ToLower(h)) {
			return fmt.Errorf("%w: Verify: %s is present but SignedHeaders %q omits it",
				ErrUnsignedHeader, h, auth.signedHeaders)
		}
	}

	st := getScratch()
	defer st.release()
	if err := st.writeRequestLines(req); err != nil {
		return fmt.Errorf("Verify: %w", err)
	}
	var local [maxStackHeaders]headerEntry
	hdrs := st.collectAll(local[:0], req.Header)
	if err := st.writeListed(req, hdrs, auth.signedHeaders); err != nil {
		return err
	}
	// As in Sign, a given X-Sdk-Content-Sha256, even empty, is the payload hash.
	payload, given := "", false
	if v := req.Header.Values(headerContentSHA256); len(v) > 0 {
		payload, given = v[0], true
		st.buf = append(st.buf, payload...)
	} else {
		st.appendBodyHash(body)
	}

	st.signature(creds.SecretKey, []byte(date))
	var sig [2 * sha256.Size]byte
	hex.Encode(sig[:], st.sum[:])
	if !hmac.Equal(sig[:], []byte(auth.signature)) {
		return fmt.Errorf("%w: Verify: the request differs from the one signed (verifier's canonical request SHA-256 %s, SignedHeaders %q)",
			ErrSignatureMismatch, st.hex[:], auth.signedHeaders)
	}
	if given && payload != unsignedPayload && !strings.EqualFold(payload, string(st.hexSHA256(body))) {
		return fmt.Errorf("%w: Verify: X-Sdk-Content-Sha256 is %q, the body's SHA-256 is %s",
			ErrPayloadHashMismatch, payload, st.hex[:])
	}
	return nil
}

// parseAuthorization parses "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex",
// with exactly that order and separators, as the official signer writes it.
func parseAuthorization(values []string) (authorization, error) {
	var a authorization
	switch {
	case len(values) == 0 || values[0] == "":
		return a, fmt.Errorf("%w: Verify: no Authorization header", ErrMissingAuthorization)
	case len(values) > 1:
		return a, fmt.Errorf("%w: Verify: %d Authorization headers", ErrMalformedAuthorization, len(values))
	}
	alg, rest, ok := strings.Cut(values[0], " ")
	if alg != algorithm {
		const maxShown = 32
		if len(alg) > maxShown {
			alg = alg[:maxShown] + "..."
		}
		return a, fmt.Errorf("%w: Verify: algorithm %q, want %s", ErrUnsupportedAlgorithm, alg, algorithm)
	}
	malformed := func(why string) (authorization, error) {
		return authorization{}, fmt.Errorf("%w: Verify: %s; want %q", ErrMalformedAuthorization, why,
			algorithm+" Access=..., SignedHeaders=..., Signature=...")
	}
	if !ok {
		return malformed("nothing after the algorithm")
	}
	access, rest, ok1 := strings.Cut(rest, ", ")
	signed, sig, ok2 := strings.Cut(rest, ", ")
	var ok3, ok4, ok5 bool
	a.access, ok3 = strings.CutPrefix(access, "Access=")
	a.signedHeaders, ok4 = strings.CutPrefix(signed, "SignedHeaders=")
	a.signature, ok5 = strings.CutPrefix(sig, "Signature=")
	switch {
	case !ok1 || !ok2 || !ok3 || !ok4 || !ok5:
		return malformed("missing or misplaced Access, SignedHeaders or Signature")
	case a.access == "":
		return malformed("empty Access")
	case !isLowerHex(a.signature, 2*sha256.Size):
		return malformed("Signature is not 64 lower-case hex digits")
	}
	if err := checkSignedHeaders(a.signedHeaders); err != nil {
		return malformed(err.Error())
	}
	return a, nil
}

// isLowerHex reports whether s is n lower-case hex digits.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// checkSignedHeaders checks that a SignedHeaders list is what a signer writes for a
// request that can be sent: header names (HTTP tokens) in lower case, sorted, joined by
// ';'.
func checkSignedHeaders(list string) error {
	prev := ""
	for rest := list; ; {
		name, more, found := strings.Cut(rest, ";")
		if name == "" {
			return fmt.Errorf("SignedHeaders %q has an empty name", list)
		}
		for i := 0; i < len(name); i++ {
			if c := name[i]; !isTokenChar(c) || 'A' <= c && c <= 'Z' {
				return fmt.Errorf("SignedHeaders %q has an invalid name %q", list, name)
			}
		}
		if name < prev {
			return fmt.Errorf("SignedHeaders %q is not sorted", list)
		}
		prev = name
		if !found {
			return nil
		}
		rest = more
	}
}

// isTokenChar reports whether c may appear in an HTTP header name (RFC 9110 tchar).
func isTokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// listHas reports whether a SignedHeaders list contains name.
func listHas(list, name string) bool {
	for rest := list; rest != ""; {
		var n string
		n, rest, _ = strings.Cut(rest, ";")
		if n == name {
			return true
		}
	}
	return false
}

// checkDate parses X-Sdk-Date and checks it is within maxSkew of now.
func checkDate(date string, now time.Time, maxSkew time.Duration) (string, error) {
	if date == "" {
		return "", fmt.Errorf("%w: Verify: no X-Sdk-Date header", ErrMissingDate)
	}
	t, err := time.Parse(dateLayout, date)
	if err != nil || len(date) != len(dateLayout) {
		const maxShown = 32
		if len(date) > maxShown {
			date = date[:maxShown] + "..."
		}
		return "", fmt.Errorf("%w: Verify: %q is not of the form %s", ErrInvalidDate, date, dateLayout)
	}
	switch d := now.Sub(t); {
	case d > maxSkew:
		return "", fmt.Errorf("%w: Verify: X-Sdk-Date %s is %v behind the verifier's clock (%s), more than %v",
			ErrDateSkew, date, d, now.UTC().Format(dateLayout), maxSkew)
	case d < -maxSkew:
		return "", fmt.Errorf("%w: Verify: X-Sdk-Date %s is %v ahead of the verifier's clock (%s), more than %v",
			ErrDateSkew, date, -d, now.UTC().Format(dateLayout), maxSkew)
	}
	return date, nil
}

// writeListed appends the header lines of the names in a checked SignedHeaders list,
// the blank line and the list to st.buf. A name listed n times must have n values, as
// Sign lists it, and each listing has a line for every value.
func (st *scratch) writeListed(req *http.Request, hdrs []headerEntry, list string) error {
	for rest := list; rest != ""; {
		name, more, _ := strings.Cut(rest, ";")
		n := 1
		for more != "" {
			next, after, _ := strings.Cut(more, ";")
			if next != name {
				break
			}
			n, more = n+1, after
		}
		rest = more

		values := lookup(hdrs, name)
		if values == nil && name == "host" {
			host := req.Host
			if host == "" {
				host = req.URL.Host
			}
			if host != "" {
				st.added[0] = host
				values = st.added[0:1:1]
			}
		}
		if values == nil {
			return fmt.Errorf("%w: Verify: SignedHeaders lists %q, which the request does not have",
				ErrMissingSignedHeader, name)
		}
		if n != len(values) {
			return fmt.Errorf("%w: Verify: SignedHeaders lists %q %d times but the request has %d values of it",
				ErrSignatureMismatch, name, n, len(values))
		}
		size := 0
		for _, v := range values {
			size += len(name) + len(v) + 2
		}
		if len(st.buf)+n*size > maxCanonicalRequest {
			return fmt.Errorf("%w: Verify: canonical request larger than %d bytes", ErrInvalidRequest, maxCanonicalRequest)
		}
		st.buf = appendHeaderLines(st.buf, name, values, n)
	}
	st.buf = append(st.buf, '\n')
	st.buf = append(st.buf, list...)
	st.buf = append(st.buf, '\n')
	return nil
}

// lookup returns the merged values of the header named name (lower-case) among the
// entries returned by collectAll, or nil.
func lookup(hdrs []headerEntry, name string) []string {
	lo, hi := 0, len(hdrs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch c := compareLower(hdrs[m].name, name); {
		case c == 0:
			return hdrs[m].values
		case c < 0:
			lo = m + 1
		default:
			hi = m
		}
	}
	return nil
}
