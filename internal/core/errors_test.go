package core

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseErrorBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ body, code, msg string }{
		{`{"error_code":"APIG.0301","error_msg":"bad sig"}`, "APIG.0301", "bad sig"},
		{`{"code":"CSS.0001","message":"busy"}`, "CSS.0001", "busy"},
		{`{"error_code":"","error_msg":"x","code":"C","message":"m"}`, "C", "m"},
		{`{"error":{"code":"E.1","message":"nested"}}`, "E.1", "nested"},
		{`{"a":{"error_code":"A.1","error_msg":"first"},"b":{"code":"B.1","message":"second"}}`, "A.1", "first"},
		{`{"errCode":"CSS.0001","externalMessage":"busy"}`, "", `{"errCode":"CSS.0001","externalMessage":"busy"}`},
		{`{"error_code":401,"error_msg":"numeric code ignored"}`, "", `{"error_code":401,"error_msg":"numeric code ignored"}`},
		{"Too Many Requests\n", "", "Too Many Requests"},
		{``, "", ""},
	} {
		code, msg := ParseErrorBody([]byte(tc.body))
		assert.Equal(t, tc.code, code, tc.body)
		assert.Equal(t, tc.msg, msg, tc.body)
	}
}

func TestAPIErrorIs(t *testing.T) {
	t.Parallel()
	sentinels := map[int]error{401: ErrUnauthorized, 403: ErrForbidden, 404: ErrNotFound, 409: ErrConflict, 412: ErrPreconditionFailed, 429: ErrThrottled}
	for status, want := range sentinels {
		err := fmt.Errorf("wrapped: %w", &APIError{StatusCode: status})
		for _, other := range sentinels {
			assert.Equal(t, other == want, errors.Is(err, other), "status %d vs %v", status, other)
		}
	}
	assert.EqualError(t, &APIError{Service: "dws", Operation: "ListAuditLogRecords", StatusCode: 404}, "dws: ListAuditLogRecords: 404: Not Found")
}

func TestValidationError(t *testing.T) {
	t.Parallel()
	op := Op{Service: "css", Name: "ListLogBackups"}
	err := op.Range("Limit", 1001, 1, 1000)
	assert.EqualError(t, err, "css: ListLogBackups: Limit 1001 out of range 1..1000")
	assert.ErrorIs(t, err, ErrInvalidRequest)
	assert.NoError(t, op.Range("Limit", 1000, 1, 1000))
	assert.EqualError(t, op.Min("Offset", 0, 1), "css: ListLogBackups: Offset 0 must be at least 1")
	assert.EqualError(t, op.Required("ClusterID", " "), "css: ListLogBackups: ClusterID is required")
	assert.EqualError(t, op.OneOf("Status", "ALL", "FAIL", "NOT_FAIL"), `css: ListLogBackups: Status "ALL" is not one of FAIL, NOT_FAIL`)
	assert.NoError(t, op.OneOf("Status", "", "FAIL"))
}

func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{`{"error_code":"a","error_msg":"b"}`, `{"x":{"code":"c","message":"m"}}`, `plain`, `[]`, `{"a":[{"code":1}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		code, msg := ParseErrorBody(b)
		if code != "" && msg == "" {
			t.Fatalf("code %q without message", code)
		}
	})
}
