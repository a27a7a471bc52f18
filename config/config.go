// Package config loads the Config shared by every service client from the sources the
// official Huawei Cloud SDK reads, in a documented order: explicit options, environment
// variables, the credentials file, and ECS/BMS instance metadata; the project ID from
// IAM when none is given; per-service endpoints from the environment or regions.yaml.
// See the README's Configuration section for every source.
//
// css.ConfigFromEnv() (and its twin in every service package) is Load with no options.
package config

import (
	"context"
	"net/http"

	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// Config is the configuration every service package accepts (css.Config, hss.Config,
// ... are this type).
type Config = core.Config

// Clock tells time and waits (see Config.Clock).
type Clock = core.Clock

// Option adjusts where Load looks.
type Option = core.LoadOption

// Load resolves a Config. For each setting the first source that has it wins. A
// malformed source is an error naming the variable, or the file and line.
func Load(ctx context.Context, opts ...Option) (Config, error) { return core.LoadConfig(ctx, opts...) }

// WithCredentials sets the credentials explicitly; no other source is read for them.
func WithCredentials(c signer.Credentials) Option { return core.WithCredentials(c) }

// WithRegion sets the region instead of HUAWEICLOUD_SDK_REGION.
func WithRegion(region string) Option { return core.WithRegion(region) }

// WithCredentialsFile reads credentials from path instead of
// HUAWEICLOUD_SDK_CREDENTIALS_FILE or ~/.huaweicloud/credentials.
func WithCredentialsFile(path string) Option { return core.WithCredentialsFile(path) }

// WithRegionsFile reads endpoints from path instead of HUAWEICLOUD_SDK_REGIONS_FILE or
// ~/.huaweicloud/regions.yaml.
func WithRegionsFile(path string) Option { return core.WithRegionsFile(path) }

// WithMetadataEndpoint sets the instance metadata service, instead of
// http://169.254.169.254.
func WithMetadataEndpoint(endpoint string) Option { return core.WithMetadataEndpoint(endpoint) }

// WithIAMEndpoint sets the IAM endpoint of the project ID lookup, instead of
// HUAWEICLOUD_SDK_IAM_ENDPOINT, iam_endpoint of the credentials file or the default of
// Config.IAMEndpoint.
func WithIAMEndpoint(endpoint string) Option { return core.WithIAMEndpoint(endpoint) }

// WithHTTPClient sets Config.HTTPClient, also used for the IAM calls. The metadata
// calls take its Timeout and, when its Transport is an *http.Transport, a clone of
// that transport without its proxy: the metadata service is never asked through a
// proxy.
func WithHTTPClient(c *http.Client) Option { return core.WithHTTPClient(c) }

// WithClock sets Config.Clock, also used to tell when metadata credentials expire.
func WithClock(c Clock) Option { return core.WithClock(c) }

// WithHomeDir sets the directory holding .huaweicloud/, instead of the user's home.
func WithHomeDir(dir string) Option { return core.WithHomeDir(dir) }

// WithEnv reads variables through lookup instead of the process environment.
func WithEnv(lookup func(key string) (value string, ok bool)) Option { return core.WithEnv(lookup) }
