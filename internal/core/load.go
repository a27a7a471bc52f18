package core

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/internal/credentials"
	"github.com/hcloudlogs/hcloudlogs-go/internal/regions"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// Environment variables read by LoadConfig, as the official SDK names them.
const (
	EnvAccessKey         = "HUAWEICLOUD_SDK_AK"
	EnvSecretKey         = "HUAWEICLOUD_SDK_SK"
	EnvSecurityToken     = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
	EnvFallbackAccessKey = "CLOUD_SDK_AK"
	EnvFallbackSecretKey = "CLOUD_SDK_SK"
	EnvRegion            = "HUAWEICLOUD_SDK_REGION"
	EnvProjectID         = "HUAWEICLOUD_SDK_PROJECT_ID"
	EnvCredentialsFile   = "HUAWEICLOUD_SDK_CREDENTIALS_FILE"
	EnvRegionsFile       = "HUAWEICLOUD_SDK_REGIONS_FILE"
	EnvIAMEndpoint       = "HUAWEICLOUD_SDK_IAM_ENDPOINT"
	EnvAllowInsecureHTTP = "HUAWEICLOUD_SDK_ALLOW_INSECURE_HTTP"
	// EnvEndpointPrefix starts the per-service endpoint variables,
	// HUAWEICLOUD_SDK_REGION_{SERVICE}_{REGION}; see EndpointEnvName.
	EnvEndpointPrefix = "HUAWEICLOUD_SDK_REGION_"
)

// DefaultMetadataEndpoint is the ECS/BMS instance metadata service LoadConfig asks for
// temporary credentials when no other source has any.
const DefaultMetadataEndpoint = credentials.DefaultMetadataEndpoint

// EndpointEnvName returns the environment variable that lists the endpoints of
// service in region, e.g. HUAWEICLOUD_SDK_REGION_CSS_AP_SOUTHEAST_1.
func EndpointEnvName(service, region string) string {
	return EnvEndpointPrefix + strings.ToUpper(wireServiceName(service)) + "_" + strings.ToUpper(strings.ReplaceAll(region, "-", "_"))
}

// LoadOption changes how LoadConfig looks for configuration.
type LoadOption func(*loadOptions)

type loadOptions struct {
	credentials      *signer.Credentials
	region           string
	credentialsFile  string
	regionsFile      string
	metadataEndpoint string
	iamEndpoint      string
	httpClient       *http.Client
	clock            Clock
	home             *string
	allowInsecure    bool
	lookupEnv        func(string) (string, bool)
}

// WithCredentials sets the credentials explicitly: they win over every other source,
// and no other source of credentials is read.
func WithCredentials(c signer.Credentials) LoadOption {
	return func(o *loadOptions) { o.credentials = &c }
}

// WithRegion sets the region, instead of HUAWEICLOUD_SDK_REGION.
func WithRegion(region string) LoadOption {
	return func(o *loadOptions) { o.region = region }
}

// WithCredentialsFile sets the credentials file, instead of
// HUAWEICLOUD_SDK_CREDENTIALS_FILE or ~/.huaweicloud/credentials. The file must exist.
func WithCredentialsFile(path string) LoadOption {
	return func(o *loadOptions) { o.credentialsFile = path }
}

// WithRegionsFile sets the regions file, instead of HUAWEICLOUD_SDK_REGIONS_FILE or
// ~/.huaweicloud/regions.yaml. The file must exist.
func WithRegionsFile(path string) LoadOption {
	return func(o *loadOptions) { o.regionsFile = path }
}

// WithMetadataEndpoint sets the instance metadata service address, instead of
// http://169.254.169.254.
func WithMetadataEndpoint(endpoint string) LoadOption {
	return func(o *loadOptions) { o.metadataEndpoint = endpoint }
}

// WithIAMEndpoint sets Config.IAMEndpoint, instead of HUAWEICLOUD_SDK_IAM_ENDPOINT,
// iam_endpoint of the credentials file or the default of Config.IAMEndpoint.
func WithIAMEndpoint(endpoint string) LoadOption {
	return func(o *loadOptions) { o.iamEndpoint = endpoint }
}

