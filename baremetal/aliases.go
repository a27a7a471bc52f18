package baremetal

import (
	"github.com/hcloudlogs/hcloudlogs-go/internal/core"
	"github.com/hcloudlogs/hcloudlogs-go/internal/page"
)

// The shared configuration and error types, re-exported so that one value configures
// every service client and one errors.As target matches every service's errors.
type (
	// Config configures a Client; see the field docs. One Config serves every service.
	Config = core.Config
	// RetryPolicy says which failures are retried and how long to wait in between.
	RetryPolicy = core.RetryPolicy
	// Clock tells time and waits; Config.Clock lets tests replace the wall clock.
	Clock = core.Clock
	// CredentialsProvider supplies credentials per request (see Config.CredentialsProvider).
	CredentialsProvider = core.CredentialsProvider
	// APIError is a non-2xx reply of the service, after any retries.
	APIError = core.APIError
	// RequestError is a call that got no usable reply (transport failure, cancelled
	// context, undecodable response).
	RequestError = core.RequestError
	// ValidationError is a request refused before anything was sent.
	ValidationError = core.ValidationError
)

// Sentinel errors for errors.Is.
var (
	// ErrInvalidRequest matches every ValidationError.
	ErrInvalidRequest = core.ErrInvalidRequest
	// ErrUnauthorized matches an APIError with status 401.
	ErrUnauthorized = core.ErrUnauthorized
	// ErrForbidden matches an APIError with status 403.
	ErrForbidden = core.ErrForbidden
	// ErrNotFound matches an APIError with status 404.
	ErrNotFound = core.ErrNotFound
	// ErrConflict matches an APIError with status 409.
	ErrConflict = core.ErrConflict
	// ErrPreconditionFailed matches an APIError with status 412.
	ErrPreconditionFailed = core.ErrPreconditionFailed
	// ErrThrottled matches an APIError with status 429.
	ErrThrottled = core.ErrThrottled
	// ErrPaginationStalled is wrapped by the error an iterator yields when the service
	// returns the same page twice (it ignored the offset).
	ErrPaginationStalled = page.ErrPaginationStalled
)

// ConfigFromEnv reads credentials, region and project ID from the environment; see
// the README's Configuration section for the variables.
func ConfigFromEnv() (Config, error) { return core.ConfigFromEnv() }
