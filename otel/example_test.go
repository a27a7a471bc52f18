package hcloudotel_test

import (
	"context"
	"fmt"
	"log"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hcloudlogs/hcloudlogs-go/css"
	"github.com/hcloudlogs/hcloudlogs-go/css/csstest"
	hcloudotel "github.com/hcloudlogs/hcloudlogs-go/otel"
)

// Trace a CSS client: each call is a span with a child span per HTTP attempt, and the
// trace context travels to the service in a signed traceparent header. Here the spans
// go to an in-memory recorder and the service is the csstest fake; in a program, pass
// your tracer provider (or none, for the global one).
func Example() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	obs, err := hcloudotel.NewObserver(
		hcloudotel.WithTracerProvider(tp),
		hcloudotel.WithPropagator(propagation.TraceContext{}),
	)
	if err != nil {
		log.Fatal(err)
	}

	srv := csstest.NewServer()
	defer srv.Close()
	srv.AddCluster("4213d908-f5dc-4633-8401-cfd7175fca0c")
	cfg := srv.Config() // or config.Load(ctx) for the real service
	cfg.Observer = obs
	client, err := css.New(cfg)
	if err != nil {
		log.Fatal(err)
	}

	_, err = client.ListLogBackups(context.Background(), &css.ListLogBackupsRequest{ClusterID: "4213d908-f5dc-4633-8401-cfd7175fca0c"})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range spans.Ended() {
		fmt.Println(s.Name(), s.SpanKind())
	}
	// Output:
	// GET /v1.0/{project_id}/clusters/{ClusterID}/logs/records client
	// CSS/ListLogBackups client
}