// WithHTTPClient sets Config.HTTPClient (used for the service and IAM calls). The
// metadata service is never asked through a proxy: its requests take c's Timeout and,
// when c's Transport is an *http.Transport, a clone of it without its Proxy; any other
// transport is not used for them.
func WithHTTPClient(c *http.Client) LoadOption {
	return func(o *loadOptions) { o.httpClient = c }
}

// WithClock sets Config.Clock, also used to tell when metadata credentials expire.
func WithClock(c Clock) LoadOption {
	return func(o *loadOptions) { o.clock = c }
}

// WithAllowInsecureHTTP sets Config.AllowInsecureHTTP: http:// endpoints are allowed.
func WithAllowInsecureHTTP() LoadOption {
	return func(o *loadOptions) { o.allowInsecure = true }
}

// WithHomeDir sets the directory that holds .huaweicloud/credentials and
// .huaweicloud/regions.yaml, instead of the user's home directory. An empty dir means
// no default files.
func WithHomeDir(dir string) LoadOption {
	return func(o *loadOptions) { o.home = &dir }
}

// WithEnv replaces the process environment as the source of the HUAWEICLOUD_SDK_ and
// CLOUD_SDK_ variables, e.g. with a map's lookup in tests; nil keeps the process
// environment. It changes neither the home directory (see WithHomeDir) nor the proxy
// variables, which the default HTTP transport reads from the process environment.
func WithEnv(lookup func(key string) (value string, ok bool)) LoadOption {
	return func(o *loadOptions) {
		if lookup != nil {
			o.lookupEnv = lookup
		}
	}
}

