package hcloud

import (
	"context"
	"net/http"
	"time"
)

// Observer sees what clients do, for tracing and metrics: every operation, iterator
// and waiter, and every HTTP attempt of their requests. Set it as Config.Observer for
// all the calls of a client, or with WithObserver for one call. The module
// github.com/hcloudlogs/hcloudlogs-go/otel implements it with OpenTelemetry.
//
// The methods run synchronously on the goroutine of the call, so they should return
// quickly; an Observer must be safe for concurrent use. Nothing an Observer receives
// carries a secret: no credentials, no signature, no token, and no request header but
// the ones it adds itself.
//
// Each Start is followed by exactly one End with the context the Start returned, so an
// Observer can keep its state (a span, a start time) in that context. The context
// StartOperation returns is also the context of everything the operation does: the
// pages of an iterator and the polls of a waiter are operations started with it, so
// they see their parent in it.
//
// A call refused by validation, before anything is sent, is not observed.
type Observer interface {
	// StartOperation is called when an operation, iterator or waiter starts, with the
	// caller's context; op describes it. It returns the context of the operation.
	StartOperation(ctx context.Context, op *Operation) context.Context
	// EndOperation is called once when the operation ends, with the context
	// StartOperation returned and op filled in with the outcome. An operation whose
	// reply is streamed (a download) ends when the caller closes the reply's body.
	EndOperation(ctx context.Context, op *Operation)
	// StartAttempt is called before each HTTP request of an operation is signed and
	// sent, with the operation's context; a describes the request, and headers put in
	// a.Header are added to it. It returns the context of the attempt.
	StartAttempt(ctx context.Context, a *Attempt) context.Context
	// EndAttempt is called once when the attempt ends, with the context StartAttempt
	// returned and a filled in with the outcome: before the wait when the request is
	// retried, after the reply is read otherwise (for a streamed reply, when its body
	// is closed).
	EndAttempt(ctx context.Context, a *Attempt)
}

// OperationKind says what an observed operation is.
type OperationKind string

// Kinds of operations.
const (
	// KindCall is a single API operation, e.g. ListLogBackups: one request, retries
	// included.
	KindCall OperationKind = "call"
	// KindIterator is the walk of an iterator, e.g. LogBackups: its pages are calls
	// nested in it.
	KindIterator OperationKind = "iterator"
	// KindWaiter is a workflow that waits for an asynchronous job, e.g. BackupLogs or
	// ExportAndDownload: its requests and polls are calls nested in it.
	KindWaiter OperationKind = "waiter"
)

// RetryStop says why a call stopped retrying a reply or error that its retry policy
// retries.
type RetryStop string

// Reasons to stop retrying. Other reasons may be added.
const (
	// RetryStopMaxAttempts is a call that made RetryPolicy.MaxAttempts attempts.
	RetryStopMaxAttempts RetryStop = "max_attempts"
	// RetryStopContext is a call whose context ended while it waited for a retry.
	RetryStopContext RetryStop = "context"
	// RetryStopDeadline is a call whose next wait would not end before its context's
	// deadline, so it returned the last reply at once.
	RetryStopDeadline RetryStop = "deadline"
	// RetryStopBudget is a call whose retry the retry budget could not pay for
	// (ErrRetryBudgetExhausted).
	RetryStopBudget RetryStop = "budget"
)

// Operation describes an observed operation, iterator or waiter. StartOperation sees
// the fields above Start filled in; EndOperation sees them all.
type Operation struct {
	// Service is the service ID, e.g. ServiceCSS.
	Service string
	// Name is the operation, iterator or waiter, as its method is named, e.g.
	// "ListLogBackups", "LogBackups" or "BackupLogs".
	Name string
	// Kind says whether it is a single call, an iterator or a waiter.
	Kind OperationKind
	// Start is when it started, by the client's Clock.
	Start time.Time

	// Duration is how long it took, by the client's Clock.
	Duration time.Duration
	// Err is the error it ended with; nil on success.
	Err error
	// StatusCode is the HTTP status of the last reply of a call; 0 when there was none,
	// and for iterators and waiters.
	StatusCode int
	// RequestID is the X-Request-Id of the last reply of a call, for support tickets;
	// "" when there was none, and for iterators and waiters.
	RequestID string
	// Attempts is how many HTTP requests a call sent, retries included; 0 for
	// iterators and waiters.
	Attempts int
	// RetryStop, when set, says why a call stopped retrying a reply or error that its
	// retry policy retries (the last reply or error is then Err).
	RetryStop RetryStop
}

// Attempt describes one HTTP request of an operation. StartAttempt sees the fields
// above Start filled in (and may set Header); EndAttempt sees them all.
type Attempt struct {
	// Service is the service ID, e.g. ServiceCSS.
	Service string
	// Operation is the operation's name, e.g. "ListLogBackups".
	Operation string
	// Number counts the attempts of the call from 1.
	Number int
	// Method is the HTTP method.
	Method string
	// Host is the endpoint's host, with its port when the endpoint names one.
	Host string
	// PathTemplate is the path with its parameters as placeholders, e.g.
	// "/v1.0/{project_id}/clusters/{ClusterID}/logs/records".
	PathTemplate string
	// PathParams are the values of the placeholders of PathTemplate other than
	// {project_id}, in order.
	PathParams []string
	// URL is the request URL, query included.
	URL string
	// Start is when the attempt started, by the client's Clock.
	Start time.Time
	// Header is empty when StartAttempt is called. Headers StartAttempt puts in it
	// (e.g. W3C trace context) are added to this attempt's request before it is
	// signed: the signature covers them, so a proxy must not change them. Headers
	// the client sets itself (Authorization, X-Sdk-Date, Host, X-Project-Id,
	// X-Security-Token, X-Auth-Token, Content-Type, Content-Length), headers the call
	// sets (WithHeader) and invalid ones are ignored.
	Header http.Header

	// Duration is how long the attempt took, by the client's Clock: until the reply
	// was read, or, for a streamed reply, until its body was closed.
	Duration time.Duration
	// StatusCode is the reply's HTTP status; 0 when there was no reply.
	StatusCode int
	// RequestID is the reply's X-Request-Id; "" when there was none.
	RequestID string
	// Err is the transport error of an attempt that got no usable reply (or whose
	// streamed body failed to read); nil otherwise, a non-2xx reply included.
	Err error
	// Retry reports that the call retries after this attempt, after RetryWait, because
	// of RetryReason (e.g. "status 429" or a transport error's text).
	Retry bool
	// RetryReason says why the attempt is retried; "" when it is not.
	RetryReason string
	// RetryWait is the wait before the next attempt (backoff or Retry-After).
	RetryWait time.Duration
	// Streamed reports a reply whose body the caller read itself (a download).
	Streamed bool
	// Bytes is the size of the reply body read: the whole JSON reply, or what the
	// caller read of a streamed one before closing it.
	Bytes int64
}
