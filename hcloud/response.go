package hcloud

import "net/http"

// ResponseMetadata describes the HTTP reply behind a response. Every response type
// embeds it, so resp.RequestID is at hand for a support ticket.
type ResponseMetadata struct {
	// RequestID is the reply's X-Request-Id header: quote it to Huawei Cloud support.
	RequestID string
	// StatusCode is the HTTP status of the reply, e.g. 200 or 202.
	StatusCode int
	// Header holds the reply's headers.
	Header http.Header
}
