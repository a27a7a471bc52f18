package hcloud

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// DefaultMaxResponseBytes caps a JSON or error reply when Config.MaxResponseBytes is 0
// (16 MiB).
const DefaultMaxResponseBytes = 16 << 20

// Config configures service clients. One value configures the clients of every
// service: each takes its endpoints from ServiceEndpoints under its service ID, else
// from ResolveEndpoints, else derives them from Region. Fill it yourself, or let
// config.Load read the sources the official Huawei Cloud SDK reads.
//
// A client copies what it needs from the Config when it is built; changing the
// Config afterwards does not affect it. Config prints without secrets (%v, %+v, %#v).
type Config struct {
	// Region is the region ID, e.g. "ap-southeast-1". It selects the endpoints derived
	// for each service and, when ProjectID is empty, the project looked up through IAM.
	// It must be a region the library knows (those of the official Huawei Cloud SDK),
	// unless the service has an endpoint listed, in ServiceEndpoints or by
	// ResolveEndpoints: that is how to use a region newer than the library. An unknown
	// region fails New with the known regions closest to it ("did you mean
	// ap-southeast-1?"). Region may be empty when every service used has an endpoint
	// listed and ProjectID is set.
	Region string
	// ServiceEndpoints lists endpoints per service, keyed by service ID (ServiceCSS,
	// ServiceHSS, ServiceDWS, ServiceBareMetal; keys match case-insensitively, and
	// "CLOUDDC" names ServiceBareMetal as in the official SDK). A service that has none
	// here uses ResolveEndpoints, then the endpoint derived from Region. An endpoint
	// without a scheme gets https://. With several endpoints, a client moves for good
	// to the next one when a request fails with a DNS or TLS certificate error, and
	// says so in a Debug log record. An unknown key is an error when a client is built.
	ServiceEndpoints map[string][]string
	// ResolveEndpoints, when set, returns the endpoints of a service (a service ID) in a
	// region, for services that ServiceEndpoints does not list; none means the endpoint
	// derived from Region. It is called when a client is built. config.Load sets it from
	// the HUAWEICLOUD_SDK_REGION_{SERVICE}_{REGION} variables and the regions file, so
	// that a Config whose Region changes after loading never sends a call to another
	// region's endpoint.
	ResolveEndpoints func(service, region string) ([]string, error)
	// AllowInsecureHTTP permits http:// endpoints (ServiceEndpoints, ResolveEndpoints,
	// IAMEndpoint). Meant for fakes and tests on loopback; config.Load sets it from
	// HUAWEICLOUD_SDK_ALLOW_INSECURE_HTTP=true or the WithAllowInsecureHTTP option.
	AllowInsecureHTTP bool
	// ProjectID is the project of the region; it fills {project_id} in every path and is
	// sent, signed, as X-Project-Id. config.Load fills it (looking it up through IAM
	// when no source names it). When empty, a client looks up the project named Region
	// through IAM on its first call (GET {IAMEndpoint}/v3/projects?name={Region},
	// signed with the same credentials) and keeps the answer.
	ProjectID string
	// IAMEndpoint is the IAM endpoint of that lookup. Empty means the official SDK's
	// default: https://iam.{Region}.myhuaweicloud.com for the regions that have a
	// regional IAM host, https://iam.myhuaweicloud.com for the others.
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
	// Retry is the retry policy of every call; its zero fields take the defaults. A call
	// can override it with WithRetry.
	Retry RetryPolicy
	// Logger receives Debug records of retries, endpoint failovers and project ID
	// lookups. Nil is silent. Credentials, tokens and signatures are never logged.
	Logger *slog.Logger
	// UserAgent is appended to the library's own User-Agent.
	UserAgent string
	// MaxResponseBytes caps a JSON or error reply; 0 means DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Clock tells time for signatures and waits between retries and polls. Nil is the
	// real clock; tests set a manual one (package fakeclock) to simulate long waits
	// without sleeping.
	Clock Clock
	// Observer, when set, sees every operation, iterator, waiter and HTTP attempt of
	// the client, e.g. to trace and measure them with OpenTelemetry (module
	// github.com/hcloudlogs/hcloudlogs-go/otel). A call can replace it with
	// WithObserver. Nil observes nothing, at no cost.
	Observer Observer
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
	return fmt.Sprintf("Config{Region:%q ServiceEndpoints:%v ResolveEndpoints:%s AllowInsecureHTTP:%t ProjectID:%q IAMEndpoint:%q "+
		"Credentials:%s CredentialsProvider:%s AuthToken:%s AuthTokenProvider:%s HTTPClient:%s Retry:%+v Logger:%s "+
		"UserAgent:%q MaxResponseBytes:%d Clock:%s Observer:%s}",
		cfg.Region, cfg.ServiceEndpoints, set(cfg.ResolveEndpoints != nil), cfg.AllowInsecureHTTP, cfg.ProjectID, cfg.IAMEndpoint,
		cfg.Credentials.String(), set(cfg.CredentialsProvider != nil), token, set(cfg.AuthTokenProvider != nil),
		set(cfg.HTTPClient != nil), cfg.Retry, set(cfg.Logger != nil), cfg.UserAgent, cfg.MaxResponseBytes, set(cfg.Clock != nil), set(cfg.Observer != nil))
}

// GoString is String, so %#v never prints a secret either.
func (cfg Config) GoString() string { return cfg.String() }

// Format prints String for every verb (%v, %+v, %#v, %s, %q ...).
func (cfg Config) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, cfg.String()) }

// EndpointsFor returns the endpoints cfg lists for service (one of the service IDs):
// ServiceEndpoints, else ResolveEndpoints for Region; nil when neither has any, in
// which case a client derives the endpoint from Region. It fails on a key of
// ServiceEndpoints that names no known service, and with ResolveEndpoints' error.
func (cfg Config) EndpointsFor(service string) ([]string, error) {
	list, err := serviceEndpoints(cfg.ServiceEndpoints, service)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 && cfg.ResolveEndpoints != nil {
		if list, err = cfg.ResolveEndpoints(service, cfg.Region); err != nil {
			return nil, err
		}
	}
	return list, nil
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

// RealClock returns the wall clock, the Clock used when Config.Clock is nil.
func RealClock() Clock { return realClock{} }
