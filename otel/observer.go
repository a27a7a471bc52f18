// Package hcloudotel traces and measures the calls of hcloudlogs-go clients with
// OpenTelemetry. It is a module of its own, so that the clients themselves depend on
// no OpenTelemetry package.
//
// Set an Observer as the Observer of a client's Config (or of one call, with
// hcloud.WithObserver):
//
//	obs, err := hcloudotel.NewObserver()
//	if err != nil { ... }
//	cfg.Observer = obs
//	client, err := css.New(cfg)
//
// Every operation gets a span named after its service and method, e.g.
// "CSS/ListLogBackups", with a child span per HTTP attempt ("GET
// /v1.0/{project_id}/clusters/{ClusterID}/logs/records"). Iterators (LogBackups) and
// waiters (BackupLogs, ExportAndDownload) get a span of their own, parent of the spans
// of their pages and polls. The spans carry the attributes of the OpenTelemetry
// semantic conventions for RPC and HTTP clients (semconv 1.38.0) plus the Huawei
// Cloud request ID (huaweicloud.request_id); a failed operation or attempt has an
// error status, and a failed operation records its error.
//
// The metrics are:
//
//   - hcloudlogs.client.operation.duration (histogram, s): operations, iterators and
//     waiters, by rpc.service, rpc.method, hcloudlogs.operation.kind and error.type;
//   - http.client.request.duration (histogram, s): HTTP attempts, by method, server,
//     status and error.type;
//   - hcloudlogs.client.attempts (counter): HTTP attempts, by rpc.service, rpc.method,
//     http.response.status_code and error.type;
//   - hcloudlogs.client.throttled (counter): replies with status 429;
//   - hcloudlogs.client.retry.stopped (counter): calls that stopped retrying a
//     retryable reply or error, by hcloudlogs.retry.stop_reason (max_attempts when
//     the retry policy's attempts ran out, context when the call's context ended during
//     a wait);
//   - hcloudlogs.client.download.size (counter, By): bytes read from downloads.
//
// By default an Observer takes its tracer and meter from the global providers
// (otel.GetTracerProvider, otel.GetMeterProvider); WithTracerProvider and
// WithMeterProvider name others. Trace context is sent to the service only with
// WithPropagator: the headers are added before each request is signed, so the
// signature covers them.
//
// Nothing secret reaches a span or a metric: the library hands an Observer no
// credentials, signatures, tokens or authentication headers.
package hcloudotel

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.38.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/hcloudlogs/hcloudlogs-go/hcloud"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/hcloudlogs/hcloudlogs-go/otel"

// RPCSystem is the value of rpc.system on every operation span.
const RPCSystem = "huaweicloud"

// Attribute keys this package adds to the semantic conventions.
const (
	// RequestIDKey is the X-Request-Id of a reply: quote it to Huawei Cloud support.
	RequestIDKey = attribute.Key("huaweicloud.request_id")
	// OperationKindKey says whether an operation span is a call, an iterator or a
	// waiter (hcloud.KindCall, KindIterator, KindWaiter).
	OperationKindKey = attribute.Key("hcloudlogs.operation.kind")
	// AttemptsKey is the number of HTTP attempts of a call.
	AttemptsKey = attribute.Key("hcloudlogs.attempts")
	// RetryReasonKey says why an attempt is retried, e.g. "status 429".
	RetryReasonKey = attribute.Key("hcloudlogs.retry.reason")
	// RetryWaitKey is the wait before the next attempt, in seconds.
	RetryWaitKey = attribute.Key("hcloudlogs.retry.wait")
	// RetryStopKey says why a call stopped retrying (hcloud.RetryStop values).
	RetryStopKey = attribute.Key("hcloudlogs.retry.stop_reason")
)

// Option configures an Observer.
type Option func(*config)

type config struct {
	tp         trace.TracerProvider
	mp         metric.MeterProvider
	propagate  bool
	propagator propagation.TextMapPropagator
}

// WithTracerProvider makes the Observer create its spans with tp instead of the
// global tracer provider.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithMeterProvider makes the Observer record its metrics with mp instead of the
// global meter provider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// WithPropagator sends the trace context of every HTTP attempt to the service, in the
// headers p writes (e.g. propagation.TraceContext{}'s traceparent); nil means the
// global propagator (otel.GetTextMapPropagator) at the time of each attempt. The
// headers are added before the request is signed, so the signature covers them.
// Without this option no trace header is sent.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(c *config) { c.propagate, c.propagator = true, p }
}

// Observer records spans and metrics for the calls of hcloudlogs-go clients. It
// implements hcloud.Observer; set it as Config.Observer. It is safe for concurrent
// use, and one Observer may serve any number of clients.
type Observer struct {
	tracer     trace.Tracer
	propagate  bool
	propagator propagation.TextMapPropagator

	opDuration      metric.Float64Histogram
	attemptDuration metric.Float64Histogram
	attempts        metric.Int64Counter
	throttled       metric.Int64Counter
	retryStopped    metric.Int64Counter
	downloaded      metric.Int64Counter
}

