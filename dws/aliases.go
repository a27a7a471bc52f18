package dws

import "github.com/hcloudlogs/hcloudlogs-go/hcloud"

// The shared vocabulary of package hcloud, re-exported so that one value configures
// every service client and one errors.As target matches every service's errors. Each
// name is the hcloud type itself: see its documentation there.
type (
	// Config configures a Client; see hcloud.Config. One Config serves every service.
	Config = hcloud.Config
	// RetryPolicy says which failures are retried and how long to wait in between; see
	// hcloud.RetryPolicy.
	RetryPolicy = hcloud.RetryPolicy
	// Option changes one call; see hcloud.Option and its constructors (hcloud.WithRetry,
	// hcloud.WithHeader, ...).
	Option = hcloud.Option
	// ResponseMetadata is embedded in every response: request ID, status, headers.
	ResponseMetadata = hcloud.ResponseMetadata
	// Clock tells time and waits; see hcloud.Clock.
	Clock = hcloud.Clock
	// CredentialsProvider supplies credentials per request; see hcloud.CredentialsProvider.
	CredentialsProvider = hcloud.CredentialsProvider
	// APIError is a non-2xx reply of the service, after any retries; see hcloud.APIError.
	APIError = hcloud.APIError
	// RequestError is a call that got no usable reply; see hcloud.RequestError.
	RequestError = hcloud.RequestError
	// ValidationError is a request refused before anything was sent; see
	// hcloud.ValidationError.
	ValidationError = hcloud.ValidationError
)

// Sentinel errors for errors.Is; each is the hcloud sentinel of the same name.
var (
	// ErrInvalidRequest matches every ValidationError.
	ErrInvalidRequest = hcloud.ErrInvalidRequest
	// ErrUnauthorized matches an APIError with status 401.
	ErrUnauthorized = hcloud.ErrUnauthorized
	// ErrForbidden matches an APIError with status 403.
	ErrForbidden = hcloud.ErrForbidden
	// ErrNotFound matches an APIError with status 404.
	ErrNotFound = hcloud.ErrNotFound
	// ErrConflict matches an APIError with status 409.
	ErrConflict = hcloud.ErrConflict
	// ErrPreconditionFailed matches an APIError with status 412.
	ErrPreconditionFailed = hcloud.ErrPreconditionFailed
	// ErrThrottled matches an APIError with status 429.
	ErrThrottled = hcloud.ErrThrottled
	// ErrRetryBudgetExhausted matches an APIError or RequestError whose failure was not
	// retried because the retry budget was empty.
	ErrRetryBudgetExhausted = hcloud.ErrRetryBudgetExhausted
	// ErrPaginationStalled is wrapped by the error an iterator yields when the service
	// answers the same page again whatever position is asked for.
	ErrPaginationStalled = hcloud.ErrPaginationStalled
)
