package regions

import (
	"slices"
	"strings"
)

// serviceOnly are the known region IDs that the IAM endpoint table (iamRegions) lacks.
// The regions the library knows are both lists: the union of the region lists of the
// official Huawei Cloud SDK (huaweicloud-sdk-go-v3, and the Python SDK where it is
// newer) for CSS (services/css/v1/region), HSS (services/hss/v5/region), DWS
// (services/dws/v2/region) and CloudDC (services/clouddc/v1/region), and of its IAM
// endpoint table. A region missing from one service's list is still known: the
// endpoint derived from it may well exist.
var serviceOnly = map[string]bool{
	"af-north-1":     true,
	"cn-north-11":    true,
	"cn-north-12":    true,
	"cn-south-4":     true,
	"cn-southwest-3": true,
	"eu-west-101":    true,
}

// Known reports whether region (matched case-insensitively) is a region ID the
// library knows.
func Known(region string) bool {
	region = strings.ToLower(region)
	return serviceOnly[region] || iamRegions[region]
}

// All returns the known region IDs, sorted.
func All() []string {
	out := make([]string, 0, len(serviceOnly)+len(iamRegions))
	for r := range serviceOnly {
		out = append(out, r)
	}
	for r := range iamRegions {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

// maxSuggestDistance is the largest edit distance at which a known region is offered
// as a correction: 3 would offer af-north-1 for "mars-north-1".
const maxSuggestDistance = 2

// Suggest returns the known regions that region (an unknown one) probably means,
// sorted: those at the smallest edit distance, when it is at most 2
// ("ap-southeast1" gives ap-southeast-1); when none is that close, those whose name
// goes on where region's name (without its number) stops ("my-kuala-1" gives
// my-kualalumpur-1). Nil when none is close, or when region is known.
func Suggest(region string) []string {
	region = strings.ToLower(region)
	if region == "" || Known(region) {
		return nil
	}
	all := All()
	var best []string
	bestDist := maxSuggestDistance + 1
	for _, r := range all {
		switch d := distance(region, r); {
		case d < bestDist:
			best, bestDist = []string{r}, d
		case d == bestDist && d <= maxSuggestDistance:
			best = append(best, r)
		}
	}
	// The name without its number, "my-kuala" of "my-kuala-1", cut short: a known
	// region whose name goes on where it stops ("my-kualalumpur-1") is a candidate.
	stem := strings.TrimSuffix(strings.TrimRight(region, "0123456789"), "-")
	if best != nil || len(stem) < 4 {
		return best
	}
	for _, r := range all {
		if len(r) > len(stem) && strings.HasPrefix(r, stem) && r[len(stem)] != '-' {
			best = append(best, r)
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, counted in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
