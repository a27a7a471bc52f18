// Package core is the request pipeline shared by every service client: configuration,
// endpoint resolution, request building, signing, retries, response decoding and errors.
// Service packages re-export its public types as aliases; users never import it.
package core

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// DefaultMaxResponseBytes caps a decoded response body when Config.MaxResponseBytes is zero.
const DefaultMaxResponseBytes = 16 << 20

// Config configures a service client. One value can configure all four clients; each
// service takes its endpoint from Endpoint, else from ServiceEndpoints, else derives it
// from Region. LoadConfig fills a Config from the environment and the files the
// official SDK reads.
type Config struct {
	// Region is the region ID, e.g. "ap-southeast-1". It selects the service endpoint
	// and, when ProjectID is empty, the project looked up through IAM.
	Region string
	// Endpoint overrides the endpoint of the service, e.g. "https://css.example.com".
	// It must use https unless AllowInsecureHTTP is set.
	Endpoint string
	// ServiceEndpoints lists, per service (the Service constants, e.g. ServiceCSS), the
	// endpoints to use in Region when Endpoint is empty. With several, a client moves
	// for good to the next one when a request fails with a DNS or TLS certificate
	// error, and says so in a Debug log record. LoadConfig fills it from
	// HUAWEICLOUD_SDK_REGION_{SERVICE}_{REGION} and the regions file.
	ServiceEndpoints map[string][]string
	// AllowInsecureHTTP permits http:// endpoints (Endpoint, ServiceEndpoints,
	// IAMEndpoint). Meant for fakes and tests on loopback.
	AllowInsecureHTTP bool
	// ProjectID is the project of the region; it fills {project_id} in every path and is
	// sent, signed, as X-Project-Id. When empty, the client looks up the project named
	// Region through IAM on first use (GET {IAMEndpoint}/v3/projects?name={Region},
	// signed with the same credentials) and caches it per access key and region.
	ProjectID string
	// IAMEndpoint is the IAM endpoint for that lookup; empty means
	// https://iam.{Region}.myhuaweicloud.com.
	IAMEndpoint string
	// Credentials are the AK/SK (and optional security token) that sign every request.
	Credentials signer.Credentials
	// CredentialsProvider, when set, is asked for credentials on every request instead of
	// using Credentials. It must be cheap when its credentials are cached.
	CredentialsProvider CredentialsProvider
	// AuthToken is an IAM token sent as X-Auth-Token instead of an AK/SK signature.
	AuthToken string
	// AuthTokenProvider returns an IAM token per request; an alternative to AuthToken.
	AuthTokenProvider func(ctx context.Context) (string, error)
	// HTTPClient supplies the base transport (under the signer and the retries) and a
	// timeout, for the service calls and the IAM project lookup. Nil uses a clone of
	// http.DefaultTransport, which honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY. Its
	// CheckRedirect is ignored: redirects are never followed. Its Timeout, when set,
	// bounds each attempt of a call: the whole reply of a JSON call, its body included,
	// but only the wait for the headers of a streamed archive download, whose body may
	// take as long as it needs (a download detects a stalled body itself). The context
	// bounds a whole call, retries and waits included.
	HTTPClient *http.Client
	// Retry is the retry policy; its zero fields take the defaults.
	Retry RetryPolicy
	// Logger receives Debug records of retries, endpoint failovers and project ID
	// lookups. Nil is silent. Credentials, tokens and signatures are never logged.
	Logger *slog.Logger
	// UserAgent is appended to the library's own User-Agent.
	UserAgent string
	// MaxResponseBytes caps a JSON or error response body; 0 means DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Clock tells time for signatures and waits between retries and polls. Nil is the
	// real clock; tests inject a fake one to simulate long waits without sleeping.
	Clock Clock

	// projects caches discovered project IDs; LoadConfig sets one so that every client
	// built from the loaded Config shares it. Nil: each client has its own.
	projects *projectCache
}

// String describes cfg without secrets: Credentials print as signer.Credentials does
// (a masked access key), AuthToken and the providers only say whether they are set.
func (cfg Config) String() string {
	set := func(ok bool) string {
		if ok {
			return "<set>"
		}
		return "<nil>"
	}
	token := "<empty>"
	if cfg.AuthToken != "" {
		token = "<redacted>"
	}
	return fmt.Sprintf("Config{Region:%q Endpoint:%q ServiceEndpoints:%v AllowInsecureHTTP:%t ProjectID:%q IAMEndpoint:%q "+
		"Credentials:%s CredentialsProvider:%s AuthToken:%s AuthTokenProvider:%s HTTPClient:%s Retry:%+v Logger:%s "+
		"UserAgent:%q MaxResponseBytes:%d Clock:%s}",
		cfg.Region, cfg.Endpoint, cfg.ServiceEndpoints, cfg.AllowInsecureHTTP, cfg.ProjectID, cfg.IAMEndpoint,
		cfg.Credentials.String(), set(cfg.CredentialsProvider != nil), token, set(cfg.AuthTokenProvider != nil),
		set(cfg.HTTPClient != nil), cfg.Retry, set(cfg.Logger != nil), cfg.UserAgent, cfg.MaxResponseBytes, set(cfg.Clock != nil))
}

