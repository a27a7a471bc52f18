package core

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOpID(t *testing.T) {
	t.Parallel()
	op := Op{Service: "css", Name: "ListLogBackups"}
	for _, ok := range []string{
		"4213d908-f5dc-4633-8401-cfd7175fca0c", // a CSS cluster ID (API.md)
		"A07CB2F7-B17E-4D95-923B-A33D0C884D37", // upper case
		"c882e0-c4c1-4e89-b99a-f632",           // the HSS host ID of the API's example
		"2c9080df7c171342017c5e0884f8011c",     // 32 digits, no hyphen
		strings.Repeat("a", 64),
	} {
		assert.NoError(t, op.ID("ClusterID", ok), ok)
	}
	const shape = ` is not an ID: want hexadecimal digits in groups separated by '-', at most 64 characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c`
	for _, bad := range []string{
		"nope", " 4213d908-f5dc-4633-8401-cfd7175fca0c", "4213d908-f5dc-4633-8401-cfd7175fca0c ", "srv-1",
		"-4213d908", "4213d908-", "4213d908--f5dc", "..", "a/b", "4213d908-f5dc-4633-8401-cfd7175fca0c/x",
		strings.Repeat("a", 65), "é",
	} {
		err := op.ID("ClusterID", bad)
		assert.ErrorIs(t, err, ErrInvalidRequest, bad)
		assert.ErrorContains(t, err, "css: ListLogBackups: ClusterID ", bad)
		assert.ErrorContains(t, err, shape, bad)
	}
	assert.EqualError(t, op.ID("ClusterID", "nope"), `css: ListLogBackups: ClusterID "nope"`+shape)
	assert.EqualError(t, op.ID("ClusterID", ""), "css: ListLogBackups: ClusterID is required")
	assert.EqualError(t, op.ID("ClusterID", "  "), "css: ListLogBackups: ClusterID is required")
	assert.EqualError(t, op.NilRequest(), "css: ListLogBackups: request is nil")
}
