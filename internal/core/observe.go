package core

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
)

// The observation vocabulary, defined in package hcloud.
type (
	Observer      = hcloud.Observer
	OperationKind = hcloud.OperationKind
)

// observerOf returns the Observer of a call with options o: its own, else the client's.
func (c *Client) observerOf(o *hcloud.CallOptions) Observer {
	if o != nil && o.Observer != nil {
		return o.Observer
	}
	return c.observer
}

// endNothing ends an operation nobody observes.
func endNothing(error) {}

// StartOperation starts the operation name of kind (an iterator or a waiter) for the
// Observer of options o. It returns the context to run the operation with and the
// function that ends it with its error; without an Observer, ctx itself and a no-op.
func (c *Client) StartOperation(ctx context.Context, name string, kind OperationKind, o *hcloud.CallOptions) (context.Context, func(error)) {
	obs := c.observerOf(o)
	if obs == nil {
		return ctx, endNothing
	}
	op := &hcloud.Operation{Service: c.service, Name: name, Kind: kind, Start: c.clock.Now()}
	ctx = obs.StartOperation(ctx, op)
	var once sync.Once
	return ctx, func(err error) {
		once.Do(func() {
			op.Err = err
			op.Duration = c.clock.Now().Sub(op.Start)
			obs.EndOperation(ctx, op)
		})
	}
}

// Starter returns the function that starts the operation name of kind for the
// Observer of options o, as StartOperation does; nil when no Observer is set.
func (c *Client) Starter(name string, kind OperationKind, o hcloud.CallOptions) func(context.Context) (context.Context, func(error)) {
	if c.observerOf(&o) == nil {
		return nil
	}
	return func(ctx context.Context) (context.Context, func(error)) {
		return c.StartOperation(ctx, name, kind, &o)
	}
}

// observation follows an observed call: the operation, and its attempt in progress.
type observation struct {
	obs     Observer
	clock   Clock
	path    string          // the call's path template
	params  []string        // a copy of its path parameters
	ctx     context.Context // the operation's, as StartOperation returned it
	op      hcloud.Operation
	attempt hcloud.Attempt
	actx    context.Context // the attempt's, as StartAttempt returned it
	open    bool            // an attempt started and has not ended
	added   []string        // the header keys the open attempt's Observer added
	ended   bool
}

// startCall starts observing call when an Observer is set. It returns the context to
// send the call with.
func (c *Client) startCall(ctx context.Context, st *attemptState, call *Call) context.Context {
	obs := c.observerOf(&call.Options)
	if obs == nil {
		return ctx
	}
	// Copies only: the call itself must not escape (it stays on its caller's stack).
	o := &observation{obs: obs, clock: c.clock, path: call.Path, params: append([]string(nil), call.Params...)}
	o.op = hcloud.Operation{Service: c.service, Name: call.Op, Kind: hcloud.KindCall, Start: c.clock.Now()}
	o.ctx = obs.StartOperation(ctx, &o.op)
	st.obs = o
	return o.ctx
}

// startAttempt tells the Observer that attempt st.attempts of the call starts, and
// adds the headers it asks for to req.
func (st *attemptState) startAttempt(req *http.Request) {
	o := st.obs
	if o == nil {
		return
	}
	for _, k := range o.added {
		req.Header.Del(k)
	}
	o.added = o.added[:0]
	u := req.URL
	o.attempt = hcloud.Attempt{
		Service:      o.op.Service,
		Operation:    o.op.Name,
		Number:       st.attempts,
		Method:       req.Method,
		Host:         u.Host,
		PathTemplate: o.path,
		PathParams:   append([]string(nil), o.params...),
		URL:          u.String(),
		Start:        o.clock.Now(),
	}
	o.actx = o.obs.StartAttempt(o.ctx, &o.attempt)
	o.open = true
	for k, vs := range o.attempt.Header {
		ck := http.CanonicalHeaderKey(k)
		if _, set := req.Header[ck]; set || len(vs) == 0 {
			continue // the call or the pipeline sets it
		}
		if checkHeaders(Op{}, http.Header{ck: vs}) != nil {
			continue
		}
		req.Header[ck] = append([]string(nil), vs...)
		o.added = append(o.added, ck)
	}
}

// noteReply records the outcome of the attempt in progress: its reply or error.
func (st *attemptState) noteReply(resp *http.Response, err error) {
	o := st.obs
	if o == nil || !o.open {
		return
	}
	if resp != nil {
		o.attempt.StatusCode = resp.StatusCode
		o.attempt.RequestID = resp.Header.Get("X-Request-Id")
	}
	o.attempt.Err = err
}

// endAttempt tells the Observer that the attempt in progress ended; retry says that
// another follows after st.wait.
func (st *attemptState) endAttempt(retry bool) {
	o := st.obs
	if o == nil || !o.open {
		return
	}
	o.open = false
	a := &o.attempt
	a.Duration = o.clock.Now().Sub(a.Start)
	if retry {
		a.Retry, a.RetryReason, a.RetryWait = true, st.reason, st.wait
	}
	o.op.StatusCode, o.op.RequestID = a.StatusCode, a.RequestID
	o.obs.EndAttempt(o.actx, a)
}

// endRead ends the attempt that read a reply of n bytes.
func (st *attemptState) endRead(n int) {
	if st.obs != nil && st.obs.open {
		st.obs.attempt.Bytes = int64(n)
		st.endAttempt(false)
	}
}

// endCall ends the attempt in progress and the observed call, with err.
func (st *attemptState) endCall(err error) {
	o := st.obs
	if o == nil || o.ended {
		return
	}
	st.endAttempt(false)
	o.ended = true
	o.op.Err = err
	o.op.Attempts = st.attempts
	o.op.RetryStop = st.stop
	o.op.Duration = o.clock.Now().Sub(o.op.Start)
	o.obs.EndOperation(o.ctx, &o.op)
}

// observeBody returns body, counted, ending the observed call when it is closed; body
// itself when the call is not observed.
func (st *attemptState) observeBody(body io.ReadCloser) io.ReadCloser {
	if st.obs == nil {
		return body
	}
	st.obs.attempt.Streamed = true
	return &observedBody{rc: body, st: st}
}

// observedBody counts the bytes read from a streamed reply and ends its call on Close.
type observedBody struct {
	rc   io.ReadCloser
	st   *attemptState
	n    atomic.Int64
	err  atomic.Pointer[error] // the first read error other than io.EOF
	once sync.Once
}

func (b *observedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n.Add(int64(n))
	if err != nil && !errors.Is(err, io.EOF) {
		b.err.CompareAndSwap(nil, &err)
	}
	return n, err
}

func (b *observedBody) Close() error {
	err := b.rc.Close()
	b.once.Do(func() {
		var readErr error
		if p := b.err.Load(); p != nil {
			readErr = *p
		}
		o := b.st.obs
		o.attempt.Bytes = b.n.Load()
		o.attempt.Err = readErr
		b.st.endCall(readErr)
	})
	return err
}
