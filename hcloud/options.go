package hcloud

import (
	"net/http"
	"time"
)

// Option changes one call: every operation, iterator and waiter takes any number of
// them as its last arguments, e.g.
//
//	client.ListLogBackups(ctx, req, hcloud.WithRetry(hcloud.RetryPolicy{MaxAttempts: 1}))
//
// An option that does not apply to a call (a poll delay on a call that does not poll)
// is ignored.
type Option func(*CallOptions)

// CallOptions are the settings of one call, as its Options leave them. Zero fields
// keep the client's behaviour.
type CallOptions struct {
	// Retry, when set, replaces Config.Retry for this call (its zero fields take the
	// defaults, as in Config.Retry).
	Retry *RetryPolicy
	// Header holds headers added to every request of the call. The signature covers
	// them. Headers the client sets itself (Authorization, X-Sdk-Date, Host,
	// X-Project-Id, X-Security-Token, X-Auth-Token, Content-Type, Content-Length) cannot
	// be replaced: the call fails validation.
	Header http.Header
	// MinDelay is the first delay between two polls of a waiter; each next delay
	// doubles up to MaxDelay. 0 means 2 s.
	MinDelay time.Duration
	// MaxDelay caps the delay between two polls of a waiter. 0 means 30 s (or MinDelay
	// when that is longer).
	MaxDelay time.Duration
	// Progress, when set, is called with the progress of a long-running workflow (an
	// export, a download), on the calling goroutine; it should return quickly.
	Progress func(Progress)
	// Observer, when set, replaces Config.Observer for this call (the pages of an
	// iterator and the requests of a waiter included).
	Observer Observer
}

// Apply returns the CallOptions that opts leave, applied in order; nil options are
// skipped.
func Apply(opts []Option) CallOptions {
	var o CallOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// WithRetry sets the retry policy of this call, instead of Config.Retry.
// WithRetry(RetryPolicy{MaxAttempts: 1}) sends the call once, e.g. to see a 409 the
// default retries would wait out.
func WithRetry(p RetryPolicy) Option {
	return func(o *CallOptions) { o.Retry = &p }
}

// WithHeader adds a header to every request of this call; it may be given several
// times, also for the same key.
func WithHeader(key, value string) Option {
	return func(o *CallOptions) {
		if o.Header == nil {
			o.Header = http.Header{}
		}
		o.Header.Add(key, value)
	}
}

// WithMinDelay sets a waiter's first delay between two polls (default 2 s); each next
// delay doubles up to the maximum.
func WithMinDelay(d time.Duration) Option {
	return func(o *CallOptions) { o.MinDelay = d }
}

// WithMaxDelay caps a waiter's delay between two polls (default 30 s).
func WithMaxDelay(d time.Duration) Option {
	return func(o *CallOptions) { o.MaxDelay = d }
}

// WithProgress sets the function called with the progress of a long-running workflow
// (baremetal's ExportAndDownload).
func WithProgress(fn func(Progress)) Option {
	return func(o *CallOptions) { o.Progress = fn }
}

// WithObserver sets the Observer of this call, instead of Config.Observer.
func WithObserver(o Observer) Option {
	return func(opts *CallOptions) { opts.Observer = o }
}

// Phase says which step of a workflow a Progress report is about.
type Phase string

// Phases of a workflow.
const (
	// PhaseWaiting reports the state of an asynchronous job, once per poll.
	PhaseWaiting Phase = "waiting"
	// PhaseDownloading reports the bytes of a download written so far.
	PhaseDownloading Phase = "downloading"
)

// Progress is one progress report of a workflow.
type Progress struct {
	// Phase is PhaseWaiting or PhaseDownloading.
	Phase Phase
	// JobID identifies the asynchronous job (e.g. a log export task's ID).
	JobID string
	// Status is the job's last known status, as the service spells it.
	Status string
	// Percent is the job's progress, 0..100 (100 while downloading); -1 when the
	// service's figure could not be read.
	Percent int
	// Written is the number of bytes written so far (PhaseDownloading).
	Written int64
	// Total is the download's size from its Content-Length, or -1 when unknown
	// (PhaseDownloading; 0 while waiting).
	Total int64
	// Filename is the downloaded file's name as the service suggests it
	// (PhaseDownloading; "" while waiting).
	Filename string
}
