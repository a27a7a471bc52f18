package hcloud

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidID(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"4213d908-f5dc-4633-8401-cfd7175fca0c", "C882E0-C4C1-4E89-B99A-F632", "2c9080df7c171342017c5e0884f8011c", "1", strings.Repeat("f", MaxIDLength)} {
		assert.True(t, ValidID(id), id)
	}
	for _, id := range []string{"", "nope", " 4213d908", "4213d908 ", "-1", "1-", "1--2", "a/b", "..", strings.Repeat("f", MaxIDLength+1)} {
		assert.False(t, ValidID(id), id)
	}
}
