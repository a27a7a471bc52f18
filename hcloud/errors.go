package hcloud

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// Sentinel errors matched by errors.Is against an *APIError's status code.
var (
	// ErrUnauthorized matches an APIError with status 401.
	ErrUnauthorized = errors.New("unauthorized (401)")
	// ErrForbidden matches an APIError with status 403.
	ErrForbidden = errors.New("forbidden (403)")
	// ErrNotFound matches an APIError with status 404.
	ErrNotFound = errors.New("not found (404)")
	// ErrConflict matches an APIError with status 409.
	ErrConflict = errors.New("conflict (409)")
	// ErrPreconditionFailed matches an APIError with status 412.
	ErrPreconditionFailed = errors.New("precondition failed (412)")
	// ErrThrottled matches an APIError with status 429.
	ErrThrottled = errors.New("throttled (429)")
)

// ErrInvalidRequest is matched by errors.Is for every request rejected by validation
// before it was sent.
var ErrInvalidRequest = errors.New("invalid request")

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
	// BudgetExhausted reports that the reply would have been retried but the retry
	// budget was empty; errors.Is(err, ErrRetryBudgetExhausted) matches it.
	BudgetExhausted bool
}

// Error reads like "css: ListLogBackups: 409 CSS.0001: cluster busy (request id abc, 3 attempts)",
// with ", retry budget exhausted" inside the parentheses when BudgetExhausted is set.
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
	if e.BudgetExhausted {
		extra = append(extra, ErrRetryBudgetExhausted.Error())
	}
	if len(extra) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(extra, ", "))
		b.WriteByte(')')
	}
	return b.String()
}

// Is matches the status sentinels (ErrNotFound, ErrThrottled, ...), and
// ErrRetryBudgetExhausted when BudgetExhausted is set.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrRetryBudgetExhausted:
		return e.BudgetExhausted
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
	// BudgetExhausted reports that the failure would have been retried but the retry
	// budget was empty; errors.Is(err, ErrRetryBudgetExhausted) matches it.
	BudgetExhausted bool
}

// Error names the operation, the cause and the attempts, and says when the retry
// budget was exhausted.
func (e *RequestError) Error() string {
	s := e.Service + ": " + e.Operation + ": " + e.Err.Error()
	var extra []string
	if e.RequestID != "" {
		extra = append(extra, "request id "+e.RequestID)
	}
	if e.Attempts > 1 {
		extra = append(extra, "after "+strconv.Itoa(e.Attempts)+" attempts")
	}
	if e.BudgetExhausted {
		extra = append(extra, ErrRetryBudgetExhausted.Error())
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

// Unwrap returns the cause, so errors.Is(err, context.DeadlineExceeded) works.
func (e *RequestError) Unwrap() error { return e.Err }

// Is matches ErrRetryBudgetExhausted when BudgetExhausted is set.
func (e *RequestError) Is(target error) bool {
	return target == ErrRetryBudgetExhausted && e.BudgetExhausted
}

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

// ErrPaginationStalled is wrapped by the error an iterator yields when the service
// answers the same page again whatever position is asked for: continuing would loop
// forever.
var ErrPaginationStalled = errors.New("pagination stalled: the service returned the same page again")
