package core

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	json "github.com/go-json-experiment/json/v1"
)

// Sentinel errors matched by errors.Is against an *APIError's status code.
var (
	ErrUnauthorized       = errors.New("unauthorized (401)")
	ErrForbidden          = errors.New("forbidden (403)")
	ErrNotFound           = errors.New("not found (404)")
	ErrConflict           = errors.New("conflict (409)")
	ErrPreconditionFailed = errors.New("precondition failed (412)")
	ErrThrottled          = errors.New("throttled (429)")
)

// ErrInvalidRequest is matched by errors.Is for every request rejected by validation
// before it was sent.
var ErrInvalidRequest = errors.New("invalid request")

// errorBodyLimit is how much of an error body APIError keeps.
const errorBodyLimit = 4 << 10

// APIError is a non-2xx reply of the service, after any retries.
type APIError struct {
	// Service is the client's service, e.g. "css".
	Service string
	// Operation is the operation name, e.g. "ListLogBackups".
	Operation string
	// StatusCode is the HTTP status of the last reply.
	StatusCode int
	// Code is the service's error code, e.g. "CSS.0001" or "APIG.0301"; empty when the
	// body carried none.
	Code string
	// Message is the service's error message, or the raw body when it carried none.
	Message string
	// RequestID is the X-Request-Id header of the last reply, for support tickets.
	RequestID string
	// Attempts is how many requests were sent, retries included.
	Attempts int
	// Body is the start (at most 4 KiB) of the last reply's body.
	Body []byte
}

// Error reads like "css: ListLogBackups: 409 CSS.0001: cluster busy (request id abc, 3 attempts)".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Service)
	b.WriteString(": ")
	b.WriteString(e.Operation)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteByte(' ')
		b.WriteString(e.Code)
	}
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	var extra []string
	if e.RequestID != "" {
		extra = append(extra, "request id "+e.RequestID)
	}
	switch {
	case e.Attempts == 1:
		extra = append(extra, "1 attempt")
	case e.Attempts > 1:
		extra = append(extra, strconv.Itoa(e.Attempts)+" attempts")
	}
	if len(extra) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(extra, ", "))
		b.WriteByte(')')
	}
	return b.String()
}

// Is matches the status sentinels (ErrNotFound, ErrThrottled, ...).
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrPreconditionFailed:
		return e.StatusCode == http.StatusPreconditionFailed
	case ErrThrottled:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

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

// RequestError is a call that got no usable reply: a transport failure after any
// retries, a cancelled context, or a response that could not be decoded.
type RequestError struct {
	// Service is the client's service, e.g. "css".
	Service string
	// Operation is the operation name, e.g. "ListLogBackups".
	Operation string
	// Attempts is how many requests were sent; 0 when none could be.
	Attempts int
	// StatusCode and RequestID describe the reply when there was one (decode errors).
	StatusCode int
	// RequestID is the X-Request-Id header of the reply, when there was one.
	RequestID string
	// Err is the underlying error.
	Err error
}

// Error names the operation, the cause and the attempts.
func (e *RequestError) Error() string {
	s := e.Service + ": " + e.Operation + ": " + e.Err.Error()
	var extra []string
	if e.RequestID != "" {
		extra = append(extra, "request id "+e.RequestID)
	}
	if e.Attempts > 1 {
		extra = append(extra, "after "+strconv.Itoa(e.Attempts)+" attempts")
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

// Unwrap returns the cause, so errors.Is(err, context.DeadlineExceeded) works.
func (e *RequestError) Unwrap() error { return e.Err }

// ValidationError is a request refused before anything was sent.
type ValidationError struct {
	// Service is the client's service, e.g. "css".
	Service string
	// Operation is the operation name, e.g. "ListLogBackups".
	Operation string
	// Field is the request field at fault, e.g. "Limit".
	Field string
	// Reason says what is wrong, e.g. "1001 out of range 1..1000".
	Reason string
}

// Error reads like "css: ListLogBackups: Limit 1001 out of range 1..1000".
func (e *ValidationError) Error() string {
	return e.Service + ": " + e.Operation + ": " + e.Field + " " + e.Reason
}

// Is matches ErrInvalidRequest.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidRequest }

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
