package regions

import "strings"

// DefaultIAMEndpoint is the global IAM endpoint, for the regions without one of their
// own.
const DefaultIAMEndpoint = "https://iam.myhuaweicloud.com"

// iamRegions are the regions with a regional IAM endpoint,
// https://iam.{region}.myhuaweicloud.com: the list the official Huawei Cloud Go SDK
// (huaweicloud-sdk-go-v3, core/auth/internal/iam_endpoint.go) uses to look up a
// project ID.
var iamRegions = map[string]bool{
	"af-south-1":       true,
	"ae-ad-1":          true,
	"ap-southeast-1":   true,
	"ap-southeast-2":   true,
	"ap-southeast-3":   true,
	"ap-southeast-4":   true,
	"cn-east-2":        true,
	"cn-east-3":        true,
	"cn-east-4":        true,
	"cn-east-5":        true,
	"cn-north-1":       true,
	"cn-north-2":       true,
	"cn-north-4":       true,
	"cn-north-9":       true,
	"cn-south-1":       true,
	"cn-south-2":       true,
	"cn-southwest-2":   true,
	"eu-west-0":        true,
	"la-north-2":       true,
	"la-south-2":       true,
	"me-east-1":        true,
	"my-kualalumpur-1": true,
	"na-mexico-1":      true,
	"ru-moscow-1":      true,
	"sa-brazil-1":      true,
	"tr-west-1":        true,
}

// IAMEndpoint returns the IAM endpoint the official SDK picks for region (matched
// case-insensitively): https://iam.{region}.myhuaweicloud.com for the regions that
// have one, DefaultIAMEndpoint for every other region.
func IAMEndpoint(region string) string {
	region = strings.ToLower(region)
	if iamRegions[region] {
		return "https://iam." + region + ".myhuaweicloud.com"
	}
	return DefaultIAMEndpoint
}
