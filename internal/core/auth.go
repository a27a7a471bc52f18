package core

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// tokenTransport authenticates with an IAM token (X-Auth-Token) instead of a signature.
type tokenTransport struct {
	base  http.RoundTripper
	token func(ctx context.Context) (string, error)
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.token(req.Context())
	if err == nil && tok == "" {
		err = errors.New("the token provider returned an empty token")
	}
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &localError{fmt.Errorf("auth token: %w", err)}
	}
	r := req.Clone(req.Context())
	r.Header.Del("Authorization")
	r.Header.Set("X-Auth-Token", tok)
	return t.base.RoundTrip(r)
}

// netError marks an error of the base transport (the network), as opposed to one of
// the authentication layer above it.
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// markNet wraps the base transport so its errors can be told apart.
type markNet struct{ rt http.RoundTripper }

func (m markNet) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := m.rt.RoundTrip(req)
	if err != nil {
		return nil, &netError{err}
	}
	return resp, nil
}

// markLocal wraps the authentication layer: a network error passes through unwrapped,
// anything else is a localError, which is never retried.
type markLocal struct{ rt http.RoundTripper }

func (m markLocal) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := m.rt.RoundTrip(req)
	if err != nil {
		var ne *netError
		if errors.As(err, &ne) {
			return nil, ne.err
		}
		var le *localError
		if !errors.As(err, &le) {
			err = &localError{err}
		}
		return nil, err
	}
	return resp, nil
}

// authTransport builds the authentication layer over base for cfg. The request
// already carries its X-Project-Id, which the signer signs with the other headers.
func authTransport(cfg *Config, base http.RoundTripper) http.RoundTripper {
	base = markNet{base}
	var rt http.RoundTripper
	switch {
	case cfg.AuthToken != "":
		tok := cfg.AuthToken
		rt = &tokenTransport{base: base, token: func(context.Context) (string, error) { return tok, nil }}
	case cfg.AuthTokenProvider != nil:
		rt = &tokenTransport{base: base, token: cfg.AuthTokenProvider}
	default:
		st := &signer.Transport{Base: base, Credentials: cfg.Credentials, Now: ClockOf(cfg).Now}
		if p := cfg.CredentialsProvider; p != nil {
			st.CredentialsFunc = p.Retrieve
		}
		rt = st
	}
	return markLocal{rt}
}