// LoadConfig builds a Config from the sources the official Huawei Cloud SDK reads,
// the first found winning:
//
// Credentials:
//  1. WithCredentials;
//  2. HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_SECURITY_TOKEN, then
//     CLOUD_SDK_AK and CLOUD_SDK_SK (a half-set pair is an error);
//  3. the [basic] section (ak, sk, security_token, project_id, iam_endpoint) of the
//     credentials file: WithCredentialsFile, HUAWEICLOUD_SDK_CREDENTIALS_FILE or
//     ~/.huaweicloud/credentials; refused when it holds a secret and is readable by
//     group or others;
//  4. the ECS/BMS instance metadata service (WithMetadataEndpoint, default
//     http://169.254.169.254): temporary keys, fetched once here to fail fast and
//     then refreshed on use through Config.CredentialsProvider.
//
// Region: WithRegion, then HUAWEICLOUD_SDK_REGION; required, and a region the
// library knows unless an endpoint is set for it (a variable or the regions file).
//
// Project ID: HUAWEICLOUD_SDK_PROJECT_ID, then project_id of the credentials file
// when the file supplied the credentials; otherwise empty, and the clients look it up
// through IAM on first use, sharing one lookup per access key, at the IAM endpoint:
// WithIAMEndpoint, HUAWEICLOUD_SDK_IAM_ENDPOINT, then iam_endpoint of the credentials
// file when the file supplied the credentials (https:// added when it has no scheme),
// else the default of Config.IAMEndpoint.
//
// Endpoints, per service (CSS, HSS, DWS, CLOUDDC) into Config.ServiceEndpoints:
// HUAWEICLOUD_SDK_REGION_{SERVICE}_{REGION} (region upper-cased, '-' as '_'; a
// comma-separated list), then the regions file (WithRegionsFile,
// HUAWEICLOUD_SDK_REGIONS_FILE or ~/.huaweicloud/regions.yaml); without either the
// client derives the endpoint from the region. An endpoint without a scheme gets
// https://.
//
// A file named by an option or a variable must exist; a missing default file is
// skipped. Errors about a malformed file name the file and the line. A missing or
// wrong region and missing credentials are reported together, each with what to set.
func LoadConfig(ctx context.Context, opts ...LoadOption) (Config, error) {
	o := loadOptions{lookupEnv: os.LookupEnv}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	cfg := Config{HTTPClient: o.httpClient, Clock: o.clock,
		Retry: RetryPolicy{Budget: hcloud.NewRetryBudget(hcloud.DefaultRetryBudgetCapacity)}}

	creds, haveCreds, err := o.explicitOrEnvCredentials()
	if err != nil {
		return Config{}, err
	}
	var missing loadError
	regionSource := "WithRegion"
	cfg.Region = o.region
	if cfg.Region == "" {
		cfg.Region, regionSource = o.env(EnvRegion), EnvRegion
	}
	regionOK := false
	if cfg.Region == "" {
		missing.add(fmt.Errorf("region: set %s to the region ID (e.g. ap-southeast-1), or pass config.WithRegion", EnvRegion))
	} else if err := checkRegionSyntax(cfg.Region); err != nil {
		missing.add(fmt.Errorf("region: %s: %w", regionSource, err))
	} else {
		regionOK = true
	}
	cfg.ProjectID = o.env(EnvProjectID)

	var tried []string
	var fileIAM, filePath string // iam_endpoint of the credentials file that supplied the keys
	if !haveCreds {
		fc, path, found, err := o.credentialsFromFile()
		switch {
		case err != nil:
			return Config{}, fmt.Errorf("hcloudlogs: %w", err)
		case fc.Credentials.AccessKey != "":
			creds, haveCreds = fc.Credentials, true
			if cfg.ProjectID == "" {
				cfg.ProjectID = fc.ProjectID
			}
			fileIAM, filePath = fc.IAMEndpoint, path
		case found:
			tried = append(tried, "no ak and sk in the [basic] section of "+path)
		case path != "":
			tried = append(tried, "no credentials file at "+path)
		default:
			tried = append(tried, "no home directory for ~/.huaweicloud/credentials")
		}
	}

	cfg.IAMEndpoint = o.iamEndpoint
	if cfg.IAMEndpoint == "" {
		cfg.IAMEndpoint = o.env(EnvIAMEndpoint)
	}
	if cfg.IAMEndpoint == "" {
		if cfg.IAMEndpoint, err = fileIAMEndpoint(filePath, fileIAM); err != nil {
			return Config{}, fmt.Errorf("hcloudlogs: %w", err)
		}
	}
	allow, err := o.allowInsecureHTTP()
	if err != nil {
		return Config{}, err
	}
	cfg.AllowInsecureHTTP = allow
	if cfg.ResolveEndpoints, err = o.endpointResolver(); err != nil {
		return Config{}, fmt.Errorf("hcloudlogs: %w", err)
	}
	if regionOK {
		listed := false
		for _, svc := range hcloud.Services() {
			eps, err := cfg.ResolveEndpoints(svc, cfg.Region)
			if err != nil {
				return Config{}, fmt.Errorf("hcloudlogs: %w", err)
			}
			listed = listed || len(eps) > 0
		}
		if !listed && !regions.Known(cfg.Region) {
			missing.add(fmt.Errorf("region: %s: %s; for a region newer than this library, set the endpoint of each service you use: "+
				"%s{CSS,HSS,DWS,CLOUDDC}_%s, the regions file, or Config.ServiceEndpoints",
				regionSource, unknownRegion(cfg.Region), EnvEndpointPrefix, strings.ToUpper(strings.ReplaceAll(cfg.Region, "-", "_"))))
		}
	}

	if haveCreds {
		cfg.Credentials = creds
		return configOrError(cfg, missing.err())
	}
	var now func() time.Time
	if o.clock != nil {
		now = o.clock.Now
	}
	md := credentials.NewMetadata(o.metadataEndpoint, o.httpClient, now)
	if _, err := md.Retrieve(ctx); err != nil {
		mdEndpoint := o.metadataEndpoint
		if mdEndpoint == "" {
			mdEndpoint = DefaultMetadataEndpoint
		}
		file := "~/.huaweicloud/credentials"
		if p := o.homeFile("credentials"); p != "" {
			file = p
		}
		tried = append(tried, fmt.Sprintf("the instance metadata service at %s (for a server with an agency) failed: %v", mdEndpoint, err))
		missing.add(fmt.Errorf("credentials: none found; set %s and %s (%s too for temporary keys), "+
			"or ak and sk in the [basic] section of %s (or of the file %s names), or pass config.WithCredentials; tried: %s (%w, %w)",
			EnvAccessKey, EnvSecretKey, EnvSecurityToken, file, EnvCredentialsFile, strings.Join(tried, "; "), signer.ErrInvalidCredentials, err))
	}
	cfg.CredentialsProvider = md
	return configOrError(cfg, missing.err())
}

