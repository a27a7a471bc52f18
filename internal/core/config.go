// Package core is the request pipeline shared by every service client: configuration,
// endpoint resolution, request building, signing, retries, response decoding and errors.
// Service packages re-export its public types as aliases; users never import it.
package core

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// DefaultMaxResponseBytes caps a decoded response body when Config.MaxResponseBytes is zero.
const DefaultMaxResponseBytes = 16 << 20

// Config configures a service client. One value can configure all four clients; each
// service derives its own endpoint from Region unless Endpoint is set.
type Config struct {
	// Region is the region ID, e.g. "ap-southeast-1". It selects the service endpoint.
	Region string
	// Endpoint overrides the endpoint derived from Region, e.g. "https://css.example.com".
	// It must use https unless AllowInsecureHTTP is set.
	Endpoint string
	// AllowInsecureHTTP permits an http:// Endpoint. Meant for fakes and tests on loopback.
	AllowInsecureHTTP bool
	// ProjectID is the project of the region; it fills {project_id} in every path and is
	// sent, signed, as X-Project-Id.
	ProjectID string
	// Credentials are the AK/SK (and optional security token) that sign every request.
	Credentials signer.Credentials
	// CredentialsProvider, when set, is asked for credentials on every request instead of
	// using Credentials. It must be cheap when its credentials are cached.
	CredentialsProvider CredentialsProvider
	// AuthToken is an IAM token sent as X-Auth-Token instead of an AK/SK signature.
	AuthToken string
	// AuthTokenProvider returns an IAM token per request; an alternative to AuthToken.
	AuthTokenProvider func(ctx context.Context) (string, error)
	// HTTPClient supplies the base transport (under the signer and the retries) and the
	// overall timeout. Nil uses a clone of http.DefaultTransport. Its CheckRedirect is
	// ignored: redirects are never followed.
	HTTPClient *http.Client
	// Retry is the retry policy; its zero fields take the defaults.
	Retry RetryPolicy
	// Logger receives Debug records of retries. Nil is silent. Credentials, tokens and
	// signatures are never logged.
	Logger *slog.Logger
	// UserAgent is appended to the library's own User-Agent.
	UserAgent string
	// MaxResponseBytes caps a JSON or error response body; 0 means DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Clock tells time for signatures and waits between retries and polls. Nil is the
	// real clock; tests inject a fake one to simulate long waits without sleeping.
	Clock Clock
}

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

// Environment variable names read by ConfigFromEnv.
const (
	EnvRegion    = "HUAWEICLOUD_SDK_REGION"
	EnvProjectID = "HUAWEICLOUD_SDK_PROJECT_ID"
)

// ConfigFromEnv builds a Config from the environment: credentials as
// signer.CredentialsFromEnv reads them, HUAWEICLOUD_SDK_REGION and
// HUAWEICLOUD_SDK_PROJECT_ID.
func ConfigFromEnv() (Config, error) {
	creds, err := signer.CredentialsFromEnv()
	if err != nil {
		return Config{}, err
	}
	cfg := Config{
		Region:      strings.TrimSpace(os.Getenv(EnvRegion)),
		ProjectID:   strings.TrimSpace(os.Getenv(EnvProjectID)),
		Credentials: creds,
	}
	if cfg.Region == "" {
		return Config{}, fmt.Errorf("hcloudlogs: set %s to the region ID (e.g. ap-southeast-1)", EnvRegion)
	}
	if cfg.ProjectID == "" {
		return Config{}, fmt.Errorf("hcloudlogs: set %s to the project ID of region %s", EnvProjectID, cfg.Region)
	}
	return cfg, nil
}

// validate reports the first problem with cfg for service svc.
func (cfg *Config) validate(svc string) error {
	if cfg.Region == "" && cfg.Endpoint == "" {
		return fmt.Errorf("%s: config: set Region or Endpoint", svc)
	}
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || u.Host == "" {
			return fmt.Errorf("%s: config: Endpoint %q is not an absolute URL", svc, cfg.Endpoint)
		}
		switch {
		case u.Scheme == "https":
		case u.Scheme == "http" && cfg.AllowInsecureHTTP:
		case u.Scheme == "http":
			return fmt.Errorf("%s: config: Endpoint %q uses http; set AllowInsecureHTTP to allow it", svc, cfg.Endpoint)
		default:
			return fmt.Errorf("%s: config: Endpoint %q must use https", svc, cfg.Endpoint)
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("%s: config: Endpoint %q must not carry user info, a query or a fragment", svc, cfg.Endpoint)
		}
	}
	if cfg.ProjectID == "" {
		return fmt.Errorf("%s: config: ProjectID is required", svc)
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