// GoString is String, so %#v never prints a secret either.
func (cfg Config) GoString() string { return cfg.String() }

// Format prints String for every verb (%v, %+v, %#v, %s, %q ...).
func (cfg Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, cfg.String()) }

// CredentialsProvider returns the credentials to sign a request with.
type CredentialsProvider interface {
	// Retrieve returns valid credentials or an error explaining why there are none.
	Retrieve(ctx context.Context) (signer.Credentials, error)
}

// Clock tells the time and waits.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first, and returns
	// ctx.Err() in the second case.
	Sleep(ctx context.Context, d time.Duration) error
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RealClock returns the wall clock, the default Clock.
func RealClock() Clock { return realClock{} }

// clock returns the configured clock or the real one.
func (cfg *Config) clock() Clock {
	if cfg.Clock != nil {
		return cfg.Clock
	}
	return realClock{}
}

// ClockOf returns cfg's clock, or the real clock when none is set.
func ClockOf(cfg *Config) Clock { return cfg.clock() }

// validate reports the first problem with cfg for service svc.
func (cfg *Config) validate(svc string) error {
	if cfg.Region == "" && cfg.Endpoint == "" && len(cfg.ServiceEndpoints[svc]) == 0 {
		return fmt.Errorf("%s: config: set Region or Endpoint", svc)
	}
	if cfg.Endpoint != "" {
		if err := cfg.checkEndpoint(svc, "Endpoint", cfg.Endpoint); err != nil {
			return err
		}
	} else {
		for i, e := range cfg.ServiceEndpoints[svc] {
			if err := cfg.checkEndpoint(svc, fmt.Sprintf("ServiceEndpoints[%q][%d]", svc, i), e); err != nil {
				return err
			}
		}
	}
	if cfg.ProjectID == "" {
		if cfg.Region == "" {
			return fmt.Errorf("%s: config: ProjectID is required (or set Region to look it up through IAM)", svc)
		}
		if strings.ContainsAny(cfg.Region, "/?#%@: \t\r\n") {
			return fmt.Errorf("%s: config: Region %q contains a character not allowed in a region ID", svc, cfg.Region)
		}
		if err := cfg.checkEndpoint(svc, "IAMEndpoint", cfg.iamEndpoint()); err != nil {
			return err
		}
	}
	if strings.ContainsAny(cfg.ProjectID, "/?#% \t\r\n") {
		return fmt.Errorf("%s: config: ProjectID %q contains a character not allowed in a project ID", svc, cfg.ProjectID)
	}
	if cfg.MaxResponseBytes < 0 {
		return fmt.Errorf("%s: config: MaxResponseBytes %d must not be negative", svc, cfg.MaxResponseBytes)
	}
	if err := cfg.Retry.validate(); err != nil {
		return fmt.Errorf("%s: config: %w", svc, err)
	}
	return cfg.validateAuth(svc)
}

// checkEndpoint checks that value, the config field named field, is an absolute https
// URL (or http with AllowInsecureHTTP) without user info, query or fragment.
func (cfg *Config) checkEndpoint(svc, field, value string) error {
	u, err := url.Parse(value)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%s: config: %s %q is not an absolute URL", svc, field, value)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && cfg.AllowInsecureHTTP:
	case u.Scheme == "http":
		return fmt.Errorf("%s: config: %s %q uses http; set AllowInsecureHTTP to allow it", svc, field, value)
	default:
		return fmt.Errorf("%s: config: %s %q must use https", svc, field, value)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%s: config: %s %q must not carry user info, a query or a fragment", svc, field, value)
	}
	return nil
}

// iamEndpoint is IAMEndpoint or the regional IAM endpoint.
func (cfg *Config) iamEndpoint() string {
	if cfg.IAMEndpoint != "" {
		return cfg.IAMEndpoint
	}
	return "https://iam." + strings.ToLower(cfg.Region) + ".myhuaweicloud.com"
}

// endpoints returns the endpoints of service svc in order of preference: Endpoint,
// else ServiceEndpoints[svc], else the one derived from Region.
func (cfg *Config) endpoints(svc string) []string {
	switch {
	case cfg.Endpoint != "":
		return []string{cfg.Endpoint}
	case len(cfg.ServiceEndpoints[svc]) > 0:
		return cfg.ServiceEndpoints[svc]
	}
	return []string{Endpoint(svc, cfg.Region)}
}

// validateAuth checks that exactly one way to authenticate is configured.
func (cfg *Config) validateAuth(svc string) error {
	hasKeys := cfg.Credentials != (signer.Credentials{})
	n := 0
	for _, set := range []bool{hasKeys, cfg.CredentialsProvider != nil, cfg.AuthToken != "", cfg.AuthTokenProvider != nil} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return fmt.Errorf("%s: config: no credentials: set Credentials (AK/SK), CredentialsProvider, AuthToken or AuthTokenProvider", svc)
	case n > 1:
		return fmt.Errorf("%s: config: set exactly one of Credentials, CredentialsProvider, AuthToken and AuthTokenProvider", svc)
	case hasKeys:
		if err := cfg.Credentials.Validate(); err != nil {
			return fmt.Errorf("%s: config: %w", svc, err)
		}
	}
	return nil
}
