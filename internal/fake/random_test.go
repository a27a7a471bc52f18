package fake

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNewID(t *testing.T) {
	t.Parallel()
	uuid4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		assert.Regexp(t, uuid4, id)
		assert.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
}

func TestNewHex(t *testing.T) {
	t.Parallel()
	for _, n := range []int{-1, 0, 1, 2, 7, 32, 33} {
		s := NewHex(n)
		assert.Len(t, s, max(n, 0))
		assert.Regexp(t, `^[0-9a-f]*$`, s)
	}
	assert.NotEqual(t, NewHex(32), NewHex(32))
}

func TestRandomString(t *testing.T) {
	t.Parallel()
	s := randomString(10000, upperAlnum)
	assert.Len(t, s, 10000)
	counts := map[rune]int{}
	for _, c := range s {
		counts[c]++
	}
	assert.Len(t, counts, len(upperAlnum), "every character of the alphabet shows up")
	assert.Regexp(t, `^[A-Z0-9]*$`, s)
}
