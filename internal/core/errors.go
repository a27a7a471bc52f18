package core

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"

	json "github.com/go-json-experiment/json/v1"
)

// The shared error vocabulary, defined in package hcloud.
type (
	APIError        = hcloud.APIError
	RequestError    = hcloud.RequestError
	ValidationError = hcloud.ValidationError
)

// Sentinels of package hcloud, for errors.Is.
var (
	ErrUnauthorized       = hcloud.ErrUnauthorized
	ErrForbidden          = hcloud.ErrForbidden
	ErrNotFound           = hcloud.ErrNotFound
	ErrConflict           = hcloud.ErrConflict
	ErrPreconditionFailed = hcloud.ErrPreconditionFailed
	ErrThrottled          = hcloud.ErrThrottled
	ErrInvalidRequest     = hcloud.ErrInvalidRequest
)

// errorBodyLimit is how much of an error body APIError keeps.
const errorBodyLimit = 4 << 10

// ParseErrorBody extracts the error code and message from an error reply the way the
// official SDK does: error_code/error_msg, then code/message, then the same pairs one
// level down in nested objects; otherwise the trimmed raw body is the message.
func ParseErrorBody(body []byte) (code, message string) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err == nil {
		if c, m, ok := errorPair(top); ok {
			return c, m
		}
		for _, k := range sortedKeys(top) {
			var nested map[string]json.RawMessage
			if json.Unmarshal(top[k], &nested) == nil {
				if c, m, ok := errorPair(nested); ok {
					return c, m
				}
			}
		}
	}
	return "", string(bytes.TrimSpace(body))
}

// errorPair finds a non-empty string pair error_code/error_msg or code/message.
func errorPair(obj map[string]json.RawMessage) (string, string, bool) {
	for _, names := range [2][2]string{{"error_code", "error_msg"}, {"code", "message"}} {
		c, okc := stringField(obj, names[0])
		m, okm := stringField(obj, names[1])
		if okc && okm && c != "" && m != "" {
			return c, m, true
		}
	}
	return "", "", false
}

func stringField(obj map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := obj[name]
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// sortedKeys makes the nested search deterministic.
func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Op names an operation of a service, for errors and validation.
type Op struct {
	// Service is the client's service, e.g. "css".
	Service string
	// Name is the operation name, e.g. "ListLogBackups".
	Name string
}

// Invalid returns a ValidationError for field.
func (o Op) Invalid(field, format string, args ...any) error {
	return &ValidationError{Service: o.Service, Operation: o.Name, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Required returns an error when value is empty or only spaces.
func (o Op) Required(field, value string) error {
	if strings.TrimSpace(value) == "" {
		return o.Invalid(field, "is required")
	}
	return nil
}

// NilRequest returns the error of an operation called with a nil request, the same
// sentence in every service.
func (o Op) NilRequest() error { return o.Invalid("request", "is nil") }

// ID returns an error when value, the ID of a cluster, server or host, is empty or not
// shaped as hcloud.ValidID requires. Every service checks its cluster, server and host
// IDs with it, before sending anything.
func (o Op) ID(field, value string) error {
	if strings.TrimSpace(value) == "" {
		return o.Invalid(field, "is required")
	}
	if !hcloud.ValidID(value) {
		return o.Invalid(field, "%.40q is not an ID: want hexadecimal digits in groups separated by '-', "+
			"at most %d characters, such as 4213d908-f5dc-4633-8401-cfd7175fca0c", value, hcloud.MaxIDLength)
	}
	return nil
}

// Range returns an error when v is outside lo..hi.
func (o Op) Range(field string, v, lo, hi int) error {
	if v < lo || v > hi {
		return o.Invalid(field, "%d out of range %d..%d", v, lo, hi)
	}
	return nil
}

// Min returns an error when v is below lo.
func (o Op) Min(field string, v, lo int) error {
	if v < lo {
		return o.Invalid(field, "%d must be at least %d", v, lo)
	}
	return nil
}

// OneOf returns an error when v is not empty and not one of allowed.
func (o Op) OneOf(field, v string, allowed ...string) error {
	if v == "" {
		return nil
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return o.Invalid(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
}

// Errorf wraps err as a RequestError of this operation, for failures that happen in a
// service package after a reply (a waiter's decode step, say).
func (o Op) Errorf(format string, args ...any) error {
	return &RequestError{Service: o.Service, Operation: o.Name, Err: fmt.Errorf(format, args...)}
}
