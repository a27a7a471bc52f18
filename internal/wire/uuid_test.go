package wire

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

const uuidSample = "a07cb2f7-b17e-4d95-923b-a33d0c884d37"

func TestIsUUID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want bool
	}{
		{uuidSample, true},
		{strings.ToUpper(uuidSample), true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"", false},
		{uuidSample[:35], false},
		{uuidSample + "0", false},
		{"a07cb2f7_b17e_4d95_923b_a33d0c884d37", false},
		{"a07cb2f7-b17e-4d95-923b-a33d0c884d3z", false},
		{"{07cb2f7-b17e-4d95-923b-a33d0c884d3}", false},
		{"a07cb2f7-b17e-4d95-923b-a33d0c884d3\u00e9"[:36], false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, IsUUID(tt.id), "%q", tt.id)
	}
}
