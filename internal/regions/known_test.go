package regions

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKnownCoversWhatTheLibraryKnows(t *testing.T) {
	t.Parallel()
	// The IAM table, and the regions of the endpoint exceptions (CSS es. hosts, .eu
	// and .cn domains of HSS and DWS).
	for r := range iamRegions {
		assert.True(t, Known(r), r)
	}
	for _, r := range []string{"cn-north-1", "cn-east-2", "eu-west-101", "cn-south-4", "cn-north-12", "cn-east-4", "tr-west-1", "ap-southeast-4"} {
		assert.True(t, Known(r), r)
	}
	// One region of each official SDK list that no other list has.
	for _, r := range []string{"af-north-1", "cn-north-11", "cn-southwest-3", "eu-west-0"} {
		assert.True(t, Known(r), r)
	}
	assert.True(t, Known("AP-Southeast-1"), "matched case-insensitively")
	for _, r := range []string{"", "ap-southeast1", "mars-north-1", "ap-southeast-1 ", "cn-north-7"} {
		assert.False(t, Known(r), r)
	}
	all := All()
	assert.True(t, slices.IsSorted(all))
	assert.Len(t, all, len(serviceOnly)+len(iamRegions))
	assert.Len(t, slices.Compact(slices.Clone(all)), len(all), "the two lists do not overlap")
	all[0] = "changed"
	assert.NotEqual(t, "changed", All()[0], "All returns a copy")
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"ap-southeast1", []string{"ap-southeast-1"}},
		{"ap-southeast-01", []string{"ap-southeast-1"}},
		{"AP-SOUTHEAST1", []string{"ap-southeast-1"}},
		{"cn-nort-4", []string{"cn-north-4"}},
		{"eu-west-1", []string{"eu-west-0"}},
		{"ap-south-1", []string{"af-south-1"}},
		{"my-kuala-1", []string{"my-kualalumpur-1"}},
		{"apsoutheast1", []string{"ap-southeast-1"}},
		{"ap-southeast", []string{"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4"}},
		{"mars-north-1", nil},
		{"x", nil},
		{"", nil},
		{"ap-southeast-1", nil},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, Suggest(tc.in))
		})
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"kitten", "sitting", 3},
		{"ap-southeast1", "ap-southeast-1", 1},
	} {
		require.Equal(t, tc.want, distance(tc.a, tc.b), "%s/%s", tc.a, tc.b)
		require.Equal(t, tc.want, distance(tc.b, tc.a), "%s/%s", tc.b, tc.a)
	}
}