// configOrError returns cfg, or the zero Config and err when err is not nil.
func configOrError(cfg Config, err error) (Config, error) {
	if err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// loadError lists every setting LoadConfig found missing or wrong, so that one run
// says everything there is to fix.
type loadError struct{ problems []error }

func (e *loadError) add(err error) { e.problems = append(e.problems, err) }

// err returns e, or nil without problems.
func (e *loadError) err() error {
	if len(e.problems) == 0 {
		return nil
	}
	return e
}

func (e *loadError) Error() string {
	if len(e.problems) == 1 {
		return "hcloudlogs: " + e.problems[0].Error()
	}
	var b strings.Builder
	b.WriteString("hcloudlogs: the configuration is incomplete:")
	for _, p := range e.problems {
		b.WriteString("\n  - ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns the problems, for errors.Is and errors.As.
func (e *loadError) Unwrap() []error { return e.problems }

// allowInsecureHTTP is the option, else HUAWEICLOUD_SDK_ALLOW_INSECURE_HTTP.
func (o *loadOptions) allowInsecureHTTP() (bool, error) {
	if o.allowInsecure {
		return true, nil
	}
	switch v := strings.ToLower(o.env(EnvAllowInsecureHTTP)); v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, fmt.Errorf("hcloudlogs: %s=%q: want true or false", EnvAllowInsecureHTTP, v)
	}
}

// env returns the trimmed value of the variable key.
func (o *loadOptions) env(key string) string {
	v, _ := o.lookupEnv(key)
	return strings.TrimSpace(v)
}

// explicitOrEnvCredentials returns the credentials of tiers 1 and 2.
func (o *loadOptions) explicitOrEnvCredentials() (signer.Credentials, bool, error) {
	if o.credentials != nil {
		if err := o.credentials.Validate(); err != nil {
			return signer.Credentials{}, false, fmt.Errorf("hcloudlogs: WithCredentials: %w", err)
		}
		return *o.credentials, true, nil
	}
	ak, sk, tok := o.env(EnvAccessKey), o.env(EnvSecretKey), o.env(EnvSecurityToken)
	if ak != "" && sk != "" {
		return signer.Credentials{AccessKey: ak, SecretKey: sk, SecurityToken: tok}, true, nil
	}
	fak, fsk := o.env(EnvFallbackAccessKey), o.env(EnvFallbackSecretKey)
	if fak != "" && fsk != "" {
		return signer.Credentials{AccessKey: fak, SecretKey: fsk}, true, nil
	}
	for _, pair := range [][2]struct{ name, value string }{
		{{EnvAccessKey, ak}, {EnvSecretKey, sk}},
		{{EnvFallbackAccessKey, fak}, {EnvFallbackSecretKey, fsk}},
	} {
		set, unset := pair[0], pair[1]
		if set.value == "" {
			set, unset = unset, set
		}
		if set.value != "" {
			return signer.Credentials{}, false, fmt.Errorf("hcloudlogs: %s is set but %s is not; set both (%w)",
				set.name, unset.name, signer.ErrInvalidCredentials)
		}
	}
	if tok != "" {
		return signer.Credentials{}, false, fmt.Errorf("hcloudlogs: %s is set but %s and %s are not (%w)",
			EnvSecurityToken, EnvAccessKey, EnvSecretKey, signer.ErrInvalidCredentials)
	}
	return signer.Credentials{}, false, nil
}

// homeFile returns ~/.huaweicloud/name, or "" without a home directory.
func (o *loadOptions) homeFile(name string) string {
	home := ""
	if o.home != nil {
		home = *o.home
	} else if h, err := os.UserHomeDir(); err == nil {
		home = h
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".huaweicloud", name)
}

// filePath returns the file to read: the option, else the variable (both required to
// exist), else the default under the home directory (skipped when missing).
func (o *loadOptions) filePath(option, envName, name string) (path string, required bool) {
	if option != "" {
		return option, true
	}
	if p := o.env(envName); p != "" {
		return p, true
	}
	return o.homeFile(name), false
}

// credentialsFromFile reads tier 3: the file at path, when found. path is "" without
// a home directory.
func (o *loadOptions) credentialsFromFile() (fc credentials.FileCredentials, path string, found bool, err error) {
	path, required := o.filePath(o.credentialsFile, EnvCredentialsFile, "credentials")
	if path == "" {
		return fc, "", false, nil
	}
	fc, err = credentials.ReadFile(path)
	if err != nil {
		if !required && errors.Is(err, fs.ErrNotExist) {
			return fc, path, false, nil
		}
		return fc, path, false, err
	}
	return fc, path, true, nil
}

// endpointResolver reads the regions file once and returns the resolver of
// Config.ResolveEndpoints: per service and region, the environment first, then the
// regions file. Every endpoint of the file is checked here, so a malformed one fails
// loading; a variable is read when a client is built.
func (o *loadOptions) endpointResolver() (func(service, region string) ([]string, error), error) {
	path, required := o.filePath(o.regionsFile, EnvRegionsFile, "regions.yaml")
	var file *regions.File
	if path != "" {
		f, err := regions.ReadFile(path)
		switch {
		case err == nil:
			file = f
		case required || !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
	}
	type key struct{ service, region string }
	table := map[key][]string{}
	for _, svc := range hcloud.Services() {
		wire := wireServiceName(svc)
		for _, region := range file.Regions(wire) {
			list, err := normalizeEndpoints(fmt.Sprintf("regions file %s, %s %s", path, strings.ToUpper(wire), region), file.Endpoints(wire, region))
			if err != nil {
				return nil, err
			}
			if len(list) > 0 {
				table[key{svc, region}] = list
			}
		}
	}
	env := o.lookupEnv
	resolve := func(service, region string) ([]string, error) {
		name := EndpointEnvName(service, region)
		if v, ok := env(name); ok && strings.TrimSpace(v) != "" {
			return normalizeEndpoints(name, strings.Split(v, ","))
		}
		return table[key{service, region}], nil
	}
	return resolve, nil
}

// wireServiceName is the official SDK's name of a service in variables, regions.yaml
// and host names: CLOUDDC for ServiceBareMetal.
func wireServiceName(service string) string {
	if service == ServiceBareMetal {
		return "clouddc"
	}
	return service
}

// normalizeEndpoints trims the endpoints, drops empty ones, gives https:// to those
// without a scheme and checks that each is an absolute URL.
func normalizeEndpoints(source string, list []string) ([]string, error) {
	var out []string
	for _, e := range list {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if !strings.Contains(e, "://") {
			e = "https://" + e
		}
		if u, err := url.Parse(e); err != nil || u.Hostname() == "" {
			return nil, fmt.Errorf("%s: endpoint %q is not a URL", source, e)
		}
		out = append(out, strings.TrimRight(e, "/"))
	}
	return out, nil
}

// fileIAMEndpoint checks value, the iam_endpoint of the credentials file at path, and
// gives it https:// when it has no scheme; "" stays "".
func fileIAMEndpoint(path, value string) (string, error) {
	eps, err := normalizeEndpoints("credentials file "+path+", [basic] iam_endpoint", []string{value})
	if err != nil || len(eps) == 0 {
		return "", err
	}
	return eps[0], nil
}
