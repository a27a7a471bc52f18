package signer

import (
	"encoding/hex"
	"fmt"
	"net/http"
	"time"
)

// Sign signs req, whose body is body, with creds at time t. It sets X-Sdk-Date to t in
// UTC (replacing any previous value), X-Security-Token when creds has a token, and
// Authorization. Like the official signer, it sets X-Sdk-Content-Sha256:
// UNSIGNED-PAYLOAD and leaves the body unhashed when the request has a header keyed
// exactly "Content-Type" whose value contains neither "application/json" nor
// "application/bson"; a request that already has X-Sdk-Content-Sha256 is signed with
// that value as the payload hash.
//
// Every header in req.Header is signed except Authorization and the names the official
// signer skips (starting with "content-type" in any case, or containing '_'). Host is
// signed only when req.Header has it, with that value; req.Host is not used. A name
// present under several keys or with several values is listed once per value in
// SignedHeaders, each listing covering all of its values, as the official signer does
// with two spellings of one name. Sign reads only req.Method, req.URL.Path (the decoded
// path), req.URL.RawQuery and req.Header; it never reads req.Body.
//
// Sign returns an error wrapping ErrInvalidRequest for a nil request or URL or a query
// with a malformed %-escape, and one wrapping ErrInvalidCredentials for credentials
// without an access key or a secret key. It modifies req only when it succeeds.
func Sign(req *http.Request, body []byte, creds Credentials, t time.Time) error {
	if req == nil || req.URL == nil {
		return fmt.Errorf("%w: Sign: nil request or URL", ErrInvalidRequest)
	}
	if err := creds.Validate(); err != nil {
		return err
	}
	p := signPlan{token: creds.SecurityToken}
	if !formatDate(&p.date, t) {
		return fmt.Errorf("%w: Sign: time %v has a year outside 0000-9999", ErrInvalidRequest, t)
	}

	st := getScratch()
	defer st.release()
	if err := st.writeRequestLines(req); err != nil {
		return fmt.Errorf("Sign: %w", err)
	}
	var local [maxStackHeaders]headerEntry
	hdrs, info := st.collectForSign(local[:0], req.Header, &p)
	listStart := st.writeSigned(hdrs)
	listEnd := len(st.buf)
	st.buf = append(st.buf, '\n')
	st.appendPayloadHash(info.payload, body, p.unsigned)

	st.signature(creds.SecretKey, p.date[:])

	// One string holds the date and the Authorization value.
	a := append(st.out[:0], p.date[:]...)
	a = append(a, algorithm+" Access="...)
	a = append(a, creds.AccessKey...)
	a = append(a, ", SignedHeaders="...)
	a = append(a, st.buf[listStart:listEnd]...)
	a = append(a, ", Signature="...)
	a = hex.AppendEncode(a, st.sum[:])
	dateAndAuth := string(a)
	st.out = a[:0]

	if req.Header == nil {
		req.Header = make(http.Header)
	}
	if info.strayAuth {
		for key := range req.Header {
			if key != headerAuthorization && isAuthorization(key) {
				delete(req.Header, key)
			}
		}
	}
	// One backing array for all the header values set, as http.Header.Clone does.
	n := 2
	if p.token != "" {
		n++
	}
	if p.unsigned {
		n++
	}
	vals := make([]string, 0, n)
	vals = setHeader(req.Header, vals, headerDate, dateAndAuth[:len(p.date)])
	vals = setHeader(req.Header, vals, headerAuthorization, dateAndAuth[len(p.date):])
	if p.token != "" {
		vals = setHeader(req.Header, vals, headerSecurityToken, p.token)
	}
	if p.unsigned {
		setHeader(req.Header, vals, headerContentSHA256, unsignedPayload)
	}
	return nil
}

// setHeader sets h[key] to the single value, stored in the spare capacity of vals.
func setHeader(h http.Header, vals []string, key, value string) []string {
	vals = append(vals, value)
	n := len(vals)
	h[key] = vals[n-1 : n : n]
	return vals
}

// formatDate writes t in UTC as 20060102T150405Z without allocating. It reports false
// for a year that does not have four digits.
func formatDate(d *[len(dateLayout)]byte, t time.Time) bool {
	// Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil inverse).
	secs := t.Unix()
	days := secs / 86400
	if secs%86400 < 0 {
		days--
	}
	sod := int(secs - days*86400)
	z := days + 719468
	era := z / 146097
	if z%146097 < 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := int(doy - (153*mp+2)/5 + 1)
	month := int(mp + 3)
	if month > 12 {
		month -= 12
	}
	year := yoe + era*400
	if month <= 2 {
		year++
	}
	if year < 0 || year > 9999 {
		return false
	}
	put2(d[0:2], int(year)/100)
	put2(d[2:4], int(year)%100)
	put2(d[4:6], month)
	put2(d[6:8], day)
	d[8] = 'T'
	put2(d[9:11], sod/3600)
	put2(d[11:13], sod/60%60)
	put2(d[13:15], sod%60)
	d[15] = 'Z'
	return true
}

// twoDigits holds the decimal forms of 00 to 99.
const twoDigits = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" +
	"30313233343536373839" + "40414243444546474849" + "50515253545556575859" +
	"60616263646566676869" + "70717273747576777879" + "80818283848586878889" +
	"90919293949596979899"

// put2 writes v, from 0 to 99, as two decimal digits.
func put2(d []byte, v int) {
	d[0], d[1] = twoDigits[2*v], twoDigits[2*v+1]
}

// canonicalRequest returns the canonical request of req as it stands, for tests: its
// headers signed by the official rules and its payload hash taken from
// X-Sdk-Content-Sha256 or computed from body. After Sign it is the canonical request
// that Sign signed.
func canonicalRequest(req *http.Request, body []byte) (string, error) {
	st := getScratch()
	defer st.release()
	if err := st.writeRequestLines(req); err != nil {
		return "", err
	}
	var local [maxStackHeaders]headerEntry
	hdrs, info := st.collectForSign(local[:0], req.Header, nil)
	st.writeSigned(hdrs)
	st.buf = append(st.buf, '\n')
	st.appendPayloadHash(info.payload, body, false)
	return string(st.buf), nil
}
