package hcloudtest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hcloudlogs/hcloudlogs-go/hcloudtest"
)

func TestResetModeString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m    hcloudtest.ResetMode
		want string
	}{
		{hcloudtest.NoReset, "NoReset"},
		{hcloudtest.ResetBeforeHeaders, "ResetBeforeHeaders"},
		{hcloudtest.ResetMidBody, "ResetMidBody"},
		{hcloudtest.ResetMode(-1), "ResetMode(-1)"},
		{hcloudtest.ResetMode(7), "ResetMode(7)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.m.String())
		})
	}
}
