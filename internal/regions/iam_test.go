package regions

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIAMEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ region, want string }{
		{"ap-southeast-1", "https://iam.ap-southeast-1.myhuaweicloud.com"},
		{"cn-north-4", "https://iam.cn-north-4.myhuaweicloud.com"},
		{"eu-west-0", "https://iam.eu-west-0.myhuaweicloud.com"},
		{"tr-west-1", "https://iam.tr-west-1.myhuaweicloud.com"},
		{"my-kualalumpur-1", "https://iam.my-kualalumpur-1.myhuaweicloud.com"},
		{"AP-Southeast-3", "https://iam.ap-southeast-3.myhuaweicloud.com"},
		{"eu-west-101", DefaultIAMEndpoint},
		{"ap-southeast-5", DefaultIAMEndpoint},
		{"cn-north-7", DefaultIAMEndpoint},
		{"", DefaultIAMEndpoint},
	} {
		t.Run(tc.region, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, IAMEndpoint(tc.region))
		})
	}
}
