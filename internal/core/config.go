// Package core is the request pipeline shared by every service client: endpoint
// resolution, request building, signing, retries, response decoding and errors. The
// types users see are defined in package hcloud; core aliases them.
package core

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
	"github.com/hcloudlogs/hcloudlogs-go/internal/regions"
	"github.com/hcloudlogs/hcloudlogs-go/signer"
)

// The configuration vocabulary, defined in package hcloud.
type (
	Config              = hcloud.Config
	CredentialsProvider = hcloud.CredentialsProvider
	Clock               = hcloud.Clock
)

// Service IDs, as package hcloud defines them.
const (
	ServiceCSS       = hcloud.ServiceCSS
	ServiceHSS       = hcloud.ServiceHSS
	ServiceDWS       = hcloud.ServiceDWS
	ServiceBareMetal = hcloud.ServiceBareMetal
)

// ClockOf returns cfg's clock, or the real clock when none is set.
func ClockOf(cfg *Config) Clock {
	if cfg.Clock != nil {
		return cfg.Clock
	}
	return hcloud.RealClock()
}

// validateConfig reports the first problem with cfg for service svc and returns the
// service's endpoints, in order of preference.
func validateConfig(cfg *Config, svc string) ([]string, error) {
	listed, err := cfg.EndpointsFor(svc)
	if err != nil {
		return nil, fmt.Errorf("%s: config: %w", svc, err)
	}
	if err := checkRegion(svc, cfg.Region, len(listed) > 0); err != nil {
		return nil, fmt.Errorf("%s: config: %w", svc, err)
	}
	endpoints := make([]string, 0, max(len(listed), 1))
	field := fmt.Sprintf("ServiceEndpoints[%q]", svc)
	if len(listed) == 0 {
		endpoints = append(endpoints, Endpoint(svc, cfg.Region))
		field = "Region"
	}
	for i, e := range listed {
		e, err := checkEndpoint(cfg, fmt.Sprintf("%s[%d]", field, i), e)
		if err != nil {
			return nil, fmt.Errorf("%s: config: %w", svc, err)
		}
		endpoints = append(endpoints, e)
	}
	if cfg.ProjectID == "" {
		if cfg.Region == "" {
			return nil, fmt.Errorf("%s: config: ProjectID is required (or set Region to look it up through IAM)", svc)
		}
		if _, err := checkEndpoint(cfg, "IAMEndpoint", iamEndpoint(cfg)); err != nil {
			return nil, fmt.Errorf("%s: config: %w", svc, err)
		}
	}
	if strings.ContainsAny(cfg.ProjectID, "/?#% \t\r\n") {
		return nil, fmt.Errorf("%s: config: ProjectID %q contains a character not allowed in a project ID", svc, cfg.ProjectID)
	}
	if cfg.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("%s: config: MaxResponseBytes %d must not be negative", svc, cfg.MaxResponseBytes)
	}
	if err := cfg.Retry.Validate(); err != nil {
		return nil, fmt.Errorf("%s: config: %w", svc, err)
	}
	if err := validateAuth(cfg); err != nil {
		return nil, fmt.Errorf("%s: config: %w", svc, err)
	}
	return endpoints, nil
}

// checkRegion checks region for service svc: it may be empty, or a region the
// library does not know, only when the service has listed endpoints; it must be a
// well-formed region ID in any case.
func checkRegion(svc, region string, listed bool) error {
	if region == "" {
		if listed {
			return nil
		}
		return errors.New("set Region (e.g. ap-southeast-1), or the service's endpoint in ServiceEndpoints")
	}
	if err := checkRegionSyntax(region); err != nil {
		return err
	}
	if listed || regions.Known(region) {
		return nil
	}
	return fmt.Errorf("%s; for a region newer than this library, list the service's endpoint in ServiceEndpoints[%q]",
		unknownRegion(region), svc)
}

// checkRegionSyntax checks that region has only the characters of a region ID.
func checkRegionSyntax(region string) error {
	for _, r := range region {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("invalid Region %q: a region ID has only lower-case letters, digits and '-', e.g. ap-southeast-1", region)
		}
	}
	return nil
}

// unknownRegion says that region is unknown, with the close matches or, without any,
// the known regions.
func unknownRegion(region string) string {
	if close := regions.Suggest(region); len(close) > 0 {
		return fmt.Sprintf("unknown Region %q (did you mean %s?)", region, orList(close))
	}
	return fmt.Sprintf("unknown Region %q (known regions: %s)", region, strings.Join(regions.All(), ", "))
}

// orList joins items as "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// checkEndpoint checks that value, the config field named field, is an absolute https
// URL (or http with AllowInsecureHTTP) without user info, query or fragment, giving
// https:// to a value without a scheme. It returns the endpoint without a trailing '/'.
func checkEndpoint(cfg *Config, field, value string) (string, error) {
	if !strings.Contains(value, "://") {
		value = "https://" + value
	}
	u, err := url.Parse(value)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%s %q is not an absolute URL", field, value)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && cfg.AllowInsecureHTTP:
	case u.Scheme == "http":
		return "", fmt.Errorf("%s %q uses http; to allow it, set Config.AllowInsecureHTTP, "+
			"or pass config.WithAllowInsecureHTTP() to config.Load, or set %s=true", field, value, EnvAllowInsecureHTTP)
	default:
		return "", fmt.Errorf("%s %q must use https", field, value)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%s %q must not carry user info, a query or a fragment", field, value)
	}
	return strings.TrimRight(value, "/"), nil
}

// iamEndpoint is cfg.IAMEndpoint or the regional IAM endpoint.
func iamEndpoint(cfg *Config) string {
	if cfg.IAMEndpoint != "" {
		return cfg.IAMEndpoint
	}
	return regions.IAMEndpoint(cfg.Region)
}

// validateAuth checks that exactly one way to authenticate is configured.
func validateAuth(cfg *Config) error {
	hasKeys := cfg.Credentials != (signer.Credentials{})
	n := 0
	for _, set := range []bool{hasKeys, cfg.CredentialsProvider != nil, cfg.AuthToken != "", cfg.AuthTokenProvider != nil} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return errors.New("no credentials: set Credentials (AK/SK), CredentialsProvider, AuthToken or AuthTokenProvider")
	case n > 1:
		return errors.New("set exactly one of Credentials, CredentialsProvider, AuthToken and AuthTokenProvider")
	case hasKeys:
		return cfg.Credentials.Validate()
	}
	return nil
}
