package hcloud

import (
	"fmt"
	"sort"
	"strings"
)

// Service IDs: the keys of Config.ServiceEndpoints and the prefix of every error a
// client returns ("css: ListLogBackups: ...").
const (
	// ServiceCSS is Cloud Search Service (package css).
	ServiceCSS = "css"
	// ServiceHSS is Host Security Service (package hss).
	ServiceHSS = "hss"
	// ServiceDWS is Data Warehouse Service (package dws).
	ServiceDWS = "dws"
	// ServiceBareMetal is the log export API of CloudDC physical servers (package
	// baremetal). The official SDK, its environment variables
	// (HUAWEICLOUD_SDK_REGION_CLOUDDC_{REGION}) and its regions.yaml name this service
	// CLOUDDC, and its endpoints are https://clouddc.{region}.myhuaweicloud.com; those
	// spellings are kept where the SDK uses them.
	ServiceBareMetal = "baremetal"
)

// Services lists the service IDs, in the order of the constants above.
func Services() []string {
	return []string{ServiceCSS, ServiceHSS, ServiceDWS, ServiceBareMetal}
}

// CanonicalService returns the service ID that name denotes, matching case-insensitively
// and accepting CLOUDDC (the official SDK's name) for ServiceBareMetal; ok is false for
// an unknown name.
func CanonicalService(name string) (id string, ok bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "clouddc" {
		return ServiceBareMetal, true
	}
	for _, s := range Services() {
		if n == s {
			return s, true
		}
	}
	return "", false
}

// serviceEndpoints returns the endpoints of service svc listed in m (keys matched as
// CanonicalService does), or an error naming an unknown key.
func serviceEndpoints(m map[string][]string, svc string) ([]string, error) {
	var unknown, keys []string
	var out []string
	for k, v := range m {
		id, ok := CanonicalService(k)
		switch {
		case !ok:
			unknown = append(unknown, fmt.Sprintf("%q", k))
		case id == svc:
			keys = append(keys, fmt.Sprintf("%q", k))
			out = v
		}
	}
	if len(keys) > 1 {
		sort.Strings(keys)
		return nil, fmt.Errorf("ServiceEndpoints: keys %s all name service %s; keep one", strings.Join(keys, " and "), svc)
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("ServiceEndpoints: unknown service %s (known: %s)",
			strings.Join(unknown, ", "), strings.Join(Services(), ", "))
	}
	return out, nil
}