var _ hcloud.Observer = (*Observer)(nil)

// durationBuckets are the histogram bounds, in seconds: the semantic conventions' HTTP
// bounds, extended to the minutes that waiters take.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 120, 300, 600}

// NewObserver returns an Observer configured by opts. It fails only when the meter
// provider refuses an instrument.
func NewObserver(opts ...Option) (*Observer, error) {
	var c config
	for _, opt := range opts {
		if opt != nil {
			opt(&c)
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	o := &Observer{
		tracer:     c.tp.Tracer(ScopeName, trace.WithSchemaURL(semconv.SchemaURL)),
		propagate:  c.propagate,
		propagator: c.propagator,
	}
	m := c.mp.Meter(ScopeName, metric.WithSchemaURL(semconv.SchemaURL))
	var err, e error
	o.opDuration, e = m.Float64Histogram("hcloudlogs.client.operation.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of hcloudlogs-go operations, iterators and waiters, retries and waits included."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	err = errors.Join(err, e)
	o.attemptDuration, e = m.Float64Histogram("http.client.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of HTTP client requests."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	err = errors.Join(err, e)
	o.attempts, e = m.Int64Counter("hcloudlogs.client.attempts", metric.WithUnit("{attempt}"),
		metric.WithDescription("HTTP attempts of hcloudlogs-go calls, retries included."))
	err = errors.Join(err, e)
	o.throttled, e = m.Int64Counter("hcloudlogs.client.throttled", metric.WithUnit("{response}"),
		metric.WithDescription("Replies with status 429 (throttled)."))
	err = errors.Join(err, e)
	o.retryStopped, e = m.Int64Counter("hcloudlogs.client.retry.stopped", metric.WithUnit("{call}"),
		metric.WithDescription("Calls that stopped retrying a retryable reply or error, by reason."))
	err = errors.Join(err, e)
	o.downloaded, e = m.Int64Counter("hcloudlogs.client.download.size", metric.WithUnit("By"),
		metric.WithDescription("Bytes read from downloads (streamed replies)."))
	err = errors.Join(err, e)
	if err != nil {
		return nil, err
	}
	return o, nil
}

// ServiceName returns the name spans give a service ID: "CSS", "HSS", "DWS",
// "BareMetal"; an unknown ID as it is.
func ServiceName(service string) string {
	switch service {
	case hcloud.ServiceCSS:
		return "CSS"
	case hcloud.ServiceHSS:
		return "HSS"
	case hcloud.ServiceDWS:
		return "DWS"
	case hcloud.ServiceBareMetal:
		return "BareMetal"
	}
	return service
}

// StartOperation starts the span of op, named like "CSS/ListLogBackups": of kind
// client for a call, internal for an iterator or a waiter.
func (o *Observer) StartOperation(ctx context.Context, op *hcloud.Operation) context.Context {
	svc := ServiceName(op.Service)
	kind := trace.SpanKindClient
	if op.Kind != hcloud.KindCall {
		kind = trace.SpanKindInternal
	}
	ctx, _ = o.tracer.Start(ctx, svc+"/"+op.Name, trace.WithSpanKind(kind), trace.WithAttributes(
		semconv.RPCSystemKey.String(RPCSystem),
		semconv.RPCServiceKey.String(svc),
		semconv.RPCMethodKey.String(op.Name),
		OperationKindKey.String(string(op.Kind)),
	))
	return ctx
}

// EndOperation ends the span of op with its outcome and records its duration.
func (o *Observer) EndOperation(ctx context.Context, op *hcloud.Operation) {
	svc := ServiceName(op.Service)
	span := trace.SpanFromContext(ctx)
	attrs := make([]attribute.KeyValue, 0, 6)
	if op.StatusCode != 0 {
		attrs = append(attrs, semconv.HTTPResponseStatusCodeKey.Int(op.StatusCode))
	}
	if op.RequestID != "" {
		attrs = append(attrs, RequestIDKey.String(op.RequestID))
	}
	if op.Kind == hcloud.KindCall {
		attrs = append(attrs, AttemptsKey.Int(op.Attempts))
	}
	if op.RetryStop != "" {
		attrs = append(attrs, RetryStopKey.String(string(op.RetryStop)))
	}
	metricAttrs := []attribute.KeyValue{
		semconv.RPCSystemKey.String(RPCSystem),
		semconv.RPCServiceKey.String(svc),
		semconv.RPCMethodKey.String(op.Name),
		OperationKindKey.String(string(op.Kind)),
	}
	if op.Err != nil {
		et := semconv.ErrorTypeKey.String(errorType(op.Err))
		attrs = append(attrs, et)
		metricAttrs = append(metricAttrs, et)
		span.RecordError(op.Err)
		span.SetStatus(codes.Error, op.Err.Error())
	}
	span.SetAttributes(attrs...)
	span.End()
	o.opDuration.Record(ctx, op.Duration.Seconds(), metric.WithAttributes(metricAttrs...))
	if op.RetryStop != "" {
		o.retryStopped.Add(ctx, 1, metric.WithAttributes(
			semconv.RPCServiceKey.String(svc),
			semconv.RPCMethodKey.String(op.Name),
			RetryStopKey.String(string(op.RetryStop)),
		))
	}
}

// StartAttempt starts the span of an HTTP attempt, named like "GET
// /v1.0/{project_id}/clusters/{ClusterID}/logs/records", and adds the trace context to
// its request when WithPropagator was given.
func (o *Observer) StartAttempt(ctx context.Context, a *hcloud.Attempt) context.Context {
	attrs := make([]attribute.KeyValue, 0, 6)
	attrs = append(attrs,
		semconv.HTTPRequestMethodKey.String(a.Method),
		semconv.URLTemplateKey.String(a.PathTemplate),
		semconv.URLFullKey.String(a.URL),
	)
	host, port := splitHost(a.Host)
	attrs = append(attrs, semconv.ServerAddressKey.String(host))
	if port != 0 {
		attrs = append(attrs, semconv.ServerPortKey.Int(port))
	}
	if a.Number > 1 {
		attrs = append(attrs, semconv.HTTPRequestResendCountKey.Int(a.Number-1))
	}
	ctx, _ = o.tracer.Start(ctx, a.Method+" "+a.PathTemplate,
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	if o.propagate {
		p := o.propagator
		if p == nil {
			p = otel.GetTextMapPropagator()
		}
		a.Header = http.Header{}
		p.Inject(ctx, propagation.HeaderCarrier(a.Header))
	}
	return ctx
}

// EndAttempt ends the span of an HTTP attempt with its outcome and counts it.
func (o *Observer) EndAttempt(ctx context.Context, a *hcloud.Attempt) {
	span := trace.SpanFromContext(ctx)
	attrs := make([]attribute.KeyValue, 0, 6)
	host, port := splitHost(a.Host)
	httpAttrs := []attribute.KeyValue{
		semconv.HTTPRequestMethodKey.String(a.Method),
		semconv.ServerAddressKey.String(host),
	}
	if port != 0 {
		httpAttrs = append(httpAttrs, semconv.ServerPortKey.Int(port))
	}
	rpcAttrs := []attribute.KeyValue{
		semconv.RPCSystemKey.String(RPCSystem),
		semconv.RPCServiceKey.String(ServiceName(a.Service)),
		semconv.RPCMethodKey.String(a.Operation),
	}
	if a.StatusCode != 0 {
		status := semconv.HTTPResponseStatusCodeKey.Int(a.StatusCode)
		attrs = append(attrs, status)
		httpAttrs = append(httpAttrs, status)
		rpcAttrs = append(rpcAttrs, status)
	}
	if a.RequestID != "" {
		attrs = append(attrs, RequestIDKey.String(a.RequestID))
	}
	if a.Bytes > 0 {
		attrs = append(attrs, semconv.HTTPResponseBodySizeKey.Int64(a.Bytes))
	}
	if a.Retry {
		attrs = append(attrs, RetryReasonKey.String(a.RetryReason), RetryWaitKey.Float64(a.RetryWait.Seconds()))
	}
	switch {
	case a.Err != nil:
		et := semconv.ErrorTypeKey.String(errorType(a.Err))
		attrs = append(attrs, et)
		httpAttrs = append(httpAttrs, et)
		rpcAttrs = append(rpcAttrs, et)
		span.SetStatus(codes.Error, a.Err.Error())
	case a.StatusCode >= 400:
		et := semconv.ErrorTypeKey.String(strconv.Itoa(a.StatusCode))
		attrs = append(attrs, et)
		httpAttrs = append(httpAttrs, et)
		rpcAttrs = append(rpcAttrs, et)
		span.SetStatus(codes.Error, "")
	}
	span.SetAttributes(attrs...)
	span.End()
	o.attemptDuration.Record(ctx, a.Duration.Seconds(), metric.WithAttributes(httpAttrs...))
	o.attempts.Add(ctx, 1, metric.WithAttributes(rpcAttrs...))
	if a.StatusCode == http.StatusTooManyRequests {
		o.throttled.Add(ctx, 1, metric.WithAttributes(rpcAttrs[:3]...))
	}
	if a.Streamed && a.Bytes > 0 {
		o.downloaded.Add(ctx, a.Bytes, metric.WithAttributes(rpcAttrs[:3]...))
	}
}

// errorType is the error.type of err: the HTTP status of an *hcloud.APIError,
// "canceled" or "deadline_exceeded" for an ended context, "_OTHER" otherwise.
func errorType(err error) string {
	var ae *hcloud.APIError
	switch {
	case errors.As(err, &ae):
		return strconv.Itoa(ae.StatusCode)
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "_OTHER"
}

// splitHost splits "host:port" (or a bare host) into its host and port; port is 0
// when there is none.
func splitHost(hostport string) (string, int) {
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport, 0
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return host, 0
	}
	return host, port
}
