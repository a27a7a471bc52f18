package core

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
)

// failover sends each request to the current endpoint of a list and, when one fails
// with a DNS or TLS certificate error, moves for good to the next one and resends at
// once (the official SDK moves on DNS errors only). It sits above the authentication
// layer, so each endpoint gets a request signed for its own host.
type failover struct {
	next      http.RoundTripper
	endpoints []*url.URL
	current   atomic.Int32
	logger    *slog.Logger
}

// RoundTrip sends req, built for endpoints[0], to the current endpoint.
func (f *failover) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		i := int(f.current.Load())
		r := req
		if i > 0 || attempt > 0 {
			var err error
			if r, err = f.rewrite(req, i, attempt > 0); err != nil {
				return nil, err
			}
		}
		resp, err := f.next.RoundTrip(r)
		if err == nil || i == len(f.endpoints)-1 || !failoverError(err) {
			return resp, err
		}
		if f.current.CompareAndSwap(int32(i), int32(i+1)) && f.logger != nil {
			f.logger.LogAttrs(req.Context(), slog.LevelDebug, "hcloudlogs: endpoint failed, failing over to the next one",
				slog.String("from", f.endpoints[i].Host),
				slog.String("to", f.endpoints[i+1].Host),
				slog.String("reason", err.Error()))
		}
	}
}

// rewrite returns a copy of req aimed at endpoint i, with a fresh body when resend is
// set (the previous attempt consumed or closed it).
func (f *failover) rewrite(req *http.Request, i int, resend bool) (*http.Request, error) {
	first, ep := f.endpoints[0], f.endpoints[i]
	r := req.Clone(req.Context())
	r.URL = &url.URL{
		Scheme:   ep.Scheme,
		Host:     ep.Host,
		Path:     ep.Path + strings.TrimPrefix(req.URL.Path, first.Path),
		RawPath:  ep.EscapedPath() + strings.TrimPrefix(req.URL.EscapedPath(), first.EscapedPath()),
		RawQuery: req.URL.RawQuery,
	}
	r.Host = ep.Host
	if resend && req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, &localError{errors.New("endpoint failover: the request body cannot be sent again")}
		}
		body, err := req.GetBody()
		if err != nil {
			return nil, &localError{err}
		}
		r.Body = body
	}
	return r, nil
}

// failoverError reports whether err means the endpoint itself is wrong: its name does
// not resolve or its certificate is not valid for it. Failures of our own pipeline
// (credentials, signing) never count, whatever they wrap.
func failoverError(err error) bool {
	var (
		local            *localError
		dns              *net.DNSError
		verification     *tls.CertificateVerificationError
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
	)
	if errors.As(err, &local) {
		return false
	}
	return errors.As(err, &dns) || errors.As(err, &verification) || errors.As(err, &unknownAuthority) ||
		errors.As(err, &hostname) || errors.As(err, &invalid)
}
