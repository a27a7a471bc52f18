package signer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Transport is an http.RoundTripper that signs every request with Sign and sends it
// with Base. It never modifies the caller's request: it signs a clone, with a fresh
// date each time, so a request sent twice (a retry) is signed twice.
//
// A request with a body must be replayable: Transport reads the body through
// req.GetBody, which http.NewRequest sets for *bytes.Buffer, *bytes.Reader and
// *strings.Reader bodies, and sends a copy. As the RoundTripper contract requires, it
// closes the caller's body, which it never reads.
//
// A Transport is safe for concurrent use as long as its fields are not changed while
// it is in use.
type Transport struct {
	// Base sends the signed requests. Nil means http.DefaultTransport.
	Base http.RoundTripper
	// Credentials sign the requests when CredentialsFunc is nil.
	Credentials Credentials
	// CredentialsFunc, when non-nil, is called for every request with the request's
	// context, and the credentials it returns are used instead of Credentials. It suits
	// temporary or rotated credentials; it must be safe for concurrent use and should
	// be cheap when its credentials are cached. An error from it fails the request
	// without sending it.
	CredentialsFunc func(ctx context.Context) (Credentials, error)
	// ProjectID, when set, is sent and signed as X-Project-Id.
	ProjectID string
	// Now tells the signing time. Nil means time.Now.
	Now func() time.Time
}

// RoundTrip signs a clone of req and sends it with t.Base. Before signing, it removes
// any Authorization, X-Sdk-Date and X-Sdk-Content-Sha256 from the clone and sets
// X-Project-Id when t.ProjectID is set. Errors of t.Base are returned as they are.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req == nil || req.URL == nil {
		if req != nil && req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, fmt.Errorf("%w: Transport: nil request or URL", ErrInvalidRequest)
	}
	out, err := t.signedClone(req)
	if req.Body != nil {
		_ = req.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(out)
}

// signedClone returns the signed copy of req to send.
func (t *Transport) signedClone(req *http.Request) (*http.Request, error) {
	creds := t.Credentials
	if t.CredentialsFunc != nil {
		c, err := t.CredentialsFunc(req.Context())
		if err != nil {
			return nil, fmt.Errorf("signer: Transport: credentials: %w", err)
		}
		creds = c
	}
	if err := creds.Validate(); err != nil {
		return nil, err
	}
	body, err := replayBody(req)
	if err != nil {
		return nil, err
	}

	// Signing changes only the header: a shallow copy of req with its own header
	// (as http.Request.WithContext copies) is all the clone needs; the URL and the
	// rest are shared with req, read-only.
	out := new(http.Request)
	*out = *req
	out.Header = headerForSigning(req.Header)
	if t.ProjectID != "" {
		out.Header.Set(headerProjectID, t.ProjectID)
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	if err := Sign(out, body, creds, now()); err != nil {
		return nil, err
	}
	switch {
	case len(body) > 0:
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		out.ContentLength = int64(len(body))
	case body != nil:
		// An empty replayed body: send none rather than one of unknown length.
		out.Body = http.NoBody
		out.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		out.ContentLength = 0
	}
	return out, nil
}

// replayBody reads a copy of req's body through req.GetBody; nil when req has no body.
func replayBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody == nil {
		return nil, fmt.Errorf("%w: Transport: %s %s has a Body but no GetBody to read a copy of it; "+
			"create the request with http.NewRequest and a *bytes.Reader, *bytes.Buffer or *strings.Reader body, or set GetBody",
			ErrBodyNotReplayable, req.Method, req.URL.Path)
	}
	rc, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("%w: Transport: GetBody: %w", ErrBodyNotReplayable, err)
	}
	defer rc.Close()
	body, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("%w: Transport: reading the body from GetBody: %w", ErrBodyNotReplayable, err)
	}
	return body, nil
}

// headerForSigning copies h, values included (in one backing array, as
// http.Header.Clone does), without the Authorization, X-Sdk-Date and
// X-Sdk-Content-Sha256 that Sign sets, with room for the headers Sign adds.
func headerForSigning(h http.Header) http.Header {
	nv := 0
	for _, vv := range h {
		nv += len(vv)
	}
	sv := make([]string, nv)
	out := make(http.Header, len(h)+3)
	for key, vv := range h {
		if strings.EqualFold(key, headerAuthorization) || strings.EqualFold(key, headerDate) ||
			strings.EqualFold(key, headerContentSHA256) {
			continue
		}
		if vv == nil {
			out[key] = nil
			continue
		}
		n := copy(sv, vv)
		out[key] = sv[:n:n]
		sv = sv[n:]
	}
	return out
}
