// Package config loads the Config shared by every service client from the sources the
// official Huawei Cloud SDK reads, in a documented order: explicit options, environment
// variables, the credentials file, and ECS/BMS instance metadata; the project ID from
// IAM when none is given; per-service endpoints from the environment or regions.yaml.
// See the README's Configuration section for every source.
//
// Load is the one way to read configuration from the environment: it takes a context
// because it may ask the instance metadata service for credentials and IAM for the
// project ID.
package config

import (
	"context"
	"net/http"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// Option adjusts where Load looks.
type Option struct{ apply core.LoadOption }

// Load resolves an hcloud.Config (the type every service package accepts). For each
// setting the first source that has it wins. A malformed source is an error naming the
// variable, or the file and line. A missing region, a malformed one, one the library
// does not know (unless an endpoint is set for it, as hcloud.Config.Region explains;
// the error names the close matches) and missing credentials are reported together,
// each with what to set. The Config carries a new retry budget (Retry.Budget, of
// hcloud.DefaultRetryBudgetCapacity), shared by every client built from it or from a
// copy of it.
func Load(ctx context.Context, opts ...Option) (hcloud.Config, error) {
	list := make([]core.LoadOption, len(opts))
	for i, o := range opts {
		list[i] = o.apply
	}
	return core.LoadConfig(ctx, list...)
}

// WithAllowInsecureHTTP allows http:// endpoints (Config.AllowInsecureHTTP), as
// HUAWEICLOUD_SDK_ALLOW_INSECURE_HTTP=true does.
func WithAllowInsecureHTTP() Option { return Option{core.WithAllowInsecureHTTP()} }

// WithCredentials sets the credentials explicitly; no other source is read for them.
func WithCredentials(c signer.Credentials) Option { return Option{core.WithCredentials(c)} }

// WithRegion sets the region instead of HUAWEICLOUD_SDK_REGION.
func WithRegion(region string) Option { return Option{core.WithRegion(region)} }

// WithCredentialsFile reads credentials from path instead of
// HUAWEICLOUD_SDK_CREDENTIALS_FILE or ~/.huaweicloud/credentials.
func WithCredentialsFile(path string) Option { return Option{core.WithCredentialsFile(path)} }

// WithRegionsFile reads endpoints from path instead of HUAWEICLOUD_SDK_REGIONS_FILE or
// ~/.huaweicloud/regions.yaml.
func WithRegionsFile(path string) Option { return Option{core.WithRegionsFile(path)} }

// WithMetadataEndpoint sets the instance metadata service, instead of
// http://169.254.169.254.
func WithMetadataEndpoint(endpoint string) Option { return Option{core.WithMetadataEndpoint(endpoint)} }

// WithIAMEndpoint sets the IAM endpoint of the project ID lookup, instead of
// HUAWEICLOUD_SDK_IAM_ENDPOINT, iam_endpoint of the credentials file or the default of
// Config.IAMEndpoint.
func WithIAMEndpoint(endpoint string) Option { return Option{core.WithIAMEndpoint(endpoint)} }

// WithHTTPClient sets Config.HTTPClient, also used for the IAM calls. The metadata
// calls take its Timeout and, when its Transport is an *http.Transport, a clone of
// that transport without its proxy: the metadata service is never asked through a
// proxy.
func WithHTTPClient(c *http.Client) Option { return Option{core.WithHTTPClient(c)} }

// WithClock sets Config.Clock, also used to tell when metadata credentials expire.
func WithClock(c hcloud.Clock) Option { return Option{core.WithClock(c)} }

// WithHomeDir sets the directory holding .huaweicloud/, instead of the user's home.
func WithHomeDir(dir string) Option { return Option{core.WithHomeDir(dir)} }

// WithEnv reads variables through lookup instead of the process environment.
func WithEnv(lookup func(key string) (value string, ok bool)) Option {
	return Option{core.WithEnv(lookup)}
}
