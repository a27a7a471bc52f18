package core

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
)

// headerTimeout bounds each attempt's wait for the response headers, and only that:
// once the headers are in, the body may take as long as it needs. Streamed downloads
// use it in place of http.Client.Timeout, which would also cut the body.
type headerTimeout struct {
	next http.RoundTripper
	d    time.Duration
}

func (t *headerTimeout) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	err := &headerTimeoutError{d: t.d}
	timer := time.AfterFunc(t.d, func() { cancel(err) })
	resp, rerr := t.next.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() {
		if rerr == nil {
			resp.Body.Close()
		}
		cancel(nil)
		return nil, err
	}
	if rerr != nil {
		cancel(nil)
		return nil, rerr
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// headerTimeoutError reports headers that did not come within Config.HTTPClient.Timeout.
// Like net/http's own client timeout, it matches context.DeadlineExceeded.
type headerTimeoutError struct{ d time.Duration }

func (e *headerTimeoutError) Error() string {
	return fmt.Sprintf("timeout awaiting headers (Config.HTTPClient.Timeout %v)", e.d)
}

func (e *headerTimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// Timeout reports true, as net.Error timeouts do.
func (e *headerTimeoutError) Timeout() bool { return true }

// cancelOnClose releases an attempt's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel(nil)
	return err
}

// Backoff returns the wait before retry n (1 for the first retry) under the retry
// policy of a call with options opts (WithRetry's, else the client's), and false when
// the policy allows no retry n: at most MaxAttempts-1. Callers that retry outside a
// single request, such as a download resuming its body, pace themselves with it and
// the client's Clock.
func (c *Client) Backoff(opts hcloud.CallOptions, n int) (time.Duration, bool) {
	p := c.policyFor(opts)
	if n < 1 || n >= p.MaxAttempts {
		return 0, false
	}
	return backoff(p, n), true
}
